/*
 * test_device.c - the device runtime's stage machine, driven by a scripted
 * fake platform (link, wall clock, SNTP, DNS, random, LED) and a fake
 * transport that plays a small broker.
 *
 * The broker answers from the bytes the runtime sends: CONNECT with a
 * CONNACK (return code chosen by the test, or silence), SUBSCRIBE with a
 * SUBACK granting QoS 1, a QoS 1 PUBLISH with a PUBACK, PINGREQ with
 * PINGRESP. Its packets are written here by hand from the MQTT 3.1.1 and 5.0
 * specifications; the client's packets are framed with mqtts_frame() and,
 * for PUBLISH (which a client also receives), decoded with mqtts_decode().
 * Time is a fake clock that jumps from one deadline that
 * mqtts_device_step() returns to the next.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mqtts/device.h"
#include "mqtts/packet.h"

/* ------------------------------------------------------------------ */
/* The fake platform. */

#define MAXST 1024
#define MAXPKT 256
#define ADDR "192.0.2.10"

enum { LINK_DOWN, LINK_JOINING, LINK_UP };

/* What an asynchronous operation does when polled: NEED_MORE `polls`
 * times, then `result` (hang: NEED_MORE for ever). */
typedef struct outcome {
    mqtts_err result;
    int polls;
    bool hang;
} outcome;

typedef struct sent_pkt {
    uint8_t type, flags;
    size_t off, len; /* in F.out, whole packet */
    int conn;        /* which connection (1, 2, ...) */
    uint32_t at;     /* fake time it was sent */
} sent_pkt;

typedef struct cmd_call {
    char args[64];
    int count;
} cmd_call;

typedef struct fx {
    mqtts_device dev;
    mqtts_device_config cfg;
    mqtts_device_platform pf;
    mqtts_device_app app;
    mqtts_device_memory mem;
    uint8_t rx[1024], tx[1024], store[2048], payload[128];
    mqtts_session_slot slots[8];
    uint16_t qos2[4];
    mqtts_session_sub subs[4];
    char sub_text[128];
    mqtts_device_command commands[3];

    uint32_t now;
    /* random: a constant when rnd_fixed, else an LCG */
    bool rnd_fixed;
    uint32_t rnd;
    /* link */
    int link;
    int joins;
    outcome join[8];      /* per join attempt (beyond: OK after 2 polls) */
    int join_polls_left;
    mqtts_err link_down_err;
    /* wall clock, SNTP */
    int64_t wall;
    int wall_sets;
    int sntp_starts;
    outcome sntp[8];
    int64_t sntp_time[8];
    int sntp_polls_left;
    /* DNS */
    int dns_starts;
    outcome dns[8];
    int dns_polls_left;
    char dns_host[64];
    /* LED */
    bool led;
    int led_ons;
    /* transport */
    bool transport_tls;
    int connects;
    mqtts_err connect_result[8]; /* per connect (beyond: OK) */
    char connect_host[64];
    uint16_t connect_port;
    bool open;
    int closes;
    mqtts_err recv_error; /* injected loss */
    bool send_blocked;    /* send() would block */
    uint8_t out[32768];
    size_t out_len, parsed;
    sent_pkt pkts[MAXPKT];
    size_t npkts;
    uint8_t in[4096];
    size_t in_len, in_rd;
    /* broker */
    uint8_t connack_rc;
    bool connack_silent;
    /* recorders */
    mqtts_device_status st[MAXST];
    uint32_t st_at[MAXST]; /* when each status came */
    size_t nst;
    int telemetry_calls;
    uint32_t telemetry_at[16];
    cmd_call led_cmd, ping_cmd;
} fx;

static fx F;

static uint32_t now_ms(void)
{
    return F.now;
}

static uint32_t fake_random(void *ctx)
{
    (void)ctx;
    if (F.rnd_fixed)
        return F.rnd;
    F.rnd = F.rnd * 1664525u + 1013904223u;
    return F.rnd >> 8;
}

static outcome *pick(outcome *list, int n)
{
    static outcome ok = {MQTTS_OK, 2, false};
    return n >= 1 && n <= 8 && (list[n - 1].result != MQTTS_OK || list[n - 1].polls ||
                                list[n - 1].hang)
               ? &list[n - 1]
               : &ok;
}

static mqtts_err link_join(void *ctx)
{
    (void)ctx;
    F.joins++;
    F.link = LINK_JOINING;
    F.join_polls_left = pick(F.join, F.joins)->polls;
    return MQTTS_OK;
}

static mqtts_err link_status(void *ctx)
{
    (void)ctx;
    if (F.link == LINK_UP)
        return MQTTS_OK;
    if (F.link == LINK_DOWN)
        return F.link_down_err;
    outcome *o = pick(F.join, F.joins);
    if (o->hang || F.join_polls_left > 0) {
        F.join_polls_left--;
        return MQTTS_NEED_MORE;
    }
    F.link = o->result == MQTTS_OK ? LINK_UP : LINK_DOWN;
    return o->result;
}

static int64_t wall_get(void *ctx)
{
    (void)ctx;
    return F.wall;
}

static void wall_set(void *ctx, int64_t t)
{
    (void)ctx;
    F.wall = t;
    F.wall_sets++;
}

static int64_t good_time(void)
{
    return mqtts_device_build_epoch() + 10 * 86400;
}

static mqtts_err sntp_start(void *ctx)
{
    (void)ctx;
    F.sntp_starts++;
    F.sntp_polls_left = pick(F.sntp, F.sntp_starts)->polls;
    return MQTTS_OK;
}

static mqtts_err sntp_poll(void *ctx, int64_t *t)
{
    (void)ctx;
    outcome *o = pick(F.sntp, F.sntp_starts);
    if (o->hang || F.sntp_polls_left > 0) {
        F.sntp_polls_left--;
        return MQTTS_NEED_MORE;
    }
    int i = F.sntp_starts - 1;
    *t = i < 8 && F.sntp_time[i] ? F.sntp_time[i] : good_time();
    return o->result;
}

static mqtts_err dns_start(void *ctx, const char *host)
{
    (void)ctx;
    F.dns_starts++;
    snprintf(F.dns_host, sizeof F.dns_host, "%s", host);
    F.dns_polls_left = pick(F.dns, F.dns_starts)->polls;
    return MQTTS_OK;
}

static mqtts_err dns_poll(void *ctx, char *addr, size_t cap)
{
    (void)ctx;
    outcome *o = pick(F.dns, F.dns_starts);
    if (o->hang || F.dns_polls_left > 0) {
        F.dns_polls_left--;
        return MQTTS_NEED_MORE;
    }
    if (o->result == MQTTS_OK)
        snprintf(addr, cap, "%s", ADDR);
    return o->result;
}

static void led(void *ctx, bool on)
{
    (void)ctx;
    assert_true(F.led != on); /* called only on a change */
    F.led = on;
    if (on)
        F.led_ons++;
}

/* ---- the fake transport and its broker ---- */

static bool v5(void)
{
    return F.dev.client_cfg.session.version == MQTTS_V5;
}

static void broker_says(const uint8_t *b, size_t n)
{
    assert_true(F.in_len + n <= sizeof F.in);
    memcpy(F.in + F.in_len, b, n);
    F.in_len += n;
}

static uint16_t u16(const uint8_t *p)
{
    return (uint16_t)(p[0] << 8 | p[1]);
}

static size_t varint(const uint8_t *p, uint32_t *v)
{
    uint32_t x = 0;
    size_t i = 0;
    unsigned shift = 0;
    do {
        x |= (uint32_t)(p[i] & 0x7Fu) << shift;
        shift += 7;
    } while (p[i++] & 0x80u);
    *v = x;
    return i;
}

/* The body of a packet (after the fixed header) and its length. */
static const uint8_t *body_of(const sent_pkt *k, size_t *len)
{
    uint32_t rl;
    size_t h = 1 + varint(F.out + k->off + 1, &rl);
    *len = rl;
    return F.out + k->off + h;
}

