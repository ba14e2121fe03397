/*
 * x509.c - certificates for `mqtts cert` and `mqtts doctor` (x509.h).
 *
 * Fetching a chain is a handshake that verifies nothing, made over the
 * library's TCP transport: what the server SENDS is the point, whatever
 * anyone trusts. The chain is read from mbedTLS's copy of the peer's
 * Certificate message (MBEDTLS_SSL_KEEP_PEER_CERTIFICATE, on by default in
 * 2.28 and 3.x); an mbedTLS built without it hands each certificate to the
 * verify callback instead, which then records them.
 */
#define _POSIX_C_SOURCE 200809L

#ifdef MQTTS_TOOL_TLS /* the whole file: the tool without mbedTLS has no cert */
#include "x509.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/error.h>
#include <mbedtls/oid.h>
#include <mbedtls/pem.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/version.h>

#include "mqtts/client.h"
#include "mqtts/tls.h"
#include "mqtts/transport.h"

/* ---------------------------------------------------------------------- */
/* mbedTLS 2.28 / 3.x differences (as src/tls/mbedtls_compat.h does). */

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define X509_PRIVATE(member) MBEDTLS_PRIVATE(member)
#else
#define X509_PRIVATE(member) member
#endif

static int sha256(const unsigned char *in, size_t len, unsigned char out[32])
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    return mbedtls_sha256(in, len, out, 0);
#else
    return mbedtls_sha256_ret(in, len, out, 0);
#endif
}

static void conf_min_tls12(mbedtls_ssl_config *conf)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
}

static int global_init(void)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PSA_CRYPTO_C)
    return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
#else
    return 0;
#endif
}

static const char *const system_store = "/etc/ssl/certs/ca-certificates.crt";

/* ---------------------------------------------------------------------- */
/* Reading. */

static bool looks_pem(const unsigned char *p, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    for (size_t i = 0; i + sizeof begin - 1 <= len; i++) {
        if (memcmp(p + i, begin, sizeof begin - 1) == 0)
            return true;
    }
    return false;
}

/* The whole of one DER SEQUENCE at p (tag, length, contents), or 0. */
static size_t der_length(const unsigned char *p, size_t len)
{
    size_t n, body = 0;

    if (len < 2 || p[0] != 0x30)
        return 0;
    if (p[1] < 0x80)
        return 2 + (size_t)p[1] <= len ? 2 + (size_t)p[1] : 0;
    n = p[1] & 0x7F;
    if (n == 0 || n > 4 || 2 + n > len)
        return 0;
    for (size_t i = 0; i < n; i++)
        body = body << 8 | p[2 + i];
    return 2 + n + body <= len ? 2 + n + body : 0;
}

static unsigned char *read_file(const char *path, size_t *len, char *err, size_t errlen)
{
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    size_t cap = 0, n = 0;

    if (f == NULL) {
        (void)snprintf(err, errlen, "cannot read '%s': %s", path, strerror(errno));
        return NULL;
    }
    for (;;) {
        if (n + 1 >= cap) {
            size_t ncap = cap ? cap * 2 : 16384;
            unsigned char *more = realloc(buf, ncap);
            if (more == NULL) {
                free(buf);
                (void)fclose(f);
                (void)snprintf(err, errlen, "out of memory reading '%s'", path);
                return NULL;
            }
            buf = more;
            cap = ncap;
        }
        size_t r = fread(buf + n, 1, cap - n - 1, f);
        n += r;
        if (r == 0)
            break;
    }
    (void)fclose(f);
    buf[n] = '\0';
    *len = n;
    return buf;
}

