/*
 * test_device.c - `mqtts device` (the virtual device: src/device on
 * ports/posix) against Debian's mosquitto over TLS, with the test PKI of
 * tests/tls/make-pki.sh. The device runs as a child process; an observer
 * (mosquitto_sub -V mqttv5, on the broker's plain listener) prints every
 * message as "RETAIN|TOPIC|CORRELATION|PAYLOAD", and requests are sent
 * with mosquitto_pub (v5 properties, or the 3.1.1 topic convention).
 *
 *   test_device_birth_and_telemetry  retained "online"; telemetry on its period
 *   test_device_commands_v5          ping/led/status/unknown over v5 and the 3.1.1
 *                                    convention, reaching a v5 device
 *   test_device_commands_v311        a 3.1.1 device answers the 3.1.1 convention
 *   test_device_will_after_sigkill   the will "offline" (retained) after SIGKILL
 *   test_device_sigterm_offline      SIGTERM: "offline", DISCONNECT, exit 0
 *   test_device_reboot               `reboot`: offline, disconnect, born again
 *   test_device_bad_cafile           a missing CA file / a wrong CA: clear
 *                                    errors, retries, no crash
 *   test_device_config_errors        usage and config mistakes, the password
 *                                    warning, the password never printed
 *   test_device_broker_restart       (last) the broker restarts: reconnect, born again
 */
#define _GNU_SOURCE

#include <setjmp.h>
#include <stdbool.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker.h"
#include "run.h"
#include "toolkit.h"

static const char *T = MQTTS_TOOL_PATH;

#define WAIT 10000
#define SECRET "Sup3r-s3cret-pw"

static char g_dir[256];
static char g_pki[300];
static broker g_b;
static char g_port[8];     /* plain listener: the observer and the requests */
static uint16_t g_tls_port; /* TLS listener: the device */

#define WAIT_FOR(p, which, needle, times, ms, what)                                   \
    do {                                                                            \
        if (!proc_wait_for((p), (which), (needle), (times), (ms))) {               \
            proc_show((p), (what));                                                      \
            fail_msg("%s: \"%s\" did not appear %d time(s)", (what), (needle), (times)); \
        }                                                                           \
    } while (0)

/* Writes a device config NAME.conf for base topic BASE; extra lines after. */
static const char *device_conf(const char *name, const char *base, const char *extra, int mode)
{
    char file[100];
    snprintf(file, sizeof file, "%s.conf", name);
    const char *path = path_join(g_dir, file);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fprintf(f,
            "# test device\n[device]\nbroker = mqtts://localhost:%u\ncafile = %s/root.pem\n"
            "client_id = %s\nbase_topic = %s\ntelemetry_period = 1\nqos = 1\n"
            "backoff_min = 200\nbackoff_max = 1000\n%s",
            (unsigned)g_tls_port, g_pki, name, base, extra ? extra : "");
    fclose(f);
    chmod(path, (mode_t)mode);
    return path;
}

static void device_start(proc *d, const char *conf, const char *const *env)
{
    assert_int_equal(proc_start(d, ARGV(T, "device", "--config", conf), env, false), 0);
}

static void pub(const char *const *argv);

/* The observer: every message on BASE/# and replies/#. It is ready when a
 * probe published on BASE/probe comes back (its -d lines are buffered). */
static void observer_start(proc *o, const char *base)
{
    char filter[200], probe[200];
    snprintf(filter, sizeof filter, "%s/#", base);
    snprintf(probe, sizeof probe, "%s/probe", base);
    assert_int_equal(proc_start(o, ARGV("mosquitto_sub", "-V", "mqttv5", "-h", "127.0.0.1", "-p",
                                        g_port, "-q", "1", "-t", filter, "-t", "replies/#", "-F",
                                        "%r|%t|%D|%p"),
                                NULL, false),
                     0);
    for (int i = 0; i < 50; i++) {
        pub(ARGV("mosquitto_pub", "-h", "127.0.0.1", "-p", g_port, "-t", probe, "-m", "probe"));
        if (proc_wait_for(o, PROC_OUT, "|probe\n", 1, 200))
            return;
    }
    proc_show(o, "observer");
    fail_msg("the observer did not subscribe");
}

