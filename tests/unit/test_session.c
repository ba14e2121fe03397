/*
 * test_session.c - the sans-I/O session engine driven alone, as protocol
 * transcripts: the test plays the broker.
 *
 * Broker packets are written here as bytes, by hand (with a comment naming
 * each field) or with the small encoders below, written from the MQTT 3.1.1
 * and 5.0 specifications; the library's codec is not used to build them.
 * What the engine wants to send is drained from mqtts_session_tx_buf() into
 * one byte stream and taken apart by hand (client packets such as CONNECT
 * and SUBSCRIBE are not decodable by mqtts_decode, which is a client's
 * decoder). Time is a fake clock passed in as now_ms; events are copied by a
 * recorder (views are only valid during the callback).
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mqtts/packet.h"
#include "mqtts/session.h"

/* ------------------------------------------------------------------ */
/* The fixture: one session, its memory, an event recorder, a tx stream. */

#define MAXEV 64

typedef struct ev_rec {
    mqtts_event_type type;
    mqtts_err err;
    uint8_t reason;
    bool session_present;
    uint16_t packet_id;
    uint32_t delay_ms;
    uint8_t reasons[8];
    size_t nreasons;
    char topic[64];
    size_t topic_len;
    uint8_t payload[320];
    size_t payload_len;
    uint8_t qos;
    bool retain;
    bool dup;
    uint16_t msg_id;
    char reason_string[64];
    size_t reason_string_len;
} ev_rec;

typedef struct fx {
    mqtts_session s;
    mqtts_session_config cfg;
    mqtts_session_memory mem;
    uint8_t rx[512];
    uint8_t tx[512];
    uint8_t store[4096];
    mqtts_session_slot slots[16];
    uint16_t qos2[4];
    uint8_t alias[4 * 40];
    mqtts_session_sub subs[8];
    char sub_text[256];
    ev_rec ev[MAXEV];
    size_t nev;
    uint32_t now;
    uint8_t out[8192]; /* everything the engine handed to tx, in order */
    size_t out_len, rd;
} fx;

static fx F;

static void copy_clip(void *dst, size_t cap, const void *src, size_t len, size_t *out_len)
{
    *out_len = len;
    if (len > cap)
        len = cap;
    if (len)
        memcpy(dst, src, len);
}

static void on_event(void *user, const mqtts_event *ev)
{
    fx *f = user;
    assert_true(f->nev < MAXEV);
    ev_rec *r = &f->ev[f->nev++];
    memset(r, 0, sizeof *r);
    r->type = ev->type;
    r->err = ev->err;
    r->reason = ev->reason;
    r->session_present = ev->session_present;
    r->packet_id = ev->packet_id;
    r->delay_ms = ev->delay_ms;
    copy_clip(r->reasons, sizeof r->reasons, ev->reasons.ptr, ev->reasons.len, &r->nreasons);
    if (ev->message) {
        const mqtts_publish *m = ev->message;
        copy_clip(r->topic, sizeof r->topic, m->topic.ptr, m->topic.len, &r->topic_len);
        copy_clip(r->payload, sizeof r->payload, m->payload.ptr, m->payload.len, &r->payload_len);
        r->qos = m->qos;
        r->retain = m->retain;
        r->dup = m->dup;
        r->msg_id = m->packet_id;
    }
    if (ev->props && (ev->props->present & MQTTS_PROP_BIT(MQTTS_PROP_REASON_STRING)))
        copy_clip(r->reason_string, sizeof r->reason_string, ev->props->reason_string.ptr,
                  ev->props->reason_string.len, &r->reason_string_len);
}

/* Defaults; a test may change F.cfg / F.mem before fx_init(). */
static fx *fx_new(mqtts_version v)
{
    fx *f = &F;
    memset(f, 0, sizeof *f);
    f->cfg.version = v;
    f->cfg.client_id = mqtts_cstr("c1");
    f->cfg.clean_start = true;
    f->cfg.seed = 12345;
    f->cfg.on_event = on_event;
    f->cfg.user = f;
    f->mem.rx = f->rx;
    f->mem.rx_size = sizeof f->rx;
    f->mem.tx = f->tx;
    f->mem.tx_size = sizeof f->tx;
    f->mem.store = f->store;
    f->mem.store_size = sizeof f->store;
    f->mem.slots = f->slots;
    f->mem.slot_count = 16;
    f->mem.qos2_in = f->qos2;
    f->mem.qos2_in_count = 4;
    f->mem.alias_text = f->alias;
    f->mem.alias_count = 4;
    f->mem.alias_slot_size = 40;
    f->mem.subs = f->subs;
    f->mem.sub_count = 8;
    f->mem.sub_text = f->sub_text;
    f->mem.sub_text_size = sizeof f->sub_text;
    f->now = 1000;
    return f;
}

static void fx_init(fx *f)
{
    assert_int_equal(mqtts_session_init(&f->s, &f->cfg, &f->mem), MQTTS_OK);
}

static bool is_v5(fx *f)
{
    return f->cfg.version == MQTTS_V5;
}

/* Drain tx completely (in chunks of at most `chunk` bytes; 0 = all). */
static size_t drain_chunks(fx *f, size_t chunk)
{
    size_t total = 0;
    if (f->rd == f->out_len)
        f->rd = f->out_len = 0;
    for (int guard = 0; guard < 100000; guard++) {
        size_t len = 0;
        const uint8_t *b = mqtts_session_tx_buf(&f->s, &len);
        if (len == 0) {
            assert_null(b);
            return total;
        }
        assert_non_null(b);
        size_t n = chunk && chunk < len ? chunk : len;
        assert_true(f->out_len + n <= sizeof f->out);
        memcpy(f->out + f->out_len, b, n);
        f->out_len += n;
        total += n;
        mqtts_session_tx_done(&f->s, n, f->now);
    }
    fail_msg("tx never drains");
    return total;
}

static size_t drain(fx *f)
{
    return drain_chunks(f, 0);
}

static mqtts_err feed(fx *f, const uint8_t *b, size_t n)
{
    size_t cap = 0;
    uint8_t *at = mqtts_session_rx_buf(&f->s, &cap);
    assert_true(n <= cap);
    memcpy(at, b, n);
    return mqtts_session_rx_done(&f->s, n, f->now);
}

/* One byte at a time: OK (and no event) until the last byte. */
static mqtts_err feed_bytewise(fx *f, const uint8_t *b, size_t n)
{
    for (size_t i = 0; i + 1 < n; i++) {
        size_t before = f->nev;
        assert_int_equal(feed(f, b + i, 1), MQTTS_OK);
        assert_int_equal(f->nev, before);
    }
    return feed(f, b + n - 1, 1);
}

/* ---- client packets, taken apart by hand ---- */

typedef struct cpkt {
    uint8_t type, flags;
    const uint8_t *body; /* after the fixed header */
    size_t len;          /* remaining length */
    size_t raw_len;      /* whole packet */
} cpkt;

static bool next_pkt(fx *f, cpkt *k)
{
    if (f->rd >= f->out_len)
        return false;
    const uint8_t *p = f->out + f->rd;
    size_t avail = f->out_len - f->rd;
    assert_true(avail >= 2);
    size_t rl = 0, i = 1;
    unsigned shift = 0;
    for (;;) {
        assert_true(i < avail && i <= 4);
        rl |= (size_t)(p[i] & 0x7Fu) << shift;
        shift += 7;
        if (!(p[i++] & 0x80u))
            break;
    }
    assert_true(i + rl <= avail); /* the stream holds whole packets */
    k->type = p[0] >> 4;
    k->flags = p[0] & 0x0Fu;
    k->body = p + i;
    k->len = rl;
    k->raw_len = i + rl;
    f->rd += k->raw_len;
    return true;
}

static void expect_pkt(fx *f, cpkt *k, uint8_t type)
{
    assert_true(next_pkt(f, k));
    assert_int_equal(k->type, type);
}

static void expect_no_more(fx *f)
{
    assert_int_equal(f->rd, f->out_len);
}

static void expect_bytes(fx *f, const uint8_t *want, size_t n)
{
    assert_true(f->out_len - f->rd >= n);
    assert_memory_equal(f->out + f->rd, want, n);
    f->rd += n;
}

static uint16_t u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

/* A varint by hand (only small ones are used in bodies here). */
static size_t skip_varint(const uint8_t *p, uint32_t *v)
{
    uint32_t x = 0;
    size_t i = 0;
    unsigned shift = 0;
    do {
        x |= (uint32_t)(p[i] & 0x7Fu) << shift;
        shift += 7;
    } while (p[i++] & 0x80u);
    if (v)
        *v = x;
    return i;
}

typedef struct cpub {
    uint8_t qos;
    bool dup, retain;
    uint16_t id;
    char topic[64];
    size_t topic_len;
    const uint8_t *payload;
    size_t payload_len;
} cpub;

static void parse_pub(fx *f, const cpkt *k, cpub *o)
{
    assert_int_equal(k->type, MQTTS_PUBLISH);
    memset(o, 0, sizeof *o);
    o->qos = (k->flags >> 1) & 3u;
    o->dup = (k->flags & 8u) != 0;
    o->retain = (k->flags & 1u) != 0;
    const uint8_t *p = k->body;
    size_t tl = u16(p);
    assert_true(tl < sizeof o->topic);
    memcpy(o->topic, p + 2, tl);
    o->topic_len = tl;
    size_t i = 2 + tl;
    if (o->qos) {
        o->id = u16(p + i);
        i += 2;
    }
    if (is_v5(f)) {
        uint32_t pl;
        i += skip_varint(p + i, &pl);
        i += pl;
    }
    assert_true(i <= k->len);
    o->payload = p + i;
    o->payload_len = k->len - i;
}

static void expect_pub(fx *f, uint8_t qos, uint16_t id, bool dup, const char *payload)
{
    cpkt k;
    cpub o;
    expect_pkt(f, &k, MQTTS_PUBLISH);
    parse_pub(f, &k, &o);
    assert_int_equal(o.qos, qos);
    assert_int_equal(o.id, id);
    assert_int_equal(o.dup, dup);
    assert_int_equal(o.payload_len, strlen(payload));
    assert_memory_equal(o.payload, payload, o.payload_len);
}

/* An ack (PUBACK/PUBREC/PUBREL/PUBCOMP) with this id and, v5, reason. */
static void expect_ack(fx *f, uint8_t type, uint16_t id, uint8_t reason)
{
    cpkt k;
    expect_pkt(f, &k, type);
    assert_int_equal(k.flags, type == MQTTS_PUBREL ? 2 : 0);
    assert_true(k.len >= 2);
    assert_int_equal(u16(k.body), id);
    uint8_t rc = k.len >= 3 ? k.body[2] : 0;
    assert_int_equal(rc, reason);
    if (!is_v5(f))
        assert_int_equal(k.len, 2);
}

/* v5: DISCONNECT with this reason; 3.1.1: none at all. */
static void expect_disconnect_v5(fx *f, uint8_t reason)
{
    if (!is_v5(f)) {
        expect_no_more(f);
        return;
    }
    const uint8_t want[] = {0xE0, 0x01, reason};
    expect_bytes(f, want, sizeof want);
}

