/*
 * test_tool - the built `mqtts pub` and `mqtts sub` against Debian's
 * mosquitto on loopback (tests/integration/support/broker.c), run as child
 * processes with pipes (run.c). One executable, one group per argument:
 *
 *   cli        help, usage errors and exit codes (no broker)
 *   plain      pub/sub at QoS 0/1/2 in both versions, every way to give a
 *              message, every output option, URLs, the will, -D, -d
 *   auth       credentials: -u/-P, URLs, MQTTS_USERNAME/MQTTS_PASSWORD, the
 *              config file and its profiles, the permission warning, refusals
 *              (CONNACK, SUBACK, PUBACK), and no password in any output
 *   tls        TLS, mutual TLS, verification failures, ALPN (openssl s_server)
 *   reconnect  sub and pub -l through broker restarts; -c -q 1 loses nothing
 *   compat     compat.sh, a script written for mosquitto_pub/sub, run with
 *              the real ones and with mqtts in their place: the same output
 *   valgrind   a few plain tests with the tool under valgrind (the program
 *              in MQTTS_TOOL_VALGRIND): no leak, no memory error (exit 99)
 *
 * A subscriber is started with -d and counted as subscribed when its trace
 * shows the SUBACK, so no test sleeps to wait for another process.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <glob.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker.h"
#include "run.h"
#include "toolkit.h"

/* The tool, or for the valgrind group a script that runs it under
 * valgrind (written by valgrind_setup()). */
static const char *T = MQTTS_TOOL_PATH;

#define RUN_TIMEOUT 20000
#define WAIT_TIMEOUT 10000

static char g_dir[256];  /* this run's temp dir: config homes, files, PKI */
static broker g_b;       /* the group's broker */
static char g_port[8];

/* ---------------------------------------------------------------------- */
/* Helpers. */

/* Runs the tool (argv[0] is T) to the end. */
static int tool(proc *p, const char *input, const char *const *argv)
{
    return run(p, argv, input, NULL, RUN_TIMEOUT);
}

static int tool_env(proc *p, const char *input, const char *const *env, const char *const *argv)
{
    return run(p, argv, input, env, RUN_TIMEOUT);
}

/* Starts a subscriber (its argv must have -d) and waits for its SUBACK. */
static void sub_start_env(proc *p, const char *const *env, const char *const *argv)
{
    assert_int_equal(proc_start(p, argv, env, false), 0);
    if (!proc_wait_for(p, PROC_ERR, "received SUBACK", 1, WAIT_TIMEOUT)) {
        proc_show(p, NULL);
        fail_msg("the subscriber did not get its SUBACK");
    }
}

static void sub_start(proc *p, const char *const *argv)
{
    sub_start_env(p, NULL, argv);
}

/* Publishes with the tool and wants exit 0. */
static void pub_ok(const char *input, const char *const *argv)
{
    proc p;
    EXPECT_RC(&p, tool(&p, input, argv), 0);
    proc_free(&p);
}

/* Waits for a subscriber to finish; wants exit `rc` and exactly `out`. */
static void sub_done(proc *p, int rc, const char *out)
{
    EXPECT_RC(p, proc_wait(p, WAIT_TIMEOUT), rc);
    if (out)
        EXPECT_OUT(p, out);
}

static void write_file(const char *path, const void *data, size_t len, mode_t mode)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, data, len), (ssize_t)len);
    close(fd);
    assert_int_equal(chmod(path, mode), 0);
}

static int make_dir(void)
{
    return temp_dir_make(g_dir, sizeof g_dir, "tool");
}

static const char *path_in(const char *name)
{
    return path_join(g_dir, name);
}

static int start_broker(const broker_options *o)
{
    if (broker_start(&g_b, o) != 0) {
        fprintf(stderr, "%s\n", g_b.error);
        return -1;
    }
    snprintf(g_port, sizeof g_port, "%u", g_b.port);
    return 0;
}

static int plain_setup(void **state)
{
    (void)state;
    if (make_dir() != 0)
        return -1;
    return start_broker(NULL);
}

/* plain, with T a script that runs the tool under valgrind. */
static int valgrind_setup(void **state)
{
    static char script_path[512];
    const char *vg = getenv("MQTTS_TOOL_VALGRIND");
    if (!vg || !*vg)
        vg = "valgrind";
    if (plain_setup(state) != 0)
        return -1;
    char text[1024];
    int n = snprintf(text, sizeof text,
                     "#!/bin/sh\nexec '%s' -q --error-exitcode=99 --leak-check=full "
                     "--errors-for-leak-kinds=definite,indirect '%s' \"$@\"\n",
                     vg, MQTTS_TOOL_PATH);
    snprintf(script_path, sizeof script_path, "%s/mqtts-under-valgrind", g_dir);
    write_file(script_path, text, (size_t)n, 0700);
    T = script_path;
    return 0;
}

static int group_teardown(void **state)
{
    (void)state;
    broker_stop(&g_b);
    temp_dir_remove(g_dir);
    return 0;
}

/* ====================================================================== */
/* cli: no broker. */

static const char *const pub_options[] = {
    "-h, --host", "-p, --port", "-L, --url", "-V, --protocol-version", "-i, --id",
    "-I, --id-prefix", "-k, --keepalive", "-c, --disable-clean-session", "-x, --session-expiry",
    "--nodelay", "-u, --username", "-P, --pw", "--profile", "--cafile", "--capath", "--cert",
    "--key", "--insecure", "--tls-alpn", "--tls-use-os-certs", "--will-topic", "--will-payload",
    "--will-qos", "--will-retain", "-d, --debug", "--quiet", "-D, --property", "--help",
    "-t, --topic", "-m, --message", "-f, --file", "-l, --stdin-line", "-s, --stdin-file",
    "-n, --null-message", "-q, --qos", "-r, --retain", "--repeat N", "--repeat-delay",
};
static const char *const sub_only_options[] = {
    "-T, --filter-out", "-U, --unsubscribe", "-C, --count", "-W, --timeout",
    "-R, --no-retained", "--retained-only", "--remove-retained", "-E, --exit-after-subscribe",
    "--retain-as-published", "-v, --verbose", "-N, --no-newline", "-F, --format", "--json",
};
static const char *const never_listed[] = {"--psk", "--unix", "--proxy", "-A ",
                                           "--ciphers", "--tls-version"};

