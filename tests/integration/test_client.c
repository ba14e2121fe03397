/*
 * The client API (engine + TCP transport) against a real mosquitto on
 * loopback, MQTT 3.1.1 and 5.0: connect, a refused login, QoS 0/1/2 both
 * ways, retained messages, the will, a persistent session, keepalive on a
 * black-holed link, reconnect with backoff, and no heap use per message.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "broker.h"
#include "mqtts/client.h"
#include "proxy.h"

/* ---- a client with its own memory and an event recorder ---- */

typedef struct peer {
    mqtts_client c;
    mqtts_client_config cfg;
    mqtts_broker_address addr;
    mqtts_tcp tcp;
    mqtts_transport t;
    uint8_t rx[4096], tx[2048], store[65536], alias[8 * 128], out_alias[8 * 128];
    uint16_t out_alias_count; /* 0: no outgoing topic aliases */
    mqtts_session_slot slots[64];
    uint16_t qos2[32];
    mqtts_session_sub subs[8];
    char sub_text[512];
    /* what the events said */
    int messages[3];      /* by QoS */
    int retained;
    int dup_seen;
    int delivered;
    int disconnected;
    int reconnecting;
    mqtts_err last_disconnect_err;
    /* request/response: a responder answers every request; a requester
     * counts the replies to (rr_topic, rr_corr) */
    bool responder;
    mqtts_err respond_err;
    int requests_seen;
    const char *rr_topic;
    mqtts_bin rr_corr;
    int replies;
    char last_topic[128];
    char last_payload[128];
} peer;

static void record(void *user, const mqtts_event *ev)
{
    peer *p = user;
    switch (ev->type) {
    case MQTTS_EV_MESSAGE: {
        const mqtts_publish *m = ev->message;
        p->messages[m->qos]++;
        p->retained += m->retain;
        size_t tl = m->topic.len < sizeof p->last_topic - 1 ? m->topic.len : sizeof p->last_topic - 1;
        size_t pl = m->payload.len < sizeof p->last_payload - 1 ? m->payload.len
                                                                : sizeof p->last_payload - 1;
        memcpy(p->last_topic, m->topic.ptr, tl);
        p->last_topic[tl] = 0;
        memcpy(p->last_payload, m->payload.ptr, pl);
        p->last_payload[pl] = 0;
        if (p->responder) {
            p->requests_seen++;
            mqtts_publish reply;
            memset(&reply, 0, sizeof reply);
            reply.qos = 1;
            reply.payload = mqtts_bytes("pong", 4);
            p->respond_err = mqtts_client_respond(&p->c, m, &reply, NULL);
        }
        if (p->rr_topic &&
            mqtts_is_reply(p->cfg.session.version, m, mqtts_cstr(p->rr_topic), p->rr_corr))
            p->replies++;
        break;
    }
    case MQTTS_EV_DELIVERED: p->delivered++; break;
    case MQTTS_EV_DISCONNECTED:
        p->disconnected++;
        p->last_disconnect_err = ev->err;
        break;
    case MQTTS_EV_RECONNECTING: p->reconnecting++; break;
    default: break;
    }
}

static void peer_init(peer *p, mqtts_version v, uint16_t port, const char *id, bool clean)
{
    memset(p, 0, sizeof *p);
    p->addr.host = "127.0.0.1";
    p->addr.port = port;
    p->cfg.session.version = v;
    p->cfg.session.client_id = mqtts_cstr(id);
    p->cfg.session.clean_start = clean;
    p->cfg.session.keep_alive_s = 30;
    p->cfg.session.reconnect_min_ms = 100;
    p->cfg.session.reconnect_max_ms = 400;
    p->cfg.session.on_event = record;
    p->cfg.session.user = p;
    static uint32_t peers_made;
    /* Distinct seeds: in 3.1.1 the seed makes the generated client id, and
     * two clients with one id take each other's session over. */
    p->cfg.session.seed = 0x1234u + port + 7919u * ++peers_made;
    p->cfg.brokers = &p->addr;
    p->cfg.broker_count = 1;
    p->cfg.connect_timeout_ms = 2000;
    p->cfg.now_ms = mqtts_posix_now_ms;
    p->cfg.sleep_ms = mqtts_posix_sleep_ms;
}

