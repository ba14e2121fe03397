/*
 * verify.c - what mqtts adds to mbedTLS's chain verification, in the
 * verify callback mbedTLS calls for each certificate of the chain it built
 * (the top first, the server's own certificate, depth 0, last):
 *
 *   - Dates against OUR wall clock (cfg->wall_clock, read once at
 *     connect()), not the system's: mbedTLS's own date flags are replaced.
 *     A device's clock and a test's 1970 clock are then what counts.
 *   - The name, by mqtts's rules (tls.h): subjectAltName DNS entries with a
 *     one-label wildcard, IP entries for an address, never the CN. mbedTLS's
 *     own CN_MISMATCH flag is replaced (2.28 cannot match IP entries).
 *   - Pins: the SHA-256 of each certificate's SubjectPublicKeyInfo.
 *   - The facts for the messages: the subject and issuer at the top of an
 *     untrusted chain (and its DER, for the root lookup), the dates that
 *     failed, the names the certificate lists.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tls/tls_internal.h"

#ifndef MQTTS_BUILD_EPOCH
/* Built without CMake's definition: 2025-01-01, a safe lower bound. */
#define MQTTS_BUILD_EPOCH 1735689600
#endif

int64_t mqtts_tls_build_epoch(void)
{
    int64_t epoch = (int64_t)MQTTS_BUILD_EPOCH;
    return epoch - epoch % 86400; /* midnight UTC of that day */
}

void tls_facts_clear(tls_facts *f)
{
    free(f->top_der);
    memset(f, 0, sizeof *f);
}

/* ---------------------------------------------------------------------- */
/* Names. */

static int lower_ascii(int c)
{
    return c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c;
}

static bool same_text(const unsigned char *a, size_t alen, const char *b, size_t blen)
{
    if (alen != blen)
        return false;
    for (size_t i = 0; i < alen; i++) {
        if (lower_ascii(a[i]) != lower_ascii((unsigned char)b[i]))
            return false;
    }
    return true;
}

/* Whether the dNSName pattern (pat, plen) covers name: equal ignoring case,
 * or "*.rest" where name is "label.rest", label not empty, rest itself
 * holding a dot (no "*.com"). */
static bool dns_match(const unsigned char *pat, size_t plen, const char *name)
{
    size_t nlen = strlen(name);
    const char *dot;

    if (nlen > 0 && name[nlen - 1] == '.')
        nlen--; /* "broker.example." is "broker.example" */
    if (plen > 0 && pat[plen - 1] == '.')
        plen--;
    if (plen > 2 && pat[0] == '*' && pat[1] == '.') {
        if (memchr(pat + 2, '.', plen - 2) == NULL)
            return false;
        dot = memchr(name, '.', nlen);
        if (dot == NULL || dot == name)
            return false;
        return same_text(pat + 1, plen - 1, dot, nlen - (size_t)(dot - name));
    }
    return same_text(pat, plen, name, nlen);
}

static unsigned hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return (unsigned)(c - '0');
    c = (char)lower_ascii((unsigned char)c);
    if (c >= 'a' && c <= 'f')
        return (unsigned)(c - 'a' + 10);
    return 16;
}

static bool parse_ipv4(const char *s, uint8_t out[4])
{
    for (int i = 0; i < 4; i++) {
        unsigned v = 0;
        int digits = 0;
        while (*s >= '0' && *s <= '9' && digits < 4) {
            v = v * 10 + (unsigned)(*s++ - '0');
            digits++;
        }
        if (digits == 0 || digits > 3 || v > 255)
            return false;
        out[i] = (uint8_t)v;
        if (i < 3 && *s++ != '.')
            return false;
    }
    return *s == '\0';
}

static bool parse_ipv6(const char *s, uint8_t out[16])
{
    uint16_t words[8];
    int n = 0;
    int gap = -1; /* where "::" was */

    if (s[0] == ':' && s[1] == ':') {
        gap = 0;
        s += 2;
    }
    while (*s != '\0') {
        if (n == 8)
            return false;
        if (strchr(s, '.') != NULL && (strchr(s, ':') == NULL)) {
            uint8_t v4[4]; /* "::ffff:192.0.2.1" */
            if (n > 6 || !parse_ipv4(s, v4))
                return false;
            words[n++] = (uint16_t)(v4[0] << 8 | v4[1]);
            words[n++] = (uint16_t)(v4[2] << 8 | v4[3]);
            break;
        }
        unsigned v = 0;
        int digits = 0;
        while (hex_digit(*s) < 16 && digits < 5) {
            v = v * 16 + hex_digit(*s++);
            digits++;
        }
        if (digits == 0 || digits > 4)
            return false;
        words[n++] = (uint16_t)v;
        if (*s == '\0')
            break;
        if (*s++ != ':')
            return false;
        if (*s == ':') {
            if (gap >= 0)
                return false;
            gap = n;
            s++;
        } else if (*s == '\0') {
            return false; /* a trailing single ':' */
        }
    }
    if (gap < 0 && n != 8)
        return false;
    if (gap >= 0 && n == 8)
        return false;
    memset(out, 0, 16);
    int tail = gap >= 0 ? n - gap : 0;
    int head = n - tail;
    for (int i = 0; i < head; i++) {
        out[2 * i] = (uint8_t)(words[i] >> 8);
        out[2 * i + 1] = (uint8_t)words[i];
    }
    for (int i = 0; i < tail; i++) {
        int at = 8 - tail + i;
        out[2 * at] = (uint8_t)(words[head + i] >> 8);
        out[2 * at + 1] = (uint8_t)words[head + i];
    }
    return true;
}

