/*
 * Decoders for the packets a client receives, strict per the MUST rules of
 * MQTT 3.1.1 and 5.0. Each decoder reads fields through the bounded reader
 * (wire.h) and returns the first fault with its own error; a packet that
 * decodes has been checked end to end, trailing bytes included.
 */
#include "wire.h"

/* The reader's sticky error, or TRAILING_BYTES when fields ended early. */
static mqtts_err finish(const rd *r)
{
    if (r->err != MQTTS_OK)
        return r->err;
    return rd_left(r) ? MQTTS_ERR_TRAILING_BYTES : MQTTS_OK;
}

static mqtts_err read_reason(rd *r, mqtts_version v, mqtts_packet_type t, uint8_t *reason)
{
    *reason = mqtts__rd_u8(r);
    if (r->err != MQTTS_OK)
        return r->err;
    return mqtts__reason_ok(v, t, *reason, true) ? MQTTS_OK : MQTTS_ERR_REASON_CODE_INVALID;
}

static mqtts_err read_packet_id(rd *r, uint16_t *id)
{
    *id = mqtts__rd_u16(r);
    if (r->err != MQTTS_OK)
        return r->err;
    return *id == 0 ? MQTTS_ERR_PACKET_ID_ZERO : MQTTS_OK;
}

/* CONNACK: MQTT 5.0 section 3.2, 3.1.1 section 3.2. */
static mqtts_err decode_connack(rd *r, mqtts_version v, mqtts_connack *c)
{
    uint8_t ack_flags = mqtts__rd_u8(r);
    if (r->err == MQTTS_OK && (ack_flags & 0xFEu))
        return MQTTS_ERR_CONNACK_FLAGS;
    c->session_present = ack_flags & 1u;
    TRY(read_reason(r, v, MQTTS_CONNACK, &c->reason));
    if (c->session_present && c->reason != 0)
        return MQTTS_ERR_SESSION_PRESENT_ON_FAILURE;
    if (v == MQTTS_V5)
        TRY(mqtts__props_read_block(r, MQTTS_CONNACK, &c->props));
    return finish(r);
}

/* PUBLISH: section 3.3. */
static mqtts_err decode_publish(rd *r, mqtts_version v, uint8_t flags, mqtts_publish *p)
{
    p->qos = (flags >> 1) & 3u;
    p->dup = (flags & 0x08u) != 0;
    p->retain = (flags & 0x01u) != 0;
    if (p->qos == 3)
        return MQTTS_ERR_QOS_INVALID;
    if (p->dup && p->qos == 0)
        return MQTTS_ERR_DUP_ON_QOS0;
    mqtts_bin topic = mqtts__rd_lp(r);
    p->topic.ptr = (const char *)topic.ptr;
    p->topic.len = topic.len;
    TRY(r->err);
    TRY(mqtts__check_topic_name(p->topic.ptr, p->topic.len, true));
    if (p->qos > 0)
        TRY(read_packet_id(r, &p->packet_id));
    bool alias = false;
    if (v == MQTTS_V5) {
        TRY(mqtts__props_read_block(r, MQTTS_PUBLISH, &p->props));
        alias = (p->props.present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS)) != 0;
    }
    /* An empty topic is legal only as "use the topic this alias stands for". */
    if (p->topic.len == 0 && !alias)
        return MQTTS_ERR_TOPIC_EMPTY;
    p->payload = mqtts_bytes(r->p + r->pos, rd_left(r));
    r->pos = r->len;
    return MQTTS_OK;
}

/* PUBACK, PUBREC, PUBREL, PUBCOMP: sections 3.4 - 3.7. In v5 the reason code
 * and the property length may each be left out [3.4.2.1, 3.4.2.2.1]. */
static mqtts_err decode_ack(rd *r, mqtts_version v, mqtts_packet_type t, mqtts_ack *a)
{
    TRY(read_packet_id(r, &a->packet_id));
    if (v == MQTTS_V5 && rd_left(r) > 0) {
        TRY(read_reason(r, v, t, &a->reason));
        if (rd_left(r) > 0)
            TRY(mqtts__props_read_block(r, (uint8_t)t, &a->props));
    }
    return finish(r);
}

/* SUBACK, UNSUBACK: sections 3.9, 3.11. */
static mqtts_err decode_suback(rd *r, mqtts_version v, mqtts_packet_type t, mqtts_suback *s)
{
    TRY(read_packet_id(r, &s->packet_id));
    if (v == MQTTS_V5)
        TRY(mqtts__props_read_block(r, (uint8_t)t, &s->props));
    if (v == MQTTS_V311 && t == MQTTS_UNSUBACK)
        return finish(r); /* 3.1.1 UNSUBACK has no payload */
    s->reasons = mqtts_bytes(r->p + r->pos, rd_left(r));
    if (s->reasons.len == 0)
        return MQTTS_ERR_NO_REASON_CODES;
    for (size_t i = 0; i < s->reasons.len; i++) {
        if (!mqtts__reason_ok(v, t, s->reasons.ptr[i], true))
            return MQTTS_ERR_REASON_CODE_INVALID;
    }
    r->pos = r->len;
    return MQTTS_OK;
}