static void pub(const char *const *argv)
{
    proc p;
    int rc = run(&p, argv, NULL, NULL, WAIT);
    if (rc != 0) {
        proc_show(&p, "mosquitto_pub");
        fail_msg("mosquitto_pub exited %d", rc);
    }
    proc_free(&p);
}

/* A v5 request: response topic replies/NAME, correlation CORR. */
static void request_v5(const char *base, const char *payload, const char *corr)
{
    char topic[200], resp[200];
    snprintf(topic, sizeof topic, "%s/cmd", base);
    snprintf(resp, sizeof resp, "replies/%s", base);
    pub(ARGV("mosquitto_pub", "-V", "mqttv5", "-h", "127.0.0.1", "-p", g_port, "-q", "1", "-t",
             topic, "-m", payload, "-D", "publish", "response-topic", resp, "-D", "publish",
             "correlation-data", corr));
}

/* A request in the 3.1.1 convention: BASE/cmd/HEX. */
static void request_311(const char *base, const char *payload, const char *hex)
{
    char topic[200];
    snprintf(topic, sizeof topic, "%s/cmd/%s", base, hex);
    pub(ARGV("mosquitto_pub", "-h", "127.0.0.1", "-p", g_port, "-q", "1", "-t", topic, "-m",
             payload));
}

static void stop_device(proc *d)
{
    proc_signal(d, SIGTERM);
    int rc = proc_wait(d, WAIT);
    if (rc != 0) {
        proc_show(d, "device");
        fail_msg("the device exited %d after SIGTERM, expected 0", rc);
    }
}

/* Whether mosquitto's log shows needle within WAIT ms (it logs late). */
static bool broker_logged(const char *needle)
{
    static char text[1 << 20];
    for (int i = 0; i < WAIT / 100; i++) {
        FILE *f = fopen(g_b.log_path, "r");
        size_t n = f ? fread(text, 1, sizeof text - 1, f) : 0;
        if (f)
            fclose(f);
        text[n] = '\0';
        if (strstr(text, needle))
            return true;
        usleep(100 * 1000);
    }
    print_message("mosquitto's log lacks \"%s\":\n%s\n", needle, text);
    return false;
}

/* The password must never be printed. */
static void no_secret(const proc *d)
{
    if (strstr(d->buf[0], SECRET) || strstr(d->buf[1], SECRET)) {
        proc_show(d, "device");
        fail_msg("the password was printed");
    }
}

/* ---------------------------------------------------------------------- */

static void test_device_birth_and_telemetry(void **state)
{
    (void)state;
    proc o, d, late;
    observer_start(&o, "t1");
    device_start(&d, device_conf("t1", "t1", NULL, 0600), NULL);
    WAIT_FOR(&d, PROC_ERR, "stage online", 1, WAIT, "device");
    WAIT_FOR(&o, PROC_OUT, "|t1/status||online", 1, WAIT, "observer");
    /* A subscriber that comes later gets the birth as a retained message. */
    observer_start(&late, "t1");
    WAIT_FOR(&late, PROC_OUT, "1|t1/status||online", 1, WAIT, "late observer");
    proc_free(&late);

    /* Telemetry: once a second (the first at once), JSON, counting. */
    WAIT_FOR(&o, PROC_OUT, "\"count\":1,", 1, WAIT, "observer");
    WAIT_FOR(&o, PROC_OUT, "\"count\":2,", 1, 2500, "observer");
    WAIT_FOR(&o, PROC_OUT, "\"count\":3,", 1, 2500, "observer");
    int n = count_of(o.buf[0], "|t1/telemetry||{\"uptime_s\":");
    if (n != 3) {
        proc_show(&o, "observer");
        fail_msg("%d telemetry messages where 3 were due", n);
    }
    assert_non_null(strstr(o.buf[0], "\"load\":["));
    /* Two more periods: two more messages, on time, not a burst. */
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    WAIT_FOR(&o, PROC_OUT, "\"count\":5,", 1, 2600, "observer");
    clock_gettime(CLOCK_MONOTONIC, &b);
    long ms = (b.tv_sec - a.tv_sec) * 1000 + (b.tv_nsec - a.tv_nsec) / 1000000;
    if (ms < 1500 || count_of(o.buf[0], "|t1/telemetry|") != 5) {
        proc_show(&o, "observer");
        fail_msg("2 periods took %ld ms", ms);
    }
    stop_device(&d);
    proc_free(&d);
    proc_free(&o);
}