static void broker_answer(const sent_pkt *k)
{
    size_t len;
    const uint8_t *b = body_of(k, &len);
    switch (k->type) {
    case MQTTS_CONNECT:
        if (!F.connack_silent) {
            const uint8_t ca5[] = {0x20, 3, 0, F.connack_rc, 0};
            const uint8_t ca3[] = {0x20, 2, 0, F.connack_rc};
            if (v5())
                broker_says(ca5, sizeof ca5);
            else
                broker_says(ca3, sizeof ca3);
        }
        break;
    case MQTTS_SUBSCRIBE: {
        /* packet id, v5 properties, then (filter, options) pairs */
        size_t i = 2, n = 0;
        if (v5()) {
            uint32_t pl;
            i += varint(b + i, &pl);
            i += pl;
        }
        while (i < len) {
            i += 2 + u16(b + i) + 1;
            n++;
        }
        uint8_t sa[16];
        size_t m = 0;
        sa[m++] = 0x90;
        sa[m++] = (uint8_t)(2 + (v5() ? 1 : 0) + n);
        sa[m++] = b[0];
        sa[m++] = b[1];
        if (v5())
            sa[m++] = 0;
        for (size_t j = 0; j < n; j++)
            sa[m++] = 1; /* granted QoS 1 */
        broker_says(sa, m);
        break;
    }
    case MQTTS_PUBLISH:
        if (((k->flags >> 1) & 3u) == 1) {
            size_t tl = u16(b);
            const uint8_t pa[] = {0x40, 2, b[2 + tl], b[3 + tl]};
            broker_says(pa, sizeof pa);
        }
        break;
    case MQTTS_PINGREQ: {
        const uint8_t pr[] = {0xD0, 0};
        broker_says(pr, sizeof pr);
        break;
    }
    default:
        break;
    }
}

/* Frame what the client sent, record each packet and answer it. */
static void broker_read(void)
{
    for (;;) {
        size_t n = 0;
        if (mqtts_frame(F.out + F.parsed, F.out_len - F.parsed, 0, &n) != MQTTS_OK)
            return;
        assert_true(F.npkts < MAXPKT);
        sent_pkt *k = &F.pkts[F.npkts++];
        k->type = F.out[F.parsed] >> 4;
        k->flags = F.out[F.parsed] & 15u;
        k->off = F.parsed;
        k->len = n;
        k->conn = F.connects;
        k->at = F.now;
        F.parsed += n;
        broker_answer(k);
    }
}

static mqtts_err t_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    (void)ctx;
    (void)timeout_ms;
    assert_false(F.open);
    F.connects++;
    snprintf(F.connect_host, sizeof F.connect_host, "%s", host);
    F.connect_port = port;
    mqtts_err e = F.connects <= 8 ? F.connect_result[F.connects - 1] : MQTTS_OK;
    if (e != MQTTS_OK)
        return e;
    F.open = true;
    F.in_len = F.in_rd = 0;
    F.recv_error = MQTTS_OK;
    F.parsed = F.out_len; /* a new byte stream */
    return MQTTS_OK;
}

static int32_t t_send(void *ctx, const uint8_t *buf, size_t len)
{
    (void)ctx;
    if (!F.open)
        return MQTTS_ERR_NOT_CONNECTED;
    if (F.recv_error != MQTTS_OK)
        return F.recv_error;
    if (F.send_blocked)
        return 0;
    assert_true(F.out_len + len <= sizeof F.out);
    memcpy(F.out + F.out_len, buf, len);
    F.out_len += len;
    broker_read();
    return (int32_t)len;
}

static int32_t t_recv(void *ctx, uint8_t *buf, size_t cap)
{
    (void)ctx;
    if (!F.open)
        return MQTTS_ERR_NOT_CONNECTED;
    if (F.in_rd < F.in_len) {
        size_t n = F.in_len - F.in_rd < cap ? F.in_len - F.in_rd : cap;
        memcpy(buf, F.in + F.in_rd, n);
        F.in_rd += n;
        return (int32_t)n;
    }
    return F.recv_error;
}

static void t_close(void *ctx)
{
    (void)ctx;
    if (F.open)
        F.closes++;
    F.open = false;
}

static mqtts_err make_transport(void *ctx, const mqtts_device_config *cfg, mqtts_transport *t)
{
    (void)ctx;
    F.transport_tls = cfg->tls;
    memset(t, 0, sizeof *t);
    t->connect = t_connect;
    t->send = t_send;
    t->recv = t_recv;
    t->wait = NULL; /* callback-driven, like lwIP: the client reads at once */
    t->close = t_close;
    return MQTTS_OK;
}

/* ---- the application ---- */

static void on_status(void *user, const mqtts_device_status *st)
{
    (void)user;
    assert_true(F.nst < MAXST);
    F.st_at[F.nst] = F.now;
    F.st[F.nst++] = *st;
}

static size_t telemetry(void *user, mqtts_device *dev, uint8_t *buf, size_t cap)
{
    (void)user;
    assert_ptr_equal(dev, &F.dev);
    if (F.telemetry_calls < 16)
        F.telemetry_at[F.telemetry_calls] = F.now;
    F.telemetry_calls++;
    int n = snprintf((char *)buf, cap, "n=%d", F.telemetry_calls);
    return (size_t)n;
}

static size_t record_cmd(cmd_call *c, mqtts_str args)
{
    c->count++;
    assert_true(args.len < sizeof c->args);
    memcpy(c->args, args.ptr, args.len);
    c->args[args.len] = '\0';
    return 0;
}

static size_t cmd_led(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    (void)user;
    (void)dev;
    record_cmd(&F.led_cmd, args);
    return (size_t)snprintf(reply, cap, "led=%s", F.led_cmd.args);
}

static size_t cmd_ping(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    (void)user;
    (void)dev;
    record_cmd(&F.ping_cmd, args);
    assert_true(cap >= 4);
    memcpy(reply, "pong", 4);
    return 4;
}

/* ------------------------------------------------------------------ */
/* The fixture. */

static fx *fx_new(mqtts_version v)
{
    fx *f = &F;
    memset(f, 0, sizeof *f);
    f->now = 1000;
    f->rnd = 12345;
    f->link = LINK_DOWN;
    f->link_down_err = MQTTS_ERR_NOT_CONNECTED;

    f->cfg.host = "broker.example";
    f->cfg.tls = true;
    f->cfg.version = v;
    f->cfg.client_id = "dev1";
    f->cfg.base_topic = "devices/dev1";
    f->cfg.backoff_min_ms = 1000;
    f->cfg.backoff_max_ms = 8000;
    f->cfg.sntp_timeout_ms = 5000;
    f->cfg.dns_timeout_ms = 5000;
    f->cfg.link_timeout_ms = 10000;

    f->pf.now_ms = now_ms;
    f->pf.random = fake_random;
    f->pf.transport = make_transport;
    f->pf.link_join = link_join;
    f->pf.link_status = link_status;
    f->pf.wall_get = wall_get;
    f->pf.wall_set = wall_set;
    f->pf.sntp_start = sntp_start;
    f->pf.sntp_poll = sntp_poll;
    f->pf.dns_start = dns_start;
    f->pf.dns_poll = dns_poll;
    f->pf.led = led;

    f->commands[0].name = "led";
    f->commands[0].fn = cmd_led;
    f->commands[1].name = "ping";
    f->commands[1].fn = cmd_ping;
    f->app.commands = f->commands;
    f->app.command_count = 2;
    f->app.on_status = on_status;
    f->app.telemetry = telemetry;

    mqtts_session_memory *m = &f->mem.session;
    m->rx = f->rx;
    m->rx_size = sizeof f->rx;
    m->tx = f->tx;
    m->tx_size = sizeof f->tx;
    m->store = f->store;
    m->store_size = sizeof f->store;
    m->slots = f->slots;
    m->slot_count = 8;
    m->qos2_in = f->qos2;
    m->qos2_in_count = 4;
    m->subs = f->subs;
    m->sub_count = 4;
    m->sub_text = f->sub_text;
    m->sub_text_size = sizeof f->sub_text;
    f->mem.payload = f->payload;
    f->mem.payload_size = sizeof f->payload;
    return f;
}

