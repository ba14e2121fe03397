/*
 * The session engine: one MQTT session as a state machine fed with bytes and
 * time (see session.h for how it is driven). It owns no memory and does no
 * I/O, so the same code runs over POSIX sockets, lwIP callbacks, a fuzzer
 * and scripted tests.
 *
 * Outgoing PUBLISH packets of every QoS are encoded once into the store (a
 * byte ring, with one slot of metadata each) and sent from there; packets
 * queued back to back sit back to back in memory and leave in one send.
 * Control packets (CONNECT, acks, PINGREQ, SUBSCRIBE) go through tx, which
 * is drained first, except that a PUBLISH half-sent is always finished
 * before anything else so the byte stream stays whole.
 */
#include "mqtts/session.h"
#include "../try.h"

enum { SLOT_QUEUED, SLOT_SENT, SLOT_RELEASING, SLOT_DONE };

/* The packet_id of a QoS 0 slot (which has no identifier) marks a PUBLISH
 * that uses an outgoing topic alias of the current connection. */
#define SLOT_CONNECTION_ALIAS 1u

/* Wrap-safe "t has come" for a uint32_t millisecond clock. */
static bool due(uint32_t now, uint32_t t)
{
    return (int32_t)(now - t) >= 0;
}

static void emit(mqtts_session *s, mqtts_event *ev)
{
    if (s->cfg->on_event)
        s->cfg->on_event(s->cfg->user, ev);
}

static uint32_t next_random(mqtts_session *s)
{
    /* xorshift32: jitter and client ids only, never security. */
    uint32_t x = s->rng ? s->rng : 0x9E3779B9u;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    s->rng = x;
    return x;
}

/* ---- slots and the store ---- */

/* The i-th slot from the oldest (the slot array is the caller's, so a
 * const session still hands out writable slots). */
static mqtts_session_slot *slot_at(const mqtts_session *s, uint16_t i)
{
    return &s->mem.slots[(s->slot_head + i) % s->mem.slot_count];
}

/* Drop acknowledged slots from the front; the store's free space follows. */
static void slots_pop_done(mqtts_session *s)
{
    while (s->slot_used > 0 && slot_at(s, 0)->state == SLOT_DONE) {
        uint32_t old_off = slot_at(s, 0)->off;
        s->slot_head = (uint16_t)((s->slot_head + 1) % s->mem.slot_count);
        s->slot_used--;
        if (s->slot_used > 0 && slot_at(s, 0)->off < old_off)
            s->st_wrapped = false; /* the oldest bytes are now the wrapped ones */
    }
    if (s->slot_used == 0) {
        s->st_tail = 0;
        s->st_wrapped = false;
    }
}

/* Reserve n contiguous store bytes for a new slot; false when full. */
static bool store_alloc(mqtts_session *s, uint32_t n, uint32_t *off)
{
    if (s->slot_used == s->mem.slot_count)
        return false;
    uint32_t head = s->slot_used ? slot_at(s, 0)->off : 0;
    uint32_t size = (uint32_t)s->mem.store_size;
    if (!s->st_wrapped) {
        if (size - s->st_tail >= n) {
            *off = s->st_tail;
        } else if (head >= n && s->slot_used > 0) {
            s->st_wrapped = true;
            *off = 0;
        } else {
            return false;
        }
    } else if (head - s->st_tail >= n) {
        *off = s->st_tail;
    } else {
        return false;
    }
    s->st_tail = *off + n;
    return true;
}

static bool id_in_use(mqtts_session *s, uint16_t id)
{
    for (uint16_t i = 0; i < s->slot_used; i++) {
        mqtts_session_slot *sl = slot_at(s, i);
        if (sl->packet_id == id && sl->state != SLOT_DONE)
            return true;
    }
    return false;
}

static void advance_id(mqtts_session *s)
{
    s->next_id = (uint16_t)(s->next_id + 1);
    if (s->next_id == 0)
        s->next_id = 1;
}

/* Identifiers go out in order and stored slots keep that order, so the ids
 * in use run from the oldest stored one up to the last given: the next id
 * can clash only when the counter has come all the way round to the oldest
 * (then every candidate is checked). This keeps a publish O(1) however
 * many messages are stored. */
static uint16_t new_packet_id(mqtts_session *s)
{
    uint16_t oldest = 0;
    for (uint16_t i = 0; i < s->slot_used && !oldest; i++) {
        const mqtts_session_slot *sl = slot_at(s, i);
        if (sl->qos && sl->state != SLOT_DONE)
            oldest = sl->packet_id;
    }
    advance_id(s);
    if (oldest && s->next_id == oldest) {
        do
            advance_id(s);
        while (id_in_use(s, s->next_id));
    }
    return s->next_id;
}

/* ---- tx ---- */

/* Room for n more bytes in tx, compacting when that makes room. */
static uint8_t *tx_reserve(mqtts_session *s, size_t n)
{
    if (s->tx_head == s->tx_tail)
        s->tx_head = s->tx_tail = 0;
    if (s->mem.tx_size - s->tx_tail < n && s->tx_head > 0) {
        memmove(s->mem.tx, s->mem.tx + s->tx_head, s->tx_tail - s->tx_head);
        s->tx_tail -= s->tx_head;
        s->tx_head = 0;
    }
    return s->mem.tx_size - s->tx_tail >= n ? s->mem.tx + s->tx_tail : NULL;
}

typedef mqtts_err (*encode_fn)(mqtts_session *s, const void *p, uint8_t *buf, size_t cap,
                               size_t *len);

/* Encode a control packet into tx: size it, reserve, write. */
static mqtts_err tx_encode(mqtts_session *s, encode_fn fn, const void *p)
{
    size_t need = 0;
    mqtts_err e = fn(s, p, NULL, 0, &need);
    if (e != MQTTS_OK && e != MQTTS_ERR_BUFFER_TOO_SMALL)
        return e;
    if (s->broker_max_packet && need > s->broker_max_packet)
        return MQTTS_ERR_PACKET_TOO_LARGE;
    uint8_t *at = tx_reserve(s, need);
    if (!at)
        return MQTTS_ERR_QUEUE_FULL;
    TRY(fn(s, p, at, need, &need));
    s->tx_tail += (uint32_t)need;
    return MQTTS_OK;
}

static mqtts_version ver(const mqtts_session *s)
{
    return s->cfg->version;
}

