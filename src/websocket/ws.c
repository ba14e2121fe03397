/*
 * ws.c - the WebSocket transport (RFC 6455, client side) over a lower
 * mqtts_transport: framing, control frames, the transport functions.
 *
 * Why it is written the way it is:
 *   - Incoming frames are taken apart in place: recv() reads from the lower
 *     transport straight into the caller's buffer and moves the payload
 *     bytes of data frames down over the frame headers. No buffer of ours,
 *     no second copy of the data. Header bytes are collected one at a time
 *     into hdr[], so a header split over any number of reads is no special
 *     case; control frames' payloads (at most 125 bytes) go to ctrl[].
 *   - Outgoing frames are built in the caller's cfg.buf, because the mask
 *     must be applied to a copy (the caller's bytes are const). One frame
 *     per send(), acknowledged only once it is wholly with the lower
 *     transport: a frame half sent when the application stops sending would
 *     otherwise sit in the buffer. The same "call again with the same bytes"
 *     rule as TLS makes that work (see websocket.h).
 *   - Pong and close frames have to go out between data frames, never
 *     inside one: they wait (ctrl_due) until the frame being sent is out,
 *     and are pushed from send(), recv() and wait(), whichever comes first.
 *   - A frame error or a close frame ends the connection for good (failed):
 *     every later call says the same, as RFC 6455 7.1.7 "fail the
 *     connection" asks, and a close frame with the reason goes out once.
 *   - No formatted output (no snprintf): the detail is appended piece by
 *     piece, so that this file needs nothing from libc beyond string.h and
 *     builds for a Cortex-M0+ as it is.
 */
#include <string.h>

#include "websocket/ws_internal.h"

#define OP_CONT 0x0
#define OP_TEXT 0x1
#define OP_BINARY 0x2
#define OP_CLOSE 0x8
#define OP_PING 0x9
#define OP_PONG 0xA

#define CTRL_NONE 0
#define CTRL_PONG 1
#define CTRL_CLOSE 2

/* Close codes (RFC 6455 7.4.1). */
#define CLOSE_NORMAL 1000
#define CLOSE_PROTOCOL 1002
#define CLOSE_UNSUPPORTED 1003
#define CLOSE_NO_STATUS 1005 /* reported when a close frame has no code */

/* ---------------------------------------------------------------------- */
/* The detail text. */

void mqtts_ws_say_clear(mqtts_ws *ws)
{
    ws->detail[0] = '\0';
}

#if MQTTS_CONFIG_NAMES
void mqtts_ws_say(mqtts_ws *ws, const char *text)
{
    size_t n = strlen(ws->detail);

    while (*text != '\0' && n + 1 < sizeof ws->detail)
        ws->detail[n++] = *text++;
    ws->detail[n] = '\0';
}

void mqtts_ws_say_num(mqtts_ws *ws, uint32_t v)
{
    char digits[11];
    size_t n = sizeof digits - 1;

    digits[n] = '\0';
    do {
        digits[--n] = (char)('0' + v % 10);
        v /= 10;
    } while (v != 0);
    WS_SAY(ws, digits + n);
}

void mqtts_ws_say_quoted(mqtts_ws *ws, const uint8_t *text, size_t len, size_t max)
{
    char one[2] = {0, 0};
    size_t i;

    WS_SAY(ws, "\"");
    for (i = 0; i < len && i < max; i++) {
        one[0] = text[i] >= ' ' && text[i] <= '~' && text[i] != '"' ? (char)text[i] : '?';
        WS_SAY(ws, one);
    }
    WS_SAY(ws, len > max ? "...\"" : "\"");
}
#endif /* MQTTS_CONFIG_NAMES */

bool mqtts_ws_has_char(const char *s, char c)
{
    return memchr(s, c, strlen(s)) != NULL;
}

uint32_t mqtts_ws_left(const mqtts_ws *ws, uint32_t start, uint32_t timeout_ms)
{
    uint32_t spent = ws->cfg.now_ms(ws->cfg.user) - start;
    return spent >= timeout_ms ? 0 : timeout_ms - spent;
}

/* ---------------------------------------------------------------------- */
/* Outgoing frames. */

/* Frames are written after the upgrade answer's read-ahead while any of it
 * is left (handshake.c leaves at least half the buffer for them). */