static void peer_start(peer *p)
{
    mqtts_session_memory mem = {
        .rx = p->rx, .rx_size = sizeof p->rx, .tx = p->tx, .tx_size = sizeof p->tx,
        .store = p->store, .store_size = sizeof p->store, .slots = p->slots, .slot_count = 64,
        .qos2_in = p->qos2, .qos2_in_count = 32,
        .alias_text = p->alias, .alias_count = 8, .alias_slot_size = 128,
        .subs = p->subs, .sub_count = 8, .sub_text = p->sub_text,
        .sub_text_size = sizeof p->sub_text,
        .out_alias_text = p->out_alias, .out_alias_count = p->out_alias_count,
        .out_alias_slot_size = 128};
    mqtts_tcp_init(&p->tcp, &p->t);
    assert_int_equal(mqtts_client_init(&p->c, &p->cfg, &mem, &p->t), MQTTS_OK);
}

static void connect_ok(peer *p)
{
    peer_start(p);
    mqtts_err e = mqtts_client_connect_wait(&p->c, 3000);
    if (e != MQTTS_OK)
        fail_msg("connect: %s (reason 0x%02x)", mqtts_strerror(e), mqtts_client_last_reason(&p->c));
}

/* Run both peers' loops until cond holds or ms pass. */
#define RUN_UNTIL(cond, ms, ...)                                              \
    do {                                                                      \
        uint32_t t0_ = mqtts_posix_now_ms();                                  \
        peer *ps_[] = {__VA_ARGS__};                                          \
        while (!(cond) && mqtts_posix_now_ms() - t0_ < (ms))                  \
            for (size_t i_ = 0; i_ < sizeof ps_ / sizeof ps_[0]; i_++)        \
                (void)mqtts_client_loop(&ps_[i_]->c, 10);                     \
    } while (0)

static void subscribe(peer *p, const char *filter, uint8_t qos)
{
    mqtts_subscription s;
    memset(&s, 0, sizeof s);
    s.filter = mqtts_cstr(filter);
    s.qos = qos;
    uint16_t id = 0;
    assert_int_equal(mqtts_client_subscribe(&p->c, &s, 1, &id), MQTTS_OK);
    assert_true(id != 0);
    for (int i = 0; i < 20; i++) /* let the SUBACK arrive */
        (void)mqtts_client_loop(&p->c, 10);
}

static mqtts_publish message(const char *topic, const char *payload, uint8_t qos, bool retain)
{
    mqtts_publish m;
    memset(&m, 0, sizeof m);
    m.topic = mqtts_cstr(topic);
    m.payload = mqtts_bytes(payload, strlen(payload));
    m.qos = qos;
    m.retain = retain;
    return m;
}

static broker B;

static int broker_up(void **state)
{
    (void)state;
    broker_options o;
    memset(&o, 0, sizeof o);
    if (broker_start(&B, &o) != 0) {
        fprintf(stderr, "broker: %s\n", B.error);
        return -1;
    }
    return 0;
}

static int broker_down(void **state)
{
    (void)state;
    return broker_stop(&B);
}

/* ---- tests ---- */