static void test_device_commands_v5(void **state)
{
    (void)state;
    proc o, d;
    observer_start(&o, "t2");
    device_start(&d, device_conf("t2", "t2", NULL, 0600), NULL);
    WAIT_FOR(&d, PROC_ERR, "stage online", 1, WAIT, "device");

    request_v5("t2", "ping", "corr-1");
    WAIT_FOR(&o, PROC_OUT, "0|replies/t2|corr-1|pong\n", 1, WAIT, "observer");
    request_v5("t2", "led on", "corr-2");
    WAIT_FOR(&o, PROC_OUT, "0|replies/t2|corr-2|led on\n", 1, WAIT, "observer");
    WAIT_FOR(&d, PROC_ERR, "LED ON", 1, WAIT, "device");
    request_v5("t2", "  status\r\n", "corr-3");
    WAIT_FOR(&o, PROC_OUT, "0|replies/t2|corr-3|{\"stage\":\"online\",", 1, WAIT, "observer");
    assert_non_null(strstr(o.buf[0], "\"led\":\"on\"}"));
    request_v5("t2", "led sideways", "corr-4");
    WAIT_FOR(&o, PROC_OUT, "0|replies/t2|corr-4|error: usage: led on|off\n", 1, WAIT, "observer");
    request_v5("t2", "selfdestruct", "corr-5");
    WAIT_FOR(&o, PROC_OUT, "0|replies/t2|corr-5|error: unknown command\n", 1, WAIT, "observer");

    /* The 3.1.1 convention reaching a v5 device. */
    request_311("t2", "ping", "0a1b2c");
    WAIT_FOR(&o, PROC_OUT, "0|t2/cmd/0a1b2c/reply||pong\n", 1, WAIT, "observer");
    request_311("t2", "led off", "ff");
    WAIT_FOR(&o, PROC_OUT, "0|t2/cmd/ff/reply||led off\n", 1, WAIT, "observer");
    /* The replies to each request: exactly one. */
    assert_int_equal(count_of(o.buf[0], "replies/t2|corr-1|"), 1);
    if (count_of(o.buf[0], "t2/cmd/ff/reply") != 1) {
        proc_show(&o, "observer");
        proc_show(&d, "device");
        fail_msg("not one reply to the request");
    }
    stop_device(&d);
    proc_free(&d);
    proc_free(&o);
}

static void test_device_commands_v311(void **state)
{
    (void)state;
    proc o, d;
    observer_start(&o, "t3");
    device_start(&d, device_conf("t3", "t3", "version = 3.1.1\n", 0600), NULL);
    WAIT_FOR(&d, PROC_ERR, "stage mqtt: CONNECT sent (MQTT 3.1.1", 1, WAIT, "device");
    WAIT_FOR(&d, PROC_ERR, "stage online", 1, WAIT, "device");
    WAIT_FOR(&o, PROC_OUT, "|t3/status||online", 1, WAIT, "observer");
    request_311("t3", "ping", "01");
    WAIT_FOR(&o, PROC_OUT, "0|t3/cmd/01/reply||pong\n", 1, WAIT, "observer");
    request_311("t3", "led on", "02");
    WAIT_FOR(&o, PROC_OUT, "0|t3/cmd/02/reply||led on\n", 1, WAIT, "observer");
    request_311("t3", "status", "c0113e");
    WAIT_FOR(&o, PROC_OUT, "0|t3/cmd/c0113e/reply||{\"stage\":\"online\",", 1, WAIT, "observer");
    stop_device(&d);
    proc_free(&d);
    proc_free(&o);
}