static size_t tx_base(const mqtts_ws *ws)
{
    return ws->rx_pos < ws->rx_end ? ws->rx_end : 0;
}

/* The most payload bytes (at most len) whose frame fits in room bytes. */
static size_t fit(size_t len, size_t room)
{
    size_t n;

    if (len > (size_t)INT32_MAX)
        len = (size_t)INT32_MAX;
    if (room >= 14 && room - 14 > 65535)
        n = room - 14; /* 64-bit length */
    else if (room - 8 > 125)
        n = room - 8 < 65535 ? room - 8 : 65535; /* 16-bit length */
    else
        n = room - 6 < 125 ? room - 6 : 125;
    return len < n ? len : n;
}

/* Writes a masked frame (FIN set) of opcode with data[0..len) into the
 * buffer, ready to go out. len must fit (fit()). */
static mqtts_err build_frame(mqtts_ws *ws, uint8_t opcode, const uint8_t *data, size_t len)
{
    uint8_t *p = ws->cfg.buf + tx_base(ws);
    uint8_t mask[4];
    size_t n = 0, i;

    if (ws->cfg.entropy(ws->cfg.user, mask, sizeof mask) != 0) {
        mqtts_ws_say_clear(ws);
        WS_SAY(ws, "the entropy callback failed: no random bytes for a frame's mask");
        ws->failed = MQTTS_ERR_WS_ENTROPY;
        return MQTTS_ERR_WS_ENTROPY;
    }
    p[n++] = (uint8_t)(0x80 | opcode);
    if (len <= 125) {
        p[n++] = (uint8_t)(0x80 | len);
    } else if (len <= 65535) {
        p[n++] = 0x80 | 126;
        p[n++] = (uint8_t)(len >> 8);
        p[n++] = (uint8_t)len;
    } else {
        uint32_t v = (uint32_t)len; /* fit() keeps it under 2^31 */
        p[n++] = 0x80 | 127;
        p[n++] = 0;
        p[n++] = 0;
        p[n++] = 0;
        p[n++] = 0;
        p[n++] = (uint8_t)(v >> 24);
        p[n++] = (uint8_t)(v >> 16);
        p[n++] = (uint8_t)(v >> 8);
        p[n++] = (uint8_t)v;
    }
    memcpy(p + n, mask, 4);
    n += 4;
    for (i = 0; i < len; i++)
        p[n + i] = (uint8_t)(data[i] ^ mask[i & 3]);
    ws->out_pos = tx_base(ws);
    ws->out_end = ws->out_pos + n + len;
    return MQTTS_OK;
}

/* Hands the lower transport what is left of the frame going out. MQTTS_OK
 * when nothing is left, MQTTS_NEED_MORE when it would block, or the lower
 * transport's error (which fails the connection). */
static mqtts_err flush_out(mqtts_ws *ws)
{
    while (ws->out_pos < ws->out_end) {
        int32_t n = ws->lower.send(ws->lower.ctx, ws->cfg.buf + ws->out_pos,
                                   ws->out_end - ws->out_pos);
        if (n < 0) {
            if (ws->failed == MQTTS_OK)
                ws->failed = (mqtts_err)n;
            return (mqtts_err)n;
        }
        if (n == 0)
            return MQTTS_NEED_MORE;
        ws->out_pos += (size_t)n;
    }
    ws->out_pos = ws->out_end = 0;
    return MQTTS_OK;
}

/* Builds the control frame that is due. */
static mqtts_err build_ctrl(mqtts_ws *ws)
{
    uint8_t code[2];
    uint8_t due = ws->ctrl_due;

    ws->ctrl_due = CTRL_NONE;
    if (due == CTRL_PONG)
        return build_frame(ws, OP_PONG, ws->ctrl, ws->ctrl_len);
    ws->close_sent = true;
    code[0] = (uint8_t)(ws->close_out >> 8);
    code[1] = (uint8_t)ws->close_out;
    return build_frame(ws, OP_CLOSE, code, ws->close_out != 0 ? 2 : 0);
}

/* Moves what is going out along, then a due control frame. MQTTS_OK when
 * all is out, MQTTS_NEED_MORE when the lower transport would block, or an
 * error. */
