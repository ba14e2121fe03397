/*
 * Encoders for the packets a client sends. Each packet has a "body" function
 * that validates and writes everything after the fixed header; encode() runs
 * it once into a measuring writer (which also validates) and, when the
 * buffer is large enough, writes the fixed header and runs it again for
 * real. Validation therefore happens before a single byte is written, and a
 * size query costs one pass.
 */
#include "wire.h"

typedef mqtts_err (*body_fn)(wr *w, mqtts_version v, const void *p);

static mqtts_err encode(uint8_t first, body_fn body, size_t extra, mqtts_version v,
                        const void *p, uint8_t *buf, size_t cap, size_t *len)
{
    if (!len || !p || (!buf && cap > 0))
        return MQTTS_ERR_INVALID_ARGUMENT;
    *len = 0;
    if (v != MQTTS_V311 && v != MQTTS_V5)
        return MQTTS_ERR_VERSION;
    wr measure = {NULL, 0, 0};
    TRY(body(&measure, v, p));
    if (measure.pos > MQTTS_MAX_REMAINING_LENGTH ||
        extra > MQTTS_MAX_REMAINING_LENGTH - measure.pos)
        return MQTTS_ERR_PACKET_TOO_LARGE;
    size_t remaining = measure.pos + extra;
    /* A size query (or a buffer too small) ends here, nothing written. */
    *len = 1 + mqtts_varint_size((uint32_t)remaining) + measure.pos;
    if (*len > cap)
        return MQTTS_ERR_BUFFER_TOO_SMALL;
    wr w = {buf, cap, 0};
    TRY(mqtts__wr_fixed_header(&w, first, remaining));
    TRY(body(&w, v, p));
    return mqtts__wr_finish(&w, len);
}

static mqtts_err only_v5(mqtts_version v, const mqtts_props *p)
{
    return (v == MQTTS_V311 && !props_empty(p)) ? MQTTS_ERR_V5_ONLY : MQTTS_OK;
}

/* Properties go on the wire in v5 only (3.1.1 was checked to have none). */
static mqtts_err write_props_v5(wr *w, mqtts_version v, const mqtts_props *p, uint8_t where)
{
    return v == MQTTS_V5 ? mqtts__props_write_block(p, where, w) : MQTTS_OK;
}

/* ---- CONNECT (MQTT 5.0 section 3.1, 3.1.1 section 3.1) ---- */

static mqtts_err will_check(mqtts_version v, const mqtts_will *will)
{
    if (will->qos > 2)
        return MQTTS_ERR_QOS_INVALID;
    TRY(mqtts__check_topic_name(will->topic.ptr, will->topic.len, false));
    TRY(mqtts__check_binary(will->payload.ptr, will->payload.len));
    return only_v5(v, &will->props);
}

static mqtts_err connect_body(wr *w, mqtts_version v, const void *vp)
{
    const mqtts_connect *c = vp;
    const mqtts_will *will = c->will;
    uint8_t flags = c->clean_start ? 0x02u : 0u;

    TRY(only_v5(v, &c->props));
    TRY(mqtts__check_string(c->client_id.ptr, c->client_id.len));
    if (c->username.ptr) {
        TRY(mqtts__check_string(c->username.ptr, c->username.len));
        flags |= 0x80u;
    }
    if (c->password.ptr) {
        TRY(mqtts__check_binary(c->password.ptr, c->password.len));
        if (v == MQTTS_V311 && !c->username.ptr)
            return MQTTS_ERR_PASSWORD_WITHOUT_USERNAME;
        flags |= 0x40u;
    }
    if (will) {
        TRY(will_check(v, will));
        flags |= (uint8_t)(0x04u | (will->qos << 3) | (will->retain ? 0x20u : 0u));
    }

    mqtts__wr_lp(w, "MQTT", 4);
    mqtts__wr_u8(w, (uint8_t)v);
    mqtts__wr_u8(w, flags);
    mqtts__wr_u16(w, c->keep_alive);
    TRY(write_props_v5(w, v, &c->props, MQTTS_CONNECT));
    mqtts__wr_lp(w, c->client_id.ptr, c->client_id.len);
    if (will) {
        TRY(write_props_v5(w, v, &will->props, MQTTS_WILL_PROPERTIES));
        mqtts__wr_lp(w, will->topic.ptr, will->topic.len);
        mqtts__wr_lp(w, will->payload.ptr, will->payload.len);
    }
    if (c->username.ptr)
        mqtts__wr_lp(w, c->username.ptr, c->username.len);
    if (c->password.ptr)
        mqtts__wr_lp(w, c->password.ptr, c->password.len);
    return MQTTS_OK;
}

mqtts_err mqtts_encode_connect(mqtts_version v, const mqtts_connect *p,
                               uint8_t *buf, size_t cap, size_t *len)
{
    return encode(0x10, connect_body, 0, v, p, buf, cap, len);
}

