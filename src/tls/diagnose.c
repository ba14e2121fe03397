/*
 * diagnose.c - from "the handshake failed" to an mqtts_err and a message a
 * person who never heard of X.509 can act on.
 *
 * What is looked at, in order:
 *   1. The first bytes the server sent: not a TLS record means not TLS at
 *      all (a plain MQTT port, an HTTP server), whatever mbedTLS made of it.
 *   2. The verify callback's facts (verify.c): untrusted chain, dates, name,
 *      pins, then whatever else mbedTLS flagged.
 *   3. The lower transport's own error (reset, I/O).
 *   4. An alert from the server: its number (mbedTLS keeps it in the record
 *      it just read) and whether the server had asked for a client
 *      certificate (seen in the plaintext handshake, TLS 1.2) tell "client
 *      certificate required/rejected" from other refusals.
 *   5. A close without a word: before any answer, most likely not TLS.
 *
 * The handshake bytes are watched (tls_sniff_rx) only while connecting, and
 * only their framing: record headers, and handshake message types in
 * plaintext records.
 */
#include <stdio.h>
#include <string.h>

#include "tls/tls_internal.h"

void tls_peer_text(const tls_engine *e, char *out, size_t cap)
{
    bool v6 = strchr(e->host, ':') != NULL;

    (void)snprintf(out, cap, "%s%s%s:%u", v6 ? "[" : "", e->host, v6 ? "]" : "",
                   (unsigned)e->port);
}

/* ---------------------------------------------------------------------- */
/* Watching the handshake. */

static void sniff_handshake(tls_sniff *s, const uint8_t *p, size_t n)
{
    while (n > 0) {
        if (s->msg_left == 0) {
            s->msg_hdr[s->msg_hdr_len++] = *p++;
            n--;
            if (s->msg_hdr_len == sizeof s->msg_hdr) {
                s->msg_hdr_len = 0;
                if (s->msg_hdr[0] == 2)
                    s->saw_server_hello = true;
                if (s->msg_hdr[0] == 13)
                    s->saw_cert_request = true;
                s->msg_left = (size_t)s->msg_hdr[1] << 16 | (size_t)s->msg_hdr[2] << 8 |
                              s->msg_hdr[3];
            }
            continue;
        }
        size_t take = n < s->msg_left ? n : s->msg_left;
        p += take;
        n -= take;
        s->msg_left -= take;
    }
}

void tls_sniff_rx(tls_sniff *s, const uint8_t *buf, size_t len)
{
    for (size_t i = 0; i < len && s->first_len < sizeof s->first; i++)
        s->first[s->first_len++] = buf[i];
    s->rx_total += len;
    while (len > 0) {
        if (s->body_left == 0) {
            s->hdr[s->hdr_len++] = *buf++;
            len--;
            if (s->hdr_len == sizeof s->hdr) {
                s->hdr_len = 0;
                s->body_left = (size_t)s->hdr[3] << 8 | s->hdr[4];
                if (s->hdr[0] == 20) /* change_cipher_spec: encrypted from now on */
                    s->server_ccs = true;
                s->in_plain_handshake = s->hdr[0] == 22 && !s->server_ccs;
                /* An encrypted alert is longer than 2 bytes (it has a tag). */
                s->in_plain_alert = s->hdr[0] == 21 && s->body_left == 2;
                s->alert_len = 0;
            }
            continue;
        }
        size_t take = len < s->body_left ? len : s->body_left;
        if (s->in_plain_handshake)
            sniff_handshake(s, buf, take);
        for (size_t i = 0; s->in_plain_alert && i < take && s->alert_len < 2; i++) {
            s->alert[s->alert_len++] = buf[i];
            s->alert_seen = s->alert_len == 2;
        }
        buf += take;
        len -= take;
        s->body_left -= take;
    }
}

/* Whether what the server sent so far can be TLS: a record of type 20..23
 * with major version 3. */
static bool looks_like_tls(const tls_sniff *s)
{
    if (s->first_len == 0)
        return true;
    if (s->first[0] < 20 || s->first[0] > 23)
        return false;
    return s->first_len < 2 || s->first[1] == 3;
}

