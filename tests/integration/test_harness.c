/*
 * test_harness.c - proves the integration-test harness against the real
 * broker: mosquitto started, configured, restarted, killed and stopped by
 * support/broker.c; the link cut, black-holed, stalled and refused by
 * support/proxy.c; all observed with bare sockets and the codec
 * (support/rawmqtt.c), so that nothing of the client library is needed.
 */
#define _GNU_SOURCE

#include <errno.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker.h"
#include "mqtts/packet.h"
#include "proxy.h"
#include "rawmqtt.h"

#define T_MS 3000 /* how long anything that should happen may take */

/* Shared by the whole group: one broker with default options. */
static broker g_broker;
/* Per test, stopped by the teardown even when an assertion fails. */
static broker t_broker, t_broker2;
static proxy t_proxy;
static raw_client rc_a, rc_b, rc_w;

/* ------------------------------------------------------------------------ */
/* Fixtures. */

static int group_setup(void **state)
{
    (void)state;
    return broker_start_or_say(&g_broker, NULL);
}

static int group_teardown(void **state)
{
    (void)state;
    broker_stop(&g_broker);
    return 0;
}

static int setup(void **state)
{
    (void)state;
    memset(&t_broker, 0, sizeof t_broker);
    memset(&t_broker2, 0, sizeof t_broker2);
    memset(&t_proxy, 0, sizeof t_proxy);
    rc_a.fd = rc_b.fd = rc_w.fd = -1;
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    raw_close(&rc_a);
    raw_close(&rc_b);
    raw_close(&rc_w);
    proxy_stop(&t_proxy);
    broker_stop(&t_broker);
    broker_stop(&t_broker2);
    return 0;
}

static void start_broker(broker *b, const broker_options *o)
{
    if (broker_start(b, o) != 0)
        fail_msg("%s", b->error);
}

static void start_proxy(uint16_t upstream)
{
    if (proxy_start(&t_proxy, upstream) != 0)
        fail_msg("%s", t_proxy.error);
}

/* ------------------------------------------------------------------------ */
/* Helpers. */

static void open_ok(raw_client *rc, uint16_t port, mqtts_version v)
{
    if (raw_open(rc, port, v) != 0)
        fail_msg("connect to 127.0.0.1:%u: %s", (unsigned)port, strerror(errno));
}

static mqtts_connack connect_as(raw_client *rc, uint16_t port, mqtts_version v, const char *id,
                                const char *user, const char *password)
{
    open_ok(rc, port, v);
    mqtts_connack ack;
    raw_result r = raw_connect_simple(rc, id, user, password, &ack, T_MS);
    if (r != RAW_OK)
        fail_msg("no CONNACK for %s: raw_result %d, errno %d", id, r, errno);
    return ack;
}

static void connect_ok(raw_client *rc, uint16_t port, mqtts_version v, const char *id)
{
    mqtts_connack ack = connect_as(rc, port, v, id, NULL, NULL);
    assert_int_equal(ack.reason, 0);
}

/* CONNECT with a will on will/<id>, keepalive 60 s. */
static void connect_with_will(raw_client *rc, uint16_t port, const char *id)
{
    static char topic[64];
    snprintf(topic, sizeof topic, "will/%s", id);
    mqtts_will will;
    memset(&will, 0, sizeof will);
    will.topic = mqtts_cstr(topic);
    will.payload = mqtts_bytes("gone", 4);
    mqtts_connect c;
    memset(&c, 0, sizeof c);
    c.clean_start = true;
    c.keep_alive = 60;
    c.client_id = mqtts_cstr(id);
    c.will = &will;
    open_ok(rc, port, MQTTS_V5);
    mqtts_connack ack;
    assert_int_equal(raw_connect(rc, &c, &ack, T_MS), RAW_OK);
    assert_int_equal(ack.reason, 0);
}

static void subscribe_ok(raw_client *rc, const char *filter, uint8_t qos)
{
    uint8_t granted = 0xFF;
    assert_int_equal(raw_subscribe(rc, filter, qos, &granted, T_MS), RAW_OK);
    assert_int_equal(granted, qos);
}

