/*
 * test_rpc - the built `mqtts rpc` against Debian's mosquitto on loopback,
 * with a responder in this process: an mqtts client answering with
 * mqtts_client_respond() (docs/request-response.md) while the tool runs as
 * a child (run.c).
 *
 *   v5         Response Topic + Correlation Data: the reply printed, exit 0;
 *              the request carried the correlation given and the default
 *              response topic; -e, --json, -v
 *   v311       the topic convention: the request on TOPIC/CORR, the reply
 *              from TOPIC/CORR/reply printed, exit 0
 *   decoy      a reply with another correlation is skipped, the right one
 *              printed
 *   timeout    nobody answers: exit 4 after -W, nothing on stdout
 *   refused    bad password (CONNACK), the request denied by the broker's
 *              ACL (PUBACK): exit 3
 *   usage      bad rpc options: exit 2 with the reason
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker.h"
#include "mqtts/client.h"
#include "run.h"
#include "toolkit.h"

static const char *const T = MQTTS_TOOL_PATH;

#define ALICE_PW "Al1ce-rpc-PW"

static broker g_b;    /* anonymous */
static broker g_auth; /* password file and ACL */
static char g_port[8], g_auth_port[8];
static char g_acl[64];

/* ---------------------------------------------------------------------- */
/* The responder. */

typedef enum { ANSWER, DECOY_FIRST, SILENT } responder_mode;

typedef struct responder {
    mqtts_client c;
    mqtts_client_config cfg;
    mqtts_broker_address addr;
    mqtts_tcp tcp;
    mqtts_transport t;
    uint8_t rx[4096], tx[4096], store[16384];
    mqtts_session_slot slots[16];
    uint16_t qos2[8];
    mqtts_session_sub subs[4];
    char sub_text[128];
    responder_mode mode;
    int requests;
    mqtts_err respond_err;
    /* The last request, as received. */
    char topic[256];
    char response_topic[256];
    uint8_t corr[64];
    size_t corr_len;
} responder;

static void copy_str(char *dst, size_t cap, mqtts_str s)
{
    size_t n = s.len < cap - 1 ? s.len : cap - 1;
    memcpy(dst, s.ptr, n);
    dst[n] = '\0';
}

/* Publish on the response topic with a correlation that is not the
 * request's (the first byte flipped). */
static void send_decoy(responder *r, const mqtts_publish *req)
{
    uint8_t other[64];
    size_t n = req->props.correlation_data.len;
    memcpy(other, req->props.correlation_data.ptr, n);
    other[0] ^= 0xFF;
    mqtts_publish d;
    memset(&d, 0, sizeof d);
    d.qos = 1;
    d.topic = req->props.response_topic;
    d.payload = mqtts_bytes("decoy", 5);
    d.props.present = MQTTS_PROP_BIT(MQTTS_PROP_CORRELATION_DATA);
    d.props.correlation_data = mqtts_bytes(other, n);
    mqtts_err e = mqtts_client_publish(&r->c, &d, NULL);
    if (e != MQTTS_OK)
        r->respond_err = e;
}

/* Answer every request with "pong:" and its payload. */
static void on_event(void *user, const mqtts_event *ev)
{
    responder *r = user;
    if (ev->type != MQTTS_EV_MESSAGE)
        return;
    const mqtts_publish *m = ev->message;
    r->requests++;
    copy_str(r->topic, sizeof r->topic, m->topic);
    if (m->props.present & MQTTS_PROP_BIT(MQTTS_PROP_RESPONSE_TOPIC))
        copy_str(r->response_topic, sizeof r->response_topic, m->props.response_topic);
    if (m->props.present & MQTTS_PROP_BIT(MQTTS_PROP_CORRELATION_DATA)) {
        r->corr_len = m->props.correlation_data.len;
        memcpy(r->corr, m->props.correlation_data.ptr, r->corr_len);
    }
    if (r->mode == SILENT)
        return;
    if (r->mode == DECOY_FIRST)
        send_decoy(r, m);
    char payload[128] = "pong:";
    size_t n = m->payload.len < sizeof payload - 6 ? m->payload.len : sizeof payload - 6;
    memcpy(payload + 5, m->payload.ptr, n);
    mqtts_publish reply;
    memset(&reply, 0, sizeof reply);
    reply.qos = 1;
    reply.payload = mqtts_bytes(payload, 5 + n);
    mqtts_err e = mqtts_client_respond(&r->c, m, &reply, NULL);
    if (e != MQTTS_OK)
        r->respond_err = e;
}