static void test_cli_help(void **state)
{
    (void)state;
    proc p, q;
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "--help")), 0);
    EXPECT_HAS(&p, PROC_OUT, "  pub       publish a message\n");
    EXPECT_HAS(&p, PROC_OUT, "  sub       subscribe and print the messages that arrive\n");
    EXPECT_HAS(&p, PROC_OUT, "doctor    check a connection step by step: DNS, TCP, TLS, MQTT\n");
    EXPECT_HAS(&p, PROC_OUT, "Exit status:");
    proc_free(&p);

    /* `mqtts help pub` is `mqtts pub --help`; every option is described. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "help", "pub")), 0);
    EXPECT_RC(&q, tool(&q, NULL, ARGV(T, "pub", "--help")), 0);
    assert_string_equal(p.buf[0], q.buf[0]);
    assert_int_equal(strncmp(p.buf[0], "Usage: mqtts pub ", 17), 0);
    for (size_t i = 0; i < sizeof pub_options / sizeof *pub_options; i++)
        EXPECT_HAS(&p, PROC_OUT, pub_options[i]);
    for (size_t i = 0; i < sizeof sub_only_options / sizeof *sub_only_options; i++)
        EXPECT_LACKS(&p, PROC_OUT, sub_only_options[i]);
    for (size_t i = 0; i < sizeof never_listed / sizeof *never_listed; i++)
        EXPECT_LACKS(&p, PROC_OUT, never_listed[i]);
    EXPECT_HAS(&p, PROC_OUT, "  3  the broker refused");
    EXPECT_HAS(&p, PROC_OUT, "  6  not supported (yet): MQTT 3.1");
    proc_free(&p);
    proc_free(&q);

    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "help", "sub")), 0);
    for (size_t i = 0; i < sizeof pub_options / sizeof *pub_options; i++) {
        if (strstr("-m, --message -f, --file -l, --stdin-line -s, --stdin-file "
                   "-n, --null-message -r, --retain --repeat N --repeat-delay",
                   pub_options[i]) == NULL)
            EXPECT_HAS(&p, PROC_OUT, pub_options[i]);
    }
    for (size_t i = 0; i < sizeof sub_only_options / sizeof *sub_only_options; i++)
        EXPECT_HAS(&p, PROC_OUT, sub_only_options[i]);
    EXPECT_LACKS(&p, PROC_OUT, "-m, --message");
    proc_free(&p);

    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "help", "doctor")), 0);
    EXPECT_HAS(&p, PROC_OUT, "Usage: mqtts doctor URL");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "help", "frobnicate")), 2);
    EXPECT_HAS(&p, PROC_ERR, "unknown command 'frobnicate'");
    proc_free(&p);
}

typedef struct usage_case {
    int rc;
    const char *needle;
    const char *args[16];
} usage_case;

#define M "-t", "x", "-m", "y"
static const usage_case usage_cases[] = {
    {2, "unknown option '--bogus'", {"sub", "-t", "x", "--bogus"}},
    {2, "option '-C' is not valid for 'mqtts pub'", {"pub", M, "-C", "1"}},
    {2, "option '-m' is not valid for 'mqtts sub'", {"sub", "-t", "x", "-m", "y"}},
    {2, "option '-k' needs a value (SECONDS)", {"pub", M, "-k"}},
    {2, "bad value '3' for -q: QoS is 0, 1 or 2", {"pub", M, "-q", "3"}},
    {2, "bad value 'abc' for -p", {"pub", "-p", "abc", M}},
    {2, "bad value '70000' for --keepalive", {"pub", M, "--keepalive", "70000"}},
    {2, "bad value '0' for -C", {"sub", "-t", "x", "-C", "0"}},
    {2, "bad value 'x' for -W", {"sub", "-t", "x", "-W", "x"}},
    {2, "bad value '3' for --will-qos", {"pub", M, "--will-topic", "w", "--will-qos", "3"}},
    {2, "bad value '6' for -V", {"pub", "-V", "6", M}},
    {6, "MQTT 3.1 is not supported", {"pub", "-V", "mqttv31", M}},
    {2, "bad value 'never' for -x", {"pub", "-V", "5", "-x", "never", M}},
    {2, "a topic (-t) and a message", {"pub", "-t", "x"}},
    {2, "a topic (-t) and a message", {"pub", "-m", "x"}},
    {2, "only one of -m, -f, -l, -s and -n", {"pub", M, "-n"}},
    {2, "only one of -m, -f, -l, -s and -n", {"pub", "-t", "x", "-l", "-s"}},
    {2, "-t 'a/+': not a valid topic name", {"pub", "-t", "a/+", "-m", "y"}},
    {2, "topic filter 'a/#/b': not valid", {"sub", "-t", "a/#/b"}},
    {2, "topic filter 'a+': not valid", {"sub", "-t", "x", "-T", "a+"}},
    {2, "at least one topic filter (-t)", {"sub", "-v"}},
    {2, "-c needs a client id (-i)", {"sub", "-t", "x", "-c"}},
    {2, "-i and -I cannot be used together", {"sub", "-t", "x", "-i", "a", "-I", "b"}},
    {2, "--cert and --key go together", {"pub", M, "--cert", "c.pem"}},
    {2, "-D and -x need MQTT 5 (-V 5)", {"pub", M, "-D", "publish", "content-type", "t"}},
    {2, "-D and -x need MQTT 5 (-V 5)", {"sub", "-t", "x", "-x", "10"}},
    {2, "-D: unknown property 'bogus'", {"pub", "-V", "5", M, "-D", "publish", "bogus", "1"}},
    {2, "-D: unknown packet 'puback'", {"pub", "-V", "5", M, "-D", "puback", "reason-string", "r"}},
    {2, "'session-expiry-interval' is not allowed in publish",
     {"pub", "-V", "5", M, "-D", "publish", "session-expiry-interval", "1"}},
    {2, "mqtts pub sends no subscribe", {"pub", "-V", "5", M, "-D", "subscribe", "user-property", "a", "b"}},
    {2, "mqtts sub sends no publish", {"sub", "-V", "5", "-t", "x", "-D", "publish", "content-type", "a"}},
    {2, "needs PACKET NAME VALUE", {"pub", "-V", "5", M, "-D", "publish", "content-type"}},
    {2, "needs PACKET NAME VALUE", {"pub", "-V", "5", M, "-D", "publish", "user-property", "k"}},
    {2, "bad value 'soon' for 'message-expiry-interval'",
     {"pub", "-V", "5", M, "-D", "publish", "message-expiry-interval", "soon"}},
    {2, "'content-type' given twice",
     {"pub", "-V", "5", M, "-D", "publish", "content-type", "a", "-D", "publish", "content-type", "b"}},
    {6, "-D disconnect: not supported by mqtts yet",
     {"pub", "-V", "5", M, "-D", "disconnect", "session-expiry-interval", "5"}},
    {6, "-D connect authentication-method: not supported by mqtts yet",
     {"pub", "-V", "5", M, "-D", "connect", "authentication-method", "x"}},
    {2, "-F 'a%z': unknown parameter '%z'", {"sub", "-t", "x", "-F", "a%z"}},
    {2, "-F '%p\\': incomplete \\ sequence at the end", {"sub", "-t", "x", "-F", "%p\\"}},
    {2, "-F '\\q': unknown escape '\\q'", {"sub", "-t", "x", "-F", "\\q"}},
    {2, "--json and -F cannot be used together", {"sub", "-t", "x", "--json", "-F", "%p"}},
    {2, "--json and -F cannot be used together", {"sub", "-t", "x", "-F", "%p", "--json"}},
    {2, "-R and --retained-only cannot be used together", {"sub", "-t", "x", "-R", "--retained-only"}},
    {2, "--retain-as-published needs MQTT 5", {"sub", "-t", "x", "--retain-as-published"}},
    {2, "--will-payload, --will-qos and --will-retain need --will-topic",
     {"pub", M, "--will-payload", "p"}},
    {2, "--will-topic 'w/#': not a valid topic name", {"pub", M, "--will-topic", "w/#"}},
    {2, "--repeat works with -m, -f, -s or -n, not with -l", {"pub", "-t", "x", "-l", "--repeat", "2"}},
    {2, "bad value '0' for --repeat", {"pub", M, "--repeat", "0"}},
    {2, "bad value 'soon' for --repeat-delay", {"pub", M, "--repeat-delay", "soon"}},
    {2, "unexpected argument 'extra'", {"pub", M, "extra"}},
    {2, "option '--insecure' takes no value", {"pub", M, "--insecure=yes"}},
    {2, "MQTT 3.1.1 allows a password only with a user name", {"pub", M, "-P", "pw"}},
    {2, "-f: cannot read '/nonexistent/file'", {"pub", "-t", "x", "-f", "/nonexistent/file"}},
    {2, "--ws-path goes with a ws:// or wss:// URL", {"pub", "--ws-path", "/mqtt", "-t", "x", "-m", "y"}},
    {2, "a path starting with /", {"sub", "-L", "wss://127.0.0.1:8884/x", "--ws-path", "mqtt", "-t", "x"}},
    {2, "it must start with mqtt://, mqtts://, ws:// or wss://", {"pub", "-L", "http://h/x", "-m", "y"}},
    {2, "the port must be a number from 1 to 65535", {"pub", "-L", "mqtt://h:99999/x", "-m", "y"}},
    {2, "an IPv6 address needs its closing ']'", {"pub", "-L", "mqtt://[::1/x", "-m", "y"}},
    {6, "option '--psk' is not supported by mqtts (TLS-PSK)", {"pub", "--psk", "00", M}},
    {6, "option '--proxy' is not supported by mqtts (SOCKS proxies)", {"sub", "--proxy", "s", "-t", "x"}},
    {6, "option '-A' is not supported by mqtts", {"sub", "-A", "127.0.0.1", "-t", "x"}},
    {2, "TLS options were given with an mqtt:// URL", {"pub", "-L", "mqtt://h/x", "--cafile", "ca", "-m", "y"}},
    {2, "--tls-use-os-certs cannot be combined with --cafile",
     {"pub", M, "--tls-use-os-certs", "--cafile", "ca.pem"}},
    {2, "the client id must be valid UTF-8 of at most 47 bytes",
     {"pub", M, "-i", "an-identifier-that-is-longer-than-47-bytes-in-all"}},
};
#undef M

static void test_cli_usage_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof usage_cases / sizeof *usage_cases; i++) {
        const usage_case *c = &usage_cases[i];
        const char *argv[20] = {T};
        for (size_t k = 0; c->args[k]; k++)
            argv[k + 1] = c->args[k];
        proc p;
        int rc = tool(&p, NULL, argv);
        if (rc != c->rc || !strstr(p.buf[1], c->needle) || p.buf[0][0] != '\0') {
            proc_show(&p, NULL);
            fail_msg("case %zu (%s %s ...): exit %d (want %d), stderr should have \"%s\"", i,
                     c->args[0], c->args[1], rc, c->rc, c->needle);
        }
        proc_free(&p);
    }
}

static void test_cli_quiet_and_redaction(void **state)
{
    (void)state;
    proc p;
    /* --quiet: the exit status alone, wherever --quiet stands. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-t", "x", "-m", "y", "-q", "3", "--quiet")), 2);
    EXPECT_OUT(&p, "");
    assert_string_equal(p.buf[1], "");
    proc_free(&p);
    /* A bad URL is shown without its password. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-L", "mqtt://u:T0pS3cret@h:99999/x", "-m", "y")),
              2);
    EXPECT_HAS(&p, PROC_ERR, "'mqtt://u:****@h:99999/x'");
    EXPECT_LACKS(&p, PROC_ERR, "T0pS3cret");
    proc_free(&p);
    /* Nothing listens: exit 1, said plainly. */
    char port[8];
    snprintf(port, sizeof port, "%u", free_port());
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", port, "-t", "x", "-m", "y")),
              1);
    EXPECT_HAS(&p, PROC_ERR, "connection refused (is the broker running, on this port?)");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-h", "127.0.0.1", "-p", port, "-t", "x")), 1);
    proc_free(&p);
}

/* ====================================================================== */
/* plain */

static void test_pubsub_qos_versions(void **state)
{
    (void)state;
    static const char *const versions[] = {"311", "5"};
    static const char *const qos[] = {"0", "1", "2"};
    for (int v = 0; v < 2; v++) {
        for (int q = 0; q < 3; q++) {
            char topic[32], msg[64], want[80], trace[64];
            snprintf(topic, sizeof topic, "qv/%s/%s", versions[v], qos[q]);
            snprintf(msg, sizeof msg, "hello v%s q%s", versions[v], qos[q]);
            proc s;
            sub_start(&s, ARGV(T, "sub", "-h", "127.0.0.1", "-p", g_port, "-t", topic, "-q", qos[q],
                               "-V", versions[v], "-C", "1", "-W", "20", "-d"));
            pub_ok(NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", topic, "-m", msg,
                              "-q", qos[q], "-V", versions[v]));
            snprintf(want, sizeof want, "%s\n", msg);
            sub_done(&s, 0, want);
            snprintf(trace, sizeof trace, "received PUBLISH (d0, q%s, r0", qos[q]);
            EXPECT_HAS(&s, PROC_ERR, trace);
            proc_free(&s);
        }
    }
}

