/*
 * handshake.c - the HTTP/1.1 Upgrade of RFC 6455 section 4, client side.
 *
 * Why it is written the way it is:
 *   - The request is built in the caller's buffer and sent whole; what does
 *     not fit is an error that names the size needed, not a cut request.
 *   - The answer is read into the same buffer and handled one line at a
 *     time, so that a small buffer still copes with a big answer (a load
 *     balancer's cookies, a long Server header): a line longer than the
 *     buffer is skipped, unless it is the status line or a header the
 *     handshake checks, which cannot be judged in part.
 *   - Reads are never bigger than half the buffer: bytes read past the end
 *     of the answer (a server may send frames right behind it) stay in the
 *     buffer for recv(), and the other half is left for outgoing frames.
 *   - A status other than 101 ends the handshake at the status line: the
 *     line is all the detail needs, and the server is not going to upgrade.
 *   - An answer that is not HTTP at all fails at its first byte rather than
 *     at the timeout: a TLS record (a wss:// port spoken to as ws://) or an
 *     MQTT packet is named as such.
 *   - Header names are compared without case (RFC 9110), "websocket" and the
 *     "upgrade" token too (RFC 6455 4.1); the accept value and the
 *     subprotocol exactly.
 */
#include <string.h>

#include "websocket/ws_internal.h"

/* What the answer's headers said. */
typedef struct answer {
    bool status_seen;
    bool upgrade_ok;
    bool connection_ok;
    bool accept_seen;
    bool accept_ok;
    bool protocol_seen;
    bool protocol_ok;
    bool extensions;
    char protocol[40]; /* the subprotocol the server chose, for the detail */
    char accept[MQTTS_WS_ACCEPT_CHARS + 1]; /* the value the key asks for */
} answer;

/* ---------------------------------------------------------------------- */
/* Small text helpers. */

static char lower_ascii(char c)
{
    return c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
}

/* Whether s[0..len) equals word (lower case) without regard to case. */
static bool same_word(const char *s, size_t len, const char *word)
{
    size_t i;

    for (i = 0; i < len; i++)
        if (word[i] == '\0' || lower_ascii(s[i]) != word[i])
            return false;
    return word[len] == '\0';
}

/* Whether s[0..len) starts with prefix (lower case) without regard to case. */
static bool starts_with(const char *s, size_t len, const char *prefix)
{
    size_t n = strlen(prefix);
    return len >= n && same_word(s, n, prefix);
}

static bool is_space(char c)
{
    return c == ' ' || c == '\t';
}