/* The issue's "Done when": the virtual device answers `mqtts rpc`, over TLS,
 * as an MQTT 5 request and with the 3.1.1 topic convention. */
static void test_device_answers_mqtts_rpc(void **state)
{
    (void)state;
    proc d, p;
    device_start(&d, device_conf("t9", "t9", NULL, 0600), NULL);
    WAIT_FOR(&d, PROC_ERR, "stage online", 1, WAIT, "device");
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)g_tls_port);
    char ca[400];
    snprintf(ca, sizeof ca, "%s/root.pem", g_pki);
    int rc = run(&p, ARGV(T, "rpc", "-h", "localhost", "-p", port, "--cafile", ca, "-t", "t9/cmd",
                          "-m", "ping", "-W", "10"),
                 NULL, NULL, WAIT);
    if (rc != 0 || strcmp(p.buf[0], "pong\n") != 0) {
        proc_show(&p, "rpc v5");
        fail_msg("mqtts rpc (v5) exited %d", rc);
    }
    proc_free(&p);
    rc = run(&p, ARGV(T, "rpc", "-V", "311", "-h", "localhost", "-p", port, "--cafile", ca, "-t",
                      "t9/cmd", "-m", "led on", "-W", "10"),
             NULL, NULL, WAIT);
    if (rc != 0 || strcmp(p.buf[0], "led on\n") != 0) {
        proc_show(&p, "rpc 3.1.1");
        fail_msg("mqtts rpc (3.1.1) exited %d", rc);
    }
    proc_free(&p);
    WAIT_FOR(&d, PROC_ERR, "LED ON", 1, WAIT, "device");
    stop_device(&d);
    proc_free(&d);
}

static void test_device_will_after_sigkill(void **state)
{
    (void)state;
    proc o, d, late;
    observer_start(&o, "t4");
    device_start(&d, device_conf("t4", "t4", NULL, 0600), NULL);
    WAIT_FOR(&o, PROC_OUT, "|t4/status||online", 1, WAIT, "observer");
    assert_null(strstr(o.buf[0], "offline"));
    proc_signal(&d, SIGKILL);
    assert_int_equal(proc_wait(&d, WAIT), 128 + SIGKILL);
    WAIT_FOR(&o, PROC_OUT, "0|t4/status||offline\n", 1, WAIT, "observer");
    observer_start(&late, "t4"); /* the will is retained */
    WAIT_FOR(&late, PROC_OUT, "1|t4/status||offline\n", 1, WAIT, "late observer");
    proc_free(&late);
    proc_free(&d);
    proc_free(&o);
}

static void test_device_sigterm_offline(void **state)
{
    (void)state;
    proc o, d;
    observer_start(&o, "t5");
    device_start(&d, device_conf("t5", "t5", NULL, 0600), NULL);
    WAIT_FOR(&o, PROC_OUT, "|t5/status||online", 1, WAIT, "observer");
    stop_device(&d);
    WAIT_FOR(&o, PROC_OUT, "0|t5/status||offline\n", 1, WAIT, "observer");
    assert_non_null(strstr(d.buf[1], "signal received: publishing \"offline\", disconnecting"));
    assert_non_null(strstr(d.buf[1], "] stopped\n"));
    /* A clean DISCONNECT, which discards the will: mosquitto says so. */
    assert_true(broker_logged("Client t5 disconnected."));
    proc_free(&d);
    proc_free(&o);
}