/* A retained message with v5 properties, read back in every format. */
static void test_output_formats(void **state)
{
    (void)state;
    proc p;
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-V", "5", "-t", "out/r", "-m", "h\xc3\xa9llo \"x\"",
                      "-r", "-q", "1", "-D", "publish", "user-property", "k", "v", "-D", "publish",
                      "content-type", "text/plain", "-D", "publish", "user-property", "k2", "v2"));
    static const struct {
        const char *args[10];
        const char *out;
    } cases[] = {
        {{"-C", "1"}, "h\xc3\xa9llo \"x\"\n"},
        {{"-C", "1", "-v"}, "out/r h\xc3\xa9llo \"x\"\n"},
        {{"-C", "1", "-N"}, "h\xc3\xa9llo \"x\""},
        {{"-C", "1", "-v", "-N"}, "out/r h\xc3\xa9llo \"x\""},
        {{"-C", "1", "-F", "%t|%q|%r|%l|%m|%p|%x|%X"},
         "out/r|0|1|10|0|h\xc3\xa9llo \"x\"|68c3a96c6c6f20227822|68C3A96C6C6F20227822\n"},
        {{"-C", "1", "-F", "[%8t][%-8t][%.3t][%05l][%-4q][%%][@@][\\t][\\e]"},
         "[   out/r][out/r   ][out][00010][0][%][@][\t][\033]\n"},
        {{"-C", "1", "-V", "5", "-F", "%P|%C|%E|%R"}, "k:v k2:v2|text/plain||\n"},
        {{"-C", "1", "-V", "5", "--json"},
         "{\"topic\":\"out/r\",\"qos\":0,\"retain\":true,\"payload\":\"h\xc3\xa9llo \\\"x\\\"\","
         "\"properties\":{\"content-type\":\"text/plain\",\"user-property\":[[\"k\",\"v\"],"
         "[\"k2\",\"v2\"]]}}\n"},
        {{"-C", "1", "--json"},
         "{\"topic\":\"out/r\",\"qos\":0,\"retain\":true,\"payload\":\"h\xc3\xa9llo \\\"x\\\"\"}\n"},
        {{"-C", "1", "-q", "1", "-V", "5", "--json", "-N"},
         "{\"topic\":\"out/r\",\"qos\":1,\"retain\":true,\"payload\":\"h\xc3\xa9llo \\\"x\\\"\","
         "\"properties\":{\"content-type\":\"text/plain\",\"user-property\":[[\"k\",\"v\"],"
         "[\"k2\",\"v2\"]]}}"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *argv[20] = {T, "sub", "-p", g_port, "-t", "out/r", "-W", "10"};
        size_t n = 8;
        for (size_t k = 0; cases[i].args[k]; k++)
            argv[n++] = cases[i].args[k];
        EXPECT_RC(&p, tool(&p, NULL, argv), 0);
        if (strcmp(p.buf[0], cases[i].out) != 0) {
            proc_show(&p, NULL);
            fail_msg("case %zu: stdout is not:\n%s", i, cases[i].out);
        }
        proc_free(&p);
    }

    /* %j as mosquitto_sub writes it (the time stamp aside), %U and %I. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "out/r", "-C", "1", "-V", "5",
                                     "-F", "%j")), 0);
    assert_int_equal(strncmp(p.buf[0], "{\"tst\":\"", 8), 0);
    EXPECT_HAS(&p, PROC_OUT,
               "\",\"topic\":\"out/r\",\"qos\":0,\"retain\":1,\"payloadlen\":10,\"properties\":"
               "{\"content-type\":\"text/plain\",\"user-properties\":{\"k\":\"v\",\"k2\":\"v2\"}},"
               "\"payload\":\"h\xc3\xa9llo \\\"x\\\"\"}\n");
    proc_free(&p);
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV("TZ=UTC"),
                           ARGV(T, "sub", "-p", g_port, "-t", "out/r", "-C", "1", "-F", "%U|%I|@Y")),
              0);
    long long sec = 0;
    long nsec = 0;
    int year = 0;
    char iso[32] = "";
    assert_int_equal(sscanf(p.buf[0], "%lld.%9ld|%25[^|]|%d", &sec, &nsec, iso, &year), 4);
    assert_true(llabs(sec - (long long)time(NULL)) < 60);
    assert_int_equal(strlen(iso), 24);
    assert_string_equal(iso + 19, "+0000");
    assert_true(year >= 2024);
    proc_free(&p);

    /* %J: the payload as JSON when it is JSON; said on stderr when not. */
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "out/j", "-m", "{\"a\":[1,2.5e3,null]}", "-r"));
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "out/j", "-C", "1", "-F", "%J")),
              0);
    EXPECT_HAS(&p, PROC_OUT, "\"payloadlen\":20,\"payload\":{\"a\":[1,2.5e3,null]}}\n");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "out/r", "-C", "1", "-W", "1",
                                     "-F", "%J")), 4);
    EXPECT_OUT(&p, "");
    EXPECT_HAS(&p, PROC_ERR, "the payload on topic 'out/r' is not valid JSON (%J)");
    proc_free(&p);

    /* Binary: base64 in --json, hex with -F %x. */
    static const uint8_t bin[] = {0xff, 0x00, 0x41};
    write_file(path_in("bin"), bin, sizeof bin, 0600);
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "out/bin", "-f", path_in("bin"), "-r"));
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "out/bin", "-C", "1", "--json")),
              0);
    EXPECT_OUT(&p, "{\"topic\":\"out/bin\",\"qos\":0,\"retain\":true,\"payload\":\"/wBB\","
                   "\"encoding\":\"base64\"}\n");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "out/bin", "-C", "1", "-F",
                                     "%x %08X %l")), 0);
    EXPECT_OUT(&p, "ff0041 00FF0041 3\n");
    proc_free(&p);
}

/* -R, --retained-only, -T, -C, -E, -U, --remove-retained, -W, an empty
 * message, --retain-as-published. */
static void test_sub_filters(void **state)
{
    (void)state;
    proc p, s;
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/a", "-m", "A", "-r"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/b", "-m", "B", "-r"));

    /* -R: the retained message is not printed; -W ends it: exit 4. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "flt/a", "-R", "-W", "1")), 4);
    EXPECT_OUT(&p, "");
    EXPECT_HAS(&p, PROC_ERR, "timed out after 1 s (-W) with 0 messages printed");
    proc_free(&p);
    sub_start(&s, ARGV(T, "sub", "-p", g_port, "-t", "flt/a", "-R", "-C", "1", "-W", "20", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/a", "-m", "fresh"));
    sub_done(&s, 0, "fresh\n");
    proc_free(&s);

    /* --retained-only: retained ones, then exit at the first live one. */
    sub_start(&s, ARGV(T, "sub", "-p", g_port, "-t", "flt/a", "--retained-only", "-W", "20", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/a", "-m", "live"));
    sub_done(&s, 0, "A\n");
    proc_free(&s);

    /* -T and -C 1: only what is not filtered out counts. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "flt/#", "-T", "flt/a", "-C", "1",
                                     "-v", "-W", "5")), 0);
    EXPECT_OUT(&p, "flt/b B\n");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "flt/#", "-T", "flt/+", "-W", "1")),
              4);
    EXPECT_OUT(&p, "");
    proc_free(&p);

    /* -E: exit once subscribed (the retained messages may come first). */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "flt/none", "-E", "-W", "5")), 0);
    proc_free(&p);

    /* -U: a persistent session subscribed to two filters, one of them
     * removed by a later run: only the other one's messages are kept. */
    pub_ok(NULL, ARGV(T, "sub", "-p", g_port, "-c", "-i", "tool-u", "-q", "1", "-t", "u/a", "-t",
                      "u/b", "-E"));
    pub_ok(NULL, ARGV(T, "sub", "-p", g_port, "-c", "-i", "tool-u", "-U", "u/a", "-E"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "u/a", "-m", "dropped", "-q", "1"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "u/b", "-m", "kept", "-q", "1"));
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-c", "-i", "tool-u", "-q", "1", "-t",
                                     "u/none", "-v", "-W", "2")), 4);
    EXPECT_OUT(&p, "u/b kept\n");
    proc_free(&p);
    pub_ok(NULL, ARGV(T, "sub", "-p", g_port, "-i", "tool-u", "-t", "u/none", "-E"));

    /* --remove-retained clears what it prints. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "flt/#", "--remove-retained",
                                     "-C", "2", "-F", "%t", "-W", "5")), 0);
    assert_int_equal(count_of(p.buf[0], "flt/a\n") + count_of(p.buf[0], "flt/b\n"), 2);
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "flt/#", "-W", "1")), 4);
    EXPECT_OUT(&p, "");
    proc_free(&p);

    /* An empty message: nothing in payload mode, "(null)" with -v. */
    sub_start(&s, ARGV(T, "sub", "-p", g_port, "-t", "flt/e", "-C", "2", "-v", "-W", "20", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/e", "-n"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/e", "-m", "x"));
    sub_done(&s, 0, "flt/e (null)\nflt/e x\n");
    proc_free(&s);
    sub_start(&s, ARGV(T, "sub", "-p", g_port, "-t", "flt/e", "-C", "2", "-W", "20", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/e", "-n"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/e", "-m", "x"));
    sub_done(&s, 0, "x\n");
    proc_free(&s);

    /* --retain-as-published: a live retained message keeps its flag. */
    sub_start(&s, ARGV(T, "sub", "-p", g_port, "-V", "5", "-t", "flt/rap", "--retain-as-published",
                       "-C", "1", "-F", "%r %p", "-W", "20", "-d"));
    proc q;
    sub_start(&q, ARGV(T, "sub", "-p", g_port, "-V", "5", "-t", "flt/rap", "-C", "1", "-F", "%r %p",
                       "-W", "20", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/rap", "-m", "r", "-r"));
    sub_done(&s, 0, "1 r\n");
    sub_done(&q, 0, "0 r\n");
    proc_free(&s);
    proc_free(&q);
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "flt/rap", "-n", "-r"));
}

