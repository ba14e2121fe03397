/*
 * Names: mqtts_strerror(), and the specification's names of reason codes and
 * properties. Text for people, kept out of the codec and the engine: it grows
 * with every layer's errors, costs most of the flash a name-free build saves
 * (MQTTS_CONFIG_NAMES=0), and the size report shows it on its own line.
 */
#include <string.h>

#include "packet/wire.h"
#include "mqtts/config.h"

#if MQTTS_CONFIG_NAMES

const char *mqtts_strerror(mqtts_err err)
{
    /* No default: -Wswitch makes a new code without a name a build error. */
    switch (err) {
    case MQTTS_OK: return "success";
    case MQTTS_NEED_MORE: return "need more bytes";
    case MQTTS_ERR_INVALID_ARGUMENT: return "invalid argument";
    case MQTTS_ERR_BUFFER_TOO_SMALL: return "buffer too small";
    case MQTTS_ERR_STRING_TOO_LONG: return "field over 65535 bytes";
    case MQTTS_ERR_PACKET_TOO_LARGE: return "packet too large";
    case MQTTS_ERR_VERSION: return "protocol version not 3.1.1 or 5";
    case MQTTS_ERR_V5_ONLY: return "feature needs MQTT 5";
    case MQTTS_ERR_PASSWORD_WITHOUT_USERNAME: return "password without user name";
    case MQTTS_ERR_SHARED_NO_LOCAL: return "no local on shared subscription";
    case MQTTS_ERR_VARINT_TOO_LONG: return "varint over 4 bytes";
    case MQTTS_ERR_VARINT_NOT_MINIMAL: return "varint not minimal";
    case MQTTS_ERR_PACKET_TYPE_RESERVED: return "reserved packet type";
    case MQTTS_ERR_PACKET_TYPE_UNEXPECTED: return "packet type unexpected";
    case MQTTS_ERR_RESERVED_FLAGS: return "reserved flags set";
    case MQTTS_ERR_PACKET_TRUNCATED: return "packet truncated";
    case MQTTS_ERR_TRAILING_BYTES: return "trailing bytes";
    case MQTTS_ERR_QOS_INVALID: return "QoS 3 is invalid";
    case MQTTS_ERR_DUP_ON_QOS0: return "DUP on QoS 0";
    case MQTTS_ERR_PACKET_ID_ZERO: return "packet identifier 0";
    case MQTTS_ERR_CONNACK_FLAGS: return "reserved CONNACK flags set";
    case MQTTS_ERR_SESSION_PRESENT_ON_FAILURE: return "session present on failure";
    case MQTTS_ERR_REASON_CODE_INVALID: return "reason code invalid here";
    case MQTTS_ERR_NO_REASON_CODES: return "no reason codes";
    case MQTTS_ERR_UTF8_MALFORMED: return "malformed UTF-8";
    case MQTTS_ERR_UTF8_NULL: return "UTF-8 has U+0000";
    case MQTTS_ERR_UTF8_SURROGATE: return "UTF-8 has a surrogate";
    case MQTTS_ERR_UTF8_OVERLONG: return "UTF-8 overlong";
    case MQTTS_ERR_UTF8_TOO_LARGE: return "UTF-8 above U+10FFFF";
    case MQTTS_ERR_TOPIC_EMPTY: return "empty topic";
    case MQTTS_ERR_TOPIC_WILDCARD: return "wildcard in topic name";
    case MQTTS_ERR_FILTER_INVALID: return "invalid topic filter";
    case MQTTS_ERR_SHARE_NAME_INVALID: return "invalid share name";
    case MQTTS_ERR_PROPERTY_UNKNOWN: return "unknown property";
    case MQTTS_ERR_PROPERTY_NOT_ALLOWED: return "property not allowed here";
    case MQTTS_ERR_PROPERTY_DUPLICATE: return "duplicate property";
    case MQTTS_ERR_PROPERTY_TRUNCATED: return "property truncated";
    case MQTTS_ERR_PROPERTY_VALUE: return "property value out of range";
    case MQTTS_ERR_TOPIC_ALIAS_ZERO: return "topic alias 0";
    case MQTTS_ERR_SUBSCRIPTION_ID_ZERO: return "subscription identifier 0";
    case MQTTS_ERR_DNS: return "host name did not resolve";
    case MQTTS_ERR_CONNECT_REFUSED: return "connection refused";
    case MQTTS_ERR_TIMEOUT: return "timed out";
    case MQTTS_ERR_UNREACHABLE: return "network unreachable";
    case MQTTS_ERR_CLOSED: return "connection closed by peer";
    case MQTTS_ERR_IO: return "network I/O error";
    case MQTTS_ERR_NOT_CONNECTED: return "not connected";
    case MQTTS_ERR_REFUSED: return "broker refused the connection";
    case MQTTS_ERR_PROTOCOL: return "broker protocol error";
    case MQTTS_ERR_BROKER_DISCONNECT: return "broker sent DISCONNECT";
    case MQTTS_ERR_QUEUE_FULL: return "queue full";
    case MQTTS_ERR_BROKER_LIMIT: return "not allowed by the broker";
    /* TLS (src/tls; the detail is in mqtts_tls_error_detail()). */
    case MQTTS_ERR_TLS_UNTRUSTED: return "TLS: server certificate not trusted";
    case MQTTS_ERR_TLS_NAME_MISMATCH: return "TLS: certificate is for another name";
    case MQTTS_ERR_TLS_EXPIRED: return "TLS: certificate expired";
    case MQTTS_ERR_TLS_NOT_YET_VALID: return "TLS: certificate not yet valid";
    case MQTTS_ERR_TLS_CLOCK_NOT_SET: return "TLS: clock not set";
    case MQTTS_ERR_TLS_ALERT: return "TLS: alert from server";
    case MQTTS_ERR_TLS_NOT_TLS: return "TLS: server does not speak TLS";
    case MQTTS_ERR_TLS_PIN_MISMATCH: return "TLS: public key pin mismatch";
    case MQTTS_ERR_TLS_CA_FILE: return "TLS: cannot read CA certificates";
    case MQTTS_ERR_TLS_CERT_FILE: return "TLS: cannot read client certificate";
    case MQTTS_ERR_TLS_KEY_FILE: return "TLS: cannot read client key";
    case MQTTS_ERR_TLS_KEY_PASSWORD: return "TLS: key password missing or wrong";
    case MQTTS_ERR_TLS_CLIENT_CERT_REQUIRED: return "TLS: client certificate required";
    case MQTTS_ERR_TLS_CLIENT_CERT_REJECTED: return "TLS: client certificate rejected";
    case MQTTS_ERR_TLS_BAD_CERT: return "TLS: unusable server certificate";
    case MQTTS_ERR_TLS_HANDSHAKE: return "TLS handshake failed";
    case MQTTS_ERR_TLS_SETUP: return "TLS set-up failed";
    case MQTTS_ERR_TLS_PROTOCOL: return "TLS protocol error";
    /* WebSocket (src/websocket; the detail is in mqtts_ws_error_detail()). */
    case MQTTS_ERR_WS_HTTP_STATUS: return "WebSocket: upgrade refused with an HTTP status";
    case MQTTS_ERR_WS_BAD_ACCEPT: return "WebSocket: wrong Sec-WebSocket-Accept";
    case MQTTS_ERR_WS_SUBPROTOCOL: return "WebSocket: subprotocol mqtt not agreed";
    case MQTTS_ERR_WS_BAD_RESPONSE: return "WebSocket: not an upgrade answer";
    case MQTTS_ERR_WS_TEXT_FRAME: return "WebSocket: text frame";
    case MQTTS_ERR_WS_BAD_FRAME: return "WebSocket: malformed frame";
    case MQTTS_ERR_WS_CLOSED: return "WebSocket: closed by the server";
    case MQTTS_ERR_WS_HANDSHAKE_TIMEOUT: return "WebSocket: upgrade timed out";
    case MQTTS_ERR_WS_ENTROPY: return "WebSocket: no entropy";
    case MQTTS_ERR_NOT_A_REQUEST: return "the message is not a request (no response topic)";
    case MQTTS_ERR_TLS_REQUIRED:
        return "the server answered with TLS: this port needs a TLS connection (mqtts://, usually port 8883)";
    case MQTTS_ERR_NO_CONNACK:
        return "the server closed the connection without answering CONNECT (a TLS-only port? an MQTT version it does not accept?)";
    }
    return "unknown error";
}

