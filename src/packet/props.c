/*
 * MQTT 5 properties (MQTT 5.0 section 2.2.2): one table says each property's
 * wire type and the packets it may appear in, and both directions are driven
 * by it, so the encoder and the decoder cannot disagree.
 */
#include "wire.h"

/* Where-bits: bit 0 is the will properties, bit N is packet type N. */
#define W (1u << MQTTS_WILL_PROPERTIES)
#define CN (1u << MQTTS_CONNECT)
#define CA (1u << MQTTS_CONNACK)
#define PB (1u << MQTTS_PUBLISH)
#define PA (1u << MQTTS_PUBACK)
#define RC (1u << MQTTS_PUBREC)
#define RL (1u << MQTTS_PUBREL)
#define PC (1u << MQTTS_PUBCOMP)
#define SB (1u << MQTTS_SUBSCRIBE)
#define SA (1u << MQTTS_SUBACK)
#define UN (1u << MQTTS_UNSUBSCRIBE)
#define UA (1u << MQTTS_UNSUBACK)
#define DC (1u << MQTTS_DISCONNECT)
#define AU (1u << MQTTS_AUTH)

#define MAX_PROP_ID MQTTS_PROP_SHARED_SUBSCRIPTION_AVAILABLE

typedef struct prop_info {
    uint16_t where;
    uint8_t type;
    uint8_t off; /* offset of the field in mqtts_props (single-valued ones) */
} prop_info;

#define P(id, where, type, field) [id] = {(where), (type), (uint8_t)offsetof(mqtts_props, field)}

static const prop_info prop_table[MAX_PROP_ID + 1] = {
    P(MQTTS_PROP_PAYLOAD_FORMAT_INDICATOR, PB | W, MQTTS_PTYPE_BYTE, payload_format_indicator),
    P(MQTTS_PROP_MESSAGE_EXPIRY_INTERVAL, PB | W, MQTTS_PTYPE_U32, message_expiry_interval),
    P(MQTTS_PROP_CONTENT_TYPE, PB | W, MQTTS_PTYPE_STRING, content_type),
    P(MQTTS_PROP_RESPONSE_TOPIC, PB | W, MQTTS_PTYPE_STRING, response_topic),
    P(MQTTS_PROP_CORRELATION_DATA, PB | W, MQTTS_PTYPE_BINARY, correlation_data),
    P(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER, PB | SB, MQTTS_PTYPE_VARINT, subscription_identifier),
    P(MQTTS_PROP_SESSION_EXPIRY_INTERVAL, CN | CA | DC, MQTTS_PTYPE_U32, session_expiry_interval),
    P(MQTTS_PROP_ASSIGNED_CLIENT_IDENTIFIER, CA, MQTTS_PTYPE_STRING, assigned_client_identifier),
    P(MQTTS_PROP_SERVER_KEEP_ALIVE, CA, MQTTS_PTYPE_U16, server_keep_alive),
    P(MQTTS_PROP_AUTHENTICATION_METHOD, CN | CA | AU, MQTTS_PTYPE_STRING, authentication_method),
    P(MQTTS_PROP_AUTHENTICATION_DATA, CN | CA | AU, MQTTS_PTYPE_BINARY, authentication_data),
    P(MQTTS_PROP_REQUEST_PROBLEM_INFORMATION, CN, MQTTS_PTYPE_BYTE, request_problem_information),
    P(MQTTS_PROP_WILL_DELAY_INTERVAL, W, MQTTS_PTYPE_U32, will_delay_interval),
    P(MQTTS_PROP_REQUEST_RESPONSE_INFORMATION, CN, MQTTS_PTYPE_BYTE, request_response_information),
    P(MQTTS_PROP_RESPONSE_INFORMATION, CA, MQTTS_PTYPE_STRING, response_information),
    P(MQTTS_PROP_SERVER_REFERENCE, CA | DC, MQTTS_PTYPE_STRING, server_reference),
    P(MQTTS_PROP_REASON_STRING, CA | PA | RC | RL | PC | SA | UA | DC | AU, MQTTS_PTYPE_STRING,
      reason_string),
    P(MQTTS_PROP_RECEIVE_MAXIMUM, CN | CA, MQTTS_PTYPE_U16, receive_maximum),
    P(MQTTS_PROP_TOPIC_ALIAS_MAXIMUM, CN | CA, MQTTS_PTYPE_U16, topic_alias_maximum),
    P(MQTTS_PROP_TOPIC_ALIAS, PB, MQTTS_PTYPE_U16, topic_alias),
    P(MQTTS_PROP_MAXIMUM_QOS, CA, MQTTS_PTYPE_BYTE, maximum_qos),
    P(MQTTS_PROP_RETAIN_AVAILABLE, CA, MQTTS_PTYPE_BYTE, retain_available),
    P(MQTTS_PROP_USER_PROPERTY, W | CN | CA | PB | PA | RC | RL | PC | SB | SA | UN | UA | DC | AU,
      MQTTS_PTYPE_STRING_PAIR, present /* no field: read them from raw */),
    P(MQTTS_PROP_MAXIMUM_PACKET_SIZE, CN | CA, MQTTS_PTYPE_U32, maximum_packet_size),
    P(MQTTS_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE, CA, MQTTS_PTYPE_BYTE,
      wildcard_subscription_available),
    P(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE, CA, MQTTS_PTYPE_BYTE,
      subscription_identifier_available),
    P(MQTTS_PROP_SHARED_SUBSCRIPTION_AVAILABLE, CA, MQTTS_PTYPE_BYTE, shared_subscription_available),
};