/* -m, -f, -s, -n, -l, --repeat, -r, and what the trace says of -i, -I,
 * -k, -c, -x, --nodelay. */
static void test_pub_sources(void **state)
{
    (void)state;
    proc s, p;
    write_file(path_in("msg"), "line1\nline2\n", 12, 0600);
    sub_start(&s, ARGV(T, "sub", "-p", g_port, "-t", "src/#", "-q", "1", "-C", "9", "-W", "20",
                       "-F", "%t|%l|%p", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/m", "-m", "text", "-q", "1"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/f", "-f", path_in("msg"), "-q", "1"));
    pub_ok("from stdin", ARGV(T, "pub", "-p", g_port, "-t", "src/s", "-s", "-q", "1"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/n", "-n", "-q", "1"));
    pub_ok("a\n\nb", ARGV(T, "pub", "-p", g_port, "-t", "src/l", "-l", "-q", "1"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/r", "-m", "rep", "--repeat", "2",
                      "--repeat-delay", "0.05", "-q", "1"));
    sub_done(&s, 0,
             "src/m|4|text\nsrc/f|12|line1\nline2\n\nsrc/s|10|from stdin\nsrc/n|0|\n"
             "src/l|1|a\nsrc/l|0|\nsrc/l|1|b\nsrc/r|3|rep\nsrc/r|3|rep\n");
    proc_free(&s);

    /* A message of 2 MB, both ways, in both versions. */
    static const char *const versions[] = {"311", "5"};
    char *big = malloc(2000000);
    assert_non_null(big);
    memset(big, 'z', 2000000);
    write_file(path_in("big"), big, 2000000, 0600);
    free(big);
    for (int v = 0; v < 2; v++) {
        sub_start(&s, ARGV(T, "sub", "-p", g_port, "-V", versions[v], "-t", "src/big", "-q", "1",
                           "-C", "1", "-W", "20", "-F", "%l", "-d"));
        pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-V", versions[v], "-t", "src/big", "-f",
                          path_in("big"), "-q", "1"));
        sub_done(&s, 0, "2000000\n");
        proc_free(&s);
    }

    /* --repeat-delay is waited for between the publishes. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/d", "-m", "d", "--repeat", "3",
                      "--repeat-delay", "0.3"));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 >= 600);

    /* -r */
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/ret", "-m", "kept", "-r"));
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "src/ret", "-C", "1", "-F",
                                     "%r %p")), 0);
    EXPECT_OUT(&p, "1 kept\n");
    proc_free(&p);
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/ret", "-n", "-r"));

    /* What goes into CONNECT, as the trace shows it. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/x", "-m", "x", "-d", "-i",
                                     "tool-id", "-k", "17", "-c", "-q", "1", "--nodelay")), 0);
    EXPECT_HAS(&p, PROC_ERR,
               "Client tool-id sending CONNECT (v3.1.1, clean 0, keepalive 17, id 'tool-id')");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/x", "-m", "x", "-d", "-I",
                                     "pfx-")), 0);
    EXPECT_HAS(&p, PROC_ERR, "sending CONNECT (v3.1.1, clean 1, keepalive 60, id 'pfx-");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/x", "-m", "x", "-d", "-V",
                                     "mqttv5", "-x", "30", "-D", "connect", "user-property", "ck",
                                     "cv", "-D", "connect", "receive-maximum", "7", "-D", "connect",
                                     "topic-alias-maximum", "3", "-D", "connect",
                                     "request-response-information", "1")), 0);
    EXPECT_HAS(&p, PROC_ERR,
               "sending CONNECT (v5, clean 1, keepalive 60, id '') [session-expiry-interval 30, "
               "request-response-information 1, receive-maximum 7, topic-alias-maximum 3, "
               "maximum-packet-size 65536, user-property 'ck'='cv']");
    proc_free(&p);
    /* -c in MQTT 5: the session never expires unless -x says otherwise. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/x", "-m", "x", "-d", "-V",
                                     "5", "-c", "-i", "tool-c5")), 0);
    EXPECT_HAS(&p, PROC_ERR, "clean 0, keepalive 60, id 'tool-c5') [session-expiry-interval "
                             "4294967295,");
    proc_free(&p);
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "src/x", "-m", "x", "-V", "5", "-i", "tool-c5"));
}

/* -d: the packets, on stderr; stdout keeps only the messages. */
static void test_debug_trace(void **state)
{
    (void)state;
    proc s, p;
    sub_start(&s, ARGV(T, "sub", "-p", g_port, "-t", "dbg/t", "-q", "2", "-V", "5", "-C", "1",
                       "-W", "20", "-d", "-i", "dbg-sub"));
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "-t", "dbg/t", "-m", "abc", "-q", "2",
                                     "-V", "5", "-i", "dbg-pub", "-d", "-D", "publish",
                                     "user-property", "k", "v")), 0);
    EXPECT_OUT(&p, "");
    static const char *const pub_lines[] = {
        "Connecting to localhost port ",
        "Client dbg-pub sending CONNECT (v5, clean 1, keepalive 60, id 'dbg-pub')",
        "Client dbg-pub received CONNACK (0: Success, session present 0) [",
        ("Client dbg-pub sending PUBLISH (d0, q2, r0, m1, 'dbg/t', ... (3 bytes)) "
         "[user-property 'k'='v']\n"),
        "Client dbg-pub received PUBREC (Mid: 1, RC:0)\n",
        "Client dbg-pub sending PUBREL (Mid: 1, RC:0)\n",
        "Client dbg-pub received PUBCOMP (Mid: 1, RC:0)\n",
        "Client dbg-pub sending DISCONNECT (0: Normal disconnection)\n",
    };
    for (size_t i = 0; i < sizeof pub_lines / sizeof *pub_lines; i++)
        EXPECT_HAS(&p, PROC_ERR, pub_lines[i]);
    proc_free(&p);
    sub_done(&s, 0, "abc\n");
    EXPECT_HAS(&s, PROC_ERR, "Client dbg-sub sending SUBSCRIBE (Mid: 1, Topic: dbg/t, QoS: 2, "
                             "Options: 0x00)\n");
    EXPECT_HAS(&s, PROC_ERR, "Client dbg-sub received SUBACK (Mid: 1, reasons: 2)\n");
    EXPECT_HAS(&s, PROC_ERR, "Client dbg-sub received PUBLISH (d0, q2, r0, m1, 'dbg/t', ... "
                             "(3 bytes)) [user-property 'k'='v']\n");
    /* Delivered at PUBLISH: with -C 1 it exits after PUBREC (exactly once
     * still: the broker has the PUBREC and will not send it again). */
    EXPECT_HAS(&s, PROC_ERR, "Client dbg-sub sending PUBREC (Mid: 1, RC:0)\n");
    proc_free(&s);
}

/* -L: host, port and topic from a URL. */
static void test_url(void **state)
{
    (void)state;
    proc s;
    char url[96];
    snprintf(url, sizeof url, "mqtt://127.0.0.1:%s/url/t", g_port);
    sub_start(&s, ARGV(T, "sub", "-L", url, "-C", "1", "-v", "-W", "20", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-L", url, "-m", "via url"));
    sub_done(&s, 0, "url/t via url\n");
    proc_free(&s);
    /* -t after -L adds a filter (sub); for pub the last topic wins. */
    snprintf(url, sizeof url, "mqtt://localhost:%s", g_port);
    sub_start(&s, ARGV(T, "sub", "-L", url, "-t", "url/u", "-C", "1", "-v", "-W", "20", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-L", url, "-t", "url/u", "-m", "plus -t"));
    sub_done(&s, 0, "url/u plus -t\n");
    proc_free(&s);
}

/* The long names (mosquitto's, and mqtts's for the rest), and --name=value. */
static void test_long_options(void **state)
{
    (void)state;
    proc p;
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "--host", "127.0.0.1", "--port", g_port, "--topic",
                                     "long/t", "--message", "spelled out", "--qos", "1", "--retain",
                                     "--id", "long-id", "--keepalive", "30", "--protocol-version",
                                     "mqttv311", "--debug")), 0);
    EXPECT_HAS(&p, PROC_ERR, "Client long-id sending CONNECT (v3.1.1, clean 1, keepalive 30, "
                             "id 'long-id')");
    EXPECT_HAS(&p, PROC_ERR, "sending PUBLISH (d0, q1, r1, m1, 'long/t', ... (11 bytes))");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "--host=127.0.0.1", "--port", g_port, "--topic",
                                     "long/t", "--count", "1", "--verbose", "--timeout", "5",
                                     "--filter-out", "long/x", "--no-newline")), 0);
    EXPECT_OUT(&p, "long/t spelled out");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "--port", g_port, "--topic", "long/t", "--count", "1",
                                     "--format=%r|%p")), 0);
    EXPECT_OUT(&p, "1|spelled out\n");
    proc_free(&p);
    pub_ok(NULL, ARGV(T, "pub", "--port", g_port, "--topic", "long/t", "--null-message", "--retain"));
}

/* The will, with its QoS, retain flag and MQTT 5 properties. */
static void test_will(void **state)
{
    (void)state;
    proc watcher, dying, p;
    sub_start(&watcher, ARGV(T, "sub", "-p", g_port, "-V", "5", "-t", "will/t", "-q", "1", "-C", "1",
                             "-F", "%t %q %P %C %p", "-W", "20", "-d"));
    sub_start(&dying, ARGV(T, "sub", "-p", g_port, "-V", "5", "-t", "will/none", "-W", "30", "-d",
                           "--will-topic", "will/t", "--will-payload", "gone", "--will-qos", "1",
                           "--will-retain", "-D", "will", "user-property", "why", "crash", "-D",
                           "will", "content-type", "text/plain"));
    EXPECT_HAS(&dying, PROC_ERR, ", will 'will/t' q1 r1 (4 bytes))");
    proc_signal(&dying, SIGKILL); /* vanish without DISCONNECT */
    proc_wait(&dying, WAIT_TIMEOUT);
    proc_free(&dying);
    sub_done(&watcher, 0, "will/t 1 why:crash text/plain gone\n");
    proc_free(&watcher);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-t", "will/t", "-C", "1", "-F",
                                     "%r %p")), 0);
    EXPECT_OUT(&p, "1 gone\n");
    proc_free(&p);
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "will/t", "-r", "-n"));
}