static mqtts_err not_tls(tls_engine *e)
{
    const tls_sniff *s = &e->sniff;
    char peer[TLS_NAME_MAX + 16], hex[2 * sizeof s->first + 1], text[sizeof s->first + 1];
    const char *guess = " Is this a plain MQTT port? MQTT over TLS is usually port 8883, plain "
                        "MQTT 1883.";

    tls_peer_text(e, peer, sizeof peer);
    tls_hex(s->first, s->first_len, hex, sizeof hex);
    for (size_t i = 0; i < s->first_len; i++)
        text[i] = s->first[i] >= 0x20 && s->first[i] < 0x7F ? (char)s->first[i] : '.';
    text[s->first_len] = '\0';
    if (s->first_len >= 4 && memcmp(s->first, "HTTP", 4) == 0)
        guess = " They look like an HTTP server's answer: check the port (MQTT over TLS is "
                "usually 8883; over WebSocket, a path on 443 or 8884).";
    else if (s->first[0] == 0x20 || s->first[0] == 0xE0)
        guess = " They look like MQTT (a CONNACK or DISCONNECT): this is a plain MQTT port. MQTT "
                "over TLS is usually port 8883, plain MQTT 1883.";
    tls_detail(e, "%s answered, but not in TLS: its first bytes were %s (\"%s\").%s", peer, hex,
               text, guess);
    return MQTTS_ERR_TLS_NOT_TLS;
}

/* ---------------------------------------------------------------------- */
/* Certificates. */

static const char *which_cert(const tls_facts *f, int depth)
{
    if (depth == 0)
        return "the server's own certificate";
    if (depth == f->depth_max && !f->untrusted)
        return "the root certificate";
    return "an intermediate CA certificate";
}

static mqtts_err untrusted(tls_engine *e, const char *peer)
{
    const tls_facts *f = &e->facts;
    char hint[600];

    if (f->top_self_signed && f->top_depth == 0) {
        tls_detail(e,
                   "%s sent a self-signed certificate (\"%s\"), which no trusted root vouches "
                   "for (trusted: %s). If this broker is yours, give that certificate as ca_file "
                   "(it is then its own root); insecure = true skips verification, for tests "
                   "only.",
                   peer, f->top_subject, e->trust);
        return MQTTS_ERR_TLS_UNTRUSTED;
    }
    tls_root_hint(e, f->top_der, f->top_der_len, hint, sizeof hint);
    if (hint[0] == '\0' && f->top_self_signed)
        (void)snprintf(hint, sizeof hint,
                       "The server sent that root itself; trust it only if you know it is the "
                       "broker's own CA: then give it as ca_file.");
    else if (hint[0] == '\0')
        (void)snprintf(hint, sizeof hint,
                       "No root known to mqtts has that name: get the CA certificate of \"%s\" "
                       "from the broker's operator and give it as ca_file. (If that is an "
                       "intermediate CA, the server also leaves it out of the chain it sends.)",
                       f->top_issuer);
    tls_detail(e,
               "the certificate chain %s sent ends at \"%s\", issued by \"%s\", which is not a "
               "trusted root (trusted: %s). %s",
               peer, f->top_subject, f->top_issuer, e->trust, hint);
    return MQTTS_ERR_TLS_UNTRUSTED;
}

static mqtts_err bad_dates(tls_engine *e)
{
    const tls_facts *f = &e->facts;
    char from[32], to[32], now[32];

    tls_format_time(f->date_from, from, sizeof from);
    tls_format_time(f->date_to, to, sizeof to);
    tls_format_time(e->wall_now, now, sizeof now);
    if (f->date_expired) {
        tls_detail(e,
                   "%s, \"%s\", expired on %s; this device's clock reads %s. If the clock is "
                   "right, the broker's operator must renew the certificate; if it is wrong, set "
                   "it (SNTP).",
                   which_cert(f, f->date_depth), f->date_subject, to, now);
        return MQTTS_ERR_TLS_EXPIRED;
    }
    tls_detail(e,
               "%s, \"%s\", is valid only from %s (until %s); this device's clock reads %s. If "
               "the clock is behind, set it (SNTP); if not, the certificate was issued with a "
               "start date still to come.",
               which_cert(f, f->date_depth), f->date_subject, from, to, now);
    return MQTTS_ERR_TLS_NOT_YET_VALID;
}

