/*
 * mqtts/error.h - one error enum for the whole library.
 *
 * Every mqtts call returns an mqtts_err. Zero is success, small positive
 * values are progress ("need more bytes"), negative values are failures.
 * The numbers are stable: they never change meaning between releases, so a
 * log line with a number is still readable later. mqtts_strerror() names each
 * one; it is a switch without a default, so a new code without a name fails
 * the build (-Wswitch under -Wall -Werror).
 *
 * Reason codes sent by a broker are NOT mqtts_err values: they are uint8_t
 * values named by mqtts_reason_name() in packet.h.
 */
#ifndef MQTTS_ERROR_H
#define MQTTS_ERROR_H

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mqtts_err {
    MQTTS_OK = 0,
    /* Progress, not failure. */
    MQTTS_NEED_MORE = 1, /* framing: the packet is not complete yet */

    /* Caller errors (-1 .. -19). */
    MQTTS_ERR_INVALID_ARGUMENT = -1,   /* NULL where a value is required, count 0 ... */
    MQTTS_ERR_BUFFER_TOO_SMALL = -2,   /* encode: *len says how many bytes are needed */
    MQTTS_ERR_STRING_TOO_LONG = -3,    /* a string or binary field over 65,535 bytes */
    MQTTS_ERR_PACKET_TOO_LARGE = -4,   /* over 268,435,455 bytes, or over a set maximum */
    MQTTS_ERR_VERSION = -5,            /* protocol version other than 3.1.1 (4) or 5 */
    MQTTS_ERR_V5_ONLY = -6,            /* a v5 feature (properties, AUTH, options) in 3.1.1 */
    MQTTS_ERR_PASSWORD_WITHOUT_USERNAME = -7, /* MQTT 3.1.1 forbids it [MQTT-3.1.2-22] */
    MQTTS_ERR_SHARED_NO_LOCAL = -8,    /* no local on a shared subscription [MQTT-3.8.3-4] */

    /* Malformed packets: framing and fixed header (-20 .. -39). */
    MQTTS_ERR_VARINT_TOO_LONG = -20,     /* a variable byte integer over 4 bytes */
    MQTTS_ERR_VARINT_NOT_MINIMAL = -21,  /* not in the fewest bytes [MQTT-1.5.5-1] */
    MQTTS_ERR_PACKET_TYPE_RESERVED = -22,   /* type 0, or 15 in MQTT 3.1.1 */
    MQTTS_ERR_PACKET_TYPE_UNEXPECTED = -23, /* a packet a client never receives */
    MQTTS_ERR_RESERVED_FLAGS = -24,      /* fixed header flags other than the spec's */
    MQTTS_ERR_PACKET_TRUNCATED = -25,    /* remaining length ends inside a field */
    MQTTS_ERR_TRAILING_BYTES = -26,      /* bytes left over after the last field */
    MQTTS_ERR_QOS_INVALID = -27,         /* QoS 3 */
    MQTTS_ERR_DUP_ON_QOS0 = -28,         /* DUP set on a QoS 0 PUBLISH [MQTT-3.3.1-2] */
    MQTTS_ERR_PACKET_ID_ZERO = -29,      /* packet identifier 0 where one is required */
    MQTTS_ERR_CONNACK_FLAGS = -30,       /* reserved bits of the acknowledge flags set */
    MQTTS_ERR_SESSION_PRESENT_ON_FAILURE = -31, /* [MQTT-3.2.2-4], [MQTT-3.2.2-6] */
    MQTTS_ERR_REASON_CODE_INVALID = -32, /* a reason code not allowed in that packet */
    MQTTS_ERR_NO_REASON_CODES = -33,     /* SUBACK/UNSUBACK with an empty payload */

    /* Malformed strings and topics (-40 .. -59). */
    MQTTS_ERR_UTF8_MALFORMED = -40,  /* a byte sequence that is not UTF-8 */
    MQTTS_ERR_UTF8_NULL = -41,       /* U+0000 [MQTT-1.5.4-2] */
    MQTTS_ERR_UTF8_SURROGATE = -42,  /* U+D800..U+DFFF [MQTT-1.5.4-1] */
    MQTTS_ERR_UTF8_OVERLONG = -43,   /* a code point in more bytes than needed */
    MQTTS_ERR_UTF8_TOO_LARGE = -44,  /* above U+10FFFF */
    MQTTS_ERR_TOPIC_EMPTY = -45,     /* zero-length topic name (and no topic alias) */
    MQTTS_ERR_TOPIC_WILDCARD = -46,  /* '+' or '#' in a topic name [MQTT-3.3.2-2] */
    MQTTS_ERR_FILTER_INVALID = -47,  /* '#' not last/alone, '+' not alone in its level */
    MQTTS_ERR_SHARE_NAME_INVALID = -48, /* $share/{name}/{filter} with a bad name */

    /* Malformed properties (-60 .. -79). */
    MQTTS_ERR_PROPERTY_UNKNOWN = -60,     /* an identifier the spec does not define */
    MQTTS_ERR_PROPERTY_NOT_ALLOWED = -61, /* defined, but not in this packet */
    MQTTS_ERR_PROPERTY_DUPLICATE = -62,   /* a property that may appear once, twice */
    MQTTS_ERR_PROPERTY_TRUNCATED = -63,   /* a value runs past the property length */
    MQTTS_ERR_PROPERTY_VALUE = -64,       /* a value outside its range (e.g. 0 or 2) */
    MQTTS_ERR_TOPIC_ALIAS_ZERO = -65,     /* topic alias 0 [MQTT-3.3.2-8] */
    MQTTS_ERR_SUBSCRIPTION_ID_ZERO = -66, /* subscription identifier 0 */

    /* Network and transport (-100 .. -119). */
    MQTTS_ERR_DNS = -100,             /* the host name did not resolve */
    MQTTS_ERR_CONNECT_REFUSED = -101, /* nothing listens on that port */
    MQTTS_ERR_TIMEOUT = -102,         /* no answer within the time allowed */
    MQTTS_ERR_UNREACHABLE = -103,     /* no route to the host or network */
    MQTTS_ERR_CLOSED = -104,          /* the peer closed the connection */
    MQTTS_ERR_IO = -105,              /* any other socket error */
    MQTTS_ERR_NOT_CONNECTED = -106,   /* send/receive before connect or after close */

    /* Session (-120 .. -139). */
    MQTTS_ERR_REFUSED = -120,         /* the broker refused CONNECT (see the reason code) */
    MQTTS_ERR_PROTOCOL = -121,        /* the broker broke the protocol (unexpected packet, bad alias) */
    MQTTS_ERR_BROKER_DISCONNECT = -122, /* the broker sent DISCONNECT (see the reason code) */
    MQTTS_ERR_QUEUE_FULL = -123,      /* no room in the store (or tx) now; retry later */
    MQTTS_ERR_BROKER_LIMIT = -124,    /* above the broker's Maximum QoS, or retain where it has none */
    MQTTS_ERR_NOT_A_REQUEST = -125,   /* a reply to a message that asked for none */
    MQTTS_ERR_TLS_REQUIRED = -126,    /* the server answered CONNECT with TLS: a TLS port */
    MQTTS_ERR_NO_CONNACK = -127,      /* closed after CONNECT without a word */

    /* TLS (-140 .. -159): src/tls; mqtts_tls_error_detail() in tls.h names
     * the facts of each failure and what to do. */
    MQTTS_ERR_TLS_UNTRUSTED = -140,       /* the server's chain leads to no trusted root */
    MQTTS_ERR_TLS_NAME_MISMATCH = -141,   /* the certificate is for other names */
    MQTTS_ERR_TLS_EXPIRED = -142,         /* a certificate of the chain has expired */
    MQTTS_ERR_TLS_NOT_YET_VALID = -143,   /* a certificate of the chain is not valid yet */
    MQTTS_ERR_TLS_CLOCK_NOT_SET = -144,   /* the wall clock reads before the build date */
    MQTTS_ERR_TLS_ALERT = -145,           /* the server ended the handshake with an alert */
    MQTTS_ERR_TLS_NOT_TLS = -146,         /* the server did not answer in TLS (plain MQTT?) */
    MQTTS_ERR_TLS_PIN_MISMATCH = -147,    /* no key of the chain matches a pin */
    MQTTS_ERR_TLS_CA_FILE = -148,         /* a CA file, directory or buffer cannot be read */
    MQTTS_ERR_TLS_CERT_FILE = -149,       /* the client certificate cannot be read */
    MQTTS_ERR_TLS_KEY_FILE = -150,        /* the client key cannot be read or does not match */
    MQTTS_ERR_TLS_KEY_PASSWORD = -151,    /* the key is encrypted: password missing or wrong */
    MQTTS_ERR_TLS_CLIENT_CERT_REQUIRED = -152, /* the server wants a client certificate */
    MQTTS_ERR_TLS_CLIENT_CERT_REJECTED = -153, /* the server refused the client certificate */
    MQTTS_ERR_TLS_BAD_CERT = -154,        /* unusable server certificate (key usage, weak key) */
    MQTTS_ERR_TLS_HANDSHAKE = -155,       /* any other handshake failure */
    MQTTS_ERR_TLS_SETUP = -156,           /* mbedTLS could not be set up (memory, entropy) */
    MQTTS_ERR_TLS_PROTOCOL = -157,        /* a bad record after the handshake */

    /* WebSocket (-170 .. -179): src/websocket; mqtts_ws_error_detail() in
     * websocket.h quotes the status line, the close code and reason, and
     * says what to do. */
    MQTTS_ERR_WS_HTTP_STATUS = -170,      /* the upgrade got an HTTP status other than 101 */
    MQTTS_ERR_WS_BAD_ACCEPT = -171,       /* Sec-WebSocket-Accept missing or wrong */
    MQTTS_ERR_WS_SUBPROTOCOL = -172,      /* the server did not agree to the "mqtt" subprotocol */
    MQTTS_ERR_WS_BAD_RESPONSE = -173,     /* the answer is not a WebSocket upgrade */
    MQTTS_ERR_WS_TEXT_FRAME = -174,       /* a text frame: MQTT is binary only */
    MQTTS_ERR_WS_BAD_FRAME = -175,        /* a malformed frame (reserved bits, length, ...) */
    MQTTS_ERR_WS_CLOSED = -176,           /* the server sent a close frame (code, reason) */
    MQTTS_ERR_WS_HANDSHAKE_TIMEOUT = -177, /* no complete upgrade answer in time */
    MQTTS_ERR_WS_ENTROPY = -178,          /* no random bytes for the key or a mask */
} mqtts_err;

/* A short, stable, human-readable name for an error ("varint longer than
 * 4 bytes"). Never NULL; an unknown number gives "unknown error". */
const char *mqtts_strerror(mqtts_err err);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_ERROR_H */
