/*
 * rpc.c - `mqtts rpc`: publish a request and wait for its reply.
 *
 * The rules are the library's (docs/request-response.md): in MQTT 5 the
 * request carries a Response Topic and Correlation Data, and the reply
 * echoes the correlation; MQTT 3.1.1 has no properties, so the request goes
 * to TOPIC/CORR and its reply comes back on TOPIC/CORR/reply (CORR is the
 * correlation in lowercase hex). In MQTT 5 the default response topic is
 * that same TOPIC/CORR/reply, so a broker's ACL written for one version
 * fits the other.
 *
 * Order: subscribe to the reply topic, wait for the SUBACK, then publish,
 * so a fast responder cannot answer before we listen. A message on the
 * reply topic whose correlation is not ours (another requester, a stale
 * reply) is skipped. One-shot: a lost connection ends the command, as it
 * does for a one-shot pub.
 */
#define _GNU_SOURCE /* getrandom */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "conn.h"
#include "opts.h"
#include "output.h"
#include "tool.h"

#define RX_SIZE (16u * 1024u * 1024u) /* the largest reply (touched only as used) */
#define STORE_MIN (256u * 1024u)
#define STORE_SLOTS 16u
#define CORR_DEFAULT 8u
/* TOPIC/CORR/reply: the library's limit on TOPIC, the hex, "/reply". */
#define REPLY_TOPIC_MAX (192u + 1u + 2u * MQTTS_RR_CORRELATION_MAX + 6u + 1u)

typedef struct rpc_state {
    tool_opts o;
    tool_conn c;
    out_cfg out;
    uint8_t *data;        /* -f, -s: the request's payload */
    size_t len;
    char reply_topic[REPLY_TOPIC_MAX]; /* what we subscribe to */
    uint16_t sub_id, pub_id;
    bool suback, sub_refused;
    uint8_t sub_reason;
    bool pub_refused;
    uint8_t pub_reason;
    bool replied;
    long ignored;         /* messages on the reply topic that were not ours */
} rpc_state;

static const char synopsis[] = "{-t TOPIC | -L URL} {-m TEXT | -f FILE | -s | -n} [options]";
static const char about[] =
    "Publish a request and print the reply's payload (or as -v, -F or --json say).\n"
    "MQTT 5 (the default here): the request carries a Response Topic and Correlation\n"
    "Data, which the reply echoes. MQTT 3.1.1 (-V 311): the request goes to\n"
    "TOPIC/CORR and its reply comes back on TOPIC/CORR/reply (docs/request-response.md).\n"
    "Exit 0 with a reply, 4 when none came within -W seconds, 3 when the broker said no.";

static mqtts_bin corr_of(const rpc_state *r)
{
    return mqtts_bytes(r->o.correlation, r->o.correlation_len);
}

static void on_message(rpc_state *r, const mqtts_event *ev)
{
    const mqtts_publish *m = ev->message;
    const tool_opts *o = &r->o;
    if (r->replied)
        return;
    if (!mqtts_is_reply(o->version, m, mqtts_cstr(o->topic), corr_of(r))) {
        r->ignored++;
        if (o->debug)
            fprintf(stderr, "Ignored a message on '%.*s': not the reply to our request "
                            "(another correlation)\n", (int)m->topic.len, m->topic.ptr);
        return;
    }
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    (void)output_message(stdout, &r->out, m, ev->props, &now);
    fflush(stdout);
    r->replied = true;
}

static void on_event(void *user, const mqtts_event *ev)
{
    rpc_state *r = user;
    switch (ev->type) {
    case MQTTS_EV_MESSAGE:
        on_message(r, ev);
        break;
    case MQTTS_EV_SUBACK:
        if (ev->packet_id != r->sub_id || r->suback)
            break;
        r->suback = true;
        if (ev->reasons.len > 0 && ev->reasons.ptr[0] >= 0x80) {
            r->sub_refused = true;
            r->sub_reason = ev->reasons.ptr[0];
        }
        break;
    case MQTTS_EV_DELIVERED:
        if (ev->packet_id == r->pub_id && ev->reason >= 0x80) {
            r->pub_refused = true;
            r->pub_reason = ev->reason;
        } else if (ev->packet_id == r->pub_id && ev->reason == MQTTS_RC_NO_MATCHING_SUBSCRIBERS &&
                   r->o.version == MQTTS_V5) {
            tool_notice("the broker says no one is subscribed to '%s'; waiting for a reply "
                        "anyway", r->o.topic);
        }
        break;
    default:
        break;
    }
}