static mqtts_err pump(mqtts_ws *ws)
{
    mqtts_err e = flush_out(ws);

    if (e != MQTTS_OK || ws->ctrl_due == CTRL_NONE)
        return e;
    e = build_ctrl(ws);
    return e != MQTTS_OK ? e : flush_out(ws);
}

/* ---------------------------------------------------------------------- */
/* Incoming frames. */

/* Fails the connection for a bad frame: the detail, the error, and a close
 * frame with code to go out. */
static void frame_error(mqtts_ws *ws, mqtts_err err, uint16_t code, const char *what)
{
    mqtts_ws_say_clear(ws);
    WS_SAY(ws, what);
    ws->failed = err;
    if (!ws->close_sent) {
        ws->close_out = code;
        ws->ctrl_due = CTRL_CLOSE;
    }
}

static void bad_frame(mqtts_ws *ws, const char *what)
{
    frame_error(ws, MQTTS_ERR_WS_BAD_FRAME, CLOSE_PROTOCOL, what);
    WS_SAY(ws, " (RFC 6455 5.2): a broken server or something in between");
}

static const char *close_name(uint16_t code)
{
    switch (code) {
    case 1000: return "normal closure";
    case 1001: return "going away";
    case 1002: return "protocol error";
    case 1003: return "unsupported data";
    case 1005: return "no status code";
    case 1007: return "invalid payload data";
    case 1008: return "policy violation";
    case 1009: return "message too big";
    case 1010: return "extension required";
    case 1011: return "internal server error";
    case 1012: return "service restart";
    case 1013: return "try again later";
    case 1014: return "bad gateway";
    default: return code >= 4000 ? "application's own code" : "unknown code";
    }
}

/* Whether code may be sent in a close frame (RFC 6455 7.4). */
static bool sendable(uint16_t code)
{
    if (code >= 3000 && code <= 4999)
        return true;
    return code >= 1000 && code <= 1014 && code != 1004 && code != 1005 && code != 1006;
}

/* A whole close frame has come: remember it, answer it, fail with it. */
static void on_close(mqtts_ws *ws)
{
    uint16_t code = CLOSE_NO_STATUS;

    if (ws->ctrl_len == 1) {
        bad_frame(ws, "a close frame of 1 byte (a status code takes 2)");
        return;
    }
    if (ws->ctrl_len >= 2)
        code = (uint16_t)(ws->ctrl[0] << 8 | ws->ctrl[1]);
    ws->close_in = code;
    frame_error(ws, MQTTS_ERR_WS_CLOSED, 0, "the server closed the WebSocket: code ");
    ws->close_out = ws->ctrl_len == 0 ? 0 : sendable(code) ? code : CLOSE_PROTOCOL;
    WS_SAY_NUM(ws, code);
    WS_SAY(ws, " (");
    WS_SAY(ws, close_name(code));
    WS_SAY(ws, ")");
    if (ws->ctrl_len > 2) {
        WS_SAY(ws, ", reason ");
        WS_SAY_QUOTED(ws, ws->ctrl + 2, ws->ctrl_len - 2u, MQTTS_WS_CONTROL_MAX);
    }
    if (code == 1008 || code == 1003)
        WS_SAY(ws, ": the server refused what was sent (the broker's log says why)");
}

/* A frame's payload has all come. */
static void frame_done(mqtts_ws *ws)
{
    ws->hdr_need = 2;
    ws->hdr_len = 0;
    if (ws->opcode == OP_PING)
        ws->ctrl_due = CTRL_PONG; /* data in ctrl[], the newest ping wins */
    else if (ws->opcode == OP_CLOSE)
        on_close(ws);
}