/* Whether the comma-separated list s[0..len) has the token word. */
static bool has_token(const char *s, size_t len, const char *word)
{
    size_t i = 0;

    while (i < len) {
        size_t start, end;

        while (i < len && (is_space(s[i]) || s[i] == ','))
            i++;
        start = i;
        while (i < len && s[i] != ',')
            i++;
        end = i;
        while (end > start && is_space(s[end - 1]))
            end--;
        if (end > start && same_word(s + start, end - start, word))
            return true;
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* The request. */

typedef struct writer {
    uint8_t *p;
    size_t cap;
    size_t len; /* may run past cap: then it is the size needed */
} writer;

static void put_n(writer *w, const char *s, size_t n)
{
    if (w->len < w->cap)
        memcpy(w->p + w->len, s, w->len + n <= w->cap ? n : w->cap - w->len);
    w->len += n;
}

static void put(writer *w, const char *s)
{
    put_n(w, s, strlen(s));
}

static void put_num(writer *w, uint32_t v)
{
    char digits[10];
    size_t n = 0;

    do {
        digits[sizeof digits - 1 - n++] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    put_n(w, digits + sizeof digits - n, n);
}

static void put_host(writer *w, const mqtts_ws *ws, const char *host, uint16_t port)
{
    const char *name = ws->cfg.host_header != NULL ? ws->cfg.host_header : host;
    bool v6 = mqtts_ws_has_char(name, ':') && name[0] != '[';

    put(w, "Host: ");
    if (v6)
        put(w, "[");
    put(w, name);
    if (v6)
        put(w, "]");
    if (port != (ws->cfg.secure ? 443 : 80)) {
        put(w, ":");
        put_num(w, port);
    }
    put(w, "\r\n");
}

/* Whether a host name can go in a header: printable, no spaces. */
static bool host_ok(const char *host)
{
    for (; *host != '\0'; host++)
        if (*host <= ' ' || *host > '~')
            return false;
    return true;
}

static mqtts_err build_request(mqtts_ws *ws, const char *host, uint16_t port, const char *key,
                               size_t *len)
{
    writer w = {ws->cfg.buf, ws->cfg.buf_size, 0};
    size_t i;

    put(&w, "GET ");
    put(&w, ws->cfg.path);
    put(&w, " HTTP/1.1\r\n");
    put_host(&w, ws, host, port);
    put(&w, "Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ");
    put_n(&w, key, MQTTS_WS_KEY_CHARS);
    put(&w, "\r\nSec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: ");
    put(&w, ws->cfg.subprotocol);
    put(&w, "\r\n");
    for (i = 0; i < ws->cfg.header_count; i++) {
        put(&w, ws->cfg.headers[i].name);
        put(&w, ": ");
        put(&w, ws->cfg.headers[i].value);
        put(&w, "\r\n");
    }
    put(&w, "\r\n");
    if (w.len > w.cap) {
        WS_SAY(ws, "the WebSocket upgrade request needs ");
        WS_SAY_NUM(ws, (uint32_t)w.len);
        WS_SAY(ws, " bytes and the buffer (buf_size) has ");
        WS_SAY_NUM(ws, (uint32_t)w.cap);
        WS_SAY(ws, ": give a bigger buffer");
        return MQTTS_ERR_BUFFER_TOO_SMALL;
    }
    *len = w.len;
    return MQTTS_OK;
}

/* ---------------------------------------------------------------------- */
/* Moving the bytes within the deadline. */

static mqtts_err timed_out(mqtts_ws *ws, uint32_t timeout_ms, const char *what)
{
    WS_SAY(ws, "no ");
    WS_SAY(ws, what);
    WS_SAY(ws, " within ");
    WS_SAY_NUM(ws, timeout_ms);
    WS_SAY(ws, " ms: is this a WebSocket port (and path)? A slow link needs a longer "
               "connect timeout");
    return MQTTS_ERR_WS_HANDSHAKE_TIMEOUT;
}

static mqtts_err lower_failed(mqtts_ws *ws, mqtts_err err, const char *when)
{
    WS_SAY(ws, when);
    WS_SAY(ws, ": ");
    WS_SAY(ws, mqtts_strerror(err));
    return err;
}

static mqtts_err send_all(mqtts_ws *ws, size_t len, uint32_t start, uint32_t timeout_ms)
{
    size_t pos = 0;

    while (pos < len) {
        int32_t n = ws->lower.send(ws->lower.ctx, ws->cfg.buf + pos, len - pos);
        uint32_t left;
        int w;

        if (n < 0)
            return lower_failed(ws, (mqtts_err)n, "sending the WebSocket upgrade request failed");
        if (n > 0) {
            pos += (size_t)n;
            continue;
        }
        left = mqtts_ws_left(ws, start, timeout_ms);
        if (left == 0)
            return timed_out(ws, timeout_ms, "room to send the WebSocket upgrade request");
        w = ws->lower.wait(ws->lower.ctx, true, left);
        if (w < 0)
            return lower_failed(ws, (mqtts_err)w, "sending the WebSocket upgrade request failed");
    }
    return MQTTS_OK;
}

/* ---------------------------------------------------------------------- */
/* The answer. */

static mqtts_err not_http(mqtts_ws *ws, const uint8_t *b, size_t len)
{
    WS_SAY(ws, "the server's answer to the WebSocket upgrade is not HTTP");
    if (b[0] == 0x15 || b[0] == 0x16) {
        WS_SAY(ws, " but TLS: this is a wss:// port, connect with TLS (secure)");
    } else if (b[0] == 0x20 || (b[0] & 0xF0) == 0xE0) {
        WS_SAY(ws, " but MQTT: this is a plain MQTT port, not a WebSocket one");
    } else {
        WS_SAY(ws, ": it starts ");
        WS_SAY_QUOTED(ws, b, len, 16);
    }
    return MQTTS_ERR_WS_BAD_RESPONSE;
}

/* Whether b[0..len) can still be the start of "HTTP/". */
static bool may_be_http(const uint8_t *b, size_t len)
{
    static const char http[] = "HTTP/";
    size_t n = len < 5 ? len : 5;
    return memcmp(b, http, n) == 0;
}

static void say_status_hint(mqtts_ws *ws, unsigned status)
{
    const char *hint;

    if (status == 404)
        hint = "no WebSocket endpoint at this path: check the path (HiveMQ Cloud: /mqtt)";
    else if (status == 401)
        hint = "the server wants credentials: give an Authorization header (headers)";
    else if (status == 403)
        hint = "the server refused access: check the credentials and the path";
    else if (status == 400 || status == 426)
        hint = "the server did not take the upgrade: is this a WebSocket endpoint?";
    else if (status >= 300 && status < 400)
        hint = "redirects are not followed: connect to where it points";
    else if (status >= 500)
        hint = "the server failed: try again later";
    else if (status == 200)
        hint = "an ordinary web page: not a WebSocket endpoint";
    else
        hint = "the server did not upgrade the connection";
    WS_SAY(ws, ": ");
    WS_SAY(ws, hint);
}

/* "HTTP/1.x NNN reason": the status, or 0 when the line is not that. */
static unsigned status_of(const char *s, size_t len)
{
    unsigned v = 0;
    size_t i;

    if (len < 12 || memcmp(s, "HTTP/1.", 7) != 0 || s[7] < '0' || s[7] > '9' || s[8] != ' ')
        return 0;
    for (i = 9; i < 12; i++) {
        if (s[i] < '0' || s[i] > '9')
            return 0;
        v = v * 10 + (unsigned)(s[i] - '0');
    }
    if (len > 12 && s[12] != ' ')
        return 0;
    return v;
}

static mqtts_err status_line(mqtts_ws *ws, answer *a, const char *s, size_t len)
{
    unsigned status = status_of(s, len);

    a->status_seen = true;
    if (status < 100) {
        WS_SAY(ws, "the server's answer to the WebSocket upgrade is not an HTTP/1.1 status "
                   "line: ");
        WS_SAY_QUOTED(ws, (const uint8_t *)s, len, 64);
        return MQTTS_ERR_WS_BAD_RESPONSE;
    }
    ws->http_status = (uint16_t)status;
    if (status == 101)
        return MQTTS_OK;
    WS_SAY(ws, "the server answered the WebSocket upgrade of ");
    WS_SAY_QUOTED(ws, (const uint8_t *)ws->cfg.path, strlen(ws->cfg.path), 48);
    WS_SAY(ws, " with ");
    WS_SAY_QUOTED(ws, (const uint8_t *)s, len, 64);
    WS_SAY(ws, ", not 101");
    say_status_hint(ws, status);
    return MQTTS_ERR_WS_HTTP_STATUS;
}

static void copy_text(char *dst, size_t cap, const char *s, size_t len)
{
    size_t n = len < cap - 1 ? len : cap - 1;
    memcpy(dst, s, n);
    dst[n] = '\0';
}

static mqtts_err header_line(mqtts_ws *ws, answer *a, const char *s, size_t len)
{
    const char *colon = memchr(s, ':', len);
    size_t name_len, i;
    const char *v;
    size_t vlen;

    if (colon == NULL || colon == s) {
        WS_SAY(ws, "a malformed header line in the server's answer to the WebSocket "
                   "upgrade: ");
        WS_SAY_QUOTED(ws, (const uint8_t *)s, len, 48);
        return MQTTS_ERR_WS_BAD_RESPONSE;
    }
    name_len = (size_t)(colon - s);
    for (i = 0; i < name_len; i++) {
        if (s[i] <= ' ' || s[i] > '~') {
            WS_SAY(ws, "a malformed header name in the server's answer to the WebSocket "
                       "upgrade: ");
            WS_SAY_QUOTED(ws, (const uint8_t *)s, name_len, 48);
            return MQTTS_ERR_WS_BAD_RESPONSE;
        }
    }
    v = colon + 1;
    vlen = len - name_len - 1;
    while (vlen > 0 && is_space(v[0])) {
        v++;
        vlen--;
    }
    while (vlen > 0 && is_space(v[vlen - 1]))
        vlen--;
    if (same_word(s, name_len, "upgrade")) {
        a->upgrade_ok = same_word(v, vlen, "websocket");
    } else if (same_word(s, name_len, "connection")) {
        a->connection_ok = has_token(v, vlen, "upgrade");
    } else if (same_word(s, name_len, "sec-websocket-accept")) {
        a->accept_seen = true;
        a->accept_ok = vlen == MQTTS_WS_ACCEPT_CHARS && memcmp(v, a->accept, vlen) == 0;
    } else if (same_word(s, name_len, "sec-websocket-protocol")) {
        a->protocol_seen = true;
        a->protocol_ok = vlen == strlen(ws->cfg.subprotocol) &&
                         memcmp(v, ws->cfg.subprotocol, vlen) == 0;
        copy_text(a->protocol, sizeof a->protocol, v, vlen);
    } else if (same_word(s, name_len, "sec-websocket-extensions")) {
        a->extensions = a->extensions || vlen > 0;
    }
    return MQTTS_OK;
}

/* Whether a line that does not fit in the buffer can be skipped: not the
 * status line, and not a header the handshake looks at. */
static bool skippable(const answer *a, const uint8_t *b, size_t len)
{
    const char *s = (const char *)b;

    return a->status_seen && !starts_with(s, len, "upgrade") &&
           !starts_with(s, len, "connection") && !starts_with(s, len, "sec-websocket-");
}

/* After the empty line: everything the answer had to say. */
static mqtts_err verdict(mqtts_ws *ws, const answer *a)
{
    const char *start = "the server switched protocols but ";

    if (!a->upgrade_ok || !a->connection_ok) {
        WS_SAY(ws, start);
        WS_SAY(ws, !a->upgrade_ok ? "without \"Upgrade: websocket\""
                                  : "without \"Connection: Upgrade\"");
        WS_SAY(ws, ": not a WebSocket server (a proxy in the way?)");
        return MQTTS_ERR_WS_BAD_RESPONSE;
    }
    if (!a->accept_ok) {
        WS_SAY(ws, start);
        WS_SAY(ws, a->accept_seen ? "its Sec-WebSocket-Accept is not the one for our key"
                                  : "sent no Sec-WebSocket-Accept");
        WS_SAY(ws, " (RFC 6455 4.2.2): not a WebSocket server, or a proxy that changed the "
                   "request");
        return MQTTS_ERR_WS_BAD_ACCEPT;
    }
    if (a->extensions) {
        WS_SAY(ws, start);
        WS_SAY(ws, "with a WebSocket extension that was not asked for (RFC 6455 9.1)");
        return MQTTS_ERR_WS_BAD_RESPONSE;
    }
    if (!a->protocol_ok) {
        WS_SAY(ws, start);
        if (a->protocol_seen) {
            WS_SAY(ws, "chose the subprotocol ");
            WS_SAY_QUOTED(ws, (const uint8_t *)a->protocol, strlen(a->protocol), 32);
        } else {
            WS_SAY(ws, "chose no subprotocol");
        }
        WS_SAY(ws, ", not ");
        WS_SAY_QUOTED(ws, (const uint8_t *)ws->cfg.subprotocol, strlen(ws->cfg.subprotocol), 32);
        WS_SAY(ws, " (MQTT over WebSocket needs it, [MQTT-6.0.0-4]): is this an MQTT "
                   "endpoint?");
        return MQTTS_ERR_WS_SUBPROTOCOL;
    }
    return MQTTS_OK;
}

/* The line that ends at b[end] ('\n'), from b[0]. Sets *done after the
 * empty line. */
static mqtts_err one_line(mqtts_ws *ws, answer *a, size_t end, bool *done)
{
    const char *s = (const char *)ws->cfg.buf;
    size_t len = end;

    if (len > 0 && s[len - 1] == '\r')
        len--;
    if (!a->status_seen)
        return status_line(ws, a, s, len);
    if (len == 0) {
        *done = true;
        return verdict(ws, a);
    }
    return header_line(ws, a, s, len);
}

/* Reads more of the answer into buf[have..): the bytes read, 0 if none came
 * in time (the error set), or a negative mqtts_err. */
static int32_t read_more(mqtts_ws *ws, size_t have, bool answered, uint32_t start,
                         uint32_t timeout_ms, mqtts_err *err)
{
    size_t room = ws->cfg.buf_size - have;
    size_t half = ws->cfg.buf_size / 2;

    if (room > half)
        room = half;
    for (;;) {
        int32_t n = ws->lower.recv(ws->lower.ctx, ws->cfg.buf + have, room);
        uint32_t left;
        int w;

        if (n > 0)
            return n;
        if (n < 0) {
            if (n == MQTTS_ERR_CLOSED && !answered)
                WS_SAY(ws, "the server closed the connection without answering the "
                           "WebSocket upgrade: is this a WebSocket port? (a plain MQTT port "
                           "does that, and so does a wss:// port spoken to without TLS)");
            else
                (void)lower_failed(ws, (mqtts_err)n,
                                   "reading the answer to the WebSocket upgrade failed");
            *err = (mqtts_err)n;
            return n;
        }
        left = mqtts_ws_left(ws, start, timeout_ms);
        if (left == 0) {
            *err = timed_out(ws, timeout_ms,
                             !answered ? "answer to the WebSocket upgrade"
                                       : "complete answer to the WebSocket upgrade");
            return 0;
        }
        w = ws->lower.wait(ws->lower.ctx, false, left);
        if (w < 0) {
            *err = lower_failed(ws, (mqtts_err)w,
                                "waiting for the answer to the WebSocket upgrade failed");
            return w;
        }
    }
}

static mqtts_err read_answer(mqtts_ws *ws, answer *a, uint32_t start, uint32_t timeout_ms)
{
    uint8_t *b = ws->cfg.buf;
    size_t cap = ws->cfg.buf_size;
    size_t have = 0, scan = 0;
    bool skipping = false, done = false;
    mqtts_err err = MQTTS_OK;

    for (;;) {
        const uint8_t *nl = have > scan ? memchr(b + scan, '\n', have - scan) : NULL;
        int32_t n;

        if (nl != NULL) {
            size_t end = (size_t)(nl - b);

            if (!skipping)
                err = one_line(ws, a, end, &done);
            skipping = false;
            if (err != MQTTS_OK)
                return err;
            have -= end + 1;
            memmove(b, nl + 1, have);
            scan = 0;
            if (done) {
                ws->rx_pos = 0;
                ws->rx_end = have; /* read ahead: frames for recv() */
                return MQTTS_OK;
            }
            continue;
        }
        scan = have;
        if (have == cap) {
            if (!skippable(a, b, have)) {
                WS_SAY(ws, "a line of the answer to the WebSocket upgrade is longer than "
                           "the buffer (");
                WS_SAY_NUM(ws, (uint32_t)cap);
                WS_SAY(ws, " bytes): give a bigger buffer. It starts ");
                WS_SAY_QUOTED(ws, b, have, 32);
                return MQTTS_ERR_WS_BAD_RESPONSE;
            }
            skipping = true;
            have = scan = 0;
        }
        n = read_more(ws, have, a->status_seen || have > 0, start, timeout_ms, &err);
        if (n <= 0)
            return err;
        have += (size_t)n;
        if (!a->status_seen && !may_be_http(b, have))
            return not_http(ws, b, have);
    }
}

mqtts_err mqtts_ws_handshake(mqtts_ws *ws, const char *host, uint16_t port, uint32_t start,
                             uint32_t timeout_ms)
{
    uint8_t nonce[16];
    char key[MQTTS_WS_KEY_CHARS + 1];
    answer a;
    size_t len = 0;
    mqtts_err err;

    if (!host_ok(host)) {
        WS_SAY(ws, "the host name cannot go in a Host header: ");
        WS_SAY_QUOTED(ws, (const uint8_t *)host, strlen(host), 64);
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    if (ws->cfg.entropy(ws->cfg.user, nonce, sizeof nonce) != 0) {
        WS_SAY(ws, "the entropy callback failed: no random bytes for Sec-WebSocket-Key");
        return MQTTS_ERR_WS_ENTROPY;
    }
    (void)mqtts_ws_base64(nonce, sizeof nonce, key);
    memset(&a, 0, sizeof a);
    mqtts_ws_accept_for(key, a.accept);
    err = build_request(ws, host, port, key, &len);
    if (err == MQTTS_OK)
        err = send_all(ws, len, start, timeout_ms);
    if (err == MQTTS_OK)
        err = read_answer(ws, &a, start, timeout_ms);
    return err;
}
