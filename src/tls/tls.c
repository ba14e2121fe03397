/*
 * tls.c - the TLS transport: mbedTLS over a lower mqtts_transport.
 *
 * Why it is written the way it is:
 *   - mbedTLS's I/O callbacks (mbedtls_ssl_set_bio) call the lower
 *     transport's send/recv, which never block: "would block" becomes
 *     MBEDTLS_ERR_SSL_WANT_READ/WRITE, and the handshake loop waits with
 *     the lower transport's wait() until the one deadline of connect().
 *   - The mbedTLS configuration, trust, keys and record buffers are set up
 *     once, in mqtts_tls_init(); each connect() only resets the session
 *     (mbedtls_ssl_session_reset), so reconnecting allocates nothing new.
 *   - What the lower transport said is remembered (lower_err): mbedTLS
 *     flattens every I/O failure into one code, and "connection reset"
 *     should stay "connection reset".
 *   - send(): mbedTLS seals a record and may then not be able to write it
 *     all. Its own rule is that the next write repeats the same call; the
 *     transport contract says 0 means "nothing moved, call again with the
 *     same bytes". pending_write ties the two together, so the bytes are
 *     acknowledged exactly once, when they are on the wire.
 *   - wait(): bytes mbedTLS has already decrypted, or a whole record already
 *     read into its buffer, are invisible to poll(); they are reported
 *     readable at once.
 */
#define _POSIX_C_SOURCE 200809L /* clock_gettime */

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tls/tls_internal.h"

#if defined(__unix__) || defined(__APPLE__)
#define TLS_HAVE_MONOTONIC 1
#else
#define TLS_HAVE_MONOTONIC 0
#endif

/* ---------------------------------------------------------------------- */
/* Clocks. */

static uint32_t now_ms(const tls_engine *e)
{
    if (e->cfg.now_ms != NULL)
        return e->cfg.now_ms(e->cfg.user);
#if TLS_HAVE_MONOTONIC
    struct timespec ts;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
#else
    return 0; /* not reached: init refuses a missing now_ms here */
#endif
}

static int64_t wall_clock(const tls_engine *e)
{
    if (e->cfg.wall_clock != NULL)
        return e->cfg.wall_clock(e->cfg.user);
    return (int64_t)time(NULL);
}

/* ---------------------------------------------------------------------- */
/* mbedTLS's I/O, over the lower transport. */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    tls_engine *e = ctx;
    int32_t n = e->lower.send(e->lower.ctx, buf, len > INT_MAX ? (size_t)INT_MAX : len);

    if (n > 0)
        return (int)n;
    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    e->lower_err = (mqtts_err)n;
    return MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    tls_engine *e = ctx;
    int32_t n = e->lower.recv(e->lower.ctx, buf, len > INT_MAX ? (size_t)INT_MAX : len);

    if (n > 0) {
        if (!e->connected)
            tls_sniff_rx(&e->sniff, buf, (size_t)n);
        return (int)n;
    }
    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    e->lower_err = (mqtts_err)n;
    return n == MQTTS_ERR_CLOSED ? 0 : MBEDTLS_ERR_SSL_INTERNAL_ERROR; /* 0: end of stream */
}

/* ---------------------------------------------------------------------- */
/* The transport. */

static tls_engine *engine_of(void *ctx)
{
    mqtts_tls *tls = ctx;
    return tls != NULL ? tls->engine : NULL;
}

static void tls_close(void *ctx)
{
    tls_engine *e = engine_of(ctx);

    if (e == NULL)
        return;
    if (e->connected && e->failed == MQTTS_OK)
        (void)mbedtls_ssl_close_notify(&e->ssl); /* best effort, never waits */
    if (e->lower_up)
        e->lower.close(e->lower.ctx);
    e->lower_up = false;
    e->connected = false;
    e->failed = MQTTS_OK;
    e->pending_write = 0;
    (void)mbedtls_ssl_session_reset(&e->ssl);
}

