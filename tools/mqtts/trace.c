/*
 * trace.c - the -d transport. Bytes are collected per direction until
 * mqtts_frame() says a packet is whole; then it is printed and dropped.
 * A new connection starts both streams afresh.
 */
#include "trace.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "props.h"

typedef struct stream {
    uint8_t *buf;
    size_t len, cap;
    bool broken; /* a framing error: stop decoding this connection */
} stream;

struct trace {
    mqtts_transport lower;
    FILE *f;
    const mqtts_client *client;
    mqtts_version v;
    const char *peer;
    bool tls;
    stream tx, rx;
};

static const char *const type_names[16] = {
    "RESERVED", "CONNECT", "CONNACK", "PUBLISH", "PUBACK", "PUBREC", "PUBREL", "PUBCOMP",
    "SUBSCRIBE", "SUBACK", "UNSUBSCRIBE", "UNSUBACK", "PINGREQ", "PINGRESP", "DISCONNECT", "AUTH",
};

static void line_start(trace *t, bool sent, uint8_t type)
{
    mqtts_str id = mqtts_session_client_id(&t->client->session);
    if (id.len)
        fprintf(t->f, "Client %.*s %s %s", (int)id.len, id.ptr, sent ? "sending" : "received",
                type_names[type & 15]);
    else
        fprintf(t->f, "Client (no id yet) %s %s", sent ? "sending" : "received",
                type_names[type & 15]);
}

/* v5 properties in brackets: names and values, binary values by length. */
static void print_props(trace *t, const mqtts_props *p)
{
    mqtts_property pr;
    size_t pos = 0;
    bool first = true;
    if (t->v != MQTTS_V5 || !p || p->raw.len == 0)
        return;
    fputs(" [", t->f);
    while (mqtts_prop_next(p, &pos, &pr)) {
        const char *k = prop_key(pr.id);
        fprintf(t->f, "%s%s", first ? "" : ", ", k ? k : "?");
        first = false;
        switch (pr.type) {
        case MQTTS_PTYPE_STRING:
            fprintf(t->f, " '%.*s'", (int)pr.bin.len, (const char *)pr.bin.ptr);
            break;
        case MQTTS_PTYPE_BINARY:
            fprintf(t->f, " (%zu bytes)", pr.bin.len);
            break;
        case MQTTS_PTYPE_STRING_PAIR:
            fprintf(t->f, " '%.*s'='%.*s'", (int)pr.bin.len, (const char *)pr.bin.ptr,
                    (int)pr.value.len, (const char *)pr.value.ptr);
            break;
        default:
            fprintf(t->f, " %" PRIu32, pr.num);
            break;
        }
    }
    putc(']', t->f);
}

/* ---- the packets only a client sends, read field by field ---- */

typedef struct reader {
    const uint8_t *p, *end;
    bool ok;
} reader;

static uint32_t rd_n(reader *r, size_t n)
{
    uint32_t v = 0;
    if (!r->ok || (size_t)(r->end - r->p) < n) {
        r->ok = false;
        return 0;
    }
    for (size_t i = 0; i < n; i++)
        v = v << 8 | *r->p++;
    return v;
}

static mqtts_str rd_str(reader *r)
{
    mqtts_str s = {"", 0};
    size_t n = rd_n(r, 2);
    if (!r->ok || (size_t)(r->end - r->p) < n) {
        r->ok = false;
        return s;
    }
    s.ptr = (const char *)r->p;
    s.len = n;
    r->p += n;
    return s;
}

static void rd_skip_props(reader *r, mqtts_version v)
{
    uint32_t n;
    size_t used;
    if (v != MQTTS_V5 || !r->ok)
        return;
    if (mqtts_varint_decode(r->p, (size_t)(r->end - r->p), &n, &used) != MQTTS_OK ||
        (size_t)(r->end - r->p) - used < n) {
        r->ok = false;
        return;
    }
    r->p += used + n;
}

