/*
 * trust.c - whom a connection trusts, and who it is.
 *
 * Trust is read once, by mqtts_tls_init(), in the order tls.h gives: the
 * caller's CA file, directory and buffer; else the system store; else the
 * built-in roots. The built-in roots are parsed in place (no copy: on a
 * device they stay in flash). A file that cannot be read fails init with a
 * message naming the file and why, so that a typo in a path is found at
 * start-up and not at the first connection.
 *
 * tls_root_hint() answers, after a chain was not trusted, "which root would
 * have verified it?": it verifies the top of the server's chain again
 * against the built-in roots and the system store (the ones not already in
 * use), so the message can say "ISRG Root X1 would verify it: drop
 * ca_file".
 */
#define _POSIX_C_SOURCE 200809L /* strerror, fopen */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <mbedtls/pem.h>
#include <mbedtls/platform_util.h>
#if defined(MBEDTLS_PKCS5_C)
#include <mbedtls/pkcs5.h>
#endif

#include "tls/tls_internal.h"

#if defined(MBEDTLS_FS_IO)
/* Where the system store may be, in order (tls.h). */
static const char *const system_stores[] = {
    "/etc/ssl/certs/ca-certificates.crt", /* Debian, Ubuntu, Alpine */
    "/etc/pki/tls/certs/ca-bundle.crt",   /* Fedora, RHEL */
    "/etc/ssl/cert.pem",                  /* macOS, the BSDs */
};
#endif

static size_t count_certs(const mbedtls_x509_crt *c)
{
    size_t n = 0;

    for (; c != NULL && c->raw.p != NULL; c = c->next)
        n++;
    return n;
}

static const char *plural(size_t n)
{
    return n == 1 ? "" : "s";
}

/* Adds "WHAT (N certificates)" to the words of e->trust. */
static void describe(tls_engine *e, const char *what, size_t n, const char *noun)
{
    tls_append(e->trust, sizeof e->trust, "%s%s (%zu %s%s)", e->trust[0] != '\0' ? " and " : "",
               what, n, noun, plural(n));
}

static bool looks_pem(const unsigned char *p, size_t len)
{
    static const char begin[] = "-----BEGIN ";
    const size_t blen = sizeof begin - 1;

    for (size_t i = 0; i + blen <= len; i++) {
        if (memcmp(p + i, begin, blen) == 0)
            return true;
    }
    return false;
}

/* Calls parse(ctx, buf, len) with PEM terminated by a NUL counted in len, as
 * mbedTLS wants it: on a copy when the caller's buffer lacks the NUL. */
typedef int (*parse_fn)(void *ctx, const unsigned char *buf, size_t len);

static int with_terminated(const void *buf, size_t len, parse_fn parse, void *ctx)
{
    const unsigned char *p = buf;
    unsigned char *copy;
    int rc;

    if (p == NULL || len == 0)
        return MBEDTLS_ERR_X509_BAD_INPUT_DATA;
    if (!looks_pem(p, len) || p[len - 1] == '\0')
        return parse(ctx, p, len);
    copy = malloc(len + 1);
    if (copy == NULL)
        return MBEDTLS_ERR_X509_ALLOC_FAILED;
    memcpy(copy, p, len);
    copy[len] = '\0';
    rc = parse(ctx, copy, len + 1);
    mbedtls_platform_zeroize(copy, len + 1); /* it may be a private key */
    free(copy);
    return rc;
}

static int parse_crt(void *ctx, const unsigned char *buf, size_t len)
{
    return mbedtls_x509_crt_parse(ctx, buf, len);
}

#if defined(MBEDTLS_FS_IO)
/* Why path cannot be opened for reading, or NULL when it can. */
static const char *open_problem(const char *path)
{
    FILE *f = fopen(path, "rb");

    if (f == NULL)
        return strerror(errno);
    (void)fclose(f);
    return NULL;
}
#endif