static void pubsub_all_qos(mqtts_version v)
{
    static peer a, b;
    peer_init(&a, v, B.port, "", true);
    peer_init(&b, v, B.port, "", true);
    connect_ok(&a);
    connect_ok(&b);
    subscribe(&b, "t/+/x", 2);
    for (uint8_t q = 0; q <= 2; q++) {
        mqtts_publish m = message("t/q/x", "payload", q, false);
        assert_int_equal(mqtts_client_publish_wait(&a.c, &m, 3000), MQTTS_OK);
    }
    RUN_UNTIL(b.messages[0] + b.messages[1] + b.messages[2] >= 3, 3000, &a, &b);
    RUN_UNTIL(false, 200, &a, &b); /* a duplicate would show up now */
    assert_int_equal(b.messages[0], 1);
    assert_int_equal(b.messages[1], 1);
    assert_int_equal(b.messages[2], 1);
    assert_string_equal(b.last_topic, "t/q/x");
    assert_string_equal(b.last_payload, "payload");
    assert_int_equal(a.delivered, 2); /* QoS 1 and 2 acknowledged */
    assert_int_equal(mqtts_client_disconnect(&a.c, 1000), MQTTS_OK);
    assert_int_equal(mqtts_client_disconnect(&b.c, 1000), MQTTS_OK);
    assert_int_equal(a.last_disconnect_err, MQTTS_OK);
}

static void test_client_pubsub_v311(void **state)
{
    (void)state;
    pubsub_all_qos(MQTTS_V311);
}

static void test_client_pubsub_v5(void **state)
{
    (void)state;
    pubsub_all_qos(MQTTS_V5);
}

static void test_client_retained(void **state)
{
    (void)state;
    static peer a, b;
    peer_init(&a, MQTTS_V5, B.port, "", true);
    connect_ok(&a);
    mqtts_publish m = message("ret/1", "kept", 1, true);
    assert_int_equal(mqtts_client_publish_wait(&a.c, &m, 3000), MQTTS_OK);
    peer_init(&b, MQTTS_V311, B.port, "", true);
    connect_ok(&b);
    subscribe(&b, "ret/#", 1);
    RUN_UNTIL(b.messages[1] >= 1, 3000, &b);
    assert_int_equal(b.messages[1], 1);
    assert_int_equal(b.retained, 1);
    assert_string_equal(b.last_payload, "kept");
    /* Clear it, so other runs start clean. */
    m = message("ret/1", "", 1, true);
    assert_int_equal(mqtts_client_publish_wait(&a.c, &m, 3000), MQTTS_OK);
    mqtts_client_disconnect(&a.c, 1000);
    mqtts_client_disconnect(&b.c, 1000);
}

static void refused(mqtts_version v, uint8_t expect)
{
    broker_user u = {"alice", "right"};
    broker_options o;
    memset(&o, 0, sizeof o);
    o.users = &u;
    o.user_count = 1;
    broker nb;
    if (broker_start(&nb, &o) != 0)
        fail_msg("broker: %s", nb.error);
    static peer p;
    peer_init(&p, v, nb.port, "refused", true);
    p.cfg.session.username = mqtts_cstr("alice");
    p.cfg.session.password = mqtts_bytes("wrong", 5);
    peer_start(&p);
    mqtts_err e = mqtts_client_connect_wait(&p.c, 3000);
    uint8_t reason = mqtts_client_last_reason(&p.c);
    mqtts_client_disconnect(&p.c, 100);
    broker_stop(&nb);
    assert_int_equal(e, MQTTS_ERR_REFUSED);
    assert_int_equal(reason, expect);
}

static void test_client_refused_v311(void **state)
{
    (void)state;
    refused(MQTTS_V311, MQTTS_V311_CONNACK_NOT_AUTHORIZED);
}

static void test_client_refused_v5(void **state)
{
    (void)state;
    /* mosquitto 2.0 answers a wrong password with "Not authorized" (0x87),
     * not "Bad User Name or Password" (0x86); both are refusals by name. */
    refused(MQTTS_V5, MQTTS_RC_NOT_AUTHORIZED);
}

static void test_client_will_on_abnormal_close(void **state)
{
    (void)state;
    static peer a, w;
    peer_init(&w, MQTTS_V5, B.port, "", true);
    connect_ok(&w);
    subscribe(&w, "will/a", 1);
    peer_init(&a, MQTTS_V311, B.port, "will-a", true);
    mqtts_will will;
    memset(&will, 0, sizeof will);
    will.topic = mqtts_cstr("will/a");
    will.payload = mqtts_bytes("gone", 4);
    will.qos = 1;
    a.cfg.session.will = &will;
    connect_ok(&a);
    a.t.close(a.t.ctx); /* the network drops: no DISCONNECT */
    RUN_UNTIL(w.messages[1] >= 1, 3000, &w);
    assert_int_equal(w.messages[1], 1);
    assert_string_equal(w.last_payload, "gone");
    mqtts_client_disconnect(&w.c, 1000);
}