/* ---- PUBLISH (section 3.3) ---- */

static mqtts_err publish_check(mqtts_version v, const mqtts_publish *p)
{
    if (p->qos > 2)
        return MQTTS_ERR_QOS_INVALID;
    if (p->dup && p->qos == 0)
        return MQTTS_ERR_DUP_ON_QOS0;
    if (p->qos > 0 && p->packet_id == 0)
        return MQTTS_ERR_PACKET_ID_ZERO;
    TRY(only_v5(v, &p->props));
    /* [MQTT-3.3.4-6]: a client never sends a Subscription Identifier. */
    if (p->props.present & MQTTS_PROP_BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER))
        return MQTTS_ERR_PROPERTY_NOT_ALLOWED;
    bool alias = v == MQTTS_V5 && (p->props.present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS));
    return mqtts__check_topic_name(p->topic.ptr, p->topic.len, alias);
}

static mqtts_err publish_header_body(wr *w, mqtts_version v, const void *vp)
{
    const mqtts_publish *p = vp;
    TRY(publish_check(v, p));
    mqtts__wr_lp(w, p->topic.ptr, p->topic.len);
    if (p->qos > 0)
        mqtts__wr_u16(w, p->packet_id);
    return write_props_v5(w, v, &p->props, MQTTS_PUBLISH);
}

static mqtts_err publish_body(wr *w, mqtts_version v, const void *vp)
{
    const mqtts_publish *p = vp;
    TRY(publish_header_body(w, v, vp));
    mqtts__wr_raw(w, p->payload.ptr, p->payload.len);
    return MQTTS_OK;
}

static uint8_t publish_first_byte(const mqtts_publish *p)
{
    return (uint8_t)(0x30u | (p->dup ? 0x08u : 0u) | ((p->qos & 3u) << 1) | (p->retain ? 1u : 0u));
}

mqtts_err mqtts_encode_publish(mqtts_version v, const mqtts_publish *p,
                               uint8_t *buf, size_t cap, size_t *len)
{
    if (p && p->payload.len > 0 && !p->payload.ptr)
        return MQTTS_ERR_INVALID_ARGUMENT;
    return encode(p ? publish_first_byte(p) : 0, publish_body, 0, v, p, buf, cap, len);
}

mqtts_err mqtts_encode_publish_header(mqtts_version v, const mqtts_publish *p,
                                      uint8_t *buf, size_t cap, size_t *len)
{
    return encode(p ? publish_first_byte(p) : 0, publish_header_body, p ? p->payload.len : 0, v,
                  p, buf, cap, len);
}

/* ---- PUBACK, PUBREC, PUBREL, PUBCOMP (sections 3.4 - 3.7) ---- */

typedef struct ack_job {
    mqtts_packet_type type;
    const mqtts_ack *ack;
} ack_job;

static mqtts_err ack_body(wr *w, mqtts_version v, const void *vp)
{
    const ack_job *j = vp;
    const mqtts_ack *a = j->ack;
    if (a->packet_id == 0)
        return MQTTS_ERR_PACKET_ID_ZERO;
    TRY(only_v5(v, &a->props));
    if (v == MQTTS_V311 && a->reason != 0)
        return MQTTS_ERR_V5_ONLY;
    if (!mqtts__reason_ok(v, j->type, a->reason, false))
        return MQTTS_ERR_REASON_CODE_INVALID;
    mqtts__wr_u16(w, a->packet_id);
    bool props = !props_empty(&a->props);
    if (v == MQTTS_V5 && (a->reason != 0 || props))
        mqtts__wr_u8(w, a->reason);
    return props ? mqtts__props_write_block(&a->props, (uint8_t)j->type, w) : MQTTS_OK;
}

mqtts_err mqtts_encode_ack(mqtts_version v, mqtts_packet_type type, const mqtts_ack *p,
                           uint8_t *buf, size_t cap, size_t *len)
{
    if (type < MQTTS_PUBACK || type > MQTTS_PUBCOMP || !p)
        return MQTTS_ERR_INVALID_ARGUMENT;
    ack_job j = {type, p};
    uint8_t first = (uint8_t)((unsigned)type << 4 | (type == MQTTS_PUBREL ? 0x02u : 0u));
    return encode(first, ack_body, 0, v, &j, buf, cap, len);
}

/* ---- SUBSCRIBE, UNSUBSCRIBE (sections 3.8, 3.10) ---- */

static mqtts_err subscription_check(mqtts_version v, const mqtts_subscription *s)
{
    TRY(mqtts_topic_filter_check(s->filter.ptr, s->filter.len));
    if (s->qos > 2)
        return MQTTS_ERR_QOS_INVALID;
    if (s->retain_handling > 2)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (v == MQTTS_V311 && (s->no_local || s->retain_as_published || s->retain_handling))
        return MQTTS_ERR_V5_ONLY;
    if (s->no_local && s->filter.len >= 7 && memcmp(s->filter.ptr, "$share/", 7) == 0)
        return MQTTS_ERR_SHARED_NO_LOCAL;
    return MQTTS_OK;
}

