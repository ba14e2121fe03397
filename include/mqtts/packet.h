/*
 * mqtts/packet.h - the MQTT 3.1.1 and 5.0 packet codec, for a client.
 *
 * How to use it
 * -------------
 * The codec turns packet structs into bytes and bytes into packet structs.
 * It does no I/O and allocates nothing:
 *
 *   - Encoding writes into a buffer the caller gives. Every encoder has the
 *     same shape:
 *
 *         mqtts_err mqtts_encode_X(mqtts_version v, const X *p,
 *                                  uint8_t *buf, size_t cap, size_t *len);
 *
 *     On MQTTS_OK, *len is the number of bytes written. When cap is too small
 *     the result is MQTTS_ERR_BUFFER_TOO_SMALL and *len is the exact size
 *     needed, so "size, then encode" is one function called twice
 *     (buf may be NULL when cap is 0). Nothing is written on failure beyond
 *     cap.
 *
 *   - Decoding takes one whole packet (as delimited by mqtts_frame()) and
 *     fills a struct whose strings and binary fields are VIEWS into the input
 *     buffer: they stay valid only as long as that buffer is unchanged.
 *
 *   - Framing: mqtts_frame() looks at the start of a byte stream that may
 *     have arrived in pieces, down to one byte at a time, and says whether a
 *     whole packet is there and how long it is.
 *
 * Decoding is strict: everything the specification says a client MUST
 * reject is rejected with its own mqtts_err (see error.h), and nothing is
 * read outside [buf, buf + len). A packet that a client never receives
 * (CONNECT, SUBSCRIBE, UNSUBSCRIBE, PINGREQ, and DISCONNECT in 3.1.1) is
 * MQTTS_ERR_PACKET_TYPE_UNEXPECTED; AUTH in 3.1.1 is a reserved type.
 * Rules that are about who sends what are applied in both directions: a
 * server DISCONNECT with a Session Expiry Interval [MQTT-3.14.2-2] is refused
 * when decoded, and a client PUBLISH with a Subscription Identifier
 * [MQTT-3.3.4-6] is refused when encoded (MQTTS_ERR_PROPERTY_NOT_ALLOWED),
 * though mqtts_prop_allowed() and mqtts_props_encode() follow the property
 * table, which allows both.
 *
 * The encoders check what they write as the decoders check what they read:
 * topics, filters and string properties must be valid UTF-8, a Response
 * Topic must be a valid topic name (MQTTS_ERR_TOPIC_EMPTY or
 * MQTTS_ERR_TOPIC_WILDCARD otherwise), numeric properties must be in range.
 *
 * Example: encode a QoS 1 PUBLISH
 *
 *     mqtts_publish pub = {0};
 *     pub.topic = mqtts_cstr("sensors/t1");
 *     pub.payload = mqtts_bytes("21.5", 4);
 *     pub.qos = 1;
 *     pub.packet_id = 7;
 *     uint8_t buf[64];
 *     size_t n;
 *     if (mqtts_encode_publish(MQTTS_V5, &pub, buf, sizeof buf, &n) == MQTTS_OK)
 *         send(sock, buf, n, 0);
 *
 * MQTT 5 properties
 * -----------------
 * mqtts_props holds every property of a packet. A property that may appear at
 * most once is a field plus a bit in `present` (MQTTS_PROP_BIT(id)); the
 * encoder writes exactly the properties whose bit is set, in identifier
 * order, then the user properties in array order. After decoding, `raw` is
 * the whole property block: mqtts_prop_next() walks it in wire order, which is
 * how repeated properties (user properties, several subscription identifiers
 * in a PUBLISH) are read in their order.
 */
#ifndef MQTTS_PACKET_H
#define MQTTS_PACKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "mqtts/error.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Largest remaining length the 4-byte varint can carry. */
#define MQTTS_MAX_REMAINING_LENGTH 268435455u
/* Largest fixed header: 1 type byte + a 4-byte remaining length. */
#define MQTTS_FIXED_HEADER_MAX 5u
/* Largest value of a variable byte integer (also the largest subscription id). */
#define MQTTS_VARINT_MAX 268435455u