static void test_client_persistent_session_queue(void **state)
{
    (void)state;
    static peer a, s;
    peer_init(&s, MQTTS_V5, B.port, "persist-1", false);
    s.cfg.session.session_expiry_s = 300;
    connect_ok(&s);
    subscribe(&s, "p/#", 1);
    assert_int_equal(mqtts_client_disconnect(&s.c, 1000), MQTTS_OK);
    peer_init(&a, MQTTS_V311, B.port, "", true);
    connect_ok(&a);
    for (int i = 0; i < 3; i++) {
        mqtts_publish m = message("p/x", "queued", 1, false);
        assert_int_equal(mqtts_client_publish_wait(&a.c, &m, 3000), MQTTS_OK);
    }
    mqtts_client_disconnect(&a.c, 1000);
    /* Back again: the broker kept the session and the three messages. */
    assert_int_equal(mqtts_client_connect_wait(&s.c, 3000), MQTTS_OK);
    assert_true(s.c.session.session_present);
    RUN_UNTIL(s.messages[1] >= 3, 3000, &s);
    assert_int_equal(s.messages[1], 3);
    mqtts_client_disconnect(&s.c, 1000);
}

static void test_client_keepalive_detects_blackhole(void **state)
{
    (void)state;
    proxy px;
    assert_int_equal(proxy_start(&px, B.port), 0);
    static peer p;
    peer_init(&p, MQTTS_V5, px.port, "", true);
    p.cfg.session.keep_alive_s = 1;
    p.cfg.session.ping_timeout_ms = 1000;
    connect_ok(&p);
    proxy_blackhole(&px, true);
    uint32_t t0 = mqtts_posix_now_ms();
    RUN_UNTIL(p.disconnected >= 1, 6000, &p);
    uint32_t took = mqtts_posix_now_ms() - t0;
    assert_int_equal(p.disconnected, 1);
    assert_int_equal(p.last_disconnect_err, MQTTS_ERR_TIMEOUT);
    assert_true(took <= 3500); /* keepalive 1 s + ping timeout 1 s, with slack */
    /* And it comes back once the link works again. */
    proxy_blackhole(&px, false);
    RUN_UNTIL(mqtts_client_is_connected(&p.c), 5000, &p);
    assert_true(mqtts_client_is_connected(&p.c));
    mqtts_client_disconnect(&p.c, 1000);
    proxy_stop(&px);
}

static void test_client_reconnect_backoff_and_resend(void **state)
{
    (void)state;
    proxy px;
    assert_int_equal(proxy_start(&px, B.port), 0);
    static peer p, w;
    peer_init(&w, MQTTS_V5, B.port, "", true);
    connect_ok(&w);
    subscribe(&w, "rc/#", 1);
    peer_init(&p, MQTTS_V5, px.port, "resender", false);
    p.cfg.session.session_expiry_s = 60;
    connect_ok(&p);
    /* The broker is "down": the connection is cut and new ones refused. */
    proxy_refuse(&px, true);
    proxy_cut(&px);
    RUN_UNTIL(p.reconnecting >= 3, 5000, &p);
    assert_true(p.reconnecting >= 3);
    /* Published while offline: kept, then sent after the reconnect. */
    mqtts_publish m = message("rc/1", "while-down", 1, false);
    assert_int_equal(mqtts_client_publish(&p.c, &m, NULL), MQTTS_OK);
    proxy_refuse(&px, false);
    RUN_UNTIL(w.messages[1] >= 1, 5000, &p, &w);
    assert_int_equal(w.messages[1], 1);
    assert_string_equal(w.last_payload, "while-down");
    assert_true(mqtts_client_is_connected(&p.c));
    assert_true(proxy_connections(&px) >= 2);
    mqtts_client_disconnect(&p.c, 1000);
    mqtts_client_disconnect(&w.c, 1000);
    proxy_stop(&px);
}

