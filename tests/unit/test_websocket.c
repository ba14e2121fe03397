/*
 * test_websocket.c - the WebSocket transport (include/mqtts/websocket.h)
 * over a scripted lower transport in memory: no sockets, a fake clock.
 *
 * The fake lower transport hands the client the server's bytes one at a
 * time, in random chunks, or all at once, and says "would block" at random
 * in between; it takes the client's bytes one at a time or in random chunks
 * too. Its entropy gives the key of RFC 6455's example ("the sample nonce",
 * so the accept value is the RFC's), then fresh pseudo-random masks.
 *
 * Covered: SHA-1 (FIPS 180 vectors and the padding boundaries), base64 (RFC
 * 4648), the accept value of RFC 6455 1.3; the upgrade request byte for
 * byte (path, Host with and without port, IPv6, extra headers); the answer
 * read in any chunking, with frames right behind it, a long header line
 * skipped; every handshake failure with its error and detail (status 404
 * and 401 quoted, the Authorization value never shown, wrong or missing
 * accept, no or another subprotocol, no Upgrade/Connection, an extension,
 * TLS or MQTT bytes instead of HTTP, timeout, closed, request too big);
 * the config checks; frames in of every length form, fragmented, with
 * pings between fragments (answered with the ping's data, never inside a
 * frame going out), several packets per frame, a packet over several
 * frames, read with one-byte and random reads and random caps; every
 * malformed frame; the close frame (code, reason, echoed); frames out
 * (header forms, masking, a fresh mask per frame, splitting by the buffer,
 * partial writes with the "same bytes again" rule); wait(); close() and a
 * second connection; entropy failures.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mqtts/websocket.h"
#include "websocket/ws_internal.h"

#define BIG (1u << 20)

/* ------------------------------------------------------------------------ */
/* A deterministic generator for chunk sizes, would-blocks and masks. */

static uint32_t rng_next(uint32_t *s)
{
    *s = *s * 1103515245u + 12345u;
    return *s >> 8;
}

/* ------------------------------------------------------------------------ */
/* The scripted lower transport. */

typedef struct fake {
    uint8_t *in; /* what the server says */
    size_t in_len, in_pos;
    uint8_t *out; /* what the client said */
    size_t out_len;
    mqtts_err at_end;    /* recv once in is used up: 0 (would block) or an error */
    mqtts_err connect_err;
    size_t max_read;     /* per recv; 0: as much as asked */
    size_t max_write;    /* per send; 0: all */
    uint32_t chop;       /* non-zero: random chunk sizes (up to max) and would-blocks */
    size_t blocked;      /* how often "would block" was said */
    int connects, closes;
    uint32_t now;        /* the fake clock, ms */
    uint32_t mask_seed;
    int entropy_fail;    /* fail the call with this number (1 = the first) */
    int entropy_calls;
    uint8_t masks[64][4]; /* the masks handed out, in order */
    int mask_count;
} fake;

static fake F;
static mqtts_ws W;
static mqtts_transport LOWER, T;
static uint8_t WBUF[131072];
static mqtts_ws_config CFG;

static mqtts_err f_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    fake *f = ctx;
    (void)host;
    (void)port;
    (void)timeout_ms;
    f->connects++;
    return f->connect_err;
}

static bool would_block(fake *f)
{
    if (f->chop == 0 || rng_next(&f->chop) % 4 != 0)
        return false;
    f->blocked++;
    return true;
}

static size_t chunk(fake *f, size_t want, size_t max)
{
    if (max != 0 && want > max)
        want = max;
    if (f->chop != 0 && want > 1)
        want = 1 + rng_next(&f->chop) % want;
    return want;
}

static int32_t f_send(void *ctx, const uint8_t *buf, size_t len)
{
    fake *f = ctx;
    if (len == 0 || would_block(f))
        return 0;
    len = chunk(f, len, f->max_write);
    assert_true(f->out_len + len <= BIG);
    memcpy(f->out + f->out_len, buf, len);
    f->out_len += len;
    return (int32_t)len;
}

static int32_t f_recv(void *ctx, uint8_t *buf, size_t cap)
{
    fake *f = ctx;
    size_t n;
    if (f->in_pos == f->in_len)
        return f->at_end;
    if (would_block(f))
        return 0;
    n = chunk(f, f->in_len - f->in_pos < cap ? f->in_len - f->in_pos : cap, f->max_read);
    memcpy(buf, f->in + f->in_pos, n);
    f->in_pos += n;
    return (int32_t)n;
}

/* Readable when bytes (or the end) are there; else the time passes. */
static int f_wait(void *ctx, bool want_write, uint32_t timeout_ms)
{
    fake *f = ctx;
    int mask = 0;
    if (f->in_pos < f->in_len || f->at_end < 0)
        mask |= MQTTS_READABLE;
    if (want_write)
        mask |= MQTTS_WRITABLE;
    if (mask == 0)
        f->now += timeout_ms;
    return mask;
}

static void f_close(void *ctx)
{
    fake *f = ctx;
    f->closes++;
}

static uint32_t f_now(void *user)
{
    (void)user;
    return F.now;
}

static int f_entropy(void *user, uint8_t *out, size_t len)
{
    static const char nonce[] = "the sample nonce"; /* RFC 6455 1.3 */
    size_t i;
    (void)user;
    F.entropy_calls++;
    if (F.entropy_calls == F.entropy_fail)
        return -1;
    if (len == 16) {
        memcpy(out, nonce, 16);
        return 0;
    }
    for (i = 0; i < len; i++)
        out[i] = (uint8_t)rng_next(&F.mask_seed);
    if (len == 4 && F.mask_count < 64)
        memcpy(F.masks[F.mask_count++], out, 4);
    return 0;
}

static void fake_reset(void)
{
    uint8_t *in = F.in, *out = F.out;
    memset(&F, 0, sizeof F);
    F.in = in;
    F.out = out;
    F.mask_seed = 77;
}

static void in_add(const void *bytes, size_t len)
{
    assert_true(F.in_len + len <= BIG);
    memcpy(F.in + F.in_len, bytes, len);
    F.in_len += len;
}

static void in_str(const char *s)
{
    in_add(s, strlen(s));
}

static const char *ANSWER = "HTTP/1.1 101 Switching Protocols\r\n"
                            "Upgrade: websocket\r\n"
                            "Connection: Upgrade\r\n"
                            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                            "Sec-WebSocket-Protocol: mqtt\r\n"
                            "\r\n";

/* A config over the fake with a buffer of buf_size bytes. */
static void setup_ws(size_t buf_size)
{
    memset(&CFG, 0, sizeof CFG);
    CFG.path = "/mqtt";
    CFG.buf = WBUF;
    CFG.buf_size = buf_size;
    CFG.entropy = f_entropy;
    CFG.now_ms = f_now;
    LOWER.ctx = &F;
    LOWER.connect = f_connect;
    LOWER.send = f_send;
    LOWER.recv = f_recv;
    LOWER.wait = f_wait;
    LOWER.close = f_close;
    assert_int_equal(mqtts_ws_init(&W, &CFG, &LOWER, &T), MQTTS_OK);
}