int x509_load_file(mbedtls_x509_crt *chain, const char *path, char *err, size_t errlen)
{
    size_t len = 0, before = x509_count(chain);
    unsigned char *buf = read_file(path, &len, err, errlen);
    int rc = 0;

    if (buf == NULL)
        return -1;
    if (looks_pem(buf, len)) {
        rc = mbedtls_x509_crt_parse(chain, buf, len + 1); /* the NUL counted */
    } else {
        for (size_t at = 0; at < len && rc == 0;) {
            size_t one = der_length(buf + at, len - at);
            rc = one ? mbedtls_x509_crt_parse_der(chain, buf + at, one) : -1;
            at += one;
        }
    }
    free(buf);
    size_t added = x509_count(chain) - before;
    if (rc != 0 || added == 0) {
        (void)snprintf(err, errlen,
                       "'%s': %s (give PEM \"-----BEGIN CERTIFICATE-----\" or DER X.509 "
                       "certificates)",
                       path, added ? "some of its certificates cannot be read"
                                   : "no certificate mbedTLS can read");
        return -1;
    }
    return (int)added;
}

/* ---------------------------------------------------------------------- */
/* Facts. */

size_t x509_count(const mbedtls_x509_crt *c)
{
    size_t n = 0;
    for (; c != NULL && c->raw.p != NULL; c = c->next)
        n++;
    return n;
}

static bool same_buf(const mbedtls_x509_buf *a, const mbedtls_x509_buf *b)
{
    return a->len == b->len && memcmp(a->p, b->p, a->len) == 0;
}

bool x509_self_signed(const mbedtls_x509_crt *crt)
{
    return same_buf(&crt->subject_raw, &crt->issuer_raw);
}

bool x509_is_ca(const mbedtls_x509_crt *crt)
{
    return crt->X509_PRIVATE(ca_istrue) != 0;
}

x509_role x509_role_of(const mbedtls_x509_crt *crt, size_t i, bool is_chain)
{
    if (is_chain)
        return i == 0 ? X509_LEAF : x509_self_signed(crt) ? X509_ROOT : X509_INTERMEDIATE;
    if (!x509_is_ca(crt))
        return X509_LEAF;
    return x509_self_signed(crt) ? X509_ROOT : X509_INTERMEDIATE;
}

const char *x509_role_name(x509_role r)
{
    switch (r) {
    case X509_LEAF: return "leaf";
    case X509_INTERMEDIATE: return "intermediate";
    case X509_ROOT: return "root";
    }
    return "?";
}

void x509_fingerprint(const mbedtls_x509_crt *crt, char out[X509_FP_MAX])
{
    unsigned char d[32];
    out[0] = '\0';
    if (sha256(crt->raw.p, crt->raw.len, d) != 0)
        return;
    size_t k = 0;
    for (size_t i = 0; i < sizeof d; i++) {
        (void)snprintf(out + k, X509_FP_MAX - k, i ? ":%02X" : "%02X", d[i]);
        k += i ? 3 : 2;
    }
}

void x509_subject(const mbedtls_x509_crt *crt, char *out, size_t cap)
{
    if (mbedtls_x509_dn_gets(out, cap, &crt->subject) < 0)
        (void)snprintf(out, cap, "(unreadable)");
}

void x509_short_name(const mbedtls_x509_crt *crt, char *out, size_t cap)
{
    for (const mbedtls_x509_name *n = &crt->subject; n != NULL; n = n->next) {
        if (n->oid.p != NULL && MBEDTLS_OID_CMP(MBEDTLS_OID_AT_CN, &n->oid) == 0) {
            (void)snprintf(out, cap, "%.*s", (int)n->val.len, (const char *)n->val.p);
            return;
        }
    }
    x509_subject(crt, out, cap);
}

void x509_day(const mbedtls_x509_time *t, char *out, size_t cap)
{
    (void)snprintf(out, cap, "%04d-%02d-%02d", t->year, t->mon, t->day);
}