/* Waiting to reconnect costs no CPU: the loop sleeps, it does not spin. */
static void test_client_backoff_does_not_spin(void **state)
{
    (void)state;
    proxy px;
    assert_int_equal(proxy_start(&px, B.port), 0);
    proxy_refuse(&px, true); /* every attempt is accepted, then reset */
    static peer p;
    peer_init(&p, MQTTS_V5, px.port, "", true);
    p.cfg.session.reconnect_min_ms = 400;
    p.cfg.session.reconnect_max_ms = 400;
    peer_start(&p);
    (void)mqtts_client_connect(&p.c);
    struct rusage r0, r1;
    getrusage(RUSAGE_SELF, &r0);
    uint32_t t0 = mqtts_posix_now_ms();
    while (mqtts_posix_now_ms() - t0 < 1500)
        (void)mqtts_client_loop(&p.c, 100);
    getrusage(RUSAGE_SELF, &r1);
    long cpu_ms = (r1.ru_utime.tv_sec - r0.ru_utime.tv_sec) * 1000L +
                  (r1.ru_utime.tv_usec - r0.ru_utime.tv_usec) / 1000L +
                  (r1.ru_stime.tv_sec - r0.ru_stime.tv_sec) * 1000L +
                  (r1.ru_stime.tv_usec - r0.ru_stime.tv_usec) / 1000L;
    assert_true(p.reconnecting >= 2); /* it kept trying ... */
    assert_true(cpu_ms < 300);        /* ... while mostly asleep (a spin uses ~1500) */
    proxy_stop(&px);
}

/* ---- no heap per message ---- */

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t k);
void *__real_realloc(void *p, size_t n);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t k);
void *__wrap_realloc(void *p, size_t n);
static unsigned long allocations;
void *__wrap_malloc(size_t n)
{
    allocations++;
    return __real_malloc(n);
}
void *__wrap_calloc(size_t n, size_t k)
{
    allocations++;
    return __real_calloc(n, k);
}
void *__wrap_realloc(void *p, size_t n)
{
    allocations++;
    return __real_realloc(p, n);
}

/* Request/response between two clients through the broker: v5 with Response
 * Topic and Correlation Data, 3.1.1 with the topic convention. A message
 * that is not a request gets MQTTS_ERR_NOT_A_REQUEST from respond. */
