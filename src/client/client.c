/*
 * The client: drives a session engine over a transport with a clock. All
 * protocol decisions are the engine's; this file only moves bytes and time
 * and picks the broker address to dial.
 */
#include "mqtts/client.h"

static void on_event(void *user, const mqtts_event *ev)
{
    mqtts_client *c = user;
    switch (ev->type) {
    case MQTTS_EV_CONNECTED:
        c->connected = true;
        c->accepted = true;
        c->refused = false;
        break;
    case MQTTS_EV_CONNECT_REFUSED:
        c->refused = true;
        c->last_reason = ev->reason;
        break;
    case MQTTS_EV_DISCONNECTED:
        c->connected = false;
        if (ev->err == MQTTS_ERR_BROKER_DISCONNECT)
            c->last_reason = ev->reason;
        break;
    case MQTTS_EV_DELIVERED:
        if (c->waiting_id && ev->packet_id == c->waiting_id) {
            c->waiting_done = true;
            c->waiting_reason = ev->reason;
        }
        break;
    default:
        break;
    }
    if (c->cfg->session.on_event)
        c->cfg->session.on_event(c->cfg->session.user, ev);
}

mqtts_err mqtts_client_init(mqtts_client *c, const mqtts_client_config *cfg,
                            const mqtts_session_memory *mem, const mqtts_transport *transport)
{
    if (!c || !cfg || !mem || !transport || !cfg->brokers || cfg->broker_count == 0 ||
        !cfg->now_ms || !transport->connect || !transport->send || !transport->recv ||
        !transport->close)
        return MQTTS_ERR_INVALID_ARGUMENT;
    memset(c, 0, sizeof *c);
    c->cfg = cfg;
    c->transport = *transport;
    c->session_cfg = cfg->session;
    c->session_cfg.on_event = on_event;
    c->session_cfg.user = c;
    return mqtts_session_init(&c->session, &c->session_cfg, mem);
}

/* End the current connection: close the transport and let the engine
 * schedule what comes next. */
static void drop(mqtts_client *c, mqtts_err why)
{
    /* An attempt that never got an accepted CONNACK (reset, silence,
     * refusal) moves on to the next address too, not only a failed dial. */
    if (c->transport_up && !c->accepted && why != MQTTS_OK)
        c->broker_index = (c->broker_index + 1) % c->cfg->broker_count;
    if (c->transport_up)
        c->transport.close(c->transport.ctx);
    c->transport_up = false;
    c->connected = false;
    c->last_error = mqtts_session_lost(&c->session, why, c->cfg->now_ms());
}

mqtts_err mqtts_client_connect(mqtts_client *c)
{
    const mqtts_broker_address *b = &c->cfg->brokers[c->broker_index];
    uint32_t timeout = c->cfg->connect_timeout_ms ? c->cfg->connect_timeout_ms : 10000u;
    if (c->transport_up)
        drop(c, MQTTS_OK);
    c->refused = false;
    c->accepted = false;
    mqtts_err e = c->transport.connect(c->transport.ctx, b->host, b->port, timeout);
    if (e != MQTTS_OK) {
        /* Next time, the next address (failover). */
        c->broker_index = (c->broker_index + 1) % c->cfg->broker_count;
        c->last_error = e;
        mqtts_session_lost(&c->session, e, c->cfg->now_ms()); /* schedules the retry */
        return e;
    }
    c->transport_up = true;
    return mqtts_session_connected(&c->session, c->cfg->now_ms());
}

/* Hand the transport all it takes of what is queued. */
static mqtts_err flush(mqtts_client *c)
{
    for (;;) {
        size_t len;
        const uint8_t *buf = mqtts_session_tx_buf(&c->session, &len);
        if (!buf || len == 0)
            return MQTTS_OK;
        int32_t n = c->transport.send(c->transport.ctx, buf, len);
        if (n < 0)
            return (mqtts_err)n;
        if (n == 0)
            return MQTTS_OK; /* would block: wait for writable */
        mqtts_session_tx_done(&c->session, (size_t)n, c->cfg->now_ms());
    }
}

/* Read everything the transport has now. */
static mqtts_err drain(mqtts_client *c)
{
    for (;;) {
        size_t cap;
        uint8_t *buf = mqtts_session_rx_buf(&c->session, &cap);
        int32_t n = c->transport.recv(c->transport.ctx, buf, cap);
        if (n < 0)
            return (mqtts_err)n;
        if (n == 0)
            return MQTTS_OK;
        mqtts_err e = mqtts_session_rx_done(&c->session, (size_t)n, c->cfg->now_ms());
        if (e != MQTTS_OK)
            return e;
    }
}

static uint32_t until(uint32_t now, uint32_t deadline, uint32_t cap)
{
    if (deadline == UINT32_MAX)
        return cap;
    int32_t d = (int32_t)(deadline - now);
    if (d <= 0)
        return 0;
    return (uint32_t)d < cap ? (uint32_t)d : cap;
}