/* Days since 1970-01-01 of a civil date (Howard Hinnant's algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int64_t epoch_of(const mbedtls_x509_time *t)
{
    return days_from_civil(t->year, t->mon, t->day) * 86400 + t->hour * 3600 + t->min * 60 +
           t->sec;
}

static void key_text(const mbedtls_x509_crt *crt, char *out, size_t cap)
{
    const char *name = mbedtls_pk_get_name(&crt->pk);
    size_t bits = mbedtls_pk_get_bitlen(&crt->pk);
    (void)snprintf(out, cap, "%s %zu bits", name != NULL ? name : "unknown", bits);
}

void x509_describe(FILE *f, const mbedtls_x509_crt *crt, const char *title, int64_t now)
{
    char subject[X509_DN_MAX], issuer[X509_DN_MAX], from[16], to[16], key[64];
    char fp[X509_FP_MAX], when[64] = "";
    int64_t t_from = epoch_of(&crt->valid_from), t_to = epoch_of(&crt->valid_to);

    x509_subject(crt, subject, sizeof subject);
    if (mbedtls_x509_dn_gets(issuer, sizeof issuer, &crt->issuer) < 0)
        (void)snprintf(issuer, sizeof issuer, "(unreadable)");
    x509_day(&crt->valid_from, from, sizeof from);
    x509_day(&crt->valid_to, to, sizeof to);
    key_text(crt, key, sizeof key);
    x509_fingerprint(crt, fp);
    if (now > t_to)
        (void)snprintf(when, sizeof when, " (EXPIRED %lld days ago)",
                       (long long)((now - t_to) / 86400));
    else if (now < t_from)
        (void)snprintf(when, sizeof when, " (NOT YET VALID: starts in %lld days)",
                       (long long)((t_from - now) / 86400 + 1));
    else
        (void)snprintf(when, sizeof when, " (expires in %lld days)",
                       (long long)((t_to - now) / 86400));
    fprintf(f, "%s\n", title);
    fprintf(f, "    subject:  %s\n", subject);
    fprintf(f, "    issuer:   %s%s\n", issuer, x509_self_signed(crt) ? " (self-signed)" : "");
    fprintf(f, "    valid:    %s to %s%s\n", from, to, when);
    fprintf(f, "    key:      %s\n", key);
    fprintf(f, "    SHA-256:  %s\n", fp);
}

/* ---------------------------------------------------------------------- */
/* Writing. */

int x509_write_pem(FILE *f, const mbedtls_x509_crt *crt)
{
    size_t cap = crt->raw.len * 2 + 128, olen = 0;
    unsigned char *buf = malloc(cap);
    int rc;

    if (buf == NULL)
        return -1;
    rc = mbedtls_pem_write_buffer("-----BEGIN CERTIFICATE-----\n", "-----END CERTIFICATE-----\n",
                                  crt->raw.p, crt->raw.len, buf, cap, &olen);
    if (rc == 0 && olen > 0 && fwrite(buf, 1, olen - 1, f) != olen - 1) /* olen counts the NUL */
        rc = -1;
    free(buf);
    return rc == 0 ? 0 : -1;
}

int x509_write_der(FILE *f, const mbedtls_x509_crt *crt)
{
    return fwrite(crt->raw.p, 1, crt->raw.len, f) == crt->raw.len ? 0 : -1;
}

bool x509_c_name_ok(const char *name)
{
    if (name == NULL || !(isalpha((unsigned char)name[0]) || name[0] == '_'))
        return false;
    for (const char *p = name; *p; p++) {
        if (!isalnum((unsigned char)*p) && *p != '_')
            return false;
    }
    return strlen(name) < 64;
}

static void write_bytes(FILE *f, const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i++)
        fprintf(f, "%s0x%02x,%s", i % 12 == 0 ? "    " : "", p[i],
                i % 12 == 11 || i + 1 == len ? "\n" : " ");
}

static void comment_cert(FILE *f, const mbedtls_x509_crt *crt)
{
    char subject[X509_DN_MAX], fp[X509_FP_MAX], to[16];
    x509_subject(crt, subject, sizeof subject);
    x509_fingerprint(crt, fp);
    x509_day(&crt->valid_to, to, sizeof to);
    fprintf(f, " *   subject: %s\n *   SHA-256: %s\n *   expires: %s\n", subject, fp, to);
}