static void responder_start(responder *r, mqtts_version v, const char *filter,
                            responder_mode mode)
{
    memset(r, 0, sizeof *r);
    r->mode = mode;
    r->addr.host = "127.0.0.1";
    r->addr.port = g_b.port;
    r->cfg.session.version = v;
    r->cfg.session.clean_start = true;
    r->cfg.session.keep_alive_s = 30;
    r->cfg.session.seed = 0x39c0000u + (uint32_t)v;
    r->cfg.session.on_event = on_event;
    r->cfg.session.user = r;
    r->cfg.brokers = &r->addr;
    r->cfg.broker_count = 1;
    r->cfg.now_ms = mqtts_posix_now_ms;
    r->cfg.sleep_ms = mqtts_posix_sleep_ms;
    mqtts_session_memory mem = {
        .rx = r->rx, .rx_size = sizeof r->rx, .tx = r->tx, .tx_size = sizeof r->tx,
        .store = r->store, .store_size = sizeof r->store, .slots = r->slots, .slot_count = 16,
        .qos2_in = r->qos2, .qos2_in_count = 8, .subs = r->subs, .sub_count = 4,
        .sub_text = r->sub_text, .sub_text_size = sizeof r->sub_text};
    mqtts_tcp_init(&r->tcp, &r->t);
    assert_int_equal(mqtts_client_init(&r->c, &r->cfg, &mem, &r->t), MQTTS_OK);
    assert_int_equal(mqtts_client_connect_wait(&r->c, 3000), MQTTS_OK);
    mqtts_subscription s;
    memset(&s, 0, sizeof s);
    s.filter = mqtts_cstr(filter);
    s.qos = 1;
    uint16_t id = 0;
    assert_int_equal(mqtts_client_subscribe(&r->c, &s, 1, &id), MQTTS_OK);
    /* Until the SUBACK: nothing pending in the session any more. */
    uint32_t t0 = mqtts_posix_now_ms();
    while (mqtts_session_pending(&r->c.session) > 0 && mqtts_posix_now_ms() - t0 < 3000)
        (void)mqtts_client_loop(&r->c, 10);
    for (int i = 0; i < 10; i++)
        (void)mqtts_client_loop(&r->c, 5);
}

static void responder_stop(responder *r)
{
    assert_int_equal(r->respond_err, MQTTS_OK);
    (void)mqtts_client_disconnect(&r->c, 1000);
}

/* ---------------------------------------------------------------------- */
/* Running the tool. */

/* Runs the tool to its end while r (or NULL) answers; its exit status. */
static int rpc_with(responder *r, proc *p, const char *const *argv)
{
    if (proc_start(p, argv, NULL, false) != 0)
        fail_msg("cannot run %s", T);
    uint32_t t0 = mqtts_posix_now_ms();
    while ((p->fd[0] >= 0 || p->fd[1] >= 0) && mqtts_posix_now_ms() - t0 < 20000) {
        if (r)
            (void)mqtts_client_loop(&r->c, 5);
        (void)proc_wait_for(p, PROC_OUT, "\001never\001", 1, 5);
    }
    return proc_wait(p, 2000);
}

/* ---------------------------------------------------------------------- */
/* Tests. */