static void print_connect(trace *t, reader *r)
{
    (void)rd_str(r); /* "MQTT" */
    uint8_t level = (uint8_t)rd_n(r, 1), flags = (uint8_t)rd_n(r, 1);
    uint16_t keepalive = (uint16_t)rd_n(r, 2);
    mqtts_props props;
    size_t used = 0;
    memset(&props, 0, sizeof props);
    if (t->v == MQTTS_V5 && r->ok &&
        mqtts_props_decode(r->p, (size_t)(r->end - r->p), MQTTS_CONNECT, &props, &used) != MQTTS_OK)
        r->ok = false;
    r->p += used;
    mqtts_str id = rd_str(r);
    if (!r->ok)
        return;
    fprintf(t->f, " (%s, clean %d, keepalive %u, id '%.*s'", level == 5 ? "v5" : "v3.1.1",
            (flags >> 1) & 1, keepalive, (int)id.len, id.ptr);
    if (flags & 0x04) {
        rd_skip_props(r, t->v);
        mqtts_str wt = rd_str(r);
        mqtts_str wp = rd_str(r);
        fprintf(t->f, ", will '%.*s' q%d r%d (%zu bytes)", (int)wt.len, wt.ptr, (flags >> 3) & 3,
                (flags >> 5) & 1, wp.len);
    }
    if (flags & 0x80) {
        mqtts_str u = rd_str(r);
        fprintf(t->f, ", username '%.*s'", (int)u.len, u.ptr);
    }
    /* The password is the last field: it is not read. */
    if (flags & 0x40)
        fputs(", password (not shown)", t->f);
    putc(')', t->f);
    print_props(t, &props);
}

static void print_subscribe(trace *t, reader *r, bool sub)
{
    uint16_t id = (uint16_t)rd_n(r, 2);
    rd_skip_props(r, t->v);
    fprintf(t->f, " (Mid: %u", id);
    while (r->ok && r->p < r->end) {
        mqtts_str f = rd_str(r);
        if (!r->ok)
            break;
        fprintf(t->f, ", Topic: %.*s", (int)f.len, f.ptr);
        if (sub) {
            uint8_t o = (uint8_t)rd_n(r, 1);
            fprintf(t->f, ", QoS: %d, Options: 0x%02x", o & 3, o & 0xFC);
        }
    }
    putc(')', t->f);
}

/* ---- decoded packets ---- */

static void print_decoded(trace *t, const mqtts_packet *pk, bool sent)
{
    const char *name;
    switch (pk->type) {
    case MQTTS_CONNACK:
        name = mqtts_reason_name(t->v, MQTTS_CONNACK, pk->u.connack.reason);
        fprintf(t->f, " (%u: %s, session present %d)", pk->u.connack.reason, name,
                pk->u.connack.session_present);
        print_props(t, &pk->u.connack.props);
        break;
    case MQTTS_PUBLISH: {
        const mqtts_publish *p = &pk->u.publish;
        fprintf(t->f, " (d%d, q%u, r%d, m%u, '%.*s', ... (%zu bytes))", p->dup, p->qos, p->retain,
                p->packet_id, (int)p->topic.len, p->topic.ptr, p->payload.len);
        print_props(t, &p->props);
        break;
    }
    case MQTTS_PUBACK:
    case MQTTS_PUBREC:
    case MQTTS_PUBREL:
    case MQTTS_PUBCOMP:
        fprintf(t->f, " (Mid: %u, RC:%u)", pk->u.ack.packet_id, pk->u.ack.reason);
        if (!sent)
            print_props(t, &pk->u.ack.props);
        break;
    case MQTTS_SUBACK:
    case MQTTS_UNSUBACK:
        fprintf(t->f, " (Mid: %u", pk->u.suback.packet_id);
        for (size_t i = 0; i < pk->u.suback.reasons.len; i++)
            fprintf(t->f, "%s%u", i ? ", " : ", reasons: ", pk->u.suback.reasons.ptr[i]);
        putc(')', t->f);
        print_props(t, &pk->u.suback.props);
        break;
    case MQTTS_DISCONNECT:
        if (t->v == MQTTS_V5) {
            name = mqtts_reason_name(t->v, MQTTS_DISCONNECT, pk->u.disconnect.reason);
            fprintf(t->f, " (%u: %s)", pk->u.disconnect.reason, name);
            print_props(t, &pk->u.disconnect.props);
        }
        break;
    default:
        break;
    }
}