static void request_response(mqtts_version v)
{
    static peer req, resp;
    static const uint8_t corr[] = {0xC0, 0x11, 0x3E};
    peer_init(&resp, v, B.port, "", true);
    peer_init(&req, v, B.port, "", true);
    connect_ok(&resp);
    connect_ok(&req);
    resp.responder = true;
    subscribe(&resp, v == MQTTS_V5 ? "rr/dev1/cmd" : "rr/dev1/cmd/+", 1);
    char reply_topic[128] = "rr/reply/requester";
    mqtts_str rt = mqtts_cstr(reply_topic);
    if (v == MQTTS_V311)
        assert_int_equal(mqtts_reply_topic(v, mqtts_cstr("rr/dev1/cmd"),
                                           mqtts_bytes(corr, sizeof corr), reply_topic,
                                           sizeof reply_topic, &rt),
                         MQTTS_OK);
    char filter[128];
    assert_true(rt.len < sizeof filter);
    memcpy(filter, rt.ptr, rt.len);
    filter[rt.len] = 0;
    if (v == MQTTS_V311)
        assert_string_equal(filter, "rr/dev1/cmd/c0113e/reply");
    subscribe(&req, filter, 1);
    req.rr_topic = "rr/dev1/cmd";
    req.rr_corr = mqtts_bytes(corr, sizeof corr);

    mqtts_publish m = message("rr/dev1/cmd", "ping", 1, false);
    assert_int_equal(mqtts_client_request(&req.c, &m, rt, mqtts_bytes(corr, sizeof corr), NULL),
                     MQTTS_OK);
    RUN_UNTIL(req.replies >= 1, 3000, &req, &resp);
    assert_int_equal(resp.requests_seen, 1);
    assert_int_equal(resp.respond_err, MQTTS_OK);
    assert_string_equal(resp.last_payload, "ping");
    assert_int_equal(req.replies, 1);
    assert_string_equal(req.last_payload, "pong");
    assert_string_equal(req.last_topic, filter);

    /* A reply with another correlation is not ours. */
    static const uint8_t other[] = {0x01};
    req.rr_corr = mqtts_bytes(other, sizeof other);
    req.replies = 0;
    assert_int_equal(mqtts_client_request(&req.c, &m, rt, mqtts_bytes(corr, sizeof corr), NULL),
                     MQTTS_OK);
    RUN_UNTIL(resp.requests_seen >= 2 && req.messages[1] >= 2, 3000, &req, &resp);
    assert_int_equal(req.messages[1], 2);
    assert_int_equal(req.replies, 0);

    /* A plain message (no response topic; 3.1.1: no correlation level). */
    resp.requests_seen = 0;
    mqtts_publish plain = message(v == MQTTS_V5 ? "rr/dev1/cmd" : "rr/dev1/cmd/not-hex", "x", 1,
                                  false);
    assert_int_equal(mqtts_client_publish_wait(&req.c, &plain, 3000), MQTTS_OK);
    RUN_UNTIL(resp.requests_seen >= 1, 3000, &req, &resp);
    assert_int_equal(resp.requests_seen, 1);
    assert_int_equal(resp.respond_err, MQTTS_ERR_NOT_A_REQUEST);
    mqtts_client_disconnect(&req.c, 1000);
    mqtts_client_disconnect(&resp.c, 1000);
}

static void test_client_request_response_v5(void **state)
{
    (void)state;
    request_response(MQTTS_V5);
}

static void test_client_request_response_v311(void **state)
{
    (void)state;
    request_response(MQTTS_V311);
}

/* Outgoing topic aliases against mosquitto (Topic Alias Maximum 10 by
 * default): the subscriber sees every message under its full topic, and the
 * publisher's bytes on the wire shrink by about the topic's length per
 * message once the alias is set up. */
static size_t alias_run(bool aliases, int count, peer *sub)
{
    static const char topic[] = "sensors/greenhouse-north/bench-3/temperature/celsius";
    proxy px;
    assert_int_equal(proxy_start(&px, B.port), 0);
    static peer pub;
    peer_init(&pub, MQTTS_V5, px.port, "", true);
    pub.out_alias_count = aliases ? 4 : 0;
    connect_ok(&pub);
    int before = sub->messages[0];
    uint64_t up0 = proxy_get_stats(&px).bytes_up;
    for (int i = 0; i < count; i++) {
        mqtts_publish m = message(topic, "21.5", 0, false);
        assert_int_equal(mqtts_client_publish_wait(&pub.c, &m, 3000), MQTTS_OK);
    }
    RUN_UNTIL(sub->messages[0] - before >= count, 3000, sub, &pub);
    if (sub->messages[0] - before != count)
        fail_msg("aliases %d: %d of %d messages arrived", aliases, sub->messages[0] - before,
                 count);
    assert_string_equal(sub->last_topic, topic);
    size_t sent = (size_t)(proxy_get_stats(&px).bytes_up - up0);
    mqtts_client_disconnect(&pub.c, 1000);
    proxy_stop(&px);
    return sent;
}

static void test_client_topic_alias_out_v5(void **state)
{
    (void)state;
    static peer sub;
    peer_init(&sub, MQTTS_V5, B.port, "", true);
    connect_ok(&sub);
    subscribe(&sub, "sensors/#", 0);
    size_t plain = alias_run(false, 20, &sub);
    size_t aliased = alias_run(true, 20, &sub);
    /* 19 of the 20 packets drop the 52-byte topic and add a 3-byte alias;
     * the first adds the alias to its topic. */
    assert_int_equal(plain - aliased, 19 * (52 - 3) - 3);
    mqtts_client_disconnect(&sub.c, 1000);
}

