/*
 * test_tls.c - the TLS transport (include/mqtts/tls.h) against a real PKI
 * and real servers, all on 127.0.0.1:
 *   - make-pki.sh (the openssl command) makes the certificates at the start
 *     of the run, into a fresh temp dir;
 *   - Debian's mosquitto serves them on TLS listeners (three brokers, since
 *     each takes at most four extra ports), and its plain listener is the
 *     "not TLS" case;
 *   - mini_server.c (an mbedTLS server in a thread) shows what mosquitto
 *     cannot tell: the SNI and ALPN a client sent; it also plays a server
 *     that answers in plain bytes, or not at all.
 * Each failure case asserts its own error code and that the detail names
 * the facts (the issuer, the names, the dates, the clock, the alert).
 */
#define _GNU_SOURCE

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker.h"
#include "testfs.h"
#include "mini_server.h"
#include "mqtts/client.h"
#include "mqtts/tls.h"
#include "tls/mbedtls_compat.h"

#define T_MS 5000 /* connect timeout: generous, valgrind is slow */

/* ------------------------------------------------------------------------ */
/* The PKI and the brokers, made once for the whole run. */

static char g_pki[256];
static broker g_a, g_b, g_c;
/* Broker A: good chain, mutual TLS, IP-only SAN, self-signed. */
#define PORT_GOOD (g_a.extra_port[0])
#define PORT_MTLS (g_a.extra_port[1])
#define PORT_IPSAN (g_a.extra_port[2])
#define PORT_SELF (g_a.extra_port[3])
/* Broker B: expired, not yet valid, wrong host name, another CA. */
#define PORT_EXPIRED (g_b.extra_port[0])
#define PORT_FUTURE (g_b.extra_port[1])
#define PORT_WRONGHOST (g_b.extra_port[2])
#define PORT_OTHERCA (g_b.extra_port[3])
/* Broker C: a fake "ISRG Root X1", a leaf sent without its intermediate. */
#define PORT_FAKEISRG (g_c.extra_port[0])
#define PORT_LEAFONLY (g_c.extra_port[1])
/* Broker A's plain MQTT listener. */
#define PORT_PLAIN (g_a.port)

/* The path of a file of the PKI (a few rotating buffers). */
static const char *pki(const char *name)
{
    static char paths[8][400];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, sizeof paths[0], "%s/%s", g_pki, name);
    return p;
}

/* The whole of a small file, NUL-terminated, *len without the NUL. */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL)
        fail_msg("cannot open %s: %s", path, strerror(errno));
    char *buf = malloc(65536);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    buf[n] = '\0';
    if (len != NULL)
        *len = n;
    return buf;
}

static void read_pin(const char *name, uint8_t out[MQTTS_TLS_PIN_LEN])
{
    char *hex = slurp(pki(name), NULL);
    hex[strcspn(hex, "\r\n")] = '\0';
    mqtts_err e = mqtts_tls_parse_pin(hex, out);
    free(hex);
    assert_int_equal(e, MQTTS_OK);
}

/* "listener @PORTn@ 127.0.0.1" serving cert and key; with client_ca, client
 * certificates are required and checked against it. */
static void listener(char *conf, size_t cap, int n, const char *cert, const char *key,
                     const char *client_ca)
{
    size_t used = strlen(conf);
    snprintf(conf + used, cap - used,
             "listener @PORT%d@ 127.0.0.1\ncertfile %s/%s\nkeyfile %s/%s\n", n, g_pki, cert,
             g_pki, key);
    if (client_ca != NULL) {
        used = strlen(conf);
        snprintf(conf + used, cap - used, "cafile %s/%s\nrequire_certificate true\n", g_pki,
                 client_ca);
    }
}

static int start_broker(broker *b, const char *conf, unsigned ports)
{
    broker_options o;
    memset(&o, 0, sizeof o);
    o.extra_ports = ports;
    o.extra_config = conf;
    if (broker_start(b, &o) != 0) {
        fprintf(stderr, "%s\n", b->error);
        return -1;
    }
    return 0;
}

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(g_pki, sizeof g_pki, "%s/mqtts-pki-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(g_pki) == NULL || test_pki_make(MQTTS_TLS_PKI_SCRIPT, g_pki) != 0)
        return -1;
    char conf[4096] = "";
    listener(conf, sizeof conf, 1, "good-chain.pem", "good.key", NULL);
    listener(conf, sizeof conf, 2, "good-chain.pem", "good.key", "root.pem");
    listener(conf, sizeof conf, 3, "ipsan-chain.pem", "ipsan.key", NULL);
    listener(conf, sizeof conf, 4, "selfsigned.pem", "selfsigned.key", NULL);
    if (start_broker(&g_a, conf, 4) != 0)
        return -1;
    conf[0] = '\0';
    listener(conf, sizeof conf, 1, "expired-chain.pem", "expired.key", NULL);
    listener(conf, sizeof conf, 2, "future-chain.pem", "future.key", NULL);
    listener(conf, sizeof conf, 3, "wronghost-chain.pem", "wronghost.key", NULL);
    listener(conf, sizeof conf, 4, "otherca.pem", "otherca.key", NULL);
    if (start_broker(&g_b, conf, 4) != 0)
        return -1;
    conf[0] = '\0';
    listener(conf, sizeof conf, 1, "fakeisrg.pem", "fakeisrg.key", NULL);
    listener(conf, sizeof conf, 2, "good.pem", "good.key", NULL);
    return start_broker(&g_c, conf, 2);
}

