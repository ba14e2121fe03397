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
#include "peer.h"
#include "proxy.h"

static broker B;

static int broker_up(void **state)
{
    (void)state;
    return broker_start_or_say(&B, NULL);
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
    peer_connect(&a, v, B.port);
    peer_connect(&b, v, B.port);
    subscribe(&b, "t/+/x", 2);
    for (uint8_t q = 0; q <= 2; q++)
        publish_ok(&a, "t/q/x", "payload", q, false);
    RUN_UNTIL(b.messages[0] + b.messages[1] + b.messages[2] >= 3, 3000, &a, &b);
    RUN_UNTIL(false, 200, &a, &b); /* a duplicate would show up now */
    assert_int_equal(b.messages[0], 1);
    assert_int_equal(b.messages[1], 1);
    assert_int_equal(b.messages[2], 1);
    assert_string_equal(b.last.topic, "t/q/x");
    assert_string_equal(b.last.payload, "payload");
    assert_int_equal(a.delivered, 2); /* QoS 1 and 2 acknowledged */
    assert_int_equal(mqtts_client_disconnect(&a.c, 1000), MQTTS_OK);
    assert_int_equal(mqtts_client_disconnect(&b.c, 1000), MQTTS_OK);
    assert_int_equal(a.disconnect_err, MQTTS_OK);
}

TEST_OF(test_client_pubsub_v311, pubsub_all_qos(MQTTS_V311))
TEST_OF(test_client_pubsub_v5, pubsub_all_qos(MQTTS_V5))

static void test_client_retained(void **state)
{
    (void)state;
    static peer a, b;
    peer_connect(&a, MQTTS_V5, B.port);
    publish_ok(&a, "ret/1", "kept", 1, true);
    peer_connect(&b, MQTTS_V311, B.port);
    subscribe(&b, "ret/#", 1);
    RUN_UNTIL(b.messages[1] >= 1, 3000, &b);
    assert_int_equal(b.messages[1], 1);
    assert_int_equal(b.retained, 1);
    assert_string_equal(b.last.payload, "kept");
    /* Clear it, so other runs start clean. */
    publish_ok(&a, "ret/1", "", 1, true);
    bye(&a);
    bye(&b);
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

TEST_OF(test_client_refused_v311, refused(MQTTS_V311, MQTTS_V311_CONNACK_NOT_AUTHORIZED))

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
    peer_connect(&w, MQTTS_V5, B.port);
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
    assert_string_equal(w.last.payload, "gone");
    bye(&w);
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
    peer_connect(&a, MQTTS_V311, B.port);
    for (int i = 0; i < 3; i++)
        publish_ok(&a, "p/x", "queued", 1, false);
    bye(&a);
    /* Back again: the broker kept the session and the three messages. */
    assert_int_equal(mqtts_client_connect_wait(&s.c, 3000), MQTTS_OK);
    assert_true(s.c.session.session_present);
    RUN_UNTIL(s.messages[1] >= 3, 3000, &s);
    assert_int_equal(s.messages[1], 3);
    bye(&s);
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
    assert_int_equal(p.disconnect_err, MQTTS_ERR_TIMEOUT);
    assert_true(took <= 3500); /* keepalive 1 s + ping timeout 1 s, with slack */
    /* And it comes back once the link works again. */
    proxy_blackhole(&px, false);
    RUN_UNTIL(mqtts_client_is_connected(&p.c), 5000, &p);
    assert_true(mqtts_client_is_connected(&p.c));
    bye(&p);
    proxy_stop(&px);
}

