/*
 * device.c - `mqtts device --config device.conf`: the virtual device. The
 * portable runtime (src/device) on the Linux platform (ports/posix): the
 * link is always up, the LED is a log line, telemetry is uptime, load and
 * a counter in JSON, and commands are ping, led on|off, status and reboot
 * (simulated: the runtime stops cleanly and starts again).
 *
 * Every line goes to stderr, prefixed "mqtts device: ", so a supervisor or
 * a test can follow the stages; the password is never printed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "mqtts/device.h"
#include "tool.h"
#include "../../ports/posix/device_posix.h"

/* Longest single wait, so that SIGINT/SIGTERM (which do not cut a poll()
 * short in the transport) is acted upon quickly. */
#define DEVICE_WAIT_SLICE_MS 200u
/* How long a clean stop may take before the connection is dropped. */
#define DEVICE_STOP_MS 3000u

typedef struct vdevice {
    mqtts_posix_device_conf conf;
    mqtts_posix_device port;
    mqtts_device dev;
    uint32_t started_ms;       /* the process began (uptime) */
    uint32_t boots;            /* runtime starts: 1, then +1 per reboot */
    uint32_t telemetry_count;
    uint32_t commands;
    uint32_t connections;      /* times ONLINE was reached */
    bool led;                  /* the user LED (`led on|off`) */
    bool reboot_asked;
    char status_topic[300], telemetry_topic[300], command_topic[300];
} vdevice;

static uint32_t g_t0;

TOOL_PRINTF(2, 3) static void dlog(bool warning, const char *fmt, ...)
{
    uint32_t ms = mqtts_posix_now_ms() - g_t0;
    va_list ap;
    va_start(ap, fmt);
    fprintf(stderr, "mqtts device: [%4u.%03u] %s", ms / 1000u, ms % 1000u,
            warning ? "warning: " : "");
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
    va_end(ap);
}

static void port_log(void *user, bool warning, const char *line)
{
    (void)user;
    dlog(warning, "%s", line);
}

static uint32_t uptime_s(const vdevice *v)
{
    return (mqtts_posix_now_ms() - v->started_ms) / 1000u;
}

/* ---------------------------------------------------------------------- */
/* Status lines. */

static const char *version_name(mqtts_version v)
{
    return v == MQTTS_V311 ? "MQTT 3.1.1" : "MQTT 5";
}

static void say_entered(vdevice *v, mqtts_device_stage stage)
{
    const mqtts_device_config *c = &v->conf.dev;
    uint16_t port = c->port ? c->port : (c->tls ? 8883 : 1883);
    switch (stage) {
    case MQTTS_DEVICE_LINK:
        dlog(false, "stage link: the network is always up on Linux");
        break;
    case MQTTS_DEVICE_TIME:
        dlog(false, "stage time: checking the wall clock (the host's NTP keeps it)");
        break;
    case MQTTS_DEVICE_DNS:
        dlog(false, "stage dns: %s is resolved when connecting", c->host);
        break;
    case MQTTS_DEVICE_TLS:
        dlog(false, "stage tls: connecting to %s:%u (%s%s%s)", c->host, port,
             c->tls ? "TLS, trust: " : "plain TCP, NOT encrypted",
             c->tls ? (v->conf.cafile ? v->conf.cafile : "the system store") : "", "");
        break;
    case MQTTS_DEVICE_MQTT:
        dlog(false, "stage mqtt: CONNECT sent (%s, client id %s, user %s), waiting for CONNACK",
             version_name(c->version), c->client_id ? c->client_id : "(assigned)",
             c->username ? c->username : "(none)");
        break;
    case MQTTS_DEVICE_ONLINE:
        v->connections++;
        dlog(false, "stage online: \"online\" (retained) on %s; telemetry on %s every %u ms; "
                    "commands on %s and %s/+",
             v->status_topic, v->telemetry_topic, (unsigned)c->telemetry_period_ms,
             v->command_topic, v->command_topic);
        break;
    case MQTTS_DEVICE_STOPPED:
        dlog(false, "stage stopped");
        break;
    }
}

