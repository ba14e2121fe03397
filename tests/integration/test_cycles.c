/*
 * 1,000 connect/disconnect cycles against a real mosquitto leave nothing
 * behind (issue 3, "Done when"): each cycle initialises a client on a fresh
 * TCP transport, connects and waits for the CONNACK, publishes one QoS 1
 * message and waits for its PUBACK, and disconnects. Every step's result is
 * checked, and the process has as many open file descriptors after the
 * cycles as before (counted in /proc/self/fd).
 *
 * Leaks of memory are found by the tools around this binary: LeakSanitizer
 * in the MQTTS_SANITIZE build, and valgrind (--leak-check=full, definite and
 * indirect leaks are errors) in the test test_cycles_valgrind of the other
 * builds (tests/integration/CMakeLists.txt).
 *
 * Cycles alternate MQTT 3.1.1 and 5.0 (500 each).
 *
 * Also here: a message published just before mqtts_client_disconnect()
 * reaches the broker (QoS 0 and 1).
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "broker.h"
#include "mqtts/client.h"
#include "peer.h"
#include "rawmqtt.h"

#define CYCLES 1000

/* The open file descriptors of this process (the directory stream's own
 * descriptor left out). -1 when /proc is not there. */
static int open_fds(void)
{
    DIR *d = opendir("/proc/self/fd");
    if (!d)
        return -1;
    int n = 0;
    int own = dirfd(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.')
            continue;
        char *end = NULL;
        long fd = strtol(e->d_name, &end, 10);
        if (end && *end == 0 && fd != own)
            n++;
    }
    closedir(d);
    return n;
}

/* A client on a fresh TCP transport, initialised, not connected: no
 * reconnects, and the seed makes the generated client id. */
static void client_setup(peer *cc, uint16_t port, mqtts_version v, uint32_t seed)
{
    peer_init(cc, v, port, "", true);
    cc->cfg.session.no_reconnect = true;
    cc->cfg.session.seed = seed;
    cc->cfg.connect_timeout_ms = 5000;
    peer_start(cc);
}

/* One cycle: init on a fresh transport, connect, publish QoS 1, disconnect. */
static void cycle(peer *cc, uint16_t port, int i)
{
    client_setup(cc, port, i % 2 ? MQTTS_V311 : MQTTS_V5, 0x5eed0000u + (uint32_t)i);
    mqtts_err e = mqtts_client_connect_wait(&cc->c, 5000);
    if (e != MQTTS_OK)
        fail_msg("cycle %d: connect: %s (reason 0x%02x)", i, mqtts_strerror(e),
                 mqtts_client_last_reason(&cc->c));
    assert_true(mqtts_client_is_connected(&cc->c));
    assert_int_equal(cc->connected, 1);

    mqtts_publish m = message("cycles/t", "cycle", 1, false);
    e = mqtts_client_publish_wait(&cc->c, &m, 5000);
    if (e != MQTTS_OK)
        fail_msg("cycle %d: publish: %s", i, mqtts_strerror(e));
    assert_int_equal(cc->delivered, 1);
    assert_int_equal(mqtts_session_pending(&cc->c.session), 0);

    e = mqtts_client_disconnect(&cc->c, 1000);
    if (e != MQTTS_OK)
        fail_msg("cycle %d: disconnect: %s", i, mqtts_strerror(e));
    assert_false(mqtts_client_is_connected(&cc->c));
    assert_int_equal(cc->disconnected, 1);
    assert_int_equal(cc->disconnect_err, MQTTS_OK); /* our own DISCONNECT */
    assert_int_equal(cc->tcp.fd, -1);               /* the socket is closed */
    assert_int_equal(mqtts_session_state_of(&cc->c.session), MQTTS_STATE_IDLE);
}

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

static void test_cycles_connect_publish_disconnect_1000(void **state)
{
    (void)state;
    static peer cc;
    int fds_before = open_fds();
    assert_true(fds_before > 0);
    uint32_t t0 = mqtts_posix_now_ms();
    for (int i = 0; i < CYCLES; i++) {
        cycle(&cc, B.port, i);
        /* Say early which cycle started leaking, not only that one did. */
        if ((i + 1) % 100 == 0) {
            int now = open_fds();
            if (now != fds_before)
                fail_msg("after %d cycles: %d open file descriptors, %d before", i + 1, now,
                         fds_before);
        }
    }
    uint32_t took = mqtts_posix_now_ms() - t0;
    int fds_after = open_fds();
    printf("test_cycles: %d cycles in %u ms (%.2f ms each); open fds %d before, %d after\n",
           CYCLES, took, (double)took / CYCLES, fds_before, fds_after);
    assert_int_equal(fds_after, fds_before);
    if (!broker_running(&B)) {
        char tail[1024];
        broker_log_tail(&B, tail, sizeof tail);
        fail_msg("the broker died during the cycles; its log ends:\n%s", tail);
    }
}

/* ---- publish, then disconnect at once ---- */

/* The application publishes, then disconnects: the message goes out before
 * the DISCONNECT, and a QoS 1 one is acknowledged first (disconnect waits
 * for it within its timeout). Found by this test: the DISCONNECT used to
 * overtake the PUBLISH still in the store, which was then never sent. */
static void publish_then_disconnect(mqtts_version v, uint8_t qos)
{
    static raw_client witness;
    mqtts_connack ack;
    assert_int_equal(raw_open(&witness, B.port, MQTTS_V311), 0);
    assert_int_equal(raw_connect_simple(&witness, "order-witness", NULL, NULL, &ack, 2000), RAW_OK);
    assert_int_equal(raw_subscribe(&witness, "order/#", 1, NULL, 2000), RAW_OK);

    static peer cc;
    client_setup(&cc, B.port, v, 0x0bd3u + qos);
    assert_int_equal(mqtts_client_connect_wait(&cc.c, 5000), MQTTS_OK);
    mqtts_publish m = message("order/t", "last words", qos, false);
    assert_int_equal(mqtts_client_publish(&cc.c, &m, NULL), MQTTS_OK);
    assert_int_equal(mqtts_client_disconnect(&cc.c, 1000), MQTTS_OK);
    size_t pending = mqtts_session_pending(&cc.c.session);

    mqtts_publish got;
    raw_result r = raw_expect_publish(&witness, &got, 1000);
    raw_close(&witness);
    if (r != RAW_OK)
        fail_msg("v%s QoS %u: published, then disconnected (both MQTTS_OK), but the broker "
                 "never got the message (%zu still pending in the store)",
                 v == MQTTS_V5 ? "5" : "3.1.1", qos, pending);
    assert_int_equal(pending, 0);
}

static void test_publish_then_disconnect_qos0(void **state)
{
    (void)state;
    publish_then_disconnect(MQTTS_V311, 0);
}

static void test_publish_then_disconnect_qos1(void **state)
{
    (void)state;
    publish_then_disconnect(MQTTS_V5, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_cycles_connect_publish_disconnect_1000),
        cmocka_unit_test(test_publish_then_disconnect_qos0),
        cmocka_unit_test(test_publish_then_disconnect_qos1),
    };
    return cmocka_run_group_tests(tests, broker_up, broker_down);
}