static void expect_message(raw_client *rc, const char *topic, const char *payload)
{
    mqtts_publish p;
    raw_result r = raw_expect_publish(rc, &p, T_MS);
    if (r != RAW_OK)
        fail_msg("no PUBLISH on %s: raw_result %d, errno %d", topic, r, errno);
    assert_int_equal(p.topic.len, strlen(topic));
    assert_memory_equal(p.topic.ptr, topic, p.topic.len);
    assert_int_equal(p.payload.len, strlen(payload));
    assert_memory_equal(p.payload.ptr, payload, p.payload.len);
}

static void expect_silence(raw_client *rc, int ms)
{
    mqtts_packet pk;
    raw_result r = raw_recv(rc, &pk, ms);
    if (r != RAW_TIMEOUT)
        fail_msg("expected nothing for %d ms, got raw_result %d (packet type %d)", ms, r,
                 r == RAW_OK ? (int)pk.type : -1);
}

/* The peer closed or reset: recv gives 0 or ECONNRESET. */
static void expect_closed(raw_client *rc, int ms)
{
    mqtts_packet pk;
    errno = 0;
    raw_result r = raw_wait_close(rc, &pk, ms);
    if (r == RAW_ERROR && errno == ECONNRESET)
        return;
    if (r != RAW_CLOSED)
        fail_msg("expected the connection closed, got raw_result %d, errno %d", r, errno);
}

static void expect_pingresp(raw_client *rc)
{
    mqtts_packet pk;
    assert_int_equal(raw_recv(rc, &pk, T_MS), RAW_OK);
    assert_int_equal(pk.type, MQTTS_PINGRESP);
}

static void assert_no_process(pid_t pid)
{
    assert_true(pid > 0);
    errno = 0;
    assert_int_equal(kill(pid, 0), -1);
    assert_int_equal(errno, ESRCH);
}

/* ------------------------------------------------------------------------ */
/* The broker. */

static void test_broker_connect_v5(void **state)
{
    (void)state;
    connect_ok(&rc_a, g_broker.port, MQTTS_V5, "h-v5");
    assert_int_equal(raw_send_pingreq(&rc_a), RAW_OK);
    expect_pingresp(&rc_a);
    assert_int_equal(raw_send_disconnect(&rc_a), RAW_OK);
    expect_closed(&rc_a, T_MS);
}

static void test_broker_connect_v311(void **state)
{
    (void)state;
    connect_ok(&rc_a, g_broker.port, MQTTS_V311, "h-v311");
    assert_int_equal(raw_send_pingreq(&rc_a), RAW_OK);
    expect_pingresp(&rc_a);
}

/* What mosquitto 2.0.11 answers to wrong credentials, exactly: "Not
 * authorized" in both versions (v5 0x87, 3.1.1 return code 5), for a wrong
 * password, an unknown user and no credentials alike; never v5 0x86 or 3.1.1
 * code 4 ("Bad user name or password"). The CONNACK comes first, then the
 * broker closes the connection. */