int x509_write_c_header(FILE *f, const mbedtls_x509_crt *chain, const char *c_name)
{
    size_t n = x509_count(chain);
    char guard[80];
    size_t i = 0;

    for (; c_name[i] && i + 3 < sizeof guard; i++)
        guard[i] = (char)toupper((unsigned char)c_name[i]);
    (void)snprintf(guard + i, sizeof guard - i, "_H");
    fprintf(f, "/*\n * %s - %s, written by `mqtts cert`.\n", c_name,
           n == 1 ? "a CA certificate (DER)" : "CA certificates (PEM text, NUL-terminated)");
    for (const mbedtls_x509_crt *c = chain; c != NULL && c->raw.p != NULL; c = c->next)
        comment_cert(f, c);
    fprintf(f, " *\n * For mqtts: tc.ca_buf = %s; tc.ca_len = %s_len;\n"
               " * Compare the fingerprint with the CA's published one before trusting it.\n"
               " */\n#ifndef %s\n#define %s\n\n",
            c_name, c_name, guard, guard);
    fprintf(f, "static const unsigned char %s[] = {\n", c_name);
    size_t total = 0;
    if (n == 1) {
        write_bytes(f, chain->raw.p, chain->raw.len);
        total = chain->raw.len;
    } else {
        char *tmp = NULL;
        size_t tlen = 0;
        FILE *mem = open_memstream(&tmp, &tlen);
        if (mem == NULL)
            return -1;
        for (const mbedtls_x509_crt *c = chain; c != NULL && c->raw.p != NULL; c = c->next)
            (void)x509_write_pem(mem, c);
        (void)fputc('\0', mem);
        (void)fclose(mem);
        write_bytes(f, (const unsigned char *)tmp, tlen);
        total = tlen;
        free(tmp);
    }
    fprintf(f, "};\nstatic const unsigned int %s_len = %zuu;\n\n#endif /* %s */\n", c_name, total,
            guard);
    return ferror(f) ? -1 : 0;
}

/* ---------------------------------------------------------------------- */
/* Fetching a chain. */

#define FETCH_MAX 16

typedef struct fetch {
    mqtts_transport t;
    unsigned char *raw[FETCH_MAX]; /* without KEEP_PEER_CERTIFICATE */
    size_t raw_len[FETCH_MAX];
} fetch;

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    fetch *fe = ctx;
    int32_t n = fe->t.send(fe->t.ctx, buf, len);
    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_WRITE;
    return n > 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    fetch *fe = ctx;
    int32_t n = fe->t.recv(fe->t.ctx, buf, len);
    if (n == 0)
        return MBEDTLS_ERR_SSL_WANT_READ;
    if (n == MQTTS_ERR_CLOSED)
        return MBEDTLS_ERR_SSL_CONN_EOF;
    return n > 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

#if !defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
/* Without a kept peer chain: each certificate as the verify callback sees
 * it, by depth (0 is the leaf). */
static int record_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    fetch *fe = ctx;
    *flags = 0;
    if (depth >= 0 && depth < FETCH_MAX && fe->raw[depth] == NULL) {
        fe->raw[depth] = malloc(crt->raw.len);
        if (fe->raw[depth] != NULL) {
            memcpy(fe->raw[depth], crt->raw.p, crt->raw.len);
            fe->raw_len[depth] = crt->raw.len;
        }
    }
    return 0;
}
#endif

static void words(int rc, char *out, size_t cap)
{
#if defined(MBEDTLS_ERROR_C)
    mbedtls_strerror(rc, out, cap);
#else
    (void)snprintf(out, cap, "mbedTLS error -0x%04X", (unsigned)-rc);
#endif
}