static void fx_init(fx *f)
{
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem), MQTTS_OK);
}

static bool after(uint32_t a, uint32_t b)
{
    return (int32_t)(a - b) > 0;
}

/* Step at F.now, then jump to the deadline it returns, until `t`. Every
 * deadline must lie ahead and within MQTTS_DEVICE_MAX_SLEEP_MS. */
static void run_until(uint32_t t)
{
    for (int guard = 0; guard < 200000; guard++) {
        uint32_t next = mqtts_device_step(&F.dev, F.now);
        assert_true(next - F.now <= MQTTS_DEVICE_MAX_SLEEP_MS);
        if (!after(t, F.now))
            return;
        if (!after(next, F.now))
            next = F.now + 1;
        F.now = after(next, t) ? t : next;
    }
    fail_msg("run_until never got there");
}

static void run_for(uint32_t ms)
{
    run_until(F.now + ms);
}

static mqtts_device_stage stage(void)
{
    return mqtts_device_stage_of(&F.dev);
}

/* Run until the stage is s (at most `ms`). */
static void run_to_stage(mqtts_device_stage s, uint32_t ms)
{
    uint32_t end = F.now + ms;
    while (stage() != s) {
        assert_true(after(end, F.now));
        run_for(1);
    }
}

static void go_online(fx *f)
{
    fx_init(f);
    run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
}

/* The index of the first status at or after `from` that matches. */
static size_t find_status(size_t from, mqtts_device_stage s, mqtts_err err)
{
    for (size_t i = from; i < F.nst; i++) {
        if (F.st[i].stage == s && F.st[i].err == err)
            return i;
    }
    fail_msg("no status %s/%d from %zu", mqtts_device_stage_name(s), err, from);
    return 0;
}

static size_t count_status(size_t from, mqtts_device_stage s, mqtts_err err)
{
    size_t n = 0;
    for (size_t i = from; i < F.nst; i++)
        n += F.st[i].stage == s && F.st[i].err == err;
    return n;
}

static size_t count_pkts(uint8_t type)
{
    size_t n = 0;
    for (size_t i = 0; i < F.npkts; i++)
        n += F.pkts[i].type == type;
    return n;
}

/* The i-th PUBLISH sent to `topic` (decoded; views into F.out). */
static bool find_pub(const char *topic, size_t nth, mqtts_publish *out, sent_pkt **pk)
{
    size_t seen = 0;
    for (size_t i = 0; i < F.npkts; i++) {
        sent_pkt *k = &F.pkts[i];
        if (k->type != MQTTS_PUBLISH)
            continue;
        mqtts_packet p;
        assert_int_equal(mqtts_decode(F.dev.client_cfg.session.version, F.out + k->off, k->len,
                                      &p),
                         MQTTS_OK);
        if (p.u.publish.topic.len == strlen(topic) &&
            memcmp(p.u.publish.topic.ptr, topic, p.u.publish.topic.len) == 0 && seen++ == nth) {
            *out = p.u.publish;
            if (pk)
                *pk = k;
            return true;
        }
    }
    return false;
}

static size_t count_pubs(const char *topic)
{
    mqtts_publish p;
    size_t n = 0;
    while (find_pub(topic, n, &p, NULL))
        n++;
    return n;
}

static void assert_payload(const mqtts_publish *p, const char *text)
{
    assert_int_equal(p->payload.len, strlen(text));
    assert_memory_equal(p->payload.ptr, text, p->payload.len);
}

/* The broker publishes to the device. */
static void broker_publish(uint8_t qos, const char *topic, const uint8_t *props, size_t plen,
                           const char *payload)
{
    uint8_t b[512];
    size_t tl = strlen(topic), pl = strlen(payload);
    size_t rl = 2 + tl + (qos ? 2 : 0) + (v5() ? 1 + plen : 0) + pl;
    size_t n = 0;
    assert_true(rl < 128);
    b[n++] = (uint8_t)(0x30 | qos << 1);
    b[n++] = (uint8_t)rl;
    b[n++] = 0;
    b[n++] = (uint8_t)tl;
    memcpy(b + n, topic, tl);
    n += tl;
    if (qos) {
        b[n++] = 0x12;
        b[n++] = 0x34;
    }
    if (v5()) {
        b[n++] = (uint8_t)plen;
        if (plen)
            memcpy(b + n, props, plen);
        n += plen;
    }
    memcpy(b + n, payload, pl);
    broker_says(b, n + pl);
}

/* Retry delays: jitter puts each in [c/2, c] for c = min(max, min*2^(n-1)). */
static void assert_delay(uint32_t delay, uint32_t n, uint32_t min, uint32_t max)
{
    uint32_t c = min;
    for (uint32_t i = 1; i < n && c < max; i++)
        c = c * 2 > max ? max : c * 2;
    assert_in_range(delay, c / 2, c);
}

/* ------------------------------------------------------------------ */
/* Tests. */

/* From power-on to online: every stage in order, each reported once, with
 * the platform called as the stages say. */
static void test_device_boot_to_online(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    go_online(f);

    const mqtts_device_stage want[] = {MQTTS_DEVICE_LINK, MQTTS_DEVICE_TIME, MQTTS_DEVICE_DNS,
                                       MQTTS_DEVICE_TLS,  MQTTS_DEVICE_MQTT, MQTTS_DEVICE_ONLINE};
    assert_int_equal(f->nst, 6);
    for (size_t i = 0; i < 6; i++) {
        assert_int_equal(f->st[i].stage, want[i]);
        assert_int_equal(f->st[i].err, MQTTS_OK);
    }
    assert_int_equal(f->joins, 1);
    assert_int_equal(f->sntp_starts, 1);
    assert_int_equal(f->wall, good_time()); /* SNTP's answer went to wall_set */
    assert_int_equal(f->wall_sets, 1);
    assert_int_equal(f->dns_starts, 1);
    assert_string_equal(f->dns_host, "broker.example");
    assert_true(f->transport_tls);
    assert_int_equal(f->connects, 1);
    assert_string_equal(f->connect_host, ADDR); /* what DNS gave */
    assert_int_equal(f->connect_port, 8883);    /* TLS default */

    /* Birth: retained, QoS 1, "online" on the status topic. */
    mqtts_publish p;
    assert_true(find_pub("devices/dev1/status", 0, &p, NULL));
    assert_true(p.retain);
    assert_int_equal(p.qos, 1);
    assert_payload(&p, "online");

    /* One SUBSCRIBE: CMD and CMD/+, QoS 1. */
    assert_int_equal(count_pkts(MQTTS_SUBSCRIBE), 1);
    size_t blen;
    for (size_t i = 0; i < f->npkts; i++) {
        if (f->pkts[i].type != MQTTS_SUBSCRIBE)
            continue;
        const uint8_t *b = body_of(&f->pkts[i], &blen);
        const uint8_t want_filters[] = {0, 16, 'd', 'e', 'v', 'i', 'c', 'e', 's', '/', 'd', 'e',
                                        'v', '1', '/', 'c', 'm', 'd', 1,   0,   18,  'd', 'e', 'v',
                                        'i', 'c', 'e', 's', '/', 'd', 'e', 'v', '1', '/', 'c', 'm',
                                        'd', '/', '+', 1};
        assert_int_equal(blen, 2 + 1 + sizeof want_filters); /* id, no properties */
        assert_memory_equal(b + 3, want_filters, sizeof want_filters);
    }
    /* Online: the LED is steady on. */
    assert_true(f->led);
    assert_int_equal(mqtts_device_blinks(&f->dev), 0);
    uint32_t ons = (uint32_t)f->led_ons;
    run_for(10000);
    assert_int_equal(f->led_ons, ons);
    assert_true(f->led);
}