int tls_parse_builtin(mbedtls_x509_crt *chain)
{
    size_t n = 0;
    const mqtts_tls_root *roots = mqtts_tls_builtin_roots(&n);

    for (size_t i = 0; i < n; i++) {
        int rc = mbedtls_x509_crt_parse_der_nocopy(chain, roots[i].der, roots[i].der_len);
        if (rc != 0)
            return rc;
    }
    return (int)n;
}

/* ---------------------------------------------------------------------- */
/* The trust of a connection. */

static mqtts_err bad_ca(tls_engine *e, const char *what, const char *where, int rc)
{
    char words[128];

    tls_mbedtls_words(rc, words, sizeof words);
    tls_detail(e,
               "%s \"%s\" holds no certificate mbedTLS can read (%s): give PEM (\"-----BEGIN "
               "CERTIFICATE-----\") or DER X.509 certificates",
               what, where, words[0] != '\0' ? words : "unreadable");
    return MQTTS_ERR_TLS_CA_FILE;
}

#if defined(MBEDTLS_FS_IO)
static mqtts_err load_ca_file(tls_engine *e, const char *path)
{
    const char *why = open_problem(path);
    size_t before = count_certs(&e->ca);
    size_t added;
    int rc;

    if (why != NULL) {
        tls_detail(e, "cannot read ca_file \"%s\": %s", path, why);
        return MQTTS_ERR_TLS_CA_FILE;
    }
    rc = mbedtls_x509_crt_parse_file(&e->ca, path);
    added = count_certs(&e->ca) - before;
    if (rc > 0) {
        tls_detail(e, "%d of the certificates in ca_file \"%s\" cannot be read (%zu can): "
                      "remove or replace them",
                   rc, path, added);
        return MQTTS_ERR_TLS_CA_FILE;
    }
    if (rc < 0 || added == 0)
        return bad_ca(e, "ca_file", path, rc);
    char what[TLS_NAME_MAX + 16];
    (void)snprintf(what, sizeof what, "ca_file \"%s\"", path);
    describe(e, what, added, "certificate");
    return MQTTS_OK;
}

static mqtts_err load_ca_dir(tls_engine *e, const char *path)
{
    size_t before = count_certs(&e->ca);
    size_t added;
    int rc = mbedtls_x509_crt_parse_path(&e->ca, path);

    added = count_certs(&e->ca) - before;
    if (rc < 0) {
        tls_detail(e, "cannot read ca_dir \"%s\": it is not a directory mbedTLS can list", path);
        return MQTTS_ERR_TLS_CA_FILE;
    }
    if (added == 0)
        return bad_ca(e, "ca_dir", path, rc);
    if (rc > 0)
        tls_log(e, MQTTS_TLS_LOG_WARNING, "%d file%s in ca_dir \"%s\" %s not certificates (ignored)",
                rc, plural((size_t)rc), path, rc == 1 ? "is" : "are");
    char what[TLS_NAME_MAX + 16];
    (void)snprintf(what, sizeof what, "ca_dir \"%s\"", path);
    describe(e, what, added, "certificate");
    return MQTTS_OK;
}

/* The first system store that exists; false when none does. */
static bool load_system_store(tls_engine *e)
{
    for (size_t i = 0; i < sizeof system_stores / sizeof system_stores[0]; i++) {
        size_t before = count_certs(&e->ca);
        if (open_problem(system_stores[i]) != NULL)
            continue;
        /* rc > 0: some certificates of the store cannot be read by this
         * mbedTLS (an unusual key type); the others are trusted. */
        if (mbedtls_x509_crt_parse_file(&e->ca, system_stores[i]) < 0)
            continue;
        size_t added = count_certs(&e->ca) - before;
        if (added == 0)
            continue;
        char what[TLS_NAME_MAX];
        (void)snprintf(what, sizeof what, "the system store %s", system_stores[i]);
        describe(e, what, added, "certificate");
        e->trust_kind |= TLS_TRUST_SYSTEM;
        return true;
    }
    return false;
}
#endif /* MBEDTLS_FS_IO */

#if !defined(MBEDTLS_FS_IO)
static mqtts_err no_files(tls_engine *e, const char *what)
{
    tls_detail(e, "%s needs an mbedTLS built with MBEDTLS_FS_IO; give the certificates in "
                  "memory (ca_buf, cert_buf, key_buf) instead",
               what);
    return MQTTS_ERR_INVALID_ARGUMENT;
}
#endif