mqtts_err mqtts_client_loop(mqtts_client *c, uint32_t timeout_ms)
{
    uint32_t now = c->cfg->now_ms();
    mqtts_session_state st = mqtts_session_state_of(&c->session);
    if (!c->transport_up) {
        if (st == MQTTS_STATE_BACKOFF && mqtts_session_should_connect(&c->session, now))
            return mqtts_client_connect(c);
        /* No connection to wait on: sleep until the reconnect is due (or the
         * caller's timeout). */
        uint32_t wait = until(now, mqtts_session_deadline(&c->session), timeout_ms);
        if (wait > 0 && c->cfg->sleep_ms)
            c->cfg->sleep_ms(wait);
        return MQTTS_OK;
    }
    mqtts_err e = flush(c);
    if (e == MQTTS_OK && st == MQTTS_STATE_DISCONNECTING) {
        size_t left;
        if (!mqtts_session_tx_buf(&c->session, &left) || left == 0) {
            drop(c, c->last_error);
            return MQTTS_OK;
        }
    }
    if (e == MQTTS_OK && c->transport.wait) {
        size_t pending;
        bool want_write = mqtts_session_tx_buf(&c->session, &pending) && pending > 0;
        int r = c->transport.wait(c->transport.ctx, want_write,
                                  until(now, mqtts_session_deadline(&c->session), timeout_ms));
        if (r < 0)
            e = (mqtts_err)r;
        else if (r & MQTTS_READABLE)
            e = drain(c);
    } else if (e == MQTTS_OK) {
        e = drain(c);
    }
    if (e == MQTTS_OK)
        e = mqtts_session_tick(&c->session, c->cfg->now_ms());
    if (e == MQTTS_OK)
        e = flush(c);
    if (e != MQTTS_OK) {
        (void)flush(c); /* a DISCONNECT with the reason, when the engine queued one */
        drop(c, e);
        e = c->last_error; /* as the engine explained it */
    }
    return e;
}

mqtts_err mqtts_client_connect_wait(mqtts_client *c, uint32_t timeout_ms)
{
    uint32_t start = c->cfg->now_ms();
    mqtts_err e = mqtts_client_connect(c);
    if (e != MQTTS_OK)
        return e;
    while (!c->connected) {
        uint32_t spent = c->cfg->now_ms() - start;
        if (spent >= timeout_ms)
            return MQTTS_ERR_TIMEOUT;
        e = mqtts_client_loop(c, timeout_ms - spent);
        if (c->refused)
            return MQTTS_ERR_REFUSED;
        if (e != MQTTS_OK)
            return e;
    }
    return MQTTS_OK;
}

mqtts_err mqtts_client_publish(mqtts_client *c, const mqtts_publish *p, uint16_t *packet_id)
{
    return mqtts_session_publish(&c->session, p, packet_id);
}

mqtts_err mqtts_client_publish_wait(mqtts_client *c, const mqtts_publish *p, uint32_t timeout_ms)
{
    uint16_t id = 0;
    uint32_t start = c->cfg->now_ms();
    mqtts_err e = mqtts_session_publish(&c->session, p, &id);
    if (e != MQTTS_OK)
        return e;
    c->waiting_id = id;
    c->waiting_done = false;
    for (;;) {
        if (p->qos == 0 && c->transport_up) {
            /* Sent is all QoS 0 waits for: send now rather than in a loop
             * call that would then wait for incoming data. */
            mqtts_err fe = flush(c);
            if (fe != MQTTS_OK)
                drop(c, fe);
            size_t left = 0;
            if (c->connected && (!mqtts_session_tx_buf(&c->session, &left) || left == 0))
                break;
        }
        if (p->qos > 0 && c->waiting_done)
            break;
        uint32_t spent = c->cfg->now_ms() - start;
        if (spent >= timeout_ms) {
            c->waiting_id = 0;
            return MQTTS_ERR_TIMEOUT;
        }
        (void)mqtts_client_loop(c, timeout_ms - spent); /* losses reconnect and resend */
    }
    c->waiting_id = 0;
    return p->qos > 0 && c->waiting_reason >= 0x80 ? MQTTS_ERR_REFUSED : MQTTS_OK;
}

mqtts_err mqtts_client_subscribe(mqtts_client *c, const mqtts_subscription *subs, size_t count,
                                 uint16_t *packet_id)
{
    return mqtts_session_subscribe(&c->session, subs, count, NULL, packet_id);
}

mqtts_err mqtts_client_subscribe_props(mqtts_client *c, const mqtts_subscription *subs,
                                       size_t count, const mqtts_props *props,
                                       uint16_t *packet_id)
{
    return mqtts_session_subscribe(&c->session, subs, count, props, packet_id);
}

mqtts_err mqtts_client_unsubscribe_props(mqtts_client *c, const mqtts_str *filters, size_t count,
                                         const mqtts_props *props, uint16_t *packet_id)
{
    return mqtts_session_unsubscribe(&c->session, filters, count, props, packet_id);
}

mqtts_err mqtts_client_unsubscribe(mqtts_client *c, const mqtts_str *filters, size_t count,
                                   uint16_t *packet_id)
{
    return mqtts_session_unsubscribe(&c->session, filters, count, NULL, packet_id);
}

mqtts_err mqtts_client_disconnect(mqtts_client *c, uint32_t timeout_ms)
{
    uint32_t start = c->cfg->now_ms();
    /* First let what was published finish (acknowledged), within the time
     * given: a program that publishes and then disconnects expects its
     * messages delivered. */
    while (c->connected && mqtts_session_pending(&c->session) > 0 &&
           c->cfg->now_ms() - start < timeout_ms)
        (void)mqtts_client_loop(c, 50);
    mqtts_err e = mqtts_session_disconnect(&c->session, 0);
    while (e == MQTTS_OK && c->transport_up && c->cfg->now_ms() - start < timeout_ms)
        e = mqtts_client_loop(c, 50);
    if (c->transport_up)
        drop(c, MQTTS_OK);
    return e == MQTTS_ERR_NOT_CONNECTED ? MQTTS_OK : e;
}

void mqtts_client_abort(mqtts_client *c, mqtts_err err)
{
    if (c->transport_up)
        drop(c, err);
}

bool mqtts_client_is_connected(const mqtts_client *c)
{
    return c->connected;
}

uint8_t mqtts_client_last_reason(const mqtts_client *c)
{
    return c->last_reason;
}