#else
const char *mqtts_strerror(mqtts_err err)
{
    (void)err;
    return "?";
}
#endif /* MQTTS_CONFIG_NAMES */

#if MQTTS_CONFIG_NAMES
/* The index-th string of a run of NUL-terminated strings. */
static const char *nth_string(const char *p, unsigned index)
{
    while (index-- > 0)
        p += strlen(p) + 1;
    return p;
}

static const char reason_names[] =
    "Success\0"
    "Normal disconnection\0"
    "Granted QoS 0\0"
    "Granted QoS 1\0"
    "Granted QoS 2\0"
    "Disconnect with Will Message\0"
    "No matching subscribers\0"
    "No subscription existed\0"
    "Continue authentication\0"
    "Re-authenticate\0"
    "Unspecified error\0"
    "Malformed Packet\0"
    "Protocol Error\0"
    "Implementation specific error\0"
    "Unsupported Protocol Version\0"
    "Client Identifier not valid\0"
    "Bad User Name or Password\0"
    "Not authorized\0"
    "Server unavailable\0"
    "Server busy\0"
    "Banned\0"
    "Server shutting down\0"
    "Bad authentication method\0"
    "Keep Alive timeout\0"
    "Session taken over\0"
    "Topic Filter invalid\0"
    "Topic Name invalid\0"
    "Packet Identifier in use\0"
    "Packet Identifier not found\0"
    "Receive Maximum exceeded\0"
    "Topic Alias invalid\0"
    "Packet too large\0"
    "Message rate too high\0"
    "Quota exceeded\0"
    "Administrative action\0"
    "Payload format invalid\0"
    "Retain not supported\0"
    "QoS not supported\0"
    "Use another server\0"
    "Server moved\0"
    "Shared Subscriptions not supported\0"
    "Connection rate exceeded\0"
    "Maximum connect time\0"
    "Subscription Identifiers not supported\0"
    "Wildcard Subscriptions not supported\0";