static void test_broker_users(void **state)
{
    (void)state;
    static const broker_user users[] = {{"alice", "s3cret"}, {"bob", "hunter2"}};
    broker_options o = BROKER_OPTIONS_INIT;
    o.users = users;
    o.user_count = 2;
    start_broker(&t_broker, &o);

    mqtts_connack ack = connect_as(&rc_a, t_broker.port, MQTTS_V5, "u1", "alice", "s3cret");
    assert_int_equal(ack.reason, MQTTS_RC_SUCCESS);
    raw_close(&rc_a);
    ack = connect_as(&rc_a, t_broker.port, MQTTS_V311, "u2", "bob", "hunter2");
    assert_int_equal(ack.reason, MQTTS_V311_CONNACK_ACCEPTED);
    raw_close(&rc_a);

    /* Wrong password. */
    ack = connect_as(&rc_a, t_broker.port, MQTTS_V5, "u3", "alice", "wrong");
    assert_int_equal(ack.reason, MQTTS_RC_NOT_AUTHORIZED);
    assert_false(ack.session_present);
    expect_closed(&rc_a, T_MS);
    raw_close(&rc_a);
    ack = connect_as(&rc_a, t_broker.port, MQTTS_V311, "u4", "alice", "wrong");
    assert_int_equal(ack.reason, MQTTS_V311_CONNACK_NOT_AUTHORIZED);
    expect_closed(&rc_a, T_MS);
    raw_close(&rc_a);

    /* Unknown user. */
    ack = connect_as(&rc_a, t_broker.port, MQTTS_V5, "u5", "mallory", "s3cret");
    assert_int_equal(ack.reason, MQTTS_RC_NOT_AUTHORIZED);
    raw_close(&rc_a);
    ack = connect_as(&rc_a, t_broker.port, MQTTS_V311, "u6", "mallory", "s3cret");
    assert_int_equal(ack.reason, MQTTS_V311_CONNACK_NOT_AUTHORIZED);
    raw_close(&rc_a);

    /* No credentials at all, with allow_anonymous false. */
    ack = connect_as(&rc_a, t_broker.port, MQTTS_V5, "u7", NULL, NULL);
    assert_int_equal(ack.reason, MQTTS_RC_NOT_AUTHORIZED);
    raw_close(&rc_a);
    ack = connect_as(&rc_a, t_broker.port, MQTTS_V311, "u8", NULL, NULL);
    assert_int_equal(ack.reason, MQTTS_V311_CONNACK_NOT_AUTHORIZED);
}

static void test_broker_options_reach_config(void **state)
{
    (void)state;
    broker_options o = BROKER_OPTIONS_INIT;
    o.max_packet_size = 2048;
    o.max_keepalive = 30;
    o.max_topic_alias = 5;
    o.max_inflight_messages = 7;
    o.log_all = true;
    start_broker(&t_broker, &o);

    mqtts_connack ack = connect_as(&rc_a, t_broker.port, MQTTS_V5, "opts", NULL, NULL);
    assert_int_equal(ack.reason, 0);
    const mqtts_props *pr = &ack.props;
    assert_true(pr->present & MQTTS_PROP_BIT(MQTTS_PROP_MAXIMUM_PACKET_SIZE));
    assert_int_equal(pr->maximum_packet_size, 2048);
    assert_true(pr->present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS_MAXIMUM));
    assert_int_equal(pr->topic_alias_maximum, 5);
    assert_true(pr->present & MQTTS_PROP_BIT(MQTTS_PROP_SERVER_KEEP_ALIVE));
    assert_int_equal(pr->server_keep_alive, 30); /* we asked for 60 */
    assert_true(pr->present & MQTTS_PROP_BIT(MQTTS_PROP_RECEIVE_MAXIMUM));
    assert_int_equal(pr->receive_maximum, 7);

    /* log_type all: debug lines, such as the CONNACK sent, are logged. */
    char tail[4096];
    broker_log_tail(&t_broker, tail, sizeof tail);
    assert_non_null(strstr(tail, "Sending CONNACK to opts"));
}

static void test_broker_extra_ports(void **state)
{
    (void)state;
    broker_options o = BROKER_OPTIONS_INIT;
    o.extra_ports = 1;
    o.extra_config = "listener @PORT1@ 127.0.0.1\n";
    start_broker(&t_broker, &o);
    assert_int_not_equal(t_broker.extra_port[0], 0);
    assert_int_not_equal(t_broker.extra_port[0], t_broker.port);
    connect_ok(&rc_a, t_broker.extra_port[0], MQTTS_V5, "extra");
}

static void test_broker_bad_config_is_reported(void **state)
{
    (void)state;
    broker_options o = BROKER_OPTIONS_INIT;
    o.extra_config = "no_such_option 1\n";
    assert_int_equal(broker_start(&t_broker, &o), -1);
    assert_int_equal(t_broker.pid, 0);
    assert_string_equal(t_broker.dir, "");
    assert_non_null(strstr(t_broker.error, "mosquitto did not start"));
    assert_non_null(strstr(t_broker.error, "no_such_option")); /* from its stderr */
}