/* The client id of a CONNECT body. */
static mqtts_str connect_client_id(fx *f, const cpkt *k)
{
    const uint8_t *p = k->body;
    size_t i = 2 + 4 + 1 + 1 + 2; /* "MQTT", level, flags, keep alive */
    if (is_v5(f)) {
        uint32_t pl;
        i += skip_varint(p + i, &pl);
        i += pl;
    }
    mqtts_str r = {(const char *)p + i + 2, u16(p + i)};
    return r;
}

/* ---- broker packets, written from the spec ---- */

static size_t put_varint(uint8_t *b, uint32_t v)
{
    size_t n = 0;
    do {
        uint8_t d = v % 128;
        v /= 128;
        b[n++] = (uint8_t)(v ? d | 0x80u : d);
    } while (v);
    return n;
}

/* CONNACK: 0x20, remaining length, ack flags (session present), reason or
 * return code, v5 property length + properties. */
static size_t connack(fx *f, uint8_t *b, bool sp, uint8_t rc, const uint8_t *props, size_t plen)
{
    size_t n = 0;
    b[n++] = 0x20;
    b[n++] = (uint8_t)(is_v5(f) ? 3 + plen : 2);
    b[n++] = sp ? 1 : 0;
    b[n++] = rc;
    if (is_v5(f)) {
        b[n++] = (uint8_t)plen;
        if (plen)
            memcpy(b + n, props, plen);
        n += plen;
    }
    return n;
}

/* PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70: id, v5 reason if
 * not 0 (the short form otherwise). */
static size_t ack(fx *f, uint8_t *b, uint8_t type, uint16_t id, uint8_t reason)
{
    size_t n = 0;
    b[n++] = (uint8_t)(type << 4 | (type == MQTTS_PUBREL ? 2 : 0));
    b[n++] = (uint8_t)(is_v5(f) && reason ? 3 : 2);
    b[n++] = (uint8_t)(id >> 8);
    b[n++] = (uint8_t)id;
    if (is_v5(f) && reason)
        b[n++] = reason;
    return n;
}

/* PUBLISH: 0x30 | DUP<<3 | QoS<<1 | RETAIN, remaining length, topic, id
 * (QoS > 0), v5 properties, payload. */
static size_t publish_in(fx *f, uint8_t *b, uint8_t qos, bool retain, bool dup, uint16_t id,
                         const char *topic, const uint8_t *props, size_t plen,
                         const char *payload)
{
    size_t tl = strlen(topic), pay = strlen(payload);
    size_t rl = 2 + tl + (qos ? 2 : 0) + (is_v5(f) ? 1 + plen : 0) + pay;
    size_t n = 0;
    b[n++] = (uint8_t)(0x30 | (dup ? 8 : 0) | qos << 1 | (retain ? 1 : 0));
    n += put_varint(b + n, (uint32_t)rl);
    b[n++] = (uint8_t)(tl >> 8);
    b[n++] = (uint8_t)tl;
    memcpy(b + n, topic, tl);
    n += tl;
    if (qos) {
        b[n++] = (uint8_t)(id >> 8);
        b[n++] = (uint8_t)id;
    }
    if (is_v5(f)) {
        b[n++] = (uint8_t)plen;
        if (plen)
            memcpy(b + n, props, plen);
        n += plen;
    }
    memcpy(b + n, payload, pay);
    return n + pay;
}

static mqtts_publish pub(const char *topic, const char *payload, uint8_t qos)
{
    mqtts_publish p;
    memset(&p, 0, sizeof p);
    p.topic = mqtts_cstr(topic);
    p.payload = mqtts_bytes(payload, strlen(payload));
    p.qos = qos;
    return p;
}

static uint16_t publish(fx *f, const char *topic, const char *payload, uint8_t qos)
{
    mqtts_publish p = pub(topic, payload, qos);
    uint16_t id = 0xFFFF;
    assert_int_equal(mqtts_session_publish(&f->s, &p, &id), MQTTS_OK);
    if (qos == 0)
        assert_int_equal(id, 0);
    else
        assert_int_not_equal(id, 0);
    return id;
}

static ev_rec *last_ev(fx *f)
{
    assert_true(f->nev > 0);
    return &f->ev[f->nev - 1];
}

/* connected(), CONNECT out, CONNACK (success) in, EV_CONNECTED. */
static void go_online_props(fx *f, bool sp, const uint8_t *props, size_t plen)
{
    assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
    assert_int_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_CONNECTING);
    drain(f);
    cpkt k;
    expect_pkt(f, &k, MQTTS_CONNECT);
    uint8_t b[64];
    size_t n = connack(f, b, sp, 0, props, plen);
    size_t before = f->nev;
    assert_int_equal(feed(f, b, n), MQTTS_OK);
    assert_int_equal(f->nev, before + 1);
    assert_int_equal(last_ev(f)->type, MQTTS_EV_CONNECTED);
    assert_int_equal(last_ev(f)->session_present, sp);
    assert_int_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_CONNECTED);
}

static void go_online(fx *f)
{
    go_online_props(f, false, NULL, 0);
}

static void feed_ok(fx *f, const uint8_t *b, size_t n)
{
    assert_int_equal(feed(f, b, n), MQTTS_OK);
}

static void feed_ack(fx *f, uint8_t type, uint16_t id, uint8_t reason)
{
    uint8_t b[8];
    feed_ok(f, b, ack(f, b, type, id, reason));
}

static const mqtts_version VERSIONS[] = {MQTTS_V311, MQTTS_V5};
#define FOR_EACH_VERSION(v) for (size_t vi_ = 0; vi_ < 2 && ((v) = VERSIONS[vi_], 1); vi_++)

/* ------------------------------------------------------------------ */
/* connect */

static void test_session_connect_bytes_v311(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    f->cfg.keep_alive_s = 10;
    fx_init(f);
    assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
    drain(f);
    const uint8_t want[] = {
        0x10, 0x0E,                   /* CONNECT, remaining length 14 */
        0x00, 0x04, 'M', 'Q', 'T', 'T', 0x04, /* protocol name, level 4 */
        0x02,                         /* flags: clean session */
        0x00, 0x0A,                   /* keep alive 10 s */
        0x00, 0x02, 'c', '1',         /* client id */
    };
    expect_bytes(f, want, sizeof want);
    expect_no_more(f);
}

static void test_session_connect_bytes_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->cfg.keep_alive_s = 10;
    f->cfg.session_expiry_s = 3600;
    fx_init(f);
    assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
    drain(f);
    const uint8_t want[] = {
        0x10, 0x1F,                   /* CONNECT, remaining length 31 */
        0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05, /* protocol name, level 5 */
        0x02,                         /* flags: clean start */
        0x00, 0x0A,                   /* keep alive 10 s */
        0x10,                         /* property length 16 */
        0x11, 0x00, 0x00, 0x0E, 0x10, /* Session Expiry Interval 3600 */
        0x21, 0x00, 0x04,             /* Receive Maximum 4 (qos2_in slots) */
        0x22, 0x00, 0x04,             /* Topic Alias Maximum 4 (alias slots) */
        0x27, 0x00, 0x00, 0x02, 0x00, /* Maximum Packet Size 512 (rx size) */
        0x00, 0x02, 'c', '1',         /* client id */
    };
    expect_bytes(f, want, sizeof want);
    expect_no_more(f);

    /* Without a session expiry there is no Session Expiry Interval. */
    f = fx_new(MQTTS_V5);
    f->cfg.clean_start = false;
    f->mem.qos2_in_count = 2;
    fx_init(f);
    assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
    drain(f);
    const uint8_t want2[] = {
        0x10, 0x1A, 0x00, 0x04, 'M', 'Q', 'T', 'T', 0x05,
        0x00,                         /* flags: no clean start */
        0x00, 0x00,                   /* keep alive off */
        0x0B,                         /* property length 11 */
        0x21, 0x00, 0x02,             /* Receive Maximum 2 */
        0x22, 0x00, 0x04,             /* Topic Alias Maximum 4 */
        0x27, 0x00, 0x00, 0x02, 0x00, /* Maximum Packet Size 512 */
        0x00, 0x02, 'c', '1',
    };
    expect_bytes(f, want2, sizeof want2);
    expect_no_more(f);
}

static void test_session_connect_generated_client_id_v311(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    f->cfg.client_id = mqtts_cstr("");
    fx_init(f);
    mqtts_str id = mqtts_session_client_id(&f->s);
    assert_int_equal(id.len, 14);
    assert_memory_equal(id.ptr, "mqtts-", 6);
    for (size_t i = 6; i < 14; i++)
        assert_non_null(strchr("0123456789abcdef", id.ptr[i]));
    assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
    drain(f);
    cpkt k;
    expect_pkt(f, &k, MQTTS_CONNECT);
    mqtts_str wire = connect_client_id(f, &k);
    assert_int_equal(wire.len, 14);
    assert_memory_equal(wire.ptr, id.ptr, 14);
}

static void test_session_connect_assigned_client_id_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->cfg.client_id = mqtts_cstr("");
    fx_init(f);
    assert_int_equal(mqtts_session_client_id(&f->s).len, 0);
    assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
    drain(f);
    cpkt k;
    expect_pkt(f, &k, MQTTS_CONNECT);
    assert_int_equal(connect_client_id(f, &k).len, 0); /* v5: the broker assigns one */
    /* Assigned Client Identifier "srv-42" */
    const uint8_t props[] = {0x12, 0x00, 0x06, 's', 'r', 'v', '-', '4', '2'};
    uint8_t b[32];
    feed_ok(f, b, connack(f, b, false, 0, props, sizeof props));
    assert_int_equal(last_ev(f)->type, MQTTS_EV_CONNECTED);
    mqtts_str id = mqtts_session_client_id(&f->s);
    assert_int_equal(id.len, 6);
    assert_memory_equal(id.ptr, "srv-42", 6);

    mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
    f->now += 60000;
    assert_true(mqtts_session_should_connect(&f->s, f->now));
    assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
    drain(f);
    expect_pkt(f, &k, MQTTS_CONNECT);
    mqtts_str wire = connect_client_id(f, &k);
    assert_int_equal(wire.len, 6);
    assert_memory_equal(wire.ptr, "srv-42", 6);
}

static void test_session_connack_success(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        f->cfg.clean_start = false;
        fx_init(f);
        assert_int_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_IDLE);
        go_online_props(f, true, NULL, 0);
        assert_int_equal(f->nev, 1);
        assert_true(f->ev[0].session_present);
        assert_int_equal(f->ev[0].reason, 0);
    }
}

static void test_session_connack_refused(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        drain(f);
        /* v5 0x86 Bad User Name or Password; 3.1.1 return code 4, the same */
        uint8_t rc = v == MQTTS_V5 ? 0x86 : 4;
        uint8_t b[16];
        size_t n = connack(f, b, false, rc, NULL, 0);
        assert_int_equal(feed(f, b, n), MQTTS_ERR_REFUSED);
        assert_int_equal(f->nev, 1);
        assert_int_equal(f->ev[0].type, MQTTS_EV_CONNECT_REFUSED);
        assert_int_equal(f->ev[0].reason, rc);
        assert_int_not_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_CONNECTED);
    }
}