/* Strings are stored through the binary view: same layout, checked here. */
_Static_assert(sizeof(mqtts_str) == sizeof(mqtts_bin), "views share a layout");
_Static_assert(offsetof(mqtts_props, reason_string) < 256, "field offsets fit a byte");

mqtts_prop_type mqtts_prop_type_of(uint8_t id)
{
    return id <= MAX_PROP_ID ? (mqtts_prop_type)prop_table[id].type : MQTTS_PTYPE_NONE;
}

bool mqtts_prop_allowed(uint8_t id, uint8_t where)
{
    return id <= MAX_PROP_ID && where <= MQTTS_AUTH && (prop_table[id].where >> where) & 1u;
}

bool mqtts_prop_repeatable(uint8_t id, uint8_t where)
{
    if (!mqtts_prop_allowed(id, where))
        return false;
    return id == MQTTS_PROP_USER_PROPERTY ||
           (id == MQTTS_PROP_SUBSCRIPTION_IDENTIFIER && where == MQTTS_PUBLISH);
}

/* Copy a single-valued property between its field and a mqtts_property. */
static void field_load(const mqtts_props *p, uint8_t id, mqtts_property *pr)
{
    const unsigned char *f = (const unsigned char *)p + prop_table[id].off;
    memset(pr, 0, sizeof *pr);
    pr->id = id;
    pr->type = mqtts_prop_type_of(id);
    switch (pr->type) {
    case MQTTS_PTYPE_BYTE: pr->num = *f; break;
    case MQTTS_PTYPE_U16: { uint16_t v; memcpy(&v, f, sizeof v); pr->num = v; break; }
    case MQTTS_PTYPE_U32:
    case MQTTS_PTYPE_VARINT: memcpy(&pr->num, f, sizeof pr->num); break;
    case MQTTS_PTYPE_STRING:
    case MQTTS_PTYPE_BINARY: memcpy(&pr->bin, f, sizeof pr->bin); break;
    default: break;
    }
}

static void field_store(mqtts_props *p, const mqtts_property *pr)
{
    unsigned char *f = (unsigned char *)p + prop_table[pr->id].off;
    switch (pr->type) {
    case MQTTS_PTYPE_BYTE: *f = (uint8_t)pr->num; break;
    case MQTTS_PTYPE_U16: { uint16_t v = (uint16_t)pr->num; memcpy(f, &v, sizeof v); break; }
    case MQTTS_PTYPE_U32:
    case MQTTS_PTYPE_VARINT: memcpy(f, &pr->num, sizeof pr->num); break;
    case MQTTS_PTYPE_STRING:
    case MQTTS_PTYPE_BINARY: memcpy(f, &pr->bin, sizeof pr->bin); break;
    default: break;
    }
}

/* The value rules of section 3 that hold in both directions. */
static mqtts_err check_value(const mqtts_property *pr)
{
    switch (pr->id) {
    case MQTTS_PROP_TOPIC_ALIAS:
        return pr->num == 0 ? MQTTS_ERR_TOPIC_ALIAS_ZERO : MQTTS_OK;
    case MQTTS_PROP_SUBSCRIPTION_IDENTIFIER:
        if (pr->num == 0)
            return MQTTS_ERR_SUBSCRIPTION_ID_ZERO;
        break; /* and the varint range below */
    case MQTTS_PROP_RECEIVE_MAXIMUM:
    case MQTTS_PROP_MAXIMUM_PACKET_SIZE:
        return pr->num == 0 ? MQTTS_ERR_PROPERTY_VALUE : MQTTS_OK;
    case MQTTS_PROP_RESPONSE_TOPIC:
        return mqtts__check_topic_name((const char *)pr->bin.ptr, pr->bin.len, false);
    default:
        break;
    }
    switch (pr->type) {
    case MQTTS_PTYPE_BYTE:
        /* Every byte property is a 0/1 flag (Maximum QoS is 0 or 1 too). */
        return pr->num > 1 ? MQTTS_ERR_PROPERTY_VALUE : MQTTS_OK;
    case MQTTS_PTYPE_VARINT:
        return pr->num > MQTTS_VARINT_MAX ? MQTTS_ERR_PROPERTY_VALUE : MQTTS_OK;
    case MQTTS_PTYPE_STRING:
        return mqtts__check_string(pr->bin.ptr, pr->bin.len);
    case MQTTS_PTYPE_BINARY:
        return mqtts__check_binary(pr->bin.ptr, pr->bin.len);
    case MQTTS_PTYPE_STRING_PAIR: {
        mqtts_err e = mqtts__check_string(pr->bin.ptr, pr->bin.len);
        return e != MQTTS_OK ? e : mqtts__check_string(pr->value.ptr, pr->value.len);
    }
    default:
        return MQTTS_OK;
    }
}