static void test_device_reboot(void **state)
{
    (void)state;
    proc o, d;
    observer_start(&o, "t6");
    device_start(&d, device_conf("t6", "t6", NULL, 0600), NULL);
    WAIT_FOR(&o, PROC_OUT, "|t6/status||online", 1, WAIT, "observer");
    request_v5("t6", "reboot", "r1");
    WAIT_FOR(&o, PROC_OUT, "0|replies/t6|r1|rebooting\n", 1, WAIT, "observer");
    WAIT_FOR(&o, PROC_OUT, "0|t6/status||offline\n", 1, WAIT, "observer");
    WAIT_FOR(&o, PROC_OUT, "|t6/status||online", 2, WAIT, "observer");
    WAIT_FOR(&d, PROC_ERR, "boot 2:", 1, WAIT, "device");
    /* The rebooted device answers, and counts its boots. */
    request_v5("t6", "status", "r2");
    WAIT_FOR(&o, PROC_OUT, "\"boots\":2,", 1, WAIT, "observer");
    /* The offline came from the device (DISCONNECT), not from a will. */
    assert_true(broker_logged("Client t6 disconnected."));
    /* One "offline" (the device's own): the will was discarded. */
    assert_int_equal(count_of(o.buf[0], "|t6/status||offline"), 1);
    stop_device(&d);
    proc_free(&d);
    proc_free(&o);
}

static void test_device_bad_cafile(void **state)
{
    (void)state;
    proc d;
    char extra[400];
    /* A CA file that is not there: TLS fails, said clearly, retried. */
    snprintf(extra, sizeof extra, "cafile = %s/no-such-ca.pem\n", g_pki);
    device_start(&d, device_conf("t7", "t7", extra, 0600), NULL);
    WAIT_FOR(&d, PROC_ERR, "tls failed: ", 3, WAIT, "device");
    WAIT_FOR(&d, PROC_ERR, "no-such-ca.pem", 1, WAIT, "device");
    assert_non_null(strstr(d.buf[1], "(failure 3); retrying from dns in "));
    assert_null(strstr(d.buf[1], "stage online"));
    stop_device(&d); /* still running, exits cleanly */
    proc_free(&d);

    /* A CA that did not issue the broker's certificate. */
    snprintf(extra, sizeof extra, "cafile = %s/other-root.pem\n", g_pki);
    device_start(&d, device_conf("t7b", "t7b", extra, 0600), NULL);
    WAIT_FOR(&d, PROC_ERR, "tls failed: ", 2, WAIT, "device");
    WAIT_FOR(&d, PROC_ERR, "mqtts Test", 1, WAIT, "device"); /* the issuer it ended at */
    assert_null(strstr(d.buf[1], "stage online"));
    stop_device(&d);
    proc_free(&d);
}

static void test_device_config_errors(void **state)
{
    (void)state;
    proc p;
    assert_int_equal(run(&p, ARGV(T, "device"), NULL, NULL, WAIT), 2);
    assert_non_null(strstr(p.buf[1], "--config FILE is required"));
    proc_free(&p);
    assert_int_equal(run(&p, ARGV(T, "device", "--config", path_join(g_dir, "none.conf")), NULL, NULL,
                         WAIT),
                     2);
    assert_non_null(strstr(p.buf[1], "cannot read "));
    proc_free(&p);
    assert_int_equal(run(&p, ARGV(T, "device", "--help"), NULL, NULL, WAIT), 0);
    assert_non_null(strstr(p.buf[0], "led on|off"));
    proc_free(&p);

    /* A misspelt key: the file and line; the password not echoed. */
    const char *bad = device_conf("bad", "x", "pasword = " SECRET "\n", 0600);
    assert_int_equal(run(&p, ARGV(T, "device", "--config", bad), NULL, NULL, WAIT), 2);
    assert_non_null(strstr(p.buf[1], "bad.conf:11: unknown key 'pasword'"));
    no_secret(&p);
    proc_free(&p);
    const char *badurl = path_join(g_dir, "badurl.conf");
    FILE *f = fopen(badurl, "w");
    assert_non_null(f);
    fputs("broker = http://x\nbase_topic = x\n", f);
    fclose(f);
    assert_int_equal(run(&p, ARGV(T, "device", "--config", badurl), NULL, NULL, WAIT), 2);
    assert_non_null(strstr(p.buf[1], "badurl.conf:1: broker must start with mqtt:// or mqtts://"));
    proc_free(&p);

    /* A password in a file others can read: a warning; it is never printed,
     * and the broker (which allows anonymous) lets the device on. */
    const char *open_conf = device_conf("t8", "t8", "username = dev\npassword = " SECRET "\n", 0644);
    device_start(&p, open_conf, NULL);
    WAIT_FOR(&p, PROC_ERR, "holds a password and group or others may read it (mode 644)", 1,
             WAIT, "device");
    WAIT_FOR(&p, PROC_ERR, "stage online", 1, WAIT, "device");
    stop_device(&p);
    no_secret(&p);
    proc_free(&p);

    /* The password from the environment: not printed either. */
    const char *env_conf = device_conf("t9", "t9", "username = dev\n", 0644);
    device_start(&p, env_conf, ARGV("MQTTS_PASSWORD=" SECRET));
    WAIT_FOR(&p, PROC_ERR, "stage online", 1, WAIT, "device");
    assert_null(strstr(p.buf[1], "holds a password"));
    stop_device(&p);
    no_secret(&p);
    proc_free(&p);
}