static int group_teardown(void **state)
{
    (void)state;
    broker_stop(&g_a);
    broker_stop(&g_b);
    broker_stop(&g_c);
    test_dir_remove(g_pki);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* A TLS connection over TCP, with its log captured. */

typedef struct logbook {
    int warnings;
    int infos;
    char text[8192];
} logbook;

static void capture(void *user, mqtts_tls_log_level level, const char *line)
{
    logbook *l = user;
    size_t used = strlen(l->text);
    if (level == MQTTS_TLS_LOG_WARNING)
        l->warnings++;
    else
        l->infos++;
    snprintf(l->text + used, sizeof l->text - used, "%s\n", line);
}

typedef struct conn {
    mqtts_tcp tcp;
    mqtts_transport lower, t;
    mqtts_tls tls;
    logbook log;
} conn;

static conn g_conn; /* static: cmocka's stack is not needed for 8 KB of log */

static mqtts_tls_config config(conn *c)
{
    mqtts_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.log = capture;
    cfg.user = &c->log;
    return cfg;
}

static mqtts_err conn_init(conn *c, const mqtts_tls_config *cfg)
{
    memset(c, 0, sizeof *c);
    mqtts_tcp_init(&c->tcp, &c->lower);
    return mqtts_tls_init(&c->tls, cfg, &c->lower, &c->t);
}

#define assert_contains(haystack, needle)                                                  \
    do {                                                                                   \
        const char *h_ = (haystack);                                                       \
        if (strstr(h_, (needle)) == NULL)                                                  \
            fail_msg("expected \"%s\" in: %s", (needle), h_);                              \
    } while (0)

#define assert_lacks(haystack, needle)                                                     \
    do {                                                                                   \
        const char *h_ = (haystack);                                                       \
        if (strstr(h_, (needle)) != NULL)                                                  \
            fail_msg("did not expect \"%s\" in: %s", (needle), h_);                        \
    } while (0)

/* Sets c up with cfg (which must succeed) and connects to host:port; the
 * result must be want. Returns the detail. */
static const char *connect_expect(conn *c, const mqtts_tls_config *cfg, const char *host,
                                  uint16_t port, mqtts_err want)
{
    mqtts_err e = conn_init(c, cfg);
    if (e != MQTTS_OK)
        fail_msg("init: %s: %s", mqtts_strerror(e), mqtts_tls_error_detail(&c->tls));
    e = c->t.connect(c->t.ctx, host, port, T_MS);
    if (e == MQTTS_OK && (want == MQTTS_ERR_TLS_CLIENT_CERT_REQUIRED ||
                          want == MQTTS_ERR_TLS_CLIENT_CERT_REJECTED)) {
        /* TLS 1.3 (mbedTLS 3.x): the server refuses the client's
         * certificate after the client's handshake has ended; the refusal
         * is then what the first recv() reports. */
        uint8_t b[16];
        for (int i = 0; i < 50 && e == MQTTS_OK; i++) {
            if (c->t.wait(c->t.ctx, false, 100) > 0) {
                int32_t n = c->t.recv(c->t.ctx, b, sizeof b);
                if (n < 0)
                    e = (mqtts_err)n;
            }
        }
    }
    if (e != want)
        fail_msg("connect %s:%u: got %s (%d), want %s (%d): %s", host, (unsigned)port,
                 mqtts_strerror(e), e, mqtts_strerror(want), want,
                 mqtts_tls_error_detail(&c->tls));
    /* MQTTS_TEST_TLS_VERBOSE=1 shows every message, to read them. */
    if (getenv("MQTTS_TEST_TLS_VERBOSE") != NULL && want != MQTTS_OK)
        fprintf(stderr, "  [%s] %s\n", mqtts_strerror(e), mqtts_tls_error_detail(&c->tls));
    return mqtts_tls_error_detail(&c->tls);
}

static void conn_done(conn *c)
{
    mqtts_tls_free(&c->tls);
}

static mqtts_tls_config trusting_root(conn *c)
{
    mqtts_tls_config cfg = config(c);
    cfg.ca_file = pki("root.pem");
    return cfg;
}

/* ------------------------------------------------------------------------ */
/* MQTT over TLS: a client with its own memory. */

/* A lower transport that makes TLS work for every byte: it takes at most
 * 5 bytes per send() and refuses every other send() ("would block"), and
 * gives at most 3 bytes per recv(). Over TCP. */
typedef struct choppy {
    mqtts_transport inner;
    unsigned sends;
    unsigned would_block;
} choppy;

static mqtts_err ch_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    choppy *ch = ctx;
    return ch->inner.connect(ch->inner.ctx, host, port, timeout_ms);
}

static int32_t ch_send(void *ctx, const uint8_t *buf, size_t len)
{
    choppy *ch = ctx;
    if (len > 0 && ch->sends++ % 2 == 0) {
        ch->would_block++;
        return 0;
    }
    return ch->inner.send(ch->inner.ctx, buf, len < 5 ? len : 5);
}

static int32_t ch_recv(void *ctx, uint8_t *buf, size_t cap)
{
    choppy *ch = ctx;
    return ch->inner.recv(ch->inner.ctx, buf, cap < 3 ? cap : 3);
}

static int ch_wait(void *ctx, bool want_write, uint32_t timeout_ms)
{
    choppy *ch = ctx;
    return ch->inner.wait(ch->inner.ctx, want_write, timeout_ms);
}

static void ch_close(void *ctx)
{
    choppy *ch = ctx;
    ch->inner.close(ch->inner.ctx);
}

typedef struct tpeer {
    conn k;
    choppy ch;
    bool use_choppy; /* TLS over choppy over TCP */
    mqtts_client c;
    mqtts_client_config cfg;
    mqtts_broker_address addr;
    uint8_t rx[4096], tx[2048], store[16384], alias[4 * 128];
    mqtts_session_slot slots[16];
    uint16_t qos2[16];
    mqtts_session_sub subs[4];
    char sub_text[256];
    int messages[3];
    int delivered;
    size_t last_len;
    char last_payload[64];
} tpeer;

static void on_event(void *user, const mqtts_event *ev)
{
    tpeer *p = user;
    if (ev->type == MQTTS_EV_MESSAGE) {
        const mqtts_publish *m = ev->message;
        p->messages[m->qos]++;
        p->last_len = m->payload.len;
        size_t n = m->payload.len < sizeof p->last_payload - 1 ? m->payload.len
                                                               : sizeof p->last_payload - 1;
        memcpy(p->last_payload, m->payload.ptr, n);
        p->last_payload[n] = '\0';
    } else if (ev->type == MQTTS_EV_DELIVERED) {
        p->delivered++;
    }
}

/* Sets up p to reach host:port over TLS with cfg; the MQTT connection is
 * made and must succeed. */