typedef enum mqtts_version {
    MQTTS_V311 = 4, /* MQTT 3.1.1: protocol level 4 */
    MQTTS_V5 = 5,   /* MQTT 5.0: protocol level 5 */
} mqtts_version;

typedef enum mqtts_packet_type {
    MQTTS_CONNECT = 1,
    MQTTS_CONNACK = 2,
    MQTTS_PUBLISH = 3,
    MQTTS_PUBACK = 4,
    MQTTS_PUBREC = 5,
    MQTTS_PUBREL = 6,
    MQTTS_PUBCOMP = 7,
    MQTTS_SUBSCRIBE = 8,
    MQTTS_SUBACK = 9,
    MQTTS_UNSUBSCRIBE = 10,
    MQTTS_UNSUBACK = 11,
    MQTTS_PINGREQ = 12,
    MQTTS_PINGRESP = 13,
    MQTTS_DISCONNECT = 14,
    MQTTS_AUTH = 15, /* MQTT 5 only */
} mqtts_packet_type;

/* "Where" a property block sits, for mqtts_props_encode/decode: a packet
 * type, or this value for the will properties inside CONNECT. */
#define MQTTS_WILL_PROPERTIES 0

/* A view of bytes owned by someone else. */
typedef struct mqtts_bin {
    const uint8_t *ptr;
    size_t len;
} mqtts_bin;

/* A view of a UTF-8 string owned by someone else; not NUL-terminated. */
typedef struct mqtts_str {
    const char *ptr;
    size_t len;
} mqtts_str;

static inline mqtts_str mqtts_cstr(const char *s)
{
    mqtts_str r;
    r.ptr = s;
    r.len = s ? strlen(s) : 0;
    return r;
}

static inline mqtts_bin mqtts_bytes(const void *p, size_t len)
{
    mqtts_bin r;
    r.ptr = (const uint8_t *)p;
    r.len = len;
    return r;
}

/* ---------------------------------------------------------------------- */
/* Reason codes (MQTT 5.0 section 2.4; 3.1.1 CONNACK return codes 0-5 and
 * SUBACK 0x80 share these numbers where they mean the same). */
