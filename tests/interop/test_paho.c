/*
 * Interoperability with the Python side people write orchestrators in:
 * Debian's paho-mqtt (tests/interop/paho_requester.py, run with
 * /usr/bin/python3) sends commands through a real mosquitto, and an mqtts
 * client answers them with mqtts_client_respond(): MQTT 5 Response Topic
 * and Correlation Data, and the MQTT 3.1.1 topic convention of
 * docs/request-response.md. The Python script checks every reply and its
 * exit status is the verdict.
 */
#define _POSIX_C_SOURCE 200809L
#include <setjmp.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "broker.h"
#include "mqtts/client.h"

extern char **environ;

typedef struct responder {
    mqtts_client c;
    mqtts_client_config cfg;
    mqtts_broker_address addr;
    mqtts_tcp tcp;
    mqtts_transport t;
    uint8_t rx[2048], tx[1024], store[8192];
    mqtts_session_slot slots[16];
    uint16_t qos2[8];
    mqtts_session_sub subs[4];
    char sub_text[128];
    int requests;
    mqtts_err respond_err;
} responder;

/* Answer every command with "pong:" and its payload. */
static void on_event(void *user, const mqtts_event *ev)
{
    responder *r = user;
    if (ev->type != MQTTS_EV_MESSAGE)
        return;
    char payload[128] = "pong:";
    size_t n = ev->message->payload.len;
    if (n > sizeof payload - 6)
        n = sizeof payload - 6;
    memcpy(payload + 5, ev->message->payload.ptr, n);
    mqtts_publish reply;
    memset(&reply, 0, sizeof reply);
    reply.qos = 1;
    reply.payload = mqtts_bytes(payload, 5 + n);
    r->requests++;
    mqtts_err e = mqtts_client_respond(&r->c, ev->message, &reply, NULL);
    if (e != MQTTS_OK)
        r->respond_err = e;
}

static void responder_start(responder *r, mqtts_version v, uint16_t port)
{
    memset(r, 0, sizeof *r);
    r->addr.host = "127.0.0.1";
    r->addr.port = port;
    r->cfg.session.version = v;
    r->cfg.session.clean_start = true;
    r->cfg.session.keep_alive_s = 30;
    r->cfg.session.seed = 0x5eed0000u + (uint32_t)v;
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
    s.filter = mqtts_cstr(v == MQTTS_V5 ? "devices/dev1/cmd" : "devices/dev1/cmd/+");
    s.qos = 1;
    assert_int_equal(mqtts_client_subscribe(&r->c, &s, 1, NULL), MQTTS_OK);
    for (int i = 0; i < 20; i++)
        (void)mqtts_client_loop(&r->c, 10);
}

/* Run the paho script while the responder loops; its exit status. */
static int run_paho(responder *r, uint16_t port, const char *version)
{
    char port_s[8];
    snprintf(port_s, sizeof port_s, "%u", (unsigned)port);
    char *argv[] = {(char *)"/usr/bin/python3", (char *)MQTTS_PAHO_SCRIPT, port_s,
                    (char *)version, NULL};
    pid_t pid;
    int rc = posix_spawn(&pid, argv[0], NULL, NULL, argv, environ);
    if (rc != 0)
        fail_msg("cannot run /usr/bin/python3 (apt-get install python3-paho-mqtt)");
    uint32_t t0 = mqtts_posix_now_ms();
    int status = 0;
    for (;;) {
        (void)mqtts_client_loop(&r->c, 10);
        pid_t w = waitpid(pid, &status, WNOHANG);
        if (w == pid)
            break;
        if (mqtts_posix_now_ms() - t0 > 20000) {
            kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
            fail_msg("paho_requester.py did not finish in 20 s");
        }
    }
    return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static broker B;

static void paho_request_response(mqtts_version v, const char *version)
{
    static responder r;
    responder_start(&r, v, B.port);
    int rc = run_paho(&r, B.port, version);
    assert_int_equal(rc, 0); /* the script printed why otherwise */
    assert_int_equal(r.requests, 2);
    assert_int_equal(r.respond_err, MQTTS_OK);
    assert_int_equal(mqtts_client_disconnect(&r.c, 1000), MQTTS_OK);
}

static void test_paho_request_response_v5(void **state)
{
    (void)state;
    paho_request_response(MQTTS_V5, "5");
}

static void test_paho_request_response_v311(void **state)
{
    (void)state;
    paho_request_response(MQTTS_V311, "311");
}

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_paho_request_response_v5),
        cmocka_unit_test(test_paho_request_response_v311),
    };
    return cmocka_run_group_tests(tests, broker_up, broker_down);
}