static mqtts_err enc_ack(mqtts_session *s, const void *p, uint8_t *b, size_t c, size_t *l)
{
    const uint16_t *tid = p; /* [type, packet id, reason] */
    mqtts_ack a;
    memset(&a, 0, sizeof a);
    a.packet_id = tid[1];
    a.reason = (uint8_t)tid[2];
    return mqtts_encode_ack(ver(s), (mqtts_packet_type)tid[0], &a, b, c, l);
}

static mqtts_err queue_ack(mqtts_session *s, mqtts_packet_type t, uint16_t id, uint8_t reason)
{
    uint16_t tid[3] = {(uint16_t)t, id, ver(s) == MQTTS_V5 ? reason : 0};
    return tx_encode(s, enc_ack, tid);
}

static mqtts_err enc_disconnect(mqtts_session *s, const void *p, uint8_t *b, size_t c, size_t *l)
{
    mqtts_disconnect d;
    memset(&d, 0, sizeof d);
    d.reason = ver(s) == MQTTS_V5 ? *(const uint8_t *)p : 0;
    return mqtts_encode_disconnect(ver(s), &d, b, c, l);
}

/* A protocol fault by the broker: tell it why (v5) and report the error. */
static mqtts_err fault(mqtts_session *s, mqtts_err err, uint8_t reason)
{
    /* After what is already queued (a control packet may be half-sent, and
     * a half-sent PUBLISH is finished first); skipped when tx is full. */
    if (ver(s) == MQTTS_V5 && s->state != MQTTS_STATE_DISCONNECTING)
        (void)tx_encode(s, enc_disconnect, &reason);
    s->state = MQTTS_STATE_DISCONNECTING;
    return err;
}

/* ---- CONNECT ---- */

static void make_client_id(mqtts_session *s)
{
    static const char hex[] = "0123456789abcdef";
    uint32_t r = next_random(s);
    memcpy(s->client_id, "mqtts-", 6);
    for (int i = 0; i < 8; i++)
        s->client_id[6 + i] = hex[(r >> (28 - 4 * i)) & 0xFu];
    s->client_id_len = 14;
}

static mqtts_err enc_connect(mqtts_session *s, const void *p, uint8_t *b, size_t c, size_t *l)
{
    (void)p;
    const mqtts_session_config *cfg = s->cfg;
    mqtts_connect cn;
    memset(&cn, 0, sizeof cn);
    cn.clean_start = cfg->clean_start;
    cn.keep_alive = cfg->keep_alive_s;
    cn.client_id = mqtts_session_client_id(s);
    cn.username = cfg->username;
    cn.password = cfg->password;
    cn.will = cfg->will;
    if (cfg->version == MQTTS_V5) {
        mqtts_props *pr = &cn.props;
        uint16_t rmax = cfg->receive_maximum ? cfg->receive_maximum : s->mem.qos2_in_count;
        uint16_t amax = cfg->topic_alias_maximum ? cfg->topic_alias_maximum : s->mem.alias_count;
        if (amax > s->mem.alias_count)
            amax = s->mem.alias_count;
        if (cfg->session_expiry_s) {
            pr->present |= MQTTS_PROP_BIT(MQTTS_PROP_SESSION_EXPIRY_INTERVAL);
            pr->session_expiry_interval = cfg->session_expiry_s;
        }
        if (rmax && rmax < 65535) {
            pr->present |= MQTTS_PROP_BIT(MQTTS_PROP_RECEIVE_MAXIMUM);
            pr->receive_maximum = rmax;
        }
        pr->present |= MQTTS_PROP_BIT(MQTTS_PROP_MAXIMUM_PACKET_SIZE);
        pr->maximum_packet_size = (uint32_t)s->mem.rx_size;
        if (amax) {
            pr->present |= MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS_MAXIMUM);
            pr->topic_alias_maximum = amax;
        }
        if (cfg->request_response_info) {
            pr->present |= MQTTS_PROP_BIT(MQTTS_PROP_REQUEST_RESPONSE_INFORMATION);
            pr->request_response_information = 1;
        }
        pr->user = cfg->connect_user;
        pr->user_count = cfg->connect_user_count;
    }
    return mqtts_encode_connect(cfg->version, &cn, b, c, l);
}

/* ---- lifecycle ---- */

static bool online(const mqtts_session *s)
{
    return s->state == MQTTS_STATE_CONNECTED || s->state == MQTTS_STATE_CONNECTING;
}


mqtts_err mqtts_session_init(mqtts_session *s, const mqtts_session_config *cfg,
                             const mqtts_session_memory *mem)
{
    if (!s || !cfg || !mem)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (cfg->version != MQTTS_V311 && cfg->version != MQTTS_V5)
        return MQTTS_ERR_VERSION;
    if (!mem->rx || mem->rx_size < 128 || !mem->tx || mem->tx_size < 128 || !mem->store ||
        !mem->slots || mem->slot_count == 0 || mem->store_size > UINT32_MAX ||
        mem->rx_size > MQTTS_MAX_REMAINING_LENGTH || (mem->qos2_in_count && !mem->qos2_in) ||
        (mem->alias_count && (!mem->alias_text || mem->alias_slot_size < 3)) ||
        (mem->out_alias_count && (!mem->out_alias_text || mem->out_alias_slot_size < 3)) ||
        (mem->sub_count && (!mem->subs || !mem->sub_text)))
        return MQTTS_ERR_INVALID_ARGUMENT;
    memset(s, 0, sizeof *s);
    s->cfg = cfg;
    s->mem = *mem;
    s->rng = cfg->seed ^ 0xA5A5A5A5u;
    s->state = MQTTS_STATE_IDLE;
    if (cfg->client_id.len > 0) {
        if (cfg->client_id.len >= sizeof s->client_id)
            return MQTTS_ERR_STRING_TOO_LONG;
        memcpy(s->client_id, cfg->client_id.ptr, cfg->client_id.len);
        s->client_id_len = (uint8_t)cfg->client_id.len;
    } else if (cfg->version == MQTTS_V311) {
        make_client_id(s); /* v5 lets the broker assign one */
    }
    return MQTTS_OK;
}

mqtts_str mqtts_session_client_id(const mqtts_session *s)
{
    mqtts_str r = {s->client_id, s->client_id_len};
    return r;
}

