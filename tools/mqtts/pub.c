/*
 * pub.c - `mqtts pub`: publish one message (-m, -f, -s, -n), the same one
 * N times (--repeat), or each line of standard input (-l).
 *
 * A one-shot publish behaves as mosquitto_pub does: if the connection
 * drops before the broker has the message, it fails. A long-running one
 * (-l, --repeat N > 1) reconnects with backoff instead; QoS 1/2 messages
 * wait in the session's store until the broker acknowledges them (resent
 * after a reconnect), and QoS 0 messages published while offline are
 * queued and sent on reconnect.
 */
#define _POSIX_C_SOURCE 200809L

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "conn.h"
#include "opts.h"
#include "tool.h"

#define RX_SIZE (64u * 1024u) /* pub receives acknowledgements only */
#define STORE_MIN (4u * 1024u * 1024u)
#define STORE_SLOTS 4096u
#define READ_CHUNK 65536u

typedef struct pub_state {
    tool_opts o;
    tool_conn c;
    uint8_t *data; /* -f, -s: the message */
    size_t len;
    long refused;
    uint8_t refused_reason;
    char *line;    /* -l: the line being read */
    size_t line_len, line_cap;
} pub_state;

static const char synopsis[] =
    "{-t TOPIC | -L URL} {-m TEXT | -f FILE | -l | -s | -n} [options]";
static const char about[] =
    "Publish a message, or each line of standard input (-l), and exit once the broker\n"
    "has it (QoS 1/2: acknowledged). The options are mosquitto_pub's; -l and --repeat\n"
    "keep going through lost connections, reconnecting with backoff.";

static void on_event(void *user, const mqtts_event *ev)
{
    pub_state *p = user;
    if (ev->type == MQTTS_EV_DELIVERED && ev->reason >= 0x80) {
        p->refused++;
        p->refused_reason = ev->reason;
    }
}

