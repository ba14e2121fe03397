/*
 * test_ws_scripted.c - the WebSocket transport over real TCP on 127.0.0.1
 * against a scripted server (ws_server.c): the bad input a broker never
 * sends, and the framing cases MQTT must survive, through mqtts_client.
 *
 *   - the upgrade refused: 404 (wrong path), 401 (with an Authorization
 *     header sent and never shown), a wrong accept key, no subprotocol,
 *     another subprotocol, no answer in time;
 *   - after the upgrade: a text frame (sent in the same write as the 101),
 *     a 64-bit length with its top bit set, a control frame over 125 bytes,
 *     a close frame with a code and a reason; the client answers each with
 *     the right close frame;
 *   - MQTT through mqtts_client: CONNACK and a PUBLISH in one frame, a
 *     PUBLISH in a fragmented message (binary + continuations) with a ping
 *     between the fragments (answered with a pong), a PUBLISH split over two
 *     messages, and QoS 1 acknowledged back through the WebSocket.
 * Every client frame the server reads is checked to be masked.
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "mqtts/client.h"
#include "mqtts/websocket.h"
#include "ws_server.h"

#define T_MS 5000

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

/* A WebSocket over TCP, its buffer and config. */
typedef struct wsconn {
    mqtts_tcp tcp;
    mqtts_transport lower, t;
    mqtts_ws ws;
    mqtts_ws_config cfg;
    uint8_t buf[1024];
} wsconn;

static wsconn C;
static ws_server S;

static void conn_init(wsconn *c, const mqtts_ws_header *headers, size_t count)
{
    memset(c, 0, sizeof *c);
    mqtts_tcp_init(&c->tcp, &c->lower);
    c->cfg.path = "/mqtt";
    c->cfg.buf = c->buf;
    c->cfg.buf_size = sizeof c->buf;
    c->cfg.headers = headers;
    c->cfg.header_count = count;
    assert_int_equal(mqtts_ws_init(&c->ws, &c->cfg, &c->lower, &c->t), MQTTS_OK);
}

static void server_ok(ws_server *s)
{
    ws_server_join(s);
    if (s->failures != 0)
        fail_msg("the scripted server: %s", s->error);
}

/* Starts the server with script, connects, expects want. */
static mqtts_err connect_to(ws_script script, void *arg, uint32_t timeout_ms)
{
    assert_int_equal(ws_server_start(&S, script, arg), 0);
    return C.t.connect(C.t.ctx, "127.0.0.1", S.port, timeout_ms);
}

/* ------------------------------------------------------------------------ */
/* The upgrade refused. */

static void script_status(ws_server *s, int fd)
{
    if (srv_read_request(s, fd) == 0)
        srv_send_str(s, fd, (const char *)s->arg);
    srv_wait_eof(s, fd);
}

static void test_ws_scripted_404(void **state)
{
    (void)state;
    conn_init(&C, NULL, 0);
    mqtts_err e = connect_to(script_status,
                             "HTTP/1.1 404 Not Found\r\nContent-Length: 9\r\n\r\nnot found", T_MS);
    assert_int_equal(e, MQTTS_ERR_WS_HTTP_STATUS);
    assert_int_equal(mqtts_ws_http_status(&C.ws), 404);
    assert_contains(mqtts_ws_error_detail(&C.ws), "\"HTTP/1.1 404 Not Found\"");
    assert_contains(mqtts_ws_error_detail(&C.ws), "\"/mqtt\"");
    server_ok(&S);
    assert_contains(S.request, "GET /mqtt HTTP/1.1\r\n");
    char host[64];
    snprintf(host, sizeof host, "\r\nHost: 127.0.0.1:%u\r\n", (unsigned)S.port);
    assert_contains(S.request, host);
    assert_contains(S.request, "\r\nSec-WebSocket-Version: 13\r\n");
    assert_contains(S.request, "\r\nSec-WebSocket-Protocol: mqtt\r\n");
    assert_int_equal(strlen(S.key), 24);
}