mqtts_session_state mqtts_session_state_of(const mqtts_session *s)
{
    return (mqtts_session_state)s->state;
}

size_t mqtts_session_pending(const mqtts_session *s)
{
    size_t n = 0;
    for (uint16_t i = 0; i < s->slot_used; i++) {
        const mqtts_session_slot *sl = slot_at(s, i);
        if (sl->qos && sl->state != SLOT_DONE)
            n++;
    }
    return n;
}

mqtts_err mqtts_session_connected(mqtts_session *s, uint32_t now_ms)
{
    s->rx_len = 0;
    s->tx_head = s->tx_tail = 0;
    s->tx_from_store = false;
    s->run_sent = 0;
    s->disconnect_due = false;
    s->rx_any = false;
    s->ping_outstanding = false;
    s->broker_disconnected = false;
    s->broker_receive_max = 65535;
    s->broker_max_qos = 2;
    s->broker_retain = true;
    s->broker_max_packet = 0;
    s->keep_alive_s = s->cfg->keep_alive_s;
    /* Topic aliases live as long as one network connection [3.3.2.3.4];
     * this also clears whatever the caller's buffer held before. */
    if (s->mem.alias_count)
        memset(s->mem.alias_text, 0, (size_t)s->mem.alias_count * s->mem.alias_slot_size);
    /* Our own aliases died with the last connection, and so do the QoS 0
     * packets that still name a topic by one of them. */
    s->out_alias_max = 0;
    s->out_alias_used = 0;
    for (uint16_t i = 0; i < s->slot_used; i++) {
        mqtts_session_slot *sl = slot_at(s, i);
        if (sl->qos == 0 && sl->packet_id == SLOT_CONNECTION_ALIAS && sl->state == SLOT_QUEUED)
            sl->state = SLOT_DONE;
    }
    slots_pop_done(s);
    s->state = MQTTS_STATE_CONNECTING;
    s->connect_sent_ms = now_ms;
    s->last_tx_ms = now_ms;
    return tx_encode(s, enc_connect, NULL);
}

mqtts_err mqtts_session_lost(mqtts_session *s, mqtts_err err, uint32_t now_ms)
{
    /* Closed after CONNECT with not one byte of answer: say so, with the
     * likely causes, rather than a bare "connection closed" (a TLS-only
     * port resets a plain connection without a word). */
    if (s->state == MQTTS_STATE_CONNECTING && !s->rx_any && err == MQTTS_ERR_CLOSED)
        err = MQTTS_ERR_NO_CONNACK;
    /* From IDLE or BACKOFF this is a connection attempt that failed before
     * CONNECT: nothing to report but the next delay. */
    bool was_up = s->state == MQTTS_STATE_CONNECTING || s->state == MQTTS_STATE_CONNECTED ||
                  s->state == MQTTS_STATE_DISCONNECTING;
    bool by_user = s->closing;
    s->rx_len = 0;
    s->tx_head = s->tx_tail = 0;
    s->tx_from_store = false;
    s->run_sent = 0;
    s->closing = false;
    s->disconnect_due = false;
    mqtts_event ev;
    memset(&ev, 0, sizeof ev);
    if (was_up && !s->broker_disconnected) {
        ev.type = MQTTS_EV_DISCONNECTED;
        ev.err = by_user ? MQTTS_OK : err;
        emit(s, &ev);
    }
    s->broker_disconnected = false;
    if (by_user || s->cfg->no_reconnect) {
        s->state = MQTTS_STATE_IDLE;
        return err;
    }
    uint32_t lo = s->cfg->reconnect_min_ms ? s->cfg->reconnect_min_ms : 1000;
    uint32_t hi = s->cfg->reconnect_max_ms ? s->cfg->reconnect_max_ms : 60000;
    uint32_t shift = s->attempt < 16 ? s->attempt : 16;
    uint64_t d = (uint64_t)lo << shift;
    uint32_t delay = d > hi ? hi : (uint32_t)d;
    /* Jitter: somewhere in the upper half, so a fleet does not reconnect in step. */
    delay = delay / 2 + next_random(s) % (delay / 2 + 1);
    s->attempt++;
    s->state = MQTTS_STATE_BACKOFF;
    s->backoff_until_ms = now_ms + delay;
    ev.type = MQTTS_EV_RECONNECTING;
    ev.delay_ms = delay;
    emit(s, &ev);
    return err;
}

bool mqtts_session_should_connect(const mqtts_session *s, uint32_t now_ms)
{
    return s->state == MQTTS_STATE_BACKOFF && due(now_ms, s->backoff_until_ms);
}

mqtts_err mqtts_session_disconnect(mqtts_session *s, uint8_t reason)
{
    if (s->state != MQTTS_STATE_CONNECTED && s->state != MQTTS_STATE_CONNECTING) {
        s->state = MQTTS_STATE_IDLE;
        return MQTTS_ERR_NOT_CONNECTED;
    }
    bool was_connected = s->state == MQTTS_STATE_CONNECTED;
    s->state = MQTTS_STATE_DISCONNECTING;
    s->closing = true;
    if (!was_connected)
        return tx_encode(s, enc_disconnect, &reason);
    /* What was published before this call leaves first (as far as the
     * window allows); tx_buf() adds the DISCONNECT when nothing else can go. */
    s->disconnect_due = true;
    s->disconnect_reason = reason;
    return MQTTS_OK;
}

/* ---- publishing ---- */

static uint8_t *out_alias_slot(const mqtts_session *s, uint16_t alias)
{
    return s->mem.out_alias_text + (size_t)(alias - 1u) * s->mem.out_alias_slot_size;
}

/* Give a QoS 0 PUBLISH an outgoing topic alias (section 3.3.2.3.4) when the
 * broker takes them: a topic already aliased on this connection goes as the
 * alias alone (empty topic); a new one, while aliases are left, goes with
 * its topic and a new alias (*assign, remembered once the packet is queued).
 * Aliases are never reassigned within a connection, so a queued packet's
 * alias always means what it meant when it was encoded. A packet whose
 * caller set an alias goes as given. */