static void test_broker_two_at_once(void **state)
{
    (void)state;
    start_broker(&t_broker, NULL);
    start_broker(&t_broker2, NULL);
    assert_int_not_equal(t_broker.port, t_broker2.port);
    assert_int_not_equal(t_broker.port, g_broker.port);
    assert_string_not_equal(t_broker.dir, t_broker2.dir);
    connect_ok(&rc_a, t_broker.port, MQTTS_V5, "two-a");
    connect_ok(&rc_b, t_broker2.port, MQTTS_V5, "two-b");
}

/* A persistent session and a queued QoS 1 message survive a restart. */
static void test_broker_restart_keeps_persistence(void **state)
{
    (void)state;
    broker_options o = BROKER_OPTIONS_INIT;
    o.persistence = true;
    start_broker(&t_broker, &o);
    uint16_t port = t_broker.port;
    pid_t old_pid = t_broker.pid;

    open_ok(&rc_a, port, MQTTS_V311);
    mqtts_connect c;
    memset(&c, 0, sizeof c);
    c.clean_start = false;
    c.keep_alive = 60;
    c.client_id = mqtts_cstr("persist");
    mqtts_connack ack;
    assert_int_equal(raw_connect(&rc_a, &c, &ack, T_MS), RAW_OK);
    assert_int_equal(ack.reason, 0);
    subscribe_ok(&rc_a, "p/#", 1);
    assert_int_equal(raw_send_disconnect(&rc_a), RAW_OK);
    expect_closed(&rc_a, T_MS);
    raw_close(&rc_a);
    connect_ok(&rc_b, port, MQTTS_V311, "pub");
    assert_int_equal(raw_publish(&rc_b, "p/1", "kept", 4, 1, T_MS), RAW_OK);

    assert_int_equal(broker_restart(&t_broker), 0);
    assert_int_equal(t_broker.port, port);
    assert_int_not_equal(t_broker.pid, old_pid);
    assert_no_process(old_pid);
    expect_closed(&rc_b, T_MS); /* the old broker's connection is gone */

    open_ok(&rc_a, port, MQTTS_V311);
    assert_int_equal(raw_connect(&rc_a, &c, &ack, T_MS), RAW_OK);
    assert_int_equal(ack.reason, 0);
    assert_true(ack.session_present);
    expect_message(&rc_a, "p/1", "kept");
}

static void test_broker_restart_without_persistence(void **state)
{
    (void)state;
    start_broker(&t_broker, NULL);
    uint16_t port = t_broker.port;
    open_ok(&rc_a, port, MQTTS_V311);
    mqtts_connect c;
    memset(&c, 0, sizeof c);
    c.clean_start = false;
    c.keep_alive = 60;
    c.client_id = mqtts_cstr("volatile");
    mqtts_connack ack;
    assert_int_equal(raw_connect(&rc_a, &c, &ack, T_MS), RAW_OK);
    subscribe_ok(&rc_a, "v/#", 1);
    raw_close(&rc_a);

    assert_int_equal(broker_restart(&t_broker), 0);
    assert_int_equal(t_broker.port, port);
    open_ok(&rc_a, port, MQTTS_V311);
    assert_int_equal(raw_connect(&rc_a, &c, &ack, T_MS), RAW_OK);
    assert_int_equal(ack.reason, 0);
    assert_false(ack.session_present);
}

static void test_broker_kill_then_restart(void **state)
{
    (void)state;
    start_broker(&t_broker, NULL);
    connect_ok(&rc_a, t_broker.port, MQTTS_V5, "crash");
    pid_t pid = t_broker.pid;
    assert_int_equal(broker_kill(&t_broker), 0);
    assert_no_process(pid);
    assert_false(broker_running(&t_broker));
    expect_closed(&rc_a, T_MS);
    raw_close(&rc_a);
    assert_int_equal(broker_restart(&t_broker), 0);
    assert_true(broker_running(&t_broker));
    connect_ok(&rc_a, t_broker.port, MQTTS_V5, "after-crash");
}