typedef enum mqtts_reason {
    MQTTS_RC_SUCCESS = 0x00, /* also Normal disconnection, Granted QoS 0 */
    MQTTS_RC_GRANTED_QOS_1 = 0x01,
    MQTTS_RC_GRANTED_QOS_2 = 0x02,
    MQTTS_RC_DISCONNECT_WITH_WILL = 0x04,
    MQTTS_RC_NO_MATCHING_SUBSCRIBERS = 0x10,
    MQTTS_RC_NO_SUBSCRIPTION_EXISTED = 0x11,
    MQTTS_RC_CONTINUE_AUTHENTICATION = 0x18,
    MQTTS_RC_REAUTHENTICATE = 0x19,
    MQTTS_RC_UNSPECIFIED_ERROR = 0x80,
    MQTTS_RC_MALFORMED_PACKET = 0x81,
    MQTTS_RC_PROTOCOL_ERROR = 0x82,
    MQTTS_RC_IMPLEMENTATION_SPECIFIC_ERROR = 0x83,
    MQTTS_RC_UNSUPPORTED_PROTOCOL_VERSION = 0x84,
    MQTTS_RC_CLIENT_IDENTIFIER_NOT_VALID = 0x85,
    MQTTS_RC_BAD_USER_NAME_OR_PASSWORD = 0x86,
    MQTTS_RC_NOT_AUTHORIZED = 0x87,
    MQTTS_RC_SERVER_UNAVAILABLE = 0x88,
    MQTTS_RC_SERVER_BUSY = 0x89,
    MQTTS_RC_BANNED = 0x8A,
    MQTTS_RC_SERVER_SHUTTING_DOWN = 0x8B,
    MQTTS_RC_BAD_AUTHENTICATION_METHOD = 0x8C,
    MQTTS_RC_KEEP_ALIVE_TIMEOUT = 0x8D,
    MQTTS_RC_SESSION_TAKEN_OVER = 0x8E,
    MQTTS_RC_TOPIC_FILTER_INVALID = 0x8F,
    MQTTS_RC_TOPIC_NAME_INVALID = 0x90,
    MQTTS_RC_PACKET_IDENTIFIER_IN_USE = 0x91,
    MQTTS_RC_PACKET_IDENTIFIER_NOT_FOUND = 0x92,
    MQTTS_RC_RECEIVE_MAXIMUM_EXCEEDED = 0x93,
    MQTTS_RC_TOPIC_ALIAS_INVALID = 0x94,
    MQTTS_RC_PACKET_TOO_LARGE = 0x95,
    MQTTS_RC_MESSAGE_RATE_TOO_HIGH = 0x96,
    MQTTS_RC_QUOTA_EXCEEDED = 0x97,
    MQTTS_RC_ADMINISTRATIVE_ACTION = 0x98,
    MQTTS_RC_PAYLOAD_FORMAT_INVALID = 0x99,
    MQTTS_RC_RETAIN_NOT_SUPPORTED = 0x9A,
    MQTTS_RC_QOS_NOT_SUPPORTED = 0x9B,
    MQTTS_RC_USE_ANOTHER_SERVER = 0x9C,
    MQTTS_RC_SERVER_MOVED = 0x9D,
    MQTTS_RC_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED = 0x9E,
    MQTTS_RC_CONNECTION_RATE_EXCEEDED = 0x9F,
    MQTTS_RC_MAXIMUM_CONNECT_TIME = 0xA0,
    MQTTS_RC_SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED = 0xA1,
    MQTTS_RC_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED = 0xA2,
} mqtts_reason;

/* MQTT 3.1.1 CONNACK return codes (section 3.2.2.3). */
#define MQTTS_V311_CONNACK_ACCEPTED 0
#define MQTTS_V311_CONNACK_BAD_PROTOCOL_VERSION 1
#define MQTTS_V311_CONNACK_IDENTIFIER_REJECTED 2
#define MQTTS_V311_CONNACK_SERVER_UNAVAILABLE 3
#define MQTTS_V311_CONNACK_BAD_USERNAME_OR_PASSWORD 4
#define MQTTS_V311_CONNACK_NOT_AUTHORIZED 5
/* MQTT 3.1.1 SUBACK failure return code. */
#define MQTTS_V311_SUBACK_FAILURE 0x80

/* The specification's name of a reason code as it appears in packet type t
 * ("Success", "Normal disconnection", "Granted QoS 0", "Not authorized",
 * and for 3.1.1 CONNACK "Connection Refused, bad user name or password").
 * A code that is not defined for that packet gives "Unknown reason code". */
const char *mqtts_reason_name(mqtts_version v, mqtts_packet_type t, uint8_t code);

/* Whether the server may send `code` in packet type t (CONNACK, PUBACK,
 * PUBREC, PUBREL, PUBCOMP, SUBACK, UNSUBACK, DISCONNECT, AUTH), per MQTT 5.0
 * Table 2-6 and the "Sent by" columns of the DISCONNECT and AUTH tables: a
 * server never sends DISCONNECT 0x04 (Disconnect with Will Message) nor AUTH
 * 0x19 (Re-authenticate). DISCONNECT 0x8C (Bad authentication method) is
 * accepted as Table 2-6 lists it. In 3.1.1: CONNACK 0-5, SUBACK 0, 1, 2 and
 * 0x80, and 0 for the acks that carry no code (PUBACK..PUBCOMP, UNSUBACK).
 * The encoders apply the client's side of the same tables: a code the client
 * may not send is MQTTS_ERR_REASON_CODE_INVALID. */
bool mqtts_reason_allowed(mqtts_version v, mqtts_packet_type t, uint8_t code);