static bool alias_out(mqtts_session *s, mqtts_publish *q, uint16_t *assign)
{
    if (q->qos != 0 || s->state != MQTTS_STATE_CONNECTED || s->out_alias_max == 0 ||
        (q->props.present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS)) || q->topic.len == 0 ||
        q->topic.len > s->mem.out_alias_slot_size - 2u)
        return false;
    uint16_t a = 0;
    for (uint16_t i = 1; i <= s->out_alias_used && !a; i++) {
        const uint8_t *slot = out_alias_slot(s, i);
        if (((size_t)slot[0] << 8 | slot[1]) == q->topic.len &&
            memcmp(slot + 2, q->topic.ptr, q->topic.len) == 0)
            a = i;
    }
    if (a) {
        q->topic.len = 0;
    } else if (s->out_alias_used < s->out_alias_max) {
        a = (uint16_t)(s->out_alias_used + 1u);
        *assign = a;
    } else {
        return false;
    }
    q->props.present |= MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS);
    q->props.topic_alias = a;
    return true;
}

mqtts_err mqtts_session_publish(mqtts_session *s, const mqtts_publish *p, uint16_t *packet_id)
{
    if (!s || !p)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (p->qos == 0 && !online(s) && s->cfg->offline_qos0 == MQTTS_QOS0_DROP)
        return MQTTS_ERR_NOT_CONNECTED;
    if (s->state == MQTTS_STATE_DISCONNECTING || (s->state == MQTTS_STATE_IDLE && s->closing))
        return MQTTS_ERR_NOT_CONNECTED;
    /* [MQTT-3.2.2-11], [MQTT-3.2.2-14]: what the CONNACK ruled out. */
    if (s->state == MQTTS_STATE_CONNECTED &&
        (p->qos > s->broker_max_qos || (p->retain && !s->broker_retain)))
        return MQTTS_ERR_BROKER_LIMIT;
    mqtts_publish q = *p;
    q.dup = false;
    uint16_t alias_new = 0;
    bool aliased = alias_out(s, &q, &alias_new);
    q.packet_id = q.qos ? 1 : 0; /* a placeholder of the right size while measuring */
    size_t need = 0;
    mqtts_err e = mqtts_encode_publish(ver(s), &q, NULL, 0, &need);
    if (e != MQTTS_ERR_BUFFER_TOO_SMALL)
        return e == MQTTS_OK ? MQTTS_ERR_INVALID_ARGUMENT : e;
    if ((s->broker_max_packet && need > s->broker_max_packet) || need > s->mem.store_size)
        return MQTTS_ERR_PACKET_TOO_LARGE;
    uint32_t off;
    if (!store_alloc(s, (uint32_t)need, &off))
        return MQTTS_ERR_QUEUE_FULL;
    if (q.qos)
        q.packet_id = new_packet_id(s);
    e = mqtts_encode_publish(ver(s), &q, s->mem.store + off, need, &need);
    if (e != MQTTS_OK) {
        s->st_tail = off; /* give the bytes back (the slot was never added) */
        return e;
    }
    mqtts_session_slot *sl = slot_at(s, s->slot_used);
    sl->off = off;
    sl->len = (uint32_t)need;
    sl->packet_id = aliased ? SLOT_CONNECTION_ALIAS : q.packet_id;
    sl->qos = q.qos;
    sl->state = SLOT_QUEUED;
    s->slot_used++;
    if (alias_new) { /* the packet that teaches the broker this alias is queued */
        uint8_t *slot = out_alias_slot(s, alias_new);
        slot[0] = (uint8_t)(p->topic.len >> 8);
        slot[1] = (uint8_t)p->topic.len;
        memcpy(slot + 2, p->topic.ptr, p->topic.len);
        s->out_alias_used = alias_new;
    }
    if (packet_id)
        *packet_id = q.packet_id;
    return MQTTS_OK;
}

/* The first slot waiting to be sent, if the window allows it now. */
static int first_sendable(mqtts_session *s)
{
    if (s->state != MQTTS_STATE_CONNECTED && !s->disconnect_due && s->run_sent == 0)
        return -1;
    for (uint16_t i = 0; i < s->slot_used; i++) {
        mqtts_session_slot *sl = slot_at(s, i);
        if (sl->state != SLOT_QUEUED)
            continue;
        if (sl->qos && s->inflight >= s->broker_receive_max && s->run_sent == 0)
            return -1; /* keep order: nothing overtakes a message held by the window */
        return i;
    }
    return -1;
}

const uint8_t *mqtts_session_tx_buf(mqtts_session *s, size_t *len)
{
    *len = 0;
    s->tx_from_store = false;
    if (s->run_sent == 0 && s->tx_tail > s->tx_head) {
        *len = s->tx_tail - s->tx_head;
        return s->mem.tx + s->tx_head;
    }
    int i = first_sendable(s);
    if (i < 0 && s->disconnect_due && s->run_sent == 0) {
        s->disconnect_due = false;
        if (tx_encode(s, enc_disconnect, &s->disconnect_reason) != MQTTS_OK)
            return NULL; /* cannot happen: tx is empty here and holds >= 128 bytes */
        *len = s->tx_tail - s->tx_head;
        return s->mem.tx + s->tx_head;
    }
    if (i < 0)
        return NULL;
    /* A run of queued slots that sit back to back and fit the window. */
    mqtts_session_slot *first = slot_at(s, (uint16_t)i);
    uint32_t end = first->off + first->len;
    uint16_t window = (uint16_t)(s->inflight + (first->qos ? 1 : 0));
    for (uint16_t k = (uint16_t)(i + 1); k < s->slot_used; k++) {
        mqtts_session_slot *sl = slot_at(s, k);
        if (sl->state != SLOT_QUEUED || sl->off != end ||
            (sl->qos && window >= s->broker_receive_max))
            break;
        window = (uint16_t)(window + (sl->qos ? 1 : 0));
        end += sl->len;
    }
    *len = end - first->off - s->run_sent;
    s->tx_from_store = true;
    return s->mem.store + first->off + s->run_sent;
}

void mqtts_session_tx_done(mqtts_session *s, size_t n, uint32_t now_ms)
{
    if (n == 0)
        return;
    s->last_tx_ms = now_ms;
    if (!s->tx_from_store) {
        s->tx_head += (uint32_t)n;
        if (s->tx_head >= s->tx_tail)
            s->tx_head = s->tx_tail = 0;
        return;
    }
    s->run_sent += (uint32_t)n;
    for (uint16_t i = 0; i < s->slot_used && s->run_sent > 0; i++) {
        mqtts_session_slot *sl = slot_at(s, i);
        if (sl->state != SLOT_QUEUED)
            continue;
        if (s->run_sent < sl->len)
            break;
        s->run_sent -= sl->len;
        if (sl->qos) {
            sl->state = SLOT_SENT;
            s->inflight++;
        } else {
            sl->state = SLOT_DONE;
        }
    }
    slots_pop_done(s);
}