/* Read one property's value of type pr->type. */
static void read_value(rd *r, mqtts_property *pr)
{
    switch (pr->type) {
    case MQTTS_PTYPE_BYTE: pr->num = mqtts__rd_u8(r); break;
    case MQTTS_PTYPE_U16: pr->num = mqtts__rd_u16(r); break;
    case MQTTS_PTYPE_U32: pr->num = mqtts__rd_u32(r); break;
    case MQTTS_PTYPE_VARINT: pr->num = mqtts__rd_varint(r); break;
    case MQTTS_PTYPE_STRING_PAIR:
        pr->bin = mqtts__rd_lp(r);
        pr->value = mqtts__rd_lp(r);
        break;
    default: /* STRING, BINARY */
        pr->bin = mqtts__rd_lp(r);
        break;
    }
}

static void write_value(wr *w, const mqtts_property *pr)
{
    mqtts__wr_u8(w, pr->id);
    switch (pr->type) {
    case MQTTS_PTYPE_BYTE: mqtts__wr_u8(w, (uint8_t)pr->num); break;
    case MQTTS_PTYPE_U16: mqtts__wr_u16(w, (uint16_t)pr->num); break;
    case MQTTS_PTYPE_U32: mqtts__wr_u32(w, pr->num); break;
    case MQTTS_PTYPE_VARINT: mqtts__wr_varint(w, pr->num); break;
    case MQTTS_PTYPE_STRING_PAIR:
        mqtts__wr_lp(w, pr->bin.ptr, pr->bin.len);
        mqtts__wr_lp(w, pr->value.ptr, pr->value.len);
        break;
    default:
        mqtts__wr_lp(w, pr->bin.ptr, pr->bin.len);
        break;
    }
}

/* Write (or measure) the properties themselves, without the length. */
static mqtts_err write_props(const mqtts_props *p, uint8_t where, wr *w)
{
    mqtts_property pr;
    for (uint8_t id = 0; id <= 63; id++) {
        if (!prop_has(p, id) || id == MQTTS_PROP_USER_PROPERTY)
            continue;
        if (mqtts_prop_type_of(id) == MQTTS_PTYPE_NONE)
            return MQTTS_ERR_PROPERTY_UNKNOWN;
        if (!mqtts_prop_allowed(id, where))
            return MQTTS_ERR_PROPERTY_NOT_ALLOWED;
        field_load(p, id, &pr);
        mqtts_err e = check_value(&pr);
        if (e != MQTTS_OK)
            return e;
        write_value(w, &pr);
    }
    if (p->user_count == 0)
        return MQTTS_OK;
    if (!mqtts_prop_allowed(MQTTS_PROP_USER_PROPERTY, where))
        return MQTTS_ERR_PROPERTY_NOT_ALLOWED;
    pr.id = MQTTS_PROP_USER_PROPERTY;
    pr.type = MQTTS_PTYPE_STRING_PAIR;
    if (p->user != NULL) {
        for (size_t i = 0; i < p->user_count; i++) {
            pr.bin = mqtts_bytes(p->user[i].name.ptr, p->user[i].name.len);
            pr.value = mqtts_bytes(p->user[i].value.ptr, p->user[i].value.len);
            mqtts_err e = check_value(&pr);
            if (e != MQTTS_OK)
                return e;
            write_value(w, &pr);
        }
        return MQTTS_OK;
    }
    /* A decoded block re-encodes with its user properties, read from raw. */
    size_t pos = 0, n = 0;
    mqtts_property q;
    while (mqtts_prop_next(p, &pos, &q)) {
        if (q.id == MQTTS_PROP_USER_PROPERTY) {
            write_value(w, &q);
            n++;
        }
    }
    return n == p->user_count ? MQTTS_OK : MQTTS_ERR_INVALID_ARGUMENT;
}