static void say_failed(vdevice *v, const mqtts_device_status *st)
{
    char reason[96] = "";
    if (st->reason) {
        mqtts_packet_type t = st->err == MQTTS_ERR_REFUSED && st->stage == MQTTS_DEVICE_MQTT
                                  ? MQTTS_CONNACK
                                  : MQTTS_DISCONNECT;
        if (st->stage == MQTTS_DEVICE_ONLINE && st->err == MQTTS_ERR_REFUSED)
            t = MQTTS_SUBACK;
        snprintf(reason, sizeof reason, " (%s, 0x%02x)",
                 mqtts_reason_name(v->conf.dev.version, t, st->reason), st->reason);
    }
    if (st->stage == MQTTS_DEVICE_ONLINE && st->retry_stage == MQTTS_DEVICE_ONLINE &&
        st->retry_ms == 0) {
        dlog(true, "online, but: %s%s", mqtts_strerror(st->err), reason);
        return;
    }
    dlog(true, "%s failed: %s%s (failure %u); retrying from %s in %u.%u s",
         mqtts_device_stage_name(st->stage), mqtts_strerror(st->err), reason,
         (unsigned)st->failures, mqtts_device_stage_name(st->retry_stage),
         (unsigned)(st->retry_ms / 1000u), (unsigned)(st->retry_ms % 1000u / 100u));
}

static void on_status(void *user, const mqtts_device_status *st)
{
    vdevice *v = user;
    if (st->err == MQTTS_OK)
        say_entered(v, st->stage);
    else
        say_failed(v, st);
}

/* ---------------------------------------------------------------------- */
/* Telemetry and commands. */