static void test_session_connack_timeout(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        drain(f);
        assert_int_equal(mqtts_session_deadline(&f->s), f->now + 10000); /* default */
        assert_int_equal(mqtts_session_tick(&f->s, f->now + 9999), MQTTS_OK);
        assert_int_equal(mqtts_session_tick(&f->s, f->now + 10000), MQTTS_ERR_TIMEOUT);

        f = fx_new(v);
        f->cfg.connect_timeout_ms = 2500;
        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        assert_int_equal(mqtts_session_deadline(&f->s), f->now + 2500);
        assert_int_equal(mqtts_session_tick(&f->s, f->now + 2499), MQTTS_OK);
        assert_int_equal(mqtts_session_tick(&f->s, f->now + 2500), MQTTS_ERR_TIMEOUT);
    }
}

static void test_session_connack_not_first(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        drain(f);
        cpkt k;
        expect_pkt(f, &k, MQTTS_CONNECT);
        const uint8_t pingresp[] = {0xD0, 0x00};
        assert_int_equal(feed(f, pingresp, sizeof pingresp), MQTTS_ERR_PROTOCOL);
        assert_int_equal(f->nev, 0);
        drain(f);
        expect_disconnect_v5(f, 0x82); /* Protocol Error */
        expect_no_more(f);

        /* A PUBLISH first: also a protocol error, and not delivered. */
        f = fx_new(v);
        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        drain(f);
        expect_pkt(f, &k, MQTTS_CONNECT);
        uint8_t b[64];
        size_t n = publish_in(f, b, 0, false, false, 0, "t", NULL, 0, "x");
        assert_int_equal(feed(f, b, n), MQTTS_ERR_PROTOCOL);
        assert_int_equal(f->nev, 0);
    }
}

/* ------------------------------------------------------------------ */
/* publish out */

static void test_session_publish_qos012_out(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        go_online(f);
        drain(f);
        f->nev = 0;
        assert_int_equal(publish(f, "a/b", "hi", 0), 0);
        uint16_t id1 = publish(f, "a/b", "hi", 1);
        uint16_t id2 = publish(f, "a/b", "hi", 2);
        assert_int_not_equal(id1, id2);
        drain(f);
        assert_int_equal(mqtts_session_pending(&f->s), 2);
        /* QoS 0: 0x30, length, topic "a/b", [property length 0], "hi" */
        const uint8_t q0_311[] = {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 'h', 'i'};
        const uint8_t q0_5[] = {0x30, 0x08, 0x00, 0x03, 'a', '/', 'b', 0x00, 'h', 'i'};
        const uint8_t q1_311[] = {0x32, 0x09, 0x00, 0x03, 'a', '/', 'b',
                                  (uint8_t)(id1 >> 8), (uint8_t)id1, 'h', 'i'};
        const uint8_t q1_5[] = {0x32, 0x0A, 0x00, 0x03, 'a', '/', 'b',
                                (uint8_t)(id1 >> 8), (uint8_t)id1, 0x00, 'h', 'i'};
        const uint8_t q2_311[] = {0x34, 0x09, 0x00, 0x03, 'a', '/', 'b',
                                  (uint8_t)(id2 >> 8), (uint8_t)id2, 'h', 'i'};
        const uint8_t q2_5[] = {0x34, 0x0A, 0x00, 0x03, 'a', '/', 'b',
                                (uint8_t)(id2 >> 8), (uint8_t)id2, 0x00, 'h', 'i'};
        if (v == MQTTS_V5) {
            expect_bytes(f, q0_5, sizeof q0_5);
            expect_bytes(f, q1_5, sizeof q1_5);
            expect_bytes(f, q2_5, sizeof q2_5);
        } else {
            expect_bytes(f, q0_311, sizeof q0_311);
            expect_bytes(f, q1_311, sizeof q1_311);
            expect_bytes(f, q2_311, sizeof q2_311);
        }
        expect_no_more(f);
        assert_int_equal(f->nev, 0);

        feed_ack(f, MQTTS_PUBACK, id1, 0);
        assert_int_equal(f->nev, 1);
        assert_int_equal(f->ev[0].type, MQTTS_EV_DELIVERED);
        assert_int_equal(f->ev[0].packet_id, id1);
        assert_int_equal(mqtts_session_pending(&f->s), 1);

        feed_ack(f, MQTTS_PUBREC, id2, 0);
        assert_int_equal(f->nev, 1); /* not delivered before PUBCOMP */
        drain(f);
        const uint8_t pubrel[] = {0x62, 0x02, (uint8_t)(id2 >> 8), (uint8_t)id2};
        expect_bytes(f, pubrel, sizeof pubrel);
        expect_no_more(f);

        feed_ack(f, MQTTS_PUBCOMP, id2, 0);
        assert_int_equal(f->nev, 2);
        assert_int_equal(f->ev[1].type, MQTTS_EV_DELIVERED);
        assert_int_equal(f->ev[1].packet_id, id2);
        assert_int_equal(mqtts_session_pending(&f->s), 0);
        assert_int_equal(drain(f), 0);
    }
}

static void test_session_publish_pubrec_error_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    go_online(f);
    drain(f);
    f->nev = 0;
    uint16_t id = publish(f, "a", "x", 2);
    drain(f);
    feed_ack(f, MQTTS_PUBREC, id, 0x87); /* Not authorized */
    assert_int_equal(f->nev, 1);
    assert_int_equal(f->ev[0].type, MQTTS_EV_DELIVERED);
    assert_int_equal(f->ev[0].packet_id, id);
    assert_int_equal(f->ev[0].reason, 0x87);
    size_t before = f->out_len;
    assert_int_equal(drain(f), 0); /* no PUBREL */
    assert_int_equal(f->out_len, before);
    assert_int_equal(mqtts_session_pending(&f->s), 0);
    /* A late PUBCOMP for it delivers nothing more. */
    feed_ack(f, MQTTS_PUBCOMP, id, 0);
    assert_int_equal(f->nev, 1);
}

static void test_session_publish_burst_one_run(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        go_online(f);
        drain(f);
        const char *pay[] = {"one", "two!", "three", "4", "fifty"};
        const uint8_t qos[] = {1, 0, 2, 1, 0};
        size_t want = 0;
        for (int i = 0; i < 5; i++) {
            publish(f, "burst/t", pay[i], qos[i]);
            /* fixed header 2 + topic 2+7 + id + v5 property length + payload */
            want += 2 + 9 + (qos[i] ? 2 : 0) + (v == MQTTS_V5 ? 1 : 0) + strlen(pay[i]);
        }
        size_t len = 0;
        const uint8_t *b = mqtts_session_tx_buf(&f->s, &len);
        assert_non_null(b);
        assert_int_equal(len, want); /* one contiguous run */
        memcpy(f->out, b, len);
        f->out_len = len;
        f->rd = 0;
        mqtts_session_tx_done(&f->s, len, f->now);
        for (int i = 0; i < 5; i++) {
            cpkt k;
            cpub o;
            expect_pkt(f, &k, MQTTS_PUBLISH);
            parse_pub(f, &k, &o);
            assert_int_equal(o.qos, qos[i]);
            assert_int_equal(o.payload_len, strlen(pay[i]));
            assert_memory_equal(o.payload, pay[i], o.payload_len);
        }
        expect_no_more(f);
        assert_null(mqtts_session_tx_buf(&f->s, &len));
        assert_int_equal(len, 0);
    }
}

static void test_session_publish_partial_tx_keeps_stream_whole(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        go_online(f);
        drain(f);
        f->nev = 0;
        char big[101];
        memset(big, 'P', 100);
        big[100] = 0;
        uint16_t a = publish(f, "out/1", big, 1);
        uint16_t b2 = publish(f, "out/2", "second", 1);
        /* Send 3 bytes of the first PUBLISH only. */
        size_t len = 0;
        const uint8_t *b = mqtts_session_tx_buf(&f->s, &len);
        assert_true(len > 3);
        memcpy(f->out + f->out_len, b, 3);
        f->out_len += 3;
        mqtts_session_tx_done(&f->s, 3, f->now);
        /* Meanwhile a QoS 1 message arrives: a PUBACK must be sent. */
        uint8_t in[64];
        feed_ok(f, in, publish_in(f, in, 1, false, false, 7, "in", NULL, 0, "m"));
        assert_int_equal(f->nev, 1);
        /* ... and a QoS 2 one too. */
        feed_ok(f, in, publish_in(f, in, 2, false, false, 8, "in", NULL, 0, "n"));
        drain_chunks(f, 3);
        expect_pub(f, 1, a, false, big);
        /* The acks may come before or after the second PUBLISH, but whole. */
        int seen_pub = 0, seen_ack = 0, seen_rec = 0;
        cpkt k;
        while (next_pkt(f, &k)) {
            if (k.type == MQTTS_PUBLISH) {
                cpub o;
                parse_pub(f, &k, &o);
                assert_int_equal(o.id, b2);
                assert_int_equal(o.payload_len, 6);
                seen_pub++;
            } else if (k.type == MQTTS_PUBACK) {
                assert_int_equal(k.len, 2);
                assert_int_equal(u16(k.body), 7);
                seen_ack++;
            } else {
                assert_int_equal(k.type, MQTTS_PUBREC);
                assert_int_equal(u16(k.body), 8);
                seen_rec++;
            }
        }
        assert_int_equal(seen_pub, 1);
        assert_int_equal(seen_ack, 1);
        assert_int_equal(seen_rec, 1);
    }
}

static void test_session_publish_receive_maximum_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    const uint8_t props[] = {0x21, 0x00, 0x02}; /* Receive Maximum 2 */
    go_online_props(f, false, props, sizeof props);
    drain(f);
    f->nev = 0;
    uint16_t id1 = publish(f, "t", "m1", 1);
    uint16_t id2 = publish(f, "t", "m2", 2);
    uint16_t id3 = publish(f, "t", "m3", 1);
    assert_int_equal(mqtts_session_pending(&f->s), 3);
    publish(f, "t", "m4", 0); /* behind the held one: must not overtake it */
    drain(f);
    expect_pub(f, 1, id1, false, "m1");
    expect_pub(f, 2, id2, false, "m2");
    expect_no_more(f);
    /* Nothing moves while the window is full. */
    assert_int_equal(drain(f), 0);
    feed_ack(f, MQTTS_PUBREC, id2, 0); /* still in flight until PUBCOMP */
    drain(f);
    expect_ack(f, MQTTS_PUBREL, id2, 0);
    expect_no_more(f);
    feed_ack(f, MQTTS_PUBACK, id1, 0);
    drain(f);
    expect_pub(f, 1, id3, false, "m3");
    expect_pub(f, 0, 0, false, "m4");
    expect_no_more(f);
}

/* ------------------------------------------------------------------ */
/* publish while offline */