/* The block as it goes in a packet: varint length, then the properties. */
mqtts_err mqtts__props_write_block(const mqtts_props *p, uint8_t where, wr *w)
{
    wr measure = {NULL, 0, 0};
    mqtts_err e = write_props(p, where, &measure);
    if (e != MQTTS_OK)
        return e;
    if (measure.pos > MQTTS_VARINT_MAX)
        return MQTTS_ERR_PACKET_TOO_LARGE;
    mqtts__wr_varint(w, (uint32_t)measure.pos);
    if (!w->buf) { /* only measuring: the size is all there is to learn */
        w->pos += measure.pos;
        return MQTTS_OK;
    }
    return write_props(p, where, w);
}

mqtts_err mqtts_props_encode(const mqtts_props *props, uint8_t where,
                             uint8_t *buf, size_t cap, size_t *len)
{
    wr w = {buf, cap, 0};
    if (!props || !len)
        return MQTTS_ERR_INVALID_ARGUMENT;
    mqtts_err e = mqtts__props_write_block(props, where, &w);
    return e != MQTTS_OK ? e : mqtts__wr_finish(&w, len);
}

static void store(mqtts_props *p, const mqtts_property *pr)
{
    /* Keep the first subscription identifier; mqtts_prop_next() has the rest. */
    if (pr->id == MQTTS_PROP_SUBSCRIPTION_IDENTIFIER && p->sub_id_count++ > 0)
        return;
    field_store(p, pr);
}

/* Decode the properties in r (a reader over exactly the block). */
static mqtts_err read_props(rd *r, uint8_t where, mqtts_props *p)
{
    while (rd_left(r) > 0) {
        mqtts_property pr;
        memset(&pr, 0, sizeof pr);
        uint32_t id = mqtts__rd_varint(r);
        if (r->err != MQTTS_OK)
            return r->err;
        pr.type = mqtts_prop_type_of(id > 0xFFu ? 0 : (uint8_t)id);
        if (pr.type == MQTTS_PTYPE_NONE)
            return MQTTS_ERR_PROPERTY_UNKNOWN;
        pr.id = (uint8_t)id;
        if (!mqtts_prop_allowed(pr.id, where))
            return MQTTS_ERR_PROPERTY_NOT_ALLOWED;
        if (prop_has(p, pr.id) && !mqtts_prop_repeatable(pr.id, where))
            return MQTTS_ERR_PROPERTY_DUPLICATE;
        read_value(r, &pr);
        if (r->err != MQTTS_OK)
            return r->err;
        mqtts_err e = check_value(&pr);
        if (e != MQTTS_OK)
            return e;
        prop_set(p, pr.id);
        if (pr.id == MQTTS_PROP_USER_PROPERTY)
            p->user_count++;
        else
            store(p, &pr);
    }
    return MQTTS_OK;
}

mqtts_err mqtts_props_decode(const uint8_t *buf, size_t len, uint8_t where,
                             mqtts_props *props, size_t *used)
{
    if (!props || !used || (len > 0 && !buf))
        return MQTTS_ERR_INVALID_ARGUMENT;
    rd r;
    mqtts__rd_init(&r, buf, len, MQTTS_ERR_PACKET_TRUNCATED);
    mqtts_err e = mqtts__props_read_block(&r, where, props);
    *used = r.pos;
    return e;
}

mqtts_err mqtts__props_read_block(rd *r, uint8_t where, mqtts_props *p)
{
    memset(p, 0, sizeof *p);
    uint32_t n = mqtts__rd_varint(r);
    if (r->err != MQTTS_OK)
        return r->err;
    if (n > rd_left(r)) {
        rd_fail(r, MQTTS_ERR_PACKET_TRUNCATED);
        return r->err;
    }
    rd block;
    mqtts__rd_init(&block, r->p + r->pos, n, MQTTS_ERR_PROPERTY_TRUNCATED);
    r->pos += n;
    p->raw = mqtts_bytes(block.p, n);
    mqtts_err e = read_props(&block, where, p);
    rd_fail(r, e);
    return e;
}

bool mqtts_prop_next(const mqtts_props *props, size_t *pos, mqtts_property *out)
{
    rd r;
    if (!props || !pos || *pos >= props->raw.len)
        return false;
    mqtts__rd_init(&r, props->raw.ptr, props->raw.len, MQTTS_ERR_PROPERTY_TRUNCATED);
    r.pos = *pos;
    memset(out, 0, sizeof *out);
    uint32_t id = mqtts__rd_varint(&r);
    out->id = (uint8_t)id;
    out->type = mqtts_prop_type_of(out->id);
    if (r.err != MQTTS_OK || id > 0xFFu || out->type == MQTTS_PTYPE_NONE)
        return false; /* not a block from mqtts_props_decode() */
    read_value(&r, out);
    if (r.err != MQTTS_OK)
        return false;
    *pos = r.pos;
    return true;
}