/* ---- subscriptions ---- */

static mqtts_err enc_subscribe(mqtts_session *s, const void *p, uint8_t *b, size_t c, size_t *l)
{
    return mqtts_encode_subscribe(ver(s), p, b, c, l);
}

static mqtts_err enc_unsubscribe(mqtts_session *s, const void *p, uint8_t *b, size_t c, size_t *l)
{
    return mqtts_encode_unsubscribe(ver(s), p, b, c, l);
}

static uint8_t sub_options(const mqtts_subscription *x)
{
    return (uint8_t)(x->qos | (x->no_local ? 0x04u : 0u) | (x->retain_as_published ? 0x08u : 0u) |
                     (x->retain_handling << 4));
}

static int sub_find(mqtts_session *s, mqtts_str f)
{
    for (uint16_t i = 0; i < s->sub_used; i++) {
        mqtts_session_sub *r = &s->mem.subs[i];
        if (r->len == f.len && memcmp(s->mem.sub_text + r->off, f.ptr, f.len) == 0)
            return i;
    }
    return -1;
}

/* Remember a subscription for restoring it; a full table is not an error
 * for the broker, but the application learns it cannot be restored. */
static mqtts_err sub_remember(mqtts_session *s, const mqtts_subscription *x, uint32_t sub_id)
{
    int i = sub_find(s, x->filter);
    if (i >= 0) {
        s->mem.subs[i].options = sub_options(x);
        s->mem.subs[i].sub_id = sub_id;
        return MQTTS_OK;
    }
    if (s->sub_used == s->mem.sub_count || x->filter.len > 65535 ||
        s->mem.sub_text_size - s->sub_text_used < x->filter.len)
        return MQTTS_ERR_QUEUE_FULL;
    mqtts_session_sub *r = &s->mem.subs[s->sub_used++];
    r->off = (uint16_t)s->sub_text_used;
    r->len = (uint16_t)x->filter.len;
    r->options = sub_options(x);
    r->sub_id = sub_id;
    memcpy(s->mem.sub_text + s->sub_text_used, x->filter.ptr, x->filter.len);
    s->sub_text_used += (uint32_t)x->filter.len;
    return MQTTS_OK;
}

static void sub_forget(mqtts_session *s, mqtts_str f)
{
    int i = sub_find(s, f);
    if (i < 0)
        return;
    mqtts_session_sub gone = s->mem.subs[i];
    /* Close the gap in the text and in the table. */
    memmove(s->mem.sub_text + gone.off, s->mem.sub_text + gone.off + gone.len,
            s->sub_text_used - gone.off - gone.len);
    s->sub_text_used -= gone.len;
    memmove(&s->mem.subs[i], &s->mem.subs[i + 1], (size_t)(s->sub_used - i - 1) * sizeof gone);
    s->sub_used--;
    for (uint16_t k = 0; k < s->sub_used; k++) {
        if (s->mem.subs[k].off > gone.off)
            s->mem.subs[k].off = (uint16_t)(s->mem.subs[k].off - gone.len);
    }
}

mqtts_err mqtts_session_subscribe(mqtts_session *s, const mqtts_subscription *subs, size_t count,
                                  const mqtts_props *props, uint16_t *packet_id)
{
    if (!s || !subs || count == 0)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (!online(s))
        return MQTTS_ERR_NOT_CONNECTED;
    mqtts_subscribe sb;
    memset(&sb, 0, sizeof sb);
    sb.subs = subs;
    sb.count = count;
    if (props)
        sb.props = *props;
    sb.packet_id = new_packet_id(s);
    TRY(tx_encode(s, enc_subscribe, &sb));
    uint32_t sub_id = props && (props->present & MQTTS_PROP_BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER))
                          ? props->subscription_identifier
                          : 0;
    for (size_t i = 0; i < count; i++)
        (void)sub_remember(s, &subs[i], sub_id); /* a full table only loses the restore */
    if (packet_id)
        *packet_id = sb.packet_id;
    return MQTTS_OK;
}

mqtts_err mqtts_session_unsubscribe(mqtts_session *s, const mqtts_str *filters, size_t count,
                                    const mqtts_props *props, uint16_t *packet_id)
{
    if (!s || !filters || count == 0)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (!online(s))
        return MQTTS_ERR_NOT_CONNECTED;
    mqtts_unsubscribe u;
    memset(&u, 0, sizeof u);
    u.filters = filters;
    u.count = count;
    if (props)
        u.props = *props;
    u.packet_id = new_packet_id(s);
    TRY(tx_encode(s, enc_unsubscribe, &u));
    for (size_t i = 0; i < count; i++)
        sub_forget(s, filters[i]);
    if (packet_id)
        *packet_id = u.packet_id;
    return MQTTS_OK;
}

/* After a CONNACK without a session: subscribe again to what we had. */
static void subs_restore(mqtts_session *s)
{
    for (uint16_t i = 0; i < s->sub_used; i++) {
        mqtts_session_sub *r = &s->mem.subs[i];
        mqtts_subscription x;
        memset(&x, 0, sizeof x);
        x.filter.ptr = s->mem.sub_text + r->off;
        x.filter.len = r->len;
        x.qos = r->options & 3u;
        if (ver(s) == MQTTS_V5) {
            x.no_local = (r->options & 0x04u) != 0;
            x.retain_as_published = (r->options & 0x08u) != 0;
            x.retain_handling = (uint8_t)((r->options >> 4) & 3u);
        }
        mqtts_subscribe sb;
        memset(&sb, 0, sizeof sb);
        sb.subs = &x;
        sb.count = 1;
        if (r->sub_id && ver(s) == MQTTS_V5) { /* messages keep the id they were routed by */
            sb.props.present = MQTTS_PROP_BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER);
            sb.props.subscription_identifier = r->sub_id;
        }
        sb.packet_id = new_packet_id(s);
        (void)tx_encode(s, enc_subscribe, &sb); /* a full tx leaves the rest for SUBACK */
    }
}