static void test_broker_stop_leaves_nothing(void **state)
{
    (void)state;
    start_broker(&t_broker, NULL);
    pid_t pid = t_broker.pid;
    char dir[BROKER_PATH_MAX];
    snprintf(dir, sizeof dir, "%s", t_broker.dir);
    assert_int_equal(access(dir, F_OK), 0);
    assert_int_equal(broker_stop(&t_broker), 0);
    assert_no_process(pid);
    assert_int_equal(access(dir, F_OK), -1);
    assert_int_equal(errno, ENOENT);
    assert_int_equal(broker_stop(&t_broker), 0); /* twice is fine */
}

/* ------------------------------------------------------------------------ */
/* The proxy. */

static void test_proxy_pubsub(void **state)
{
    (void)state;
    start_proxy(g_broker.port);
    assert_int_not_equal(t_proxy.port, 0);
    assert_int_not_equal(t_proxy.port, g_broker.port);
    connect_ok(&rc_a, t_proxy.port, MQTTS_V5, "px-sub");
    subscribe_ok(&rc_a, "px/#", 1);
    connect_ok(&rc_b, t_proxy.port, MQTTS_V311, "px-pub");
    assert_int_equal(raw_publish(&rc_b, "px/q0", "zero", 4, 0, T_MS), RAW_OK);
    assert_int_equal(raw_publish(&rc_b, "px/q1", "one", 3, 1, T_MS), RAW_OK);
    assert_int_equal(raw_publish(&rc_b, "px/q2", "two", 3, 2, T_MS), RAW_OK);
    expect_message(&rc_a, "px/q0", "zero");
    expect_message(&rc_a, "px/q1", "one");
    expect_message(&rc_a, "px/q2", "two");

    proxy_stats s = proxy_get_stats(&t_proxy);
    assert_int_equal(s.accepted, 2);
    assert_int_equal(proxy_connections(&t_proxy), 2);
    assert_int_equal(s.open, 2);
    assert_int_equal(s.refused, 0);
    assert_true(s.bytes_up > 50);
    assert_true(s.bytes_down > 20);
    assert_int_equal(s.dropped_up + s.dropped_down, 0);

    /* An orderly close passes through: DISCONNECT, then the broker's FIN. */
    assert_int_equal(raw_send_disconnect(&rc_b), RAW_OK);
    expect_closed(&rc_b, T_MS);
}

/* A cut resets both sides: the client's recv fails, and the broker sees
 * the connection lost (it publishes the will). */
static void test_proxy_cut(void **state)
{
    (void)state;
    start_proxy(g_broker.port);
    connect_ok(&rc_w, g_broker.port, MQTTS_V5, "cut-witness");
    subscribe_ok(&rc_w, "will/#", 0);
    connect_with_will(&rc_a, t_proxy.port, "cut-a");

    proxy_cut(&t_proxy);
    assert_int_equal(proxy_get_stats(&t_proxy).open, 0);
    expect_closed(&rc_a, T_MS);
    expect_message(&rc_w, "will/cut-a", "gone");

    /* Still listening. */
    raw_close(&rc_a);
    connect_ok(&rc_a, t_proxy.port, MQTTS_V5, "cut-again");
    assert_int_equal(proxy_connections(&t_proxy), 2);
}

/* A black hole: writes succeed, nothing comes back, closes are not passed
 * on; on recovery what lost a side is reset. */