static mqtts_err subscribe_body(wr *w, mqtts_version v, const void *vp)
{
    const mqtts_subscribe *p = vp;
    if (!p->subs || p->count == 0)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (p->packet_id == 0)
        return MQTTS_ERR_PACKET_ID_ZERO;
    TRY(only_v5(v, &p->props));
    mqtts__wr_u16(w, p->packet_id);
    TRY(write_props_v5(w, v, &p->props, MQTTS_SUBSCRIBE));
    for (size_t i = 0; i < p->count; i++) {
        const mqtts_subscription *s = &p->subs[i];
        TRY(subscription_check(v, s));
        mqtts__wr_lp(w, s->filter.ptr, s->filter.len);
        mqtts__wr_u8(w, (uint8_t)(s->qos | (s->no_local ? 0x04u : 0u) |
                           (s->retain_as_published ? 0x08u : 0u) | (s->retain_handling << 4)));
    }
    return MQTTS_OK;
}

mqtts_err mqtts_encode_subscribe(mqtts_version v, const mqtts_subscribe *p,
                                 uint8_t *buf, size_t cap, size_t *len)
{
    return encode(0x82, subscribe_body, 0, v, p, buf, cap, len);
}

static mqtts_err unsubscribe_body(wr *w, mqtts_version v, const void *vp)
{
    const mqtts_unsubscribe *p = vp;
    if (!p->filters || p->count == 0)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (p->packet_id == 0)
        return MQTTS_ERR_PACKET_ID_ZERO;
    TRY(only_v5(v, &p->props));
    mqtts__wr_u16(w, p->packet_id);
    TRY(write_props_v5(w, v, &p->props, MQTTS_UNSUBSCRIBE));
    for (size_t i = 0; i < p->count; i++) {
        TRY(mqtts_topic_filter_check(p->filters[i].ptr, p->filters[i].len));
        mqtts__wr_lp(w, p->filters[i].ptr, p->filters[i].len);
    }
    return MQTTS_OK;
}

mqtts_err mqtts_encode_unsubscribe(mqtts_version v, const mqtts_unsubscribe *p,
                                   uint8_t *buf, size_t cap, size_t *len)
{
    return encode(0xA2, unsubscribe_body, 0, v, p, buf, cap, len);
}

/* ---- PINGREQ, DISCONNECT, AUTH (sections 3.12, 3.14, 3.15) ---- */

static mqtts_err empty_body(wr *w, mqtts_version v, const void *vp)
{
    (void)w;
    (void)v;
    (void)vp;
    return MQTTS_OK;
}

mqtts_err mqtts_encode_pingreq(uint8_t *buf, size_t cap, size_t *len)
{
    return encode(0xC0, empty_body, 0, MQTTS_V5, "", buf, cap, len);
}

static mqtts_err disconnect_body(wr *w, mqtts_version v, const void *vp)
{
    const mqtts_disconnect *d = vp;
    bool props = !props_empty(&d->props);
    if (v == MQTTS_V311)
        return (d->reason != 0 || props) ? MQTTS_ERR_V5_ONLY : MQTTS_OK;
    if (!mqtts__reason_ok(v, MQTTS_DISCONNECT, d->reason, false))
        return MQTTS_ERR_REASON_CODE_INVALID;
    if (d->reason != 0 || props)
        mqtts__wr_u8(w, d->reason);
    return props ? mqtts__props_write_block(&d->props, MQTTS_DISCONNECT, w) : MQTTS_OK;
}

mqtts_err mqtts_encode_disconnect(mqtts_version v, const mqtts_disconnect *p,
                                  uint8_t *buf, size_t cap, size_t *len)
{
    mqtts_disconnect normal; /* reason 0, no properties */
    if (!p) {
        memset(&normal, 0, sizeof normal);
        p = &normal;
    }
    return encode(0xE0, disconnect_body, 0, v, p, buf, cap, len);
}

static mqtts_err auth_body(wr *w, mqtts_version v, const void *vp)
{
    const mqtts_auth *a = vp;
    if (v != MQTTS_V5)
        return MQTTS_ERR_V5_ONLY;
    if (!mqtts__reason_ok(v, MQTTS_AUTH, a->reason, false))
        return MQTTS_ERR_REASON_CODE_INVALID;
    /* The short form (no reason, no properties) means Success, which only a
     * server sends; a client's AUTH always has both. */
    mqtts__wr_u8(w, a->reason);
    return mqtts__props_write_block(&a->props, MQTTS_AUTH, w);
}

mqtts_err mqtts_encode_auth(mqtts_version v, const mqtts_auth *p,
                            uint8_t *buf, size_t cap, size_t *len)
{
    return encode(0xF0, auth_body, 0, v, p, buf, cap, len);
}