static mqtts_err ws_connect(const char *host, uint16_t port)
{
    return T.connect(T.ctx, host, port, 5000);
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

/* Connected with the standard answer (plus what the test put in before). */
static void connect_ok(size_t buf_size)
{
    setup_ws(buf_size);
    mqtts_err e = ws_connect("broker.example", 8080);
    if (e != MQTTS_OK)
        fail_msg("connect: %s: %s", mqtts_strerror(e), mqtts_ws_error_detail(&W));
}

/* The request the client sent: up to its empty line. */
static size_t request_len(void)
{
    for (size_t i = 3; i < F.out_len; i++)
        if (memcmp(F.out + i - 3, "\r\n\r\n", 4) == 0)
            return i + 1;
    fail_msg("no complete request in %zu bytes", F.out_len);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Server frames (unmasked) and client frames (masked) as bytes. */

static size_t frame(uint8_t *p, uint8_t b0, const uint8_t *payload, size_t len)
{
    size_t n = 0;
    p[n++] = b0;
    if (len <= 125) {
        p[n++] = (uint8_t)len;
    } else if (len <= 65535) {
        p[n++] = 126;
        p[n++] = (uint8_t)(len >> 8);
        p[n++] = (uint8_t)len;
    } else {
        p[n++] = 127;
        for (int i = 7; i >= 0; i--)
            p[n++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    if (len > 0)
        memcpy(p + n, payload, len);
    return n + len;
}

static void in_frame(uint8_t b0, const void *payload, size_t len)
{
    static uint8_t tmp[BIG + 16];
    in_add(tmp, frame(tmp, b0, payload, len));
}

typedef struct cframe {
    uint8_t b0;
    size_t len;
    uint8_t mask[4];
    uint8_t *data; /* unmasked, in a shared arena */
} cframe;

static uint8_t ARENA[BIG];
static size_t arena_used;

/* Parses the client's frames from F.out[from..): every one masked, FIN set,
 * no reserved bits, the length in its shortest form. */
static size_t client_frames(size_t from, cframe *fr, size_t max)
{
    size_t pos = from, n = 0;
    arena_used = 0;
    while (pos < F.out_len) {
        const uint8_t *p = F.out + pos;
        size_t avail = F.out_len - pos, h = 2, len;
        assert_true(n < max);
        assert_true(avail >= 2);
        assert_int_equal(p[0] & 0xF0, 0x80); /* FIN, no RSV */
        assert_true(p[1] & 0x80);            /* masked */
        len = p[1] & 0x7F;
        if (len == 126) {
            len = (size_t)p[2] << 8 | p[3];
            assert_true(len >= 126);
            h = 4;
        } else if (len == 127) {
            len = 0;
            for (int i = 0; i < 8; i++)
                len = len << 8 | p[2 + i];
            assert_true(len > 65535);
            h = 10;
        }
        assert_true(avail >= h + 4 + len);
        fr[n].b0 = p[0];
        fr[n].len = len;
        memcpy(fr[n].mask, p + h, 4);
        fr[n].data = ARENA + arena_used;
        assert_true(arena_used + len <= sizeof ARENA);
        for (size_t i = 0; i < len; i++)
            fr[n].data[i] = p[h + 4 + i] ^ fr[n].mask[i & 3];
        arena_used += len;
        pos += h + 4 + len;
        n++;
    }
    return n;
}

/* ------------------------------------------------------------------------ */
/* SHA-1, base64, the accept value. */

static void hex(const uint8_t *d, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++)
        sprintf(out + 2 * i, "%02x", d[i]);
}

static void test_ws_sha1_vectors(void **state)
{
    (void)state;
    static const struct {
        size_t len;
        char fill; /* 0: the text below */
        const char *text;
        const char *digest;
    } v[] = {
        {0, 0, "", "da39a3ee5e6b4b0d3255bfef95601890afd80709"},
        {3, 0, "abc", "a9993e364706816aba3e25717850c26c9cd0d89d"},
        {56, 0, "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq",
         "84983e441c3bd26ebaae4aa1f95129e5e54670f1"},
        {1000000, 'a', NULL, "34aa973cd4c4daa4f61eeb2bdbad27316534016f"},
        /* the padding's edges: 55, 56, 63, 64, 119, 120 bytes */
        {55, 'x', NULL, "cef734ba81a024479e09eb5a75b6ddae62e6abf1"},
        {56, 'x', NULL, "901305367c259952f4e7af8323f480d59f81335b"},
        {63, 'x', NULL, "0ddc4e0cccd9a12850deb5abb0853a4425559fec"},
        {64, 'x', NULL, "bb2fa3ee7afb9f54c6dfb5d021f14b1ffe40c163"},
        {119, 'x', NULL, "4300320394f7ee239bcdce7d3b8bcee173a0cd5c"},
        {120, 'x', NULL, "ceb2821639c4b6dcb10bce0e522ca2e608ce056d"},
    };
    uint8_t *msg = malloc(1000000);
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        uint8_t d[20];
        char h[41];
        if (v[i].fill != 0)
            memset(msg, v[i].fill, v[i].len);
        else
            memcpy(msg, v[i].text, v[i].len);
        mqtts_ws_sha1(msg, v[i].len, d);
        hex(d, 20, h);
        assert_string_equal(h, v[i].digest);
    }
    free(msg);
}

static void test_ws_base64_vectors(void **state)
{
    (void)state;
    static const char *const want[] = {"", "Zg==", "Zm8=", "Zm9v", "Zm9vYg==", "Zm9vYmE=",
                                       "Zm9vYmFy"};
    for (size_t n = 0; n <= 6; n++) {
        char out[16];
        assert_int_equal(mqtts_ws_base64((const uint8_t *)"foobar", n, out), strlen(want[n]));
        assert_string_equal(out, want[n]);
    }
    uint8_t all[3] = {0xFB, 0xFF, 0xBF};
    char out[8];
    mqtts_ws_base64(all, 3, out);
    assert_string_equal(out, "+/+/");
}

static void test_ws_accept_rfc_example(void **state)
{
    (void)state;
    char out[MQTTS_WS_ACCEPT_CHARS + 1];
    mqtts_ws_accept_for("dGhlIHNhbXBsZSBub25jZQ==", out);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");
}

/* ------------------------------------------------------------------------ */
/* The upgrade. */

static void test_ws_request_exact(void **state)
{
    (void)state;
    static const mqtts_ws_header extra[] = {{"Authorization", "Bearer secret-token"},
                                            {"X-Client", "unit test"}};
    fake_reset();
    in_str(ANSWER);
    setup_ws(1024);
    CFG.headers = extra;
    CFG.header_count = 2;
    assert_int_equal(mqtts_ws_init(&W, &CFG, &LOWER, &T), MQTTS_OK);
    assert_int_equal(ws_connect("broker.example", 8080), MQTTS_OK);
    F.out[request_len()] = '\0';
    assert_string_equal((char *)F.out, "GET /mqtt HTTP/1.1\r\n"
                                       "Host: broker.example:8080\r\n"
                                       "Upgrade: websocket\r\n"
                                       "Connection: Upgrade\r\n"
                                       "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                                       "Sec-WebSocket-Version: 13\r\n"
                                       "Sec-WebSocket-Protocol: mqtt\r\n"
                                       "Authorization: Bearer secret-token\r\n"
                                       "X-Client: unit test\r\n"
                                       "\r\n");
    assert_int_equal(F.connects, 1);
    assert_int_equal(mqtts_ws_http_status(&W), 101);
    assert_string_equal(mqtts_ws_error_detail(&W), "");
}

/* The Host header: a default port is left out, an IPv6 address bracketed,
 * host_header used instead of the name connected to. */
static void test_ws_request_host_header(void **state)
{
    (void)state;
    static const struct {
        bool secure;
        const char *host_header;
        const char *host;
        uint16_t port;
        const char *want;
    } v[] = {
        {false, NULL, "broker.example", 80, "Host: broker.example\r\n"},
        {false, NULL, "broker.example", 443, "Host: broker.example:443\r\n"},
        {true, NULL, "x.hivemq.cloud", 443, "Host: x.hivemq.cloud\r\n"},
        {true, NULL, "x.hivemq.cloud", 8884, "Host: x.hivemq.cloud:8884\r\n"},
        {true, NULL, "x.hivemq.cloud", 80, "Host: x.hivemq.cloud:80\r\n"},
        {false, NULL, "::1", 9001, "Host: [::1]:9001\r\n"},
        {false, NULL, "127.0.0.1", 9001, "Host: 127.0.0.1:9001\r\n"},
        {false, "virtual.example", "127.0.0.1", 80, "Host: virtual.example\r\n"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        fake_reset();
        in_str(ANSWER);
        setup_ws(512);
        CFG.secure = v[i].secure;
        CFG.host_header = v[i].host_header;
        CFG.path = NULL; /* "/" */
        assert_int_equal(mqtts_ws_init(&W, &CFG, &LOWER, &T), MQTTS_OK);
        assert_int_equal(ws_connect(v[i].host, v[i].port), MQTTS_OK);
        F.out[request_len()] = '\0';
        assert_contains((char *)F.out, v[i].want);
        assert_contains((char *)F.out, "GET / HTTP/1.1\r\n");
    }
}

/* The answer in every chunking, with header names in any case, a
 * Connection list, a header line longer than the whole buffer (skipped),
 * and two frames right behind the empty line. */
static void test_ws_answer_any_chunking(void **state)
{
    (void)state;
    static char long_line[1200];
    memset(long_line, 'c', sizeof long_line - 1);
    memcpy(long_line, "Set-Cookie: ", 12);
    for (uint32_t seed = 0; seed < 40; seed++) {
        fake_reset();
        in_str("HTTP/1.1 101 Switching Protocols\r\n"
               "server: test\r\n"
               "UPGRADE: WebSocket\r\n"
               "connection: keep-alive, upgrade\r\n");
        in_str(long_line);
        in_str("\r\n"
               "sec-websocket-accept:s3pPLMBiTxaQ9kYGzzhZRbK+xOo=  \r\n"
               "Sec-WebSocket-Protocol: mqtt\r\n"
               "\r\n");
        in_frame(0x82, "\x20\x02\x00\x00", 4); /* CONNACK */
        in_frame(0x82, "\xd0\x00", 2);         /* PINGRESP */
        if (seed == 0)
            F.max_read = 1;
        else
            F.chop = seed;
        setup_ws(256);
        mqtts_err e = ws_connect("h", 1);
        if (e != MQTTS_OK)
            fail_msg("seed %u: %s: %s", seed, mqtts_strerror(e), mqtts_ws_error_detail(&W));
        /* Read ahead or not, both frames' bytes come out, in order. */
        uint8_t got[16];
        size_t n = 0;
        for (int i = 0; i < 1000 && n < 6; i++) {
            int32_t r = T.recv(T.ctx, got + n, sizeof got - n);
            assert_true(r >= 0);
            n += (size_t)r;
        }
        assert_int_equal(n, 6);
        assert_memory_equal(got, "\x20\x02\x00\x00\xd0\x00", 6);
    }
}

/* Frames behind the answer: wait() says readable without asking below. */
static void test_ws_read_ahead_is_readable(void **state)
{
    (void)state;
    fake_reset();
    uint8_t all[512];
    size_t n = strlen(ANSWER);
    memcpy(all, ANSWER, n);
    n += frame(all + n, 0x82, (const uint8_t *)"\x20\x02\x00\x00", 4);
    in_add(all, n);
    connect_ok(256);
    /* Everything came in the first read; the fake has nothing left. */
    assert_int_equal(F.in_pos, F.in_len);
    assert_int_equal(T.wait(T.ctx, false, 1000), MQTTS_READABLE);
    assert_int_equal(F.now, 0); /* did not wait */
    uint8_t got[8];
    assert_int_equal(T.recv(T.ctx, got, sizeof got), 4);
    assert_memory_equal(got, "\x20\x02\x00\x00", 4);
    assert_int_equal(T.recv(T.ctx, got, sizeof got), 0);
}

typedef struct bad_answer {
    const char *answer;
    mqtts_err err;
    const char *detail1;
    const char *detail2;
} bad_answer;

static void check_bad_answers(const bad_answer *v, size_t count)
{
    static const mqtts_ws_header auth[] = {{"Authorization", "Basic c2VjcmV0LXZhbHVl"}};
    for (size_t i = 0; i < count; i++) {
        for (int chop = 0; chop < 2; chop++) {
            fake_reset();
            in_str(v[i].answer);
            F.at_end = MQTTS_ERR_CLOSED;
            if (chop)
                F.max_read = 1;
            setup_ws(512);
            CFG.headers = auth;
            CFG.header_count = 1;
            assert_int_equal(mqtts_ws_init(&W, &CFG, &LOWER, &T), MQTTS_OK);
            mqtts_err e = ws_connect("broker.example", 443);
            if (e != v[i].err)
                fail_msg("answer %zu: got %s (%d), want %s: %s", i, mqtts_strerror(e), e,
                         mqtts_strerror(v[i].err), mqtts_ws_error_detail(&W));
            assert_contains(mqtts_ws_error_detail(&W), v[i].detail1);
            assert_contains(mqtts_ws_error_detail(&W), v[i].detail2);
            assert_lacks(mqtts_ws_error_detail(&W), "c2VjcmV0LXZhbHVl");
            assert_lacks(mqtts_ws_error_detail(&W), "dGhlIHNhbXBsZSBub25jZQ");
            assert_int_equal(F.closes, 1); /* the lower transport is closed again */
            /* Not connected after a failure. */
            uint8_t b[4];
            assert_int_equal(T.recv(T.ctx, b, 4), MQTTS_ERR_NOT_CONNECTED);
            assert_int_equal(T.send(T.ctx, b, 4), MQTTS_ERR_NOT_CONNECTED);
            if (getenv("MQTTS_TEST_WS_VERBOSE") != NULL && chop == 0)
                fprintf(stderr, "  [%s] %s\n", mqtts_strerror(e), mqtts_ws_error_detail(&W));
        }
    }
}

#define GOOD_HEADERS_BUT(x)                                                                \
    "HTTP/1.1 101 Switching Protocols\r\n" x "\r\n"

static void test_ws_answer_http_status(void **state)
{
    (void)state;
    static const bad_answer v[] = {
        {"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", MQTTS_ERR_WS_HTTP_STATUS,
         "\"HTTP/1.1 404 Not Found\"", "path"},
        {"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Basic\r\n\r\n",
         MQTTS_ERR_WS_HTTP_STATUS, "\"HTTP/1.1 401 Unauthorized\"", "Authorization"},
        {"HTTP/1.1 403 Forbidden\r\n\r\n", MQTTS_ERR_WS_HTTP_STATUS, "403 Forbidden",
         "credentials"},
        {"HTTP/1.1 200 OK\r\n\r\n<html>", MQTTS_ERR_WS_HTTP_STATUS, "200 OK", "web page"},
        {"HTTP/1.1 302 Found\r\nLocation: /x\r\n\r\n", MQTTS_ERR_WS_HTTP_STATUS, "302",
         "redirect"},
        {"HTTP/1.1 503 Service Unavailable\r\n\r\n", MQTTS_ERR_WS_HTTP_STATUS, "503",
         "later"},
        {"HTTP/1.0 400 Bad Request\r\n\r\n", MQTTS_ERR_WS_HTTP_STATUS, "400 Bad Request",
         "WebSocket endpoint"},
    };
    check_bad_answers(v, sizeof v / sizeof v[0]);
    assert_int_equal(mqtts_ws_http_status(&W), 400);
}

static void test_ws_answer_bad_upgrade(void **state)
{
    (void)state;
    static const bad_answer v[] = {
        /* accept */
        {GOOD_HEADERS_BUT("Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOO=\r\n"
                          "Sec-WebSocket-Protocol: mqtt\r\n"),
         MQTTS_ERR_WS_BAD_ACCEPT, "not the one for our key", "6455"},
        {GOOD_HEADERS_BUT("Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Protocol: mqtt\r\n"),
         MQTTS_ERR_WS_BAD_ACCEPT, "no Sec-WebSocket-Accept", "proxy"},
        /* subprotocol */
        {GOOD_HEADERS_BUT("Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"),
         MQTTS_ERR_WS_SUBPROTOCOL, "chose no subprotocol", "\"mqtt\""},
        {GOOD_HEADERS_BUT("Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                          "Sec-WebSocket-Protocol: mqttv3.1\r\n"),
         MQTTS_ERR_WS_SUBPROTOCOL, "\"mqttv3.1\"", "not \"mqtt\""},
        {GOOD_HEADERS_BUT("Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                          "Sec-WebSocket-Protocol: MQTT\r\n"),
         MQTTS_ERR_WS_SUBPROTOCOL, "\"MQTT\"", "not \"mqtt\""},
        /* Upgrade, Connection, extensions */
        {GOOD_HEADERS_BUT("Connection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                          "Sec-WebSocket-Protocol: mqtt\r\n"),
         MQTTS_ERR_WS_BAD_RESPONSE, "without \"Upgrade: websocket\"", "not a WebSocket"},
        {GOOD_HEADERS_BUT("Upgrade: h2c\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                          "Sec-WebSocket-Protocol: mqtt\r\n"),
         MQTTS_ERR_WS_BAD_RESPONSE, "without \"Upgrade: websocket\"", "proxy"},
        {GOOD_HEADERS_BUT("Upgrade: websocket\r\nConnection: keep-alive\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                          "Sec-WebSocket-Protocol: mqtt\r\n"),
         MQTTS_ERR_WS_BAD_RESPONSE, "without \"Connection: Upgrade\"", "WebSocket"},
        {GOOD_HEADERS_BUT("Upgrade: websocket\r\nConnection: Upgrade\r\n"
                          "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                          "Sec-WebSocket-Protocol: mqtt\r\n"
                          "Sec-WebSocket-Extensions: permessage-deflate\r\n"),
         MQTTS_ERR_WS_BAD_RESPONSE, "extension", "not asked for"},
        /* not HTTP, not a header */
        {"\x15\x03\x03\x00\x02\x02\x46", MQTTS_ERR_WS_BAD_RESPONSE, "not HTTP", "wss://"},
        {"\x20\x02\x00\x00", MQTTS_ERR_WS_BAD_RESPONSE, "not HTTP", "plain MQTT port"},
        {"SSH-2.0-OpenSSH\r\n", MQTTS_ERR_WS_BAD_RESPONSE, "not HTTP", "it starts \"S"},
        {"HTTP/1.1 1O1 Switching\r\n\r\n", MQTTS_ERR_WS_BAD_RESPONSE, "not an HTTP/1.1 status",
         "1O1"},
        {GOOD_HEADERS_BUT("Upgrade websocket\r\n"), MQTTS_ERR_WS_BAD_RESPONSE,
         "malformed header line", "Upgrade websocket"},
        /* cut short */
        {"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n", MQTTS_ERR_CLOSED,
         "reading the answer", "closed"},
        {"", MQTTS_ERR_CLOSED, "without answering", "WebSocket port"},
    };
    check_bad_answers(v, sizeof v / sizeof v[0]);
}

/* A header the handshake checks cannot be skipped when it is longer than
 * the buffer. */
static void test_ws_answer_checked_line_too_long(void **state)
{
    (void)state;
    static char line[700];
    fake_reset();
    in_str("HTTP/1.1 101 Switching Protocols\r\n");
    memset(line, 'x', sizeof line - 1);
    memcpy(line, "Sec-WebSocket-Protocol: ", 24);
    in_str(line);
    in_str("\r\n\r\n");
    setup_ws(256);
    assert_int_equal(ws_connect("h", 1), MQTTS_ERR_WS_BAD_RESPONSE);
    assert_contains(mqtts_ws_error_detail(&W), "longer than the buffer (256 bytes)");
    assert_contains(mqtts_ws_error_detail(&W), "\"Sec-WebSocket-Protocol: xxxx");
}

static void test_ws_answer_timeout(void **state)
{
    (void)state;
    /* Nothing at all, then half an answer: both time out (fake clock). */
    for (int half = 0; half < 2; half++) {
        fake_reset();
        if (half)
            in_str("HTTP/1.1 101 Switching Protocols\r\nUpgrade: webs");
        setup_ws(512);
        assert_int_equal(T.connect(T.ctx, "h", 1, 3000), MQTTS_ERR_WS_HANDSHAKE_TIMEOUT);
        assert_contains(mqtts_ws_error_detail(&W), half ? "no complete answer" : "no answer");
        assert_contains(mqtts_ws_error_detail(&W), "3000 ms");
        assert_true(F.now >= 3000 && F.now < 3100);
        assert_int_equal(F.closes, 1);
    }
}

static void test_ws_request_too_big(void **state)
{
    (void)state;
    static char value[300];
    static mqtts_ws_header h[1] = {{"Authorization", value}};
    memset(value, 'v', sizeof value - 1);
    fake_reset();
    setup_ws(256);
    CFG.headers = h;
    CFG.header_count = 1;
    assert_int_equal(mqtts_ws_init(&W, &CFG, &LOWER, &T), MQTTS_OK);
    assert_int_equal(ws_connect("broker.example", 80), MQTTS_ERR_BUFFER_TOO_SMALL);
    assert_contains(mqtts_ws_error_detail(&W), "request needs ");
    assert_contains(mqtts_ws_error_detail(&W), "has 256");
    assert_lacks(mqtts_ws_error_detail(&W), "vvvv");
    assert_int_equal(F.out_len, 0); /* nothing was sent */
}

static void test_ws_lower_connect_fails(void **state)
{
    (void)state;
    fake_reset();
    F.connect_err = MQTTS_ERR_CONNECT_REFUSED;
    setup_ws(256);
    assert_int_equal(ws_connect("broker.example", 8080), MQTTS_ERR_CONNECT_REFUSED);
    assert_contains(mqtts_ws_error_detail(&W), "cannot connect to \"broker.example\" port 8080");
    assert_int_equal(F.out_len, 0);
}

static void test_ws_init_checks(void **state)
{
    (void)state;
    static const mqtts_ws_header crlf[] = {{"X-A", "ok\r\nInjected: yes"}};
    static const mqtts_ws_header host[] = {{"host", "evil"}};
    static const mqtts_ws_header proto[] = {{"Sec-WebSocket-Protocol", "x"}};
    static const mqtts_ws_header colon[] = {{"X:Y", "v"}};
    static const mqtts_ws_header fine[] = {{"Origin", "http://x"}, {"Hostname", "fine too"}};
    struct {
        const char *path;
        const char *sub;
        const mqtts_ws_header *h;
        size_t buf;
        const char *detail;
    } v[] = {
        {"mqtt", NULL, NULL, 256, "start with '/'"},
        {"/a b", NULL, NULL, 256, "without spaces"},
        {"/a#frag", NULL, NULL, 256, "'#'"},
        {"/mqtt", "mqtt,x", NULL, 256, "one token"},
        {"/mqtt", "", NULL, 256, "one token"},
        {"/mqtt", NULL, crlf, 256, "control characters"},
        {"/mqtt", NULL, colon, 256, "':'"},
        {"/mqtt", NULL, host, 256, "handshake writes itself"},
        {"/mqtt", NULL, proto, 256, "subprotocol"},
        {"/mqtt", NULL, NULL, 255, "at least 256"},
    };
    fake_reset();
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        setup_ws(256);
        CFG.path = v[i].path;
        CFG.subprotocol = v[i].sub;
        CFG.headers = v[i].h;
        CFG.header_count = v[i].h != NULL ? 1 : 0;
        CFG.buf_size = v[i].buf;
        assert_int_equal(mqtts_ws_init(&W, &CFG, &LOWER, &T), MQTTS_ERR_INVALID_ARGUMENT);
        assert_contains(mqtts_ws_error_detail(&W), v[i].detail);
        /* A failed init leaves a transport that refuses to connect. */
        assert_null(W.cfg.buf);
    }
    setup_ws(256);
    CFG.headers = fine;
    CFG.header_count = 2;
    assert_int_equal(mqtts_ws_init(&W, &CFG, &LOWER, &T), MQTTS_OK);
    /* No wait() below: refused (the handshake must wait). */
    mqtts_transport nowait = LOWER;
    nowait.wait = NULL;
    assert_int_equal(mqtts_ws_init(&W, &CFG, &nowait, &T), MQTTS_ERR_INVALID_ARGUMENT);
    assert_contains(mqtts_ws_error_detail(&W), "wait");
    assert_int_equal(mqtts_ws_init(&W, NULL, &LOWER, &T), MQTTS_ERR_INVALID_ARGUMENT);
    assert_int_equal(mqtts_ws_init(NULL, &CFG, &LOWER, &T), MQTTS_ERR_INVALID_ARGUMENT);
    /* The POSIX defaults fill NULL callbacks on this host. */
    CFG.entropy = NULL;
    CFG.now_ms = NULL;
    assert_int_equal(mqtts_ws_init(&W, &CFG, &LOWER, &T), MQTTS_OK);
    assert_ptr_equal(W.cfg.entropy, mqtts_ws_posix_entropy);
    uint8_t a[16] = {0}, b[16] = {0};
    assert_int_equal(mqtts_ws_posix_entropy(NULL, a, 16), 0);
    assert_int_equal(mqtts_ws_posix_entropy(NULL, b, 16), 0);
    assert_memory_not_equal(a, b, 16);
    /* The host is checked at connect. */
    fake_reset();
    setup_ws(256);
    assert_int_equal(ws_connect("bad host", 80), MQTTS_ERR_INVALID_ARGUMENT);
    assert_contains(mqtts_ws_error_detail(&W), "Host header");
}

/* ------------------------------------------------------------------------ */
/* Frames in. */

/* Reads everything the client yields (random caps when chop), until the
 * fake has nothing more, into got; returns the count. The last recv()
 * result is in *last. */
static size_t read_all(uint8_t *got, size_t cap, uint32_t caps_seed, int32_t *last)
{
    size_t n = 0;
    int idle = 0;
    *last = 0;
    while (idle < 50) {
        size_t want = cap - n;
        if (caps_seed != 0 && want > 1)
            want = 1 + rng_next(&caps_seed) % (want < 3000 ? want : 3000);
        int32_t r = T.recv(T.ctx, got + n, want);
        *last = r;
        if (r < 0)
            break;
        if (r == 0) {
            if (F.in_pos == F.in_len)
                idle++;
            continue;
        }
        n += (size_t)r;
        idle = 0;
    }
    return n;
}

typedef void (*script_fn)(uint8_t *expect, size_t *expect_len);

/* Runs a stream of server frames through the client in five ways: one
 * byte per read, whole reads, random reads with would-blocks and random
 * caps (three seeds). The byte stream out must be expect. */
static void run_stream(script_fn script, size_t buf_size, int32_t want_last)
{
    static uint8_t expect[BIG], got[BIG];
    for (int way = 0; way < 5; way++) {
        size_t expect_len = 0;
        fake_reset();
        in_str(ANSWER);
        script(expect, &expect_len);
        if (way == 0)
            F.max_read = 1;
        else if (way > 1)
            F.chop = (uint32_t)way * 7919u;
        connect_ok(buf_size);
        int32_t last;
        size_t n = read_all(got, sizeof got, way > 1 ? (uint32_t)way : 0, &last);
        assert_int_equal(n, expect_len);
        assert_memory_equal(got, expect, n);
        assert_int_equal(last, want_last);
    }
}

static void expect_add(uint8_t *expect, size_t *len, const void *p, size_t n)
{
    memcpy(expect + *len, p, n);
    *len += n;
}

/* Every length form: 0, 1, 125, 126, 65535 (16-bit), 65536, 70000 (64-bit). */
static void script_lengths(uint8_t *expect, size_t *len)
{
    static const size_t sizes[] = {0, 1, 125, 126, 127, 65535, 65536, 70000};
    static uint8_t data[70000 + 16]; /* frame i starts at data + i */
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 31 + 7);
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
        in_frame(0x82, data + i, sizes[i]);
        expect_add(expect, len, data + i, sizes[i]);
    }
}

static void test_ws_frames_every_length(void **state)
{
    (void)state;
    run_stream(script_lengths, 256, 0);
}

/* One MQTT PUBLISH over a fragmented message: binary (no FIN), a ping, a
 * continuation, a pong, an empty continuation, the last continuation; then
 * two packets in one frame. */
static void script_fragments(uint8_t *expect, size_t *len)
{
    static const uint8_t publish[] = {0x30, 0x0c, 0x00, 0x03, 'a', '/', 'b',
                                      'h',  'e',  'l',  'l',  'o', '!', '!'};
    static const uint8_t two[] = {0x40, 0x02, 0x00, 0x01, 0xd0, 0x00}; /* PUBACK, PINGRESP */
    in_frame(0x02, publish, 3);
    in_frame(0x89, "ping-data", 9);
    in_frame(0x00, publish + 3, 5);
    in_frame(0x8A, "unsolicited", 11);
    in_frame(0x00, NULL, 0);
    in_frame(0x80, publish + 8, sizeof publish - 8);
    in_frame(0x82, two, sizeof two);
    expect_add(expect, len, publish, sizeof publish);
    expect_add(expect, len, two, sizeof two);
}

static void test_ws_frames_fragmented_with_control(void **state)
{
    (void)state;
    run_stream(script_fragments, 256, 0);
    /* The ping was answered: one pong with its data, masked. */
    cframe fr[8];
    size_t n = client_frames(request_len(), fr, 8);
    assert_int_equal(n, 1);
    assert_int_equal(fr[0].b0, 0x8A);
    assert_int_equal(fr[0].len, 9);
    assert_memory_equal(fr[0].data, "ping-data", 9);
}

/* Two pings in a row before the client could answer: the answer carries
 * the newest data (RFC 6455 5.5.3 allows answering only the last). An
 * empty ping gets an empty pong. */
static void test_ws_ping_answers(void **state)
{
    (void)state;
    fake_reset();
    in_str(ANSWER);
    in_frame(0x89, NULL, 0);
    connect_ok(256);
    uint8_t b[64];
    assert_int_equal(T.recv(T.ctx, b, sizeof b), 0);
    in_frame(0x89, "first", 5);
    in_frame(0x89, "second", 6);
    assert_int_equal(T.recv(T.ctx, b, sizeof b), 0);
    static uint8_t full[125];
    memset(full, 0xA5, sizeof full);
    in_frame(0x89, full, sizeof full);
    assert_int_equal(T.recv(T.ctx, b, sizeof b), 0);
    cframe fr[8];
    size_t n = client_frames(request_len(), fr, 8);
    assert_int_equal(n, 3);
    assert_int_equal(fr[0].b0, 0x8A);
    assert_int_equal(fr[0].len, 0);
    assert_int_equal(fr[1].len, 6);
    assert_memory_equal(fr[1].data, "second", 6);
    assert_int_equal(fr[2].len, 125);
    assert_memory_equal(fr[2].data, full, 125);
}

typedef struct bad_frame_case {
    uint8_t bytes[16];
    size_t len;
    mqtts_err err;
    uint16_t close_code; /* what the client sends back */
    const char *detail;
} bad_frame_case;

static void test_ws_frames_malformed(void **state)
{
    (void)state;
    static const bad_frame_case v[] = {
        {{0x81, 0x01, 'x'}, 3, MQTTS_ERR_WS_TEXT_FRAME, 1003, "text frame"},
        {{0xC2, 0x01, 'x'}, 3, MQTTS_ERR_WS_BAD_FRAME, 1002, "reserved bits"},
        {{0x92, 0x01, 'x'}, 3, MQTTS_ERR_WS_BAD_FRAME, 1002, "reserved bits"},
        {{0x83, 0x00}, 2, MQTTS_ERR_WS_BAD_FRAME, 1002, "reserved opcode"},
        {{0x8B, 0x00}, 2, MQTTS_ERR_WS_BAD_FRAME, 1002, "reserved opcode"},
        {{0x82, 0x81, 1, 2, 3, 4, 'x'}, 7, MQTTS_ERR_WS_BAD_FRAME, 1002, "masked frame"},
        {{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 0}, 10, MQTTS_ERR_WS_BAD_FRAME, 1002,
         "top bit set"},
        {{0x82, 0x7E, 0x00, 0x64}, 4, MQTTS_ERR_WS_BAD_FRAME, 1002, "shortest form"},
        {{0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0x03, 0xE8}, 10, MQTTS_ERR_WS_BAD_FRAME, 1002,
         "shortest form"},
        {{0x82, 0x7F, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, 10, MQTTS_ERR_WS_BAD_FRAME, 1002,
         "shortest form"},
        {{0x89, 0x7E, 0x00, 0x7E}, 4, MQTTS_ERR_WS_BAD_FRAME, 1002, "longer than 125"},
        {{0x88, 0x7F, 0, 0, 0, 0, 0, 1, 0, 0}, 10, MQTTS_ERR_WS_BAD_FRAME, 1002,
         "longer than 125"},
        {{0x09, 0x00}, 2, MQTTS_ERR_WS_BAD_FRAME, 1002, "fragmented control"},
        {{0x80, 0x01, 'x'}, 3, MQTTS_ERR_WS_BAD_FRAME, 1002, "no fragmented message"},
        {{0x02, 0x01, 'x', 0x82, 0x01, 'y'}, 6, MQTTS_ERR_WS_BAD_FRAME, 1002,
         "before the fragmented message ended"},
        {{0x02, 0x01, 'x', 0x01, 0x01, 'y'}, 6, MQTTS_ERR_WS_TEXT_FRAME, 1003, "text frame"},
        {{0x88, 0x01, 0x03}, 3, MQTTS_ERR_WS_BAD_FRAME, 1002, "close frame of 1 byte"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        for (int one = 0; one < 2; one++) {
            fake_reset();
            in_str(ANSWER);
            in_frame(0x82, "ok", 2); /* good data first: it still comes out */
            in_add(v[i].bytes, v[i].len);
            if (one)
                F.max_read = 1;
            connect_ok(256);
            uint8_t got[64];
            int32_t last;
            size_t n = read_all(got, sizeof got, 0, &last);
            if (last != v[i].err)
                fail_msg("case %zu: got %d, want %s: %s", i, last, mqtts_strerror(v[i].err),
                         mqtts_ws_error_detail(&W));
            size_t data = v[i].bytes[0] == 0x02 ? 3 : 2; /* "ok" + a first fragment */
            assert_int_equal(n, data);
            assert_memory_equal(got, "okx", n);
            assert_contains(mqtts_ws_error_detail(&W), v[i].detail);
            /* Sticky: everything says the same now. */
            uint8_t b[4];
            assert_int_equal(T.recv(T.ctx, b, 4), v[i].err);
            assert_int_equal(T.send(T.ctx, b, 4), v[i].err);
            assert_int_equal(T.wait(T.ctx, false, 10), MQTTS_READABLE);
            /* The client said why in a close frame. */
            cframe fr[4];
            assert_int_equal(client_frames(request_len(), fr, 4), 1);
            assert_int_equal(fr[0].b0, 0x88);
            assert_int_equal(fr[0].len, 2);
            assert_int_equal(fr[0].data[0] << 8 | fr[0].data[1], v[i].close_code);
            /* close() does not send a second one. */
            size_t before = F.out_len;
            T.close(T.ctx);
            assert_int_equal(F.out_len, before);
            assert_int_equal(F.closes, 1);
        }
    }
}

static void test_ws_close_frame(void **state)
{
    (void)state;
    static const struct {
        const uint8_t *payload;
        size_t len;
        int code;
        int echo; /* -1: an empty close frame back */
        const char *d1, *d2;
    } v[] = {
        {(const uint8_t *)"\x03\xe9going away now", 16, 1001, 1001, "code 1001 (going away)",
         "reason \"going away now\""},
        {(const uint8_t *)"\x03\xf0policy", 8, 1008, 1008, "1008 (policy violation)",
         "broker's log"},
        {(const uint8_t *)"\x0f\xa0\xff\xfe", 4, 4000, 4000, "code 4000", "\"??\""},
        {(const uint8_t *)"", 0, 1005, -1, "code 1005 (no status code)", "closed"},
        {(const uint8_t *)"\x03\xed", 2, 1005, 1002, "code 1005", "closed the WebSocket"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        fake_reset();
        in_str(ANSWER);
        in_frame(0x82, "\x20\x02\x00\x00", 4);
        in_frame(0x88, v[i].payload, v[i].len);
        in_frame(0x82, "after", 5); /* never delivered */
        F.max_read = i % 2 ? 1 : 0;
        connect_ok(256);
        assert_int_equal(mqtts_ws_close_code(&W), 0);
        uint8_t got[64];
        int32_t last;
        assert_int_equal(read_all(got, sizeof got, 0, &last), 4);
        assert_int_equal(last, MQTTS_ERR_WS_CLOSED);
        assert_int_equal(mqtts_ws_close_code(&W), v[i].code);
        assert_contains(mqtts_ws_error_detail(&W), v[i].d1);
        assert_contains(mqtts_ws_error_detail(&W), v[i].d2);
        cframe fr[4];
        assert_int_equal(client_frames(request_len(), fr, 4), 1);
        assert_int_equal(fr[0].b0, 0x88);
        if (v[i].echo < 0) {
            assert_int_equal(fr[0].len, 0);
        } else {
            assert_int_equal(fr[0].len, 2);
            assert_int_equal(fr[0].data[0] << 8 | fr[0].data[1], v[i].echo);
        }
        T.close(T.ctx);
        assert_int_equal(client_frames(request_len(), fr, 4), 1); /* no second close */
    }
}

/* The lower transport's own errors pass through and stick. */
static void test_ws_lower_errors_pass(void **state)
{
    (void)state;
    fake_reset();
    in_str(ANSWER);
    in_frame(0x82, "ab", 2);
    F.at_end = MQTTS_ERR_CLOSED;
    connect_ok(256);
    uint8_t b[8];
    assert_int_equal(T.recv(T.ctx, b, 8), 2);
    assert_int_equal(T.recv(T.ctx, b, 8), MQTTS_ERR_CLOSED);
    assert_int_equal(T.send(T.ctx, b, 8), MQTTS_ERR_CLOSED);
}

/* ------------------------------------------------------------------------ */
/* Frames out. */

static void test_ws_send_frames(void **state)
{
    (void)state;
    static uint8_t data[200000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13 + 1);
    fake_reset();
    in_str(ANSWER);
    connect_ok(sizeof WBUF);
    size_t start = request_len();
    /* Each length form: 7-bit, 16-bit (126 .. 65535), 64-bit (65536 ..). */
    static const size_t sizes[] = {1, 125, 126, 65535, 65536, 70000};
    for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
        assert_int_equal(T.send(T.ctx, data, sizes[i]), (int32_t)sizes[i]);
    /* A send bigger than the buffer takes what fits with a 14-byte header. */
    assert_int_equal(T.send(T.ctx, data, sizeof data), (int32_t)(sizeof WBUF - 14));
    cframe fr[8];
    size_t n = client_frames(start, fr, 8); /* checks the shortest length forms */
    assert_int_equal(n, 7);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(fr[i].b0, 0x82);
        assert_int_equal(fr[i].len, i < 6 ? sizes[i] : sizeof WBUF - 14);
        assert_memory_equal(fr[i].data, data, fr[i].len);
        /* The mask on the wire is the one the entropy gave for it. */
        assert_memory_equal(fr[i].mask, F.masks[i], 4);
        for (size_t k = 0; k < i; k++)
            assert_memory_not_equal(fr[i].mask, fr[k].mask, 4);
    }
    assert_int_equal(T.send(T.ctx, data, 0), 0);
}

/* A small buffer splits a big stream into many frames; through a lower
 * transport that takes random bits and often would block, send() says 0
 * until a frame is wholly out and then its length; the stream arrives
 * whole and in order. */
static void test_ws_send_chopped_stream(void **state)
{
    (void)state;
    static uint8_t data[200000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i ^ (i >> 8));
    for (uint32_t seed = 1; seed <= 3; seed++) {
        fake_reset();
        in_str(ANSWER);
        connect_ok(256 + 100 * seed);
        F.chop = seed;
        F.max_write = 7;
        size_t sent = 0, zeros = 0;
        while (sent < sizeof data) {
            size_t len = sizeof data - sent;
            int32_t r = T.send(T.ctx, data + sent, len);
            assert_true(r >= 0);
            if (r == 0) {
                zeros++;
                continue;
            }
            assert_true((size_t)r <= CFG.buf_size - 6);
            sent += (size_t)r;
        }
        assert_true(zeros > 100);
        cframe *fr = malloc(sizeof(cframe) * 2000);
        size_t n = client_frames(request_len(), fr, 2000);
        assert_true(n > 200000 / CFG.buf_size);
        size_t pos = 0;
        for (size_t i = 0; i < n; i++) {
            assert_int_equal(fr[i].b0, 0x82);
            assert_memory_equal(fr[i].data, data + pos, fr[i].len);
            pos += fr[i].len;
        }
        assert_int_equal(pos, sizeof data);
        free(fr);
    }
}

/* After send() said 0, fewer bytes than the frame holds are refused. */
static void test_ws_send_same_bytes_rule(void **state)
{
    (void)state;
    fake_reset();
    in_str(ANSWER);
    connect_ok(256);
    F.max_write = 3;
    F.chop = 5;
    uint8_t d[100];
    memset(d, 7, sizeof d);
    int32_t r;
    while ((r = T.send(T.ctx, d, sizeof d)) != 0)
        assert_int_equal(r, 100); /* until one does not go out at once */
    assert_int_equal(T.send(T.ctx, d, 99), MQTTS_ERR_INVALID_ARGUMENT);
    while ((r = T.send(T.ctx, d, sizeof d)) == 0)
        ;
    assert_int_equal(r, 100);
}

/* A ping that comes while a frame is half out: the pong goes after that
 * frame, never inside it, and wait() pushes it out when the application
 * has nothing to send. */
static void test_ws_pong_waits_for_frame(void **state)
{
    (void)state;
    fake_reset();
    in_str(ANSWER);
    connect_ok(256);
    size_t start = F.out_len;
    uint8_t d[200];
    memset(d, 0x5A, sizeof d);
    /* Frames go out 10 bytes at a time with would-blocks between, until one
     * is stuck half way (send() says 0). */
    F.max_write = 10;
    F.chop = 3;
    int32_t r;
    int whole = 0;
    while ((r = T.send(T.ctx, d, sizeof d)) != 0) {
        assert_int_equal(r, 200);
        whole++;
    }
    in_frame(0x89, "pp", 2);
    uint8_t b[16];
    while (F.in_pos < F.in_len)
        assert_int_equal(T.recv(T.ctx, b, sizeof b), 0);
    /* The application sends nothing more; wait() finishes both frames. */
    F.chop = 0;
    assert_int_equal(T.wait(T.ctx, false, 100), 0);
    cframe fr[64];
    size_t n = client_frames(start, fr, 64);
    assert_int_equal(n, (size_t)whole + 2);
    for (size_t i = 0; i + 1 < n; i++) {
        assert_int_equal(fr[i].b0, 0x82);
        assert_int_equal(fr[i].len, 200);
    }
    assert_int_equal(fr[n - 1].b0, 0x8A);
    assert_int_equal(fr[n - 1].len, 2);
    assert_memory_equal(fr[n - 1].data, "pp", 2);
    /* The stuck frame is acknowledged at the next send(). */
    assert_int_equal(T.send(T.ctx, d, sizeof d), 200);
    assert_int_equal(client_frames(start, fr, 64), n); /* nothing new went out */
}

static void test_ws_close_and_reconnect(void **state)
{
    (void)state;
    fake_reset();
    in_str(ANSWER);
    connect_ok(256);
    size_t start = F.out_len;
    T.close(T.ctx);
    T.close(T.ctx); /* twice: harmless */
    assert_int_equal(F.closes, 1);
    cframe fr[4];
    assert_int_equal(client_frames(start, fr, 4), 1);
    assert_int_equal(fr[0].b0, 0x88);
    assert_int_equal(fr[0].data[0] << 8 | fr[0].data[1], 1000);
    uint8_t b[4];
    assert_int_equal(T.recv(T.ctx, b, 4), MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(T.send(T.ctx, b, 4), MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(T.wait(T.ctx, false, 4), MQTTS_ERR_NOT_CONNECTED);
    /* Again, on the same mqtts_ws: a fresh upgrade. */
    F.in_len = F.in_pos = 0;
    in_str(ANSWER);
    in_frame(0x82, "z", 1);
    assert_int_equal(ws_connect("h", 1), MQTTS_OK);
    assert_int_equal(F.connects, 2);
    assert_int_equal(T.recv(T.ctx, b, 4), 1);
    assert_int_equal(b[0], 'z');
}

static void test_ws_entropy_failure(void **state)
{
    (void)state;
    fake_reset();
    in_str(ANSWER);
    F.entropy_fail = 1; /* the key */
    setup_ws(256);
    assert_int_equal(ws_connect("h", 1), MQTTS_ERR_WS_ENTROPY);
    assert_contains(mqtts_ws_error_detail(&W), "Sec-WebSocket-Key");
    assert_int_equal(F.out_len, 0);
    fake_reset();
    in_str(ANSWER);
    F.entropy_fail = 2; /* the first mask */
    connect_ok(256);
    uint8_t d[4] = {1, 2, 3, 4};
    assert_int_equal(T.send(T.ctx, d, 4), MQTTS_ERR_WS_ENTROPY);
    assert_contains(mqtts_ws_error_detail(&W), "mask");
    assert_int_equal(T.send(T.ctx, d, 4), MQTTS_ERR_WS_ENTROPY);
}

int main(void)
{
    F.in = malloc(BIG);
    F.out = malloc(BIG);
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ws_sha1_vectors),
        cmocka_unit_test(test_ws_base64_vectors),
        cmocka_unit_test(test_ws_accept_rfc_example),
        cmocka_unit_test(test_ws_request_exact),
        cmocka_unit_test(test_ws_request_host_header),
        cmocka_unit_test(test_ws_answer_any_chunking),
        cmocka_unit_test(test_ws_read_ahead_is_readable),
        cmocka_unit_test(test_ws_answer_http_status),
        cmocka_unit_test(test_ws_answer_bad_upgrade),
        cmocka_unit_test(test_ws_answer_checked_line_too_long),
        cmocka_unit_test(test_ws_answer_timeout),
        cmocka_unit_test(test_ws_request_too_big),
        cmocka_unit_test(test_ws_lower_connect_fails),
        cmocka_unit_test(test_ws_init_checks),
        cmocka_unit_test(test_ws_frames_every_length),
        cmocka_unit_test(test_ws_frames_fragmented_with_control),
        cmocka_unit_test(test_ws_ping_answers),
        cmocka_unit_test(test_ws_frames_malformed),
        cmocka_unit_test(test_ws_close_frame),
        cmocka_unit_test(test_ws_lower_errors_pass),
        cmocka_unit_test(test_ws_send_frames),
        cmocka_unit_test(test_ws_send_chopped_stream),
        cmocka_unit_test(test_ws_send_same_bytes_rule),
        cmocka_unit_test(test_ws_pong_waits_for_frame),
        cmocka_unit_test(test_ws_close_and_reconnect),
        cmocka_unit_test(test_ws_entropy_failure),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    free(F.in);
    free(F.out);
    return rc;
}