bool tls_parse_ip(const char *s, uint8_t out[16], size_t *len)
{
    if (parse_ipv4(s, out)) {
        *len = 4;
        return true;
    }
    if (strchr(s, ':') != NULL && strchr(s, '%') == NULL && parse_ipv6(s, out)) {
        *len = 16;
        return true;
    }
    return false;
}

mqtts_err tls_set_name(tls_engine *e, const char *host)
{
    const char *name = e->cfg.server_name != NULL ? e->cfg.server_name : host;
    size_t len = strlen(name);

    if (len == 0 || len >= sizeof e->name) {
        tls_detail(e, "the server name \"%.64s%s\" is empty or too long", name,
                   len > 64 ? "..." : "");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    memcpy(e->name, name, len + 1);
    e->name_is_ip = tls_parse_ip(name, e->ip, &e->ip_len);
    return MQTTS_OK;
}

/* The certificate's names as text, "DNS:a, IP:127.0.0.1", into out. */
static void list_names(const mbedtls_x509_crt *crt, char *out, size_t cap)
{
    const mbedtls_x509_sequence *s;

    out[0] = '\0';
    for (s = &crt->subject_alt_names; s != NULL && s->buf.p != NULL; s = s->next) {
        const char *sep = out[0] != '\0' ? ", " : "";
        int type = s->buf.tag & 0x1F;
        if (type == 2) {
            tls_append(out, cap, "%sDNS:%.*s", sep, (int)s->buf.len, (const char *)s->buf.p);
        } else if (type == 7 && s->buf.len == 4) {
            const unsigned char *a = s->buf.p;
            tls_append(out, cap, "%sIP:%u.%u.%u.%u", sep, a[0], a[1], a[2], a[3]);
        } else if (type == 7 && s->buf.len == 16) {
            tls_append(out, cap, "%sIP:", sep);
            for (int i = 0; i < 8; i++)
                tls_append(out, cap, "%s%x", i ? ":" : "",
                           (unsigned)(s->buf.p[2 * i] << 8 | s->buf.p[2 * i + 1]));
        }
    }
    if (out[0] == '\0')
        (void)snprintf(out, cap, "no DNS or IP names at all (only the subject's CN, which "
                                 "mqtts does not accept as a name)");
}

static bool name_matches(const tls_engine *e, const mbedtls_x509_crt *crt)
{
    const mbedtls_x509_sequence *s;

    for (s = &crt->subject_alt_names; s != NULL && s->buf.p != NULL; s = s->next) {
        int type = s->buf.tag & 0x1F;
        if (type == 2 && !e->name_is_ip && dns_match(s->buf.p, s->buf.len, e->name))
            return true;
        if (type == 7 && e->name_is_ip && s->buf.len == e->ip_len &&
            memcmp(s->buf.p, e->ip, e->ip_len) == 0)
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* Pins. */

static bool spki_pin(const mbedtls_x509_crt *crt, uint8_t out[MQTTS_TLS_PIN_LEN])
{
    return crt->pk_raw.p != NULL && mqtts_sha256(crt->pk_raw.p, crt->pk_raw.len, out) == 0;
}

static void check_pins(tls_engine *e, const mbedtls_x509_crt *crt, int depth)
{
    tls_facts *f = &e->facts;
    uint8_t digest[MQTTS_TLS_PIN_LEN];

    if (!spki_pin(crt, digest))
        return;
    if (depth == 0)
        tls_hex(digest, sizeof digest, f->leaf_pin, sizeof f->leaf_pin);
    for (size_t i = 0; i < e->cfg.pin_count; i++) {
        if (memcmp(digest, e->pins + i * MQTTS_TLS_PIN_LEN, MQTTS_TLS_PIN_LEN) == 0)
            f->pin_matched = true;
    }
}

mqtts_err mqtts_tls_parse_pin(const char *text, uint8_t out[MQTTS_TLS_PIN_LEN])
{
    size_t n = 0;

    if (text == NULL || out == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    while (*text != '\0') {
        if (*text == ':' && n > 0 && text[1] != '\0') {
            text++;
            continue;
        }
        unsigned hi = hex_digit(text[0]);
        unsigned lo = hi < 16 ? hex_digit(text[1]) : 16;
        if (hi > 15 || lo > 15 || n == MQTTS_TLS_PIN_LEN)
            return MQTTS_ERR_INVALID_ARGUMENT;
        out[n++] = (uint8_t)(hi << 4 | lo);
        text += 2;
    }
    return n == MQTTS_TLS_PIN_LEN ? MQTTS_OK : MQTTS_ERR_INVALID_ARGUMENT;
}

/* ---------------------------------------------------------------------- */
/* The clock. */

mqtts_err tls_check_clock(tls_engine *e)
{
    char now[32], built[32];
    int64_t epoch = mqtts_tls_build_epoch();

    if (e->wall_now >= epoch)
        return MQTTS_OK;
    tls_format_time(e->wall_now, now, sizeof now);
    tls_format_time(epoch, built, sizeof built);
    built[10] = '\0'; /* the day is enough */
    now[10] = '\0';
    tls_detail(e,
               "the clock is not set (it reads %s, before this build of mqtts, %s); set the "
               "time (SNTP) before connecting: without it no certificate date can be checked",
               now, built);
    return MQTTS_ERR_TLS_CLOCK_NOT_SET;
}

/* ---------------------------------------------------------------------- */
/* The callback. */

static void note_dates(tls_engine *e, const mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    tls_facts *f = &e->facts;
    int64_t from = tls_x509_time_to_epoch(&crt->valid_from);
    int64_t to = tls_x509_time_to_epoch(&crt->valid_to);
    bool expired = e->wall_now > to;
    bool future = e->wall_now < from;

    *flags &= ~(uint32_t)(MBEDTLS_X509_BADCERT_EXPIRED | MBEDTLS_X509_BADCERT_FUTURE);
    if (expired)
        *flags |= MBEDTLS_X509_BADCERT_EXPIRED;
    if (future)
        *flags |= MBEDTLS_X509_BADCERT_FUTURE;
    /* Keep the one nearest the server's own certificate (depth 0 is called
     * last, so a later call has a smaller depth). */
    if ((expired || future) && (!f->date_bad || depth < f->date_depth)) {
        f->date_bad = true;
        f->date_expired = expired;
        f->date_depth = depth;
        f->date_from = from;
        f->date_to = to;
        (void)mbedtls_x509_dn_gets(f->date_subject, sizeof f->date_subject, &crt->subject);
    }
}

static void note_untrusted(tls_engine *e, const mbedtls_x509_crt *crt, int depth)
{
    tls_facts *f = &e->facts;

    if (f->untrusted)
        return;
    f->untrusted = true;
    f->top_depth = depth;
    f->top_self_signed = crt->issuer_raw.len == crt->subject_raw.len &&
                         memcmp(crt->issuer_raw.p, crt->subject_raw.p, crt->issuer_raw.len) == 0;
    (void)mbedtls_x509_dn_gets(f->top_subject, sizeof f->top_subject, &crt->subject);
    (void)mbedtls_x509_dn_gets(f->top_issuer, sizeof f->top_issuer, &crt->issuer);
    f->top_der = malloc(crt->raw.len);
    if (f->top_der != NULL) {
        memcpy(f->top_der, crt->raw.p, crt->raw.len);
        f->top_der_len = crt->raw.len;
    }
}

int tls_verify_cb(void *ctx, mbedtls_x509_crt *crt, int depth, uint32_t *flags)
{
    tls_engine *e = ctx;
    tls_facts *f = &e->facts;

    if (!f->called) {
        f->called = true;
        f->depth_max = depth;
    }
    note_dates(e, crt, depth, flags);
    if (*flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        note_untrusted(e, crt, depth);
    else if (depth == f->depth_max && depth > 0)
        (void)mbedtls_x509_dn_gets(f->root_subject, sizeof f->root_subject, &crt->subject);
    if (e->cfg.pin_count > 0)
        check_pins(e, crt, depth);
    if (depth == 0) {
        (void)mbedtls_x509_dn_gets(f->leaf_subject, sizeof f->leaf_subject, &crt->subject);
        list_names(crt, f->leaf_names, sizeof f->leaf_names);
        *flags &= ~(uint32_t)MBEDTLS_X509_BADCERT_CN_MISMATCH;
        if (!name_matches(e, crt)) {
            f->name_bad = true;
            *flags |= MBEDTLS_X509_BADCERT_CN_MISMATCH;
        }
        if (e->cfg.pin_count > 0 && !f->pin_matched) {
            f->pin_bad = true;
            *flags |= MBEDTLS_X509_BADCERT_OTHER;
        }
    }
    f->flags |= *flags;
    return 0;
}