static void tpeer_connect(tpeer *p, const mqtts_tls_config *tcfg, const char *host, uint16_t port)
{
    static uint32_t seed = 0x5eed;
    bool use_choppy = p->use_choppy;
    memset(p, 0, sizeof *p);
    mqtts_tcp_init(&p->k.tcp, &p->k.lower);
    if (use_choppy) {
        p->ch.inner = p->k.lower;
        p->k.lower.ctx = &p->ch;
        p->k.lower.connect = ch_connect;
        p->k.lower.send = ch_send;
        p->k.lower.recv = ch_recv;
        p->k.lower.wait = ch_wait;
        p->k.lower.close = ch_close;
    }
    mqtts_err e = mqtts_tls_init(&p->k.tls, tcfg, &p->k.lower, &p->k.t);
    if (e != MQTTS_OK)
        fail_msg("tls init: %s: %s", mqtts_strerror(e), mqtts_tls_error_detail(&p->k.tls));
    p->addr.host = host;
    p->addr.port = port;
    p->cfg.session.version = MQTTS_V5;
    p->cfg.session.clean_start = true;
    p->cfg.session.keep_alive_s = 30;
    p->cfg.session.on_event = on_event;
    p->cfg.session.user = p;
    p->cfg.session.seed = seed++;
    p->cfg.brokers = &p->addr;
    p->cfg.broker_count = 1;
    p->cfg.connect_timeout_ms = T_MS;
    p->cfg.now_ms = mqtts_posix_now_ms;
    p->cfg.sleep_ms = mqtts_posix_sleep_ms;
    mqtts_session_memory mem;
    memset(&mem, 0, sizeof mem);
    mem.rx = p->rx;
    mem.rx_size = sizeof p->rx;
    mem.tx = p->tx;
    mem.tx_size = sizeof p->tx;
    mem.store = p->store;
    mem.store_size = sizeof p->store;
    mem.slots = p->slots;
    mem.slot_count = 16;
    mem.qos2_in = p->qos2;
    mem.qos2_in_count = 16;
    mem.alias_text = p->alias;
    mem.alias_count = 4;
    mem.alias_slot_size = 128;
    mem.subs = p->subs;
    mem.sub_count = 4;
    mem.sub_text = p->sub_text;
    mem.sub_text_size = sizeof p->sub_text;
    assert_int_equal(mqtts_client_init(&p->c, &p->cfg, &mem, &p->k.t), MQTTS_OK);
    e = mqtts_client_connect_wait(&p->c, T_MS);
    if (e != MQTTS_OK)
        fail_msg("MQTT over TLS to %s:%u: %s: %s", host, (unsigned)port, mqtts_strerror(e),
                 mqtts_tls_error_detail(&p->k.tls));
}

static void tpeer_done(tpeer *p)
{
    (void)mqtts_client_disconnect(&p->c, 1000);
    mqtts_tls_free(&p->k.tls);
}

#define RUN_UNTIL(cond, ms, a, b)                                                          \
    do {                                                                                   \
        uint32_t t0_ = mqtts_posix_now_ms();                                               \
        while (!(cond) && mqtts_posix_now_ms() - t0_ < (ms)) {                             \
            (void)mqtts_client_loop(&(a)->c, 10);                                          \
            (void)mqtts_client_loop(&(b)->c, 10);                                          \
        }                                                                                  \
    } while (0)

/* ------------------------------------------------------------------------ */
/* The good case. */

/* Leaf + intermediate from the server, only the root trusted: MQTT at QoS
 * 0, 1 and 2 both ways through mqtts_client. */
static void test_tls_good_chain_pubsub_qos012(void **state)
{
    (void)state;
    static tpeer a, b;
    mqtts_tls_config cfg = trusting_root(&a.k);
    cfg.log = NULL;
    tpeer_connect(&a, &cfg, "localhost", PORT_GOOD);
    tpeer_connect(&b, &cfg, "localhost", PORT_GOOD);
    const char *version = mqtts_tls_version(&a.k.tls);
    assert_non_null(version);
    assert_true(strcmp(version, "TLSv1.2") == 0 || strcmp(version, "TLSv1.3") == 0);
    assert_non_null(mqtts_tls_ciphersuite(&a.k.tls));
    assert_contains(mqtts_tls_trust(&a.k.tls), "root.pem\" (1 certificate)");

    mqtts_subscription s;
    memset(&s, 0, sizeof s);
    s.filter = mqtts_cstr("tls/+");
    s.qos = 2;
    uint16_t id = 0;
    assert_int_equal(mqtts_client_subscribe(&b.c, &s, 1, &id), MQTTS_OK);
    RUN_UNTIL(false, 200, &a, &b); /* the SUBACK */
    for (uint8_t q = 0; q <= 2; q++) {
        mqtts_publish m;
        memset(&m, 0, sizeof m);
        m.topic = mqtts_cstr("tls/x");
        m.payload = mqtts_bytes("sealed", 6);
        m.qos = q;
        assert_int_equal(mqtts_client_publish_wait(&a.c, &m, T_MS), MQTTS_OK);
    }
    RUN_UNTIL(b.messages[0] + b.messages[1] + b.messages[2] >= 3, T_MS, &a, &b);
    RUN_UNTIL(false, 200, &a, &b);
    assert_int_equal(b.messages[0], 1);
    assert_int_equal(b.messages[1], 1);
    assert_int_equal(b.messages[2], 1);
    assert_string_equal(b.last_payload, "sealed");
    assert_int_equal(a.delivered, 2);
    tpeer_done(&a);
    tpeer_done(&b);
}

/* The same over a lower transport that moves a few bytes at a time and
 * often would block: partial records, WANT_READ/WANT_WRITE in and after the
 * handshake, a send() repeated after 0, records bigger than a read. A
 * 3000-byte payload spans several reads of mbedTLS's buffer. */