static void test_session_publish_offline_queue(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        assert_int_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_IDLE);
        uint16_t id1 = publish(f, "q", "one", 1);
        uint16_t id2 = publish(f, "q", "two", 2);
        mqtts_publish p0 = pub("q", "zero", 0);
        assert_int_equal(mqtts_session_publish(&f->s, &p0, NULL), MQTTS_ERR_NOT_CONNECTED);
        assert_int_equal(mqtts_session_pending(&f->s), 2);
        assert_int_equal(drain(f), 0); /* nothing to send while offline */

        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        drain(f);
        cpkt k;
        expect_pkt(f, &k, MQTTS_CONNECT);
        expect_no_more(f); /* nothing before CONNACK */
        uint8_t b[16];
        feed_ok(f, b, connack(f, b, false, 0, NULL, 0));
        drain(f);
        expect_pub(f, 1, id1, false, "one");
        expect_pub(f, 2, id2, false, "two");
        expect_no_more(f);

        /* In BACKOFF too; QoS 0 queued with MQTTS_QOS0_QUEUE, in order. */
        f = fx_new(v);
        f->cfg.offline_qos0 = MQTTS_QOS0_QUEUE;
        fx_init(f);
        go_online(f);
        drain(f);
        mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
        assert_int_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_BACKOFF);
        id1 = publish(f, "q", "a", 1);
        publish(f, "q", "b", 0);
        id2 = publish(f, "q", "c", 2);
        f->now += 120000;
        go_online(f);
        drain(f);
        expect_pub(f, 1, id1, false, "a");
        expect_pub(f, 0, 0, false, "b");
        expect_pub(f, 2, id2, false, "c");
        expect_no_more(f);
    }
}

static void test_session_publish_store_full(void **state)
{
    (void)state;
    /* Out of slots. */
    fx *f = fx_new(MQTTS_V311);
    f->mem.slot_count = 2;
    fx_init(f);
    publish(f, "t", "1", 1);
    publish(f, "t", "2", 1);
    mqtts_publish p = pub("t", "3", 1);
    assert_int_equal(mqtts_session_publish(&f->s, &p, NULL), MQTTS_ERR_QUEUE_FULL);
    assert_int_equal(mqtts_session_pending(&f->s), 2);

    /* Out of bytes: 128-byte store, 57-byte packets (2 + 3 + 2 + 50). */
    f = fx_new(MQTTS_V311);
    f->mem.store_size = 128;
    fx_init(f);
    char pay[51];
    memset(pay, 'x', 50);
    pay[50] = 0;
    publish(f, "t", pay, 1);
    publish(f, "t", pay, 1);
    p = pub("t", pay, 1);
    assert_int_equal(mqtts_session_publish(&f->s, &p, NULL), MQTTS_ERR_QUEUE_FULL);
    /* After an ack, there is room again. */
    go_online(f);
    drain(f);
    expect_pub(f, 1, 1, false, pay);
    expect_pub(f, 1, 2, false, pay);
    feed_ack(f, MQTTS_PUBACK, 1, 0);
    assert_int_equal(mqtts_session_publish(&f->s, &p, NULL), MQTTS_OK);
}

static void test_session_publish_too_large_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    const uint8_t props[] = {0x27, 0x00, 0x00, 0x00, 0x20}; /* Maximum Packet Size 32 */
    go_online_props(f, false, props, sizeof props);
    drain(f);
    char pay[41];
    memset(pay, 'y', 40);
    pay[40] = 0;
    for (uint8_t q = 0; q <= 2; q++) {
        mqtts_publish p = pub("t", pay, q);
        assert_int_equal(mqtts_session_publish(&f->s, &p, NULL), MQTTS_ERR_PACKET_TOO_LARGE);
    }
    assert_int_equal(mqtts_session_pending(&f->s), 0);
    /* 2 + 3 + 2 + 1 + 24 = 32 bytes: exactly the limit. */
    pay[24] = 0;
    publish(f, "t", pay, 1);
    drain(f);
    cpkt k;
    expect_pkt(f, &k, MQTTS_PUBLISH);
    assert_int_equal(k.raw_len, 32);
}

/* ------------------------------------------------------------------ */
/* reconnect */

static void test_session_reconnect_backoff(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        f->cfg.reconnect_min_ms = 1000;
        f->cfg.reconnect_max_ms = 8000;
        fx_init(f);
        go_online(f);
        drain(f);
        f->nev = 0;
        mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
        assert_int_equal(f->nev, 2);
        assert_int_equal(f->ev[0].type, MQTTS_EV_DISCONNECTED);
        assert_int_equal(f->ev[0].err, MQTTS_ERR_CLOSED);
        assert_int_equal(f->ev[1].type, MQTTS_EV_RECONNECTING);
        uint32_t d = f->ev[1].delay_ms;
        assert_in_range(d, 500, 1000);
        assert_int_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_BACKOFF);
        assert_int_equal(mqtts_session_deadline(&f->s), f->now + d);
        assert_false(mqtts_session_should_connect(&f->s, f->now + d - 1));
        assert_true(mqtts_session_should_connect(&f->s, f->now + d));

        /* Failed attempts: the ceiling doubles up to max; jitter in its upper half. */
        const uint32_t ceil[] = {2000, 4000, 8000, 8000, 8000};
        for (int i = 0; i < 5; i++) {
            f->now += d;
            assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
            drain(f);
            f->nev = 0;
            mqtts_session_lost(&f->s, MQTTS_ERR_CONNECT_REFUSED, f->now);
            assert_int_equal(last_ev(f)->type, MQTTS_EV_RECONNECTING);
            d = last_ev(f)->delay_ms;
            assert_in_range(d, ceil[i] / 2, ceil[i]);
            assert_false(mqtts_session_should_connect(&f->s, f->now + d - 1));
            assert_true(mqtts_session_should_connect(&f->s, f->now + d));
        }
        /* A successful CONNACK resets the attempts. */
        f->now += d;
        go_online(f);
        drain(f);
        f->nev = 0;
        mqtts_session_lost(&f->s, MQTTS_ERR_IO, f->now);
        assert_int_equal(last_ev(f)->type, MQTTS_EV_RECONNECTING);
        assert_in_range(last_ev(f)->delay_ms, 500, 1000);
    }
}

static void test_session_resume_session_present(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        f->cfg.clean_start = false;
        fx_init(f);
        go_online(f);
        drain(f);
        uint16_t id1 = publish(f, "r", "one", 1);
        uint16_t id2 = publish(f, "r", "two", 2);
        drain(f);
        expect_pub(f, 1, id1, false, "one");
        expect_pub(f, 2, id2, false, "two");
        feed_ack(f, MQTTS_PUBREC, id2, 0);
        drain(f);
        expect_ack(f, MQTTS_PUBREL, id2, 0);
        expect_no_more(f);

        mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
        f->now += 60000;
        f->nev = 0;
        go_online_props(f, true, NULL, 0);
        drain(f);
        int n_rel = 0, n_pub = 0;
        cpkt k;
        while (next_pkt(f, &k)) {
            if (k.type == MQTTS_PUBREL) {
                assert_int_equal(u16(k.body), id2);
                n_rel++;
            } else {
                cpub o;
                parse_pub(f, &k, &o);
                assert_int_equal(o.id, id1);
                assert_int_equal(k.flags, 0x0A); /* DUP | QoS 1 */
                assert_true(o.dup);
                assert_memory_equal(o.payload, "one", 3);
                n_pub++;
            }
        }
        assert_int_equal(n_rel, 1);
        assert_int_equal(n_pub, 1);
        feed_ack(f, MQTTS_PUBACK, id1, 0);
        feed_ack(f, MQTTS_PUBCOMP, id2, 0);
        assert_int_equal(f->nev, 3);
        assert_int_equal(f->ev[1].type, MQTTS_EV_DELIVERED);
        assert_int_equal(f->ev[1].packet_id, id1);
        assert_int_equal(f->ev[2].type, MQTTS_EV_DELIVERED);
        assert_int_equal(f->ev[2].packet_id, id2);
        assert_int_equal(mqtts_session_pending(&f->s), 0);
    }
}

/* Present, then not present: the second resend is to a new session and must
 * not carry the DUP bit the first one set. */
static void test_session_resume_dup_cleared_for_new_session(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        f->cfg.clean_start = false;
        fx_init(f);
        go_online(f);
        drain(f);
        uint16_t id = publish(f, "d", "x", 1);
        drain(f);
        expect_pub(f, 1, id, false, "x");
        mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
        f->now += 60000;
        go_online_props(f, true, NULL, 0);
        drain(f);
        expect_pub(f, 1, id, true, "x");
        mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
        f->now += 60000;
        go_online_props(f, false, NULL, 0);
        drain(f);
        expect_pub(f, 1, id, false, "x");
        expect_no_more(f);
    }
}

/* A broker that claims a session after Clean Start is refused. */
static void test_session_connack_session_present_after_clean_start(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        f->cfg.clean_start = true;
        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        drain(f);
        cpkt k;
        expect_pkt(f, &k, MQTTS_CONNECT);
        uint8_t b[16];
        assert_int_equal(feed(f, b, connack(f, b, true, 0, NULL, 0)), MQTTS_ERR_PROTOCOL);
        assert_int_not_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_CONNECTED);
        if (v == MQTTS_V5) {
            drain(f);
            expect_disconnect_v5(f, MQTTS_RC_PROTOCOL_ERROR);
        }
    }
}

static void test_session_resume_no_session_restores_subs(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        go_online(f);
        drain(f);
        mqtts_subscription subs[2];
        memset(subs, 0, sizeof subs);
        subs[0].filter = mqtts_cstr("s/+");
        subs[0].qos = 1;
        subs[1].filter = mqtts_cstr("t/#");
        subs[1].qos = 2;
        if (v == MQTTS_V5) {
            subs[0].no_local = true;
            subs[0].retain_handling = 2;
            subs[1].retain_as_published = true;
        }
        uint16_t sid;
        assert_int_equal(mqtts_session_subscribe(&f->s, subs, 2, NULL, &sid), MQTTS_OK);
        uint16_t id1 = publish(f, "r", "one", 1);
        drain(f);
        f->rd = f->out_len;

        mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
        f->now += 60000;
        go_online_props(f, false, NULL, 0);
        drain(f);
        uint8_t opt0 = v == MQTTS_V5 ? 0x25 : 0x01; /* v5: QoS 1, no local, retain handling 2 */
        uint8_t opt1 = v == MQTTS_V5 ? 0x0A : 0x02; /* v5: QoS 2, retain as published */
        int found0 = 0, found1 = 0, n_pub = 0;
        cpkt k;
        while (next_pkt(f, &k)) {
            if (k.type == MQTTS_SUBSCRIBE) {
                assert_int_equal(k.flags, 2);
                size_t i = 2;
                if (v == MQTTS_V5) {
                    assert_int_equal(k.body[i], 0); /* no properties */
                    i++;
                }
                assert_int_equal(u16(k.body + i), 3);
                assert_int_equal(k.len, i + 2 + 3 + 1); /* one filter each */
                if (memcmp(k.body + i + 2, "s/+", 3) == 0) {
                    assert_int_equal(k.body[i + 5], opt0);
                    found0++;
                } else {
                    assert_memory_equal(k.body + i + 2, "t/#", 3);
                    assert_int_equal(k.body[i + 5], opt1);
                    found1++;
                }
            } else {
                cpub o;
                parse_pub(f, &k, &o);
                assert_int_equal(o.id, id1);
                assert_false(o.dup); /* a new session: not a duplicate */
                assert_int_equal(k.flags, 0x02);
                n_pub++;
            }
        }
        assert_int_equal(found0, 1);
        assert_int_equal(found1, 1);
        assert_int_equal(n_pub, 1);
    }
}