/* ---------------------------------------------------------------------- */
/* MQTT 5 properties (section 2.2.2.2). */
typedef enum mqtts_prop_id {
    MQTTS_PROP_PAYLOAD_FORMAT_INDICATOR = 0x01,
    MQTTS_PROP_MESSAGE_EXPIRY_INTERVAL = 0x02,
    MQTTS_PROP_CONTENT_TYPE = 0x03,
    MQTTS_PROP_RESPONSE_TOPIC = 0x08,
    MQTTS_PROP_CORRELATION_DATA = 0x09,
    MQTTS_PROP_SUBSCRIPTION_IDENTIFIER = 0x0B,
    MQTTS_PROP_SESSION_EXPIRY_INTERVAL = 0x11,
    MQTTS_PROP_ASSIGNED_CLIENT_IDENTIFIER = 0x12,
    MQTTS_PROP_SERVER_KEEP_ALIVE = 0x13,
    MQTTS_PROP_AUTHENTICATION_METHOD = 0x15,
    MQTTS_PROP_AUTHENTICATION_DATA = 0x16,
    MQTTS_PROP_REQUEST_PROBLEM_INFORMATION = 0x17,
    MQTTS_PROP_WILL_DELAY_INTERVAL = 0x18,
    MQTTS_PROP_REQUEST_RESPONSE_INFORMATION = 0x19,
    MQTTS_PROP_RESPONSE_INFORMATION = 0x1A,
    MQTTS_PROP_SERVER_REFERENCE = 0x1C,
    MQTTS_PROP_REASON_STRING = 0x1F,
    MQTTS_PROP_RECEIVE_MAXIMUM = 0x21,
    MQTTS_PROP_TOPIC_ALIAS_MAXIMUM = 0x22,
    MQTTS_PROP_TOPIC_ALIAS = 0x23,
    MQTTS_PROP_MAXIMUM_QOS = 0x24,
    MQTTS_PROP_RETAIN_AVAILABLE = 0x25,
    MQTTS_PROP_USER_PROPERTY = 0x26,
    MQTTS_PROP_MAXIMUM_PACKET_SIZE = 0x27,
    MQTTS_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE = 0x28,
    MQTTS_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE = 0x29,
    MQTTS_PROP_SHARED_SUBSCRIPTION_AVAILABLE = 0x2A,
} mqtts_prop_id;

/* The wire type of a property value (section 1.5). */
typedef enum mqtts_prop_type {
    MQTTS_PTYPE_NONE = 0, /* not a defined property */
    MQTTS_PTYPE_BYTE,
    MQTTS_PTYPE_U16,
    MQTTS_PTYPE_U32,
    MQTTS_PTYPE_VARINT,
    MQTTS_PTYPE_STRING,
    MQTTS_PTYPE_BINARY,
    MQTTS_PTYPE_STRING_PAIR,
} mqtts_prop_type;

#define MQTTS_PROP_BIT(id) ((uint64_t)1 << (id))

typedef struct mqtts_user_property {
    mqtts_str name;
    mqtts_str value;
} mqtts_user_property;