static void test_ws_scripted_401_keeps_secret(void **state)
{
    (void)state;
    static const mqtts_ws_header h[] = {{"Authorization", "Bearer s3cr3t-t0ken"}};
    conn_init(&C, h, 1);
    mqtts_err e = connect_to(script_status,
                             "HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: Bearer\r\n\r\n", T_MS);
    assert_int_equal(e, MQTTS_ERR_WS_HTTP_STATUS);
    assert_int_equal(mqtts_ws_http_status(&C.ws), 401);
    assert_contains(mqtts_ws_error_detail(&C.ws), "401 Unauthorized");
    assert_contains(mqtts_ws_error_detail(&C.ws), "Authorization");
    assert_lacks(mqtts_ws_error_detail(&C.ws), "s3cr3t");
    server_ok(&S);
    assert_contains(S.request, "\r\nAuthorization: Bearer s3cr3t-t0ken\r\n");
}

static void script_wrong_accept(ws_server *s, int fd)
{
    if (srv_read_request(s, fd) == 0)
        srv_send_str(s, fd, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                            "Connection: Upgrade\r\n"
                            "Sec-WebSocket-Accept: s3pPLMBiTxaQ9kYGzzhZRbK+xOo=\r\n"
                            "Sec-WebSocket-Protocol: mqtt\r\n\r\n");
    srv_wait_eof(s, fd);
}

static void test_ws_scripted_wrong_accept(void **state)
{
    (void)state;
    conn_init(&C, NULL, 0);
    /* The RFC's example value: right for another key, wrong for ours. */
    assert_int_equal(connect_to(script_wrong_accept, NULL, T_MS), MQTTS_ERR_WS_BAD_ACCEPT);
    assert_contains(mqtts_ws_error_detail(&C.ws), "not the one for our key");
    server_ok(&S);
}

static void script_protocol(ws_server *s, int fd)
{
    if (srv_read_request(s, fd) == 0)
        srv_answer(s, fd, (const char *)s->arg, NULL, NULL, 0);
    srv_wait_eof(s, fd);
}

static void test_ws_scripted_subprotocol(void **state)
{
    (void)state;
    conn_init(&C, NULL, 0);
    assert_int_equal(connect_to(script_protocol, NULL, T_MS), MQTTS_ERR_WS_SUBPROTOCOL);
    assert_contains(mqtts_ws_error_detail(&C.ws), "chose no subprotocol");
    server_ok(&S);
    conn_init(&C, NULL, 0);
    assert_int_equal(connect_to(script_protocol, "chat", T_MS), MQTTS_ERR_WS_SUBPROTOCOL);
    assert_contains(mqtts_ws_error_detail(&C.ws), "\"chat\", not \"mqtt\"");
    server_ok(&S);
    /* And the same server saying "mqtt" is fine. */
    conn_init(&C, NULL, 0);
    assert_int_equal(connect_to(script_protocol, "mqtt", T_MS), MQTTS_OK);
    C.t.close(C.t.ctx);
    server_ok(&S);
}

static void script_silent(ws_server *s, int fd)
{
    srv_read_request(s, fd);
    srv_wait_eof(s, fd);
}

static void test_ws_scripted_handshake_timeout(void **state)
{
    (void)state;
    conn_init(&C, NULL, 0);
    uint32_t t0 = mqtts_posix_now_ms();
    assert_int_equal(connect_to(script_silent, NULL, 300), MQTTS_ERR_WS_HANDSHAKE_TIMEOUT);
    uint32_t spent = mqtts_posix_now_ms() - t0;
    assert_true(spent >= 290 && spent < 2000);
    assert_contains(mqtts_ws_error_detail(&C.ws),
                    "no answer to the WebSocket upgrade within 300 ms");
    server_ok(&S); /* the client closed the connection */
}

/* ------------------------------------------------------------------------ */
/* Bad frames and the close frame. */

typedef struct frame_script {
    uint8_t bytes[16]; /* sent right behind the 101, in the same write */
    size_t len;
    uint16_t want_close; /* the code of the client's close frame */
} frame_script;

static void script_bad_frame(ws_server *s, int fd)
{
    const frame_script *f = s->arg;
    uint8_t b0, payload[128];
    size_t len;
    if (srv_read_request(s, fd) != 0 || srv_answer(s, fd, "mqtt", NULL, f->bytes, f->len) != 0)
        return;
    if (srv_read_frame(s, fd, &b0, payload, sizeof payload, &len, false) != 0)
        return;
    if (b0 != 0x88 || len < 2 || (payload[0] << 8 | payload[1]) != f->want_close)
        srv_fail(s, "expected a close frame with %u, got 0x%02x of %zu bytes (%u)",
                 f->want_close, b0, len, len >= 2 ? (unsigned)(payload[0] << 8 | payload[1]) : 0);
    srv_wait_eof(s, fd);
}