static void test_session_disconnect_by_user(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        go_online(f);
        drain(f);
        f->nev = 0;
        assert_int_equal(mqtts_session_disconnect(&f->s, 0), MQTTS_OK);
        assert_int_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_DISCONNECTING);
        drain(f);
        const uint8_t want[] = {0xE0, 0x00}; /* both versions: normal disconnection */
        expect_bytes(f, want, sizeof want);
        expect_no_more(f);
        mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
        assert_int_equal(f->nev, 1);
        assert_int_equal(f->ev[0].type, MQTTS_EV_DISCONNECTED);
        assert_int_equal(f->ev[0].err, MQTTS_OK);
        assert_int_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_IDLE);
        assert_int_equal(mqtts_session_deadline(&f->s), UINT32_MAX);
        assert_false(mqtts_session_should_connect(&f->s, f->now + 3600000));
    }
    /* v5 with a reason: 0x04 Disconnect with Will Message */
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    go_online(f);
    drain(f);
    assert_int_equal(mqtts_session_disconnect(&f->s, 0x04), MQTTS_OK);
    drain(f);
    const uint8_t want[] = {0xE0, 0x01, 0x04};
    expect_bytes(f, want, sizeof want);
}

/* ------------------------------------------------------------------ */
/* incoming */

static void test_session_incoming_qos012(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        go_online(f);
        drain(f);
        f->nev = 0;
        uint8_t b[64];
        /* QoS 0, retained */
        feed_ok(f, b, publish_in(f, b, 0, true, false, 0, "in/0", NULL, 0, "zero"));
        assert_int_equal(f->nev, 1);
        ev_rec *e = &f->ev[0];
        assert_int_equal(e->type, MQTTS_EV_MESSAGE);
        assert_int_equal(e->topic_len, 4);
        assert_memory_equal(e->topic, "in/0", 4);
        assert_int_equal(e->payload_len, 4);
        assert_memory_equal(e->payload, "zero", 4);
        assert_int_equal(e->qos, 0);
        assert_true(e->retain);
        assert_int_equal(drain(f), 0);

        /* QoS 1 -> PUBACK */
        feed_ok(f, b, publish_in(f, b, 1, false, false, 0x1234, "in/1", NULL, 0, "one"));
        assert_int_equal(f->nev, 2);
        assert_int_equal(f->ev[1].qos, 1);
        assert_false(f->ev[1].retain);
        assert_memory_equal(f->ev[1].payload, "one", 3);
        drain(f);
        expect_ack(f, MQTTS_PUBACK, 0x1234, 0);
        expect_no_more(f);

        /* QoS 2 -> PUBREC; the duplicate is not delivered again */
        feed_ok(f, b, publish_in(f, b, 2, false, false, 9, "in/2", NULL, 0, "two"));
        assert_int_equal(f->nev, 3);
        assert_int_equal(f->ev[2].qos, 2);
        assert_memory_equal(f->ev[2].topic, "in/2", 4);
        drain(f);
        expect_ack(f, MQTTS_PUBREC, 9, 0);
        feed_ok(f, b, publish_in(f, b, 2, false, true, 9, "in/2", NULL, 0, "two"));
        assert_int_equal(f->nev, 3);
        drain(f);
        expect_ack(f, MQTTS_PUBREC, 9, 0);
        expect_no_more(f);

        /* PUBREL -> PUBCOMP; the same id is then a new message */
        feed_ack(f, MQTTS_PUBREL, 9, 0);
        drain(f);
        expect_ack(f, MQTTS_PUBCOMP, 9, 0);
        expect_no_more(f);
        feed_ok(f, b, publish_in(f, b, 2, false, false, 9, "in/2", NULL, 0, "new"));
        assert_int_equal(f->nev, 4);
        assert_memory_equal(f->ev[3].payload, "new", 3);
        drain(f);
        expect_ack(f, MQTTS_PUBREC, 9, 0);
    }
}

static void test_session_incoming_qos2_slots_exceeded_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->mem.qos2_in_count = 2; /* CONNECT says Receive Maximum 2 */
    fx_init(f);
    go_online(f);
    drain(f);
    f->nev = 0;
    uint8_t b[64];
    feed_ok(f, b, publish_in(f, b, 2, false, false, 1, "q", NULL, 0, "a"));
    feed_ok(f, b, publish_in(f, b, 2, false, false, 2, "q", NULL, 0, "b"));
    size_t n = publish_in(f, b, 2, false, false, 3, "q", NULL, 0, "c");
    assert_int_equal(feed(f, b, n), MQTTS_ERR_PROTOCOL);
    assert_int_equal(f->nev, 2); /* the third was not delivered */
    drain(f);
    expect_ack(f, MQTTS_PUBREC, 1, 0);
    expect_ack(f, MQTTS_PUBREC, 2, 0);
    expect_disconnect_v5(f, 0x93); /* Receive Maximum exceeded */
    expect_no_more(f);
}

static void test_session_incoming_topic_alias_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    go_online(f);
    drain(f);
    f->nev = 0;
    uint8_t b[64];
    const uint8_t alias1[] = {0x23, 0x00, 0x01}; /* Topic Alias 1 */
    feed_ok(f, b, publish_in(f, b, 0, false, false, 0, "x/y", alias1, 3, "1"));
    feed_ok(f, b, publish_in(f, b, 1, false, false, 5, "", alias1, 3, "2"));
    assert_int_equal(f->nev, 2);
    assert_int_equal(f->ev[1].topic_len, 3);
    assert_memory_equal(f->ev[1].topic, "x/y", 3);
    assert_memory_equal(f->ev[1].payload, "2", 1);
    drain(f);
    expect_ack(f, MQTTS_PUBACK, 5, 0);
    /* Re-map alias 1 to another topic. */
    feed_ok(f, b, publish_in(f, b, 0, false, false, 0, "z", alias1, 3, "3"));
    feed_ok(f, b, publish_in(f, b, 0, false, false, 0, "", alias1, 3, "4"));
    assert_int_equal(f->nev, 4);
    assert_int_equal(f->ev[3].topic_len, 1);
    assert_memory_equal(f->ev[3].topic, "z", 1);

    /* An alias never set: Protocol Error. */
    const uint8_t alias2[] = {0x23, 0x00, 0x02};
    size_t n = publish_in(f, b, 0, false, false, 0, "", alias2, 3, "5");
    assert_int_equal(feed(f, b, n), MQTTS_ERR_PROTOCOL);
    assert_int_equal(f->nev, 4);
    drain(f);
    expect_disconnect_v5(f, 0x82);
    expect_no_more(f);

    /* Above our Topic Alias Maximum (4): Topic Alias invalid. */
    f = fx_new(MQTTS_V5);
    fx_init(f);
    go_online(f);
    drain(f);
    f->nev = 0;
    const uint8_t alias5[] = {0x23, 0x00, 0x05};
    n = publish_in(f, b, 0, false, false, 0, "a", alias5, 3, "6");
    assert_int_equal(feed(f, b, n), MQTTS_ERR_PROTOCOL);
    assert_int_equal(f->nev, 0);
    drain(f);
    expect_disconnect_v5(f, 0x94);
    expect_no_more(f);
}

/* MQTT 5.0 section 3.3.2.3.4: "Topic Alias mappings exist only within a
 * Network Connection and last only for the lifetime of that Network
 * Connection." After a reconnect, alias 1 is unknown again. */
static void test_session_incoming_topic_alias_reset_on_reconnect_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    go_online(f);
    drain(f);
    uint8_t b[64];
    const uint8_t alias1[] = {0x23, 0x00, 0x01};
    feed_ok(f, b, publish_in(f, b, 0, false, false, 0, "old/topic", alias1, 3, "1"));
    mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
    f->now += 60000;
    go_online(f);
    drain(f);
    f->nev = 0;
    size_t n = publish_in(f, b, 0, false, false, 0, "", alias1, 3, "2");
    assert_int_equal(feed(f, b, n), MQTTS_ERR_PROTOCOL);
    assert_int_equal(f->nev, 0);
}

/* The caller's alias memory is not promised to be zeroed: an alias the
 * broker never set must not resolve to whatever bytes were there. */
static void test_session_incoming_topic_alias_unzeroed_memory_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    memset(f->alias, 0x01, sizeof f->alias); /* stale bytes: "length 257" */
    fx_init(f);
    go_online(f);
    drain(f);
    f->nev = 0;
    uint8_t b[64];
    const uint8_t alias1[] = {0x23, 0x00, 0x01};
    size_t n = publish_in(f, b, 0, false, false, 0, "", alias1, 3, "x");
    assert_int_equal(feed(f, b, n), MQTTS_ERR_PROTOCOL);
    assert_int_equal(f->nev, 0);
}

static void test_session_incoming_malformed(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        go_online(f);
        drain(f);
        f->nev = 0;
        const uint8_t bad[] = {0x41, 0x02, 0x00, 0x01}; /* PUBACK with flags 1 */
        mqtts_err e = feed(f, bad, sizeof bad);
        assert_int_equal(e, MQTTS_ERR_RESERVED_FLAGS);
        assert_int_equal(f->nev, 0);
        drain(f);
        expect_disconnect_v5(f, 0x81); /* Malformed Packet */
        expect_no_more(f);
        /* Nothing more is processed on this connection. */
        const uint8_t pingresp[] = {0xD0, 0x00};
        size_t cap = 0;
        uint8_t *at = mqtts_session_rx_buf(&f->s, &cap);
        if (cap >= 2) {
            memcpy(at, pingresp, 2);
            (void)mqtts_session_rx_done(&f->s, 2, f->now);
        }
        assert_int_equal(f->nev, 0);
    }
}

static void test_session_incoming_too_large(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        go_online(f);
        drain(f);
        /* PUBLISH with remaining length 600 (rx is 512): the header alone says it. */
        const uint8_t big[] = {0x30, 0xD8, 0x04, 0x00, 0x01, 't'};
        assert_int_equal(feed(f, big, sizeof big), MQTTS_ERR_PACKET_TOO_LARGE);
        drain(f);
        expect_disconnect_v5(f, 0x95); /* Packet too large */
        expect_no_more(f);
    }
}

static void test_session_incoming_bytewise(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        drain(f);
        uint8_t b[256];
        const uint8_t ka[] = {0x13, 0x00, 0x05}; /* Server Keep Alive 5 (v5) */
        size_t n = connack(f, b, false, 0, ka, sizeof ka);
        /* Then a QoS 1 PUBLISH with a 130-byte remaining length (2-byte varint). */
        char pay[124];
        memset(pay, 'b', sizeof pay - 1);
        pay[sizeof pay - 1] = 0;
        size_t m = publish_in(f, b + n, 1, false, false, 77, "bw", NULL, 0, pay);
        assert_true(b[n + 1] & 0x80); /* two length bytes */
        assert_int_equal(feed_bytewise(f, b, n), MQTTS_OK);
        assert_int_equal(f->nev, 1);
        assert_int_equal(f->ev[0].type, MQTTS_EV_CONNECTED);
        assert_int_equal(feed_bytewise(f, b + n, m), MQTTS_OK);
        assert_int_equal(f->nev, 2);
        assert_int_equal(f->ev[1].type, MQTTS_EV_MESSAGE);
        assert_int_equal(f->ev[1].payload_len, strlen(pay));
        assert_memory_equal(f->ev[1].payload, pay, strlen(pay));
        assert_int_equal(f->ev[1].msg_id, 77);
        drain(f);
        cpkt k;
        expect_pkt(f, &k, MQTTS_CONNECT);
        expect_ack(f, MQTTS_PUBACK, 77, 0);
        expect_no_more(f);
    }
}