/* The first two bytes of a header: what kind of frame, how long a header. */
static void header_start(mqtts_ws *ws)
{
    uint8_t b0 = ws->hdr[0], b1 = ws->hdr[1];
    uint8_t op = b0 & 0x0F;
    uint8_t len7 = b1 & 0x7F;
    bool fin = (b0 & 0x80) != 0;

    if ((b0 & 0x70) != 0)
        bad_frame(ws, "a frame with reserved bits set (no extension was agreed)");
    else if ((b1 & 0x80) != 0)
        bad_frame(ws, "a masked frame from the server (servers must not mask)");
    else if (op == OP_TEXT)
        frame_error(ws, MQTTS_ERR_WS_TEXT_FRAME, CLOSE_UNSUPPORTED,
                    "the server sent a text frame: MQTT over WebSocket is binary frames only "
                    "([MQTT-6.0.0-1]); is this an MQTT endpoint?");
    else if (op == OP_CONT && !ws->in_message)
        bad_frame(ws, "a continuation frame with no fragmented message to continue");
    else if (op == OP_BINARY && ws->in_message)
        bad_frame(ws, "a new binary frame before the fragmented message ended");
    else if (op >= OP_CLOSE && op <= OP_PONG && !fin)
        bad_frame(ws, "a fragmented control frame");
    else if (op >= OP_CLOSE && op <= OP_PONG && len7 > MQTTS_WS_CONTROL_MAX)
        bad_frame(ws, "a control frame longer than 125 bytes");
    else if (op != OP_CONT && op != OP_BINARY && (op < OP_CLOSE || op > OP_PONG))
        bad_frame(ws, "a frame with a reserved opcode");
    ws->opcode = op;
    ws->hdr_need = (uint8_t)(len7 == 126 ? 4 : len7 == 127 ? 10 : 2);
}

/* The whole header: the payload length. */
static void header_done(mqtts_ws *ws)
{
    uint8_t len7 = ws->hdr[1] & 0x7F;
    uint64_t len = len7;
    unsigned i;

    if (len7 == 126) {
        len = (uint64_t)ws->hdr[2] << 8 | ws->hdr[3];
        if (len < 126) {
            bad_frame(ws, "a frame length not in its shortest form");
            return;
        }
    } else if (len7 == 127) {
        if ((ws->hdr[2] & 0x80) != 0) {
            bad_frame(ws, "a 64-bit frame length with its top bit set");
            return;
        }
        len = 0;
        for (i = 2; i < 10; i++)
            len = len << 8 | ws->hdr[i];
        if (len <= 65535) {
            bad_frame(ws, "a frame length not in its shortest form");
            return;
        }
    }
    if (ws->opcode == OP_BINARY || ws->opcode == OP_CONT) {
        ws->in_message = (ws->hdr[0] & 0x80) == 0;
    } else if (ws->opcode != OP_PONG) {
        if (ws->ctrl_due == CTRL_PONG)
            ws->ctrl_due = CTRL_NONE; /* ctrl[] is about to change */
        ws->ctrl_len = 0;
    }
    ws->in_left = len;
    ws->hdr_need = 0;
    if (len == 0)
        frame_done(ws);
}

/* Takes the frames in p[0..n) apart in place: the payload of data frames
 * is moved to p[0..), the count returned. Stops at a frame error or a close
 * frame (ws->failed). */
static size_t absorb(mqtts_ws *ws, uint8_t *p, size_t n)
{
    size_t i = 0, out = 0;

    while (i < n && ws->failed == MQTTS_OK) {
        size_t k;

        if (ws->hdr_need > 0) {
            ws->hdr[ws->hdr_len++] = p[i++];
            if (ws->hdr_len == 2)
                header_start(ws);
            if (ws->failed == MQTTS_OK && ws->hdr_len == ws->hdr_need)
                header_done(ws);
            continue;
        }
        k = n - i;
        if ((uint64_t)k > ws->in_left)
            k = (size_t)ws->in_left;
        if (ws->opcode == OP_BINARY || ws->opcode == OP_CONT) {
            memmove(p + out, p + i, k);
            out += k;
        } else if (ws->opcode != OP_PONG) {
            memcpy(ws->ctrl + ws->ctrl_len, p + i, k); /* header_start() capped it at 125 */
            ws->ctrl_len = (uint8_t)(ws->ctrl_len + k);
        }
        i += k;
        ws->in_left -= k;
        if (ws->in_left == 0)
            frame_done(ws);
    }
    return out;
}

/* ---------------------------------------------------------------------- */
/* The transport. */