static void test_tls_over_choppy_lower_transport(void **state)
{
    (void)state;
    static tpeer a, b;
    static char big[3000];
    memset(big, 'z', sizeof big);
    a.use_choppy = b.use_choppy = true;
    mqtts_tls_config cfg = trusting_root(&a.k);
    cfg.log = NULL;
    tpeer_connect(&a, &cfg, "localhost", PORT_GOOD);
    tpeer_connect(&b, &cfg, "localhost", PORT_GOOD);
    mqtts_subscription s;
    memset(&s, 0, sizeof s);
    s.filter = mqtts_cstr("chop/#");
    s.qos = 2;
    uint16_t id = 0;
    assert_int_equal(mqtts_client_subscribe(&b.c, &s, 1, &id), MQTTS_OK);
    RUN_UNTIL(false, 300, &a, &b);
    for (uint8_t q = 0; q <= 2; q++) {
        mqtts_publish m;
        memset(&m, 0, sizeof m);
        m.topic = mqtts_cstr("chop/x");
        m.payload = mqtts_bytes(big, sizeof big);
        m.qos = q;
        assert_int_equal(mqtts_client_publish_wait(&a.c, &m, T_MS), MQTTS_OK);
    }
    RUN_UNTIL(b.messages[0] + b.messages[1] + b.messages[2] >= 3, T_MS, &a, &b);
    assert_int_equal(b.messages[0], 1);
    assert_int_equal(b.messages[1], 1);
    assert_int_equal(b.messages[2], 1);
    assert_int_equal(b.last_len, sizeof big);
    assert_true(a.ch.would_block > 100); /* the path was taken, many times */
    tpeer_done(&a);
    tpeer_done(&b);
}

/* The same trust from memory: PEM with and without its NUL, and DER. */
static void test_tls_ca_in_memory(void **state)
{
    (void)state;
    conn *c = &g_conn;
    size_t len;
    char *pem = slurp(pki("root.pem"), &len);
    mqtts_tls_config cfg = config(c);
    cfg.ca_buf = pem;
    cfg.ca_len = len; /* no NUL counted */
    connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_OK);
    assert_contains(mqtts_tls_trust(&c->tls), "ca_buf (1 certificate)");
    conn_done(c);
    cfg = config(c);
    cfg.ca_buf = pem;
    cfg.ca_len = len + 1; /* NUL counted */
    connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_OK);
    conn_done(c);
    free(pem);

    char *der = slurp(pki("root.der"), &len);
    cfg = config(c);
    cfg.ca_buf = der;
    cfg.ca_len = len;
    connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_OK);
    conn_done(c);
    /* Memory that is not a certificate fails at init. */
    cfg = config(c);
    cfg.ca_buf = "not a certificate";
    cfg.ca_len = 17;
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_TLS_CA_FILE);
    assert_contains(mqtts_tls_error_detail(&c->tls), "ca_buf");
    free(der);
}

static void test_tls_ca_der_file_and_dir(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = config(c);
    cfg.ca_file = pki("root.der");
    connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_OK);
    conn_done(c);
    cfg = config(c);
    cfg.ca_dir = pki("cadir");
    connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_OK);
    assert_contains(mqtts_tls_trust(&c->tls), "ca_dir");
    conn_done(c);
}

/* One mqtts_tls connects, closes and connects again (session reset). */
static void test_tls_reconnect_same_context(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_OK);
    c->t.close(c->t.ctx);
    c->t.close(c->t.ctx); /* twice is fine */
    assert_int_equal(c->t.recv(c->t.ctx, (uint8_t *)"x", 1), MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(c->t.connect(c->t.ctx, "127.0.0.1", PORT_GOOD, T_MS), MQTTS_OK);
    assert_int_equal(c->log.infos, 2); /* one line per connection */
    assert_contains(c->log.text, "verified by \"O=mqtts tests, CN=mqtts Test Root CA\"");
    conn_done(c);
}

/* ------------------------------------------------------------------------ */
/* Whom to trust. */

static void test_tls_untrusted_other_ca(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_OTHERCA, MQTTS_ERR_TLS_UNTRUSTED);
    assert_contains(d, "issued by \"O=mqtts tests, CN=mqtts Other Root CA\"");
    assert_contains(d, "root.pem\" (1 certificate)"); /* what was trusted */
    assert_contains(d, "No root known to mqtts has that name");
    conn_done(c);
}

static void test_tls_untrusted_self_signed(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_SELF, MQTTS_ERR_TLS_UNTRUSTED);
    assert_contains(d, "self-signed certificate (\"CN=localhost\")");
    assert_contains(d, "localhost:");
    conn_done(c);
}

/* The server sends only its leaf: the chain ends at a name that is no
 * root, and the message says the intermediate may be missing. */
static void test_tls_untrusted_missing_intermediate(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_LEAFONLY, MQTTS_ERR_TLS_UNTRUSTED);
    assert_contains(d, "issued by \"O=mqtts tests, CN=mqtts Test Intermediate CA\"");
    assert_contains(d, "leaves it out of the chain");
    conn_done(c);
}

/* A chain whose root only calls itself "ISRG Root X1": the built-in ISRG
 * Root X1 has that name, but did not sign it. */
static void test_tls_untrusted_fake_isrg_builtin(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = config(c);
    cfg.use_builtin_roots = true;
    const char *d = connect_expect(c, &cfg, "localhost", PORT_FAKEISRG, MQTTS_ERR_TLS_UNTRUSTED);
    assert_contains(mqtts_tls_trust(&c->tls), "the roots built into mqtts (8 roots)");
    assert_contains(d, "issued by \"C=US, O=Internet Security Research Group, CN=ISRG Root X1\"");
    assert_contains(d, "did not sign this chain");
    conn_done(c);
}

/* No CA given: the system store. Our test root is not in it. */
static void test_tls_default_trust_is_system_store(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = config(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_ERR_TLS_UNTRUSTED);
    assert_contains(mqtts_tls_trust(&c->tls), "the system store /etc/ssl/certs/ca-certificates.crt");
    assert_contains(d, "issued by \"O=mqtts tests, CN=mqtts Test Root CA\"");
    assert_contains(d, "system store");
    conn_done(c);
}

/* insecure: connects to the self-signed server, and warns on every
 * connection. */