/* ------------------------------------------------------------------ */
/* subscribe / unsubscribe */

static void test_session_subscribe_unsubscribe(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        fx_init(f);
        mqtts_subscription subs[2];
        memset(subs, 0, sizeof subs);
        subs[0].filter = mqtts_cstr("a/+");
        subs[0].qos = 1;
        subs[1].filter = mqtts_cstr("b/#");
        subs[1].qos = 2;
        if (v == MQTTS_V5) {
            subs[0].no_local = true;
            subs[0].retain_as_published = true;
            subs[0].retain_handling = 1;
        }
        uint16_t id;
        assert_int_equal(mqtts_session_subscribe(&f->s, subs, 2, NULL, &id),
                         MQTTS_ERR_NOT_CONNECTED);
        mqtts_str uf = mqtts_cstr("a/+");
        assert_int_equal(mqtts_session_unsubscribe(&f->s, &uf, 1, NULL, &id),
                         MQTTS_ERR_NOT_CONNECTED);
        go_online(f);
        drain(f);
        f->nev = 0;
        assert_int_equal(mqtts_session_subscribe(&f->s, subs, 2, NULL, &id), MQTTS_OK);
        assert_int_not_equal(id, 0);
        drain(f);
        const uint8_t want311[] = {
            0x82, 0x0E, (uint8_t)(id >> 8), (uint8_t)id, /* SUBSCRIBE, id */
            0x00, 0x03, 'a', '/', '+', 0x01,               /* QoS 1 */
            0x00, 0x03, 'b', '/', '#', 0x02,               /* QoS 2 */
        };
        const uint8_t want5[] = {
            0x82, 0x0F, (uint8_t)(id >> 8), (uint8_t)id, 0x00, /* no properties */
            0x00, 0x03, 'a', '/', '+', 0x1D, /* QoS 1, no local, RAP, retain handling 1 */
            0x00, 0x03, 'b', '/', '#', 0x02,
        };
        if (v == MQTTS_V5)
            expect_bytes(f, want5, sizeof want5);
        else
            expect_bytes(f, want311, sizeof want311);
        expect_no_more(f);

        /* SUBACK: granted QoS 1, failure 0x80 */
        uint8_t b[16];
        size_t n = 0;
        b[n++] = 0x90;
        b[n++] = (uint8_t)(v == MQTTS_V5 ? 5 : 4);
        b[n++] = (uint8_t)(id >> 8);
        b[n++] = (uint8_t)id;
        if (v == MQTTS_V5)
            b[n++] = 0x00;
        b[n++] = 0x01;
        b[n++] = 0x80;
        feed_ok(f, b, n);
        assert_int_equal(f->nev, 1);
        assert_int_equal(f->ev[0].type, MQTTS_EV_SUBACK);
        assert_int_equal(f->ev[0].packet_id, id);
        assert_int_equal(f->ev[0].nreasons, 2);
        assert_int_equal(f->ev[0].reasons[0], 0x01);
        assert_int_equal(f->ev[0].reasons[1], 0x80);

        uint16_t uid;
        assert_int_equal(mqtts_session_unsubscribe(&f->s, &uf, 1, NULL, &uid), MQTTS_OK);
        assert_int_not_equal(uid, id);
        drain(f);
        const uint8_t u311[] = {0xA2, 0x07, (uint8_t)(uid >> 8), (uint8_t)uid,
                                0x00, 0x03, 'a', '/', '+'};
        const uint8_t u5[] = {0xA2, 0x08, (uint8_t)(uid >> 8), (uint8_t)uid, 0x00,
                              0x00, 0x03, 'a', '/', '+'};
        if (v == MQTTS_V5)
            expect_bytes(f, u5, sizeof u5);
        else
            expect_bytes(f, u311, sizeof u311);
        expect_no_more(f);
        n = 0;
        b[n++] = 0xB0;
        b[n++] = (uint8_t)(v == MQTTS_V5 ? 4 : 2);
        b[n++] = (uint8_t)(uid >> 8);
        b[n++] = (uint8_t)uid;
        if (v == MQTTS_V5) {
            b[n++] = 0x00; /* no properties */
            b[n++] = 0x11; /* No subscription existed */
        }
        feed_ok(f, b, n);
        assert_int_equal(f->nev, 2);
        assert_int_equal(f->ev[1].type, MQTTS_EV_UNSUBACK);
        assert_int_equal(f->ev[1].packet_id, uid);
        assert_int_equal(f->ev[1].nreasons, v == MQTTS_V5 ? 1 : 0);
        if (v == MQTTS_V5)
            assert_int_equal(f->ev[1].reasons[0], 0x11);

        /* After a loss, only "b/#" is restored. */
        mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
        assert_int_equal(mqtts_session_subscribe(&f->s, subs, 1, NULL, &id),
                         MQTTS_ERR_NOT_CONNECTED);
        f->now += 60000;
        go_online(f);
        drain(f);
        cpkt k;
        expect_pkt(f, &k, MQTTS_SUBSCRIBE);
        size_t i = v == MQTTS_V5 ? 3 : 2;
        assert_memory_equal(k.body + i, "\x00\x03" "b/#\x02", 6);
        expect_no_more(f);
    }
}

/* ------------------------------------------------------------------ */
/* keepalive */

static void keepalive_run(fx *f, uint32_t t0)
{
    f->now = t0;
    f->cfg.keep_alive_s = 10;
    fx_init(f);
    go_online(f); /* CONNECT drained at t0: the last send */
    f->now = t0 + 200;
    assert_int_equal(mqtts_session_deadline(&f->s), t0 + 10000);
    assert_int_equal(mqtts_session_tick(&f->s, t0 + 9999), MQTTS_OK);
    assert_int_equal(drain(f), 0);
    f->now = t0 + 10000;
    assert_int_equal(mqtts_session_tick(&f->s, f->now), MQTTS_OK);
    drain(f);
    const uint8_t ping[] = {0xC0, 0x00};
    expect_bytes(f, ping, 2);
    expect_no_more(f);
    /* Waiting for PINGRESP: half the keepalive by default. */
    assert_int_equal(mqtts_session_deadline(&f->s), t0 + 15000);
    f->now = t0 + 10300;
    const uint8_t pingresp[] = {0xD0, 0x00};
    feed_ok(f, pingresp, 2);
    assert_int_equal(mqtts_session_deadline(&f->s), t0 + 20000);
    assert_int_equal(mqtts_session_tick(&f->s, t0 + 15000), MQTTS_OK);
    assert_int_equal(drain(f), 0);
    /* A publish sent later moves the deadline. */
    f->now = t0 + 12000;
    publish(f, "k", "v", 0);
    drain(f);
    f->rd = f->out_len;
    assert_int_equal(mqtts_session_deadline(&f->s), t0 + 22000);
    f->now = t0 + 22000;
    assert_int_equal(mqtts_session_tick(&f->s, f->now), MQTTS_OK);
    drain(f);
    expect_bytes(f, ping, 2);
    /* No PINGRESP: the half-open connection is found. */
    assert_int_equal(mqtts_session_tick(&f->s, t0 + 26999), MQTTS_OK);
    assert_int_equal(mqtts_session_tick(&f->s, t0 + 27000), MQTTS_ERR_TIMEOUT);
}

static void test_session_keepalive(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    keepalive_run(fx_new(v), 1000);
}

static void test_session_keepalive_clock_wrap(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        keepalive_run(fx_new(v), UINT32_MAX - 4000u);
        keepalive_run(fx_new(v), UINT32_MAX - 12000u);
        /* CONNACK timeout across the wrap. */
        fx *f = fx_new(v);
        f->now = UINT32_MAX - 10u;
        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        assert_int_equal(mqtts_session_tick(&f->s, f->now + 9999u), MQTTS_OK);
        assert_int_equal(mqtts_session_tick(&f->s, f->now + 10000u), MQTTS_ERR_TIMEOUT);
        /* Backoff across the wrap. */
        mqtts_session_lost(&f->s, MQTTS_ERR_TIMEOUT, f->now + 10000u);
        uint32_t d = last_ev(f)->delay_ms;
        assert_false(mqtts_session_should_connect(&f->s, f->now + 10000u + d - 1));
        assert_true(mqtts_session_should_connect(&f->s, f->now + 10000u + d));
    }
}

static void test_session_keepalive_server_keep_alive_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->cfg.keep_alive_s = 10;
    fx_init(f);
    uint32_t t0 = f->now;
    const uint8_t props[] = {0x13, 0x00, 0x1E}; /* Server Keep Alive 30 */
    go_online_props(f, false, props, sizeof props);
    assert_int_equal(mqtts_session_deadline(&f->s), t0 + 30000);
    assert_int_equal(mqtts_session_tick(&f->s, t0 + 10000), MQTTS_OK);
    assert_int_equal(drain(f), 0);
    f->now = t0 + 30000;
    assert_int_equal(mqtts_session_tick(&f->s, f->now), MQTTS_OK);
    drain(f);
    const uint8_t ping[] = {0xC0, 0x00};
    expect_bytes(f, ping, 2);
    assert_int_equal(mqtts_session_deadline(&f->s), t0 + 30000 + 15000);
}

/* ------------------------------------------------------------------ */
/* broker DISCONNECT */

static void test_session_broker_disconnect_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    go_online(f);
    drain(f);
    f->nev = 0;
    const uint8_t dis[] = {
        0xE0, 0x08,            /* DISCONNECT, remaining length 8 */
        0x8B,                  /* Server shutting down */
        0x06,                  /* property length */
        0x1F, 0x00, 0x03, 'b', 'y', 'e', /* Reason String "bye" */
    };
    assert_int_equal(feed(f, dis, sizeof dis), MQTTS_ERR_BROKER_DISCONNECT);
    assert_int_equal(f->nev, 1);
    assert_int_equal(f->ev[0].type, MQTTS_EV_DISCONNECTED);
    assert_int_equal(f->ev[0].err, MQTTS_ERR_BROKER_DISCONNECT);
    assert_int_equal(f->ev[0].reason, 0x8B);
    assert_int_equal(f->ev[0].reason_string_len, 3);
    assert_memory_equal(f->ev[0].reason_string, "bye", 3);
    assert_int_equal(drain(f), 0); /* the client sends no DISCONNECT back */
    mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
    assert_int_equal(f->nev, 2); /* no second DISCONNECTED */
    assert_int_equal(f->ev[1].type, MQTTS_EV_RECONNECTING);
    /* The next loss is reported again. */
    f->now += 60000;
    go_online(f);
    f->nev = 0;
    mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
    assert_int_equal(f->ev[0].type, MQTTS_EV_DISCONNECTED);
    assert_int_equal(f->ev[0].err, MQTTS_ERR_CLOSED);
}