/* Ready for a new connection: nothing going in or out. */
static void reset(mqtts_ws *ws)
{
    ws->failed = MQTTS_OK;
    ws->connected = false;
    ws->close_sent = false;
    ws->ctrl_due = CTRL_NONE;
    ws->close_out = 0;
    ws->out_pos = ws->out_end = 0;
    ws->owed = 0;
    ws->rx_pos = ws->rx_end = 0;
    ws->in_left = 0;
    ws->hdr_len = 0;
    ws->hdr_need = 2;
    ws->opcode = 0;
    ws->in_message = false;
    ws->ctrl_len = 0;
}

static void ws_close(void *ctx)
{
    mqtts_ws *ws = ctx;

    if (ws == NULL)
        return;
    if (ws->connected) {
        /* Best effort, never waiting: a close frame when one can go. */
        if (!ws->close_sent && ws->ctrl_due != CTRL_CLOSE) {
            ws->close_out = CLOSE_NORMAL;
            ws->ctrl_due = CTRL_CLOSE;
        }
        ws->owed = 0;
        if (flush_out(ws) == MQTTS_OK && ws->ctrl_due == CTRL_CLOSE && build_ctrl(ws) == MQTTS_OK)
            (void)flush_out(ws);
    }
    if (ws->lower_up)
        ws->lower.close(ws->lower.ctx);
    ws->lower_up = false;
    reset(ws);
}

static mqtts_err ws_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    mqtts_ws *ws = ctx;
    uint32_t start;
    mqtts_err err;

    if (ws == NULL || host == NULL || host[0] == '\0' || port == 0)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (ws->cfg.buf == NULL) {
        if (ws->detail[0] == '\0')
            WS_SAY(ws, "mqtts_ws_init() did not succeed on this mqtts_ws");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
    ws_close(ws);
    mqtts_ws_say_clear(ws);
    ws->http_status = 0;
    ws->close_in = 0;
    start = ws->cfg.now_ms(ws->cfg.user);
    err = ws->lower.connect(ws->lower.ctx, host, port, timeout_ms);
    if (err != MQTTS_OK) {
        WS_SAY(ws, "cannot connect to ");
        WS_SAY_QUOTED(ws, (const uint8_t *)host, strlen(host), 64);
        WS_SAY(ws, " port ");
        WS_SAY_NUM(ws, port);
        WS_SAY(ws, ": ");
        WS_SAY(ws, mqtts_strerror(err));
        return err;
    }
    ws->lower_up = true;
    err = mqtts_ws_handshake(ws, host, port, start, timeout_ms);
    if (err != MQTTS_OK) {
        ws->lower.close(ws->lower.ctx);
        ws->lower_up = false;
        reset(ws);
        return err;
    }
    ws->connected = true;
    return MQTTS_OK;
}