static mqtts_err name_mismatch(tls_engine *e, const char *peer)
{
    const tls_facts *f = &e->facts;

    if (e->name_is_ip) {
        tls_detail(e,
                   "the certificate of %s (\"%s\") lists %s, but not the address %s. A "
                   "certificate names an address only in an IP entry: connect by a name it "
                   "lists, or set server_name to one of them.",
                   peer, f->leaf_subject, f->leaf_names, e->name);
    } else {
        tls_detail(e,
                   "the certificate of %s (\"%s\") is for %s, not for \"%s\". Connect with a "
                   "name the certificate lists, or, when connecting by another name or an "
                   "address, set server_name to one of them.",
                   peer, f->leaf_subject, f->leaf_names, e->name);
    }
    return MQTTS_ERR_TLS_NAME_MISMATCH;
}

static mqtts_err other_cert_problem(tls_engine *e, const char *peer, uint32_t flags)
{
    char info[400];
    int n = mbedtls_x509_crt_verify_info(info, sizeof info, "", flags);

    for (int i = 0; i < n && info[i] != '\0'; i++) {
        if (info[i] == '\n')
            info[i] = (i + 1 < n && info[i + 1] != '\0') ? ';' : '\0';
    }
    tls_detail(e,
               "the certificate of %s (\"%s\") cannot be used: %s. The broker's operator must "
               "issue one for TLS server use (keyUsage digitalSignature, extendedKeyUsage "
               "serverAuth) with a key and signature of today's strength.",
               peer, e->facts.leaf_subject, n > 0 ? info : "rejected by mbedTLS");
    return MQTTS_ERR_TLS_BAD_CERT;
}

static mqtts_err verify_failed(tls_engine *e, const char *peer)
{
    const tls_facts *f = &e->facts;
    uint32_t flags = f->flags;
    uint32_t result = mbedtls_ssl_get_verify_result(&e->ssl);

    if (result != (uint32_t)-1)
        flags |= result;
    if (f->untrusted || (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED))
        return untrusted(e, peer);
    if (f->date_bad)
        return bad_dates(e);
    if (f->name_bad)
        return name_mismatch(e, peer);
    if (f->pin_bad) {
        tls_detail(e,
                   "the certificate chain of %s is trusted, but no key in it matches the %zu "
                   "pin%s given. The server's own key is sha256 %s. If the broker changed its "
                   "key on purpose, update the pin (a pin of the root's key survives renewals).",
                   peer, e->cfg.pin_count, e->cfg.pin_count == 1 ? "" : "s", f->leaf_pin);
        return MQTTS_ERR_TLS_PIN_MISMATCH;
    }
    return other_cert_problem(e, peer, flags & ~(uint32_t)MBEDTLS_X509_BADCERT_OTHER);
}

/* ---------------------------------------------------------------------- */
/* Alerts. */

static bool about_a_certificate(int alert)
{
    return (alert >= 42 && alert <= 46) || alert == 48 || alert == 49 || alert == 116;
}

static mqtts_err client_cert_refused(tls_engine *e, const char *peer, int alert)
{
    const char *why;

    switch (alert) {
    case 48:
        why = "it does not trust the CA that issued the certificate";
        break;
    case 45:
        why = "the certificate has expired, or is not valid yet, by the broker's clock";
        break;
    case 44:
        why = "the certificate has been revoked";
        break;
    default:
        why = "check that the broker trusts its issuer and that the certificate allows client "
              "authentication (extendedKeyUsage clientAuth)";
        break;
    }
    tls_detail(e,
               "%s rejected the client certificate \"%s\", issued by \"%s\" (alert \"%s\" (%d)): "
               "%s. Use a certificate from the CA the broker trusts for its clients.",
               peer, e->own_subject, e->own_issuer, tls_alert_name(alert), alert, why);
    return MQTTS_ERR_TLS_CLIENT_CERT_REJECTED;
}