/* ------------------------------------------------------------------ */
/* v5 CONNACK limits on what we may send: Maximum QoS [MQTT-3.2.2-11] and
 * Retain Available [MQTT-3.2.2-14]. */

static void test_session_publish_respects_maximum_qos_and_retain_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    const uint8_t props[] = {0x24, 0x01,  /* Maximum QoS 1 */
                             0x25, 0x00}; /* Retain Available 0 */
    go_online_props(f, false, props, sizeof props);
    drain(f);
    mqtts_publish p = pub("t", "x", 2);
    mqtts_err e = mqtts_session_publish(&f->s, &p, NULL);
    p = pub("t", "y", 0);
    p.retain = true;
    mqtts_err e2 = mqtts_session_publish(&f->s, &p, NULL);
    drain(f);
    cpkt k;
    while (next_pkt(f, &k)) {
        cpub o;
        parse_pub(f, &k, &o);
        assert_true(o.qos <= 1); /* never QoS 2 on the wire */
        assert_false(o.retain);  /* never RETAIN on the wire */
    }
    assert_int_not_equal(e, MQTTS_OK);
    assert_int_not_equal(e2, MQTTS_OK);
}

/* session.h: mqtts_session_pending() counts "QoS 1/2 messages stored and not
 * yet acknowledged (incl. the offline queue)" - a QoS 0 message waiting in
 * the store is not one of them. */
static void test_session_pending_counts_qos12_only(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    f->cfg.offline_qos0 = MQTTS_QOS0_QUEUE;
    fx_init(f);
    publish(f, "p", "1", 1);
    publish(f, "p", "0", 0);
    assert_int_equal(mqtts_session_pending(&f->s), 1);
}

/* The owner asked for tx (tx_buf returned the queued PUBLISH) but its send
 * would block, so no byte went out; a malformed packet then arrives. No
 * PUBLISH is half-sent, so the v5 DISCONNECT 0x81 must still be queued
 * (the engine skips it only "while a PUBLISH is half-sent"). */
static void test_session_incoming_malformed_after_tx_peek_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    go_online(f);
    drain(f);
    publish(f, "t", "x", 1);
    size_t len = 0;
    assert_non_null(mqtts_session_tx_buf(&f->s, &len)); /* send() would block: no tx_done */
    const uint8_t bad[] = {0x41, 0x02, 0x00, 0x01}; /* PUBACK with flags 1 */
    assert_int_equal(feed(f, bad, sizeof bad), MQTTS_ERR_RESERVED_FLAGS);
    drain(f);
    bool seen = false;
    cpkt k;
    while (next_pkt(f, &k)) {
        if (k.type == MQTTS_DISCONNECT) {
            assert_int_equal(k.len, 1);
            assert_int_equal(k.body[0], 0x81);
            seen = true;
        }
    }
    assert_true(seen);
}

/* ------------------------------------------------------------------ */
/* the store ring: 10,000 QoS 1 round trips through 4 KB and 16 slots */

/* Outgoing topic aliases (v5): QoS 0 only, as many as the broker allows and
 * the caller gave slots for; an alias is set up by a packet that carries the
 * topic, then used alone; QoS 0 packets still queued with an alias when the
 * connection drops are dropped, and the next connection starts afresh. */
static void test_session_topic_alias_out_v5(void **state)
{
    (void)state;
    static uint8_t out_alias[3 * 24];
    fx *f = fx_new(MQTTS_V5);
    f->mem.out_alias_text = out_alias;
    f->mem.out_alias_count = 3;
    f->mem.out_alias_slot_size = 24;
    fx_init(f);
    const uint8_t tam2[] = {0x22, 0x00, 0x02}; /* Topic Alias Maximum 2 */
    go_online_props(f, false, tam2, sizeof tam2);
    drain(f);
    assert_int_equal(publish(f, "a/b", "1", 0), 0);
    assert_int_equal(publish(f, "a/b", "2", 0), 0);
    assert_int_equal(publish(f, "c", "3", 0), 0);
    assert_int_equal(publish(f, "d", "4", 0), 0); /* no alias left: the topic in full */
    uint16_t id = publish(f, "a/b", "5", 1);        /* QoS 1: never an alias */
    assert_int_equal(publish(f, "c", "6", 0), 0);
    drain(f);
    /* topic "a/b", properties: Topic Alias (0x23) 1 */
    const uint8_t p1[] = {0x30, 0x0A, 0x00, 0x03, 'a', '/', 'b', 0x03, 0x23, 0x00, 0x01, '1'};
    /* empty topic, Topic Alias 1 */
    const uint8_t p2[] = {0x30, 0x07, 0x00, 0x00, 0x03, 0x23, 0x00, 0x01, '2'};
    const uint8_t p3[] = {0x30, 0x08, 0x00, 0x01, 'c', 0x03, 0x23, 0x00, 0x02, '3'};
    const uint8_t p4[] = {0x30, 0x05, 0x00, 0x01, 'd', 0x00, '4'};
    const uint8_t p5[] = {0x32, 0x09, 0x00, 0x03, 'a', '/', 'b', (uint8_t)(id >> 8), (uint8_t)id,
                          0x00, '5'};
    const uint8_t p6[] = {0x30, 0x07, 0x00, 0x00, 0x03, 0x23, 0x00, 0x02, '6'};
    expect_bytes(f, p1, sizeof p1);
    expect_bytes(f, p2, sizeof p2);
    expect_bytes(f, p3, sizeof p3);
    expect_bytes(f, p4, sizeof p4);
    expect_bytes(f, p5, sizeof p5);
    expect_bytes(f, p6, sizeof p6);
    expect_no_more(f);
    feed_ack(f, MQTTS_PUBACK, id, 0);

    /* Queued, not sent, then the link drops: the aliased packet is dropped;
     * the one with its topic in full is kept and sent next time. */
    assert_int_equal(publish(f, "a/b", "7", 0), 0);
    assert_int_equal(publish(f, "d", "8", 0), 0);
    mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
    f->now += 100000;
    const uint8_t tam1[] = {0x22, 0x00, 0x01};
    go_online_props(f, false, tam1, sizeof tam1);
    drain(f);
    expect_bytes(f, p4, sizeof p4 - 1);
    assert_int_equal(f->out[f->rd++], '8');
    expect_no_more(f);
    /* Aliases start again from 1, up to the new maximum (1). */
    assert_int_equal(publish(f, "c", "9", 0), 0);
    assert_int_equal(publish(f, "a/b", "A", 0), 0);
    drain(f);
    const uint8_t p9[] = {0x30, 0x08, 0x00, 0x01, 'c', 0x03, 0x23, 0x00, 0x01, '9'};
    const uint8_t pA[] = {0x30, 0x07, 0x00, 0x03, 'a', '/', 'b', 0x00, 'A'};
    expect_bytes(f, p9, sizeof p9);
    expect_bytes(f, pA, sizeof pA);
    expect_no_more(f);
}

/* No Topic Alias Maximum from the broker (it takes none), or 3.1.1: no alias. */
static void test_session_topic_alias_out_not_allowed(void **state)
{
    (void)state;
    static uint8_t out_alias[2 * 24];
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        f->mem.out_alias_text = out_alias;
        f->mem.out_alias_count = 2;
        f->mem.out_alias_slot_size = 24;
        fx_init(f);
        go_online(f);
        drain(f);
        assert_int_equal(publish(f, "a/b", "1", 0), 0);
        assert_int_equal(publish(f, "a/b", "2", 0), 0);
        drain(f);
        for (int i = 0; i < 2; i++) {
            cpkt k;
            cpub o;
            expect_pkt(f, &k, MQTTS_PUBLISH);
            parse_pub(f, &k, &o);
            assert_int_equal(o.topic_len, 3);
            if (v == MQTTS_V5)
                assert_int_equal(k.body[5], 0x00); /* property length 0 */
        }
        expect_no_more(f);
    }
}

/* Published, then disconnected at once: the PUBLISH packets leave before
 * the DISCONNECT (as far as the window allows); a QoS 1 one held back by
 * Receive Maximum stays stored. */
static void test_session_disconnect_after_publish_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    const uint8_t rm1[] = {0x21, 0x00, 0x01}; /* Receive Maximum 1 */
    go_online_props(f, false, rm1, sizeof rm1);
    drain(f);
    assert_int_equal(publish(f, "a", "0", 0), 0);
    uint16_t id1 = publish(f, "a", "1", 1);
    uint16_t id2 = publish(f, "a", "2", 1);
    assert_int_equal(mqtts_session_disconnect(&f->s, 0), MQTTS_OK);
    assert_int_equal(mqtts_session_publish(&f->s, &(mqtts_publish){.topic = mqtts_cstr("a")}, NULL),
                     MQTTS_ERR_NOT_CONNECTED);
    drain(f);
    expect_pub(f, 0, 0, false, "0");
    expect_pub(f, 1, id1, false, "1");
    const uint8_t disconnect[] = {0xE0, 0x00};
    expect_bytes(f, disconnect, sizeof disconnect);
    expect_no_more(f);
    assert_int_equal(mqtts_session_pending(&f->s), 2);
    (void)id2;
    mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
    assert_int_equal(mqtts_session_state_of(&f->s), MQTTS_STATE_IDLE);
    assert_int_equal(mqtts_session_pending(&f->s), 2); /* kept for a later session */
}

/* Packet identifiers wrap round 65535 and skip one still in use: a message
 * never acknowledged keeps its id while 70,000 SUBSCRIBE packets (which
 * take ids too, without a store slot) come and go. v3.1.1 SUBACK bytes. */
static void test_session_packet_id_wrap_skips_in_use(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    fx_init(f);
    go_online(f);
    drain(f);
    uint16_t held = publish(f, "a", "held", 1);
    drain(f);
    mqtts_subscription sub;
    memset(&sub, 0, sizeof sub);
    sub.filter = mqtts_cstr("s");
    uint16_t prev = held;
    int wrapped = 0;
    for (int i = 0; i < 70000; i++) {
        uint16_t id = 0;
        assert_int_equal(mqtts_session_subscribe(&f->s, &sub, 1, NULL, &id), MQTTS_OK);
        assert_int_not_equal(id, held);
        assert_int_not_equal(id, 0);
        if (id < prev)
            wrapped++;
        prev = id;
        drain(f);
        f->rd = f->out_len = 0;
        const uint8_t suback[] = {0x90, 0x03, (uint8_t)(id >> 8), (uint8_t)id, 0x00};
        feed_ok(f, suback, sizeof suback);
        f->nev = 0;
    }
    assert_int_equal(wrapped, 1);
    /* The held message is still there and completes normally. */
    assert_int_equal(mqtts_session_pending(&f->s), 1);
    feed_ack(f, MQTTS_PUBACK, held, 0);
    assert_int_equal(mqtts_session_pending(&f->s), 0);
}

/* A plain connection to a TLS port: a TLS alert where the CONNACK should be
 * is named for what it is; a connection closed without a byte after CONNECT
 * is MQTTS_ERR_NO_CONNACK, not a bare "closed". */