typedef struct mqtts_props {
    /* MQTTS_PROP_BIT(id) for each single-valued property that is set.
     * After decoding, the bits of MQTTS_PROP_USER_PROPERTY and
     * MQTTS_PROP_SUBSCRIPTION_IDENTIFIER are also set when there is at least
     * one; the counts below say how many. The encoder ignores the user
     * property bit (user_count decides). */
    uint64_t present;

    uint32_t message_expiry_interval;
    uint32_t subscription_identifier; /* the first one, when sub_id_count > 0 */
    uint32_t session_expiry_interval;
    uint32_t will_delay_interval;
    uint32_t maximum_packet_size;
    uint16_t server_keep_alive;
    uint16_t receive_maximum;
    uint16_t topic_alias_maximum;
    uint16_t topic_alias;
    uint8_t payload_format_indicator;
    uint8_t request_problem_information;
    uint8_t request_response_information;
    uint8_t maximum_qos;
    uint8_t retain_available;
    uint8_t wildcard_subscription_available;
    uint8_t subscription_identifier_available;
    uint8_t shared_subscription_available;

    mqtts_str content_type;
    mqtts_str response_topic;
    mqtts_bin correlation_data;
    mqtts_str assigned_client_identifier;
    mqtts_str authentication_method;
    mqtts_bin authentication_data;
    mqtts_str response_information;
    mqtts_str server_reference;
    mqtts_str reason_string;

    /* Encode: written in this order, after the other properties.
     * Decode: user is NULL, user_count says how many; read them in order
     * with mqtts_prop_next(). A decoded block re-encodes with its user
     * properties (they are taken from raw when user is NULL). */
    const mqtts_user_property *user;
    uint16_t user_count;

    /* Decode: how many subscription identifiers there were (a PUBLISH that
     * matched several subscriptions has one for each). Encode: ignored; set
     * the bit and the field above. */
    uint16_t sub_id_count;

    /* Decode: the whole property block (without its length), for
     * mqtts_prop_next(). Encode: read only for the user properties of a
     * decoded block, when user is NULL and user_count > 0. */
    mqtts_bin raw;
} mqtts_props;

/* One property, as mqtts_prop_next() hands it out. */
typedef struct mqtts_property {
    uint8_t id;
    mqtts_prop_type type;
    uint32_t num;    /* BYTE, U16, U32 and VARINT values */
    mqtts_bin bin;   /* STRING and BINARY values; a STRING_PAIR's name */
    mqtts_bin value; /* a STRING_PAIR's value */
} mqtts_property;

/* Walk a decoded property block in wire order. Start with *pos = 0; returns
 * true and fills *out for each property, false at the end. The block was
 * validated when it was decoded, so there are no errors here. */
bool mqtts_prop_next(const mqtts_props *props, size_t *pos, mqtts_property *out);

/* The specification's name of a property ("Receive Maximum"), or NULL. */
const char *mqtts_prop_name(uint8_t id);
/* The wire type of a property, MQTTS_PTYPE_NONE for an undefined id. */
mqtts_prop_type mqtts_prop_type_of(uint8_t id);
/* Whether property `id` may appear in packet type `where` (or
 * MQTTS_WILL_PROPERTIES), and whether it may appear more than once there. */
bool mqtts_prop_allowed(uint8_t id, uint8_t where);
bool mqtts_prop_repeatable(uint8_t id, uint8_t where);

/* Encode a property block (its varint length, then the properties) as it
 * appears in packet type `where`. Same buffer contract as the encoders. */
mqtts_err mqtts_props_encode(const mqtts_props *props, uint8_t where,
                             uint8_t *buf, size_t cap, size_t *len);
/* Decode a property block (its varint length, then the properties) from
 * buf[0..len), checking each property against `where`. *used is the number
 * of bytes the block took. */
mqtts_err mqtts_props_decode(const uint8_t *buf, size_t len, uint8_t where,
                             mqtts_props *props, size_t *used);

/* ---------------------------------------------------------------------- */
/* Packets the client sends. */

typedef struct mqtts_will {
    mqtts_str topic;
    mqtts_bin payload;
    uint8_t qos;
    bool retain;
    mqtts_props props; /* v5 will properties */
} mqtts_will;

typedef struct mqtts_connect {
    bool clean_start;       /* "clean session" in 3.1.1 */
    uint16_t keep_alive;    /* seconds, 0 = off */
    mqtts_str client_id;    /* may be empty */
    mqtts_str username;     /* .ptr == NULL: no user name */
    mqtts_bin password;     /* .ptr == NULL: no password */
    const mqtts_will *will; /* NULL: no will */
    mqtts_props props;
} mqtts_connect;

typedef struct mqtts_publish {
    uint8_t qos;
    bool retain;
    bool dup;
    uint16_t packet_id; /* required for QoS 1 and 2, absent for QoS 0 */
    mqtts_str topic;    /* may be empty in v5 when props carry a topic alias */
    mqtts_bin payload;
    mqtts_props props;
} mqtts_publish;