static int32_t ws_send(void *ctx, const uint8_t *buf, size_t len)
{
    mqtts_ws *ws = ctx;
    mqtts_err e;
    size_t n;

    if (ws == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (ws->failed != MQTTS_OK)
        return ws->failed;
    if (!ws->connected)
        return MQTTS_ERR_NOT_CONNECTED;
    if (len == 0)
        return 0;
    if (buf == NULL || len < ws->owed)
        return MQTTS_ERR_INVALID_ARGUMENT; /* not the bytes of the last call */
    e = flush_out(ws);
    if (e == MQTTS_OK && ws->owed > 0) {
        n = ws->owed; /* the frame of the last call is out */
        ws->owed = 0;
        return (int32_t)n;
    }
    if (e == MQTTS_OK && ws->ctrl_due != CTRL_NONE)
        e = pump(ws);
    if (e != MQTTS_OK)
        return e == MQTTS_NEED_MORE ? 0 : e;
    n = fit(len, ws->cfg.buf_size - tx_base(ws));
    if ((e = build_frame(ws, OP_BINARY, buf, n)) != MQTTS_OK)
        return e;
    e = flush_out(ws);
    if (e == MQTTS_NEED_MORE) {
        ws->owed = n;
        return 0;
    }
    return e != MQTTS_OK ? e : (int32_t)n;
}

static int32_t ws_recv(void *ctx, uint8_t *buf, size_t cap)
{
    mqtts_ws *ws = ctx;

    if (ws == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (ws->failed != MQTTS_OK)
        return ws->failed;
    if (!ws->connected)
        return MQTTS_ERR_NOT_CONNECTED;
    if (cap == 0)
        return 0;
    if (buf == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (cap > (size_t)INT32_MAX)
        cap = (size_t)INT32_MAX;
    if (pump(ws) < 0)
        return ws->failed;
    for (;;) {
        size_t n, out;

        if (ws->rx_pos < ws->rx_end) {
            n = ws->rx_end - ws->rx_pos < cap ? ws->rx_end - ws->rx_pos : cap;
            memcpy(buf, ws->cfg.buf + ws->rx_pos, n);
            ws->rx_pos += n;
        } else {
            int32_t r = ws->lower.recv(ws->lower.ctx, buf, cap);
            if (r <= 0) {
                if (r < 0)
                    ws->failed = (mqtts_err)r;
                return r;
            }
            n = (size_t)r;
        }
        out = absorb(ws, buf, n);
        (void)pump(ws); /* a pong for a ping, a close frame for a close */
        if (out > 0)
            return (int32_t)out;
        if (ws->failed != MQTTS_OK)
            return ws->failed;
    }
}

static int ws_wait(void *ctx, bool want_write, uint32_t timeout_ms)
{
    mqtts_ws *ws = ctx;
    uint32_t start;

    if (ws == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (ws->failed != MQTTS_OK)
        return MQTTS_READABLE; /* recv() reports it */
    if (!ws->connected)
        return MQTTS_ERR_NOT_CONNECTED;
    if (ws->rx_pos < ws->rx_end)
        return MQTTS_READABLE;
    start = ws->cfg.now_ms(ws->cfg.user);
    for (;;) {
        mqtts_err e = pump(ws);
        uint32_t left = mqtts_ws_left(ws, start, timeout_ms);
        int r;

        if (e < 0)
            return MQTTS_READABLE;
        if (e == MQTTS_OK || want_write)
            return ws->lower.wait(ws->lower.ctx, want_write, left);
        /* A frame of ours is still going out: wait for room as well. */
        if (left == 0)
            return 0;
        r = ws->lower.wait(ws->lower.ctx, true, left);
        if (r <= 0 || (r & MQTTS_READABLE) != 0)
            return r < 0 ? r : r & MQTTS_READABLE;
    }
}

/* ---------------------------------------------------------------------- */
/* Set-up. */

/* The POSIX defaults of entropy and now_ms (posix/ws_posix.c), when
 * src/websocket/CMakeLists.txt builds them in. */
#if defined(MQTTS_WS_POSIX)
#define WS_HAVE_DEFAULTS 1
#define WS_DEFAULT_ENTROPY mqtts_ws_posix_entropy
#define WS_DEFAULT_NOW mqtts_ws_posix_now_ms
#else
#define WS_HAVE_DEFAULTS 0
#define WS_DEFAULT_ENTROPY NULL
#define WS_DEFAULT_NOW NULL
#endif

static bool printable(const char *s, bool spaces)
{
    for (; *s != '\0'; s++) {
        if ((*s < ' ' && !(spaces && *s == '\t')) || *s > '~' || (*s == ' ' && !spaces))
            return false;
    }
    return true;
}

/* Header names the handshake writes (or must not see) itself. */
static bool reserved_name(const char *name)
{
    static const char *const own[] = {"host", "upgrade", "connection", "sec-websocket-",
                                      "content-length", "transfer-encoding"};
    size_t i, k;

    for (i = 0; i < sizeof own / sizeof own[0]; i++) {
        for (k = 0; own[i][k] != '\0'; k++) {
            char c = name[k];
            if (c >= 'A' && c <= 'Z')
                c = (char)(c - 'A' + 'a');
            if (c != own[i][k])
                break;
        }
        /* "sec-websocket-" is a prefix; the others are whole names. */
        if (own[i][k] == '\0' && (own[i][k - 1] == '-' || name[k] == '\0'))
            return true;
    }
    return false;
}

static mqtts_err refuse(mqtts_ws *ws, const char *why)
{
    WS_SAY(ws, why);
    return MQTTS_ERR_INVALID_ARGUMENT;
}

static mqtts_err check_config(mqtts_ws *ws, const mqtts_ws_config *cfg)
{
    size_t i;

    if (cfg->buf == NULL || cfg->buf_size < MQTTS_WS_BUF_MIN)
        return refuse(ws, "the WebSocket needs a buffer (buf, buf_size) of at least 256 bytes");
    if (cfg->path != NULL && cfg->path[0] != '\0' &&
        (cfg->path[0] != '/' || !printable(cfg->path, false) || mqtts_ws_has_char(cfg->path, '#')))
        return refuse(ws, "the path must start with '/' and be printable ASCII without spaces "
                          "or '#' (percent-encode the rest)");
    if (cfg->subprotocol != NULL &&
        (cfg->subprotocol[0] == '\0' || !printable(cfg->subprotocol, false) ||
         mqtts_ws_has_char(cfg->subprotocol, ',')))
        return refuse(ws, "the subprotocol must be one token (\"mqtt\")");
    if (cfg->host_header != NULL &&
        (cfg->host_header[0] == '\0' || !printable(cfg->host_header, false)))
        return refuse(ws, "host_header must be a host name without spaces");
    if (cfg->header_count > 0 && cfg->headers == NULL)
        return refuse(ws, "header_count is not 0 but headers is NULL");
    for (i = 0; i < cfg->header_count; i++) {
        const mqtts_ws_header *h = &cfg->headers[i];
        if (h->name == NULL || h->value == NULL || h->name[0] == '\0' ||
            !printable(h->name, false) || mqtts_ws_has_char(h->name, ':') ||
            !printable(h->value, true)) {
            WS_SAY(ws, "extra header ");
            WS_SAY_NUM(ws, (uint32_t)i);
            return refuse(ws, " cannot be sent: a name without spaces or ':' and a value "
                              "without control characters are needed");
        }
        if (reserved_name(h->name)) {
            WS_SAY(ws, "extra header ");
            WS_SAY_NUM(ws, (uint32_t)i);
            return refuse(ws, " is one the handshake writes itself (Host: host_header; "
                              "Sec-WebSocket-Protocol: subprotocol)");
        }
    }
    if (cfg->entropy == NULL && !WS_HAVE_DEFAULTS)
        return refuse(ws, "no entropy callback, and no default on this platform");
    if (cfg->now_ms == NULL && !WS_HAVE_DEFAULTS)
        return refuse(ws, "no now_ms clock, and no default on this platform");
    return MQTTS_OK;
}

mqtts_err mqtts_ws_init(mqtts_ws *ws, const mqtts_ws_config *cfg, const mqtts_transport *lower,
                        mqtts_transport *t)
{
    mqtts_err err;

    if (ws == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    memset(ws, 0, sizeof *ws);
    if (cfg == NULL || lower == NULL || t == NULL)
        return refuse(ws, "mqtts_ws_init() needs a config, a lower transport and a transport "
                          "to fill");
    if (lower->connect == NULL || lower->send == NULL || lower->recv == NULL ||
        lower->wait == NULL || lower->close == NULL)
        return refuse(ws, "the lower transport needs connect, send, recv, wait and close");
    if ((err = check_config(ws, cfg)) != MQTTS_OK)
        return err;
    ws->cfg = *cfg;
    if (ws->cfg.path == NULL || ws->cfg.path[0] == '\0')
        ws->cfg.path = "/";
    if (ws->cfg.subprotocol == NULL)
        ws->cfg.subprotocol = "mqtt";
    if (ws->cfg.entropy == NULL)
        ws->cfg.entropy = WS_DEFAULT_ENTROPY;
    if (ws->cfg.now_ms == NULL)
        ws->cfg.now_ms = WS_DEFAULT_NOW;
    ws->lower = *lower;
    reset(ws);
    t->ctx = ws;
    t->connect = ws_connect;
    t->send = ws_send;
    t->recv = ws_recv;
    t->wait = ws_wait;
    t->close = ws_close;
    return MQTTS_OK;
}

/* ---------------------------------------------------------------------- */
/* Questions. */

const char *mqtts_ws_error_detail(const mqtts_ws *ws)
{
    return ws != NULL ? ws->detail : "";
}

int mqtts_ws_http_status(const mqtts_ws *ws)
{
    return ws != NULL ? ws->http_status : 0;
}

int mqtts_ws_close_code(const mqtts_ws *ws)
{
    return ws != NULL ? ws->close_in : 0;
}