static mqtts_err handshake(tls_engine *e, uint32_t start, uint32_t timeout_ms)
{
    for (;;) {
        int rc = mbedtls_ssl_handshake(&e->ssl);
        uint32_t spent;
        int w;

        if (rc == 0)
            return MQTTS_OK;
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE)
            return tls_diagnose_handshake(e, rc);
        spent = now_ms(e) - start;
        if (spent >= timeout_ms)
            return tls_diagnose_timeout(e, timeout_ms);
        w = e->lower.wait(e->lower.ctx, rc == MBEDTLS_ERR_SSL_WANT_WRITE, timeout_ms - spent);
        if (w < 0) {
            e->lower_err = (mqtts_err)w;
            return tls_diagnose_handshake(e, MBEDTLS_ERR_SSL_INTERNAL_ERROR);
        }
    }
}

static void log_connected(const tls_engine *e)
{
    char peer[TLS_NAME_MAX + 16], by[TLS_DN_MAX + 8] = "", alpn[64] = "";

#if defined(MBEDTLS_SSL_ALPN)
    const char *agreed = mbedtls_ssl_get_alpn_protocol(&e->ssl);
    if (agreed != NULL)
        (void)snprintf(alpn, sizeof alpn, ", ALPN \"%s\"", agreed);
#endif
    if (e->facts.root_subject[0] != '\0')
        (void)snprintf(by, sizeof by, " by \"%s\"", e->facts.root_subject);
    tls_peer_text(e, peer, sizeof peer);
    tls_log(e, MQTTS_TLS_LOG_INFO, "TLS to %s: %s, %s, %s%s%s", peer,
            mbedtls_ssl_get_version(&e->ssl), mbedtls_ssl_get_ciphersuite(&e->ssl),
            e->cfg.insecure ? "NOT verified" : "verified", by, alpn);
}