static mqtts_err load_builtin(tls_engine *e)
{
    size_t before = count_certs(&e->ca);
    int rc = tls_parse_builtin(&e->ca);

    if (rc < 0) {
        tls_detail(e, "the roots built into mqtts cannot be parsed by this mbedTLS (-0x%04X)",
                   (unsigned)-rc);
        return MQTTS_ERR_TLS_SETUP;
    }
    describe(e, "the roots built into mqtts", count_certs(&e->ca) - before, "root");
    e->trust_kind |= TLS_TRUST_BUILTIN;
    return MQTTS_OK;
}

mqtts_err tls_load_trust(tls_engine *e)
{
    const mqtts_tls_config *c = &e->cfg;

    e->trust[0] = '\0';
    if (c->ca_file != NULL) {
#if defined(MBEDTLS_FS_IO)
        mqtts_err err = load_ca_file(e, c->ca_file);
        if (err != MQTTS_OK)
            return err;
#else
        return no_files(e, "ca_file");
#endif
    }
    if (c->ca_dir != NULL) {
#if defined(MBEDTLS_FS_IO)
        mqtts_err err = load_ca_dir(e, c->ca_dir);
        if (err != MQTTS_OK)
            return err;
#else
        return no_files(e, "ca_dir");
#endif
    }
    if (c->ca_buf != NULL || c->ca_len != 0) {
        size_t before = count_certs(&e->ca);
        int rc = with_terminated(c->ca_buf, c->ca_len, parse_crt, &e->ca);
        size_t added = count_certs(&e->ca) - before;
        if (rc != 0 || added == 0)
            return bad_ca(e, "ca_buf", "(in memory)", rc);
        describe(e, "ca_buf", added, "certificate");
    }
    if (e->trust[0] != '\0')
        e->trust_kind |= TLS_TRUST_USER;
    if (c->use_builtin_roots)
        return load_builtin(e);
    if (e->trust_kind != 0)
        return MQTTS_OK;
#if defined(MBEDTLS_FS_IO)
    if (load_system_store(e))
        return MQTTS_OK;
#endif
    return load_builtin(e);
}

/* ---------------------------------------------------------------------- */
/* Who we are (mutual TLS). */

static int parse_key(void *ctx, const unsigned char *buf, size_t len)
{
    tls_engine *e = ctx;
    return mqtts_pk_parse_key(&e->own_key, buf, len, e->cfg.key_password, &e->drbg);
}

static bool cannot_decrypt(int rc)
{
    if (rc == MBEDTLS_ERR_PK_FEATURE_UNAVAILABLE || rc == MBEDTLS_ERR_PEM_FEATURE_UNAVAILABLE)
        return true;
#if defined(MBEDTLS_PKCS5_C)
    if (rc == MBEDTLS_ERR_PKCS5_FEATURE_UNAVAILABLE)
        return true;
#endif
    return false;
}

/* The detail of a key that did not load. Never the password. */
static mqtts_err bad_key(tls_engine *e, const char *where, int rc)
{
    char words[128];

    if (rc == MBEDTLS_ERR_PK_PASSWORD_REQUIRED) {
        tls_detail(e, "the client key %s is encrypted: give its password in key_password", where);
        return MQTTS_ERR_TLS_KEY_PASSWORD;
    }
    if (rc == MBEDTLS_ERR_PK_PASSWORD_MISMATCH) {
        tls_detail(e, "key_password does not decrypt the client key %s: the password is wrong",
                   where);
        return MQTTS_ERR_TLS_KEY_PASSWORD;
    }
    if (cannot_decrypt(rc)) {
        tls_detail(e,
                   "the client key %s is encrypted in a way mbedTLS %s cannot decrypt (PKCS#8 "
                   "with AES needs mbedTLS 3.5 or newer): convert it with `openssl pkey -in KEY "
                   "-aes256 -traditional -out NEWKEY`",
                   where, MBEDTLS_VERSION_STRING);
        return MQTTS_ERR_TLS_KEY_FILE;
    }
    tls_mbedtls_words(rc, words, sizeof words);
    tls_detail(e, "cannot read the client key %s: %s (give a PEM or DER private key)", where,
               words[0] != '\0' ? words : "not a key mbedTLS can read");
    return MQTTS_ERR_TLS_KEY_FILE;
}