static int read_all(FILE *f, uint8_t **out, size_t *len)
{
    size_t cap = 65536, n = 0;
    uint8_t *buf = malloc(cap);
    while (buf) {
        n += fread(buf + n, 1, cap - n, f);
        if (n < cap)
            break;
        uint8_t *more = realloc(buf, cap * 2);
        if (!more)
            free(buf);
        buf = more;
        cap *= 2;
    }
    if (!buf || ferror(f)) {
        free(buf);
        return -1;
    }
    *out = buf;
    *len = n;
    return 0;
}

static int load_message(rpc_state *r)
{
    const tool_opts *o = &r->o;
    if (o->source == MSG_ARG) {
        r->len = strlen(o->message);
        return EXIT_OK;
    }
    if (o->source == MSG_NULL)
        return EXIT_OK;
    FILE *f = o->source == MSG_FILE ? fopen(o->file, "rb") : stdin;
    int rc = f ? read_all(f, &r->data, &r->len) : -1;
    int saved = errno;
    if (f && f != stdin)
        fclose(f);
    if (rc != 0) {
        if (o->source == MSG_FILE)
            tool_error("-f: cannot read '%s': %s", o->file, strerror(saved));
        else
            tool_error("cannot read standard input");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

/* The correlation (given, or random) and the topic the reply comes on. */
static int prepare(rpc_state *r)
{
    tool_opts *o = &r->o;
    if (o->correlation_len == 0) {
        if (getrandom(o->correlation, CORR_DEFAULT, 0) != (ssize_t)CORR_DEFAULT) {
            uint32_t x = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 12;
            for (size_t i = 0; i < CORR_DEFAULT; i++) {
                x = x * 1103515245u + 12345u;
                o->correlation[i] = (uint8_t)(x >> 16);
            }
        }
        o->correlation_len = CORR_DEFAULT;
    }
    mqtts_str t;
    mqtts_err e;
    if (o->response_topic) {
        size_t n = strlen(o->response_topic);
        e = n < sizeof r->reply_topic ? MQTTS_OK : MQTTS_ERR_STRING_TOO_LONG;
        if (e == MQTTS_OK)
            memcpy(r->reply_topic, o->response_topic, n + 1);
    } else {
        /* The 3.1.1 convention's topic, for MQTT 5 too. */
        e = mqtts_reply_topic(MQTTS_V311, mqtts_cstr(o->topic), corr_of(r), r->reply_topic,
                              sizeof r->reply_topic - 1, &t);
        if (e == MQTTS_OK)
            r->reply_topic[t.len] = '\0';
    }
    if (e != MQTTS_OK) {
        tool_error("-t '%s': too long for a request (at most 192 bytes)", o->topic);
        return EXIT_USAGE;
    }
    /* conn.c sizes the session's subscription memory from o->topics. */
    return str_list_add(&o->topics, r->reply_topic);
}

static int subscribe_reply(rpc_state *r)
{
    const tool_opts *o = &r->o;
    mqtts_subscription s;
    memset(&s, 0, sizeof s);
    s.filter = mqtts_cstr(r->reply_topic);
    s.qos = o->qos;
    mqtts_err e = mqtts_session_subscribe(&r->c.client.session, &s, 1,
                                          o->version == MQTTS_V5
                                              ? &o->props[PSET_SUBSCRIBE].props
                                              : NULL,
                                          &r->sub_id);
    if (e != MQTTS_OK) {
        tool_error("cannot subscribe to '%s': %s", r->reply_topic, mqtts_strerror(e));
        return EXIT_CONN;
    }
    return EXIT_OK;
}

static int publish_request(rpc_state *r)
{
    const tool_opts *o = &r->o;
    mqtts_publish m;
    memset(&m, 0, sizeof m);
    m.topic = mqtts_cstr(o->topic);
    if (o->source == MSG_ARG)
        m.payload = mqtts_bytes(o->message, r->len);
    else
        m.payload = mqtts_bytes(r->len ? r->data : (const uint8_t *)"", r->len);
    m.qos = o->qos;
    if (o->version == MQTTS_V5)
        m.props = o->props[PSET_PUBLISH].props;
    mqtts_err e = mqtts_client_request(&r->c.client, &m, mqtts_cstr(r->reply_topic), corr_of(r),
                                       &r->pub_id);
    if (e == MQTTS_ERR_PACKET_TOO_LARGE) {
        tool_error("a request of %zu bytes is more than the broker (or mqtts) accepts", r->len);
        return EXIT_REFUSED;
    }
    if (e != MQTTS_OK) {
        tool_error("cannot publish the request to '%s': %s", o->topic, mqtts_strerror(e));
        return EXIT_CONN;
    }
    return EXIT_OK;
}

static int refused(const rpc_state *r)
{
    const tool_opts *o = &r->o;
    if (r->sub_refused) {
        tool_error("the broker refused the subscription to the reply topic '%s': %s "
                   "(reason code 0x%02X)", r->reply_topic,
                   mqtts_reason_name(o->version, MQTTS_SUBACK, r->sub_reason), r->sub_reason);
    } else {
        tool_error("the broker refused the request: %s (reason code 0x%02X)",
                   mqtts_reason_name(o->version, o->qos == 2 ? MQTTS_PUBREC : MQTTS_PUBACK,
                                     r->pub_reason),
                   r->pub_reason);
    }
    return EXIT_REFUSED;
}

/* Runs the connection until `done` says so, -W runs out, or it fails. */
static int wait_until(rpc_state *r, uint32_t start, bool (*done)(const rpc_state *))
{
    uint64_t limit = (uint64_t)r->o.timeout_s * 1000u;
    while (!done(r)) {
        if (r->sub_refused || r->pub_refused)
            return refused(r);
        if (tool_stop) {
            tool_error("interrupted");
            return EXIT_CONN;
        }
        uint32_t spent = conn_now() - start;
        if (spent >= limit) {
            tool_error("no reply on '%s' within %u s (-W)%s", r->reply_topic, r->o.timeout_s,
                       r->ignored ? "; messages with another correlation were ignored" : "");
            return EXIT_TIMEOUT;
        }
        (void)conn_step(&r->c, -1, limit - spent < 1000 ? (uint32_t)(limit - spent) : 1000,
                        NULL);
        int rc = conn_check(&r->c);
        if (rc != EXIT_OK)
            return rc;
    }
    return r->sub_refused || r->pub_refused ? refused(r) : EXIT_OK;
}

static bool subscribed(const rpc_state *r)
{
    return r->suback;
}

static bool replied(const rpc_state *r)
{
    return r->replied;
}

static int run(rpc_state *r, uint32_t start)
{
    const tool_opts *o = &r->o;
    int rc = load_message(r);
    if (rc == EXIT_OK)
        rc = prepare(r);
    if (rc != EXIT_OK)
        return rc;
    r->out.mode = o->out;
    r->out.format = o->format;
    r->out.newline = !o->no_newline;
    size_t need = r->len + strlen(o->topic) + 65536u;
    conn_params cp = {RX_SIZE, need > STORE_MIN ? need : STORE_MIN, STORE_SLOTS, false, false,
                      on_event, r};
    rc = conn_init(&r->c, o, &cp);
    if (rc != EXIT_OK)
        return rc;
    conn_signals();
    rc = conn_open(&r->c);
    if (rc == EXIT_OK)
        rc = subscribe_reply(r);
    if (rc == EXIT_OK)
        rc = wait_until(r, start, subscribed);
    if (rc == EXIT_OK)
        rc = publish_request(r);
    if (rc == EXIT_OK)
        rc = wait_until(r, start, replied);
    conn_close(&r->c, 2000);
    return rc;
}

int cmd_rpc(int argc, char **argv)
{
    rpc_state r;
    uint32_t start = conn_now(); /* -W counts from here: connecting included */
    memset(&r, 0, sizeof r);
    int rc = opts_load(&r.o, CMD_RPC, "rpc", argc, argv);
    if (rc < 0) {
        opts_help(CMD_RPC, "rpc", synopsis, about);
        rc = EXIT_OK;
    } else if (rc == EXIT_OK) {
        rc = run(&r, start);
    }
    conn_free(&r.c);
    opts_free(&r.o);
    free(r.data);
    return rc;
}