/* -D on PUBLISH, SUBSCRIBE, UNSUBSCRIBE, and CONNECT's maximum packet size. */
static void test_v5_properties(void **state)
{
    (void)state;
    proc s, p;
    sub_start(&s, ARGV(T, "sub", "-p", g_port, "-V", "5", "-t", "v5/t", "-C", "1", "-W", "20", "-d",
                       "-D", "subscribe", "subscription-identifier", "7", "-D", "subscribe",
                       "user-property", "s", "1", "-F", "%S|%E|%F|%R|%D|%C|%p"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-V", "5", "-t", "v5/t", "-m", "props", "-D", "publish",
                      "message-expiry-interval", "600", "-D", "publish", "payload-format-indicator",
                      "1", "-D", "publish", "response-topic", "v5/reply", "-D", "publish",
                      "correlation-data", "c0rr", "-D", "publish", "content-type", "text/x",
                      "-D", "publish", "topic-alias", "1"));
    EXPECT_RC(&s, proc_wait(&s, WAIT_TIMEOUT), 0);
    if (strcmp(s.buf[0], "7|600|1|v5/reply|c0rr|text/x|props\n") != 0 &&
        strcmp(s.buf[0], "7|599|1|v5/reply|c0rr|text/x|props\n") != 0) {
        proc_show(&s, NULL);
        fail_msg("properties not as published");
    }
    proc_free(&s);

    /* A subscriber announcing a Maximum Packet Size of 200 is not sent a
     * 300-byte message (MQTT 5: the broker drops it for that client). */
    char big[301];
    memset(big, 'b', 300);
    big[300] = '\0';
    sub_start(&s, ARGV(T, "sub", "-p", g_port, "-V", "5", "-t", "v5/mps", "-C", "1", "-v", "-W", "20",
                       "-d", "-D", "connect", "maximum-packet-size", "200"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "v5/mps", "-m", big, "-q", "1"));
    pub_ok(NULL, ARGV(T, "pub", "-p", g_port, "-t", "v5/mps", "-m", "small", "-q", "1"));
    sub_done(&s, 0, "v5/mps small\n");
    proc_free(&s);

    /* UNSUBSCRIBE with a user property is acknowledged. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_port, "-V", "5", "-t", "v5/x", "-U", "v5/x",
                                     "-D", "unsubscribe", "user-property", "u", "1", "-E", "-d")),
              0);
    EXPECT_HAS(&p, PROC_ERR, "sending UNSUBSCRIBE (Mid: 2, Topic: v5/x)");
    EXPECT_HAS(&p, PROC_ERR, "received UNSUBACK (Mid: 2, reasons: 0)");
    proc_free(&p);
}

/* ====================================================================== */
/* auth: a broker with a password file and an ACL, and one whose dynamic
 * security plugin refuses a subscription. */

#define ALICE_PW "Al1ce-s3cret-PW"
#define BOB_PW "p:w/@x-Bob-9"

static broker g_dyn;
static char g_dyn_port[8];

static const broker_user auth_users[] = {{"alice", ALICE_PW}, {"bob@home", BOB_PW}};

static int dynsec_start(void)
{
    glob_t g;
    if (glob("/usr/lib/*/mosquitto_dynamic_security.so", 0, NULL, &g) != 0) {
        fprintf(stderr, "mosquitto_dynamic_security.so not found\n");
        return -1;
    }
    char conf[1024];
    const char *json = path_in("dynsec.json");
    static const char text[] =
        "{\"defaultACLAccess\": {\"publishClientSend\": true, \"publishClientReceive\": true, "
        "\"subscribe\": true, \"unsubscribe\": true}, \"clients\": [],\n"
        "\"groups\": [{\"groupname\": \"anon\", \"roles\": [{\"rolename\": \"anon\"}]}],\n"
        "\"roles\": [{\"rolename\": \"anon\", \"acls\": [{\"acltype\": \"subscribeLiteral\", "
        "\"topic\": \"dyn/secret\", \"allow\": false}]}],\n\"anonymousGroup\": \"anon\"}\n";
    write_file(json, text, sizeof text - 1, 0600);
    snprintf(conf, sizeof conf, "plugin %s\nplugin_opt_config_file %s\n", g.gl_pathv[0], json);
    globfree(&g);
    broker_options o = BROKER_OPTIONS_INIT;
    o.extra_config = conf;
    if (broker_start(&g_dyn, &o) != 0) {
        fprintf(stderr, "%s\n", g_dyn.error);
        return -1;
    }
    snprintf(g_dyn_port, sizeof g_dyn_port, "%u", g_dyn.port);
    return 0;
}

static int auth_setup(void **state)
{
    (void)state;
    if (make_dir() != 0)
        return -1;
    static const char acl[] = "user alice\ntopic readwrite ok/#\nuser bob@home\ntopic readwrite #\n";
    write_file(path_in("acl"), acl, sizeof acl - 1, 0600);
    char conf[600];
    snprintf(conf, sizeof conf, "acl_file %s\n", path_in("acl"));
    broker_options o = BROKER_OPTIONS_INIT;
    o.users = auth_users;
    o.user_count = 2;
    o.extra_config = conf;
    if (start_broker(&o) != 0)
        return -1;
    return dynsec_start();
}

static int auth_teardown(void **state)
{
    broker_stop(&g_dyn);
    return group_teardown(state);
}

/* No password in anything the tool printed. */
static void no_secret(const proc *p)
{
    for (int i = 0; i < 2; i++) {
        if (strstr(p->buf[i], ALICE_PW) || strstr(p->buf[i], BOB_PW) || strstr(p->buf[i], "Wr0ng-pw")) {
            proc_show(p, NULL);
            fail_msg("a password was printed");
        }
    }
}

/* An XDG_CONFIG_HOME with mqtts/config holding text, with mode. */
static const char *config_home(const char *name, const char *text, mode_t mode)
{
    static char env[4][600];
    static int next;
    char dir[512], file[560];
    snprintf(dir, sizeof dir, "%s/%s", g_dir, name);
    mkdir(dir, 0700);
    snprintf(file, sizeof file, "%s/mqtts", dir);
    mkdir(file, 0700);
    snprintf(file, sizeof file, "%s/mqtts/config", dir);
    write_file(file, text, strlen(text), mode);
    char *e = env[next++ % 4];
    snprintf(e, sizeof env[0], "XDG_CONFIG_HOME=%s", dir);
    return e;
}

static void test_auth_refused(void **state)
{
    (void)state;
    proc p;
    /* Anonymous: not authorized, by name. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "-t", "ok/x", "-m", "x")), 3);
    EXPECT_HAS(&p, PROC_ERR, "refused the connection: Connection Refused, not authorized "
                             "(return code 5)");
    proc_free(&p);
    /* A wrong password, with -d: the reason, and never the password. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "-V", "5", "-u", "alice", "-P",
                                     "Wr0ng-pw", "-t", "ok/x", "-m", "x", "-d")), 3);
    EXPECT_HAS(&p, PROC_ERR, "refused the connection: Not authorized (reason code 0x87)");
    EXPECT_HAS(&p, PROC_ERR, "username 'alice', password (not shown))");
    no_secret(&p);
    proc_free(&p);
    /* Right: exit 0, and the trace shows no password either. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "-u", "alice", "-P", ALICE_PW, "-t",
                                     "ok/x", "-m", "x", "-d")), 0);
    no_secret(&p);
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "--username", "alice", "--pw", ALICE_PW,
                                     "-t", "ok/x", "-m", "x")), 0);
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "--username", "alice",
                                     "--password=" ALICE_PW, "-t", "ok/x", "-m", "x")), 0);
    proc_free(&p);
    /* A message the ACL refuses (MQTT 5 PUBACK reason). */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_port, "-V", "5", "-q", "1", "-u", "alice",
                                     "-P", ALICE_PW, "-t", "not-ok/x", "-m", "x")), 3);
    EXPECT_HAS(&p, PROC_ERR, "the broker refused 1 message: Not authorized (reason code 0x87)");
    proc_free(&p);
}

static void test_auth_suback_refused(void **state)
{
    (void)state;
    proc p;
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_dyn_port, "-t", "dyn/secret", "-W", "10")), 3);
    EXPECT_HAS(&p, PROC_ERR, "the broker refused the subscription to 'dyn/secret': Failure "
                             "(reason code 0x80)");
    EXPECT_HAS(&p, PROC_ERR, "the broker refused every subscription");
    proc_free(&p);
    /* One of two refused: a message about it, and on it goes. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-p", g_dyn_port, "-V", "5", "-t", "dyn/secret",
                                     "-t", "dyn/open", "-E", "-W", "10")), 0);
    EXPECT_HAS(&p, PROC_ERR, "the broker refused the subscription to 'dyn/secret': Not "
                             "authorized (reason code 0x87)");
    proc_free(&p);
}

static void test_auth_url_and_env(void **state)
{
    (void)state;
    proc p;
    char url[160];
    /* A URL with escaped '@', ':' and '/' in the user name and password. */
    snprintf(url, sizeof url, "mqtt://bob%%40home:p%%3Aw%%2F%%40x-Bob-9@127.0.0.1:%s/any/t", g_port);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-L", url, "-m", "x", "-d")), 0);
    EXPECT_HAS(&p, PROC_ERR, "username 'bob@home', password (not shown)");
    no_secret(&p);
    proc_free(&p);
    /* The environment. */
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV("MQTTS_USERNAME=alice", "MQTTS_PASSWORD=" ALICE_PW),
                           ARGV(T, "pub", "-p", g_port, "-t", "ok/env", "-m", "x", "-d")), 0);
    EXPECT_HAS(&p, PROC_ERR, "username 'alice', password (not shown)");
    no_secret(&p);
    proc_free(&p);
    /* The command line over the environment. */
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV("MQTTS_USERNAME=alice", "MQTTS_PASSWORD=" ALICE_PW),
                           ARGV(T, "pub", "-p", g_port, "-P", "Wr0ng-pw", "-t", "ok/env", "-m",
                                "x")), 3);
    no_secret(&p);
    proc_free(&p);
}