static void test_tls_insecure_connects_and_warns(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = config(c);
    cfg.insecure = true;
    connect_expect(c, &cfg, "localhost", PORT_SELF, MQTTS_OK);
    assert_int_equal(c->log.warnings, 1);
    assert_contains(c->log.text, "is NOT verified (insecure = true)");
    char peer[64];
    snprintf(peer, sizeof peer, "localhost:%u", (unsigned)PORT_SELF);
    assert_contains(c->log.text, peer);
    c->t.close(c->t.ctx);
    assert_int_equal(c->t.connect(c->t.ctx, "localhost", PORT_SELF, T_MS), MQTTS_OK);
    assert_int_equal(c->log.warnings, 2);
    conn_done(c);
    /* Without it, the same server is refused. */
    cfg = trusting_root(c);
    connect_expect(c, &cfg, "localhost", PORT_SELF, MQTTS_ERR_TLS_UNTRUSTED);
    assert_int_equal(c->log.warnings, 0);
    conn_done(c);
}

/* ------------------------------------------------------------------------ */
/* Dates and the clock. */

static void test_tls_expired(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_EXPIRED, MQTTS_ERR_TLS_EXPIRED);
    assert_contains(d, "the server's own certificate, \"CN=localhost\", expired on 2021-01-01 00:00:00 UTC");
    assert_contains(d, "this device's clock reads 20");
    conn_done(c);
}

static void test_tls_not_yet_valid(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_FUTURE, MQTTS_ERR_TLS_NOT_YET_VALID);
    assert_contains(d, "is valid only from 2090-01-01 00:00:00 UTC");
    assert_contains(d, "this device's clock reads");
    conn_done(c);
}

static int64_t clock_1970(void *user)
{
    (void)user;
    return 42;
}

static int64_t clock_in_5_years(void *user)
{
    (void)user;
    return (int64_t)time(NULL) + 5 * 366 * 86400;
}

/* A clock at 1970 is "not set", not "certificate not yet valid". */
static void test_tls_clock_not_set(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    cfg.wall_clock = clock_1970;
    const char *d = connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_ERR_TLS_CLOCK_NOT_SET);
    assert_contains(d, "the clock is not set (it reads 1970-01-01");
    assert_contains(d, "set the time (SNTP) before connecting");
    assert_lacks(d, "not yet valid");
    conn_done(c);
    assert_true(mqtts_tls_build_epoch() > 1700000000); /* a real build date */
    assert_int_equal(mqtts_tls_build_epoch() % 86400, 0);
}

/* The dates are checked against the injected clock, not the system's: five
 * years on, the good chain has expired. */
static void test_tls_injected_clock_drives_dates(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    cfg.wall_clock = clock_in_5_years;
    const char *d = connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_ERR_TLS_EXPIRED);
    assert_contains(d, "expired on");
    conn_done(c);
}

/* ------------------------------------------------------------------------ */
/* Names. */

static void test_tls_wrong_host_name(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_WRONGHOST, MQTTS_ERR_TLS_NAME_MISMATCH);
    assert_contains(d, "is for DNS:wrong.example, DNS:*.wrong.example, not for \"localhost\"");
    assert_contains(d, "server_name");
    conn_done(c);
    /* By address, against a certificate without IP entries. */
    cfg = trusting_root(c);
    d = connect_expect(c, &cfg, "127.0.0.1", PORT_WRONGHOST, MQTTS_ERR_TLS_NAME_MISMATCH);
    assert_contains(d, "not the address 127.0.0.1");
    conn_done(c);
}

/* server_name: connect to an address and verify a name (the wildcard
 * covers exactly one label). */
static void test_tls_server_name_option(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    cfg.server_name = "broker.wrong.example";
    connect_expect(c, &cfg, "127.0.0.1", PORT_WRONGHOST, MQTTS_OK);
    conn_done(c);
    cfg = trusting_root(c);
    cfg.server_name = "a.b.wrong.example"; /* two labels: not covered */
    const char *d = connect_expect(c, &cfg, "127.0.0.1", PORT_WRONGHOST, MQTTS_ERR_TLS_NAME_MISMATCH);
    assert_contains(d, "not for \"a.b.wrong.example\"");
    conn_done(c);
}

/* A certificate with only an IP entry: the address verifies, a name not. */
static void test_tls_ip_address_san(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    connect_expect(c, &cfg, "127.0.0.1", PORT_IPSAN, MQTTS_OK);
    conn_done(c);
    cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_IPSAN, MQTTS_ERR_TLS_NAME_MISMATCH);
    assert_contains(d, "is for IP:127.0.0.1, not for \"localhost\"");
    conn_done(c);
}

/* ------------------------------------------------------------------------ */
/* Mutual TLS. */

static void test_tls_mutual_ok(void **state)
{
    (void)state;
    static tpeer p;
    mqtts_tls_config cfg = trusting_root(&p.k);
    cfg.log = NULL;
    cfg.cert_file = pki("client-chain.pem");
    cfg.key_file = pki("client.key");
    tpeer_connect(&p, &cfg, "localhost", PORT_MTLS); /* CONNACK over mutual TLS */
    tpeer_done(&p);
}

static void test_tls_mutual_encrypted_key(void **state)
{
    (void)state;
    static tpeer p;
    char *password = slurp(pki("client-enc.pass"), NULL);
    mqtts_tls_config cfg = trusting_root(&p.k);
    cfg.log = NULL;
    cfg.cert_file = pki("client-chain.pem");
    cfg.key_file = pki("client-enc.key");
    cfg.key_password = password;
    tpeer_connect(&p, &cfg, "localhost", PORT_MTLS);
    tpeer_done(&p);

    conn *c = &g_conn;
    cfg = trusting_root(c);
    cfg.cert_file = pki("client-chain.pem");
    cfg.key_file = pki("client-enc.key");
    cfg.key_password = "Wrong-Pa55word";
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_TLS_KEY_PASSWORD);
    assert_contains(mqtts_tls_error_detail(&c->tls), "the password is wrong");
    assert_lacks(mqtts_tls_error_detail(&c->tls), "Wrong-Pa55word");
    assert_lacks(mqtts_tls_error_detail(&c->tls), password);

    cfg.key_password = NULL;
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_TLS_KEY_PASSWORD);
    assert_contains(mqtts_tls_error_detail(&c->tls), "is encrypted: give its password");

    /* openssl's default PKCS#8 (AES): mbedTLS 3.5+ reads it; 2.28 cannot,
     * and says how to convert it. */
    cfg.key_file = pki("client-enc-pkcs8.key");
    cfg.key_password = password;
    mqtts_err e = conn_init(c, &cfg);
    if (MBEDTLS_VERSION_NUMBER >= 0x03050000) {
        assert_int_equal(e, MQTTS_OK);
        conn_done(c);
    } else {
        assert_int_equal(e, MQTTS_ERR_TLS_KEY_FILE);
        assert_contains(mqtts_tls_error_detail(&c->tls), "openssl pkey");
        assert_lacks(mqtts_tls_error_detail(&c->tls), password);
    }
    free(password);
}