static void print_packet(trace *t, const uint8_t *buf, size_t len, bool sent)
{
    uint8_t type = buf[0] >> 4;
    line_start(t, sent, type);
    /* The body after the fixed header (mqtts_frame() has checked it). */
    uint32_t rem;
    size_t used;
    (void)mqtts_varint_decode(buf + 1, len - 1, &rem, &used);
    reader r = {buf + 1 + used, buf + len, true};
    if (sent && type == MQTTS_CONNECT) {
        print_connect(t, &r);
    } else if (sent && (type == MQTTS_SUBSCRIBE || type == MQTTS_UNSUBSCRIBE)) {
        print_subscribe(t, &r, type == MQTTS_SUBSCRIBE);
    } else if (type != MQTTS_PINGREQ && !(sent && type == MQTTS_DISCONNECT && t->v != MQTTS_V5)) {
        mqtts_packet pk;
        mqtts_err e = mqtts_decode(t->v, buf, len, &pk);
        if (e == MQTTS_OK)
            print_decoded(t, &pk, sent);
        else
            fprintf(t->f, " (malformed, %zu bytes: %s)", len, mqtts_strerror(e));
    }
    putc('\n', t->f);
    fflush(t->f);
}

static void feed(trace *t, stream *st, const uint8_t *p, size_t n, bool sent)
{
    if (st->broken || n == 0)
        return;
    if (st->cap - st->len < n) {
        size_t cap = st->cap ? st->cap : 256;
        while (cap - st->len < n)
            cap *= 2;
        uint8_t *b = realloc(st->buf, cap);
        if (!b) {
            st->broken = true;
            return;
        }
        st->buf = b;
        st->cap = cap;
    }
    memcpy(st->buf + st->len, p, n);
    st->len += n;
    for (;;) {
        size_t plen;
        mqtts_err e = mqtts_frame(st->buf, st->len, 0, &plen);
        if (e == MQTTS_NEED_MORE)
            return;
        if (e != MQTTS_OK) {
            fprintf(t->f, "%s a byte stream that is not MQTT (%s)\n", sent ? "sending" : "received",
                    mqtts_strerror(e));
            st->broken = true;
            return;
        }
        print_packet(t, st->buf, plen, sent);
        memmove(st->buf, st->buf + plen, st->len - plen);
        st->len -= plen;
    }
}

/* ---- the transport ---- */

static mqtts_err t_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    trace *t = ctx;
    t->tx.len = t->rx.len = 0;
    t->tx.broken = t->rx.broken = false;
    fprintf(t->f, "Connecting to %s port %u%s\n", host, port, t->tls ? " (TLS)" : "");
    mqtts_err e = t->lower.connect(t->lower.ctx, host, port, timeout_ms);
    if (e == MQTTS_OK)
        fprintf(t->f, "Connected to %s\n", t->peer && t->peer[0] ? t->peer : host);
    else
        fprintf(t->f, "Connection to %s port %u failed: %s\n", host, port, mqtts_strerror(e));
    fflush(t->f);
    return e;
}

static int32_t t_send(void *ctx, const uint8_t *buf, size_t len)
{
    trace *t = ctx;
    int32_t n = t->lower.send(t->lower.ctx, buf, len);
    if (n > 0)
        feed(t, &t->tx, buf, (size_t)n, true);
    return n;
}

static int32_t t_recv(void *ctx, uint8_t *buf, size_t cap)
{
    trace *t = ctx;
    int32_t n = t->lower.recv(t->lower.ctx, buf, cap);
    if (n > 0)
        feed(t, &t->rx, buf, (size_t)n, false);
    return n;
}

static int t_wait(void *ctx, bool want_write, uint32_t timeout_ms)
{
    trace *t = ctx;
    return t->lower.wait(t->lower.ctx, want_write, timeout_ms);
}

static void t_close(void *ctx)
{
    trace *t = ctx;
    t->lower.close(t->lower.ctx);
}

trace *trace_new(const mqtts_transport *lower, mqtts_transport *out, FILE *f,
                 const mqtts_client *client, mqtts_version v, const char *peer, bool tls)
{
    trace *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->lower = *lower;
    t->f = f;
    t->client = client;
    t->v = v;
    t->peer = peer;
    t->tls = tls;
    out->ctx = t;
    out->connect = t_connect;
    out->send = t_send;
    out->recv = t_recv;
    out->wait = lower->wait ? t_wait : NULL;
    out->close = t_close;
    return t;
}

void trace_free(trace *t)
{
    if (!t)
        return;
    free(t->tx.buf);
    free(t->rx.buf);
    free(t);
}