static bool is_address(const char *s)
{
    unsigned char buf[16];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int handshake(mbedtls_ssl_context *ssl, fetch *fe, uint32_t timeout_ms, char *err,
                     size_t errlen)
{
    uint32_t start = mqtts_posix_now_ms();
    int rc;

    while ((rc = mbedtls_ssl_handshake(ssl)) != 0) {
        uint32_t spent = mqtts_posix_now_ms() - start;
        if (rc != MBEDTLS_ERR_SSL_WANT_READ && rc != MBEDTLS_ERR_SSL_WANT_WRITE) {
            char w[160];
            words(rc, w, sizeof w);
            (void)snprintf(err, errlen, "the TLS handshake failed: %s", w);
            return -1;
        }
        if (spent >= timeout_ms) {
            (void)snprintf(err, errlen, "the TLS handshake did not finish within %u ms",
                           (unsigned)timeout_ms);
            return -1;
        }
        (void)fe->t.wait(fe->t.ctx, rc == MBEDTLS_ERR_SSL_WANT_WRITE, timeout_ms - spent);
    }
    return 0;
}

static int copy_peer_chain(mbedtls_ssl_context *ssl, fetch *fe, mbedtls_x509_crt *out,
                           char *err, size_t errlen)
{
#if defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
    const mbedtls_x509_crt *peer = mbedtls_ssl_get_peer_cert(ssl);
    for (const mbedtls_x509_crt *c = peer; c != NULL && c->raw.p != NULL; c = c->next) {
        if (mbedtls_x509_crt_parse_der(out, c->raw.p, c->raw.len) != 0)
            break;
    }
    (void)fe;
#else
    (void)ssl;
    for (size_t i = 0; i < FETCH_MAX && fe->raw[i] != NULL; i++)
        (void)mbedtls_x509_crt_parse_der(out, fe->raw[i], fe->raw_len[i]);
#endif
    if (x509_count(out) == 0) {
        (void)snprintf(err, errlen, "the server sent no certificate");
        return -1;
    }
    return 0;
}

int x509_fetch_chain(mbedtls_x509_crt *chain, const char *host, uint16_t port,
                     const char *server_name, uint32_t timeout_ms, char *err, size_t errlen,
                     int *err_code)
{
    mqtts_tcp tcp;
    fetch fe;
    mbedtls_ssl_context ssl;
    mbedtls_ssl_config conf;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
    const char *sni = server_name != NULL ? server_name : host;
    int rc = -1;

    *err_code = 0;
    memset(&fe, 0, sizeof fe);
    mqtts_tcp_init(&tcp, &fe.t);
    mbedtls_ssl_init(&ssl);
    mbedtls_ssl_config_init(&conf);
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    if (global_init() != 0 ||
        mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy,
                              (const unsigned char *)"mqtts cert", 10) != 0 ||
        mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                    MBEDTLS_SSL_PRESET_DEFAULT) != 0) {
        (void)snprintf(err, errlen, "mbedTLS could not be set up");
        goto done;
    }
    conf_min_tls12(&conf);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    /* Nothing is verified here: the point is to see what the server sends. */
#if defined(MBEDTLS_SSL_KEEP_PEER_CERTIFICATE)
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_NONE);
#else
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_OPTIONAL);
    mbedtls_ssl_conf_verify(&conf, record_cb, &fe);
#endif
    if (mbedtls_ssl_setup(&ssl, &conf) != 0 ||
        mbedtls_ssl_set_hostname(&ssl, is_address(sni) ? NULL : sni) != 0) {
        (void)snprintf(err, errlen, "mbedTLS could not be set up");
        goto done;
    }
    mqtts_err e = fe.t.connect(fe.t.ctx, host, port, timeout_ms);
    if (e != MQTTS_OK) {
        *err_code = e;
        (void)snprintf(err, errlen, "cannot connect to %s port %u: %s", host, (unsigned)port,
                       mqtts_strerror(e));
        goto done;
    }
    mbedtls_ssl_set_bio(&ssl, &fe, bio_send, bio_recv, NULL);
    if (handshake(&ssl, &fe, timeout_ms, err, errlen) == 0 &&
        copy_peer_chain(&ssl, &fe, chain, err, errlen) == 0)
        rc = 0;
    (void)mbedtls_ssl_close_notify(&ssl);
done:
    fe.t.close(fe.t.ctx);
    mbedtls_ssl_free(&ssl);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    for (size_t i = 0; i < FETCH_MAX; i++)
        free(fe.raw[i]);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* Finding the root. */