static mqtts_err load_own_cert(tls_engine *e, char *where, size_t cap)
{
    const mqtts_tls_config *c = &e->cfg;
    char words[128];
    int rc;

    if (c->cert_file != NULL) {
#if defined(MBEDTLS_FS_IO)
        const char *why = open_problem(c->cert_file);
        (void)snprintf(where, cap, "in \"%s\"", c->cert_file);
        if (why != NULL) {
            tls_detail(e, "cannot read cert_file \"%s\": %s", c->cert_file, why);
            return MQTTS_ERR_TLS_CERT_FILE;
        }
        rc = mbedtls_x509_crt_parse_file(&e->own_cert, c->cert_file);
#else
        return no_files(e, "cert_file");
#endif
    } else {
        (void)snprintf(where, cap, "in cert_buf");
        rc = with_terminated(c->cert_buf, c->cert_len, parse_crt, &e->own_cert);
    }
    if (rc != 0 || count_certs(&e->own_cert) == 0) {
        tls_mbedtls_words(rc, words, sizeof words);
        tls_detail(e, "cannot read the client certificate %s: %s (give PEM or DER)", where,
                   words[0] != '\0' ? words : "no certificate found");
        return MQTTS_ERR_TLS_CERT_FILE;
    }
    (void)mbedtls_x509_dn_gets(e->own_subject, sizeof e->own_subject, &e->own_cert.subject);
    (void)mbedtls_x509_dn_gets(e->own_issuer, sizeof e->own_issuer, &e->own_cert.issuer);
    return MQTTS_OK;
}