static void test_session_tls_port_detected(void **state)
{
    (void)state;
    mqtts_version v;
    FOR_EACH_VERSION(v)
    {
        fx *f = fx_new(v);
        f->cfg.no_reconnect = true;
        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        drain(f);
        const uint8_t alert[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x46};
        assert_int_equal(feed(f, alert, sizeof alert), MQTTS_ERR_TLS_REQUIRED);
        assert_int_equal(mqtts_session_lost(&f->s, MQTTS_ERR_TLS_REQUIRED, f->now),
                         MQTTS_ERR_TLS_REQUIRED);
        assert_int_equal(last_ev(f)->type, MQTTS_EV_DISCONNECTED);
        assert_int_equal(last_ev(f)->err, MQTTS_ERR_TLS_REQUIRED);

        fx_init(f);
        assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
        drain(f);
        assert_int_equal(mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now),
                         MQTTS_ERR_NO_CONNACK);
        assert_int_equal(last_ev(f)->err, MQTTS_ERR_NO_CONNACK);

        /* Once the broker has said something, a close is just a close. */
        fx_init(f);
        go_online(f);
        assert_int_equal(mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now), MQTTS_ERR_CLOSED);
    }
}

/* Stored before the CONNACK and forbidden by it (Maximum Packet Size,
 * Maximum QoS, Retain Available): dropped unsent with a DELIVERED event
 * that carries the error, while the allowed ones go out in order. */
static void test_session_offline_queue_checked_against_connack_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->cfg.offline_qos0 = MQTTS_QOS0_QUEUE;
    fx_init(f);
    uint16_t ok1 = publish(f, "a", "ok", 1);
    static const char big[] = "0123456789012345678901234567890123456789"; /* > 30 bytes */
    uint16_t too_big = publish(f, "a", big, 1);
    uint16_t q2 = publish(f, "a", "q2", 2);
    mqtts_publish r = pub("a", "r", 1);
    r.retain = true;
    uint16_t ret = 0;
    assert_int_equal(mqtts_session_publish(&f->s, &r, &ret), MQTTS_OK);
    assert_int_equal(publish(f, "a", big, 0), 0);
    assert_int_equal(mqtts_session_pending(&f->s), 4);
    /* Maximum Packet Size 30, Maximum QoS 1, Retain Available 0 */
    const uint8_t props[] = {0x27, 0x00, 0x00, 0x00, 0x1E, 0x24, 0x01, 0x25, 0x00};
    assert_int_equal(mqtts_session_connected(&f->s, f->now), MQTTS_OK);
    drain(f);
    cpkt k;
    expect_pkt(f, &k, MQTTS_CONNECT);
    uint8_t b[64];
    feed_ok(f, b, connack(f, b, false, 0, props, sizeof props));
    /* four drops, then CONNECTED */
    assert_int_equal(f->nev, 5);
    assert_int_equal(f->ev[4].type, MQTTS_EV_CONNECTED);
    const struct {
        uint16_t id;
        mqtts_err err;
        uint8_t reason;
    } want[] = {{too_big, MQTTS_ERR_PACKET_TOO_LARGE, 0x95},
                {q2, MQTTS_ERR_BROKER_LIMIT, 0x9B},
                {ret, MQTTS_ERR_BROKER_LIMIT, 0x9A},
                {0, MQTTS_ERR_PACKET_TOO_LARGE, 0x95}};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(f->ev[i].type, MQTTS_EV_DELIVERED);
        assert_int_equal(f->ev[i].packet_id, want[i].id);
        assert_int_equal(f->ev[i].err, want[i].err);
        assert_int_equal(f->ev[i].reason, want[i].reason);
    }
    drain(f);
    expect_pub(f, 1, ok1, false, "ok");
    expect_no_more(f);
    assert_int_equal(mqtts_session_pending(&f->s), 1);
}

/* A subscription made with a Subscription Identifier is restored with it
 * when the broker has lost the session (v5). */
static void test_session_restore_keeps_subscription_identifier_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    fx_init(f);
    go_online(f);
    drain(f);
    mqtts_subscription sub;
    memset(&sub, 0, sizeof sub);
    sub.filter = mqtts_cstr("t/#");
    sub.qos = 1;
    mqtts_props props;
    memset(&props, 0, sizeof props);
    props.present = MQTTS_PROP_BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER);
    props.subscription_identifier = 7;
    uint16_t id = 0;
    assert_int_equal(mqtts_session_subscribe(&f->s, &sub, 1, &props, &id), MQTTS_OK);
    drain(f);
    cpkt k;
    expect_pkt(f, &k, MQTTS_SUBSCRIBE);
    expect_no_more(f);
    mqtts_session_lost(&f->s, MQTTS_ERR_CLOSED, f->now);
    f->now += 100000;
    go_online(f);
    drain(f);
    expect_pkt(f, &k, MQTTS_SUBSCRIBE);
    /* packet id, property length 2: Subscription Identifier (0x0B) 7, then the filter */
    assert_int_equal(k.body[2], 2);
    assert_int_equal(k.body[3], 0x0B);
    assert_int_equal(k.body[4], 7);
    assert_memory_equal(k.body + 5, "\x00\x03" "t/#\x01", 6);
    expect_no_more(f);
}

static void test_session_store_ring_10000(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    fx_init(f);
    go_online(f);
    drain(f);
    enum { TOTAL = 10000 };
    static uint16_t ids[TOTAL];
    uint32_t published = 0, sent = 0, delivered = 0, full = 0;
    uint32_t rng = 7;
    char pay[300];
    while (delivered < TOTAL) {
        /* Publish a few (or until the store is full). */
        rng = rng * 1103515245u + 12345u;
        uint32_t want = 1 + (rng >> 16) % 14;
        for (uint32_t j = 0; j < want && published < TOTAL; j++) {
            uint32_t len = 4 + (published * 37u) % 280u;
            memset(pay, 'a' + (char)(published % 26), len);
            memcpy(pay, &published, 4);
            mqtts_publish p;
            memset(&p, 0, sizeof p);
            p.topic = mqtts_cstr("ring/t");
            p.payload = mqtts_bytes(pay, len);
            p.qos = 1;
            mqtts_err e = mqtts_session_publish(&f->s, &p, &ids[published]);
            if (e == MQTTS_ERR_QUEUE_FULL) {
                full++;
                break;
            }
            assert_int_equal(e, MQTTS_OK);
            published++;
        }
        /* Send, check every PUBLISH is whole and the next in order. */
        f->nev = 0;
        drain_chunks(f, (rng >> 8) % 3 == 0 ? 97 : 0);
        cpkt k;
        while (next_pkt(f, &k)) {
            cpub o;
            parse_pub(f, &k, &o);
            assert_true(sent < published);
            assert_int_equal(o.id, ids[sent]);
            assert_false(o.dup);
            uint32_t seq;
            memcpy(&seq, o.payload, 4);
            assert_int_equal(seq, sent);
            assert_int_equal(o.payload_len, 4 + (sent * 37u) % 280u);
            if (o.payload_len > 4)
                assert_int_equal(o.payload[o.payload_len - 1], 'a' + (char)(sent % 26));
            sent++;
        }
        assert_int_equal(sent, published);
        /* Acknowledge some of the oldest, in order. */
        uint32_t acks = 1 + (rng >> 20) % (sent - delivered);
        if (published == TOTAL)
            acks = sent - delivered;
        for (uint32_t j = 0; j < acks; j++) {
            feed_ack(f, MQTTS_PUBACK, ids[delivered], 0);
            assert_int_equal(f->nev, 1);
            assert_int_equal(f->ev[0].type, MQTTS_EV_DELIVERED);
            assert_int_equal(f->ev[0].packet_id, ids[delivered]);
            f->nev = 0;
            delivered++;
        }
        /* A duplicate PUBACK for one already delivered changes nothing. */
        feed_ack(f, MQTTS_PUBACK, ids[delivered - 1], 0);
        assert_int_equal(f->nev, 0);
        assert_int_equal(mqtts_session_pending(&f->s), published - delivered);
    }
    assert_int_equal(mqtts_session_pending(&f->s), 0);
    assert_true(full > 0); /* the store really filled up and wrapped */
    assert_int_equal(drain(f), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_session_connect_bytes_v311),
        cmocka_unit_test(test_session_connect_bytes_v5),
        cmocka_unit_test(test_session_connect_generated_client_id_v311),
        cmocka_unit_test(test_session_connect_assigned_client_id_v5),
        cmocka_unit_test(test_session_connack_success),
        cmocka_unit_test(test_session_connack_refused),
        cmocka_unit_test(test_session_connack_timeout),
        cmocka_unit_test(test_session_connack_not_first),
        cmocka_unit_test(test_session_publish_qos012_out),
        cmocka_unit_test(test_session_publish_pubrec_error_v5),
        cmocka_unit_test(test_session_publish_burst_one_run),
        cmocka_unit_test(test_session_publish_partial_tx_keeps_stream_whole),
        cmocka_unit_test(test_session_publish_receive_maximum_v5),
        cmocka_unit_test(test_session_publish_offline_queue),
        cmocka_unit_test(test_session_publish_store_full),
        cmocka_unit_test(test_session_publish_too_large_v5),
        cmocka_unit_test(test_session_reconnect_backoff),
        cmocka_unit_test(test_session_resume_session_present),
        cmocka_unit_test(test_session_resume_dup_cleared_for_new_session),
        cmocka_unit_test(test_session_connack_session_present_after_clean_start),
        cmocka_unit_test(test_session_resume_no_session_restores_subs),
        cmocka_unit_test(test_session_disconnect_by_user),
        cmocka_unit_test(test_session_incoming_qos012),
        cmocka_unit_test(test_session_incoming_qos2_slots_exceeded_v5),
        cmocka_unit_test(test_session_incoming_topic_alias_v5),
        cmocka_unit_test(test_session_incoming_topic_alias_reset_on_reconnect_v5),
        cmocka_unit_test(test_session_incoming_topic_alias_unzeroed_memory_v5),
        cmocka_unit_test(test_session_incoming_malformed),
        cmocka_unit_test(test_session_incoming_too_large),
        cmocka_unit_test(test_session_incoming_bytewise),
        cmocka_unit_test(test_session_subscribe_unsubscribe),
        cmocka_unit_test(test_session_keepalive),
        cmocka_unit_test(test_session_keepalive_clock_wrap),
        cmocka_unit_test(test_session_keepalive_server_keep_alive_v5),
        cmocka_unit_test(test_session_broker_disconnect_v5),
        cmocka_unit_test(test_session_publish_respects_maximum_qos_and_retain_v5),
        cmocka_unit_test(test_session_pending_counts_qos12_only),
        cmocka_unit_test(test_session_incoming_malformed_after_tx_peek_v5),
        cmocka_unit_test(test_session_store_ring_10000),
        cmocka_unit_test(test_session_topic_alias_out_v5),
        cmocka_unit_test(test_session_restore_keeps_subscription_identifier_v5),
        cmocka_unit_test(test_session_offline_queue_checked_against_connack_v5),
        cmocka_unit_test(test_session_tls_port_detected),
        cmocka_unit_test(test_session_packet_id_wrap_skips_in_use),
        cmocka_unit_test(test_session_disconnect_after_publish_v5),
        cmocka_unit_test(test_session_topic_alias_out_not_allowed),
    };
    return cmocka_run_group_tests_name("session", tests, NULL, NULL);
}