static void test_auth_config_file(void **state)
{
    (void)state;
    proc p;
    char text[1024];
    snprintf(text, sizeof text,
             "# mqtts test config\n"
             "port = %s\n"
             "[default]\n"
             "username = alice\n"
             "password = Wr0ng-pw\n"
             "\n"
             "[good]\n"
             "host = 127.0.0.1\n"
             "username = alice\n"
             "password = \"" ALICE_PW "\"\n"
             "version = 5\n"
             "keepalive = 42\n"
             "id = profile-id\n"
             "[bob]\n"
             "username = bob@home\n"
             "password = " BOB_PW "\n",
             g_port);
    const char *env = config_home("cfg600", text, 0600);
    /* --profile good: its section over [default]; no warning at 0600. */
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(env), ARGV(T, "pub", "--profile", "good", "-t", "ok/cfg",
                                                      "-m", "x", "-d")), 0);
    EXPECT_HAS(&p, PROC_ERR, "Connecting to 127.0.0.1 port ");
    EXPECT_HAS(&p, PROC_ERR, "sending CONNECT (v5, clean 1, keepalive 42, id 'profile-id', "
                             "username 'alice', password (not shown))");
    EXPECT_LACKS(&p, PROC_ERR, "warning");
    no_secret(&p);
    proc_free(&p);
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(env), ARGV(T, "pub", "--profile", "bob", "-t", "any/cfg",
                                                      "-m", "x")), 0);
    proc_free(&p);
    /* [default] alone has the wrong password: refused. */
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(env), ARGV(T, "pub", "-t", "ok/cfg", "-m", "x")), 3);
    no_secret(&p);
    proc_free(&p);
    /* The environment beats [default] ... */
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(env, "MQTTS_PASSWORD=" ALICE_PW),
                           ARGV(T, "pub", "-t", "ok/cfg", "-m", "x")), 0);
    proc_free(&p);
    /* ... --profile beats the environment ... */
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(env, "MQTTS_PASSWORD=Wr0ng-pw"),
                           ARGV(T, "pub", "--profile", "good", "-t", "ok/cfg", "-m", "x")), 0);
    proc_free(&p);
    /* ... and the command line beats them all. */
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(env), ARGV(T, "pub", "--profile", "good", "-P", "Wr0ng-pw",
                                                      "-t", "ok/cfg", "-m", "x")), 3);
    no_secret(&p);
    proc_free(&p);
    /* A profile that is not there. */
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(env), ARGV(T, "pub", "--profile", "nope", "-t", "ok/cfg",
                                                      "-m", "x")), 2);
    EXPECT_HAS(&p, PROC_ERR, "--profile nope: no section [nope] in ");
    proc_free(&p);

    /* Readable by others: a warning, and it still works. */
    const char *env644 = config_home("cfg644", text, 0644);
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(env644), ARGV(T, "sub", "--profile", "good", "-t", "ok/x",
                                                         "-E")), 0);
    EXPECT_HAS(&p, PROC_ERR, "mqtts: warning: ");
    EXPECT_HAS(&p, PROC_ERR, "can be read or changed by group or others (mode 644) and may hold "
                             "passwords; run: chmod 600 ");
    no_secret(&p);
    proc_free(&p);

    /* Mistakes in the file: the line, never the value. */
    const char *bad = config_home("cfgbad", "[x]\nport = 1883\npasword = Wr0ng-pw\n", 0600);
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(bad), ARGV(T, "pub", "-t", "x", "-m", "x")), 2);
    EXPECT_HAS(&p, PROC_ERR, "mqtts/config:3: unknown key 'pasword'");
    no_secret(&p);
    proc_free(&p);
    const char *badv = config_home("cfgbadv", "port = many\n", 0600);
    EXPECT_RC(&p, tool_env(&p, NULL, ARGV(badv), ARGV(T, "pub", "-t", "x", "-m", "x")), 2);
    EXPECT_HAS(&p, PROC_ERR, "bad value 'many' for line 1 of the config file (port)");
    proc_free(&p);
}

/* ====================================================================== */
/* tls */

static char g_pki[300];
static char g_tls_port[4][8];

static const char *pki(const char *name)
{
    return path_join(g_pki, name);
}

static int tls_setup(void **state)
{
    (void)state;
    if (make_dir() != 0)
        return -1;
    if (make_pki(g_pki, sizeof g_pki, g_dir, MQTTS_TOOL_PKI_SCRIPT) != 0)
        return -1;
    char conf[4096];
    snprintf(conf, sizeof conf,
             "listener @PORT1@ 127.0.0.1\ncertfile %s/good-chain.pem\nkeyfile %s/good.key\n"
             "listener @PORT2@ 127.0.0.1\ncertfile %s/good-chain.pem\nkeyfile %s/good.key\n"
             "cafile %s/root.pem\nrequire_certificate true\n"
             "listener @PORT3@ 127.0.0.1\ncertfile %s/wronghost-chain.pem\n"
             "keyfile %s/wronghost.key\n"
             "listener @PORT4@ 127.0.0.1\nprotocol websockets\n"
             "certfile %s/good-chain.pem\nkeyfile %s/good.key\n",
             g_pki, g_pki, g_pki, g_pki, g_pki, g_pki, g_pki, g_pki, g_pki);
    broker_options o = BROKER_OPTIONS_INIT;
    o.extra_ports = 4;
    o.extra_config = conf;
    if (start_broker(&o) != 0)
        return -1;
    for (int i = 0; i < 4; i++)
        snprintf(g_tls_port[i], sizeof g_tls_port[i], "%u", g_b.extra_port[i]);
    return 0;
}

static void test_tls_verified(void **state)
{
    (void)state;
    proc s, p;
    const char *tp = g_tls_port[0];
    /* --cafile: sub and pub over TLS, checked by name (localhost). */
    sub_start(&s, ARGV(T, "sub", "-p", tp, "--cafile", pki("root.pem"), "-t", "tls/t", "-C", "1",
                       "-v", "-W", "20", "-d"));
    EXPECT_HAS(&s, PROC_ERR, "verified by \"O=mqtts tests, CN=mqtts Test Root CA\"");
    pub_ok(NULL, ARGV(T, "pub", "-p", tp, "--cafile", pki("root.pem"), "-t", "tls/t", "-m", "sealed",
                      "-q", "1"));
    sub_done(&s, 0, "tls/t sealed\n");
    proc_free(&s);
    /* --capath; an mqtts:// URL; 127.0.0.1 against the IP in the SAN. */
    pub_ok(NULL, ARGV(T, "pub", "-p", tp, "--capath", pki("cadir"), "-t", "tls/t", "-m", "x"));
    char url[96];
    snprintf(url, sizeof url, "mqtts://127.0.0.1:%s/tls/t", tp);
    pub_ok(NULL, ARGV(T, "pub", "-L", url, "--cafile", pki("root.der"), "-m", "x"));
    /* TLS unless asked otherwise: mqtts:// and -p 8883 without other TLS
     * options (whatever answers on 8883 here, the trace says TLS). */
    tool(&p, NULL, ARGV(T, "pub", "-L", "mqtts://127.0.0.1/x", "-m", "y", "-d"));
    EXPECT_HAS(&p, PROC_ERR, "Connecting to 127.0.0.1 port 8883 (TLS)");
    proc_free(&p);
    tool(&p, NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", "8883", "-t", "x", "-m", "y", "-d"));
    EXPECT_HAS(&p, PROC_ERR, "Connecting to 127.0.0.1 port 8883 (TLS)");
    proc_free(&p);
    /* Plain MQTT to the TLS port: exit 1, and the message points at TLS. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", tp, "-t", "x", "-m", "y")), 1);
    EXPECT_HAS(&p, PROC_ERR, "TLS");
    proc_free(&p);
}

/* MQTT over secure WebSocket (issue 6): sub and pub with a wss:// URL whose
 * path is the WebSocket path, against mosquitto's TLS websockets listener;
 * --ws-path; ws:// (no TLS) to that port fails with a WebSocket error;
 * --ws-path without a ws URL is a usage error. */
static void test_tls_websocket(void **state)
{
    (void)state;
    proc s, p;
    char url[128];
    snprintf(url, sizeof url, "wss://localhost:%s/mqtt", g_tls_port[3]);
    sub_start(&s, ARGV(T, "sub", "-L", url, "--cafile", pki("root.pem"), "-t", "ws/t", "-C", "2",
                       "-v", "-W", "20", "-q", "1", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-L", url, "--cafile", pki("root.pem"), "-t", "ws/t", "-m",
                      "over-wss", "-q", "1", "-V", "5"));
    snprintf(url, sizeof url, "wss://localhost:%s", g_tls_port[3]);
    pub_ok(NULL, ARGV(T, "pub", "-L", url, "--ws-path", "/mqtt", "--cafile", pki("root.pem"),
                      "-t", "ws/t", "-m", "path-option", "-q", "2"));
    sub_done(&s, 0, "ws/t over-wss\nws/t path-option\n");
    proc_free(&s);
    snprintf(url, sizeof url, "ws://localhost:%s/mqtt", g_tls_port[3]);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-L", url, "-t", "x", "-m", "y")), 1);
    EXPECT_HAS(&p, PROC_ERR, "WebSocket");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "--ws-path", "/mqtt", "-t", "x", "-m", "y")), 2);
    EXPECT_HAS(&p, PROC_ERR, "--ws-path");
    proc_free(&p);
}