/* The CONNECT carries the will ("offline", retained, QoS 1, on the status
 * topic), the credentials and the clean start, byte for byte (3.1.1,
 * section 3.1). */
static void test_device_connect_bytes_will_v311(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    f->cfg.base_topic = "d/1";
    f->cfg.username = "u";
    f->cfg.password = "p";
    f->cfg.keep_alive_s = 30;
    go_online(f);
    const uint8_t want[] = {
        0x10, 43,                               /* CONNECT, remaining length */
        0, 4, 'M', 'Q', 'T', 'T', 4,            /* protocol name, level 4 */
        0xEE,                                   /* user, password, will retain, will QoS 1,
                                                   will, clean session */
        0, 30,                                  /* keep alive */
        0, 4, 'd', 'e', 'v', '1',               /* client id */
        0, 10, 'd', '/', '1', '/', 's', 't', 'a', 't', 'u', 's', /* will topic */
        0, 7, 'o', 'f', 'f', 'l', 'i', 'n', 'e', /* will payload */
        0, 1, 'u',                              /* user name */
        0, 1, 'p',                              /* password */
    };
    assert_true(f->npkts >= 1);
    assert_int_equal(f->pkts[0].type, MQTTS_CONNECT);
    assert_int_equal(f->pkts[0].len, sizeof want);
    assert_memory_equal(f->out + f->pkts[0].off, want, sizeof want);

    /* The birth message matches the will: same topic, retained, "online". */
    mqtts_publish p;
    assert_true(find_pub("d/1/status", 0, &p, NULL));
    assert_true(p.retain);
    assert_int_equal(p.qos, 1);
    assert_payload(&p, "online");
}

/* v5: the same will flags; the will carries an (empty) property block. */
static void test_device_connect_will_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->cfg.online_payload = "up";
    f->cfg.offline_payload = "down";
    go_online(f);
    size_t len;
    const uint8_t *b = body_of(&f->pkts[0], &len);
    assert_int_equal(f->pkts[0].type, MQTTS_CONNECT);
    assert_int_equal(b[6], 5);                  /* level 5 */
    assert_int_equal(b[7], 0x2E);               /* will retain, QoS 1, will, clean start */
    assert_int_equal(u16(b + 8), 60);           /* the default keep alive */
    uint32_t pl;
    size_t i = 10 + varint(b + 10, &pl);
    i += pl;                                    /* CONNECT properties */
    assert_int_equal(u16(b + i), 4);            /* client id */
    i += 2 + 4;
    assert_int_equal(b[i], 0);                  /* will properties: none */
    i += 1;
    assert_int_equal(u16(b + i), strlen("devices/dev1/status"));
    assert_memory_equal(b + i + 2, "devices/dev1/status", strlen("devices/dev1/status"));
    i += 2 + strlen("devices/dev1/status");
    assert_int_equal(u16(b + i), 4);
    assert_memory_equal(b + i + 2, "down", 4);
    mqtts_publish p;
    assert_true(find_pub("devices/dev1/status", 0, &p, NULL));
    assert_payload(&p, "up");
}

/* A lost association: the connection is dropped and the link rejoined at
 * once; the clock is still set, so no SNTP; then online again. */