/* PUBACK, PUBREC, PUBREL, PUBCOMP. */
typedef struct mqtts_ack {
    uint16_t packet_id;
    uint8_t reason; /* v5 only; 3.1.1 has none */
    mqtts_props props;
} mqtts_ack;

typedef struct mqtts_subscription {
    mqtts_str filter;
    uint8_t qos;
    bool no_local;            /* v5 */
    bool retain_as_published; /* v5 */
    uint8_t retain_handling;  /* v5: 0 send, 1 send if new, 2 do not send;
                                 3 is MQTTS_ERR_INVALID_ARGUMENT */
} mqtts_subscription;

typedef struct mqtts_subscribe {
    uint16_t packet_id;
    const mqtts_subscription *subs;
    size_t count; /* at least 1 */
    mqtts_props props;
} mqtts_subscribe;

typedef struct mqtts_unsubscribe {
    uint16_t packet_id;
    const mqtts_str *filters;
    size_t count; /* at least 1 */
    mqtts_props props;
} mqtts_unsubscribe;

/* DISCONNECT (v5 carries a reason and properties) and AUTH (v5 only). */
typedef struct mqtts_disconnect {
    uint8_t reason;
    mqtts_props props;
} mqtts_disconnect;

typedef mqtts_disconnect mqtts_auth;

mqtts_err mqtts_encode_connect(mqtts_version v, const mqtts_connect *p,
                               uint8_t *buf, size_t cap, size_t *len);
mqtts_err mqtts_encode_publish(mqtts_version v, const mqtts_publish *p,
                               uint8_t *buf, size_t cap, size_t *len);
/* Everything of a PUBLISH but the payload bytes (the remaining length does
 * count p->payload.len): send this, then the payload from where it is, so a
 * payload is never copied. p->payload.ptr may be NULL here. */
mqtts_err mqtts_encode_publish_header(mqtts_version v, const mqtts_publish *p,
                                      uint8_t *buf, size_t cap, size_t *len);
/* type: MQTTS_PUBACK, MQTTS_PUBREC, MQTTS_PUBREL or MQTTS_PUBCOMP. A v5 ack
 * with reason 0 and no properties is written in its short form (2 bytes of
 * remaining length), one with only a reason in 3 bytes. */
mqtts_err mqtts_encode_ack(mqtts_version v, mqtts_packet_type type, const mqtts_ack *p,
                           uint8_t *buf, size_t cap, size_t *len);
mqtts_err mqtts_encode_subscribe(mqtts_version v, const mqtts_subscribe *p,
                                 uint8_t *buf, size_t cap, size_t *len);
mqtts_err mqtts_encode_unsubscribe(mqtts_version v, const mqtts_unsubscribe *p,
                                   uint8_t *buf, size_t cap, size_t *len);
mqtts_err mqtts_encode_pingreq(uint8_t *buf, size_t cap, size_t *len);
/* p may be NULL (normal disconnection). v5: reason 0 with no properties is
 * written with remaining length 0, a reason without properties with
 * remaining length 1. 3.1.1: always 2 bytes, p must carry nothing. */
mqtts_err mqtts_encode_disconnect(mqtts_version v, const mqtts_disconnect *p,
                                  uint8_t *buf, size_t cap, size_t *len);
/* v5 only. A client sends reason 0x18 (Continue authentication) or 0x19
 * (Re-authenticate), always with its property length; the properties should
 * carry the Authentication Method (that is the caller's to give). */
mqtts_err mqtts_encode_auth(mqtts_version v, const mqtts_auth *p,
                            uint8_t *buf, size_t cap, size_t *len);

/* ---------------------------------------------------------------------- */
/* Packets the client receives. */

typedef struct mqtts_connack {
    bool session_present;
    uint8_t reason; /* v5 reason code, or the 3.1.1 return code 0-5 */
    mqtts_props props;
} mqtts_connack;

