/*
 * sub.c - `mqtts sub`: subscribe and print what arrives, until -C
 * messages, -W seconds, -E (subscribed), or a signal.
 *
 * It outlives lost connections: the client reconnects with backoff and
 * the session engine subscribes again when the broker has no session for
 * us; with -c (and -q 1 or 2) the broker keeps what was published while
 * we were away and delivers it on reconnect.
 */
#define _POSIX_C_SOURCE 200809L

#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "conn.h"
#include "opts.h"
#include "output.h"
#include "tool.h"

/* The largest message sub takes (and tells an MQTT 5 broker so); the
 * memory is only touched as far as messages fill it. */
#define RX_SIZE (16u * 1024u * 1024u)
#define STORE_SIZE (256u * 1024u) /* --remove-retained's empty messages */
#define STORE_SLOTS 256u

typedef struct sub_state {
    tool_opts o;
    tool_conn c;
    out_cfg out;
    long printed;
    bool done;          /* -C reached, or --retained-only saw a live message */
    uint16_t sub_id, unsub_id;
    bool suback, unsuback;
    size_t granted;     /* filters the broker accepted */
} sub_state;

static const char synopsis[] = "{-t FILTER... | -L URL} [options]";
static const char about[] =
    "Subscribe to topic filters and print each message that arrives: its payload, or\n"
    "as -v, -F or --json say. The options are mosquitto_sub's. It keeps going through\n"
    "lost connections, reconnecting with backoff; with -c -q 1 nothing published\n"
    "meanwhile is lost.";

static bool filtered_out(const sub_state *s, const mqtts_publish *m)
{
    for (size_t i = 0; i < s->o.filter_out.n; i++) {
        const char *f = s->o.filter_out.v[i];
        if (mqtts_topic_matches(f, strlen(f), m->topic.ptr, m->topic.len))
            return true;
    }
    return false;
}

/* --remove-retained: an empty retained message clears the topic. */
static void remove_retained(sub_state *s, const mqtts_publish *m)
{
    mqtts_publish clear;
    memset(&clear, 0, sizeof clear);
    clear.topic = m->topic;
    clear.payload = mqtts_bytes("", 0);
    clear.retain = true;
    mqtts_err e = mqtts_client_publish(&s->c.client, &clear, NULL);
    if (e != MQTTS_OK)
        tool_error("cannot clear the retained message on '%.*s': %s", (int)m->topic.len,
                   m->topic.ptr, mqtts_strerror(e));
}

static void on_message(sub_state *s, const mqtts_event *ev)
{
    const mqtts_publish *m = ev->message;
    const tool_opts *o = &s->o;
    if (s->done || filtered_out(s, m))
        return;
    if (o->remove_retained && m->retain)
        remove_retained(s, m);
    if (o->retained_only && !m->retain) {
        s->done = true;
        return;
    }
    if (o->no_retained && m->retain)
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    if (output_message(stdout, &s->out, m, ev->props, &now) != 0)
        return;
    s->printed++;
    if (o->count && s->printed >= o->count)
        s->done = true;
}

static void on_suback(sub_state *s, const mqtts_event *ev)
{
    if (ev->packet_id != s->sub_id || s->suback)
        return; /* a restore after a reconnect */
    s->suback = true;
    for (size_t i = 0; i < ev->reasons.len && i < s->o.topics.n; i++) {
        uint8_t r = ev->reasons.ptr[i];
        if (r < 0x80) {
            s->granted++;
            continue;
        }
        tool_error("the broker refused the subscription to '%s': %s (reason code 0x%02X)",
                   s->o.topics.v[i], mqtts_reason_name(s->o.version, MQTTS_SUBACK, r), r);
    }
}

static void on_event(void *user, const mqtts_event *ev)
{
    sub_state *s = user;
    switch (ev->type) {
    case MQTTS_EV_MESSAGE:
        on_message(s, ev);
        break;
    case MQTTS_EV_SUBACK:
        on_suback(s, ev);
        break;
    case MQTTS_EV_UNSUBACK:
        if (ev->packet_id == s->unsub_id)
            s->unsuback = true;
        break;
    default:
        break;
    }
}