static void test_device_link_drop_rejoins(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    go_online(f);
    size_t mark = f->nst;
    f->link = LINK_DOWN;
    uint32_t t_drop = f->now;
    run_for(1);
    /* Noticed within MQTTS_DEVICE_LINK_CHECK_MS (here: at the next step). */
    size_t i = find_status(mark, MQTTS_DEVICE_LINK, MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(f->st[i].retry_stage, MQTTS_DEVICE_LINK);
    assert_int_equal(f->st[i].retry_ms, 0);
    assert_int_equal(f->st[i + 1].stage, MQTTS_DEVICE_LINK);
    assert_int_equal(f->st[i + 1].err, MQTTS_OK);
    assert_false(f->open);
    assert_int_equal(f->closes, 1);
    assert_int_equal(f->joins, 2);
    assert_true(f->now - t_drop <= MQTTS_DEVICE_LINK_CHECK_MS);
    /* Rejoining: one blink. */
    assert_int_equal(mqtts_device_blinks(&f->dev), 1);

    run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
    assert_int_equal(f->sntp_starts, 1);
    assert_int_equal(f->dns_starts, 2);
    assert_int_equal(f->connects, 2);
    assert_int_equal(count_pubs("devices/dev1/status"), 2); /* born again */
}

/* A link that drops while the device waits to retry something else is
 * noticed too, and the link check bounds every deadline. */
static void test_device_link_drop_during_backoff(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->dns[0].result = MQTTS_ERR_DNS;
    fx_init(f);
    run_to_stage(MQTTS_DEVICE_TIME, 10000);
    size_t mark = f->nst;
    while (count_status(mark, MQTTS_DEVICE_DNS, MQTTS_ERR_DNS) == 0)
        run_for(1);
    uint32_t next = mqtts_device_step(&f->dev, f->now);
    assert_true(next - f->now <= MQTTS_DEVICE_LINK_CHECK_MS);
    f->link = LINK_DOWN;
    run_for(MQTTS_DEVICE_LINK_CHECK_MS);
    find_status(mark, MQTTS_DEVICE_LINK, MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(f->joins, 2);
}

/* Failed joins back off with growing delays; a join that never ends times
 * out; a later success goes on. */
static void test_device_link_join_failures_back_off(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->join[0] = (outcome){MQTTS_ERR_REFUSED, 1, false}; /* wrong password */
    f->join[1] = (outcome){MQTTS_ERR_UNREACHABLE, 0, false};
    f->join[2] = (outcome){MQTTS_OK, 0, true};           /* hangs */
    fx_init(f);
    run_to_stage(MQTTS_DEVICE_TIME, 120000);
    assert_int_equal(f->joins, 4);

    const mqtts_err errs[] = {MQTTS_ERR_REFUSED, MQTTS_ERR_UNREACHABLE, MQTTS_ERR_TIMEOUT};
    size_t at = 0;
    for (uint32_t n = 1; n <= 3; n++) {
        at = find_status(at, MQTTS_DEVICE_LINK, errs[n - 1]);
        assert_int_equal(f->st[at].failures, n);
        assert_int_equal(f->st[at].retry_stage, MQTTS_DEVICE_LINK);
        assert_delay(f->st[at].retry_ms, n, 1000, 8000);
        at++;
    }
    /* The timeout came link_timeout_ms after the third join began. */
    size_t t = find_status(0, MQTTS_DEVICE_LINK, MQTTS_ERR_TIMEOUT);
    assert_int_equal(f->st[t - 1].stage, MQTTS_DEVICE_LINK);
    assert_int_equal(f->st[t - 1].err, MQTTS_OK);
    assert_in_range(f->st_at[t] - f->st_at[t - 1], 10000, 10000 + MQTTS_DEVICE_POLL_MS);
    /* Until online, the LED shows the stage that failed last: one blink. */
    assert_int_equal(mqtts_device_blinks(&f->dev), 1);
    assert_int_equal(f->connects, 0);
}

/* The next attempt comes exactly when the backoff says, not before. */
static void test_device_retry_waits_for_backoff(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->pf.led = NULL; /* no LED deadlines in between */
    f->dns[0].result = MQTTS_ERR_DNS;
    fx_init(f);
    while (count_status(0, MQTTS_DEVICE_DNS, MQTTS_ERR_DNS) == 0)
        run_for(1);
    size_t i = find_status(0, MQTTS_DEVICE_DNS, MQTTS_ERR_DNS);
    uint32_t due = f->st_at[i] + f->st[i].retry_ms;
    assert_true(after(due, f->now));
    assert_int_equal(f->dns_starts, 1);
    f->now = due - 1;
    uint32_t next = mqtts_device_step(&f->dev, f->now);
    assert_int_equal(f->dns_starts, 1);
    assert_int_equal(next, due); /* the deadline is the retry */
    f->now = due;
    mqtts_device_step(&f->dev, f->now);
    assert_int_equal(f->dns_starts, 2);
}

/* SNTP failing: retried with growing delays, never past TIME meanwhile. */
static void test_device_sntp_failure_retries_with_backoff(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->sntp[0] = (outcome){MQTTS_OK, 0, true};       /* no answer: timeout */
    f->sntp[1] = (outcome){MQTTS_ERR_IO, 2, false};  /* fails */
    f->sntp[2] = (outcome){MQTTS_ERR_TIMEOUT, 0, false};
    fx_init(f);
    while (count_status(0, MQTTS_DEVICE_TIME, MQTTS_ERR_TIMEOUT) == 0)
        run_for(1);
    /* The timeout is the configured one (5000), to within a poll. */
    size_t t = find_status(0, MQTTS_DEVICE_TIME, MQTTS_ERR_TIMEOUT);
    size_t t_enter = find_status(0, MQTTS_DEVICE_TIME, MQTTS_OK);
    assert_in_range(f->st_at[t] - f->st_at[t_enter], 5000, 5000 + MQTTS_DEVICE_POLL_MS);
    assert_int_equal(f->sntp_starts, 1);
    run_to_stage(MQTTS_DEVICE_DNS, 120000);
    assert_int_equal(f->sntp_starts, 4);
    size_t at = 0;
    const mqtts_err errs[] = {MQTTS_ERR_TIMEOUT, MQTTS_ERR_IO, MQTTS_ERR_TIMEOUT};
    for (uint32_t n = 1; n <= 3; n++) {
        at = find_status(at, MQTTS_DEVICE_TIME, errs[n - 1]);
        assert_int_equal(f->st[at].failures, n);
        assert_int_equal(f->st[at].retry_stage, MQTTS_DEVICE_TIME);
        assert_delay(f->st[at].retry_ms, n, 1000, 8000);
        at++;
    }
    assert_int_equal(f->wall, good_time());
    assert_int_equal(f->dns_starts, 1); /* just begun: nothing before the clock was set */
    assert_int_equal(f->connects, 0);
    assert_int_equal(f->joins, 1);
}

/* A clock at 1970 with no SNTP to set it (a host whose clock is wrong): the
 * device stays in TIME, never resolves or connects, backs off up to the
 * cap; once the clock is set it goes on. A server answering 1970 is not
 * believed either. */
static void test_device_clock_1970_stays_in_time(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->pf.sntp_start = NULL;
    f->pf.sntp_poll = NULL;
    f->wall = 0;
    fx_init(f);
    run_for(600000); /* ten minutes */
    assert_int_equal(stage(), MQTTS_DEVICE_TIME);
    assert_int_equal(f->connects, 0);
    assert_int_equal(f->dns_starts, 0);
    assert_int_equal(mqtts_device_blinks(&f->dev), 2);
    size_t n = count_status(0, MQTTS_DEVICE_TIME, MQTTS_ERR_TLS_CLOCK_NOT_SET);
    assert_true(n >= 10);
    /* The delays reach the cap and stay under it. */
    size_t at = 0;
    for (uint32_t k = 1; k <= n; k++) {
        at = find_status(at, MQTTS_DEVICE_TIME, MQTTS_ERR_TLS_CLOCK_NOT_SET);
        assert_delay(f->st[at].retry_ms, k, 1000, 8000);
        at++;
    }
    f->wall = good_time();
    run_to_stage(MQTTS_DEVICE_ONLINE, 20000);

    /* SNTP saying 1970: rejected, the clock untouched. */
    f = fx_new(MQTTS_V5);
    f->sntp_time[0] = 86400;
    fx_init(f);
    run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
    size_t i = find_status(0, MQTTS_DEVICE_TIME, MQTTS_ERR_TLS_CLOCK_NOT_SET);
    assert_int_equal(f->st[i].failures, 1);
    assert_int_equal(f->sntp_starts, 2);
    assert_int_equal(f->wall_sets, 1);
    assert_int_equal(f->wall, good_time());
}

/* A floor from the configuration: a clock above the build day but below
 * the floor is not set. */
static void test_device_time_floor_configured(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->pf.sntp_start = NULL;
    f->pf.sntp_poll = NULL;
    f->wall = good_time();
    f->cfg.time_floor_s = good_time() + 1;
    fx_init(f);
    run_for(20000);
    assert_int_equal(stage(), MQTTS_DEVICE_TIME);
    f->wall = good_time() + 1;
    run_to_stage(MQTTS_DEVICE_ONLINE, 20000);
}

/* DNS failures: DNS retried with growing delays; the link is not rejoined
 * and the clock not asked again. */
static void test_device_dns_failures(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->dns[0] = (outcome){MQTTS_ERR_DNS, 0, false};
    f->dns[1] = (outcome){MQTTS_OK, 0, true}; /* no answer: timeout */
    f->dns[2] = (outcome){MQTTS_ERR_DNS, 3, false};
    fx_init(f);
    run_to_stage(MQTTS_DEVICE_ONLINE, 120000);
    assert_int_equal(f->dns_starts, 4);
    assert_int_equal(f->joins, 1);
    assert_int_equal(f->sntp_starts, 1);
    assert_int_equal(f->connects, 1);
    const mqtts_err errs[] = {MQTTS_ERR_DNS, MQTTS_ERR_TIMEOUT, MQTTS_ERR_DNS};
    size_t at = 0;
    for (uint32_t n = 1; n <= 3; n++) {
        at = find_status(at, MQTTS_DEVICE_DNS, errs[n - 1]);
        assert_int_equal(f->st[at].failures, n);
        assert_int_equal(f->st[at].retry_stage, MQTTS_DEVICE_DNS);
        assert_delay(f->st[at].retry_ms, n, 1000, 8000);
        at++;
    }
}

/* Without platform DNS the transport resolves: its MQTTS_ERR_DNS is a DNS
 * failure, and the host name goes to connect(). */
static void test_device_dns_by_transport(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    f->pf.dns_start = NULL;
    f->pf.dns_poll = NULL;
    f->connect_result[0] = MQTTS_ERR_DNS;
    fx_init(f);
    run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
    size_t i = find_status(0, MQTTS_DEVICE_DNS, MQTTS_ERR_DNS);
    assert_int_equal(f->st[i].retry_stage, MQTTS_DEVICE_DNS);
    assert_int_equal(count_status(0, MQTTS_DEVICE_TLS, MQTTS_ERR_DNS), 0);
    assert_string_equal(f->connect_host, "broker.example");
    assert_int_equal(f->connects, 2);
}

/* TLS says the clock is not set: back to TIME, where SNTP is asked again
 * even though the clock passes our own floor. */
static void test_device_tls_clock_error_back_to_time(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->wall = good_time(); /* set as far as we know: no SNTP at first */
    f->connect_result[0] = MQTTS_ERR_TLS_CLOCK_NOT_SET;
    fx_init(f);
    run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
    size_t i = find_status(0, MQTTS_DEVICE_TLS, MQTTS_ERR_TLS_CLOCK_NOT_SET);
    assert_int_equal(f->st[i].retry_stage, MQTTS_DEVICE_TIME);
    assert_delay(f->st[i].retry_ms, 1, 1000, 8000);
    assert_int_equal(f->st[i + 1].stage, MQTTS_DEVICE_TIME);
    assert_int_equal(f->st[i + 1].err, MQTTS_OK);
    assert_int_equal(f->sntp_starts, 1); /* only after the TLS error */
    assert_int_equal(f->joins, 1);
    assert_int_equal(f->connects, 2);
}

/* Other TLS failures (an untrusted server, a refused port): retried from
 * DNS with backoff, the link kept. */
static void test_device_tls_failure_retries_from_dns(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->connect_result[0] = MQTTS_ERR_TLS_UNTRUSTED;
    f->connect_result[1] = MQTTS_ERR_CONNECT_REFUSED;
    fx_init(f);
    run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
    size_t i = find_status(0, MQTTS_DEVICE_TLS, MQTTS_ERR_TLS_UNTRUSTED);
    assert_int_equal(f->st[i].retry_stage, MQTTS_DEVICE_DNS);
    i = find_status(i, MQTTS_DEVICE_TLS, MQTTS_ERR_CONNECT_REFUSED);
    assert_int_equal(f->st[i].failures, 2);
    assert_delay(f->st[i].retry_ms, 2, 1000, 8000);
    assert_int_equal(f->joins, 1);
    assert_int_equal(f->dns_starts, 3);
    assert_int_equal(f->sntp_starts, 1);
}

/* The broker refuses (bad user name or password): backoff grows, the link
 * is never rejoined, the reason code reaches the status; then accepted. */
static void test_device_broker_refusal_backs_off(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->connack_rc = 0x86; /* Bad User Name or Password */
    fx_init(f);
    while (count_status(0, MQTTS_DEVICE_MQTT, MQTTS_ERR_REFUSED) < 4)
        run_for(1);
    size_t at = 0;
    for (uint32_t n = 1; n <= 4; n++) {
        at = find_status(at, MQTTS_DEVICE_MQTT, MQTTS_ERR_REFUSED);
        assert_int_equal(f->st[at].reason, 0x86);
        assert_int_equal(f->st[at].failures, n);
        assert_int_equal(f->st[at].retry_stage, MQTTS_DEVICE_DNS);
        assert_delay(f->st[at].retry_ms, n, 1000, 8000);
        at++;
    }
    assert_int_equal(f->joins, 1);
    assert_int_equal(f->sntp_starts, 1);
    assert_int_equal(f->connects, 4);
    assert_int_equal(f->closes, 4);
    assert_int_equal(mqtts_device_blinks(&f->dev), 5);
    assert_int_equal(count_pubs("devices/dev1/status"), 0); /* never online */
    f->connack_rc = 0;
    run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
    assert_int_equal(f->joins, 1);
    assert_int_equal(mqtts_device_blinks(&f->dev), 0);
}

/* 3.1.1: return code 5 (not authorized), and a broker that never answers
 * CONNECT (the CONNACK timeout). */
static void test_device_broker_refusal_v311_and_silence(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    f->connack_rc = 5;
    f->cfg.connect_timeout_ms = 3000;
    fx_init(f);
    while (count_status(0, MQTTS_DEVICE_MQTT, MQTTS_ERR_REFUSED) < 1)
        run_for(1);
    size_t i = find_status(0, MQTTS_DEVICE_MQTT, MQTTS_ERR_REFUSED);
    assert_int_equal(f->st[i].reason, 5);
    f->connack_rc = 0;
    f->connack_silent = true;
    while (count_status(0, MQTTS_DEVICE_MQTT, MQTTS_ERR_TIMEOUT) < 1)
        run_for(1);
    i = find_status(0, MQTTS_DEVICE_MQTT, MQTTS_ERR_TIMEOUT);
    assert_int_equal(f->st[i].failures, 2);
    assert_int_equal(f->st[i].retry_stage, MQTTS_DEVICE_DNS);
    assert_false(f->open);
    f->connack_silent = false;
    run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
    assert_int_equal(f->joins, 1);
}

/* The TCP connection drops while online: reconnect (from DNS) without
 * rejoining the link, and announce again. */
static void test_device_tcp_loss_reconnects_without_rejoin(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    go_online(f);
    size_t mark = f->nst;
    f->recv_error = MQTTS_ERR_CLOSED;
    run_for(1);
    size_t i = find_status(mark, MQTTS_DEVICE_ONLINE, MQTTS_ERR_CLOSED);
    assert_int_equal(f->st[i].retry_stage, MQTTS_DEVICE_DNS);
    assert_int_equal(f->st[i].failures, 1);
    assert_delay(f->st[i].retry_ms, 1, 1000, 8000);
    assert_false(f->open);
    run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
    assert_int_equal(f->joins, 1);
    assert_int_equal(f->sntp_starts, 1);
    assert_int_equal(f->connects, 2);
    assert_int_equal(count_pubs("devices/dev1/status"), 2);
    /* No session: the engine restores the command subscription. */
    assert_true(count_pkts(MQTTS_SUBSCRIBE) >= 2);
}

/* A broker that accepts and at once drops us: ONLINE's failures grow (no
 * reconnect storm); after MQTTS_DEVICE_STABLE_MS online they start over. */
static void test_device_online_flap_backs_off(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    go_online(f);
    for (uint32_t n = 1; n <= 3; n++) {
        size_t mark = f->nst;
        f->recv_error = MQTTS_ERR_CLOSED;
        run_for(1);
        size_t i = find_status(mark, MQTTS_DEVICE_ONLINE, MQTTS_ERR_CLOSED);
        assert_int_equal(f->st[i].failures, n);
        assert_delay(f->st[i].retry_ms, n, 1000, 8000);
        assert_int_equal(mqtts_device_blinks(&f->dev), 6); /* lost while online */
        run_to_stage(MQTTS_DEVICE_ONLINE, 60000);
    }
    run_for(MQTTS_DEVICE_STABLE_MS + 1000);
    size_t mark = f->nst;
    f->recv_error = MQTTS_ERR_CLOSED;
    run_for(1);
    size_t i = find_status(mark, MQTTS_DEVICE_ONLINE, MQTTS_ERR_CLOSED);
    assert_int_equal(f->st[i].failures, 1);
    assert_delay(f->st[i].retry_ms, 1, 1000, 8000);
}

/* Telemetry on its period, from the callback, on the telemetry topic: at
 * online, then every period exactly (the deadline says when). */
static void test_device_telemetry_period(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->cfg.telemetry_period_ms = 5000;
    f->cfg.telemetry_qos = 1;
    go_online(f);
    uint32_t t0 = f->st_at[find_status(0, MQTTS_DEVICE_ONLINE, MQTTS_OK)];
    run_for(12000);
    assert_int_equal(f->telemetry_calls, 3);
    assert_int_equal(f->telemetry_at[0], t0);
    assert_int_equal(f->telemetry_at[1], t0 + 5000);
    assert_int_equal(f->telemetry_at[2], t0 + 10000);
    assert_int_equal(count_pubs("devices/dev1/telemetry"), 3);
    mqtts_publish p;
    sent_pkt *k;
    assert_true(find_pub("devices/dev1/telemetry", 2, &p, &k));
    assert_payload(&p, "n=3");
    assert_int_equal(p.qos, 1);
    assert_false(p.retain);
    assert_int_equal(k->at, t0 + 10000); /* sent in the same step */

    /* Offline: none. */
    f->recv_error = MQTTS_ERR_CLOSED;
    f->connack_rc = 0x87;
    run_for(20000);
    assert_int_equal(f->telemetry_calls, 3);
}

/* A v5 request with Response Topic and Correlation Data: the handler runs
 * with its args, the reply goes to the response topic with the
 * correlation. Unknown commands get an error reply. */
static void test_device_command_v5_reply(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    go_online(f);
    const uint8_t props[] = {0x08, 0, 4, 'r', 't', '/', '1', /* Response Topic */
                             0x09, 0, 2, 0xC0, 0x11};         /* Correlation Data */
    broker_publish(1, "devices/dev1/cmd", props, sizeof props, "  led   on \r\n");
    run_for(1);
    assert_int_equal(f->led_cmd.count, 1);
    assert_string_equal(f->led_cmd.args, "on");
    mqtts_publish p;
    assert_true(find_pub("rt/1", 0, &p, NULL));
    assert_payload(&p, "led=on");
    assert_int_equal(p.qos, 1);
    assert_true(p.props.present & MQTTS_PROP_BIT(MQTTS_PROP_CORRELATION_DATA));
    assert_int_equal(p.props.correlation_data.len, 2);
    assert_memory_equal(p.props.correlation_data.ptr, "\xC0\x11", 2);
    /* The request itself was acknowledged. */
    assert_true(count_pkts(MQTTS_PUBACK) >= 1);

    broker_publish(0, "devices/dev1/cmd", props, sizeof props, "bogus 1 2");
    run_for(1);
    assert_true(find_pub("rt/1", 1, &p, NULL));
    assert_payload(&p, "error: unknown command");
    assert_int_equal(p.qos, 0);
    assert_int_equal(f->led_cmd.count + f->ping_cmd.count, 1);

    /* No Response Topic: the handler runs, nothing is published. */
    size_t pubs = count_pkts(MQTTS_PUBLISH);
    broker_publish(0, "devices/dev1/cmd", NULL, 0, "ping");
    run_for(1);
    assert_int_equal(f->ping_cmd.count, 1);
    assert_string_equal(f->ping_cmd.args, "");
    assert_int_equal(count_pkts(MQTTS_PUBLISH), pubs);

    /* Another topic is not a command. */
    broker_publish(0, "devices/dev1/cmdx", props, sizeof props, "ping");
    broker_publish(0, "devices/dev1/cmd/ab/cd", props, sizeof props, "ping");
    run_for(1);
    assert_int_equal(f->ping_cmd.count, 1);
}

/* 3.1.1: a request on CMD/CORR is answered on CMD/CORR/reply; a plain
 * command on CMD runs without a reply. */
static void test_device_command_v311_reply(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    go_online(f);
    broker_publish(1, "devices/dev1/cmd/c0113e", NULL, 0, "ping");
    run_for(1);
    assert_int_equal(f->ping_cmd.count, 1);
    mqtts_publish p;
    assert_true(find_pub("devices/dev1/cmd/c0113e/reply", 0, &p, NULL));
    assert_payload(&p, "pong");
    assert_int_equal(p.qos, 1);

    size_t pubs = count_pkts(MQTTS_PUBLISH);
    broker_publish(0, "devices/dev1/cmd", NULL, 0, "led off");
    run_for(1);
    assert_int_equal(f->led_cmd.count, 1);
    assert_string_equal(f->led_cmd.args, "off");
    assert_int_equal(count_pkts(MQTTS_PUBLISH), pubs);
}

/* A v5 device answers a request in the 3.1.1 convention (a 3.1.1
 * requester, through the broker, without a Response Topic). */
static void test_device_command_v311_convention_on_v5(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    go_online(f);
    broker_publish(1, "devices/dev1/cmd/0a0b", NULL, 0, "ping");
    run_for(1);
    mqtts_publish p;
    assert_true(find_pub("devices/dev1/cmd/0a0b/reply", 0, &p, NULL));
    assert_payload(&p, "pong");
    /* Not hex: no reply. */
    size_t pubs = count_pkts(MQTTS_PUBLISH);
    broker_publish(0, "devices/dev1/cmd/xyz", NULL, 0, "ping");
    run_for(1);
    assert_int_equal(f->ping_cmd.count, 2);
    assert_int_equal(count_pkts(MQTTS_PUBLISH), pubs);
}

/* Backoff: the ceiling doubles up to the cap; jitter reaches the bottom of
 * [c/2, c] with random 0, stays inside it otherwise, and varies. Mode 2: a
 * cap that is not min * 2^k (5000) is still the ceiling. */
static void test_device_backoff_grows_capped_with_jitter(void **state)
{
    (void)state;
    for (int mode = 0; mode < 3; mode++) {
        fx *f = fx_new(MQTTS_V5);
        f->rnd_fixed = mode != 1;
        f->rnd = 0;
        if (mode == 2)
            f->cfg.backoff_max_ms = 5000;
        for (int i = 0; i < 8; i++)
            f->dns[i] = (outcome){MQTTS_ERR_DNS, 0, false};
        fx_init(f);
        while (count_status(0, MQTTS_DEVICE_DNS, MQTTS_ERR_DNS) < 8)
            run_for(1);
        const uint32_t ceil8[] = {1000, 2000, 4000, 8000, 8000, 8000, 8000, 8000};
        const uint32_t ceil5[] = {1000, 2000, 4000, 5000, 5000, 5000, 5000, 5000};
        const uint32_t *ceil = mode == 2 ? ceil5 : ceil8;
        size_t at = 0;
        bool varied = false;
        for (uint32_t n = 1; n <= 8; n++) {
            at = find_status(at, MQTTS_DEVICE_DNS, MQTTS_ERR_DNS);
            uint32_t d = f->st[at].retry_ms;
            assert_int_equal(f->st[at].failures, n);
            if (mode != 1)
                assert_int_equal(d, ceil[n - 1] / 2);
            else
                assert_in_range(d, ceil[n - 1] / 2, ceil[n - 1]);
            varied |= d != ceil[n - 1] / 2;
            at++;
        }
        assert_int_equal(varied, mode == 1);
    }
}

/* The status LED: N blinks for the stage that failed, steady when online,
 * off when stopped. */
static void test_device_led_patterns(void **state)
{
    (void)state;
    uint32_t to;
    /* mqtts_device_led_at, 3 blinks: 200 on, 300 off, x3, the pause. */
    assert_true(mqtts_device_led_at(3, 0, &to));
    assert_int_equal(to, 200);
    assert_false(mqtts_device_led_at(3, 200, &to));
    assert_int_equal(to, 300);
    assert_true(mqtts_device_led_at(3, 1050, &to));
    assert_int_equal(to, 150);
    assert_false(mqtts_device_led_at(3, 1200, &to));
    assert_int_equal(to, 3000 - 1200); /* the last off and the pause */
    assert_true(mqtts_device_led_at(3, 3000, &to)); /* it repeats */
    assert_true(mqtts_device_led_at(0, 12345, &to));
    assert_int_equal(to, UINT32_MAX);

    /* Driven through the platform: DNS fails for ever -> 3 blinks each
     * pattern period. */
    fx *f = fx_new(MQTTS_V5);
    for (int i = 0; i < 8; i++)
        f->dns[i] = (outcome){MQTTS_ERR_DNS, 0, false};
    fx_init(f);
    while (count_status(0, MQTTS_DEVICE_DNS, MQTTS_ERR_DNS) == 0)
        run_for(1);
    assert_int_equal(mqtts_device_blinks(&f->dev), 3);
    run_for(1);
    int ons = f->led_ons;
    run_for(3 * (3 * 500 + 1500));
    assert_int_equal(f->led_ons - ons, 9);
    /* Stopped: off. */
    mqtts_device_stop(&f->dev);
    run_for(1);
    assert_false(f->led);
    assert_int_equal(stage(), MQTTS_DEVICE_STOPPED);
}

/* Stop while online: "offline" (retained) and DISCONNECT go out, the
 * transport closes, the device stays stopped. */
static void test_device_stop_publishes_offline(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    go_online(f);
    mqtts_device_stop(&f->dev);
    assert_false(mqtts_device_stopped(&f->dev)); /* still closing */
    assert_true(f->open);
    run_for(1000);
    assert_true(mqtts_device_stopped(&f->dev));
    mqtts_publish p;
    sent_pkt *k;
    assert_true(find_pub("devices/dev1/status", 1, &p, &k));
    assert_payload(&p, "offline");
    assert_true(p.retain);
    assert_int_equal(f->pkts[f->npkts - 1].type, MQTTS_DISCONNECT);
    assert_true(k < &f->pkts[f->npkts - 1]);
    assert_false(f->open);
    assert_int_equal(stage(), MQTTS_DEVICE_STOPPED);
    size_t n = f->nst;
    run_for(120000);
    assert_int_equal(f->connects, 1);
    assert_int_equal(f->nst, n);
    assert_int_equal(f->st[n - 1].stage, MQTTS_DEVICE_STOPPED);

    /* A broker that takes nothing more: the stop gives up after the
     * connect timeout and closes anyway. */
    f = fx_new(MQTTS_V5);
    f->cfg.connect_timeout_ms = 4000;
    go_online(f);
    f->send_blocked = true;
    mqtts_device_stop(&f->dev);
    uint32_t t0 = f->now;
    while (!mqtts_device_stopped(&f->dev)) {
        assert_true(f->now - t0 <= 4000 + MQTTS_DEVICE_POLL_MS);
        run_for(1);
    }
    assert_true(f->now - t0 >= 4000);
    assert_false(f->open);
    assert_int_equal(count_pkts(MQTTS_DISCONNECT), 0);
}

/* TLS off: the default port is 1883, and a clock nobody can set is
 * reported but does not hold the device back. */
static void test_device_plain_time_not_required(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V311);
    f->cfg.tls = false;
    f->pf.sntp_start = NULL;
    f->pf.sntp_poll = NULL;
    f->wall = 0;
    go_online(f);
    size_t i = find_status(0, MQTTS_DEVICE_TIME, MQTTS_ERR_TLS_CLOCK_NOT_SET);
    assert_int_equal(f->st[i].retry_stage, MQTTS_DEVICE_DNS);
    assert_int_equal(f->st[i].retry_ms, 0);
    assert_false(f->transport_tls);
    assert_int_equal(f->connect_port, 1883);
}

/* A host port: no link, no SNTP, no DNS, no LED functions; the clock set. */
static void test_device_minimal_platform(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->pf.link_join = NULL;
    f->pf.link_status = NULL;
    f->pf.sntp_start = NULL;
    f->pf.sntp_poll = NULL;
    f->pf.dns_start = NULL;
    f->pf.dns_poll = NULL;
    f->pf.led = NULL;
    f->wall = good_time();
    f->cfg.port = 18883;
    fx_init(f);
    mqtts_device_step(&f->dev, f->now);
    assert_int_equal(stage(), MQTTS_DEVICE_ONLINE); /* all in one step */
    assert_int_equal(f->nst, 6);
    assert_int_equal(f->connect_port, 18883);
    assert_int_equal(f->led_ons, 0);
    /* Idle online, no link to watch, no telemetry: the keepalive is the
     * next deadline (60 s: capped at MQTTS_DEVICE_MAX_SLEEP_MS). */
    uint32_t next = mqtts_device_step(&f->dev, f->now);
    assert_int_equal(next - f->now, 60000);
}

/* The configuration from the platform, and init's refusals. */
static const mqtts_device_config *platform_config(void *ctx)
{
    (void)ctx;
    return &F.cfg;
}

static mqtts_err failing_transport(void *ctx, const mqtts_device_config *cfg, mqtts_transport *t)
{
    (void)ctx;
    (void)cfg;
    (void)t;
    return MQTTS_ERR_TLS_CA_FILE;
}

static void test_device_init_checks(void **state)
{
    (void)state;
    fx *f = fx_new(MQTTS_V5);
    f->pf.config = platform_config;
    assert_int_equal(mqtts_device_init(&f->dev, NULL, &f->pf, &f->app, &f->mem), MQTTS_OK);
    assert_int_equal(stage(), MQTTS_DEVICE_STOPPED);

    f->pf.config = NULL;
    assert_int_equal(mqtts_device_init(&f->dev, NULL, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_INVALID_ARGUMENT);
    f->cfg.host = "";
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_INVALID_ARGUMENT);
    f->cfg.host = "broker.example";
    f->cfg.base_topic = NULL;
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_INVALID_ARGUMENT);
    f->cfg.status_topic = "s";
    f->cfg.telemetry_topic = "t";
    f->cfg.command_topic = "c";
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem), MQTTS_OK);
    assert_int_equal(f->dev.command_filter.len, 3);
    assert_memory_equal(f->dev.command_filter.ptr, "c/+", 3);

    char longbase[MQTTS_DEVICE_TOPICS_SIZE];
    memset(longbase, 'x', sizeof longbase - 1);
    longbase[sizeof longbase - 1] = '\0';
    f->cfg.status_topic = f->cfg.telemetry_topic = f->cfg.command_topic = NULL;
    f->cfg.base_topic = longbase;
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_STRING_TOO_LONG);
    f->cfg.base_topic = "devices/dev1";

    f->mem.session.sub_count = 1;
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_INVALID_ARGUMENT);
    f->mem.session.sub_count = 4;
    f->mem.session.sub_text_size = 20;
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_INVALID_ARGUMENT);
    f->mem.session.sub_text_size = sizeof f->sub_text;
    f->mem.payload_size = 16;
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_INVALID_ARGUMENT);
    f->mem.payload_size = sizeof f->payload;
    f->cfg.telemetry_qos = 2;
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_INVALID_ARGUMENT);
    f->cfg.telemetry_qos = 0;
    f->pf.sntp_poll = NULL; /* half of SNTP */
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_INVALID_ARGUMENT);
    f->pf.sntp_poll = sntp_poll;
    f->pf.random = NULL;
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_INVALID_ARGUMENT);
    f->pf.random = fake_random;
    f->cfg.client_id = "0123456789012345678901234567890123456789012345678"; /* 49 */
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_STRING_TOO_LONG);
    f->cfg.client_id = "dev1";
    f->pf.transport = failing_transport;
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, &f->app, &f->mem),
                     MQTTS_ERR_TLS_CA_FILE);
    f->pf.transport = make_transport;
    assert_int_equal(mqtts_device_init(&f->dev, &f->cfg, &f->pf, NULL, &f->mem), MQTTS_OK);
}

