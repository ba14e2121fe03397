/* A client under test with an event recorder: see peer.h. */
#include "peer.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

void peer_copy_text(char *dst, const void *src, size_t len)
{
    size_t n = len < PEER_TEXT - 1 ? len : PEER_TEXT - 1;
    if (n > 0)
        memcpy(dst, src, n);
    dst[n] = 0;
}

static void record_message(peer *p, const mqtts_event *ev)
{
    const mqtts_publish *m = ev->message;
    p->messages[m->qos]++;
    p->retained += m->retain;
    peer_msg *r = &p->last;
    memset(r, 0, sizeof *r);
    peer_copy_text(r->topic, m->topic.ptr, m->topic.len);
    peer_copy_text(r->payload, m->payload.ptr, m->payload.len);
    r->payload_len = m->payload.len;
    r->qos = m->qos;
    r->retain = m->retain;
    r->dup = m->dup;
    size_t pos = 0;
    mqtts_property pr;
    while (ev->props && mqtts_prop_next(ev->props, &pos, &pr)) {
        if (pr.id == MQTTS_PROP_SUBSCRIPTION_IDENTIFIER && r->sub_id_count < 4)
            r->sub_ids[r->sub_id_count++] = pr.num;
        if (pr.id == MQTTS_PROP_USER_PROPERTY && r->user_count < 4) {
            peer_copy_text(r->user[r->user_count][0], pr.bin.ptr, pr.bin.len);
            peer_copy_text(r->user[r->user_count][1], pr.value.ptr, pr.value.len);
            r->user_count++;
        }
    }
    if (p->msg_total < PEER_MAX_MESSAGES)
        p->msgs[p->msg_total] = *r;
    p->msg_total++;
    if (p->on_message)
        p->on_message(p, m);
}

static void reason_string(const mqtts_props *props, char *out)
{
    out[0] = 0;
    if (props && (props->present & MQTTS_PROP_BIT(MQTTS_PROP_REASON_STRING)))
        peer_copy_text(out, props->reason_string.ptr, props->reason_string.len);
}

static void record_suback(peer *p, const mqtts_event *ev)
{
    p->subacks++;
    p->suback_count = ev->reasons.len < 8 ? ev->reasons.len : 8;
    memcpy(p->suback_reasons, ev->reasons.ptr, p->suback_count);
    reason_string(ev->props, p->suback_reason_string);
    p->suback_user_count = 0;
    size_t pos = 0;
    mqtts_property pr;
    while (ev->props && mqtts_prop_next(ev->props, &pos, &pr)) {
        if (pr.id == MQTTS_PROP_USER_PROPERTY && p->suback_user_count == 0) {
            peer_copy_text(p->suback_user[0], pr.bin.ptr, pr.bin.len);
            peer_copy_text(p->suback_user[1], pr.value.ptr, pr.value.len);
            p->suback_user_count++;
        }
    }
}

static void record(void *user, const mqtts_event *ev)
{
    peer *p = user;
    if (p->event_count < PEER_MAX_EVENTS)
        p->events[p->event_count++] = ev->type;
    switch (ev->type) {
    case MQTTS_EV_CONNECTED:
        p->connected++;
        p->session_present = ev->session_present;
        p->connack_present = ev->props ? ev->props->present : 0;
        p->connack_receive_max = ev->props ? ev->props->receive_maximum : 0;
        p->connack_keep_alive = ev->props ? ev->props->server_keep_alive : 0;
        p->connack_max_packet = ev->props ? ev->props->maximum_packet_size : 0;
        break;
    case MQTTS_EV_MESSAGE: record_message(p, ev); break;
    case MQTTS_EV_DELIVERED:
        p->delivered++;
        p->delivered_reason = ev->reason;
        reason_string(ev->props, p->delivered_reason_string);
        break;
    case MQTTS_EV_SUBACK: record_suback(p, ev); break;
    case MQTTS_EV_DISCONNECTED:
        p->disconnected++;
        p->disconnect_err = ev->err;
        p->disconnect_reason = ev->reason;
        reason_string(ev->props, p->disconnect_reason_string);
        break;
    case MQTTS_EV_RECONNECTING: p->reconnecting++; break;
    default: break;
    }
}

static uint32_t peers_made;