static int subscribe_all(sub_state *s)
{
    const tool_opts *o = &s->o;
    mqtts_client *c = &s->c.client;
    bool v5 = o->version == MQTTS_V5;
    mqtts_err e = MQTTS_OK;
    if (o->topics.n) {
        mqtts_subscription *subs = calloc(o->topics.n, sizeof *subs);
        if (!subs)
            return EXIT_CONN;
        for (size_t i = 0; i < o->topics.n; i++) {
            subs[i].filter = mqtts_cstr(o->topics.v[i]);
            subs[i].qos = o->qos;
            subs[i].retain_as_published = o->retain_as_published;
        }
        e = mqtts_client_subscribe_props(c, subs, o->topics.n,
                                         v5 ? &o->props[PSET_SUBSCRIBE].props : NULL, &s->sub_id);
        free(subs);
    }
    if (e == MQTTS_OK && o->unsub.n) {
        mqtts_str *f = calloc(o->unsub.n, sizeof *f);
        if (!f)
            return EXIT_CONN;
        for (size_t i = 0; i < o->unsub.n; i++)
            f[i] = mqtts_cstr(o->unsub.v[i]);
        e = mqtts_client_unsubscribe_props(c, f, o->unsub.n,
                                           v5 ? &o->props[PSET_UNSUBSCRIBE].props : NULL,
                                           &s->unsub_id);
        free(f);
    }
    if (e != MQTTS_OK) {
        tool_error("cannot subscribe: %s", mqtts_strerror(e));
        return e == MQTTS_ERR_QUEUE_FULL || e == MQTTS_ERR_PACKET_TOO_LARGE ? EXIT_USAGE
                                                                             : EXIT_CONN;
    }
    return EXIT_OK;
}

static bool acked(const sub_state *s)
{
    return (s->o.topics.n == 0 || s->suback) && (s->o.unsub.n == 0 || s->unsuback);
}

static int receive(sub_state *s, uint32_t start)
{
    const tool_opts *o = &s->o;
    uint64_t limit = (uint64_t)o->timeout_s * 1000u;
    while (!s->done && !tool_stop) {
        if (s->suback && s->granted == 0 && o->topics.n) {
            tool_error("the broker refused every subscription");
            return EXIT_REFUSED;
        }
        if (o->exit_after_ack && acked(s))
            break;
        uint32_t wait = 1000;
        if (limit) {
            uint32_t spent = conn_now() - start;
            if (spent >= limit) {
                tool_error("timed out after %u s (-W) with %ld message%s printed", o->timeout_s,
                           s->printed, s->printed == 1 ? "" : "s");
                return EXIT_TIMEOUT;
            }
            if (limit - spent < wait)
                wait = (uint32_t)(limit - spent);
        }
        (void)conn_step(&s->c, -1, wait, NULL);
        int rc = conn_check(&s->c);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

static int run(sub_state *s, uint32_t start)
{
    const tool_opts *o = &s->o;
    s->out.mode = o->out;
    s->out.format = o->format;
    s->out.newline = !o->no_newline;
    conn_params cp = {RX_SIZE, STORE_SIZE, STORE_SLOTS, true, false, on_event, s};
    int rc = conn_init(&s->c, o, &cp);
    if (rc != EXIT_OK)
        return rc;
    conn_signals();
    rc = conn_open(&s->c);
    if (rc == EXIT_OK)
        rc = subscribe_all(s);
    if (rc == EXIT_OK)
        rc = receive(s, start);
    conn_close(&s->c, 2000);
    return rc;
}

int cmd_sub(int argc, char **argv)
{
    sub_state s;
    uint32_t start = conn_now(); /* -W counts from here, as mosquitto_sub's does */
    memset(&s, 0, sizeof s);
    int rc = opts_load(&s.o, CMD_SUB, "sub", argc, argv);
    if (rc < 0) {
        opts_help(CMD_SUB, "sub", synopsis, about);
        rc = EXIT_OK;
    } else if (rc == EXIT_OK) {
        rc = run(&s, start);
    }
    conn_free(&s.c);
    opts_free(&s.o);
    return rc;
}