static void test_rpc_v5_reply(void **state)
{
    (void)state;
    static responder r;
    proc p;
    responder_start(&r, MQTTS_V5, "rpc5/cmd", ANSWER);

    /* The default: MQTT 5, reply on TOPIC/CORR/reply, payload printed. */
    EXPECT_RC(&p, rpc_with(&r, &p, ARGV(T, "rpc", "-p", g_port, "-t", "rpc5/cmd", "-m", "ping",
                                        "--correlation", "C0113E", "-q", "1", "-W", "10")),
              0);
    EXPECT_OUT(&p, "pong:ping\n");
    proc_free(&p);
    assert_int_equal(r.requests, 1);
    assert_string_equal(r.topic, "rpc5/cmd");
    assert_string_equal(r.response_topic, "rpc5/cmd/c0113e/reply");
    assert_int_equal(r.corr_len, 3);
    assert_memory_equal(r.corr, "\xc0\x11\x3e", 3);

    /* -e and -v: the reply comes on the topic we named. A random
     * correlation of 8 bytes when none is given. */
    EXPECT_RC(&p, rpc_with(&r, &p, ARGV(T, "rpc", "-p", g_port, "-t", "rpc5/cmd", "-m", "two",
                                        "-e", "rpc5/replies/me", "-v")),
              0);
    EXPECT_OUT(&p, "rpc5/replies/me pong:two\n");
    proc_free(&p);
    assert_int_equal(r.requests, 2);
    assert_string_equal(r.response_topic, "rpc5/replies/me");
    assert_int_equal(r.corr_len, 8);

    /* --json, like sub's: the correlation data is in the reply's
     * properties; -f sends a file's contents. */
    char file[] = "/tmp/mqtts-rpc-XXXXXX";
    int fd = mkstemp(file);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, "from-file", 9), 9);
    close(fd);
    EXPECT_RC(&p, rpc_with(&r, &p, ARGV(T, "rpc", "-p", g_port, "-t", "rpc5/cmd", "-f", file,
                                        "--json", "--correlation", "abcd")),
              0);
    unlink(file);
    EXPECT_HAS(&p, PROC_OUT, "\"topic\":\"rpc5/cmd/abcd/reply\"");
    EXPECT_HAS(&p, PROC_OUT, "\"payload\":\"pong:from-file\"");
    EXPECT_HAS(&p, PROC_OUT, "correlation");
    assert_int_equal(count_of(p.buf[0], "\n"), 1);
    proc_free(&p);
    responder_stop(&r);
}

static void test_rpc_v311_reply(void **state)
{
    (void)state;
    static responder r;
    proc p;
    responder_start(&r, MQTTS_V311, "rpc311/cmd/+", ANSWER);
    EXPECT_RC(&p, rpc_with(&r, &p, ARGV(T, "rpc", "-V", "311", "-p", g_port, "-t", "rpc311/cmd",
                                        "-m", "ping", "--correlation", "c0113e", "-v", "-q", "2")),
              0);
    EXPECT_OUT(&p, "rpc311/cmd/c0113e/reply pong:ping\n");
    proc_free(&p);
    assert_int_equal(r.requests, 1);
    assert_string_equal(r.topic, "rpc311/cmd/c0113e"); /* the convention's request topic */
    assert_int_equal(r.corr_len, 0);                  /* no properties in 3.1.1 */

    /* A random correlation: 16 hex digits in the request topic. */
    EXPECT_RC(&p, rpc_with(&r, &p, ARGV(T, "rpc", "-V", "mqttv311", "-p", g_port, "-t",
                                        "rpc311/cmd", "-n")),
              0);
    EXPECT_OUT(&p, "pong:\n");
    proc_free(&p);
    assert_int_equal(r.requests, 2);
    assert_int_equal(strlen(r.topic), strlen("rpc311/cmd/") + 16);
    responder_stop(&r);
}