/* Last: it restarts the group's broker. */
static void test_device_broker_restart(void **state)
{
    (void)state;
    proc d, o;
    device_start(&d, device_conf("t10", "t10", NULL, 0600), NULL);
    WAIT_FOR(&d, PROC_ERR, "stage online", 1, WAIT, "device");
    assert_int_equal(broker_restart(&g_b), 0); /* no persistence: retained messages gone */
    WAIT_FOR(&d, PROC_ERR, "online failed: ", 1, WAIT, "device");
    WAIT_FOR(&d, PROC_ERR, "stage online", 2, WAIT, "device");
    /* Born again: the new broker holds the new birth. */
    observer_start(&o, "t10");
    WAIT_FOR(&o, PROC_OUT, "1|t10/status||online\n", 1, WAIT, "observer");
    request_v5("t10", "ping", "after-restart");
    WAIT_FOR(&o, PROC_OUT, "0|replies/t10|after-restart|pong\n", 1, WAIT, "observer");
    assert_null(strstr(d.buf[1], "boot 2:")); /* reconnected, not restarted */
    stop_device(&d);
    proc_free(&d);
    proc_free(&o);
}

/* ---------------------------------------------------------------------- */

static int setup(void **state)
{
    (void)state;
    if (temp_dir_make(g_dir, sizeof g_dir, "device-test") != 0 ||
        make_pki(g_pki, sizeof g_pki, g_dir, MQTTS_TOOL_PKI_SCRIPT) != 0)
        return -1;
    static char conf[1024];
    snprintf(conf, sizeof conf,
             "listener @PORT1@ 127.0.0.1\ncertfile %s/good-chain.pem\nkeyfile %s/good.key\n",
             g_pki, g_pki);
    broker_options o = BROKER_OPTIONS_INIT;
    o.extra_ports = 1;
    o.extra_config = conf;
    if (broker_start_or_say(&g_b, &o) != 0)
        return -1;
    snprintf(g_port, sizeof g_port, "%u", (unsigned)g_b.port);
    g_tls_port = g_b.extra_port[0];
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    broker_stop(&g_b);
    temp_dir_remove(g_dir);
    return 0;
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_birth_and_telemetry),
        cmocka_unit_test(test_device_commands_v5),
        cmocka_unit_test(test_device_commands_v311),
        cmocka_unit_test(test_device_answers_mqtts_rpc),
        cmocka_unit_test(test_device_will_after_sigkill),
        cmocka_unit_test(test_device_sigterm_offline),
        cmocka_unit_test(test_device_reboot),
        cmocka_unit_test(test_device_bad_cafile),
        cmocka_unit_test(test_device_config_errors),
        cmocka_unit_test(test_device_broker_restart),
    };
    return cmocka_run_group_tests_name("device", tests, setup, teardown);
}