static mqtts_err alert(tls_engine *e, const char *peer, int code)
{
    const tls_sniff *s = &e->sniff;
    const char *hint = "";

    if (!e->have_own_cert && (code == 116 || (s->saw_cert_request && (code == 40 || about_a_certificate(code))))) {
        tls_detail(e,
                   "%s requires a client certificate: it asked for one and ended the handshake "
                   "with the alert \"%s\" (%d) when none came. Give cert_file and key_file (or "
                   "cert_buf and key_buf).",
                   peer, tls_alert_name(code), code);
        return MQTTS_ERR_TLS_CLIENT_CERT_REQUIRED;
    }
    if (e->have_own_cert && (about_a_certificate(code) || (s->saw_cert_request && code == 40)))
        return client_cert_refused(e, peer, code);
    switch (code) {
    case 40:
        hint = s->saw_server_hello
                   ? "the server refused to go on with the handshake."
                   : "no cipher suite, key exchange or TLS version in common (mqtts offers TLS "
                     "1.2 or newer with modern cipher suites only).";
        break;
    case 70:
        hint = "the server accepts no TLS version mqtts offers (TLS 1.2 or newer; TLS 1.3 only "
               "when mbedTLS has it).";
        break;
    case 109:
    case 112:
        hint = e->name_is_ip ? "no name was sent (a connection to an address sends none): set "
                               "server_name to the broker's name."
                             : "the server does not know the name sent (SNI): check the host "
                               "name, or set server_name to the name the broker serves.";
        break;
    case 120:
        hint = "the server speaks none of the ALPN protocols offered (cfg.alpn).";
        break;
    case 71:
        hint = "the server wants stronger security than was offered.";
        break;
    default:
        hint = "read the broker's log for why.";
        break;
    }
    tls_detail(e, "%s ended the TLS handshake with the alert \"%s\" (%d): %s", peer,
               tls_alert_name(code), code, hint);
    return MQTTS_ERR_TLS_ALERT;
}

/* ---------------------------------------------------------------------- */

/* The server may have sent an alert and closed while mbedTLS was still
 * writing (a server refusing our certificate does that): the write failed
 * first, and the alert is still waiting in the receive buffer. Read what
 * is there (without blocking) through the sniffer. */
static void read_leftovers(tls_engine *e)
{
    uint8_t buf[512];

    for (int i = 0; i < 16 && !e->sniff.alert_seen; i++) {
        int32_t n = e->lower.recv(e->lower.ctx, buf, sizeof buf);
        if (n <= 0)
            return;
        tls_sniff_rx(&e->sniff, buf, (size_t)n);
    }
}