static mqtts_err recv_until_error(wsconn *c)
{
    uint8_t b[256];
    uint32_t t0 = mqtts_posix_now_ms();
    while (mqtts_posix_now_ms() - t0 < T_MS) {
        int w = c->t.wait(c->t.ctx, false, 100);
        if (w < 0)
            return (mqtts_err)w;
        int32_t n = c->t.recv(c->t.ctx, b, sizeof b);
        if (n < 0)
            return (mqtts_err)n;
    }
    return MQTTS_OK;
}

static void test_ws_scripted_bad_frames(void **state)
{
    (void)state;
    static const struct {
        frame_script f;
        mqtts_err err;
        const char *detail;
    } v[] = {
        {{{0x81, 0x05, 'h', 'e', 'l', 'l', 'o'}, 7, 1003}, MQTTS_ERR_WS_TEXT_FRAME, "text frame"},
        {{{0x82, 0x7F, 0x80, 0, 0, 0, 0, 0, 0, 1}, 10, 1002}, MQTTS_ERR_WS_BAD_FRAME,
         "top bit set"},
        {{{0x89, 0x7E, 0x00, 0xC8}, 4, 1002}, MQTTS_ERR_WS_BAD_FRAME, "longer than 125"},
        {{{0xA2, 0x00}, 2, 1002}, MQTTS_ERR_WS_BAD_FRAME, "reserved bits"},
        {{{0x82, 0x7E, 0x00, 0x05, 1, 2, 3, 4, 5}, 9, 1002}, MQTTS_ERR_WS_BAD_FRAME,
         "shortest form"},
    };
    for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
        conn_init(&C, NULL, 0);
        assert_int_equal(connect_to(script_bad_frame, (void *)&v[i].f, T_MS), MQTTS_OK);
        assert_int_equal(recv_until_error(&C), v[i].err);
        assert_contains(mqtts_ws_error_detail(&C.ws), v[i].detail);
        C.t.close(C.t.ctx);
        server_ok(&S);
    }
}

static void script_close(ws_server *s, int fd)
{
    uint8_t b0, payload[128];
    size_t len;
    if (srv_read_request(s, fd) != 0 || srv_answer(s, fd, "mqtt", NULL, NULL, 0) != 0)
        return;
    srv_frame(s, fd, 0x88, "\x0f\xa1server shutting down", 22); /* 4001 */
    if (srv_read_frame(s, fd, &b0, payload, sizeof payload, &len, false) != 0)
        return;
    if (b0 != 0x88 || len != 2 || (payload[0] << 8 | payload[1]) != 4001)
        srv_fail(s, "expected the close frame echoed with 4001, got 0x%02x of %zu bytes", b0, len);
    srv_wait_eof(s, fd);
}

static void test_ws_scripted_close_frame(void **state)
{
    (void)state;
    conn_init(&C, NULL, 0);
    assert_int_equal(connect_to(script_close, NULL, T_MS), MQTTS_OK);
    assert_int_equal(recv_until_error(&C), MQTTS_ERR_WS_CLOSED);
    assert_int_equal(mqtts_ws_close_code(&C.ws), 4001);
    assert_contains(mqtts_ws_error_detail(&C.ws), "code 4001");
    assert_contains(mqtts_ws_error_detail(&C.ws), "reason \"server shutting down\"");
    assert_string_equal(mqtts_strerror(MQTTS_ERR_WS_CLOSED), "WebSocket: closed by the server");
    C.t.close(C.t.ctx);
    server_ok(&S);
}

/* ------------------------------------------------------------------------ */
/* MQTT through mqtts_client over the scripted server. */

typedef struct mqtt_seen {
    /* what the server saw */
    int connect_packets;
    int pongs;
    char pong_data[16];
    int pubacks;
    uint16_t puback_id;
    int disconnects;
    int client_close_code;
} mqtt_seen;

/* The MQTT bytes the client sends, reassembled from its frames: answers
 * pings on the way. Reads frames until `until` bytes of MQTT are there or
 * a close frame comes. */
typedef struct stream {
    uint8_t bytes[4096];
    size_t len;
} stream;