static size_t clamp(int n, size_t cap)
{
    if (n < 0)
        return 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

static void loadavg(double out[3])
{
    out[0] = out[1] = out[2] = 0;
    FILE *f = fopen("/proc/loadavg", "r");
    if (!f)
        return;
    if (fscanf(f, "%lf %lf %lf", &out[0], &out[1], &out[2]) != 3)
        out[0] = out[1] = out[2] = 0;
    fclose(f);
}

static size_t telemetry(void *user, mqtts_device *dev, uint8_t *buf, size_t cap)
{
    (void)dev;
    vdevice *v = user;
    double load[3];
    loadavg(load);
    v->telemetry_count++;
    int n = snprintf((char *)buf, cap,
                     "{\"uptime_s\":%u,\"load\":[%.2f,%.2f,%.2f],\"count\":%u,\"led\":\"%s\"}",
                     (unsigned)uptime_s(v), load[0], load[1], load[2],
                     (unsigned)v->telemetry_count, v->led ? "on" : "off");
    return clamp(n, cap);
}

static bool args_are(mqtts_str args, const char *word)
{
    return args.len == strlen(word) && memcmp(args.ptr, word, args.len) == 0;
}

static size_t reply_text(char *reply, size_t cap, const char *text)
{
    return clamp(snprintf(reply, cap, "%s", text), cap);
}

static size_t cmd_ping(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    (void)dev;
    (void)args;
    vdevice *v = user;
    v->commands++;
    dlog(false, "command ping -> pong");
    return reply_text(reply, cap, "pong");
}

static size_t cmd_led(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    (void)dev;
    vdevice *v = user;
    v->commands++;
    if (args_are(args, "on") || args_are(args, "off")) {
        v->led = args_are(args, "on");
        dlog(false, "command led: LED %s", v->led ? "ON" : "OFF");
        return reply_text(reply, cap, v->led ? "led on" : "led off");
    }
    dlog(false, "command led: bad argument");
    return reply_text(reply, cap, "error: usage: led on|off");
}

static size_t cmd_status(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    (void)args;
    vdevice *v = user;
    v->commands++;
    dlog(false, "command status");
    int n = snprintf(reply, cap,
                     "{\"stage\":\"%s\",\"uptime_s\":%u,\"boots\":%u,\"connections\":%u,"
                     "\"telemetry\":%u,\"commands\":%u,\"led\":\"%s\"}",
                     mqtts_device_stage_name(mqtts_device_stage_of(dev)),
                     (unsigned)uptime_s(v), (unsigned)v->boots, (unsigned)v->connections,
                     (unsigned)v->telemetry_count, (unsigned)v->commands,
                     v->led ? "on" : "off");
    return clamp(n, cap);
}

static size_t cmd_reboot(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    (void)dev;
    (void)args;
    vdevice *v = user;
    v->commands++;
    v->reboot_asked = true;
    dlog(false, "command reboot: rebooting (simulated) after this reply");
    return reply_text(reply, cap, "rebooting");
}

static const mqtts_device_command commands[] = {
    {"ping", cmd_ping, NULL},
    {"led", cmd_led, NULL},
    {"status", cmd_status, NULL},
    {"reboot", cmd_reboot, NULL},
};

/* ---------------------------------------------------------------------- */
/* Running. */

/* The engine's buffers and the payload buffer: static, sized once. */
static uint8_t g_rx[4096], g_tx[4096], g_store[8192], g_payload[1024];
static mqtts_session_slot g_slots[32];
static uint16_t g_qos2[16];
static mqtts_session_sub g_subs[4];
static char g_sub_text[MQTTS_DEVICE_TOPICS_SIZE * 2];

static void memory(mqtts_device_memory *m)
{
    memset(m, 0, sizeof *m);
    m->session.rx = g_rx;
    m->session.rx_size = sizeof g_rx;
    m->session.tx = g_tx;
    m->session.tx_size = sizeof g_tx;
    m->session.store = g_store;
    m->session.store_size = sizeof g_store;
    m->session.slots = g_slots;
    m->session.slot_count = (uint16_t)(sizeof g_slots / sizeof g_slots[0]);
    m->session.qos2_in = g_qos2;
    m->session.qos2_in_count = (uint16_t)(sizeof g_qos2 / sizeof g_qos2[0]);
    m->session.subs = g_subs;
    m->session.sub_count = (uint16_t)(sizeof g_subs / sizeof g_subs[0]);
    m->session.sub_text = g_sub_text;
    m->session.sub_text_size = sizeof g_sub_text;
    m->payload = g_payload;
    m->payload_size = sizeof g_payload;
}

static void topic_of(const vdevice *v, char *out, size_t cap, const char *suffix)
{
    snprintf(out, cap, "%s%s", v->conf.dev.base_topic, suffix);
}

/* Stops the runtime: "offline" (retained) and DISCONNECT when online. */
static void stop_runtime(vdevice *v)
{
    mqtts_device_stop(&v->dev);
    uint32_t end = mqtts_posix_now_ms() + DEVICE_STOP_MS;
    while (!mqtts_device_stopped(&v->dev) && (int32_t)(end - mqtts_posix_now_ms()) > 0) {
        uint32_t next = mqtts_device_step(&v->dev, mqtts_posix_now_ms());
        mqtts_posix_device_wait(&v->port, next, 50);
    }
    mqtts_posix_device_free(&v->port);
}

static int start_runtime(vdevice *v, const mqtts_device_app *app)
{
    mqtts_device_memory mem;
    memory(&mem);
    mqtts_posix_device_platform(&v->port, &v->conf, port_log, v);
    mqtts_err e = mqtts_device_init(&v->dev, &v->conf.dev, &v->port.platform, app, &mem);
    if (e != MQTTS_OK) {
        tool_error("device: cannot start the runtime: %s (check %s)", mqtts_strerror(e),
                   v->conf.path);
        return e == MQTTS_ERR_INVALID_ARGUMENT || e == MQTTS_ERR_STRING_TOO_LONG ? EXIT_USAGE
                                                                                  : EXIT_CONN;
    }
    v->boots++;
    dlog(false, "boot %u: broker %s://%s:%u, base topic %s", (unsigned)v->boots,
         v->conf.dev.tls ? "mqtts" : "mqtt", v->conf.dev.host,
         (unsigned)(v->conf.dev.port ? v->conf.dev.port : (v->conf.dev.tls ? 8883 : 1883)),
         v->conf.dev.base_topic);
    return EXIT_OK;
}

static int run(vdevice *v)
{
    mqtts_device_app app;
    memset(&app, 0, sizeof app);
    app.telemetry = telemetry;
    app.on_status = on_status;
    app.commands = commands;
    app.command_count = sizeof commands / sizeof commands[0];
    app.user = v;
    /* The command handlers take v too. */
    static mqtts_device_command cmds[sizeof commands / sizeof commands[0]];
    for (size_t i = 0; i < app.command_count; i++) {
        cmds[i] = commands[i];
        cmds[i].user = v;
    }
    app.commands = cmds;

    int rc = start_runtime(v, &app);
    if (rc != EXIT_OK)
        return rc;
    while (!tool_stop) {
        uint32_t next = mqtts_device_step(&v->dev, mqtts_posix_now_ms());
        if (v->reboot_asked) {
            /* Let the reply go out first: one more step sends it. */
            v->reboot_asked = false;
            (void)mqtts_device_step(&v->dev, mqtts_posix_now_ms());
            dlog(false, "rebooting: publishing \"offline\", disconnecting");
            stop_runtime(v);
            dlog(false, "rebooted: starting the runtime again");
            rc = start_runtime(v, &app);
            if (rc != EXIT_OK)
                return rc;
            continue;
        }
        mqtts_posix_device_wait(&v->port, next, DEVICE_WAIT_SLICE_MS);
    }
    dlog(false, "signal received: publishing \"offline\", disconnecting");
    stop_runtime(v);
    dlog(false, "stopped");
    return EXIT_OK;
}

static void help(void)
{
    printf("Usage: mqtts device --config FILE\n"
           "\n"
           "Run the virtual device: the device runtime on Linux. It connects to the broker\n"
           "of FILE (link -> time -> dns -> tls -> mqtt -> online, retrying with backoff),\n"
           "publishes \"online\" (retained; the will says \"offline\") on BASE/status,\n"
           "telemetry (uptime, load, a counter; JSON) on BASE/telemetry, and answers\n"
           "commands on BASE/cmd (MQTT 5 response topic, or the 3.1.1 convention\n"
           "BASE/cmd/CORR -> BASE/cmd/CORR/reply):\n"
           "  ping           -> pong\n"
           "  led on|off     -> led on | led off (the LED is a log line)\n"
           "  status         -> {\"stage\":...,\"uptime_s\":...,...}\n"
           "  reboot         -> rebooting; then offline, disconnect, start again\n"
           "SIGINT/SIGTERM publish \"offline\", disconnect and exit 0.\n"
           "\n"
           "Options:\n"
           "  -c, --config FILE  the device config (see examples/device.conf)\n"
           "  -h, --help         show this help and exit\n"
           "\n"
           "MQTTS_USERNAME and MQTTS_PASSWORD override the file's credentials.\n\n");
    exit_codes_help(stdout);
}

int cmd_device(int argc, char **argv)
{
    const char *path = NULL;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            help();
            return EXIT_OK;
        } else if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && i + 1 < argc) {
            path = argv[++i];
        } else if (strncmp(a, "--config=", 9) == 0) {
            path = a + 9;
        } else {
            tool_error("device: unexpected argument '%s'\nTry 'mqtts device --help'.", a);
            return EXIT_USAGE;
        }
    }
    if (!path) {
        tool_error("device: --config FILE is required\nTry 'mqtts device --help'.");
        return EXIT_USAGE;
    }
    g_t0 = mqtts_posix_now_ms();
    static vdevice v; /* big (TLS state, topics): not on the stack */
    memset(&v, 0, sizeof v);
    v.started_ms = g_t0;
    char err[400];
    if (mqtts_posix_device_conf_load(&v.conf, path, port_log, &v, err, sizeof err) != 0) {
        tool_error("device: %s", err);
        mqtts_posix_device_conf_free(&v.conf);
        return EXIT_USAGE;
    }
    topic_of(&v, v.status_topic, sizeof v.status_topic, "/status");
    topic_of(&v, v.telemetry_topic, sizeof v.telemetry_topic, "/telemetry");
    topic_of(&v, v.command_topic, sizeof v.command_topic, "/cmd");
    conn_signals();
    int rc = run(&v);
    mqtts_posix_device_conf_free(&v.conf);
    return rc;
}