static mqtts_err begin(tls_engine *e, const char *host, uint16_t port)
{
    size_t len = strlen(host);

    if (len >= sizeof e->host) {
        tls_detail(e, "the host name is longer than %zu characters", sizeof e->host - 1);
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    memcpy(e->host, host, len + 1);
    e->port = port;
    e->owner->detail[0] = '\0';
    tls_facts_clear(&e->facts);
    memset(&e->sniff, 0, sizeof e->sniff);
    e->lower_err = MQTTS_OK;
    return tls_set_name(e, host);
}

static mqtts_err tls_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    mqtts_tls *tls = ctx;
    tls_engine *e = engine_of(ctx);
    char peer[TLS_NAME_MAX + 16];
    uint32_t start;
    mqtts_err err;
    int rc;

    if (e == NULL || host == NULL || host[0] == '\0' || port == 0) {
        if (tls != NULL && e == NULL && tls->detail[0] == '\0')
            tls_detail_raw(tls, "mqtts_tls_init() did not succeed on this mqtts_tls");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    tls_close(tls);
    if ((err = begin(e, host, port)) != MQTTS_OK)
        return err;
    start = now_ms(e);
    e->wall_now = wall_clock(e);
    tls_peer_text(e, peer, sizeof peer);
    if (e->cfg.insecure) {
        tls_log(e, MQTTS_TLS_LOG_WARNING,
                "TLS to %s is NOT verified (insecure = true): the connection is encrypted, but "
                "anyone on the network path can read and change it. Give the broker's CA "
                "(ca_file) instead.",
                peer);
    } else if ((err = tls_check_clock(e)) != MQTTS_OK) {
        return err;
    }
    err = e->lower.connect(e->lower.ctx, host, port, timeout_ms);
    if (err != MQTTS_OK) {
        tls_detail(e, "cannot connect to %s: %s", peer, mqtts_strerror(err));
        return err;
    }
    e->lower_up = true;
    /* A name is always set, NULL for an address: from mbedTLS 3.6.3 a
     * client that never sets one cannot verify (see mbedtls_compat.h). */
    rc = mbedtls_ssl_set_hostname(&e->ssl, e->name_is_ip ? NULL : e->name);
    if (rc == 0) {
        mbedtls_ssl_set_bio(&e->ssl, e, bio_send, bio_recv, NULL);
        err = handshake(e, start, timeout_ms);
    } else {
        tls_detail(e, "the server name \"%s\" cannot be set (mbedTLS -0x%04X)", e->name,
                   (unsigned)-rc);
        err = MQTTS_ERR_INVALID_ARGUMENT;
    }
    if (err != MQTTS_OK) {
        e->lower.close(e->lower.ctx);
        e->lower_up = false;
        (void)mbedtls_ssl_session_reset(&e->ssl);
        return err;
    }
    e->connected = true;
    log_connected(e);
    return MQTTS_OK;
}

static int32_t tls_send(void *ctx, const uint8_t *buf, size_t len)
{
    tls_engine *e = engine_of(ctx);
    int rc;

    if (e == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (e->failed != MQTTS_OK)
        return e->failed;
    if (!e->connected)
        return MQTTS_ERR_NOT_CONNECTED;
    if (len == 0)
        return 0;
    if (buf == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (e->pending_write > 0) {
        if (len < e->pending_write)
            return MQTTS_ERR_INVALID_ARGUMENT; /* not the bytes of the last call */
        len = e->pending_write;
    } else if (len > INT_MAX) {
        len = INT_MAX;
    }
    rc = mbedtls_ssl_write(&e->ssl, buf, len);
    if (rc > 0) {
        e->pending_write = 0;
        return (int32_t)rc;
    }
    if (rc == MBEDTLS_ERR_SSL_WANT_WRITE || rc == MBEDTLS_ERR_SSL_WANT_READ) {
        e->pending_write = len;
        return 0;
    }
    e->failed = tls_diagnose_record(e, rc);
    return e->failed;
}

static int32_t tls_recv(void *ctx, uint8_t *buf, size_t cap)
{
    tls_engine *e = engine_of(ctx);

    if (e == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (e->failed != MQTTS_OK)
        return e->failed;
    if (!e->connected)
        return MQTTS_ERR_NOT_CONNECTED;
    if (cap == 0)
        return 0;
    if (buf == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (cap > INT_MAX)
        cap = INT_MAX;
    for (;;) {
        int rc = mbedtls_ssl_read(&e->ssl, buf, cap);
        if (rc > 0)
            return (int32_t)rc;
        if (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE)
            return 0;
        if (mqtts_ssl_read_retry(rc))
            continue;
        e->failed = tls_diagnose_record(e, rc);
        return e->failed;
    }
}

static int tls_wait(void *ctx, bool want_write, uint32_t timeout_ms)
{
    tls_engine *e = engine_of(ctx);

    if (e == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (e->failed != MQTTS_OK)
        return MQTTS_READABLE; /* recv() reports it */
    if (!e->connected)
        return MQTTS_ERR_NOT_CONNECTED;
    if (mbedtls_ssl_get_bytes_avail(&e->ssl) > 0 || mbedtls_ssl_check_pending(&e->ssl))
        return MQTTS_READABLE;
    return e->lower.wait(e->lower.ctx, want_write, timeout_ms);
}

/* ---------------------------------------------------------------------- */
/* Set-up. */

static void engine_free(tls_engine *e)
{
    mbedtls_ssl_free(&e->ssl);
    mbedtls_ssl_config_free(&e->conf);
    mbedtls_x509_crt_free(&e->ca);
    mbedtls_x509_crt_free(&e->own_cert);
    mbedtls_pk_free(&e->own_key);
    mbedtls_ctr_drbg_free(&e->drbg);
    mbedtls_entropy_free(&e->entropy);
    tls_facts_clear(&e->facts);
    free(e->pins);
    free(e);
}

static mqtts_err check_config(mqtts_tls *tls, const mqtts_tls_config *cfg,
                              const mqtts_transport *lower, const mqtts_transport *t)
{
    size_t n = 0;

    if (lower == NULL || t == NULL || lower->connect == NULL || lower->send == NULL ||
        lower->recv == NULL || lower->close == NULL) {
        tls_detail_raw(tls, "mqtts_tls_init() needs a lower transport with connect, send, recv "
                            "and close, and a transport to fill");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    if (lower->wait == NULL) {
        tls_detail_raw(tls, "the lower transport has no wait(): TLS over a callback-driven "
                            "transport is not supported yet");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    if (cfg->insecure && cfg->pin_count > 0) {
        tls_detail_raw(tls, "insecure = true checks nothing, so pins would never be checked: "
                            "use one or the other");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    if (cfg->pin_count > 0 && cfg->pins == NULL) {
        tls_detail_raw(tls, "pin_count is %zu but pins is NULL", cfg->pin_count);
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    while (cfg->alpn != NULL && cfg->alpn[n] != NULL)
        n++;
    if (n > MQTTS_TLS_ALPN_MAX) {
        tls_detail_raw(tls, "%zu ALPN protocols given; at most %d are offered", n,
                       MQTTS_TLS_ALPN_MAX);
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
#if !TLS_HAVE_MONOTONIC
    if (cfg->now_ms == NULL) {
        tls_detail_raw(tls, "now_ms is required on this platform (a monotonic millisecond "
                            "clock for the handshake deadline)");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
#endif
    return MQTTS_OK;
}

static mqtts_err setup_failed(tls_engine *e, const char *what, int rc)
{
    char words[128];

    tls_mbedtls_words(rc, words, sizeof words);
    tls_detail(e, "mbedTLS could not %s: %s (-0x%04X)", what,
               words[0] != '\0' ? words : "no description in this build", (unsigned)-rc);
    return MQTTS_ERR_TLS_SETUP;
}

/* PSA (mbedTLS 3) and the random generator: needed before a key is parsed. */
static mqtts_err seed(tls_engine *e)
{
    static const unsigned char personal[] = "mqtts tls";
    int rc;

    if (mqtts_mbedtls_global_init() != 0) {
        tls_detail(e, "mbedTLS could not initialise PSA Crypto (psa_crypto_init)");
        return MQTTS_ERR_TLS_SETUP;
    }
    rc = mbedtls_ctr_drbg_seed(&e->drbg, mbedtls_entropy_func, &e->entropy, personal,
                               sizeof personal - 1);
    if (rc != 0)
        return setup_failed(e, "seed its random generator (no entropy source?)", rc);
    return MQTTS_OK;
}

static mqtts_err configure(tls_engine *e)
{
    size_t n = 0;
    int rc;

    rc = mbedtls_ssl_config_defaults(&e->conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0)
        return setup_failed(e, "set its defaults", rc);
    mqtts_conf_min_tls12(&e->conf);
    mbedtls_ssl_conf_rng(&e->conf, mbedtls_ctr_drbg_random, &e->drbg);
    if (e->cfg.insecure) {
        mbedtls_ssl_conf_authmode(&e->conf, MBEDTLS_SSL_VERIFY_NONE);
        (void)snprintf(e->trust, sizeof e->trust, "nothing (insecure = true)");
    } else {
        mbedtls_ssl_conf_authmode(&e->conf, MBEDTLS_SSL_VERIFY_REQUIRED);
        mbedtls_ssl_conf_ca_chain(&e->conf, &e->ca, NULL);
        mbedtls_ssl_conf_verify(&e->conf, tls_verify_cb, e);
    }
    if (e->have_own_cert) {
        rc = mbedtls_ssl_conf_own_cert(&e->conf, &e->own_cert, &e->own_key);
        if (rc != 0)
            return setup_failed(e, "use the client certificate", rc);
    }
    while (e->cfg.alpn != NULL && e->cfg.alpn[n] != NULL) {
        e->alpn[n] = e->cfg.alpn[n];
        n++;
    }
    e->alpn[n] = NULL;
#if defined(MBEDTLS_SSL_ALPN)
    if (n > 0 && (rc = mbedtls_ssl_conf_alpn_protocols(&e->conf, e->alpn)) != 0)
        return setup_failed(e, "offer the ALPN protocols", rc);
#else
    if (n > 0) {
        tls_detail(e, "this mbedTLS has no ALPN (MBEDTLS_SSL_ALPN)");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
#endif
    rc = mbedtls_ssl_setup(&e->ssl, &e->conf);
    if (rc != 0)
        return setup_failed(e, "set up the connection (out of memory?)", rc);
    return MQTTS_OK;
}

static void engine_init(tls_engine *e, mqtts_tls *tls, const mqtts_tls_config *cfg,
                        const mqtts_transport *lower)
{
    e->owner = tls;
    e->cfg = *cfg;
    e->cfg.pins = NULL;
    e->lower = *lower;
    mbedtls_ssl_init(&e->ssl);
    mbedtls_ssl_config_init(&e->conf);
    mbedtls_x509_crt_init(&e->ca);
    mbedtls_x509_crt_init(&e->own_cert);
    mbedtls_pk_init(&e->own_key);
    mbedtls_ctr_drbg_init(&e->drbg);
    mbedtls_entropy_init(&e->entropy);
}

mqtts_err mqtts_tls_init(mqtts_tls *tls, const mqtts_tls_config *cfg,
                         const mqtts_transport *lower, mqtts_transport *t)
{
    static const mqtts_tls_config defaults;
    tls_engine *e;
    mqtts_err err;

    if (tls == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    memset(tls, 0, sizeof *tls);
    if (cfg == NULL)
        cfg = &defaults;
    if ((err = check_config(tls, cfg, lower, t)) != MQTTS_OK)
        return err;
    e = calloc(1, sizeof *e);
    if (e == NULL) {
        tls_detail_raw(tls, "out of memory for the TLS state (%zu bytes)", sizeof *e);
        return MQTTS_ERR_TLS_SETUP;
    }
    engine_init(e, tls, cfg, lower);
    if (cfg->pin_count > 0) {
        e->pins = malloc(cfg->pin_count * MQTTS_TLS_PIN_LEN);
        if (e->pins == NULL) {
            engine_free(e);
            tls_detail_raw(tls, "out of memory for the pins");
            return MQTTS_ERR_TLS_SETUP;
        }
        memcpy(e->pins, cfg->pins, cfg->pin_count * MQTTS_TLS_PIN_LEN);
        e->cfg.pins = e->pins;
    }
    err = seed(e);
    if (err == MQTTS_OK && !cfg->insecure)
        err = tls_load_trust(e);
    if (err == MQTTS_OK)
        err = tls_load_own(e);
    if (err == MQTTS_OK)
        err = configure(e);
    if (err != MQTTS_OK) {
        engine_free(e);
        return err;
    }
    tls->engine = e;
    t->ctx = tls;
    t->connect = tls_connect;
    t->send = tls_send;
    t->recv = tls_recv;
    t->wait = tls_wait;
    t->close = tls_close;
    return MQTTS_OK;
}

void mqtts_tls_free(mqtts_tls *tls)
{
    if (tls == NULL || tls->engine == NULL)
        return;
    tls_close(tls);
    engine_free(tls->engine);
    tls->engine = NULL;
}

/* ---------------------------------------------------------------------- */
/* Questions. */

const char *mqtts_tls_error_detail(const mqtts_tls *tls)
{
    return tls != NULL ? tls->detail : "";
}

static const tls_engine *connected_engine(const mqtts_tls *tls)
{
    return tls != NULL && tls->engine != NULL && tls->engine->connected ? tls->engine : NULL;
}

const char *mqtts_tls_version(const mqtts_tls *tls)
{
    const tls_engine *e = connected_engine(tls);
    return e != NULL ? mbedtls_ssl_get_version(&e->ssl) : NULL;
}

const char *mqtts_tls_ciphersuite(const mqtts_tls *tls)
{
    const tls_engine *e = connected_engine(tls);
    return e != NULL ? mbedtls_ssl_get_ciphersuite(&e->ssl) : NULL;
}

const char *mqtts_tls_alpn(const mqtts_tls *tls)
{
#if defined(MBEDTLS_SSL_ALPN)
    const tls_engine *e = connected_engine(tls);
    return e != NULL ? mbedtls_ssl_get_alpn_protocol(&e->ssl) : NULL;
#else
    (void)tls;
    return NULL;
#endif
}

const char *mqtts_tls_trust(const mqtts_tls *tls)
{
    return tls != NULL && tls->engine != NULL ? tls->engine->trust : "";
}