static void test_rpc_other_correlation_ignored(void **state)
{
    (void)state;
    static responder r;
    proc p;
    responder_start(&r, MQTTS_V5, "rpcd/cmd", DECOY_FIRST);
    EXPECT_RC(&p, rpc_with(&r, &p, ARGV(T, "rpc", "-p", g_port, "-t", "rpcd/cmd", "-m", "x",
                                        "-e", "rpcd/reply", "-q", "1", "-d")),
              0);
    EXPECT_OUT(&p, "pong:x\n"); /* not "decoy" */
    EXPECT_HAS(&p, PROC_ERR, "Ignored a message on 'rpcd/reply'");
    proc_free(&p);
    assert_int_equal(r.requests, 1);
    responder_stop(&r);
}

static void test_rpc_timeout(void **state)
{
    (void)state;
    static responder r;
    proc p;
    responder_start(&r, MQTTS_V5, "rpct/cmd", SILENT);
    uint32_t t0 = mqtts_posix_now_ms();
    EXPECT_RC(&p, rpc_with(&r, &p, ARGV(T, "rpc", "-p", g_port, "-t", "rpct/cmd", "-m", "x",
                                        "-W", "1", "--correlation", "01")),
              4);
    uint32_t spent = mqtts_posix_now_ms() - t0;
    EXPECT_OUT(&p, "");
    EXPECT_HAS(&p, PROC_ERR, "no reply on 'rpct/cmd/01/reply' within 1 s (-W)");
    proc_free(&p);
    assert_int_equal(r.requests, 1); /* the request did go out */
    assert_true(spent >= 1000 && spent < 5000);
    responder_stop(&r);

    /* 3.1.1 and no responder at all. */
    EXPECT_RC(&p, rpc_with(NULL, &p, ARGV(T, "rpc", "-V", "311", "-p", g_port, "-t", "nobody",
                                          "-m", "x", "--timeout=1")),
              4);
    EXPECT_OUT(&p, "");
    proc_free(&p);
}

static void test_rpc_refused(void **state)
{
    (void)state;
    proc p;
    /* CONNACK: a wrong password, both versions. */
    EXPECT_RC(&p, rpc_with(NULL, &p, ARGV(T, "rpc", "-p", g_auth_port, "-u", "alice", "-P",
                                          "Wr0ng-pw", "-t", "ok/cmd", "-m", "x")),
              3);
    EXPECT_HAS(&p, PROC_ERR, "refused the connection: Not authorized (reason code 0x87)");
    proc_free(&p);
    EXPECT_RC(&p, rpc_with(NULL, &p, ARGV(T, "rpc", "-V", "311", "-p", g_auth_port, "-u",
                                          "alice", "-P", "Wr0ng-pw", "-t", "ok/cmd", "-m", "x")),
              3);
    EXPECT_HAS(&p, PROC_ERR, "refused the connection: Connection Refused, not authorized");
    proc_free(&p);
    /* PUBACK: the ACL does not let alice write the request topic.
     * (mosquitto's acl_file grants every subscription and filters on
     * delivery, so a SUBACK refusal is not made here.) */
    EXPECT_RC(&p, rpc_with(NULL, &p, ARGV(T, "rpc", "-p", g_auth_port, "-u", "alice", "-P",
                                          ALICE_PW, "-t", "secret/cmd", "-m", "x", "-e",
                                          "ok/reply", "-q", "1")),
              3);
    EXPECT_HAS(&p, PROC_ERR, "the broker refused the request: Not authorized (reason code 0x87)");
    proc_free(&p);
}

typedef struct usage_case {
    int rc;
    const char *needle;
    const char *args[12];
} usage_case;