static const char *const v311_connack[] = {
    "Connection Accepted",
    "Connection Refused, unacceptable protocol version",
    "Connection Refused, identifier rejected",
    "Connection Refused, Server unavailable",
    "Connection Refused, bad user name or password",
    "Connection Refused, not authorized",
};

static const char *const v311_suback[] = {
    "Success - Maximum QoS 0",
    "Success - Maximum QoS 1",
    "Success - Maximum QoS 2",
};

const char *mqtts_reason_name(mqtts_version v, mqtts_packet_type t, uint8_t code)
{
    if (v == MQTTS_V311 && t == MQTTS_CONNACK && code <= 5)
        return v311_connack[code];
    if (v == MQTTS_V311 && t == MQTTS_SUBACK && code <= 2)
        return v311_suback[code];
    if (v == MQTTS_V311 && t == MQTTS_SUBACK && code == MQTTS_V311_SUBACK_FAILURE)
        return "Failure";
    if (v == MQTTS_V311 && (t == MQTTS_CONNACK || t == MQTTS_SUBACK || code != 0))
        return "Unknown reason code";
    int i = (unsigned)t <= MQTTS_AUTH ? mqtts__reason_find(t, code) : -1;
    return i >= 0 ? nth_string(reason_names, (unsigned)i) : "Unknown reason code";
}

/* Property names by identifier, 0x00 to 0x2A, one string; an undefined
 * identifier has an empty name. */
static const char prop_names[] =
    "\0" /* 0x00 */
    "Payload Format Indicator\0" /* 0x01 */
    "Message Expiry Interval\0" /* 0x02 */
    "Content Type\0" /* 0x03 */
    "\0" /* 0x04 */
    "\0" /* 0x05 */
    "\0" /* 0x06 */
    "\0" /* 0x07 */
    "Response Topic\0" /* 0x08 */
    "Correlation Data\0" /* 0x09 */
    "\0" /* 0x0A */
    "Subscription Identifier\0" /* 0x0B */
    "\0" /* 0x0C */
    "\0" /* 0x0D */
    "\0" /* 0x0E */
    "\0" /* 0x0F */
    "\0" /* 0x10 */
    "Session Expiry Interval\0" /* 0x11 */
    "Assigned Client Identifier\0" /* 0x12 */
    "Server Keep Alive\0" /* 0x13 */
    "\0" /* 0x14 */
    "Authentication Method\0" /* 0x15 */
    "Authentication Data\0" /* 0x16 */
    "Request Problem Information\0" /* 0x17 */
    "Will Delay Interval\0" /* 0x18 */
    "Request Response Information\0" /* 0x19 */
    "Response Information\0" /* 0x1A */
    "\0" /* 0x1B */
    "Server Reference\0" /* 0x1C */
    "\0" /* 0x1D */
    "\0" /* 0x1E */
    "Reason String\0" /* 0x1F */
    "\0" /* 0x20 */
    "Receive Maximum\0" /* 0x21 */
    "Topic Alias Maximum\0" /* 0x22 */
    "Topic Alias\0" /* 0x23 */
    "Maximum QoS\0" /* 0x24 */
    "Retain Available\0" /* 0x25 */
    "User Property\0" /* 0x26 */
    "Maximum Packet Size\0" /* 0x27 */
    "Wildcard Subscription Available\0" /* 0x28 */
    "Subscription Identifier Available\0" /* 0x29 */
    "Shared Subscription Available\0" /* 0x2A */;

const char *mqtts_prop_name(uint8_t id)
{
    if (id > MQTTS_PROP_SHARED_SUBSCRIPTION_AVAILABLE)
        return NULL;
    const char *p = nth_string(prop_names, id);
    return *p ? p : NULL;
}
#else
const char *mqtts_reason_name(mqtts_version v, mqtts_packet_type t, uint8_t code)
{
    (void)v;
    (void)t;
    (void)code;
    return "?";
}

const char *mqtts_prop_name(uint8_t id)
{
    return mqtts_prop_type_of(id) == MQTTS_PTYPE_NONE ? NULL : "?";
}
#endif /* MQTTS_CONFIG_NAMES */