int x509_stores_load(x509_stores *s, const char *cafile, char *err, size_t errlen)
{
    size_t n = 0;
    const mqtts_tls_root *roots = mqtts_tls_builtin_roots(&n);

    memset(s, 0, sizeof *s);
    mbedtls_x509_crt_init(&s->cafile);
    mbedtls_x509_crt_init(&s->builtin);
    mbedtls_x509_crt_init(&s->system);
    if (cafile != NULL) {
        if (x509_load_file(&s->cafile, cafile, err, errlen) < 0)
            return -1;
        s->have_cafile = true;
        (void)snprintf(s->cafile_label, sizeof s->cafile_label, "--cafile %s", cafile);
    }
    for (size_t i = 0; i < n; i++)
        (void)mbedtls_x509_crt_parse_der_nocopy(&s->builtin, roots[i].der, roots[i].der_len);
    FILE *f = fopen(system_store, "rb");
    if (f != NULL) {
        (void)fclose(f);
        (void)mbedtls_x509_crt_parse_file(&s->system, system_store);
        s->have_system = x509_count(&s->system) > 0;
    }
    return 0;
}

void x509_stores_free(x509_stores *s)
{
    mbedtls_x509_crt_free(&s->cafile);
    mbedtls_x509_crt_free(&s->builtin);
    mbedtls_x509_crt_free(&s->system);
}

/* The top of the chain the server sent: from the leaf, up through the
 * certificates it sent, by issuer name. */
static const mbedtls_x509_crt *chain_top(const mbedtls_x509_crt *chain)
{
    const mbedtls_x509_crt *cur = chain;
    for (size_t steps = 0; steps < 16 && !x509_self_signed(cur); steps++) {
        const mbedtls_x509_crt *up = NULL;
        for (const mbedtls_x509_crt *c = chain; c != NULL && c->raw.p != NULL; c = c->next) {
            if (c != cur && same_buf(&c->subject_raw, &cur->issuer_raw))
                up = c;
        }
        if (up == NULL)
            break;
        cur = up;
    }
    return cur;
}

/* Whether cand signed child (names and signature; dates do not matter). */
static bool signed_by(const mbedtls_x509_crt *child, const mbedtls_x509_crt *cand)
{
    mbedtls_x509_crt one, ca;
    uint32_t flags = 0;
    bool ok = false;

    if (!same_buf(&cand->subject_raw, &child->issuer_raw))
        return false;
    mbedtls_x509_crt_init(&one);
    mbedtls_x509_crt_init(&ca);
    if (mbedtls_x509_crt_parse_der_nocopy(&one, child->raw.p, child->raw.len) == 0 &&
        mbedtls_x509_crt_parse_der_nocopy(&ca, cand->raw.p, cand->raw.len) == 0) {
        (void)mbedtls_x509_crt_verify(&one, &ca, NULL, NULL, &flags, NULL, NULL);
        ok = (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) == 0;
    }
    mbedtls_x509_crt_free(&one);
    mbedtls_x509_crt_free(&ca);
    return ok;
}

static const mbedtls_x509_crt *find_in(const mbedtls_x509_crt *store,
                                       const mbedtls_x509_crt *top)
{
    for (const mbedtls_x509_crt *c = store; c != NULL && c->raw.p != NULL; c = c->next) {
        if (x509_self_signed(top) ? same_buf(&c->raw, &top->raw) : signed_by(top, c))
            return c;
    }
    return NULL;
}

x509_anchor x509_find_anchor(const x509_stores *s, const mbedtls_x509_crt *chain)
{
    x509_anchor a = {NULL, NULL, false};
    const mbedtls_x509_crt *top = chain_top(chain);
    struct {
        const mbedtls_x509_crt *store;
        bool have;
        const char *label;
    } order[] = {
        {&s->cafile, s->have_cafile, s->cafile_label},
        {&s->builtin, true, "the roots built into mqtts"},
        {&s->system, s->have_system, "the system store /etc/ssl/certs/ca-certificates.crt"},
    };

    a.sent_by_server = x509_self_signed(top) && top != chain;
    for (size_t i = 0; i < sizeof order / sizeof order[0]; i++) {
        if (!order[i].have)
            continue;
        a.root = find_in(order[i].store, top);
        if (a.root != NULL) {
            a.source = order[i].label;
            return a;
        }
    }
    return a;
}