static void test_client_reconnect_backoff_and_resend(void **state)
{
    (void)state;
    proxy px;
    assert_int_equal(proxy_start(&px, B.port), 0);
    static peer p, w;
    peer_connect(&w, MQTTS_V5, B.port);
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
    assert_string_equal(w.last.payload, "while-down");
    assert_true(mqtts_client_is_connected(&p.c));
    assert_true(proxy_connections(&px) >= 2);
    bye(&p);
    bye(&w);
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
typedef struct rr_state {
    bool responder; /* answers every request */
    mqtts_err respond_err;
    int requests_seen;
    const char *topic; /* a requester counts the replies to (topic, corr) */
    mqtts_bin corr;
    int replies;
} rr_state;

static void rr_record(peer *p, const mqtts_publish *m)
{
    rr_state *rr = p->test;
    if (rr->responder) {
        rr->requests_seen++;
        mqtts_publish reply;
        memset(&reply, 0, sizeof reply);
        reply.qos = 1;
        reply.payload = mqtts_bytes("pong", 4);
        rr->respond_err = mqtts_client_respond(&p->c, m, &reply, NULL);
    }
    if (rr->topic && mqtts_is_reply(p->cfg.session.version, m, mqtts_cstr(rr->topic), rr->corr))
        rr->replies++;
}

static void request_response(mqtts_version v)
{
    static peer req, resp;
    static const uint8_t corr[] = {0xC0, 0x11, 0x3E};
    static rr_state req_rr, resp_rr;
    peer_connect(&resp, v, B.port);
    peer_connect(&req, v, B.port);
    memset(&req_rr, 0, sizeof req_rr);
    memset(&resp_rr, 0, sizeof resp_rr);
    req.on_message = resp.on_message = rr_record;
    req.test = &req_rr;
    resp.test = &resp_rr;
    resp_rr.responder = true;
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
    req_rr.topic = "rr/dev1/cmd";
    req_rr.corr = mqtts_bytes(corr, sizeof corr);

    mqtts_publish m = message("rr/dev1/cmd", "ping", 1, false);
    assert_int_equal(mqtts_client_request(&req.c, &m, rt, mqtts_bytes(corr, sizeof corr), NULL),
                     MQTTS_OK);
    RUN_UNTIL(req_rr.replies >= 1, 3000, &req, &resp);
    assert_int_equal(resp_rr.requests_seen, 1);
    assert_int_equal(resp_rr.respond_err, MQTTS_OK);
    assert_string_equal(resp.last.payload, "ping");
    assert_int_equal(req_rr.replies, 1);
    assert_string_equal(req.last.payload, "pong");
    assert_string_equal(req.last.topic, filter);

    /* A reply with another correlation is not ours. */
    static const uint8_t other[] = {0x01};
    req_rr.corr = mqtts_bytes(other, sizeof other);
    req_rr.replies = 0;
    assert_int_equal(mqtts_client_request(&req.c, &m, rt, mqtts_bytes(corr, sizeof corr), NULL),
                     MQTTS_OK);
    RUN_UNTIL(resp_rr.requests_seen >= 2 && req.messages[1] >= 2, 3000, &req, &resp);
    assert_int_equal(req.messages[1], 2);
    assert_int_equal(req_rr.replies, 0);

    /* A plain message (no response topic; 3.1.1: no correlation level). */
    resp_rr.requests_seen = 0;
    mqtts_publish plain = message(v == MQTTS_V5 ? "rr/dev1/cmd" : "rr/dev1/cmd/not-hex", "x", 1,
                                  false);
    assert_int_equal(mqtts_client_publish_wait(&req.c, &plain, 3000), MQTTS_OK);
    RUN_UNTIL(resp_rr.requests_seen >= 1, 3000, &req, &resp);
    assert_int_equal(resp_rr.requests_seen, 1);
    assert_int_equal(resp_rr.respond_err, MQTTS_ERR_NOT_A_REQUEST);
    bye(&req);
    bye(&resp);
}

TEST_OF(test_client_request_response_v5, request_response(MQTTS_V5))
TEST_OF(test_client_request_response_v311, request_response(MQTTS_V311))

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
    for (int i = 0; i < count; i++)
        publish_ok(&pub, topic, "21.5", 0, false);
    RUN_UNTIL(sub->messages[0] - before >= count, 3000, sub, &pub);
    if (sub->messages[0] - before != count)
        fail_msg("aliases %d: %d of %d messages arrived", aliases, sub->messages[0] - before,
                 count);
    assert_string_equal(sub->last.topic, topic);
    size_t sent = (size_t)(proxy_get_stats(&px).bytes_up - up0);
    bye(&pub);
    proxy_stop(&px);
    return sent;
}

static void test_client_topic_alias_out_v5(void **state)
{
    (void)state;
    static peer sub;
    peer_connect(&sub, MQTTS_V5, B.port);
    subscribe(&sub, "sensors/#", 0);
    size_t plain = alias_run(false, 20, &sub);
    size_t aliased = alias_run(true, 20, &sub);
    /* 19 of the 20 packets drop the 52-byte topic and add a 3-byte alias;
     * the first adds the alias to its topic. */
    assert_int_equal(plain - aliased, 19 * (52 - 3) - 3);
    bye(&sub);
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
    assert_int_equal(p.disconnect_err, MQTTS_ERR_NO_CONNACK);
    assert_non_null(strstr(mqtts_strerror(e), "TLS"));
    broker_stop(&tb);
    snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
    assert_int_equal(system(cmd), 0);
}

static void test_client_no_heap_10000_messages(void **state)
{
    (void)state;
    static peer a, b;
    peer_connect(&a, MQTTS_V5, B.port);
    peer_connect(&b, MQTTS_V5, B.port);
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
    bye(&a);
    bye(&b);
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