static void test_tls_failures(void **state)
{
    (void)state;
    proc p;
    /* Another CA: not trusted, exit 5, the detail says why. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_tls_port[0], "--cafile", pki("other-root.pem"),
                                     "-t", "x", "-m", "y")), 5);
    EXPECT_HAS(&p, PROC_ERR, "failed: TLS: server certificate not trusted\n  ");
    EXPECT_HAS(&p, PROC_ERR, "mqtts Test Root CA");
    proc_free(&p);
    /* The system's store does not know the test root. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_tls_port[0], "--tls-use-os-certs", "-t", "x",
                                     "-m", "y")), 5);
    EXPECT_HAS(&p, PROC_ERR, "not trusted");
    proc_free(&p);
    /* A certificate for other names. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_tls_port[2], "--cafile", pki("root.pem"),
                                     "-t", "x", "-m", "y")), 5);
    EXPECT_HAS(&p, PROC_ERR, "TLS: certificate is for another name");
    EXPECT_HAS(&p, PROC_ERR, "wrong.example");
    proc_free(&p);
    /* --insecure gets through, with a warning (even with --quiet). */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_tls_port[2], "--insecure", "--quiet", "-t",
                                     "x", "-m", "y")), 0);
    EXPECT_HAS(&p, PROC_ERR, "mqtts: warning: ");
    EXPECT_HAS(&p, PROC_ERR, "NOT verified");
    proc_free(&p);
    /* A CA file that is not there: exit 5 before connecting. */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", g_tls_port[0], "--cafile", pki("missing.pem"),
                                     "-t", "x", "-m", "y", "-d")), 5);
    EXPECT_HAS(&p, PROC_ERR, "TLS set-up failed: ");
    EXPECT_LACKS(&p, PROC_ERR, "Connecting to");
    proc_free(&p);
}

static void test_tls_mutual(void **state)
{
    (void)state;
    proc s, p;
    const char *mp = g_tls_port[1];
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", mp, "--cafile", pki("root.pem"), "-t", "x", "-m",
                                     "y")), 5);
    EXPECT_HAS(&p, PROC_ERR, "client certificate required");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", mp, "--cafile", pki("root.pem"), "--cert",
                                     pki("client-other.pem"), "--key", pki("client-other.key"), "-t",
                                     "x", "-m", "y")), 5);
    proc_free(&p);
    /* An encrypted key: no password, exit 5; the password from the
     * environment, and it works (it is printed nowhere). */
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "pub", "-p", mp, "--cafile", pki("root.pem"), "--cert",
                                     pki("client-chain.pem"), "--key", pki("client-enc.key"), "-t",
                                     "x", "-m", "y")), 5);
    EXPECT_HAS(&p, PROC_ERR, "TLS set-up failed: ");
    proc_free(&p);
    sub_start_env(&s, ARGV("MQTTS_KEY_PASSWORD=correct horse 42"),
                  ARGV(T, "sub", "-p", mp, "--cafile", pki("root.pem"), "--cert",
                       pki("client-chain.pem"), "--key", pki("client-enc.key"), "-t", "mtls/t",
                       "-C", "1", "-W", "20", "-d"));
    EXPECT_LACKS(&s, PROC_ERR, "correct horse");
    pub_ok(NULL, ARGV(T, "pub", "-p", mp, "--cafile", pki("root.pem"), "--cert",
                      pki("client-chain.pem"), "--key", pki("client.key"), "-t", "mtls/t", "-m",
                      "both ways"));
    sub_done(&s, 0, "both ways\n");
    proc_free(&s);
}

/* ALPN: openssl s_server offers "mqtt" and prints nothing we need; the
 * TLS line of -d says what was agreed. */
static void test_tls_alpn(void **state)
{
    (void)state;
    char port[8];
    snprintf(port, sizeof port, "%u", free_port());
    proc srv, p;
    assert_int_equal(proc_start(&srv, ARGV("openssl", "s_server", "-accept", port, "-cert",
                                           pki("good.pem"), "-cert_chain", pki("inter.pem"), "-key",
                                           pki("good.key"), "-alpn", "mqtt", "-www"),
                                NULL, false),
                     0);
    if (!proc_wait_for(&srv, PROC_OUT, "ACCEPT", 1, WAIT_TIMEOUT)) {
        proc_show(&srv, NULL);
        fail_msg("openssl s_server did not start");
    }
    assert_int_equal(proc_start(&p, ARGV(T, "pub", "-p", port, "--cafile", pki("root.pem"),
                                         "--tls-alpn", "x-other", "--tls-alpn", "mqtt", "-t", "x",
                                         "-m", "y", "-d"),
                                NULL, false),
                     0);
    if (!proc_wait_for(&p, PROC_ERR, "ALPN \"mqtt\"", 1, WAIT_TIMEOUT)) {
        proc_show(&p, NULL);
        fail_msg("ALPN mqtt was not agreed");
    }
    proc_signal(&p, SIGTERM); /* s_server is no broker: no CONNACK comes */
    proc_wait(&p, WAIT_TIMEOUT);
    proc_free(&p);
    assert_int_equal(proc_start(&p, ARGV(T, "pub", "-p", port, "--cafile", pki("root.pem"), "-t", "x",
                                         "-m", "y", "-d"),
                                NULL, false),
                     0);
    if (!proc_wait_for(&p, PROC_ERR, "TLS to localhost", 1, WAIT_TIMEOUT)) {
        proc_show(&p, NULL);
        fail_msg("no TLS connection");
    }
    proc_signal(&p, SIGTERM);
    proc_wait(&p, WAIT_TIMEOUT);
    EXPECT_LACKS(&p, PROC_ERR, "ALPN");
    proc_free(&p);
    proc_free(&srv);
}

/* ====================================================================== */
/* reconnect */

static int reconnect_setup(void **state)
{
    (void)state;
    if (make_dir() != 0)
        return -1;
    broker_options o = BROKER_OPTIONS_INIT;
    o.persistence = true;
    return start_broker(&o);
}

static void restart(void)
{
    if (broker_restart(&g_b) != 0)
        fail_msg("%s", g_b.error);
}

/* QoS 1 is "at least once": a message whose PUBACK the broker had not
 * processed when it went down comes again after the restart. So what
 * these tests check is that nothing is lost and the order holds: the
 * output with repeated lines dropped (the messages are all different). */
static void expect_unique_lines(const proc *p, const char *want)
{
    char out[4096] = "";
    size_t used = 0;
    for (const char *line = p->buf[0]; *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) + 1 : strlen(line);
        char one[256];
        snprintf(one, sizeof one, "%.*s", (int)n, line);
        bool seen = strncmp(out, one, n) == 0;
        for (const char *o = strchr(out, '\n'); o && !seen; o = strchr(o + 1, '\n'))
            seen = strncmp(o + 1, one, n) == 0;
        if (!seen && used + n < sizeof out) {
            memcpy(out + used, one, n);
            used += n;
            out[used] = '\0';
        }
        line += n;
    }
    if (strcmp(out, want) != 0) {
        proc_show(p, NULL);
        fail_msg("the messages, once each, are not:\n%s", want);
    }
}

/* sub (no persistent session) keeps going through a broker restart: it
 * reconnects and subscribes again. */
static void test_sub_survives_restart(void **state)
{
    (void)state;
    proc s;
    sub_start(&s, ARGV(T, "sub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/a", "-q", "1", "-C", "2",
                       "-W", "30", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/a", "-m", "before", "-q",
                      "1"));
    assert_true(proc_wait_for(&s, PROC_OUT, "before\n", 1, WAIT_TIMEOUT));
    restart();
    if (!proc_wait_for(&s, PROC_ERR, "received SUBACK", 2, 20000)) {
        proc_show(&s, NULL);
        fail_msg("no new SUBACK after the restart");
    }
    pub_ok(NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/a", "-m", "after", "-q",
                      "1"));
    sub_done(&s, 0, "before\nafter\n");
    EXPECT_HAS(&s, PROC_ERR, "mqtts: connection lost (");
    EXPECT_HAS(&s, PROC_ERR, "mqtts: reconnected to 127.0.0.1 port ");
    EXPECT_HAS(&s, PROC_ERR, "(a new session)");
    proc_free(&s);
}

/* With -c -q 1, what is published while sub is away (the broker has just
 * restarted; sub is waiting to reconnect) reaches it, in order. */