/* ---- receiving ---- */

static mqtts_session_slot *slot_find(mqtts_session *s, uint16_t id, uint8_t state)
{
    for (uint16_t i = 0; i < s->slot_used; i++) {
        mqtts_session_slot *sl = slot_at(s, i);
        if (sl->packet_id == id && sl->state == state && sl->qos)
            return sl;
    }
    return NULL;
}

static void delivered(mqtts_session *s, mqtts_session_slot *sl, uint8_t reason,
                      const mqtts_props *props)
{
    sl->state = SLOT_DONE;
    if (s->inflight)
        s->inflight--;
    mqtts_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = MQTTS_EV_DELIVERED;
    ev.packet_id = sl->packet_id;
    ev.reason = reason;
    ev.props = props;
    emit(s, &ev);
}

/* What this CONNACK forbids of a PUBLISH stored before it came (queued
 * offline, or sent to an earlier broker): over its Maximum Packet Size,
 * above its Maximum QoS, retained where it has no retain [MQTT-3.2.2-15,
 * -11, -14]. Sending it would only get us disconnected, every time. */
static uint8_t forbidden_by_broker(const mqtts_session *s, const mqtts_session_slot *sl)
{
    if (s->broker_max_packet && sl->len > s->broker_max_packet)
        return MQTTS_RC_PACKET_TOO_LARGE;
    if (sl->qos > s->broker_max_qos)
        return MQTTS_RC_QOS_NOT_SUPPORTED;
    if ((s->mem.store[sl->off] & 0x01u) && !s->broker_retain)
        return MQTTS_RC_RETAIN_NOT_SUPPORTED;
    return 0;
}

/* A stored PUBLISH that cannot be sent to this broker: dropped, and the
 * application told (a DELIVERED event with err set; packet_id 0 for QoS 0). */
static void undeliverable(mqtts_session *s, mqtts_session_slot *sl, uint8_t reason)
{
    sl->state = SLOT_DONE;
    mqtts_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = MQTTS_EV_DELIVERED;
    ev.err = reason == MQTTS_RC_PACKET_TOO_LARGE ? MQTTS_ERR_PACKET_TOO_LARGE
                                                 : MQTTS_ERR_BROKER_LIMIT;
    ev.packet_id = sl->qos ? sl->packet_id : 0;
    ev.reason = reason;
    emit(s, &ev);
}

/* Requeue what the last connection left unacknowledged (section 4.4). */
static void resume_store(mqtts_session *s)
{
    s->inflight = 0;
    for (uint16_t i = 0; i < s->slot_used; i++) {
        mqtts_session_slot *sl = slot_at(s, i);
        uint8_t no = 0;
        if ((sl->state == SLOT_SENT || sl->state == SLOT_QUEUED) &&
            (no = forbidden_by_broker(s, sl)) != 0) {
            undeliverable(s, sl, no);
            continue;
        }
        if (sl->state == SLOT_SENT) {
            sl->state = SLOT_QUEUED;
            /* DUP when the broker may have it; a new session has never seen
             * it, even if an earlier resend had set the bit. */
            if (s->session_present)
                s->mem.store[sl->off] |= 0x08u;
            else
                s->mem.store[sl->off] &= (uint8_t)~0x08u;
        } else if (sl->state == SLOT_RELEASING) {
            if (s->session_present) {
                s->inflight++;
                (void)queue_ack(s, MQTTS_PUBREL, sl->packet_id, 0);
            } else {
                /* The broker took it (PUBREC) and then lost the session. */
                delivered(s, sl, 0, NULL);
            }
        }
    }
    slots_pop_done(s);
}

static mqtts_err on_connack(mqtts_session *s, const mqtts_connack *c)
{
    if (s->state != MQTTS_STATE_CONNECTING)
        return fault(s, MQTTS_ERR_PROTOCOL, MQTTS_RC_PROTOCOL_ERROR);
    mqtts_event ev;
    memset(&ev, 0, sizeof ev);
    ev.reason = c->reason;
    ev.props = ver(s) == MQTTS_V5 ? &c->props : NULL;
    if (c->reason != 0) {
        ev.type = MQTTS_EV_CONNECT_REFUSED;
        ev.err = MQTTS_ERR_REFUSED;
        emit(s, &ev);
        s->state = MQTTS_STATE_DISCONNECTING; /* the broker closes; so do we */
        return MQTTS_ERR_REFUSED;
    }
    const mqtts_props *p = &c->props;
    if (p->present & MQTTS_PROP_BIT(MQTTS_PROP_RECEIVE_MAXIMUM))
        s->broker_receive_max = p->receive_maximum;
    if (p->present & MQTTS_PROP_BIT(MQTTS_PROP_MAXIMUM_QOS))
        s->broker_max_qos = p->maximum_qos;
    if (p->present & MQTTS_PROP_BIT(MQTTS_PROP_RETAIN_AVAILABLE))
        s->broker_retain = p->retain_available != 0;
    if (p->present & MQTTS_PROP_BIT(MQTTS_PROP_MAXIMUM_PACKET_SIZE))
        s->broker_max_packet = p->maximum_packet_size;
    if (p->present & MQTTS_PROP_BIT(MQTTS_PROP_SERVER_KEEP_ALIVE))
        s->keep_alive_s = p->server_keep_alive; /* [MQTT-3.2.2-21]: the broker's wins */
    if (p->present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS_MAXIMUM))
        s->out_alias_max = p->topic_alias_maximum < s->mem.out_alias_count
                               ? p->topic_alias_maximum
                               : s->mem.out_alias_count;
    if (p->present & MQTTS_PROP_BIT(MQTTS_PROP_ASSIGNED_CLIENT_IDENTIFIER)) {
        mqtts_str id = p->assigned_client_identifier;
        if (id.len < sizeof s->client_id) {
            memcpy(s->client_id, id.ptr, id.len);
            s->client_id_len = (uint8_t)id.len;
        }
    }
    /* Session Present after Clean Start is a broker fault: we would resume
     * a session whose state we have just dropped (v5 3.2.2.1.1, 3.1.1 3.2.2.2). */
    if (c->session_present && s->cfg->clean_start)
        return fault(s, MQTTS_ERR_PROTOCOL, MQTTS_RC_PROTOCOL_ERROR);
    s->session_present = c->session_present;
    s->state = MQTTS_STATE_CONNECTED;
    s->attempt = 0;
    if (!s->session_present) {
        s->qos2_used = 0;
        subs_restore(s);
    }
    resume_store(s);
    ev.type = MQTTS_EV_CONNECTED;
    ev.session_present = c->session_present;
    emit(s, &ev);
    return MQTTS_OK;
}