mqtts_err tls_load_own(tls_engine *e)
{
    const mqtts_tls_config *c = &e->cfg;
    bool has_cert = c->cert_file != NULL || c->cert_buf != NULL;
    bool has_key = c->key_file != NULL || c->key_buf != NULL;
    char cert_where[300], where[300];
    mqtts_err err;
    int rc;

    if (!has_cert && !has_key)
        return MQTTS_OK;
    if (has_cert != has_key) {
        tls_detail(e, "a client certificate needs its private key, and a key its certificate: "
                      "give both (cert_file or cert_buf, and key_file or key_buf)");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    if ((err = load_own_cert(e, cert_where, sizeof cert_where)) != MQTTS_OK)
        return err;
    if (c->key_file != NULL) {
#if defined(MBEDTLS_FS_IO)
        const char *why = open_problem(c->key_file);
        (void)snprintf(where, sizeof where, "in \"%s\"", c->key_file);
        if (why != NULL) {
            tls_detail(e, "cannot read key_file \"%s\": %s", c->key_file, why);
            return MQTTS_ERR_TLS_KEY_FILE;
        }
        rc = mqtts_pk_parse_keyfile(&e->own_key, c->key_file, c->key_password, &e->drbg);
#else
        return no_files(e, "key_file");
#endif
    } else {
        (void)snprintf(where, sizeof where, "in key_buf");
        rc = with_terminated(c->key_buf, c->key_len, parse_key, e);
    }
    if (rc != 0)
        return bad_key(e, where, rc);
    if (mqtts_pk_check_pair(&e->own_cert.pk, &e->own_key, &e->drbg) != 0) {
        tls_detail(e, "the client key %s does not belong to the certificate %s (\"%s\"): their "
                      "public keys differ",
                   where, cert_where, e->own_subject);
        return MQTTS_ERR_TLS_KEY_FILE;
    }
    e->have_own_cert = true;
    return MQTTS_OK;
}

/* ---------------------------------------------------------------------- */
/* Which root would have verified it. */

typedef struct top_capture {
    bool seen;
    char subject[TLS_DN_MAX];
} top_capture;

static int capture_top(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    top_capture *t = ctx;

    (void)depth;
    (void)flags;
    if (!t->seen) {
        t->seen = true;
        (void)mbedtls_x509_dn_gets(t->subject, sizeof t->subject, &crt->subject);
    }
    return 0;
}

/* Whether cert's subject is name (compared as text: the same name may be
 * encoded with other string types). */
static bool has_subject(const mbedtls_x509_crt *cert, const char *name)
{
    char subject[TLS_DN_MAX];

    return mbedtls_x509_dn_gets(subject, sizeof subject, &cert->subject) > 0 &&
           strcmp(subject, name) == 0;
}

/* Into out: that a root named issuer is among set (which is `where`), but
 * did not sign the chain. */
static bool same_name_hint(const mbedtls_x509_crt *set, const char *issuer, const char *where,
                           char *out, size_t cap)
{
    for (const mbedtls_x509_crt *c = set; c != NULL && c->raw.p != NULL; c = c->next) {
        if (has_subject(c, issuer)) {
            (void)snprintf(out, cap,
                           "A root named \"%s\" is %s, but it did not sign this chain: the "
                           "certificate is forged, or comes from a private CA that took the "
                           "same name.",
                           issuer, where);
            return true;
        }
    }
    return false;
}

/* Into out, what the roots of set (which are `where`; `action` uses them)
 * say about probe; false when nothing. */
static bool hint_from(mbedtls_x509_crt *probe, mbedtls_x509_crt *set, const char *issuer,
                      const char *where, const char *action, char *out, size_t cap)
{
    top_capture top;
    uint32_t flags = 0;

    memset(&top, 0, sizeof top);
    (void)mbedtls_x509_crt_verify(probe, set, NULL, NULL, &flags, capture_top, &top);
    if ((flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED) == 0 && top.seen) {
        (void)snprintf(out, cap, "The root \"%s\", %s, would verify it: %s.", top.subject, where,
                       action);
        return true;
    }
    return same_name_hint(set, issuer, where, out, cap);
}

void tls_root_hint(const tls_engine *e, const unsigned char *top_der, size_t len, char *out,
                   size_t cap)
{
    mbedtls_x509_crt probe, set;
    char issuer[TLS_DN_MAX];
    bool found;

    out[0] = '\0';
    if (top_der == NULL || len == 0)
        return;
    mbedtls_x509_crt_init(&probe);
    if (mbedtls_x509_crt_parse_der(&probe, top_der, len) != 0 ||
        mbedtls_x509_dn_gets(issuer, sizeof issuer, &probe.issuer) < 0) {
        mbedtls_x509_crt_free(&probe);
        return;
    }
    /* A trusted root with that name did not sign it (mbedTLS tried). */
    found = same_name_hint(&e->ca, issuer, "trusted", out, cap);
    if (!found && (e->trust_kind & TLS_TRUST_BUILTIN) == 0) {
        mbedtls_x509_crt_init(&set);
        if (tls_parse_builtin(&set) > 0)
            found = hint_from(&probe, &set, issuer, "built into mqtts",
                              "set use_builtin_roots, or drop the CA you gave", out, cap);
        mbedtls_x509_crt_free(&set);
    }
#if defined(MBEDTLS_FS_IO)
    for (size_t i = 0; !found && (e->trust_kind & TLS_TRUST_SYSTEM) == 0 &&
                       i < sizeof system_stores / sizeof system_stores[0];
         i++) {
        char where[128];
        if (open_problem(system_stores[i]) != NULL)
            continue;
        mbedtls_x509_crt_init(&set);
        if (mbedtls_x509_crt_parse_file(&set, system_stores[i]) >= 0) {
            (void)snprintf(where, sizeof where, "in the system store %s", system_stores[i]);
            found = hint_from(&probe, &set, issuer, where,
                              "drop the CA you gave to trust the system store", out, cap);
        }
        mbedtls_x509_crt_free(&set);
        break; /* the first store that exists is the system's */
    }
#endif
    mbedtls_x509_crt_free(&probe);
}