/* SUBACK and UNSUBACK: one reason code per filter, in the order sent.
 * A 3.1.1 UNSUBACK has none (reasons.len == 0). */
typedef struct mqtts_suback {
    uint16_t packet_id;
    mqtts_bin reasons;
    mqtts_props props;
} mqtts_suback;

typedef struct mqtts_packet {
    mqtts_packet_type type;
    uint8_t flags; /* the fixed header's low 4 bits */
    union {
        mqtts_connack connack;
        mqtts_publish publish;
        mqtts_ack ack;          /* PUBACK, PUBREC, PUBREL, PUBCOMP */
        mqtts_suback suback;    /* SUBACK, UNSUBACK */
        mqtts_disconnect disconnect;
        mqtts_auth auth;
    } u;
} mqtts_packet;

/* Decode one whole packet buf[0..len) (fixed header included) as received by
 * a client speaking version v. On success *out holds views into buf. */
mqtts_err mqtts_decode(mqtts_version v, const uint8_t *buf, size_t len, mqtts_packet *out);

/* Framing. Looks at the first len bytes of a stream:
 *   MQTTS_OK         a whole packet is there; *packet_len is its size
 *                    (fixed header included);
 *   MQTTS_NEED_MORE  not yet; *packet_len is the total size when the fixed
 *                    header is complete, 0 while it is not;
 *   MQTTS_ERR_VARINT_TOO_LONG, MQTTS_ERR_VARINT_NOT_MINIMAL: a bad header;
 *   MQTTS_ERR_PACKET_TOO_LARGE: larger than max_len (0 = no limit but the
 *                    protocol's).
 * It reads at most MQTTS_FIXED_HEADER_MAX bytes: feeding more bytes later
 * costs nothing extra. */
mqtts_err mqtts_frame(const uint8_t *buf, size_t len, uint32_t max_len, size_t *packet_len);

/* Variable byte integers (section 1.5.5 of MQTT 5, 2.2.3 of 3.1.1).
 * encode: writes 1-4 bytes to out (which holds at least 4) and returns how
 * many, or 0 when value > MQTTS_VARINT_MAX.
 * decode: MQTTS_OK with *value and *used, MQTTS_NEED_MORE when buf ends
 * inside the integer, or MQTTS_ERR_VARINT_TOO_LONG / _NOT_MINIMAL. */
size_t mqtts_varint_encode(uint32_t value, uint8_t *out);
size_t mqtts_varint_size(uint32_t value);
mqtts_err mqtts_varint_decode(const uint8_t *buf, size_t len, uint32_t *value, size_t *used);

/* ---------------------------------------------------------------------- */
/* Strings and topics. */

/* A well-formed MQTT UTF-8 string: valid UTF-8 (no overlong forms, no
 * surrogates, nothing above U+10FFFF) without U+0000. */
mqtts_err mqtts_utf8_check(const uint8_t *s, size_t len);

/* A topic name for PUBLISH: non-empty, valid UTF-8, at most 65,535 bytes,
 * no '+' or '#'. */
mqtts_err mqtts_topic_name_check(const char *topic, size_t len);

/* A topic filter for SUBSCRIBE/UNSUBSCRIBE: non-empty (else
 * MQTTS_ERR_TOPIC_EMPTY), valid UTF-8, '#' only as the whole last level, '+'
 * only as a whole level (else MQTTS_ERR_FILTER_INVALID); a shared
 * subscription "$share/{name}/{filter}" needs a non-empty name without '+',
 * '#' or '/' and a filter after it (else MQTTS_ERR_SHARE_NAME_INVALID). */
mqtts_err mqtts_topic_filter_check(const char *filter, size_t len);

/* Whether topic name `topic` matches topic filter `filter`. Both must be
 * valid. A topic starting with '$' is not matched by a filter starting
 * with '+' or '#' [MQTT-4.7.2-1]. A shared subscription filter
 * "$share/{name}/{f}" matches what f matches. */
bool mqtts_topic_matches(const char *filter, size_t flen, const char *topic, size_t tlen);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_PACKET_H */