/* ---------------------------------------------------------------------- */
/* A full verification, and what it means for the exit code. */

mqtts_err x509_verify_server(const mqtts_tls_config *tc, const char *host, uint16_t port,
                             uint32_t timeout_ms, x509_verdict *v)
{
    mqtts_tcp tcp;
    mqtts_transport lower, t;
    mqtts_tls tls;

    memset(v, 0, sizeof *v);
    mqtts_tcp_init(&tcp, &lower);
    v->err = mqtts_tls_init(&tls, tc, &lower, &t);
    if (v->err == MQTTS_OK) {
        (void)snprintf(v->trust, sizeof v->trust, "%s", mqtts_tls_trust(&tls));
        v->err = t.connect(t.ctx, host, port, timeout_ms);
    }
    if (v->err == MQTTS_OK) {
        const char *ver = mqtts_tls_version(&tls), *cs = mqtts_tls_ciphersuite(&tls);
        (void)snprintf(v->version, sizeof v->version, "%s", ver ? ver : "?");
        (void)snprintf(v->cipher, sizeof v->cipher, "%s", cs ? cs : "?");
        t.close(t.ctx);
    }
    (void)snprintf(v->detail, sizeof v->detail, "%s", mqtts_tls_error_detail(&tls));
    mqtts_tls_free(&tls);
    return v->err;
}

int x509_exit_code(mqtts_err e)
{
    if (e == MQTTS_OK)
        return 0;
    if (e <= MQTTS_ERR_TLS_UNTRUSTED && e >= MQTTS_ERR_TLS_PROTOCOL)
        return 5; /* EXIT_TLS */
    if (e == MQTTS_ERR_TIMEOUT)
        return 4; /* EXIT_TIMEOUT */
    return 1;     /* EXIT_CONN */
}

int x509_parse_target(const char *text, uint16_t default_port, char *host, size_t cap,
                      uint16_t *port, char *err, size_t errlen)
{
    const char *h = text, *colon = NULL;
    size_t hlen;

    if (strncmp(h, "mqtts://", 8) == 0)
        h += 8;
    else if (strstr(h, "://") != NULL) {
        (void)snprintf(err, errlen, "'%s': give HOST[:PORT] or mqtts://HOST[:PORT]", text);
        return -1;
    }
    if (h[0] == '[') {
        const char *end = strchr(h, ']');
        if (end == NULL) {
            (void)snprintf(err, errlen, "'%s': an IPv6 address needs its closing ']'", text);
            return -1;
        }
        hlen = (size_t)(end - h - 1);
        h++;
        colon = end[1] == ':' ? end + 1 : NULL;
    } else {
        colon = strchr(h, ':');
        if (colon != NULL && strchr(colon + 1, ':') != NULL)
            colon = NULL; /* a bare IPv6 address */
        hlen = colon ? (size_t)(colon - h) : strcspn(h, "/");
    }
    if (hlen == 0 || hlen >= cap) {
        (void)snprintf(err, errlen, "'%s': no host name", text);
        return -1;
    }
    memcpy(host, h, hlen);
    host[hlen] = '\0';
    *port = default_port;
    if (colon != NULL) {
        char *end;
        unsigned long p = strtoul(colon + 1, &end, 10);
        if (end == colon + 1 || (*end != '\0' && *end != '/') || p == 0 || p > 65535) {
            (void)snprintf(err, errlen, "'%s': the port must be a number from 1 to 65535", text);
            return -1;
        }
        *port = (uint16_t)p;
    }
    return 0;
}

#else
typedef int x509_not_built; /* no mbedTLS: nothing here */
#endif /* MQTTS_TOOL_TLS */