static const usage_case usage_cases[] = {
    {2, "a request topic (-t) and a message", {"-t", "a"}},
    {2, "a request topic (-t) and a message", {"-m", "a"}},
    {2, "-e needs MQTT 5", {"-V", "311", "-t", "a", "-m", "x", "-e", "r"}},
    {2, "bad value 'abc' for --correlation", {"-t", "a", "-m", "x", "--correlation", "abc"}},
    {2, "bad value 'zz' for --correlation", {"-t", "a", "-m", "x", "--correlation", "zz"}},
    {2, "bad value '0' for -W", {"-t", "a", "-m", "x", "-W", "0"}},
    {2, "-t 'a/#': not a valid topic name", {"-t", "a/#", "-m", "x"}},
    {2, "-e 'r/+': not a valid topic name", {"-t", "a", "-m", "x", "-e", "r/+"}},
    {2, "option '-l' is not valid for 'mqtts rpc'", {"-t", "a", "-l"}},
    {2, "option '-C' is not valid for 'mqtts rpc'", {"-t", "a", "-m", "x", "-C", "1"}},
};

static void test_rpc_usage(void **state)
{
    (void)state;
    char corr65[66];
    memset(corr65, 'a', 64);
    corr65[64] = 'a';
    corr65[65] = '\0';
    for (size_t i = 0; i < sizeof usage_cases / sizeof usage_cases[0]; i++) {
        const usage_case *u = &usage_cases[i];
        const char *argv[16] = {T, "rpc", "-p", g_port};
        size_t n = 4;
        for (size_t k = 0; u->args[k]; k++)
            argv[n++] = u->args[k];
        argv[n] = NULL;
        proc p;
        EXPECT_RC(&p, run(&p, argv, NULL, NULL, 10000), u->rc);
        EXPECT_HAS(&p, PROC_ERR, u->needle);
        proc_free(&p);
    }
    proc p;
    EXPECT_RC(&p, run(&p, ARGV(T, "rpc", "-t", "a", "-m", "x", "--correlation", corr65), NULL,
                      NULL, 10000),
              2);
    proc_free(&p);
    /* help: `mqtts help rpc` is `mqtts rpc --help`. */
    EXPECT_RC(&p, run(&p, ARGV(T, "help", "rpc"), NULL, NULL, 10000), 0);
    EXPECT_HAS(&p, PROC_OUT, "Usage: mqtts rpc ");
    EXPECT_HAS(&p, PROC_OUT, "-e, --response-topic TOPIC");
    EXPECT_HAS(&p, PROC_OUT, "--correlation HEX");
    EXPECT_HAS(&p, PROC_OUT, "-W, --timeout SECONDS");
    proc_free(&p);
}

/* ---------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    static const broker_user users[] = {{"alice", ALICE_PW}};
    static const char acl[] = "user alice\ntopic readwrite ok/#\n";
    snprintf(g_acl, sizeof g_acl, "/tmp/mqtts-rpc-acl-XXXXXX");
    int fd = mkstemp(g_acl);
    if (fd < 0 || write(fd, acl, sizeof acl - 1) != (ssize_t)(sizeof acl - 1))
        return -1;
    close(fd);
    char conf[128];
    snprintf(conf, sizeof conf, "acl_file %s\n", g_acl);
    broker_options o = BROKER_OPTIONS_INIT;
    o.users = users;
    o.user_count = 1;
    o.extra_config = conf;
    if (broker_start_or_say(&g_b, NULL) != 0 || broker_start_or_say(&g_auth, &o) != 0)
        return -1;
    snprintf(g_port, sizeof g_port, "%u", g_b.port);
    snprintf(g_auth_port, sizeof g_auth_port, "%u", g_auth.port);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    broker_stop(&g_b);
    broker_stop(&g_auth);
    if (g_acl[0])
        unlink(g_acl);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_rpc_v5_reply),
        cmocka_unit_test(test_rpc_v311_reply),
        cmocka_unit_test(test_rpc_other_correlation_ignored),
        cmocka_unit_test(test_rpc_timeout),
        cmocka_unit_test(test_rpc_refused),
        cmocka_unit_test(test_rpc_usage),
    };
    return cmocka_run_group_tests_name("tool_rpc", tests, setup, teardown);
}