static int pull(ws_server *s, int fd, stream *st, mqtt_seen *seen, size_t until)
{
    while (st->len < until) {
        uint8_t b0, payload[2048];
        size_t len;
        if (srv_read_frame(s, fd, &b0, payload, sizeof payload, &len, false) != 0)
            return -1;
        if (b0 == 0x82) {
            memcpy(st->bytes + st->len, payload, len);
            st->len += len;
        } else if (b0 == 0x8A) {
            seen->pongs++;
            memcpy(seen->pong_data, payload, len < 15 ? len : 15);
        } else if (b0 == 0x88) {
            seen->client_close_code = len >= 2 ? payload[0] << 8 | payload[1] : 1005;
            return 1;
        } else {
            srv_fail(s, "unexpected client frame 0x%02x", b0);
            return -1;
        }
    }
    return 0;
}

static void script_mqtt(ws_server *s, int fd)
{
    mqtt_seen *seen = s->arg;
    stream st;
    uint8_t out[512];
    size_t n = 0;
    memset(&st, 0, sizeof st);
    if (srv_read_request(s, fd) != 0 || srv_answer(s, fd, "mqtt", NULL, NULL, 0) != 0)
        return;
    /* CONNECT: 0x10, a one-byte remaining length here. */
    if (pull(s, fd, &st, seen, 2) != 0 || pull(s, fd, &st, seen, 2u + st.bytes[1]) != 0)
        return;
    if (st.bytes[0] != 0x10) {
        srv_fail(s, "expected CONNECT, got 0x%02x", st.bytes[0]);
        return;
    }
    seen->connect_packets++;
    st.len = 0;

    /* CONNACK and a QoS 0 PUBLISH "t/a" "one" in one frame. */
    static const uint8_t connack_pub[] = {0x20, 0x02, 0x00, 0x00, 0x30, 0x08, 0x00, 0x03,
                                          't',  '/',  'a',  'o',  'n',  'e'};
    n = srv_frame_bytes(out, 0x82, connack_pub, sizeof connack_pub);
    /* A QoS 0 PUBLISH "t/b" "two, fragmented" as one message in four frames,
     * a ping between the fragments. */
    static const uint8_t pub2[] = {0x30, 0x14, 0x00, 0x03, 't', '/', 'b', 't', 'w', 'o', ',',
                                   ' ',  'f',  'r',  'a',  'g', 'm', 'e', 'n', 't', 'e', 'd'};
    n += srv_frame_bytes(out + n, 0x02, pub2, 2);                /* binary, no FIN */
    n += srv_frame_bytes(out + n, 0x89, "mid", 3);              /* ping */
    n += srv_frame_bytes(out + n, 0x00, pub2 + 2, 9);           /* continuation */
    n += srv_frame_bytes(out + n, 0x80, pub2 + 11, sizeof pub2 - 11); /* the last */
    /* A QoS 1 PUBLISH "t/c" id 7 "three" split over two messages. */
    static const uint8_t pub3[] = {0x32, 0x0c, 0x00, 0x03, 't', '/', 'c',
                                   0x00, 0x07, 't',  'h',  'r', 'e', 'e'};
    n += srv_frame_bytes(out + n, 0x82, pub3, 6);
    if (srv_send(s, fd, out, n) != 0)
        return;
    n = srv_frame_bytes(out, 0x82, pub3 + 6, sizeof pub3 - 6);
    if (srv_send(s, fd, out, n) != 0)
        return;
    /* PUBACK 7 back, and a pong for "mid" on the way. */
    if (pull(s, fd, &st, seen, 4) != 0)
        return;
    if (st.bytes[0] == 0x40 && st.bytes[1] == 2) {
        seen->pubacks++;
        seen->puback_id = (uint16_t)(st.bytes[2] << 8 | st.bytes[3]);
    } else {
        srv_fail(s, "expected PUBACK, got 0x%02x 0x%02x", st.bytes[0], st.bytes[1]);
    }
    st.len -= 4; /* what came with it stays */
    memmove(st.bytes, st.bytes + 4, st.len);
    /* Then DISCONNECT and a close frame (1000) when the client is done. */
    int r = pull(s, fd, &st, seen, 2);
    if (r == 0 && st.bytes[0] == 0xE0)
        seen->disconnects++;
    if (r == 0)
        r = pull(s, fd, &st, seen, 1000);
    if (r != 1)
        srv_fail(s, "expected a close frame after DISCONNECT");
    srv_wait_eof(s, fd);
}