/* DISCONNECT (v5 section 3.14) and AUTH (section 3.15): a remaining length
 * of 0 means reason 0 and no properties. */
static mqtts_err decode_reason_props(rd *r, mqtts_version v, mqtts_packet_type t,
                                     mqtts_disconnect *d)
{
    if (rd_left(r) == 0)
        return MQTTS_OK;
    TRY(read_reason(r, v, t, &d->reason));
    /* DISCONNECT may stop after the reason [3.14.2.2.1]; AUTH may not. */
    if (t == MQTTS_DISCONNECT && rd_left(r) == 0)
        return MQTTS_OK;
    TRY(mqtts__props_read_block(r, (uint8_t)t, &d->props));
    /* [MQTT-3.14.2-2]: the server MUST NOT send a Session Expiry Interval. */
    if (d->props.present & MQTTS_PROP_BIT(MQTTS_PROP_SESSION_EXPIRY_INTERVAL))
        return MQTTS_ERR_PROPERTY_NOT_ALLOWED;
    return finish(r);
}

/* The fixed-header flags each received type must carry (section 2.1.3). */
static mqtts_err check_type_and_flags(mqtts_version v, mqtts_packet_type t, uint8_t flags)
{
    switch (t) {
    case MQTTS_CONNECT:
    case MQTTS_SUBSCRIBE:
    case MQTTS_UNSUBSCRIBE:
    case MQTTS_PINGREQ:
        return MQTTS_ERR_PACKET_TYPE_UNEXPECTED;
    case MQTTS_DISCONNECT:
        /* A 3.1.1 server closes the connection; it never sends DISCONNECT. */
        if (v == MQTTS_V311)
            return MQTTS_ERR_PACKET_TYPE_UNEXPECTED;
        break;
    case MQTTS_AUTH:
        if (v == MQTTS_V311)
            return MQTTS_ERR_PACKET_TYPE_RESERVED;
        break;
    case MQTTS_PUBLISH:
        return MQTTS_OK; /* its flags are DUP, QoS and RETAIN */
    case MQTTS_PUBREL:
        return flags == 0x02u ? MQTTS_OK : MQTTS_ERR_RESERVED_FLAGS;
    case MQTTS_CONNACK:
    case MQTTS_PUBACK:
    case MQTTS_PUBREC:
    case MQTTS_PUBCOMP:
    case MQTTS_SUBACK:
    case MQTTS_UNSUBACK:
    case MQTTS_PINGRESP:
        break;
    default:
        return MQTTS_ERR_PACKET_TYPE_RESERVED; /* type 0 */
    }
    return flags == 0 ? MQTTS_OK : MQTTS_ERR_RESERVED_FLAGS;
}

mqtts_err mqtts_decode(mqtts_version v, const uint8_t *buf, size_t len, mqtts_packet *out)
{
    if (!buf || !out)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (v != MQTTS_V311 && v != MQTTS_V5)
        return MQTTS_ERR_VERSION;
    memset(out, 0, sizeof *out);
    if (len < 2)
        return MQTTS_ERR_PACKET_TRUNCATED;

    uint32_t rl;
    size_t used;
    mqtts_err e = mqtts_varint_decode(buf + 1, len - 1, &rl, &used);
    if (e == MQTTS_NEED_MORE)
        return MQTTS_ERR_PACKET_TRUNCATED;
    TRY(e);
    size_t body = len - 1 - used;
    if (rl > body)
        return MQTTS_ERR_PACKET_TRUNCATED;
    if (rl < body)
        return MQTTS_ERR_TRAILING_BYTES;

    mqtts_packet_type t = (mqtts_packet_type)(buf[0] >> 4);
    out->type = t;
    out->flags = buf[0] & 0x0Fu;
    TRY(check_type_and_flags(v, t, out->flags));

    rd r;
    mqtts__rd_init(&r, buf + 1 + used, rl, MQTTS_ERR_PACKET_TRUNCATED);
    switch (t) {
    case MQTTS_CONNACK: return decode_connack(&r, v, &out->u.connack);
    case MQTTS_PUBLISH: return decode_publish(&r, v, out->flags, &out->u.publish);
    case MQTTS_PUBACK:
    case MQTTS_PUBREC:
    case MQTTS_PUBREL:
    case MQTTS_PUBCOMP: return decode_ack(&r, v, t, &out->u.ack);
    case MQTTS_SUBACK:
    case MQTTS_UNSUBACK: return decode_suback(&r, v, t, &out->u.suback);
    case MQTTS_PINGRESP: return finish(&r);
    case MQTTS_DISCONNECT:
    case MQTTS_AUTH: return decode_reason_props(&r, v, t, &out->u.disconnect);
    default: return MQTTS_ERR_PACKET_TYPE_UNEXPECTED; /* excluded above */
    }
}