mqtts_err tls_diagnose_handshake(tls_engine *e, int rc)
{
    char peer[TLS_NAME_MAX + 16], words[160];
    const tls_sniff *s = &e->sniff;

    tls_peer_text(e, peer, sizeof peer);
    if (!looks_like_tls(s))
        return not_tls(e);
    if (rc == MBEDTLS_ERR_X509_CERT_VERIFY_FAILED)
        return verify_failed(e, peer);
    if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        int code = mqtts_ssl_alert_received(&e->ssl);
        if (code >= 0)
            return alert(e, peer, code);
    }
    if (e->lower_err != MQTTS_OK || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
        read_leftovers(e);
        if (s->alert_seen && s->alert[0] == 2) /* fatal */
            return alert(e, peer, s->alert[1]);
    }
    if (e->lower_err != MQTTS_OK && e->lower_err != MQTTS_ERR_CLOSED) {
        tls_detail(e, "the connection to %s broke during the TLS handshake: %s", peer,
                   mqtts_strerror(e->lower_err));
        return e->lower_err;
    }
    if (rc == MBEDTLS_ERR_SSL_CONN_EOF || e->lower_err == MQTTS_ERR_CLOSED) {
        if (s->rx_total == 0) {
            tls_detail(e,
                       "%s closed the connection without answering the TLS hello: it is most "
                       "likely not a TLS port. Is this a plain MQTT port? MQTT over TLS is "
                       "usually port 8883, plain MQTT 1883. (A TLS server that does not know "
                       "the name sent may also hang up: it was \"%s\".)",
                       peer, e->name_is_ip ? "(none, an address)" : e->name);
            return MQTTS_ERR_TLS_NOT_TLS;
        }
        tls_detail(e,
                   "%s closed the connection in the middle of the TLS handshake (after %zu bytes "
                   "from it), without an alert: read the broker's log for why.",
                   peer, s->rx_total);
        return MQTTS_ERR_TLS_HANDSHAKE;
    }
    if (rc == MQTTS_ERR_SSL_PROTOCOL_VERSION) {
        tls_detail(e, "%s chose a TLS version older than 1.2, which mqtts refuses: the broker "
                      "must enable TLS 1.2 or 1.3.",
                   peer);
        return MQTTS_ERR_TLS_HANDSHAKE;
    }
    if (rc == MQTTS_ERR_SSL_BAD_CERTIFICATE) {
        tls_detail(e, "%s sent a certificate message mbedTLS cannot parse (an unsupported key "
                      "or signature type, or a chain too long).",
                   peer);
        return MQTTS_ERR_TLS_BAD_CERT;
    }
    if (rc == MBEDTLS_ERR_SSL_ALLOC_FAILED) {
        tls_detail(e, "out of memory during the TLS handshake with %s", peer);
        return MQTTS_ERR_TLS_SETUP;
    }
    tls_mbedtls_words(rc, words, sizeof words);
    tls_detail(e, "the TLS handshake with %s failed: %s (mbedTLS error -0x%04X)", peer,
               words[0] != '\0' ? words : "no description in this mbedTLS build",
               (unsigned)-rc);
    return MQTTS_ERR_TLS_HANDSHAKE;
}

mqtts_err tls_diagnose_timeout(tls_engine *e, uint32_t timeout_ms)
{
    char peer[TLS_NAME_MAX + 16];
    const tls_sniff *s = &e->sniff;

    if (!looks_like_tls(s))
        return not_tls(e);
    tls_peer_text(e, peer, sizeof peer);
    tls_detail(e, "the TLS handshake with %s did not finish within %u ms (the server sent %zu "
                  "bytes)%s",
               peer, (unsigned)timeout_ms, s->rx_total,
               s->rx_total == 0 ? ": is the server overloaded, or is something on that port "
                                  "that waits for the client to speak first, not TLS?"
                                : ".");
    return MQTTS_ERR_TIMEOUT;
}

mqtts_err tls_diagnose_record(tls_engine *e, int rc)
{
    char peer[TLS_NAME_MAX + 16], words[160];

    tls_peer_text(e, peer, sizeof peer);
    if (rc == 0 || rc == MBEDTLS_ERR_SSL_PEER_CLOSE_NOTIFY || rc == MBEDTLS_ERR_SSL_CONN_EOF) {
        tls_detail(e, "%s closed the TLS connection", peer);
        return MQTTS_ERR_CLOSED;
    }
    if (e->lower_err != MQTTS_OK) {
        tls_detail(e, "the connection to %s broke: %s", peer, mqtts_strerror(e->lower_err));
        return e->lower_err;
    }
    if (rc == MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE) {
        int code = mqtts_ssl_alert_received(&e->ssl);
        /* TLS 1.3: the client's handshake is over before the server has
         * judged the client's certificate, so its refusal comes as the
         * first record after it; name it as connect() would under 1.2. */
        if (code == 116 || (e->sniff.saw_cert_request && (code == 40 || about_a_certificate(code))))
            return alert(e, peer, code);
        tls_detail(e, "%s ended the TLS connection with the alert \"%s\" (%d)", peer,
                   tls_alert_name(code), code);
        return MQTTS_ERR_TLS_ALERT;
    }
    tls_mbedtls_words(rc, words, sizeof words);
    tls_detail(e, "%s sent a TLS record that mbedTLS refused: %s (mbedTLS error -0x%04X); the "
                  "connection cannot go on",
               peer, words[0] != '\0' ? words : "no description in this mbedTLS build",
               (unsigned)-rc);
    return MQTTS_ERR_TLS_PROTOCOL;
}