static void test_tls_mutual_required(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_MTLS,
                                   MQTTS_ERR_TLS_CLIENT_CERT_REQUIRED);
    assert_contains(d, "requires a client certificate");
    assert_contains(d, "cert_file");
    conn_done(c);
}

static void test_tls_mutual_rejected(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    cfg.cert_file = pki("client-other.pem");
    cfg.key_file = pki("client-other.key");
    const char *d = connect_expect(c, &cfg, "localhost", PORT_MTLS,
                                   MQTTS_ERR_TLS_CLIENT_CERT_REJECTED);
    assert_contains(d, "rejected the client certificate \"CN=mqtts-other-client\"");
    assert_contains(d, "issued by \"O=mqtts tests, CN=mqtts Other Root CA\"");
    assert_contains(d, "alert \"");
    conn_done(c);
}

static void test_tls_client_files_bad(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    cfg.cert_file = pki("client.pem");
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_INVALID_ARGUMENT); /* no key */
    assert_contains(mqtts_tls_error_detail(&c->tls), "needs its private key");
    cfg.key_file = pki("good.key"); /* someone else's key */
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_TLS_KEY_FILE);
    assert_contains(mqtts_tls_error_detail(&c->tls), "does not belong to the certificate");
    cfg.key_file = pki("no-such.key");
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_TLS_KEY_FILE);
    assert_contains(mqtts_tls_error_detail(&c->tls), "No such file");
    cfg.key_file = pki("client.key");
    cfg.cert_file = pki("client.key"); /* a key is not a certificate */
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_TLS_CERT_FILE);
    assert_contains(mqtts_tls_error_detail(&c->tls), "client certificate");
    /* From memory works as from files. */
    size_t clen, klen;
    char *cert = slurp(pki("client-chain.pem"), &clen);
    char *key = slurp(pki("client.key"), &klen);
    cfg = trusting_root(c);
    cfg.cert_buf = cert;
    cfg.cert_len = clen;
    cfg.key_buf = key;
    cfg.key_len = klen;
    connect_expect(c, &cfg, "localhost", PORT_MTLS, MQTTS_OK);
    conn_done(c);
    free(cert);
    free(key);
}

/* ------------------------------------------------------------------------ */
/* Pins. */

static void test_tls_pins(void **state)
{
    (void)state;
    conn *c = &g_conn;
    uint8_t pins[2 * MQTTS_TLS_PIN_LEN];
    read_pin("good.pin", pins);
    mqtts_tls_config cfg = trusting_root(c);
    cfg.pins = pins;
    cfg.pin_count = 1;
    connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_OK); /* the leaf's key */
    conn_done(c);

    read_pin("root.pin", pins);
    cfg = trusting_root(c);
    cfg.pins = pins;
    cfg.pin_count = 1;
    connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_OK); /* the root's key */
    conn_done(c);

    memset(pins, 0xAB, sizeof pins); /* two pins, neither matches */
    cfg = trusting_root(c);
    cfg.pins = pins;
    cfg.pin_count = 2;
    const char *d = connect_expect(c, &cfg, "localhost", PORT_GOOD, MQTTS_ERR_TLS_PIN_MISMATCH);
    char *leaf = slurp(pki("good.pin"), NULL);
    leaf[strcspn(leaf, "\r\n")] = '\0';
    assert_contains(d, leaf); /* the key it has, to update the pin with */
    assert_contains(d, "2 pins");
    free(leaf);
    conn_done(c);

    cfg = config(c);
    cfg.insecure = true;
    cfg.pins = pins;
    cfg.pin_count = 1;
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_INVALID_ARGUMENT);
}

static void test_tls_parse_pin(void **state)
{
    (void)state;
    uint8_t pin[MQTTS_TLS_PIN_LEN];
    const char *hex = "00112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff";
    assert_int_equal(mqtts_tls_parse_pin(hex, pin), MQTTS_OK);
    assert_int_equal(pin[0], 0x00);
    assert_int_equal(pin[10], 0xAA);
    assert_int_equal(pin[31], 0xFF);
    assert_int_equal(mqtts_tls_parse_pin("00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                                         "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
                                         pin),
                     MQTTS_OK);
    assert_int_equal(pin[1], 0x11);
    assert_int_equal(mqtts_tls_parse_pin("0011", pin), MQTTS_ERR_INVALID_ARGUMENT);
    assert_int_equal(mqtts_tls_parse_pin("zz112233445566778899AABBCCDDEEFF00112233445566778899aabbccddeeff", pin),
                     MQTTS_ERR_INVALID_ARGUMENT);
    char longer[70];
    snprintf(longer, sizeof longer, "%s00", hex);
    assert_int_equal(mqtts_tls_parse_pin(longer, pin), MQTTS_ERR_INVALID_ARGUMENT);
}

/* ------------------------------------------------------------------------ */
/* Servers that are not TLS, or not answering, or telling. */

/* A TLS client on a plain MQTT port: mosquitto hangs up without a word. */
static void test_tls_plain_mqtt_port(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "localhost", PORT_PLAIN, MQTTS_ERR_TLS_NOT_TLS);
    assert_contains(d, "Is this a plain MQTT port?");
    conn_done(c);
}