static void test_device_names_and_build_epoch(void **state)
{
    (void)state;
    assert_string_equal(mqtts_device_stage_name(MQTTS_DEVICE_LINK), "link");
    assert_string_equal(mqtts_device_stage_name(MQTTS_DEVICE_ONLINE), "online");
    assert_string_equal(mqtts_device_stage_name(MQTTS_DEVICE_STOPPED), "stopped");
    int64_t e = mqtts_device_build_epoch();
    assert_int_equal(e % 86400, 0);
    assert_true(e >= 1735689600); /* 2025-01-01: this code is newer */
    assert_true(e < 4102444800);  /* 2100 */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_device_boot_to_online),
        cmocka_unit_test(test_device_connect_bytes_will_v311),
        cmocka_unit_test(test_device_connect_will_v5),
        cmocka_unit_test(test_device_link_drop_rejoins),
        cmocka_unit_test(test_device_link_drop_during_backoff),
        cmocka_unit_test(test_device_link_join_failures_back_off),
        cmocka_unit_test(test_device_retry_waits_for_backoff),
        cmocka_unit_test(test_device_sntp_failure_retries_with_backoff),
        cmocka_unit_test(test_device_clock_1970_stays_in_time),
        cmocka_unit_test(test_device_time_floor_configured),
        cmocka_unit_test(test_device_dns_failures),
        cmocka_unit_test(test_device_dns_by_transport),
        cmocka_unit_test(test_device_tls_clock_error_back_to_time),
        cmocka_unit_test(test_device_tls_failure_retries_from_dns),
        cmocka_unit_test(test_device_broker_refusal_backs_off),
        cmocka_unit_test(test_device_broker_refusal_v311_and_silence),
        cmocka_unit_test(test_device_tcp_loss_reconnects_without_rejoin),
        cmocka_unit_test(test_device_online_flap_backs_off),
        cmocka_unit_test(test_device_telemetry_period),
        cmocka_unit_test(test_device_command_v5_reply),
        cmocka_unit_test(test_device_command_v311_reply),
        cmocka_unit_test(test_device_command_v311_convention_on_v5),
        cmocka_unit_test(test_device_backoff_grows_capped_with_jitter),
        cmocka_unit_test(test_device_led_patterns),
        cmocka_unit_test(test_device_stop_publishes_offline),
        cmocka_unit_test(test_device_plain_time_not_required),
        cmocka_unit_test(test_device_minimal_platform),
        cmocka_unit_test(test_device_init_checks),
        cmocka_unit_test(test_device_names_and_build_epoch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