static void test_proxy_blackhole(void **state)
{
    (void)state;
    start_proxy(g_broker.port);
    connect_ok(&rc_w, g_broker.port, MQTTS_V5, "bh-witness");
    subscribe_ok(&rc_w, "will/#", 0);
    connect_with_will(&rc_a, t_proxy.port, "bh-a");
    proxy_stats before = proxy_get_stats(&t_proxy);

    proxy_blackhole(&t_proxy, true);
    assert_int_equal(raw_send_pingreq(&rc_a), RAW_OK);
    expect_silence(&rc_a, 1000); /* no PINGRESP */
    proxy_stats s = proxy_get_stats(&t_proxy);
    assert_int_equal(s.bytes_up, before.bytes_up);
    assert_int_equal(s.bytes_down, before.bytes_down);
    assert_int_equal(s.dropped_up, 2); /* the PINGREQ */

    /* A new connection is accepted, and its CONNECT goes nowhere. */
    open_ok(&rc_b, t_proxy.port, MQTTS_V5);
    mqtts_connack ack;
    assert_int_equal(raw_connect_simple(&rc_b, "bh-b", NULL, NULL, &ack, 300), RAW_TIMEOUT);

    /* The client gives up; the broker does not learn it (no will yet). */
    raw_close(&rc_a);
    expect_silence(&rc_w, 300);

    /* Recovery: both connections lost a side or never had one: reset. */
    proxy_blackhole(&t_proxy, false);
    expect_message(&rc_w, "will/bh-a", "gone");
    expect_closed(&rc_b, T_MS);
    assert_int_equal(proxy_get_stats(&t_proxy).open, 0);
}

/* A stall: nothing moves, then everything is delivered. */
static void test_proxy_stall(void **state)
{
    (void)state;
    start_proxy(g_broker.port);
    connect_ok(&rc_a, t_proxy.port, MQTTS_V5, "st-a");
    proxy_stall(&t_proxy, true);
    assert_int_equal(raw_send_pingreq(&rc_a), RAW_OK);
    expect_silence(&rc_a, 300);
    open_ok(&rc_b, t_proxy.port, MQTTS_V5); /* waits in the backlog */
    assert_int_equal(raw_send_connect(&rc_b, &(mqtts_connect){.clean_start = true,
                                                             .client_id = {"st-b", 4}}),
                     RAW_OK);
    expect_silence(&rc_b, 100);
    assert_int_equal(proxy_connections(&t_proxy), 1);

    proxy_stall(&t_proxy, false);
    expect_pingresp(&rc_a);
    mqtts_packet pk;
    assert_int_equal(raw_recv(&rc_b, &pk, T_MS), RAW_OK);
    assert_int_equal(pk.type, MQTTS_CONNACK);
    assert_int_equal(pk.u.connack.reason, 0);
    assert_int_equal(proxy_connections(&t_proxy), 2);
}

static void test_proxy_refuse(void **state)
{
    (void)state;
    start_proxy(g_broker.port);
    connect_ok(&rc_a, t_proxy.port, MQTTS_V5, "rf-a");
    proxy_refuse(&t_proxy, true);
    open_ok(&rc_b, t_proxy.port, MQTTS_V5);
    expect_closed(&rc_b, T_MS);
    raw_close(&rc_b);
    /* Current connections are untouched. */
    assert_int_equal(raw_send_pingreq(&rc_a), RAW_OK);
    expect_pingresp(&rc_a);
    proxy_stats s = proxy_get_stats(&t_proxy);
    assert_int_equal(s.accepted, 2);
    assert_int_equal(s.refused, 1);

    proxy_refuse(&t_proxy, false);
    connect_ok(&rc_b, t_proxy.port, MQTTS_V5, "rf-b");
}

/* The upstream is down: the client's connection is reset. */
static void test_proxy_upstream_down(void **state)
{
    (void)state;
    start_broker(&t_broker, NULL);
    start_proxy(t_broker.port);
    connect_ok(&rc_a, t_proxy.port, MQTTS_V5, "up-a");
    assert_int_equal(broker_stop(&t_broker), 0);
    expect_closed(&rc_a, T_MS); /* the broker's close, passed on */
    open_ok(&rc_b, t_proxy.port, MQTTS_V5);
    expect_closed(&rc_b, T_MS);
    assert_int_equal(proxy_get_stats(&t_proxy).refused, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_broker_connect_v5, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_connect_v311, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_users, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_options_reach_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_extra_ports, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_bad_config_is_reported, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_two_at_once, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_restart_keeps_persistence, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_restart_without_persistence, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_broker_kill_then_restart, setup, teardown),
        cmocka_unit_test_setup_teardown(test_broker_stop_leaves_nothing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_pubsub, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_cut, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_blackhole, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_stall, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_refuse, setup, teardown),
        cmocka_unit_test_setup_teardown(test_proxy_upstream_down, setup, teardown),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