/* The peers started, for peers_close_all. */
static peer *live[8];
static size_t live_count;

void peer_init(peer *p, mqtts_version v, uint16_t port, const char *id, bool clean)
{
    memset(p, 0, sizeof *p);
    p->addr[0].host = "127.0.0.1";
    p->addr[0].port = port;
    p->cfg.session.version = v;
    p->cfg.session.client_id = mqtts_cstr(id);
    p->cfg.session.clean_start = clean;
    p->cfg.session.keep_alive_s = 30;
    p->cfg.session.reconnect_min_ms = 100;
    p->cfg.session.reconnect_max_ms = 400;
    p->cfg.session.on_event = record;
    p->cfg.session.user = p;
    p->cfg.session.seed = 0x5eedu + port + 7919u * ++peers_made;
    p->cfg.brokers = p->addr;
    p->cfg.broker_count = 1;
    p->cfg.connect_timeout_ms = 2000;
    p->cfg.now_ms = mqtts_posix_now_ms;
    p->cfg.sleep_ms = mqtts_posix_sleep_ms;
}

void peer_start(peer *p)
{
    mqtts_session_memory mem = {
        .rx = p->rx, .rx_size = p->rx_size ? p->rx_size : sizeof p->rx,
        .tx = p->tx, .tx_size = sizeof p->tx,
        .store = p->store, .store_size = sizeof p->store, .slots = p->slots, .slot_count = 64,
        .qos2_in = p->qos2, .qos2_in_count = 32,
        .alias_text = p->alias, .alias_count = 8, .alias_slot_size = 128,
        .subs = p->subs, .sub_count = 8, .sub_text = p->sub_text,
        .sub_text_size = sizeof p->sub_text,
        .out_alias_text = p->out_alias, .out_alias_count = p->out_alias_count,
        .out_alias_slot_size = 128};
    mqtts_tcp_init(&p->tcp, &p->t);
    assert_int_equal(mqtts_client_init(&p->c, &p->cfg, &mem, &p->t), MQTTS_OK);
    if (live_count < sizeof live / sizeof live[0])
        live[live_count++] = p;
}

void connect_ok(peer *p)
{
    peer_start(p);
    mqtts_err e = mqtts_client_connect_wait(&p->c, 3000);
    if (e != MQTTS_OK)
        fail_msg("connect: %s (reason 0x%02x)", mqtts_strerror(e), mqtts_client_last_reason(&p->c));
}

void peer_connect(peer *p, mqtts_version v, uint16_t port)
{
    peer_init(p, v, port, "", true);
    connect_ok(p);
}

void peers_close_all(void)
{
    for (size_t i = 0; i < live_count; i++)
        live[i]->t.close(live[i]->t.ctx);
    live_count = 0;
}

void subscribe_opts(peer *p, const mqtts_subscription *s, size_t n)
{
    int before = p->subacks;
    uint16_t id = 0;
    assert_int_equal(mqtts_client_subscribe(&p->c, s, n, &id), MQTTS_OK);
    assert_true(id != 0);
    RUN_UNTIL(p->subacks > before, 3000, p);
    assert_int_equal(p->subacks, before + 1);
}

void subscribe(peer *p, const char *filter, uint8_t qos)
{
    mqtts_subscription s;
    memset(&s, 0, sizeof s);
    s.filter = mqtts_cstr(filter);
    s.qos = qos;
    subscribe_opts(p, &s, 1);
    assert_int_equal(p->suback_count, 1);
    assert_int_equal(p->suback_reasons[0], qos);
}

mqtts_publish message(const char *topic, const char *payload, uint8_t qos, bool retain)
{
    mqtts_publish m;
    memset(&m, 0, sizeof m);
    m.topic = mqtts_cstr(topic);
    m.payload = mqtts_bytes(payload, strlen(payload));
    m.qos = qos;
    m.retain = retain;
    return m;
}

void publish_ok(peer *p, const char *topic, const char *payload, uint8_t qos, bool retain)
{
    mqtts_publish m = message(topic, payload, qos, retain);
    assert_int_equal(mqtts_client_publish_wait(&p->c, &m, 3000), MQTTS_OK);
}

void bye(peer *p)
{
    (void)mqtts_client_disconnect(&p->c, 1000);
}