/* The whole of fd (a file or standard input). */
static int read_all(int fd, uint8_t **out, size_t *len)
{
    size_t cap = READ_CHUNK, n = 0;
    uint8_t *buf = malloc(cap);
    for (;;) {
        if (!buf)
            return -1;
        if (n == cap) {
            uint8_t *more = realloc(buf, cap * 2);
            if (!more) {
                free(buf);
                return -1;
            }
            buf = more;
            cap *= 2;
        }
        ssize_t r = read(fd, buf + n, cap - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            int saved = errno;
            free(buf);
            errno = saved;
            return -1;
        }
        if (r == 0)
            break;
        n += (size_t)r;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int load_message(pub_state *p)
{
    if (p->o.source == MSG_STDIN_ALL) {
        if (read_all(STDIN_FILENO, &p->data, &p->len) != 0) {
            tool_error("cannot read standard input: %s", strerror(errno));
            return EXIT_USAGE;
        }
    } else if (p->o.source == MSG_FILE) {
        FILE *f = fopen(p->o.file, "rb");
        int rc = f ? read_all(fileno(f), &p->data, &p->len) : -1;
        int saved = errno;
        if (f)
            fclose(f);
        if (rc != 0) {
            tool_error("-f: cannot read '%s': %s", p->o.file, strerror(saved));
            return EXIT_USAGE;
        }
    } else if (p->o.source == MSG_ARG) {
        p->len = strlen(p->o.message);
    }
    return EXIT_OK;
}

/* Whether to give up (the connection is beyond saving, or a signal came);
 * says why. */
static bool gone(pub_state *p, int *rc)
{
    if ((*rc = conn_check(&p->c)) != EXIT_OK)
        return true;
    if (tool_stop) {
        tool_error("interrupted");
        *rc = EXIT_CONN;
        return true;
    }
    return false;
}

/* Queue one message; while the store is full, let the connection drain it. */
static int publish_one(pub_state *p, const uint8_t *payload, size_t len)
{
    const tool_opts *o = &p->o;
    mqtts_publish m;
    int rc = EXIT_OK;
    memset(&m, 0, sizeof m);
    m.topic = mqtts_cstr(o->topic);
    m.payload = mqtts_bytes(len ? payload : (const uint8_t *)"", len);
    m.qos = o->qos;
    m.retain = o->retain;
    if (o->version == MQTTS_V5)
        m.props = o->props[PSET_PUBLISH].props;
    for (;;) {
        mqtts_err e = mqtts_client_publish(&p->c.client, &m, NULL);
        if (e == MQTTS_OK)
            return EXIT_OK;
        if (e == MQTTS_ERR_QUEUE_FULL || e == MQTTS_ERR_NOT_CONNECTED) {
            if (gone(p, &rc))
                return rc;
            (void)conn_step(&p->c, -1, 100, NULL);
            continue;
        }
        if (e == MQTTS_ERR_PACKET_TOO_LARGE) {
            tool_error("a message of %zu bytes is more than the broker (or mqtts) accepts", len);
            return EXIT_REFUSED;
        }
        if (e == MQTTS_ERR_BROKER_LIMIT) {
            tool_error("the broker does not allow QoS %u%s", o->qos,
                       o->retain ? ", or retained messages" : "");
            return EXIT_REFUSED;
        }
        tool_error("cannot publish to '%s': %s", o->topic, mqtts_strerror(e));
        return EXIT_USAGE;
    }
}

/* Let the connection run for ms (between repeats), or just once (0). */
static int run_for(pub_state *p, uint32_t ms)
{
    uint32_t start = conn_now();
    int rc = EXIT_OK;
    do {
        uint32_t spent = conn_now() - start;
        (void)conn_step(&p->c, -1, ms > spent ? ms - spent : 0, NULL);
        if (gone(p, &rc))
            return rc;
    } while (conn_now() - start < ms);
    return EXIT_OK;
}

static int publish_repeat(pub_state *p)
{
    const uint8_t *payload = p->o.source == MSG_ARG ? (const uint8_t *)p->o.message : p->data;
    for (long i = 0; i < p->o.repeat; i++) {
        int rc = publish_one(p, payload, p->len);
        if (rc == EXIT_OK)
            rc = run_for(p, i + 1 < p->o.repeat ? p->o.repeat_delay_ms : 0);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

/* -l: each complete line in the buffer is a message ('\n' removed). */
static int publish_lines_in_buffer(pub_state *p, bool eof)
{
    size_t start = 0;
    int rc = EXIT_OK;
    for (size_t i = 0; i < p->line_len && rc == EXIT_OK; i++) {
        if (p->line[i] == '\n') {
            rc = publish_one(p, (const uint8_t *)p->line + start, i - start);
            start = i + 1;
        }
    }
    if (rc == EXIT_OK && eof && start < p->line_len) /* a last line without '\n' */
        rc = publish_one(p, (const uint8_t *)p->line + start, p->line_len - start);
    memmove(p->line, p->line + start, p->line_len - start);
    p->line_len -= start;
    return rc;
}

static int publish_lines(pub_state *p)
{
    for (;;) {
        bool ready = false;
        int rc = EXIT_OK;
        (void)conn_step(&p->c, STDIN_FILENO, 1000, &ready);
        if (gone(p, &rc))
            return rc;
        if (!ready)
            continue;
        if (p->line_cap - p->line_len < READ_CHUNK) {
            char *more = realloc(p->line, p->line_cap + READ_CHUNK);
            if (!more) {
                tool_error("out of memory");
                return EXIT_CONN;
            }
            p->line = more;
            p->line_cap += READ_CHUNK;
        }
        ssize_t n = read(STDIN_FILENO, p->line + p->line_len, p->line_cap - p->line_len);
        if (n < 0 && (errno == EINTR || errno == EAGAIN))
            continue;
        if (n < 0) {
            tool_error("cannot read standard input: %s", strerror(errno));
            return EXIT_CONN;
        }
        p->line_len += (size_t)n;
        rc = publish_lines_in_buffer(p, n == 0);
        if (rc != EXIT_OK || n == 0)
            return rc;
    }
}

/* Until every message has left (QoS 0) or been acknowledged (QoS 1/2). */
static int wait_delivered(pub_state *p)
{
    int rc = EXIT_OK;
    while (!conn_idle(&p->c)) {
        if (gone(p, &rc))
            return rc;
        (void)conn_step(&p->c, -1, 1000, NULL);
    }
    if (p->refused) {
        tool_error("the broker refused %ld message%s: %s (reason code 0x%02X)", p->refused,
                   p->refused == 1 ? "" : "s",
                   mqtts_reason_name(p->o.version, p->o.qos == 2 ? MQTTS_PUBREC : MQTTS_PUBACK,
                                     p->refused_reason),
                   p->refused_reason);
        return EXIT_REFUSED;
    }
    return EXIT_OK;
}

static int run(pub_state *p)
{
    const tool_opts *o = &p->o;
    int rc = load_message(p);
    if (rc != EXIT_OK)
        return rc;
    bool long_running = o->source == MSG_STDIN_LINES || o->repeat > 1;
    size_t need = p->len + strlen(o->topic) + 65536u;
    conn_params cp = {RX_SIZE, need > STORE_MIN ? need : STORE_MIN, STORE_SLOTS, long_running,
                      long_running, on_event, p};
    rc = conn_init(&p->c, o, &cp);
    if (rc != EXIT_OK)
        return rc;
    conn_signals();
    rc = conn_open(&p->c);
    if (rc != EXIT_OK)
        return rc;
    rc = o->source == MSG_STDIN_LINES ? publish_lines(p) : publish_repeat(p);
    if (rc == EXIT_OK)
        rc = wait_delivered(p);
    conn_close(&p->c, 5000);
    return rc;
}

int cmd_pub(int argc, char **argv)
{
    pub_state p;
    memset(&p, 0, sizeof p);
    int rc = opts_load(&p.o, CMD_PUB, "pub", argc, argv);
    if (rc < 0) {
        opts_help(CMD_PUB, "pub", synopsis, about);
        rc = EXIT_OK;
    } else if (rc == EXIT_OK) {
        rc = run(&p);
    }
    conn_free(&p.c);
    opts_free(&p.o);
    free(p.data);
    free(p.line);
    return rc;
}