static void test_tls_server_answers_plain_bytes(void **state)
{
    (void)state;
    static const uint8_t connack[] = {0x20, 0x02, 0x00, 0x00};
    static const uint8_t http[] = "HTTP/1.1 400 Bad Request\r\n\r\n";
    mini_server s;
    memset(&s, 0, sizeof s);
    s.mode = MINI_BYTES;
    s.bytes = connack;
    s.byte_count = sizeof connack;
    if (mini_start(&s) != 0)
        fail_msg("%s", s.error);
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "127.0.0.1", s.port, MQTTS_ERR_TLS_NOT_TLS);
    assert_contains(d, "its first bytes were 20020000");
    assert_contains(d, "this is a plain MQTT port");
    conn_done(c);
    mini_stop(&s);

    s.bytes = http;
    s.byte_count = sizeof http - 1;
    if (mini_start(&s) != 0)
        fail_msg("%s", s.error);
    cfg = trusting_root(c);
    d = connect_expect(c, &cfg, "127.0.0.1", s.port, MQTTS_ERR_TLS_NOT_TLS);
    assert_contains(d, "HTTP server");
    conn_done(c);
    mini_stop(&s);
}

/* Nothing listens: the lower transport's error, with the detail saying
 * where. */
static void test_tls_connection_refused(void **state)
{
    (void)state;
    mini_server s; /* a port that was free a moment ago */
    memset(&s, 0, sizeof s);
    s.mode = MINI_SILENT;
    if (mini_start(&s) != 0)
        fail_msg("%s", s.error);
    uint16_t port = s.port;
    mini_stop(&s);
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    const char *d = connect_expect(c, &cfg, "127.0.0.1", port, MQTTS_ERR_CONNECT_REFUSED);
    char want[64];
    snprintf(want, sizeof want, "cannot connect to 127.0.0.1:%u: connection refused",
             (unsigned)port);
    assert_contains(d, want);
    conn_done(c);
}

/* A server that accepts and never answers: the handshake is bounded by the
 * connect timeout. */
static void test_tls_handshake_timeout(void **state)
{
    (void)state;
    mini_server s;
    memset(&s, 0, sizeof s);
    s.mode = MINI_SILENT;
    if (mini_start(&s) != 0)
        fail_msg("%s", s.error);
    conn *c = &g_conn;
    mqtts_tls_config cfg = trusting_root(c);
    assert_int_equal(conn_init(c, &cfg), MQTTS_OK);
    uint32_t t0 = mqtts_posix_now_ms();
    assert_int_equal(c->t.connect(c->t.ctx, "127.0.0.1", s.port, 300), MQTTS_ERR_TIMEOUT);
    uint32_t spent = mqtts_posix_now_ms() - t0;
    assert_true(spent >= 290 && spent < 3000);
    assert_contains(mqtts_tls_error_detail(&c->tls), "did not finish within 300 ms");
    conn_done(c);
    mini_stop(&s);
}

/* Waits until the mini server has finished n handshakes. */
static void wait_handshakes(mini_server *s, int n, char *sni, char *alpn)
{
    int ok = 0;
    for (int i = 0; i < 400 && ok < n; i++) {
        mini_last(s, sni, 256, alpn, 32, &ok);
        if (ok < n)
            usleep(5000);
    }
    assert_int_equal(ok, n);
}

/* SNI is the name connected to (or server_name); an address sends none.
 * ALPN is offered and the server's choice is reported. */
static void test_tls_sni_and_alpn(void **state)
{
    (void)state;
    mini_server s;
    memset(&s, 0, sizeof s);
    s.mode = MINI_TLS;
    s.cert_file = pki("good-chain.pem");
    s.key_file = pki("good.key");
    if (mini_start(&s) != 0)
        fail_msg("%s", s.error);
    static const char *const alpn[] = {"x-unknown", "mqtt", NULL};
    char sni[256], agreed[32];
    conn *c = &g_conn;

    mqtts_tls_config cfg = trusting_root(c);
    cfg.alpn = alpn;
    connect_expect(c, &cfg, "localhost", s.port, MQTTS_OK);
    assert_string_equal(mqtts_tls_alpn(&c->tls), "mqtt");
    c->t.close(c->t.ctx);
    wait_handshakes(&s, 1, sni, agreed);
    assert_string_equal(sni, "localhost");
    assert_string_equal(agreed, "mqtt");
    conn_done(c);

    cfg = trusting_root(c); /* by address: no SNI, and no ALPN offered */
    connect_expect(c, &cfg, "127.0.0.1", s.port, MQTTS_OK);
    assert_null(mqtts_tls_alpn(&c->tls));
    c->t.close(c->t.ctx);
    wait_handshakes(&s, 2, sni, agreed);
    assert_string_equal(sni, "");
    assert_string_equal(agreed, "");
    conn_done(c);

    cfg = trusting_root(c); /* by address, with a server name */
    cfg.server_name = "localhost";
    connect_expect(c, &cfg, "127.0.0.1", s.port, MQTTS_OK);
    c->t.close(c->t.ctx);
    wait_handshakes(&s, 3, sni, agreed);
    assert_string_equal(sni, "localhost");
    conn_done(c);
    mini_stop(&s);
}

/* ------------------------------------------------------------------------ */
/* Set-up errors, names, the built-in roots. */

static void test_tls_bad_ca_files(void **state)
{
    (void)state;
    conn *c = &g_conn;
    mqtts_tls_config cfg = config(c);
    cfg.ca_file = pki("no-such-ca.pem");
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_TLS_CA_FILE);
    assert_contains(mqtts_tls_error_detail(&c->tls), "cannot read ca_file");
    assert_contains(mqtts_tls_error_detail(&c->tls), "No such file or directory");
    assert_null(c->tls.engine);
    assert_true(c->t.connect == NULL); /* a failed init fills no transport */
    cfg.ca_file = pki("ca.cnf"); /* a text file, not a certificate */
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_TLS_CA_FILE);
    assert_contains(mqtts_tls_error_detail(&c->tls), "holds no certificate mbedTLS can read");
    cfg = config(c);
    cfg.ca_dir = pki("no-such-dir");
    assert_int_equal(conn_init(c, &cfg), MQTTS_ERR_TLS_CA_FILE);
    assert_contains(mqtts_tls_error_detail(&c->tls), "ca_dir");
    mqtts_tls_free(&c->tls); /* safe after a failed init */
}