/* Resolve (and learn) an incoming topic alias, section 3.3.2.3.4. */
static mqtts_err resolve_alias(mqtts_session *s, mqtts_publish *m)
{
    if (!(m->props.present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS)))
        return MQTTS_OK;
    uint16_t a = m->props.topic_alias;
    if (a > s->mem.alias_count ||
        (s->cfg->topic_alias_maximum && a > s->cfg->topic_alias_maximum))
        return fault(s, MQTTS_ERR_PROTOCOL, MQTTS_RC_TOPIC_ALIAS_INVALID);
    uint8_t *slot = s->mem.alias_text + (size_t)(a - 1) * s->mem.alias_slot_size;
    size_t room = s->mem.alias_slot_size - 2u;
    if (m->topic.len > 0) {
        if (m->topic.len > room)
            return fault(s, MQTTS_ERR_PROTOCOL, MQTTS_RC_IMPLEMENTATION_SPECIFIC_ERROR);
        slot[0] = (uint8_t)(m->topic.len >> 8);
        slot[1] = (uint8_t)m->topic.len;
        memcpy(slot + 2, m->topic.ptr, m->topic.len);
        return MQTTS_OK;
    }
    size_t len = (size_t)slot[0] << 8 | slot[1];
    if (len == 0)
        return fault(s, MQTTS_ERR_PROTOCOL, MQTTS_RC_PROTOCOL_ERROR); /* unknown alias */
    m->topic.ptr = (const char *)slot + 2;
    m->topic.len = len;
    return MQTTS_OK;
}

static int qos2_find(mqtts_session *s, uint16_t id)
{
    for (uint16_t i = 0; i < s->qos2_used; i++) {
        if (s->mem.qos2_in[i] == id)
            return i;
    }
    return -1;
}

static mqtts_err on_publish(mqtts_session *s, mqtts_publish *m)
{
    if (s->state != MQTTS_STATE_CONNECTED)
        return fault(s, MQTTS_ERR_PROTOCOL, MQTTS_RC_PROTOCOL_ERROR);
    TRY(resolve_alias(s, m));
    if (m->qos == 2) {
        if (qos2_find(s, m->packet_id) >= 0)
            return queue_ack(s, MQTTS_PUBREC, m->packet_id, 0); /* seen: do not deliver again */
        if (s->qos2_used >= s->mem.qos2_in_count)
            return fault(s, MQTTS_ERR_PROTOCOL, MQTTS_RC_RECEIVE_MAXIMUM_EXCEEDED);
    }
    /* Reserve the acknowledgement before delivering, so a full tx cannot
     * make us deliver a message we then fail to acknowledge. */
    if (m->qos > 0 && !tx_reserve(s, 32))
        return fault(s, MQTTS_ERR_QUEUE_FULL, MQTTS_RC_IMPLEMENTATION_SPECIFIC_ERROR);
    if (m->qos == 2)
        s->mem.qos2_in[s->qos2_used++] = m->packet_id;
    mqtts_event ev;
    memset(&ev, 0, sizeof ev);
    ev.type = MQTTS_EV_MESSAGE;
    ev.message = m;
    ev.props = ver(s) == MQTTS_V5 ? &m->props : NULL;
    emit(s, &ev);
    if (m->qos == 1)
        return queue_ack(s, MQTTS_PUBACK, m->packet_id, 0);
    if (m->qos == 2)
        return queue_ack(s, MQTTS_PUBREC, m->packet_id, 0);
    return MQTTS_OK;
}

static mqtts_err on_ack(mqtts_session *s, mqtts_packet_type t, const mqtts_ack *a)
{
    mqtts_session_slot *sl;
    const mqtts_props *props = ver(s) == MQTTS_V5 ? &a->props : NULL;
    switch (t) {
    case MQTTS_PUBACK:
        sl = slot_find(s, a->packet_id, SLOT_SENT);
        if (sl && sl->qos == 1)
            delivered(s, sl, a->reason, props);
        break; /* an unknown id is a late duplicate: ignore it */
    case MQTTS_PUBREC:
        sl = slot_find(s, a->packet_id, SLOT_SENT);
        if (sl && sl->qos == 2 && a->reason >= 0x80) {
            delivered(s, sl, a->reason, props); /* refused: no PUBREL follows */
        } else if (sl && sl->qos == 2) {
            sl->state = SLOT_RELEASING;
            TRY(queue_ack(s, MQTTS_PUBREL, a->packet_id, 0));
        } else if (!slot_find(s, a->packet_id, SLOT_RELEASING)) {
            TRY(queue_ack(s, MQTTS_PUBREL, a->packet_id, MQTTS_RC_PACKET_IDENTIFIER_NOT_FOUND));
        }
        break;
    case MQTTS_PUBREL: {
        int i = qos2_find(s, a->packet_id);
        if (i >= 0)
            s->mem.qos2_in[i] = s->mem.qos2_in[--s->qos2_used];
        TRY(queue_ack(s, MQTTS_PUBCOMP, a->packet_id,
                      i >= 0 ? 0 : MQTTS_RC_PACKET_IDENTIFIER_NOT_FOUND));
        break;
    }
    default: /* MQTTS_PUBCOMP */
        sl = slot_find(s, a->packet_id, SLOT_RELEASING);
        if (sl)
            delivered(s, sl, a->reason, props);
        break;
    }
    slots_pop_done(s);
    return MQTTS_OK;
}