/* A plain MQTT client on a TLS port (mosquitto with a certificate made now
 * by openssl): the broker resets the connection without a byte, and the
 * client says that, with the likely cause, instead of "connection closed". */
static void test_client_plain_on_tls_port(void **state)
{
    (void)state;
    char dir[] = "/tmp/mqtts-tlsport-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes "
             "-keyout %s/key.pem -out %s/cert.pem -days 2 -subj /CN=localhost "
             ">/dev/null 2>&1",
             dir, dir);
    assert_int_equal(system(cmd), 0);
    char extra[512];
    snprintf(extra, sizeof extra,
             "listener @PORT1@ 127.0.0.1\ncertfile %s/cert.pem\nkeyfile %s/key.pem\n", dir, dir);
    broker tb;
    broker_options o;
    memset(&o, 0, sizeof o);
    o.extra_ports = 1;
    o.extra_config = extra;
    if (broker_start(&tb, &o) != 0)
        fail_msg("broker: %s", tb.error);
    static peer p;
    peer_init(&p, MQTTS_V311, tb.extra_port[0], "", true);
    p.cfg.session.no_reconnect = true;
    peer_start(&p);
    mqtts_err e = mqtts_client_connect_wait(&p.c, 3000);
    assert_int_equal(e, MQTTS_ERR_NO_CONNACK);
    assert_int_equal(p.last_disconnect_err, MQTTS_ERR_NO_CONNACK);
    assert_non_null(strstr(mqtts_strerror(e), "TLS"));
    broker_stop(&tb);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_client_no_heap_10000_messages(void **state)
{
    (void)state;
    static peer a, b;
    peer_init(&a, MQTTS_V5, B.port, "", true);
    peer_init(&b, MQTTS_V5, B.port, "", true);
    connect_ok(&a);
    connect_ok(&b);
    subscribe(&b, "heap/t", 1);
    unsigned long before = allocations;
    int sent = 0;
    uint32_t t0 = mqtts_posix_now_ms();
    while ((sent < 10000 || b.messages[1] < 10000) && mqtts_posix_now_ms() - t0 < 60000) {
        if (sent < 10000) {
            mqtts_publish m = message("heap/t", "0123456789", 1, false);
            if (mqtts_client_publish(&a.c, &m, NULL) == MQTTS_OK)
                sent++;
        }
        (void)mqtts_client_loop(&a.c, 0);
        (void)mqtts_client_loop(&b.c, 0);
    }
    unsigned long used = allocations - before;
    assert_int_equal(b.messages[1], 10000);
    assert_int_equal(used, 0);
    mqtts_client_disconnect(&a.c, 1000);
    mqtts_client_disconnect(&b.c, 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_client_pubsub_v311),
        cmocka_unit_test(test_client_pubsub_v5),
        cmocka_unit_test(test_client_retained),
        cmocka_unit_test(test_client_refused_v311),
        cmocka_unit_test(test_client_refused_v5),
        cmocka_unit_test(test_client_will_on_abnormal_close),
        cmocka_unit_test(test_client_persistent_session_queue),
        cmocka_unit_test(test_client_keepalive_detects_blackhole),
        cmocka_unit_test(test_client_reconnect_backoff_and_resend),
        cmocka_unit_test(test_client_backoff_does_not_spin),
        cmocka_unit_test(test_client_no_heap_10000_messages),
        cmocka_unit_test(test_client_request_response_v5),
        cmocka_unit_test(test_client_request_response_v311),
        cmocka_unit_test(test_client_topic_alias_out_v5),
        cmocka_unit_test(test_client_plain_on_tls_port),
    };
    return cmocka_run_group_tests(tests, broker_up, broker_down);
}