static void test_tls_init_arguments(void **state)
{
    (void)state;
    mqtts_tcp tcp;
    mqtts_transport lower, t;
    mqtts_tls tls;
    mqtts_tcp_init(&tcp, &lower);
    assert_int_equal(mqtts_tls_init(NULL, NULL, &lower, &t), MQTTS_ERR_INVALID_ARGUMENT);
    assert_int_equal(mqtts_tls_init(&tls, NULL, NULL, &t), MQTTS_ERR_INVALID_ARGUMENT);
    mqtts_transport no_wait = lower;
    no_wait.wait = NULL;
    assert_int_equal(mqtts_tls_init(&tls, NULL, &no_wait, &t), MQTTS_ERR_INVALID_ARGUMENT);
    assert_contains(mqtts_tls_error_detail(&tls), "no wait()");
    static const char *const many[] = {"a", "b", "c", "d", "e", "f", "g", "h", "i", NULL};
    mqtts_tls_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.alpn = many;
    assert_int_equal(mqtts_tls_init(&tls, &cfg, &lower, &t), MQTTS_ERR_INVALID_ARGUMENT);
    /* Defaults (NULL config) work, and free is idempotent. */
    assert_int_equal(mqtts_tls_init(&tls, NULL, &lower, &t), MQTTS_OK);
    assert_null(mqtts_tls_version(&tls));
    assert_int_equal(t.send(t.ctx, (const uint8_t *)"x", 1), MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(t.wait(t.ctx, false, 0), MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(t.connect(t.ctx, "", 8883, 100), MQTTS_ERR_INVALID_ARGUMENT);
    mqtts_tls_free(&tls);
    mqtts_tls_free(&tls);
}

/* Every TLS error has its own name. */
static void test_tls_error_names(void **state)
{
    (void)state;
    const char *seen[32];
    int n = 0;
    for (int code = MQTTS_ERR_TLS_UNTRUSTED; code >= MQTTS_ERR_TLS_PROTOCOL; code--) {
        const char *name = mqtts_strerror((mqtts_err)code);
        assert_string_not_equal(name, "unknown error");
        for (int i = 0; i < n; i++)
            assert_string_not_equal(name, seen[i]);
        seen[n++] = name;
    }
    assert_int_equal(n, 18);
    assert_int_equal(MQTTS_ERR_TLS_UNTRUSTED, -140); /* numbers are stable */
    assert_int_equal(MQTTS_ERR_TLS_PROTOCOL, -157);
    assert_string_equal(mqtts_strerror(MQTTS_ERR_TLS_CLOCK_NOT_SET), "TLS: clock not set");
}

/* The built-in roots parse, their fingerprints are right, ISRG's are in. */
static void test_tls_builtin_roots(void **state)
{
    (void)state;
    size_t n = 0;
    const mqtts_tls_root *r = mqtts_tls_builtin_roots(&n);
    bool x1 = false, x2 = false;
    char today[16];
    time_t now = time(NULL);
    strftime(today, sizeof today, "%Y-%m-%d", gmtime(&now));
    assert_true(n >= 8);
    for (size_t i = 0; i < n; i++) {
        mbedtls_x509_crt crt;
        mbedtls_x509_crt_init(&crt);
        assert_int_equal(mbedtls_x509_crt_parse_der(&crt, r[i].der, r[i].der_len), 0);
        char subject[256];
        assert_true(mbedtls_x509_dn_gets(subject, sizeof subject, &crt.subject) > 0);
        assert_contains(subject, r[i].name);
        mbedtls_x509_crt_free(&crt);

        unsigned char digest[32];
        char hex[100] = "";
        assert_int_equal(mqtts_sha256(r[i].der, r[i].der_len, digest), 0);
        for (int j = 0; j < 32; j++)
            snprintf(hex + strlen(hex), sizeof hex - strlen(hex), "%s%02X", j ? ":" : "",
                     digest[j]);
        assert_string_equal(hex, r[i].sha256);
        assert_true(strcmp(r[i].not_after, today) > 0); /* none has expired */
        x1 |= strcmp(r[i].name, "ISRG Root X1") == 0;
        x2 |= strcmp(r[i].name, "ISRG Root X2") == 0;
    }
    assert_true(x1 && x2);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_tls_good_chain_pubsub_qos012),
        cmocka_unit_test(test_tls_over_choppy_lower_transport),
        cmocka_unit_test(test_tls_ca_in_memory),
        cmocka_unit_test(test_tls_ca_der_file_and_dir),
        cmocka_unit_test(test_tls_reconnect_same_context),
        cmocka_unit_test(test_tls_untrusted_other_ca),
        cmocka_unit_test(test_tls_untrusted_self_signed),
        cmocka_unit_test(test_tls_untrusted_missing_intermediate),
        cmocka_unit_test(test_tls_untrusted_fake_isrg_builtin),
        cmocka_unit_test(test_tls_default_trust_is_system_store),
        cmocka_unit_test(test_tls_insecure_connects_and_warns),
        cmocka_unit_test(test_tls_expired),
        cmocka_unit_test(test_tls_not_yet_valid),
        cmocka_unit_test(test_tls_clock_not_set),
        cmocka_unit_test(test_tls_injected_clock_drives_dates),
        cmocka_unit_test(test_tls_wrong_host_name),
        cmocka_unit_test(test_tls_server_name_option),
        cmocka_unit_test(test_tls_ip_address_san),
        cmocka_unit_test(test_tls_mutual_ok),
        cmocka_unit_test(test_tls_mutual_encrypted_key),
        cmocka_unit_test(test_tls_mutual_required),
        cmocka_unit_test(test_tls_mutual_rejected),
        cmocka_unit_test(test_tls_client_files_bad),
        cmocka_unit_test(test_tls_pins),
        cmocka_unit_test(test_tls_parse_pin),
        cmocka_unit_test(test_tls_plain_mqtt_port),
        cmocka_unit_test(test_tls_server_answers_plain_bytes),
        cmocka_unit_test(test_tls_handshake_timeout),
        cmocka_unit_test(test_tls_connection_refused),
        cmocka_unit_test(test_tls_sni_and_alpn),
        cmocka_unit_test(test_tls_bad_ca_files),
        cmocka_unit_test(test_tls_init_arguments),
        cmocka_unit_test(test_tls_error_names),
        cmocka_unit_test(test_tls_builtin_roots),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