static void test_persistent_loses_nothing(void **state)
{
    (void)state;
    proc s;
    sub_start(&s, ARGV(T, "sub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/p", "-c", "-i",
                       "tool-keeper", "-q", "1", "-W", "40", "-d"));
    pub_ok(NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/p", "-m", "1", "-q", "1"));
    assert_true(proc_wait_for(&s, PROC_OUT, "1\n", 1, WAIT_TIMEOUT));
    restart();
    for (char m = '2'; m <= '4'; m++) {
        char msg[2] = {m, '\0'};
        pub_ok(NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/p", "-m", msg, "-q",
                          "1"));
    }
    if (!proc_wait_for(&s, PROC_ERR, "reconnected", 1, 20000)) {
        proc_show(&s, NULL);
        fail_msg("sub did not reconnect");
    }
    pub_ok(NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/p", "-m", "5", "-q", "1"));
    pub_ok(NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/p", "-m", "6", "-q", "1"));
    if (!proc_wait_for(&s, PROC_OUT, "6\n", 1, 20000)) {
        proc_show(&s, NULL);
        fail_msg("message 6 did not come");
    }
    proc_signal(&s, SIGTERM); /* the way to stop sub: exit 0 */
    EXPECT_RC(&s, proc_wait(&s, WAIT_TIMEOUT), 0);
    expect_unique_lines(&s, "1\n2\n3\n4\n5\n6\n");
    EXPECT_HAS(&s, PROC_ERR, "(the broker kept our session)");
    proc_free(&s);

    /* Away because it was stopped: the broker keeps its messages too. */
    pub_ok(NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/p", "-m", "7", "-q", "1"));
    proc p;
    EXPECT_RC(&p, tool(&p, NULL, ARGV(T, "sub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/p", "-c",
                                     "-i", "tool-keeper", "-q", "1", "-C", "1", "-W", "10")), 0);
    EXPECT_OUT(&p, "7\n");
    proc_free(&p);
    pub_ok(NULL, ARGV(T, "sub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/none", "-i", "tool-keeper",
                      "-E"));
}

/* pub -l keeps reading and publishing through a restart: lines typed while
 * the broker is down go out once it is back. */
static void test_pub_lines_survive_restart(void **state)
{
    (void)state;
    proc s, p;
    sub_start(&s, ARGV(T, "sub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/l", "-c", "-i",
                       "tool-lines-r", "-q", "1", "-W", "40", "-d"));
    assert_int_equal(proc_start(&p, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/l", "-l",
                                         "-q", "1", "-c", "-i", "tool-lines-w"),
                                NULL, true),
                     0);
    proc_write(&p, "first\n");
    assert_true(proc_wait_for(&s, PROC_OUT, "first\n", 1, WAIT_TIMEOUT));
    restart();
    proc_write(&p, "second\nthird\n");
    if (!proc_wait_for(&p, PROC_ERR, "reconnected", 1, 20000)) {
        proc_show(&p, NULL);
        fail_msg("pub -l did not reconnect");
    }
    proc_write(&p, "fourth");
    EXPECT_RC(&p, proc_wait(&p, 20000), 0); /* end of input: delivered, then exit */
    EXPECT_HAS(&p, PROC_ERR, "mqtts: connection lost (");
    if (!proc_wait_for(&s, PROC_OUT, "fourth\n", 1, 20000)) {
        proc_show(&s, NULL);
        fail_msg("the last line did not come");
    }
    proc_signal(&s, SIGTERM);
    EXPECT_RC(&s, proc_wait(&s, WAIT_TIMEOUT), 0);
    expect_unique_lines(&s, "first\nsecond\nthird\nfourth\n");
    proc_free(&p);
    proc_free(&s);
    pub_ok(NULL, ARGV(T, "sub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/none", "-i", "tool-lines-r",
                      "-E"));
}

/* pub -l at QoS 0: lines read while the broker is down are queued, and
 * the end of input does not end the command before they are sent. The
 * last one is retained, so a later sub shows they arrived. */
static void test_pub_qos0_offline_queue(void **state)
{
    (void)state;
    proc p, s;
    assert_int_equal(proc_start(&p, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/q0",
                                         "-l", "-r", "-d"),
                                NULL, true),
                     0);
    if (!proc_wait_for(&p, PROC_ERR, "received CONNACK", 1, WAIT_TIMEOUT)) {
        proc_show(&p, NULL);
        fail_msg("pub -l did not connect");
    }
    if (broker_kill(&g_b) != 0)
        fail_msg("%s", g_b.error);
    if (!proc_wait_for(&p, PROC_ERR, "connection lost", 1, WAIT_TIMEOUT)) {
        proc_show(&p, NULL);
        fail_msg("pub -l did not notice the broker was gone");
    }
    proc_write(&p, "one\ntwo\nthree\n");
    proc_close_stdin(&p);
    restart();
    EXPECT_RC(&p, proc_wait(&p, 20000), 0);
    EXPECT_HAS(&p, PROC_ERR, "sending PUBLISH (d0, q0, r1, m0, 'rs/q0', ... (5 bytes))");
    proc_free(&p);
    EXPECT_RC(&s, tool(&s, NULL, ARGV(T, "sub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/q0", "-C",
                                     "1", "-W", "5")), 0);
    EXPECT_OUT(&s, "three\n");
    proc_free(&s);
    pub_ok(NULL, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_port, "-t", "rs/q0", "-r", "-n"));
}

/* ====================================================================== */
/* compat: the same script, run with mosquitto_pub/sub and with mqtts. */

static void test_compat_script(void **state)
{
    (void)state;
    char shim_dir[400], shim[460], text[600], path_env[8192], closed[8];
    snprintf(shim_dir, sizeof shim_dir, "%s/shims", g_dir);
    mkdir(shim_dir, 0700);
    snprintf(shim, sizeof shim, "%s/mosquitto_pub", shim_dir);
    snprintf(text, sizeof text, "#!/bin/sh\nexec '%s' pub \"$@\"\n", T);
    write_file(shim, text, strlen(text), 0700);
    snprintf(shim, sizeof shim, "%s/mosquitto_sub", shim_dir);
    snprintf(text, sizeof text, "#!/bin/sh\nexec '%s' sub \"$@\"\n", T);
    write_file(shim, text, strlen(text), 0700);
    snprintf(closed, sizeof closed, "%u", free_port());
    const char *path = getenv("PATH");
    snprintf(path_env, sizeof path_env, "PATH=%s:%s", shim_dir, path ? path : "/usr/bin:/bin");

    proc real, ours;
    EXPECT_RC(&real, run(&real, ARGV("bash", MQTTS_TOOL_COMPAT_SCRIPT, g_port, closed), NULL, NULL,
                         60000),
              0);
    EXPECT_RC(&ours, run(&ours, ARGV("bash", MQTTS_TOOL_COMPAT_SCRIPT, g_port, closed), NULL,
                         ARGV(path_env), 60000),
              0);
    /* The real clients did what the script expects ... */
    EXPECT_HAS(&real, PROC_OUT, "compat/queue/lines|1|0|0|\ncompat/queue/lines|1|0|5|three\n");
    EXPECT_HAS(&real, PROC_OUT, "compat/q2 exactly once 3\nq2: 0\n");
    EXPECT_HAS(&real, PROC_OUT, "compat/v5/props 1 unit:celsius application/json compat/v5/reply "
                                "abc {\"t\":21.5}\nv5: 0\n");
    EXPECT_HAS(&real, PROC_OUT, "== done\n");
    /* ... and mqtts did exactly the same. */
    if (strcmp(real.buf[0], ours.buf[0]) != 0) {
        print_message("--- mosquitto_pub/sub:\n%s--- mqtts:\n%s--- mqtts stderr:\n%s", real.buf[0],
                      ours.buf[0], ours.buf[1]);
        fail_msg("the script's output differs with mqtts");
    }
    proc_free(&real);
    proc_free(&ours);
}

/* ====================================================================== */

int main(int argc, char **argv)
{
    const struct CMUnitTest cli[] = {
        cmocka_unit_test(test_cli_help),
        cmocka_unit_test(test_cli_usage_errors),
        cmocka_unit_test(test_cli_quiet_and_redaction),
    };
    const struct CMUnitTest plain[] = {
        cmocka_unit_test(test_pubsub_qos_versions), cmocka_unit_test(test_output_formats),
        cmocka_unit_test(test_sub_filters),         cmocka_unit_test(test_pub_sources),
        cmocka_unit_test(test_debug_trace),         cmocka_unit_test(test_url),
        cmocka_unit_test(test_long_options),
        cmocka_unit_test(test_will),                cmocka_unit_test(test_v5_properties),
    };
    const struct CMUnitTest auth[] = {
        cmocka_unit_test(test_auth_refused),
        cmocka_unit_test(test_auth_suback_refused),
        cmocka_unit_test(test_auth_url_and_env),
        cmocka_unit_test(test_auth_config_file),
    };
    const struct CMUnitTest tls[] = {
        cmocka_unit_test(test_tls_verified),
        cmocka_unit_test(test_tls_failures),
        cmocka_unit_test(test_tls_mutual),
        cmocka_unit_test(test_tls_alpn),
        cmocka_unit_test(test_tls_websocket),
    };
    const struct CMUnitTest reconnect[] = {
        cmocka_unit_test(test_sub_survives_restart),
        cmocka_unit_test(test_persistent_loses_nothing),
        cmocka_unit_test(test_pub_lines_survive_restart),
        cmocka_unit_test(test_pub_qos0_offline_queue),
    };
    const struct CMUnitTest compat[] = {
        cmocka_unit_test(test_compat_script),
    };
    const struct CMUnitTest leaks[] = {
        cmocka_unit_test(test_debug_trace),
        cmocka_unit_test(test_url),
        cmocka_unit_test(test_will),
    };
    const char *group = argc > 1 ? argv[1] : "";
    if (strcmp(group, "valgrind") == 0)
        return cmocka_run_group_tests_name("valgrind", leaks, valgrind_setup, group_teardown);
    if (strcmp(group, "cli") == 0)
        return make_dir() != 0 ? 1 : cmocka_run_group_tests_name("cli", cli, NULL, group_teardown);
    if (strcmp(group, "plain") == 0)
        return cmocka_run_group_tests_name("plain", plain, plain_setup, group_teardown);
    if (strcmp(group, "auth") == 0)
        return cmocka_run_group_tests_name("auth", auth, auth_setup, auth_teardown);
    if (strcmp(group, "tls") == 0)
        return cmocka_run_group_tests_name("tls", tls, tls_setup, group_teardown);
    if (strcmp(group, "reconnect") == 0)
        return cmocka_run_group_tests_name("reconnect", reconnect, reconnect_setup, group_teardown);
    if (strcmp(group, "compat") == 0)
        return cmocka_run_group_tests_name("compat", compat, plain_setup, group_teardown);
    fprintf(stderr, "usage: test_tool cli|plain|auth|tls|reconnect|compat\n");
    return 2;
}