typedef struct cpeer {
    wsconn k;
    mqtts_client c;
    mqtts_client_config cfg;
    mqtts_broker_address addr;
    uint8_t rx[4096], tx[2048], store[8192], alias[4 * 64];
    mqtts_session_slot slots[8];
    uint16_t qos2[8];
    mqtts_session_sub subs[4];
    char sub_text[128];
    int messages;
    char got[3][32];
} cpeer;

static void on_event(void *user, const mqtts_event *ev)
{
    cpeer *p = user;
    if (ev->type == MQTTS_EV_MESSAGE && p->messages < 3) {
        const mqtts_publish *m = ev->message;
        snprintf(p->got[p->messages++], sizeof p->got[0], "%.*s=%.*s", (int)m->topic.len,
                 m->topic.ptr, (int)m->payload.len, (const char *)m->payload.ptr);
    }
}

static void test_ws_scripted_mqtt_through_client(void **state)
{
    (void)state;
    static cpeer p;
    static mqtt_seen seen;
    memset(&p, 0, sizeof p);
    memset(&seen, 0, sizeof seen);
    conn_init(&p.k, NULL, 0);
    assert_int_equal(ws_server_start(&S, script_mqtt, &seen), 0);
    p.addr.host = "127.0.0.1";
    p.addr.port = S.port;
    p.cfg.session.version = MQTTS_V311;
    p.cfg.session.clean_start = true;
    p.cfg.session.keep_alive_s = 30;
    p.cfg.session.client_id = mqtts_cstr("ws-scripted");
    p.cfg.session.on_event = on_event;
    p.cfg.session.user = &p;
    p.cfg.session.no_reconnect = true;
    p.cfg.brokers = &p.addr;
    p.cfg.broker_count = 1;
    p.cfg.connect_timeout_ms = T_MS;
    p.cfg.now_ms = mqtts_posix_now_ms;
    p.cfg.sleep_ms = mqtts_posix_sleep_ms;
    mqtts_session_memory mem;
    memset(&mem, 0, sizeof mem);
    mem.rx = p.rx;
    mem.rx_size = sizeof p.rx;
    mem.tx = p.tx;
    mem.tx_size = sizeof p.tx;
    mem.store = p.store;
    mem.store_size = sizeof p.store;
    mem.slots = p.slots;
    mem.slot_count = 8;
    mem.qos2_in = p.qos2;
    mem.qos2_in_count = 8;
    mem.alias_text = p.alias;
    mem.alias_count = 4;
    mem.alias_slot_size = 64;
    mem.subs = p.subs;
    mem.sub_count = 4;
    mem.sub_text = p.sub_text;
    mem.sub_text_size = sizeof p.sub_text;
    assert_int_equal(mqtts_client_init(&p.c, &p.cfg, &mem, &p.k.t), MQTTS_OK);
    mqtts_err e = mqtts_client_connect_wait(&p.c, T_MS);
    if (e != MQTTS_OK)
        fail_msg("connect: %s: %s", mqtts_strerror(e), mqtts_ws_error_detail(&p.k.ws));
    uint32_t t0 = mqtts_posix_now_ms();
    while (p.messages < 3 && mqtts_posix_now_ms() - t0 < T_MS)
        (void)mqtts_client_loop(&p.c, 50);
    (void)mqtts_client_loop(&p.c, 100); /* the PUBACK goes out */
    assert_int_equal(p.messages, 3);
    assert_string_equal(p.got[0], "t/a=one");
    assert_string_equal(p.got[1], "t/b=two, fragmented");
    assert_string_equal(p.got[2], "t/c=three");
    assert_int_equal(mqtts_client_disconnect(&p.c, 1000), MQTTS_OK);
    server_ok(&S);
    assert_int_equal(seen.connect_packets, 1);
    assert_int_equal(seen.pongs, 1);
    assert_string_equal(seen.pong_data, "mid");
    assert_int_equal(seen.pubacks, 1);
    assert_int_equal(seen.puback_id, 7);
    assert_int_equal(seen.disconnects, 1);
    assert_int_equal(seen.client_close_code, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ws_scripted_404),
        cmocka_unit_test(test_ws_scripted_401_keeps_secret),
        cmocka_unit_test(test_ws_scripted_wrong_accept),
        cmocka_unit_test(test_ws_scripted_subprotocol),
        cmocka_unit_test(test_ws_scripted_handshake_timeout),
        cmocka_unit_test(test_ws_scripted_bad_frames),
        cmocka_unit_test(test_ws_scripted_close_frame),
        cmocka_unit_test(test_ws_scripted_mqtt_through_client),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