static mqtts_err on_packet(mqtts_session *s, mqtts_packet *pk)
{
    mqtts_event ev;
    memset(&ev, 0, sizeof ev);
    bool v5 = ver(s) == MQTTS_V5;
    if (pk->type != MQTTS_CONNACK && s->state == MQTTS_STATE_CONNECTING)
        return fault(s, MQTTS_ERR_PROTOCOL, MQTTS_RC_PROTOCOL_ERROR); /* [MQTT-3.2.0-1] */
    switch (pk->type) {
    case MQTTS_CONNACK:
        return on_connack(s, &pk->u.connack);
    case MQTTS_PUBLISH:
        return on_publish(s, &pk->u.publish);
    case MQTTS_PUBACK:
    case MQTTS_PUBREC:
    case MQTTS_PUBREL:
    case MQTTS_PUBCOMP:
        return on_ack(s, pk->type, &pk->u.ack);
    case MQTTS_SUBACK:
    case MQTTS_UNSUBACK:
        ev.type = pk->type == MQTTS_SUBACK ? MQTTS_EV_SUBACK : MQTTS_EV_UNSUBACK;
        ev.packet_id = pk->u.suback.packet_id;
        ev.reasons = pk->u.suback.reasons;
        ev.props = v5 ? &pk->u.suback.props : NULL;
        emit(s, &ev);
        return MQTTS_OK;
    case MQTTS_PINGRESP:
        s->ping_outstanding = false;
        return MQTTS_OK;
    case MQTTS_DISCONNECT:
        ev.type = MQTTS_EV_DISCONNECTED;
        ev.err = MQTTS_ERR_BROKER_DISCONNECT;
        ev.reason = pk->u.disconnect.reason;
        ev.props = &pk->u.disconnect.props;
        emit(s, &ev);
        s->broker_disconnected = true;
        s->state = MQTTS_STATE_DISCONNECTING;
        return MQTTS_ERR_BROKER_DISCONNECT;
    default: /* AUTH: we never start enhanced authentication */
        return fault(s, MQTTS_ERR_PROTOCOL, MQTTS_RC_PROTOCOL_ERROR);
    }
}

/* The v5 DISCONNECT reason for a malformed packet of this kind. */
static uint8_t reason_for(mqtts_err e)
{
    return e == MQTTS_ERR_PACKET_TOO_LARGE ? MQTTS_RC_PACKET_TOO_LARGE : MQTTS_RC_MALFORMED_PACKET;
}

uint8_t *mqtts_session_rx_buf(mqtts_session *s, size_t *cap)
{
    *cap = s->mem.rx_size - s->rx_len;
    return s->mem.rx + s->rx_len;
}

mqtts_err mqtts_session_rx_done(mqtts_session *s, size_t n, uint32_t now_ms)
{
    (void)now_ms;
    /* A TLS record (alert 0x15, handshake 0x16) where the CONNACK should be:
     * a plain connection to a TLS port. MQTT servers never send these types
     * (CONNECT). */
    if (s->state == MQTTS_STATE_CONNECTING && !s->rx_any && n > 0 &&
        (s->mem.rx[0] == 0x15u || s->mem.rx[0] == 0x16u)) {
        s->rx_any = true;
        s->state = MQTTS_STATE_DISCONNECTING;
        return MQTTS_ERR_TLS_REQUIRED;
    }
    if (n > 0)
        s->rx_any = true;
    s->rx_len += (uint32_t)n;
    size_t pos = 0;
    mqtts_err e = MQTTS_OK;
    while (e == MQTTS_OK && s->state != MQTTS_STATE_DISCONNECTING &&
           s->state != MQTTS_STATE_IDLE && s->state != MQTTS_STATE_BACKOFF) {
        size_t plen;
        e = mqtts_frame(s->mem.rx + pos, s->rx_len - pos, (uint32_t)s->mem.rx_size, &plen);
        if (e == MQTTS_NEED_MORE) {
            e = MQTTS_OK;
            break;
        }
        if (e != MQTTS_OK)
            return fault(s, e, reason_for(e));
        mqtts_packet pk;
        e = mqtts_decode(ver(s), s->mem.rx + pos, plen, &pk);
        if (e != MQTTS_OK)
            return fault(s, e, MQTTS_RC_MALFORMED_PACKET);
        e = on_packet(s, &pk);
        pos += plen;
    }
    /* Keep the partial packet at the front (one move per call, not per packet). */
    if (pos > 0) {
        memmove(s->mem.rx, s->mem.rx + pos, s->rx_len - pos);
        s->rx_len -= (uint32_t)pos;
    }
    return e;
}

/* ---- time ---- */

static uint32_t ping_timeout(const mqtts_session *s)
{
    if (s->cfg->ping_timeout_ms)
        return s->cfg->ping_timeout_ms;
    uint32_t half = (uint32_t)s->keep_alive_s * 500u;
    return half < 1000u ? 1000u : half;
}

uint32_t mqtts_session_deadline(const mqtts_session *s)
{
    switch (s->state) {
    case MQTTS_STATE_CONNECTING:
        return s->connect_sent_ms + (s->cfg->connect_timeout_ms ? s->cfg->connect_timeout_ms : 10000u);
    case MQTTS_STATE_BACKOFF:
        return s->backoff_until_ms;
    case MQTTS_STATE_CONNECTED:
        if (s->ping_outstanding)
            return s->ping_sent_ms + ping_timeout(s);
        if (s->keep_alive_s)
            return s->last_tx_ms + (uint32_t)s->keep_alive_s * 1000u;
        return UINT32_MAX;
    default:
        return UINT32_MAX;
    }
}

static mqtts_err enc_pingreq(mqtts_session *s, const void *p, uint8_t *b, size_t c, size_t *l)
{
    (void)s;
    (void)p;
    return mqtts_encode_pingreq(b, c, l);
}

mqtts_err mqtts_session_tick(mqtts_session *s, uint32_t now_ms)
{
    switch (s->state) {
    case MQTTS_STATE_CONNECTING:
        if (due(now_ms, mqtts_session_deadline(s)))
            return MQTTS_ERR_TIMEOUT; /* no CONNACK */
        return MQTTS_OK;
    case MQTTS_STATE_CONNECTED:
        if (s->ping_outstanding && due(now_ms, s->ping_sent_ms + ping_timeout(s)))
            return MQTTS_ERR_TIMEOUT; /* half-open: the broker answers nothing */
        if (!s->ping_outstanding && s->keep_alive_s &&
            due(now_ms, s->last_tx_ms + (uint32_t)s->keep_alive_s * 1000u)) {
            TRY(tx_encode(s, enc_pingreq, NULL));
            s->ping_outstanding = true;
            s->ping_sent_ms = now_ms;
        }
        return MQTTS_OK;
    default:
        return MQTTS_OK;
    }
}
