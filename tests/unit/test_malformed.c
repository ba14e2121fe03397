/*
 * test_malformed.c - strict decoding: every malformed packet a client might
 * receive is rejected by mqtts_decode() (or mqtts_frame() for faults in the
 * fixed header's remaining length) with its own, specific mqtts_err.
 *
 * Each row of the table below is one input, written by hand from the MQTT
 * 3.1.1 and 5.0 specifications, one comment per field. Every row runs as its
 * own cmocka test (named after the row), on an exact-size heap copy of the
 * bytes so that AddressSanitizer reports any read outside [buf, buf + len).
 * Every strict prefix of every row is also decoded (it must not be OK) on
 * its own exact-size heap copy.
 *
 * Rows that expect MQTTS_OK are positive controls: the same packets made
 * valid, so a codec that rejects everything fails this suite.
 *
 * Conventions used in the comments:
 *   rl    remaining length (fixed header)
 *   pid   packet identifier
 *   plen  property length (variable byte integer)
 *   rc    reason code / return code
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtts/error.h"
#include "mqtts/packet.h"

#include "heap.h"


typedef enum via {
    VIA_DECODE, /* mqtts_decode(); the framing must be consistent */
    VIA_FRAME,  /* mqtts_frame(); a fault in the fixed header */
} via;

typedef struct mal_case {
    const char *name;
    mqtts_version version;
    via via;
    mqtts_err expect;
    const uint8_t *bytes;
    size_t len;
} mal_case;

#define BYTES(...) (const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__})
/* A row decoded with mqtts_decode(). */
#define D(nm, ver, err, ...) { "test_decode_" nm, ver, VIA_DECODE, err, BYTES(__VA_ARGS__) }
/* A row framed with mqtts_frame(). */
#define F(nm, ver, err, ...) { "test_frame_" nm, ver, VIA_FRAME, err, BYTES(__VA_ARGS__) }
/* A decoded row whose bytes are a named array (used again by field tests). */
#define DA(nm, ver, err, arr) { "test_decode_" nm, ver, VIA_DECODE, err, arr, sizeof(arr) }

#define V3 MQTTS_V311
#define V5 MQTTS_V5

/* ---------------------------------------------------------------------- */
/* Positive controls that the field tests below look into. */

static const uint8_t v5_connack_props_ok[] = {
    0x20, 0x1C,             /* CONNACK, rl 28 */
    0x00,                   /* ack flags: no session */
    0x00,                   /* rc Success */
    0x19,                   /* plen 25 */
    0x21, 0x00, 0x0A,       /* Receive Maximum 10 */
    0x24, 0x01,             /* Maximum QoS 1 */
    0x25, 0x00,             /* Retain Available 0 */
    0x27, 0x00, 0x00, 0x04, 0x00, /* Maximum Packet Size 1024 */
    0x22, 0x00, 0x00,       /* Topic Alias Maximum 0 */
    0x28, 0x01,             /* Wildcard Subscription Available 1 */
    0x29, 0x00,             /* Subscription Identifier Available 0 */
    0x2A, 0x01,             /* Shared Subscription Available 1 */
    0x12, 0x00, 0x01, 'c',  /* Assigned Client Identifier "c" */
};

static const uint8_t v5_puback_user_twice_ok[] = {
    0x40, 0x12,                         /* PUBACK, rl 18 */
    0x00, 0x01,                         /* pid 1 */
    0x00,                               /* rc Success */
    0x0E,                               /* plen 14 */
    0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', /* User Property k=v */
    0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'w', /* User Property k=w (repeat is fine) */
};

static const uint8_t v5_publish_two_sub_ids_ok[] = {
    0x30, 0x08,       /* PUBLISH QoS 0, rl 8 */
    0x00, 0x01, 'a',  /* topic "a" */
    0x04,             /* plen 4 */
    0x0B, 0x01,       /* Subscription Identifier 1 */
    0x0B, 0x02,       /* Subscription Identifier 2 (several are fine) */
                      /* empty payload */
};

static const uint8_t v5_publish_alias_only_ok[] = {
    0x30, 0x08,       /* PUBLISH QoS 0, rl 8 */
    0x00, 0x00,       /* topic "" (the alias stands for it) */
    0x03,             /* plen 3 */
    0x23, 0x00, 0x01, /* Topic Alias 1 */
    'h', 'i',         /* payload "hi" */
};

static const uint8_t v311_publish_qos2_ok[] = {
    0x3D, 0x09,             /* PUBLISH DUP, QoS 2, RETAIN; rl 9 */
    0x00, 0x03, 'a', '/', 'b', /* topic "a/b" */
    0x12, 0x34,             /* pid 0x1234 */
    'x', 'y',               /* payload "xy" */
};

/* ---------------------------------------------------------------------- */

static const mal_case cases[] = {
    /* ===== Packet type ===== */
    D("v311_type_0_reserved", V3, MQTTS_ERR_PACKET_TYPE_RESERVED,
      0x00, 0x00 /* type 0, rl 0 */),
    D("v5_type_0_reserved", V5, MQTTS_ERR_PACKET_TYPE_RESERVED,
      0x00, 0x00 /* type 0, rl 0 */),
    D("v311_type_15_reserved", V3, MQTTS_ERR_PACKET_TYPE_RESERVED,
      0xF0, 0x00 /* type 15 (AUTH in v5 only), rl 0 */),
    D("v311_auth_with_body_reserved", V3, MQTTS_ERR_PACKET_TYPE_RESERVED,
      0xF0, 0x02, /* type 15, rl 2 */
      0x18,       /* rc Continue authentication */
      0x00        /* plen 0 */),
    D("v311_connect_unexpected", V3, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
      0x10, 0x0C,                   /* CONNECT, rl 12 */
      0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name */
      0x04,                         /* level 4 */
      0x02,                         /* flags: clean session */
      0x00, 0x3C,                   /* keep alive 60 */
      0x00, 0x00                    /* client id "" */),
    D("v5_connect_unexpected", V5, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
      0x10, 0x0D,                   /* CONNECT, rl 13 */
      0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name */
      0x05,                         /* level 5 */
      0x02,                         /* flags: clean start */
      0x00, 0x3C,                   /* keep alive 60 */
      0x00,                         /* plen 0 */
      0x00, 0x00                    /* client id "" */),
    D("v311_subscribe_unexpected", V3, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
      0x82, 0x06,       /* SUBSCRIBE (flags 0010), rl 6 */
      0x00, 0x01,       /* pid 1 */
      0x00, 0x01, 'a',  /* filter "a" */
      0x00              /* QoS 0 */),
    D("v5_subscribe_unexpected", V5, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
      0x82, 0x07,       /* SUBSCRIBE (flags 0010), rl 7 */
      0x00, 0x01,       /* pid 1 */
      0x00,             /* plen 0 */
      0x00, 0x01, 'a',  /* filter "a" */
      0x00              /* options */),
    D("v311_unsubscribe_unexpected", V3, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
      0xA2, 0x05,       /* UNSUBSCRIBE (flags 0010), rl 5 */
      0x00, 0x01,       /* pid 1 */
      0x00, 0x01, 'a'   /* filter "a" */),
    D("v5_unsubscribe_unexpected", V5, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
      0xA2, 0x06,       /* UNSUBSCRIBE (flags 0010), rl 6 */
      0x00, 0x01,       /* pid 1 */
      0x00,             /* plen 0 */
      0x00, 0x01, 'a'   /* filter "a" */),
    D("v311_pingreq_unexpected", V3, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
      0xC0, 0x00 /* PINGREQ, rl 0 */),
    D("v5_pingreq_unexpected", V5, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
      0xC0, 0x00 /* PINGREQ, rl 0 */),
    D("v311_disconnect_from_server_unexpected", V3, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
      0xE0, 0x00 /* DISCONNECT, rl 0: client-to-server only in 3.1.1 */),

    /* ===== Reserved fixed header flags ===== */
    D("v311_connack_flags_reserved", V3, MQTTS_ERR_RESERVED_FLAGS,
      0x21, 0x02, /* CONNACK with flags 0001, rl 2 */
      0x00,       /* ack flags */
      0x00        /* rc Accepted */),
    D("v5_connack_flags_reserved", V5, MQTTS_ERR_RESERVED_FLAGS,
      0x28, 0x03, /* CONNACK with flags 1000, rl 3 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x00        /* plen 0 */),
    D("v311_puback_flags_reserved", V3, MQTTS_ERR_RESERVED_FLAGS,
      0x41, 0x02, /* PUBACK with flags 0001, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_puback_flags_reserved", V5, MQTTS_ERR_RESERVED_FLAGS,
      0x42, 0x02, /* PUBACK with flags 0010, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v311_pubrec_flags_reserved", V3, MQTTS_ERR_RESERVED_FLAGS,
      0x52, 0x02, /* PUBREC with flags 0010, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_pubrec_flags_reserved", V5, MQTTS_ERR_RESERVED_FLAGS,
      0x58, 0x02, /* PUBREC with flags 1000, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v311_pubrel_flags_0000", V3, MQTTS_ERR_RESERVED_FLAGS,
      0x60, 0x02, /* PUBREL with flags 0000 (must be 0010), rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_pubrel_flags_0000", V5, MQTTS_ERR_RESERVED_FLAGS,
      0x60, 0x02, /* PUBREL with flags 0000 (must be 0010), rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v311_pubrel_flags_0011", V3, MQTTS_ERR_RESERVED_FLAGS,
      0x63, 0x02, /* PUBREL with flags 0011, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_pubrel_flags_1010", V5, MQTTS_ERR_RESERVED_FLAGS,
      0x6A, 0x02, /* PUBREL with flags 1010, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v311_pubcomp_flags_reserved", V3, MQTTS_ERR_RESERVED_FLAGS,
      0x72, 0x02, /* PUBCOMP with flags 0010, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_pubcomp_flags_reserved", V5, MQTTS_ERR_RESERVED_FLAGS,
      0x71, 0x02, /* PUBCOMP with flags 0001, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v311_suback_flags_reserved", V3, MQTTS_ERR_RESERVED_FLAGS,
      0x92, 0x03, /* SUBACK with flags 0010, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x00        /* rc Granted QoS 0 */),
    D("v5_suback_flags_reserved", V5, MQTTS_ERR_RESERVED_FLAGS,
      0x91, 0x04, /* SUBACK with flags 0001, rl 4 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* plen 0 */
      0x00        /* rc Granted QoS 0 */),
    D("v311_unsuback_flags_reserved", V3, MQTTS_ERR_RESERVED_FLAGS,
      0xB2, 0x02, /* UNSUBACK with flags 0010, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_unsuback_flags_reserved", V5, MQTTS_ERR_RESERVED_FLAGS,
      0xB4, 0x04, /* UNSUBACK with flags 0100, rl 4 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* plen 0 */
      0x00        /* rc Success */),
    D("v311_pingresp_flags_reserved", V3, MQTTS_ERR_RESERVED_FLAGS,
      0xD1, 0x00 /* PINGRESP with flags 0001, rl 0 */),
    D("v5_pingresp_flags_reserved", V5, MQTTS_ERR_RESERVED_FLAGS,
      0xD8, 0x00 /* PINGRESP with flags 1000, rl 0 */),
    D("v5_disconnect_flags_reserved", V5, MQTTS_ERR_RESERVED_FLAGS,
      0xE2, 0x00 /* DISCONNECT with flags 0010, rl 0 */),
    D("v5_auth_flags_reserved", V5, MQTTS_ERR_RESERVED_FLAGS,
      0xF1, 0x00 /* AUTH with flags 0001, rl 0 */),

    /* ===== Remaining length ends inside a field ===== */
    D("v311_puback_truncated_packet_id", V3, MQTTS_ERR_PACKET_TRUNCATED,
      0x40, 0x01, /* PUBACK, rl 1 */
      0x00        /* half a pid */),
    D("v5_puback_truncated_packet_id", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x40, 0x01, /* PUBACK, rl 1 */
      0x00        /* half a pid */),
    D("v311_pubrel_empty", V3, MQTTS_ERR_PACKET_TRUNCATED,
      0x62, 0x00  /* PUBREL, rl 0: no pid */),
    D("v311_connack_truncated_return_code", V3, MQTTS_ERR_PACKET_TRUNCATED,
      0x20, 0x01, /* CONNACK, rl 1 */
      0x00        /* ack flags; rc missing */),
    D("v5_connack_missing_property_length", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x20, 0x02, /* CONNACK, rl 2 */
      0x00,       /* ack flags */
      0x00        /* rc Success; plen missing (required in a v5 CONNACK) */),
    D("v311_publish_truncated_topic_length", V3, MQTTS_ERR_PACKET_TRUNCATED,
      0x30, 0x01, /* PUBLISH QoS 0, rl 1 */
      0x00        /* half a topic length */),
    D("v5_publish_truncated_topic_length", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x30, 0x01, /* PUBLISH QoS 0, rl 1 */
      0x00        /* half a topic length */),
    D("v311_publish_truncated_topic", V3, MQTTS_ERR_PACKET_TRUNCATED,
      0x30, 0x03, /* PUBLISH QoS 0, rl 3 */
      0x00, 0x05, /* topic length 5 */
      'a'         /* 1 of 5 topic bytes */),
    D("v5_publish_truncated_topic", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x30, 0x04, /* PUBLISH QoS 0, rl 4 */
      0x00, 0x05, /* topic length 5 */
      'a', 'b'    /* 2 of 5 topic bytes */),
    D("v311_publish_qos1_truncated_packet_id", V3, MQTTS_ERR_PACKET_TRUNCATED,
      0x32, 0x04,       /* PUBLISH QoS 1, rl 4 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x00              /* half a pid */),
    D("v5_publish_qos2_truncated_packet_id", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x34, 0x04,       /* PUBLISH QoS 2, rl 4 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x00              /* half a pid */),
    D("v5_publish_missing_property_length", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x30, 0x03,       /* PUBLISH QoS 0, rl 3 */
      0x00, 0x01, 'a'   /* topic "a"; plen missing */),
    D("v5_connack_property_length_past_packet", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x05        /* plen 5, but the packet ends here */),
    D("v5_connack_property_length_varint_cut", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x80        /* plen: first byte of a 2-byte varint, packet ends */),
    D("v5_puback_property_length_past_packet", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x40, 0x06, /* PUBACK, rl 6 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* rc Success */
      0x04,       /* plen 4: 2 bytes more than the packet has */
      0x1F, 0x00  /* start of a Reason String */),
    D("v5_suback_properties_swallow_reason_codes", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x90, 0x05, /* SUBACK, rl 5 */
      0x00, 0x01, /* pid 1 */
      0x03,       /* plen 3: runs past the packet */
      0x00, 0x00  /* what would have been the reason code list */),
    D("v5_suback_missing_property_length", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0x90, 0x02, /* SUBACK, rl 2 */
      0x00, 0x01  /* pid 1; plen and reason codes missing */),
    D("v5_unsuback_missing_property_length", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0xB0, 0x02, /* UNSUBACK, rl 2 */
      0x00, 0x01  /* pid 1; plen and reason codes missing */),
    D("v5_disconnect_property_length_past_packet", V5, MQTTS_ERR_PACKET_TRUNCATED,
      0xE0, 0x02, /* DISCONNECT, rl 2 */
      0x00,       /* rc Normal disconnection */
      0x03        /* plen 3, but the packet ends here */),

    /* ===== A value runs past the property length ===== */
    D("v5_connack_receive_maximum_cut", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0x20, 0x05, /* CONNACK, rl 5 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x02,       /* plen 2 */
      0x21, 0x00  /* Receive Maximum: 1 of 2 bytes */),
    D("v5_connack_session_expiry_cut", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0x20, 0x07,             /* CONNACK, rl 7 */
      0x00,                   /* ack flags */
      0x00,                   /* rc Success */
      0x04,                   /* plen 4 */
      0x11, 0x00, 0x00, 0x00  /* Session Expiry Interval: 3 of 4 bytes */),
    D("v5_publish_topic_alias_cut_inside_packet", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0x30, 0x08,       /* PUBLISH QoS 0, rl 8 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x02,             /* plen 2 */
      0x23, 0x00,       /* Topic Alias: 1 of 2 bytes inside the block */
      'x', 'y'          /* payload "xy" (not part of the block) */),
    D("v5_publish_content_type_cut_inside_packet", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0x30, 0x0C,               /* PUBLISH QoS 0, rl 12 */
      0x00, 0x01, 'a',          /* topic "a" */
      0x03,                     /* plen 3 */
      0x03, 0x00, 0x05,         /* Content Type, length 5, no bytes in the block */
      'h', 'e', 'l', 'l', 'o'   /* payload "hello" */),
    D("v5_publish_string_length_cut", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0x30, 0x07,       /* PUBLISH QoS 0, rl 7 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x02,             /* plen 2 */
      0x03, 0x00,       /* Content Type, half its length field */
      'p'               /* payload "p" */),
    D("v5_publish_user_property_value_cut", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0x30, 0x0D,                 /* PUBLISH QoS 0, rl 13 */
      0x00, 0x01, 'a',            /* topic "a" */
      0x07,                       /* plen 7 */
      0x26, 0x00, 0x01, 'k',      /* User Property, name "k" */
      0x00, 0x03, 'v',            /* value length 3, 1 byte in the block */
      'w', 'w'                    /* payload "ww" */),
    D("v5_puback_user_property_value_cut", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0x40, 0x0B,                 /* PUBACK, rl 11 */
      0x00, 0x01,                 /* pid 1 */
      0x00,                       /* rc Success */
      0x07,                       /* plen 7 (ends with the packet) */
      0x26, 0x00, 0x01, 'k',      /* User Property, name "k" */
      0x00, 0x03, 'v'             /* value length 3, 1 byte */),
    D("v5_publish_subscription_id_cut", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0x30, 0x07,       /* PUBLISH QoS 0, rl 7 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x02,             /* plen 2 */
      0x0B, 0x80,       /* Subscription Identifier: varint cut by the block */
      0x70              /* payload byte (would complete the varint) */),
    D("v5_auth_method_cut", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0xF0, 0x05,       /* AUTH, rl 5 */
      0x18,             /* rc Continue authentication */
      0x03,             /* plen 3 */
      0x15, 0x00, 0x04  /* Authentication Method, length 4, no bytes */),

    /* ===== Bytes left over ===== */
    D("v311_connack_trailing", V3, MQTTS_ERR_TRAILING_BYTES,
      0x20, 0x03, /* CONNACK, rl 3 (must be 2) */
      0x00,       /* ack flags */
      0x00,       /* rc Accepted */
      0x00        /* extra */),
    D("v311_pingresp_trailing", V3, MQTTS_ERR_TRAILING_BYTES,
      0xD0, 0x01, /* PINGRESP, rl 1 (must be 0) */
      0x00        /* extra */),
    D("v5_pingresp_trailing", V5, MQTTS_ERR_TRAILING_BYTES,
      0xD0, 0x01, /* PINGRESP, rl 1 (must be 0) */
      0x00        /* extra */),
    D("v311_unsuback_trailing", V3, MQTTS_ERR_TRAILING_BYTES,
      0xB0, 0x03, /* UNSUBACK, rl 3 (must be 2) */
      0x00, 0x01, /* pid 1 */
      0x00        /* extra (3.1.1 has no reason codes) */),
    D("v311_puback_trailing", V3, MQTTS_ERR_TRAILING_BYTES,
      0x40, 0x03, /* PUBACK, rl 3 (must be 2 in 3.1.1) */
      0x00, 0x01, /* pid 1 */
      0x00        /* extra */),
    D("v311_pubrel_trailing", V3, MQTTS_ERR_TRAILING_BYTES,
      0x62, 0x03, /* PUBREL, rl 3 (must be 2 in 3.1.1) */
      0x00, 0x01, /* pid 1 */
      0x00        /* extra */),
    D("v5_connack_trailing", V5, MQTTS_ERR_TRAILING_BYTES,
      0x20, 0x04, /* CONNACK, rl 4 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x00,       /* plen 0 */
      0x00        /* extra */),
    D("v5_puback_trailing", V5, MQTTS_ERR_TRAILING_BYTES,
      0x40, 0x05, /* PUBACK, rl 5 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* rc Success */
      0x00,       /* plen 0 */
      0x00        /* extra */),
    D("v5_disconnect_trailing", V5, MQTTS_ERR_TRAILING_BYTES,
      0xE0, 0x03, /* DISCONNECT, rl 3 */
      0x00,       /* rc Normal disconnection */
      0x00,       /* plen 0 */
      0x00        /* extra */),
    D("v5_auth_trailing", V5, MQTTS_ERR_TRAILING_BYTES,
      0xF0, 0x03, /* AUTH, rl 3 */
      0x00,       /* rc Success */
      0x00,       /* plen 0 */
      0x00        /* extra */),

    /* ===== Variable byte integers ===== */
    F("v311_remaining_length_5_bytes", V3, MQTTS_ERR_VARINT_TOO_LONG,
      0x30,                          /* PUBLISH */
      0x80, 0x80, 0x80, 0x80, 0x01   /* rl in 5 bytes */),
    F("v5_remaining_length_5_bytes_ff", V5, MQTTS_ERR_VARINT_TOO_LONG,
      0x20,                          /* CONNACK */
      0xFF, 0xFF, 0xFF, 0xFF, 0x7F   /* rl in 5 bytes */),
    F("v311_remaining_length_not_minimal", V3, MQTTS_ERR_VARINT_NOT_MINIMAL,
      0xD0,       /* PINGRESP */
      0x80, 0x00  /* rl 0 in 2 bytes */),
    F("v5_remaining_length_not_minimal_3", V5, MQTTS_ERR_VARINT_NOT_MINIMAL,
      0x40,             /* PUBACK */
      0x82, 0x80, 0x00, /* rl 2 in 3 bytes */
      0x00, 0x01        /* pid 1 */),
    D("v5_connack_property_length_5_bytes", V5, MQTTS_ERR_VARINT_TOO_LONG,
      0x20, 0x07,                    /* CONNACK, rl 7 */
      0x00,                          /* ack flags */
      0x00,                          /* rc Success */
      0x80, 0x80, 0x80, 0x80, 0x01   /* plen in 5 bytes */),
    D("v5_connack_property_length_not_minimal", V5, MQTTS_ERR_VARINT_NOT_MINIMAL,
      0x20, 0x04, /* CONNACK, rl 4 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x80, 0x00  /* plen 0 in 2 bytes */),
    D("v5_publish_subscription_id_5_bytes", V5, MQTTS_ERR_VARINT_TOO_LONG,
      0x30, 0x0A,                          /* PUBLISH QoS 0, rl 10 */
      0x00, 0x01, 'a',                     /* topic "a" */
      0x06,                                /* plen 6 */
      0x0B, 0x80, 0x80, 0x80, 0x80, 0x01   /* Subscription Identifier in 5 bytes */),
    D("v5_publish_subscription_id_not_minimal", V5, MQTTS_ERR_VARINT_NOT_MINIMAL,
      0x30, 0x07,       /* PUBLISH QoS 0, rl 7 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x03,             /* plen 3 */
      0x0B, 0x81, 0x00  /* Subscription Identifier 1 in 2 bytes */),

    /* ===== PUBLISH fixed header ===== */
    D("v311_publish_qos_3", V3, MQTTS_ERR_QOS_INVALID,
      0x36, 0x03,       /* PUBLISH QoS 3, rl 3 */
      0x00, 0x01, 'a'   /* topic "a" */),
    D("v5_publish_qos_3", V5, MQTTS_ERR_QOS_INVALID,
      0x36, 0x06,       /* PUBLISH QoS 3, rl 6 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x00, 0x01,       /* what would be a pid */
      0x00              /* plen 0 */),
    D("v311_publish_dup_on_qos0", V3, MQTTS_ERR_DUP_ON_QOS0,
      0x38, 0x03,       /* PUBLISH DUP, QoS 0, rl 3 */
      0x00, 0x01, 'a'   /* topic "a" */),
    D("v5_publish_dup_on_qos0", V5, MQTTS_ERR_DUP_ON_QOS0,
      0x39, 0x04,       /* PUBLISH DUP, QoS 0, RETAIN, rl 4 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x00              /* plen 0 */),

    /* ===== Packet identifier 0 ===== */
    D("v311_publish_qos1_packet_id_zero", V3, MQTTS_ERR_PACKET_ID_ZERO,
      0x32, 0x05,       /* PUBLISH QoS 1, rl 5 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x00, 0x00        /* pid 0 */),
    D("v311_publish_qos2_packet_id_zero", V3, MQTTS_ERR_PACKET_ID_ZERO,
      0x34, 0x05,       /* PUBLISH QoS 2, rl 5 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x00, 0x00        /* pid 0 */),
    D("v5_publish_qos1_packet_id_zero", V5, MQTTS_ERR_PACKET_ID_ZERO,
      0x32, 0x06,       /* PUBLISH QoS 1, rl 6 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x00, 0x00,       /* pid 0 */
      0x00              /* plen 0 */),
    D("v5_publish_qos2_packet_id_zero", V5, MQTTS_ERR_PACKET_ID_ZERO,
      0x34, 0x06,       /* PUBLISH QoS 2, rl 6 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x00, 0x00,       /* pid 0 */
      0x00              /* plen 0 */),
    D("v311_puback_packet_id_zero", V3, MQTTS_ERR_PACKET_ID_ZERO,
      0x40, 0x02, /* PUBACK, rl 2 */
      0x00, 0x00  /* pid 0 */),
    D("v5_puback_packet_id_zero", V5, MQTTS_ERR_PACKET_ID_ZERO,
      0x40, 0x02, /* PUBACK, rl 2 */
      0x00, 0x00  /* pid 0 */),
    D("v311_pubrec_packet_id_zero", V3, MQTTS_ERR_PACKET_ID_ZERO,
      0x50, 0x02, /* PUBREC, rl 2 */
      0x00, 0x00  /* pid 0 */),
    D("v5_pubrec_packet_id_zero", V5, MQTTS_ERR_PACKET_ID_ZERO,
      0x50, 0x03, /* PUBREC, rl 3 */
      0x00, 0x00, /* pid 0 */
      0x00        /* rc Success */),
    D("v311_pubrel_packet_id_zero", V3, MQTTS_ERR_PACKET_ID_ZERO,
      0x62, 0x02, /* PUBREL, rl 2 */
      0x00, 0x00  /* pid 0 */),
    D("v5_pubrel_packet_id_zero", V5, MQTTS_ERR_PACKET_ID_ZERO,
      0x62, 0x02, /* PUBREL, rl 2 */
      0x00, 0x00  /* pid 0 */),
    D("v311_pubcomp_packet_id_zero", V3, MQTTS_ERR_PACKET_ID_ZERO,
      0x70, 0x02, /* PUBCOMP, rl 2 */
      0x00, 0x00  /* pid 0 */),
    D("v5_pubcomp_packet_id_zero", V5, MQTTS_ERR_PACKET_ID_ZERO,
      0x70, 0x04, /* PUBCOMP, rl 4 */
      0x00, 0x00, /* pid 0 */
      0x00,       /* rc Success */
      0x00        /* plen 0 */),
    D("v311_suback_packet_id_zero", V3, MQTTS_ERR_PACKET_ID_ZERO,
      0x90, 0x03, /* SUBACK, rl 3 */
      0x00, 0x00, /* pid 0 */
      0x00        /* rc Granted QoS 0 */),
    D("v5_suback_packet_id_zero", V5, MQTTS_ERR_PACKET_ID_ZERO,
      0x90, 0x04, /* SUBACK, rl 4 */
      0x00, 0x00, /* pid 0 */
      0x00,       /* plen 0 */
      0x00        /* rc Granted QoS 0 */),
    D("v311_unsuback_packet_id_zero", V3, MQTTS_ERR_PACKET_ID_ZERO,
      0xB0, 0x02, /* UNSUBACK, rl 2 */
      0x00, 0x00  /* pid 0 */),
    D("v5_unsuback_packet_id_zero", V5, MQTTS_ERR_PACKET_ID_ZERO,
      0xB0, 0x04, /* UNSUBACK, rl 4 */
      0x00, 0x00, /* pid 0 */
      0x00,       /* plen 0 */
      0x00        /* rc Success */),

    /* ===== Topic names in PUBLISH ===== */
    D("v311_publish_topic_plus", V3, MQTTS_ERR_TOPIC_WILDCARD,
      0x30, 0x05,                  /* PUBLISH QoS 0, rl 5 */
      0x00, 0x03, 'a', '/', '+'    /* topic "a/+" */),
    D("v5_publish_topic_plus_alone", V5, MQTTS_ERR_TOPIC_WILDCARD,
      0x30, 0x04,       /* PUBLISH QoS 0, rl 4 */
      0x00, 0x01, '+',  /* topic "+" */
      0x00              /* plen 0 */),
    D("v311_publish_topic_hash_qos1", V3, MQTTS_ERR_TOPIC_WILDCARD,
      0x32, 0x05,       /* PUBLISH QoS 1, rl 5 */
      0x00, 0x01, '#',  /* topic "#" */
      0x00, 0x01        /* pid 1 */),
    D("v5_publish_topic_hash", V5, MQTTS_ERR_TOPIC_WILDCARD,
      0x30, 0x06,                  /* PUBLISH QoS 0, rl 6 */
      0x00, 0x03, 'a', '/', '#',   /* topic "a/#" */
      0x00                         /* plen 0 */),
    D("v5_publish_topic_hash_inside_level", V5, MQTTS_ERR_TOPIC_WILDCARD,
      0x30, 0x06,                  /* PUBLISH QoS 0, rl 6 */
      0x00, 0x03, 'a', '#', 'b',   /* topic "a#b" */
      0x00                         /* plen 0 */),
    D("v311_publish_topic_empty", V3, MQTTS_ERR_TOPIC_EMPTY,
      0x30, 0x02, /* PUBLISH QoS 0, rl 2 */
      0x00, 0x00  /* topic "" */),
    D("v311_publish_topic_empty_qos1", V3, MQTTS_ERR_TOPIC_EMPTY,
      0x32, 0x05, /* PUBLISH QoS 1, rl 5 */
      0x00, 0x00, /* topic "" */
      0x00, 0x01, /* pid 1 */
      'x'         /* payload "x" */),
    D("v5_publish_topic_empty_no_alias", V5, MQTTS_ERR_TOPIC_EMPTY,
      0x30, 0x03, /* PUBLISH QoS 0, rl 3 */
      0x00, 0x00, /* topic "" */
      0x00        /* plen 0: no Topic Alias */),
    D("v5_publish_topic_empty_other_props", V5, MQTTS_ERR_TOPIC_EMPTY,
      0x30, 0x05, /* PUBLISH QoS 0, rl 5 */
      0x00, 0x00, /* topic "" */
      0x02,       /* plen 2 */
      0x01, 0x01  /* Payload Format Indicator 1 (no Topic Alias) */),

    /* ===== UTF-8 in the topic name ===== */
    D("v311_publish_topic_nul", V3, MQTTS_ERR_UTF8_NULL,
      0x30, 0x05,                    /* PUBLISH QoS 0, rl 5 */
      0x00, 0x03, 'a', 0x00, 'b'     /* topic "a" U+0000 "b" */),
    D("v5_publish_topic_nul", V5, MQTTS_ERR_UTF8_NULL,
      0x30, 0x04,       /* PUBLISH QoS 0, rl 4 */
      0x00, 0x01, 0x00, /* topic U+0000 */
      0x00              /* plen 0 */),
    D("v311_publish_topic_surrogate", V3, MQTTS_ERR_UTF8_SURROGATE,
      0x30, 0x05,                    /* PUBLISH QoS 0, rl 5 */
      0x00, 0x03, 0xED, 0xA0, 0x80   /* topic U+D800 */),
    D("v5_publish_topic_surrogate_dfff", V5, MQTTS_ERR_UTF8_SURROGATE,
      0x30, 0x06,                    /* PUBLISH QoS 0, rl 6 */
      0x00, 0x03, 0xED, 0xBF, 0xBF,  /* topic U+DFFF */
      0x00                           /* plen 0 */),
    D("v311_publish_topic_overlong_2", V3, MQTTS_ERR_UTF8_OVERLONG,
      0x30, 0x04,             /* PUBLISH QoS 0, rl 4 */
      0x00, 0x02, 0xC0, 0xAF  /* topic: '/' in 2 bytes */),
    D("v5_publish_topic_overlong_3", V5, MQTTS_ERR_UTF8_OVERLONG,
      0x30, 0x06,                    /* PUBLISH QoS 0, rl 6 */
      0x00, 0x03, 0xE0, 0x80, 0xAF,  /* topic: '/' in 3 bytes */
      0x00                           /* plen 0 */),
    D("v311_publish_topic_overlong_4", V3, MQTTS_ERR_UTF8_OVERLONG,
      0x30, 0x06,                          /* PUBLISH QoS 0, rl 6 */
      0x00, 0x04, 0xF0, 0x80, 0x80, 0xAF   /* topic: '/' in 4 bytes */),
    D("v5_publish_topic_too_large", V5, MQTTS_ERR_UTF8_TOO_LARGE,
      0x30, 0x07,                          /* PUBLISH QoS 0, rl 7 */
      0x00, 0x04, 0xF4, 0x90, 0x80, 0x80,  /* topic U+110000 */
      0x00                                 /* plen 0 */),
    D("v311_publish_topic_too_large", V3, MQTTS_ERR_UTF8_TOO_LARGE,
      0x30, 0x06,                          /* PUBLISH QoS 0, rl 6 */
      0x00, 0x04, 0xF4, 0x90, 0x80, 0x80   /* topic U+110000 */),
    D("v311_publish_topic_lone_continuation", V3, MQTTS_ERR_UTF8_MALFORMED,
      0x30, 0x04,             /* PUBLISH QoS 0, rl 4 */
      0x00, 0x02, 'a', 0x80   /* topic "a" + lone continuation byte */),
    D("v5_publish_topic_truncated_sequence", V5, MQTTS_ERR_UTF8_MALFORMED,
      0x30, 0x05,             /* PUBLISH QoS 0, rl 5 */
      0x00, 0x02, 0xE2, 0x82, /* topic: 2 of the 3 bytes of U+20AC */
      0x00                    /* plen 0 */),
    D("v311_publish_topic_truncated_4_byte", V3, MQTTS_ERR_UTF8_MALFORMED,
      0x30, 0x05,                    /* PUBLISH QoS 0, rl 5 */
      0x00, 0x03, 0xF0, 0x9D, 0x84   /* topic: 3 of the 4 bytes of U+1D11E */),
    D("v5_publish_topic_bad_continuation", V5, MQTTS_ERR_UTF8_MALFORMED,
      0x30, 0x05,             /* PUBLISH QoS 0, rl 5 */
      0x00, 0x02, 0xC3, 'a',  /* topic: lead byte then ASCII */
      0x00                    /* plen 0 */),
    D("v311_publish_topic_ff", V3, MQTTS_ERR_UTF8_MALFORMED,
      0x30, 0x03,       /* PUBLISH QoS 0, rl 3 */
      0x00, 0x01, 0xFF  /* topic: byte 0xFF */),

    /* ===== UTF-8 in string properties ===== */
    D("v5_puback_reason_string_surrogate", V5, MQTTS_ERR_UTF8_SURROGATE,
      0x40, 0x0A,                          /* PUBACK, rl 10 */
      0x00, 0x01,                          /* pid 1 */
      0x10,                                /* rc No matching subscribers */
      0x06,                                /* plen 6 */
      0x1F, 0x00, 0x03, 0xED, 0xA0, 0x80   /* Reason String U+D800 */),
    D("v5_publish_content_type_nul", V5, MQTTS_ERR_UTF8_NULL,
      0x30, 0x09,                    /* PUBLISH QoS 0, rl 9 */
      0x00, 0x01, 'a',               /* topic "a" */
      0x05,                          /* plen 5 */
      0x03, 0x00, 0x02, 'a', 0x00    /* Content Type "a" U+0000 */),
    D("v5_connack_assigned_client_id_ff", V5, MQTTS_ERR_UTF8_MALFORMED,
      0x20, 0x08,                    /* CONNACK, rl 8 */
      0x00,                          /* ack flags */
      0x00,                          /* rc Success */
      0x05,                          /* plen 5 */
      0x12, 0x00, 0x02, 'a', 0xFF    /* Assigned Client Identifier "a" 0xFF */),
    D("v5_publish_response_topic_overlong", V5, MQTTS_ERR_UTF8_OVERLONG,
      0x30, 0x09,                    /* PUBLISH QoS 0, rl 9 */
      0x00, 0x01, 'a',               /* topic "a" */
      0x05,                          /* plen 5 */
      0x08, 0x00, 0x02, 0xC1, 0xBF   /* Response Topic: U+007F in 2 bytes */),
    D("v5_connack_response_information_too_large", V5, MQTTS_ERR_UTF8_TOO_LARGE,
      0x20, 0x0A,                          /* CONNACK, rl 10 */
      0x00,                                /* ack flags */
      0x00,                                /* rc Success */
      0x07,                                /* plen 7 */
      0x1A, 0x00, 0x04, 0xF4, 0x90, 0x80, 0x80 /* Response Information U+110000 */),
    D("v5_puback_user_property_name_nul", V5, MQTTS_ERR_UTF8_NULL,
      0x40, 0x0B,             /* PUBACK, rl 11 */
      0x00, 0x01,             /* pid 1 */
      0x00,                   /* rc Success */
      0x07,                   /* plen 7 */
      0x26,                   /* User Property */
      0x00, 0x01, 0x00,       /* name U+0000 */
      0x00, 0x01, 'v'         /* value "v" */),
    D("v5_puback_user_property_value_overlong", V5, MQTTS_ERR_UTF8_OVERLONG,
      0x40, 0x0D,             /* PUBACK, rl 13 */
      0x00, 0x01,             /* pid 1 */
      0x00,                   /* rc Success */
      0x09,                   /* plen 9 */
      0x26,                   /* User Property */
      0x00, 0x01, 'k',        /* name "k" */
      0x00, 0x03, 0xE0, 0x80, 0xAF /* value: '/' in 3 bytes */),
    D("v5_disconnect_reason_string_lone_continuation", V5, MQTTS_ERR_UTF8_MALFORMED,
      0xE0, 0x06,             /* DISCONNECT, rl 6 */
      0x00,                   /* rc Normal disconnection */
      0x04,                   /* plen 4 */
      0x1F, 0x00, 0x01, 0x80  /* Reason String: lone continuation byte */),
    D("v5_disconnect_server_reference_surrogate", V5, MQTTS_ERR_UTF8_SURROGATE,
      0xE0, 0x08,                          /* DISCONNECT, rl 8 */
      0x9C,                                /* rc Use another server */
      0x06,                                /* plen 6 */
      0x1C, 0x00, 0x03, 0xED, 0xB0, 0x80   /* Server Reference U+DC00 */),
    D("v5_auth_method_nul", V5, MQTTS_ERR_UTF8_NULL,
      0xF0, 0x07,                    /* AUTH, rl 7 */
      0x18,                          /* rc Continue authentication */
      0x05,                          /* plen 5 */
      0x15, 0x00, 0x02, 'a', 0x00    /* Authentication Method "a" U+0000 */),

    /* ===== CONNACK ===== */
    D("v311_connack_ack_flags_reserved", V3, MQTTS_ERR_CONNACK_FLAGS,
      0x20, 0x02, /* CONNACK, rl 2 */
      0x02,       /* ack flags: reserved bit 1 set */
      0x00        /* rc Accepted */),
    D("v311_connack_ack_flags_all", V3, MQTTS_ERR_CONNACK_FLAGS,
      0x20, 0x02, /* CONNACK, rl 2 */
      0xFF,       /* ack flags: all bits set */
      0x00        /* rc Accepted */),
    D("v5_connack_ack_flags_reserved", V5, MQTTS_ERR_CONNACK_FLAGS,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x80,       /* ack flags: reserved bit 7 set */
      0x00,       /* rc Success */
      0x00        /* plen 0 */),
    D("v311_connack_session_present_on_failure", V3, MQTTS_ERR_SESSION_PRESENT_ON_FAILURE,
      0x20, 0x02, /* CONNACK, rl 2 */
      0x01,       /* session present */
      0x05        /* rc Not authorized */),
    D("v5_connack_session_present_on_failure", V5, MQTTS_ERR_SESSION_PRESENT_ON_FAILURE,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x01,       /* session present */
      0x87,       /* rc Not authorized */
      0x00        /* plen 0 */),
    D("v5_connack_session_present_on_unspecified", V5, MQTTS_ERR_SESSION_PRESENT_ON_FAILURE,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x01,       /* session present */
      0x80,       /* rc Unspecified error */
      0x00        /* plen 0 */),
    D("v311_connack_return_code_6", V3, MQTTS_ERR_REASON_CODE_INVALID,
      0x20, 0x02, /* CONNACK, rl 2 */
      0x00,       /* ack flags */
      0x06        /* return code 6 (reserved) */),
    D("v311_connack_return_code_0x87", V3, MQTTS_ERR_REASON_CODE_INVALID,
      0x20, 0x02, /* CONNACK, rl 2 */
      0x00,       /* ack flags */
      0x87        /* a v5 reason code in 3.1.1 */),
    D("v5_connack_reason_0x01", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x00,       /* ack flags */
      0x01,       /* rc 0x01: not a CONNACK reason */
      0x00        /* plen 0 */),
    D("v5_connack_reason_0x04", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x00,       /* ack flags */
      0x04,       /* rc 0x04: not a CONNACK reason */
      0x00        /* plen 0 */),
    D("v5_connack_reason_0x05", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x00,       /* ack flags */
      0x05,       /* rc 0x05: a 3.1.1 return code, not a v5 reason */
      0x00        /* plen 0 */),

    /* ===== Reason codes not allowed in the packet ===== */
    D("v5_puback_reason_0x92", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x40, 0x03, /* PUBACK, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x92        /* Packet Identifier not found: PUBREL/PUBCOMP only */),
    D("v5_puback_reason_0x02", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x40, 0x03, /* PUBACK, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x02        /* Granted QoS 2: SUBACK only */),
    D("v5_pubrec_reason_0x92", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x50, 0x03, /* PUBREC, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x92        /* Packet Identifier not found: PUBREL/PUBCOMP only */),
    D("v5_pubrel_reason_0x10", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x62, 0x03, /* PUBREL, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x10        /* No matching subscribers: PUBACK/PUBREC only */),
    D("v5_pubcomp_reason_0x10", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x70, 0x03, /* PUBCOMP, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x10        /* No matching subscribers: PUBACK/PUBREC only */),
    D("v5_suback_reason_0x03", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x90, 0x04, /* SUBACK, rl 4 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* plen 0 */
      0x03        /* "Granted QoS 3" does not exist */),
    D("v5_suback_second_reason_0x11", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0x90, 0x05, /* SUBACK, rl 5 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* plen 0 */
      0x00,       /* rc Granted QoS 0 */
      0x11        /* No subscription existed: UNSUBACK only */),
    D("v311_suback_return_code_0x03", V3, MQTTS_ERR_REASON_CODE_INVALID,
      0x90, 0x03, /* SUBACK, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x03        /* return code 3 (not 0, 1, 2, 0x80) */),
    D("v311_suback_return_code_0x87", V3, MQTTS_ERR_REASON_CODE_INVALID,
      0x90, 0x04, /* SUBACK, rl 4 */
      0x00, 0x01, /* pid 1 */
      0x01,       /* Granted QoS 1 */
      0x87        /* a v5-only code in 3.1.1 */),
    D("v5_unsuback_reason_0x01", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0xB0, 0x04, /* UNSUBACK, rl 4 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* plen 0 */
      0x01        /* Granted QoS 1: SUBACK only */),
    D("v5_disconnect_reason_0x04_from_server", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0xE0, 0x01, /* DISCONNECT, rl 1 */
      0x04        /* Disconnect with Will Message: client only */),
    D("v5_disconnect_reason_0x04_with_props", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0xE0, 0x02, /* DISCONNECT, rl 2 */
      0x04,       /* Disconnect with Will Message: client only */
      0x00        /* plen 0 */),
    D("v5_disconnect_reason_0x01", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0xE0, 0x01, /* DISCONNECT, rl 1 */
      0x01        /* not a DISCONNECT reason */),
    D("v5_auth_reason_0x19_from_server", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0xF0, 0x08,                     /* AUTH, rl 8 */
      0x19,                           /* Re-authenticate: sent by the client only */
      0x06,                           /* plen 6 */
      0x15, 0x00, 0x03, 'a', 'b', 'c' /* Authentication Method "abc" */),
    D("v5_auth_reason_0x80", V5, MQTTS_ERR_REASON_CODE_INVALID,
      0xF0, 0x02, /* AUTH, rl 2 */
      0x80,       /* Unspecified error: not an AUTH reason */
      0x00        /* plen 0 */),

    /* ===== Empty reason code lists ===== */
    D("v5_suback_no_reason_codes", V5, MQTTS_ERR_NO_REASON_CODES,
      0x90, 0x03, /* SUBACK, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x00        /* plen 0; no reason codes */),
    D("v5_suback_props_no_reason_codes", V5, MQTTS_ERR_NO_REASON_CODES,
      0x90, 0x07,             /* SUBACK, rl 7 */
      0x00, 0x01,             /* pid 1 */
      0x04,                   /* plen 4 */
      0x1F, 0x00, 0x01, 'r'   /* Reason String "r"; no reason codes */),
    D("v5_unsuback_no_reason_codes", V5, MQTTS_ERR_NO_REASON_CODES,
      0xB0, 0x03, /* UNSUBACK, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x00        /* plen 0; no reason codes */),
    D("v311_suback_no_return_codes", V3, MQTTS_ERR_NO_REASON_CODES,
      0x90, 0x02, /* SUBACK, rl 2 */
      0x00, 0x01  /* pid 1; no return codes */),

    /* ===== Unknown property identifiers ===== */
    D("v5_connack_property_0x00_unknown", V5, MQTTS_ERR_PROPERTY_UNKNOWN,
      0x20, 0x04, /* CONNACK, rl 4 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x01,       /* plen 1 */
      0x00        /* property 0x00 */),
    D("v5_connack_property_0x04_unknown", V5, MQTTS_ERR_PROPERTY_UNKNOWN,
      0x20, 0x04, /* CONNACK, rl 4 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x01,       /* plen 1 */
      0x04        /* property 0x04 */),
    D("v5_puback_property_0x2b_unknown", V5, MQTTS_ERR_PROPERTY_UNKNOWN,
      0x40, 0x06, /* PUBACK, rl 6 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* rc Success */
      0x02,       /* plen 2 */
      0x2B, 0x00  /* property 0x2B */),
    D("v5_publish_property_0x7f_unknown", V5, MQTTS_ERR_PROPERTY_UNKNOWN,
      0x30, 0x06,       /* PUBLISH QoS 0, rl 6 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x02,             /* plen 2 */
      0x7F, 0x00        /* property 0x7F */),

    D("v5_connack_property_id_128_unknown", V5, MQTTS_ERR_PROPERTY_UNKNOWN,
      0x20, 0x05, /* CONNACK, rl 5 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x02,       /* plen 2 */
      0x80, 0x01  /* property id 128 (a 2-byte varint) */),
    D("v5_puback_property_id_294_unknown", V5, MQTTS_ERR_PROPERTY_UNKNOWN,
      0x40, 0x0A,             /* PUBACK, rl 10 */
      0x00, 0x01,             /* pid 1 */
      0x00,                   /* rc Success */
      0x06,                   /* plen 6 */
      0xA6, 0x02,             /* property id 294 (its low byte is 0x26, User Property) */
      0x00, 0x00, 0x00, 0x00  /* what would be an empty name and value */),
    D("v5_connack_property_id_not_minimal", V5, MQTTS_ERR_VARINT_NOT_MINIMAL,
      0x20, 0x09,             /* CONNACK, rl 9 */
      0x00,                   /* ack flags */
      0x00,                   /* rc Success */
      0x06,                   /* plen 6 */
      0xA6, 0x00,             /* property id 0x26 in 2 bytes */
      0x00, 0x00, 0x00, 0x00  /* empty name and value */),
    D("v5_publish_property_id_cut", V5, MQTTS_ERR_PROPERTY_TRUNCATED,
      0x30, 0x06,       /* PUBLISH QoS 0, rl 6 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x01,             /* plen 1 */
      0x80,             /* property id: varint cut by the block */
      0x78              /* payload byte (would complete the varint) */),
    D("v5_publish_response_topic_empty", V5, MQTTS_ERR_TOPIC_EMPTY,
      0x30, 0x07,             /* PUBLISH QoS 0, rl 7 */
      0x00, 0x01, 'a',        /* topic "a" */
      0x03,                   /* plen 3 */
      0x08, 0x00, 0x00        /* Response Topic "" (a topic name is >= 1 char) */),

    /* ===== Properties not allowed in the packet ===== */
    D("v5_connack_topic_alias_not_allowed", V5, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
      0x20, 0x06,       /* CONNACK, rl 6 */
      0x00,             /* ack flags */
      0x00,             /* rc Success */
      0x03,             /* plen 3 */
      0x23, 0x00, 0x01  /* Topic Alias 1 */),
    D("v5_publish_server_keep_alive_not_allowed", V5, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
      0x30, 0x07,       /* PUBLISH QoS 0, rl 7 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x03,             /* plen 3 */
      0x13, 0x00, 0x0A  /* Server Keep Alive 10 */),
    D("v5_puback_assigned_client_id_not_allowed", V5, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
      0x40, 0x08,             /* PUBACK, rl 8 */
      0x00, 0x01,             /* pid 1 */
      0x00,                   /* rc Success */
      0x04,                   /* plen 4 */
      0x12, 0x00, 0x01, 'c'   /* Assigned Client Identifier "c" */),
    D("v5_disconnect_session_expiry_from_server", V5, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
      0xE0, 0x07,                   /* DISCONNECT, rl 7 */
      0x00,                         /* rc Normal disconnection */
      0x05,                         /* plen 5 */
      0x11, 0x00, 0x00, 0x00, 0x0A  /* Session Expiry Interval 10 [MQTT-3.14.2-2] */),
    D("v5_connack_subscription_id_not_allowed", V5, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
      0x20, 0x05, /* CONNACK, rl 5 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x02,       /* plen 2 */
      0x0B, 0x01  /* Subscription Identifier 1 */),
    D("v5_publish_will_delay_not_allowed", V5, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
      0x30, 0x09,                   /* PUBLISH QoS 0, rl 9 */
      0x00, 0x01, 'a',              /* topic "a" */
      0x05,                         /* plen 5 */
      0x18, 0x00, 0x00, 0x00, 0x0A  /* Will Delay Interval 10 */),
    D("v5_publish_request_problem_info_not_allowed", V5, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
      0x30, 0x06,       /* PUBLISH QoS 0, rl 6 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x02,             /* plen 2 */
      0x17, 0x01        /* Request Problem Information 1 (CONNECT only) */),
    D("v5_suback_receive_maximum_not_allowed", V5, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
      0x90, 0x07,       /* SUBACK, rl 7 */
      0x00, 0x01,       /* pid 1 */
      0x03,             /* plen 3 */
      0x21, 0x00, 0x0A, /* Receive Maximum 10 */
      0x00              /* rc Granted QoS 0 */),
    D("v5_auth_topic_alias_not_allowed", V5, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
      0xF0, 0x05,       /* AUTH, rl 5 */
      0x18,             /* rc Continue authentication */
      0x03,             /* plen 3 */
      0x23, 0x00, 0x01  /* Topic Alias 1 */),

    /* ===== Single-valued properties twice ===== */
    D("v5_puback_reason_string_twice", V5, MQTTS_ERR_PROPERTY_DUPLICATE,
      0x40, 0x0E,                   /* PUBACK, rl 14 */
      0x00, 0x01,                   /* pid 1 */
      0x10,                         /* rc No matching subscribers */
      0x0A,                         /* plen 10 */
      0x1F, 0x00, 0x02, 'a', 'b',   /* Reason String "ab" */
      0x1F, 0x00, 0x02, 'c', 'd'    /* Reason String "cd" */),
    D("v5_publish_topic_alias_twice", V5, MQTTS_ERR_PROPERTY_DUPLICATE,
      0x30, 0x0A,       /* PUBLISH QoS 0, rl 10 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x06,             /* plen 6 */
      0x23, 0x00, 0x01, /* Topic Alias 1 */
      0x23, 0x00, 0x02  /* Topic Alias 2 */),
    D("v5_connack_receive_maximum_twice", V5, MQTTS_ERR_PROPERTY_DUPLICATE,
      0x20, 0x09,       /* CONNACK, rl 9 */
      0x00,             /* ack flags */
      0x00,             /* rc Success */
      0x06,             /* plen 6 */
      0x21, 0x00, 0x0A, /* Receive Maximum 10 */
      0x21, 0x00, 0x0A  /* Receive Maximum 10 again */),
    D("v5_connack_maximum_packet_size_twice", V5, MQTTS_ERR_PROPERTY_DUPLICATE,
      0x20, 0x0D,                   /* CONNACK, rl 13 */
      0x00,                         /* ack flags */
      0x00,                         /* rc Success */
      0x0A,                         /* plen 10 */
      0x27, 0x00, 0x00, 0x04, 0x00, /* Maximum Packet Size 1024 */
      0x27, 0x00, 0x00, 0x08, 0x00  /* Maximum Packet Size 2048 */),
    D("v5_publish_content_type_twice", V5, MQTTS_ERR_PROPERTY_DUPLICATE,
      0x30, 0x0C,             /* PUBLISH QoS 0, rl 12 */
      0x00, 0x01, 'a',        /* topic "a" */
      0x08,                   /* plen 8 */
      0x03, 0x00, 0x01, 'x',  /* Content Type "x" */
      0x03, 0x00, 0x01, 'y'   /* Content Type "y" */),
    D("v5_connack_session_expiry_twice", V5, MQTTS_ERR_PROPERTY_DUPLICATE,
      0x20, 0x0D,                   /* CONNACK, rl 13 */
      0x00,                         /* ack flags */
      0x00,                         /* rc Success */
      0x0A,                         /* plen 10 */
      0x11, 0x00, 0x00, 0x00, 0x01, /* Session Expiry Interval 1 */
      0x11, 0x00, 0x00, 0x00, 0x02  /* Session Expiry Interval 2 */),

    /* ===== Property values out of range ===== */
    D("v5_publish_payload_format_2", V5, MQTTS_ERR_PROPERTY_VALUE,
      0x30, 0x06,       /* PUBLISH QoS 0, rl 6 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x02,             /* plen 2 */
      0x01, 0x02        /* Payload Format Indicator 2 */),
    D("v5_connack_maximum_qos_2", V5, MQTTS_ERR_PROPERTY_VALUE,
      0x20, 0x05, /* CONNACK, rl 5 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x02,       /* plen 2 */
      0x24, 0x02  /* Maximum QoS 2 (only 0 or 1 may be sent) */),
    D("v5_connack_retain_available_2", V5, MQTTS_ERR_PROPERTY_VALUE,
      0x20, 0x05, /* CONNACK, rl 5 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x02,       /* plen 2 */
      0x25, 0x02  /* Retain Available 2 */),
    D("v5_connack_receive_maximum_0", V5, MQTTS_ERR_PROPERTY_VALUE,
      0x20, 0x06,       /* CONNACK, rl 6 */
      0x00,             /* ack flags */
      0x00,             /* rc Success */
      0x03,             /* plen 3 */
      0x21, 0x00, 0x00  /* Receive Maximum 0 */),
    D("v5_connack_maximum_packet_size_0", V5, MQTTS_ERR_PROPERTY_VALUE,
      0x20, 0x08,                   /* CONNACK, rl 8 */
      0x00,                         /* ack flags */
      0x00,                         /* rc Success */
      0x05,                         /* plen 5 */
      0x27, 0x00, 0x00, 0x00, 0x00  /* Maximum Packet Size 0 */),
    D("v5_connack_wildcard_available_2", V5, MQTTS_ERR_PROPERTY_VALUE,
      0x20, 0x05, /* CONNACK, rl 5 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x02,       /* plen 2 */
      0x28, 0x02  /* Wildcard Subscription Available 2 */),
    D("v5_connack_subscription_id_available_2", V5, MQTTS_ERR_PROPERTY_VALUE,
      0x20, 0x05, /* CONNACK, rl 5 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x02,       /* plen 2 */
      0x29, 0x02  /* Subscription Identifier Available 2 */),
    D("v5_connack_shared_available_2", V5, MQTTS_ERR_PROPERTY_VALUE,
      0x20, 0x05, /* CONNACK, rl 5 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x02,       /* plen 2 */
      0x2A, 0x02  /* Shared Subscription Available 2 */),
    D("v5_publish_topic_alias_0", V5, MQTTS_ERR_TOPIC_ALIAS_ZERO,
      0x30, 0x07,       /* PUBLISH QoS 0, rl 7 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x03,             /* plen 3 */
      0x23, 0x00, 0x00  /* Topic Alias 0 [MQTT-3.3.2-8] */),
    D("v5_publish_subscription_id_0", V5, MQTTS_ERR_SUBSCRIPTION_ID_ZERO,
      0x30, 0x06,       /* PUBLISH QoS 0, rl 6 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x02,             /* plen 2 */
      0x0B, 0x00        /* Subscription Identifier 0 */),
    D("v5_publish_response_topic_hash", V5, MQTTS_ERR_TOPIC_WILDCARD,
      0x30, 0x0A,                       /* PUBLISH QoS 0, rl 10 */
      0x00, 0x01, 'a',                  /* topic "a" */
      0x06,                             /* plen 6 */
      0x08, 0x00, 0x03, 'r', '/', '#'   /* Response Topic "r/#" [MQTT-3.3.2-14] */),
    D("v5_publish_response_topic_plus", V5, MQTTS_ERR_TOPIC_WILDCARD,
      0x30, 0x08,             /* PUBLISH QoS 0, rl 8 */
      0x00, 0x01, 'a',        /* topic "a" */
      0x04,                   /* plen 4 */
      0x08, 0x00, 0x01, '+'   /* Response Topic "+" */),

    /* ===== Positive controls ===== */
    D("v311_connack_ok", V3, MQTTS_OK,
      0x20, 0x02, /* CONNACK, rl 2 */
      0x00,       /* ack flags */
      0x00        /* rc Accepted */),
    D("v311_connack_session_present_ok", V3, MQTTS_OK,
      0x20, 0x02, /* CONNACK, rl 2 */
      0x01,       /* session present */
      0x00        /* rc Accepted */),
    D("v311_connack_refused_ok", V3, MQTTS_OK,
      0x20, 0x02, /* CONNACK, rl 2 */
      0x00,       /* ack flags */
      0x05        /* rc Not authorized */),
    D("v5_connack_ok", V5, MQTTS_OK,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x00,       /* ack flags */
      0x00,       /* rc Success */
      0x00        /* plen 0 */),
    D("v5_connack_failure_ok", V5, MQTTS_OK,
      0x20, 0x03, /* CONNACK, rl 3 */
      0x00,       /* no session */
      0x87,       /* rc Not authorized */
      0x00        /* plen 0 */),
    DA("v5_connack_props_ok", V5, MQTTS_OK, v5_connack_props_ok),
    D("v311_puback_ok", V3, MQTTS_OK,
      0x40, 0x02, /* PUBACK, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_puback_short_ok", V5, MQTTS_OK,
      0x40, 0x02, /* PUBACK, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_puback_reason_only_ok", V5, MQTTS_OK,
      0x40, 0x03, /* PUBACK, rl 3 */
      0x00, 0x01, /* pid 1 */
      0x10        /* rc No matching subscribers */),
    DA("v5_puback_user_property_twice_ok", V5, MQTTS_OK, v5_puback_user_twice_ok),
    D("v311_pubrec_ok", V3, MQTTS_OK,
      0x50, 0x02, /* PUBREC, rl 2 */
      0x00, 0x07  /* pid 7 */),
    D("v311_pubrel_ok", V3, MQTTS_OK,
      0x62, 0x02, /* PUBREL (flags 0010), rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_pubrel_0x92_ok", V5, MQTTS_OK,
      0x62, 0x03, /* PUBREL (flags 0010), rl 3 */
      0x00, 0x01, /* pid 1 */
      0x92        /* rc Packet Identifier not found */),
    D("v5_pubcomp_ok", V5, MQTTS_OK,
      0x70, 0x04, /* PUBCOMP, rl 4 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* rc Success */
      0x00        /* plen 0 */),
    D("v311_publish_qos0_ok", V3, MQTTS_OK,
      0x30, 0x03,       /* PUBLISH QoS 0, rl 3 */
      0x00, 0x01, 'a'   /* topic "a", empty payload */),
    DA("v311_publish_qos2_dup_retain_ok", V3, MQTTS_OK, v311_publish_qos2_ok),
    D("v5_publish_qos1_ok", V5, MQTTS_OK,
      0x32, 0x06,       /* PUBLISH QoS 1, rl 6 */
      0x00, 0x01, 'a',  /* topic "a" */
      0x00, 0x01,       /* pid 1 */
      0x00              /* plen 0 */),
    DA("v5_publish_empty_topic_with_alias_ok", V5, MQTTS_OK, v5_publish_alias_only_ok),
    DA("v5_publish_two_subscription_ids_ok", V5, MQTTS_OK, v5_publish_two_sub_ids_ok),
    D("v5_publish_utf8_topic_ok", V5, MQTTS_OK,
      0x30, 0x0C,                    /* PUBLISH QoS 0, rl 12 */
      0x00, 0x09,                    /* topic length 9 */
      0xC3, 0xA9,                    /* U+00E9 */
      0xE2, 0x82, 0xAC,              /* U+20AC */
      0xF0, 0x9D, 0x84, 0x9E,        /* U+1D11E */
      0x00                           /* plen 0 */),
    D("v5_publish_response_topic_ok", V5, MQTTS_OK,
      0x30, 0x0A,                       /* PUBLISH QoS 0, rl 10 */
      0x00, 0x01, 'a',                  /* topic "a" */
      0x06,                             /* plen 6 */
      0x08, 0x00, 0x03, 'r', '/', 's'   /* Response Topic "r/s" */),
    D("v311_suback_ok", V3, MQTTS_OK,
      0x90, 0x04, /* SUBACK, rl 4 */
      0x00, 0x01, /* pid 1 */
      0x02,       /* Granted QoS 2 */
      0x80        /* Failure */),
    D("v5_suback_ok", V5, MQTTS_OK,
      0x90, 0x05, /* SUBACK, rl 5 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* plen 0 */
      0x01,       /* Granted QoS 1 */
      0xA2        /* Wildcard Subscriptions not supported */),
    D("v311_unsuback_ok", V3, MQTTS_OK,
      0xB0, 0x02, /* UNSUBACK, rl 2 */
      0x00, 0x01  /* pid 1 */),
    D("v5_unsuback_ok", V5, MQTTS_OK,
      0xB0, 0x04, /* UNSUBACK, rl 4 */
      0x00, 0x01, /* pid 1 */
      0x00,       /* plen 0 */
      0x11        /* No subscription existed */),
    D("v311_pingresp_ok", V3, MQTTS_OK,
      0xD0, 0x00 /* PINGRESP, rl 0 */),
    D("v5_pingresp_ok", V5, MQTTS_OK,
      0xD0, 0x00 /* PINGRESP, rl 0 */),
    D("v5_disconnect_ok", V5, MQTTS_OK,
      0xE0, 0x00 /* DISCONNECT, rl 0 */),
    D("v5_disconnect_session_taken_over_ok", V5, MQTTS_OK,
      0xE0, 0x01, /* DISCONNECT, rl 1 */
      0x8E        /* rc Session taken over */),
    D("v5_auth_ok", V5, MQTTS_OK,
      0xF0, 0x00 /* AUTH, rl 0 */),
    D("v5_auth_continue_ok", V5, MQTTS_OK,
      0xF0, 0x08,                    /* AUTH, rl 8 */
      0x18,                          /* rc Continue authentication */
      0x06,                          /* plen 6 */
      0x15, 0x00, 0x03, 'a', 'b', 'c' /* Authentication Method "abc" */),
};

#define CASE_COUNT (sizeof cases / sizeof cases[0])

/* ---------------------------------------------------------------------- */
/* Helpers. */


/* An independent reading of the fixed header: 1 type byte and a minimal
 * variable byte integer of at most 4 bytes. Returns the total size the
 * header announces, or 0 when it is not well formed. */
static size_t local_frame(const uint8_t *p, size_t n)
{
    uint32_t v = 0;
    size_t i;
    for (i = 0; i < 4; i++) {
        if (1 + i >= n)
            return 0;
        v |= (uint32_t)(p[1 + i] & 0x7F) << (7 * i);
        if (!(p[1 + i] & 0x80)) {
            if (i > 0 && p[1 + i] == 0)
                return 0; /* not minimal */
            return 2 + i + v;
        }
    }
    return 0;
}

static void check_strerror(mqtts_err err)
{
    const char *ok = mqtts_strerror(MQTTS_OK);
    const char *s = mqtts_strerror(err);
    assert_non_null(ok);
    assert_non_null(s);
    assert_true(strlen(s) > 0);
    assert_string_not_equal(s, ok);
}

static void report(const mal_case *c, mqtts_err got)
{
    if (got != c->expect)
        print_error("%s: expected %d (%s), got %d (%s)\n", c->name, (int)c->expect,
                    mqtts_strerror(c->expect), (int)got, mqtts_strerror(got));
}

/* ---------------------------------------------------------------------- */
/* One row. */

static void run_case(void **state)
{
    const mal_case *c = *state;
    uint8_t *copy = test_heap_copy(c->bytes, c->len);
    mqtts_packet pkt;
    size_t plen = 12345;
    mqtts_err fr, dr;

    /* Call first, free, then assert: a failed assertion leaves the test by
     * longjmp and would otherwise leak the copy. */
    fr = mqtts_frame(copy, c->len, 0, &plen);
    memset(&pkt, 0, sizeof pkt);
    dr = mqtts_decode(c->version, copy, c->len, &pkt);
    test_release(copy);

    if (c->via == VIA_FRAME) {
        report(c, fr);
        assert_int_equal(fr, c->expect);
        /* The same header given to the decoder is not accepted either. */
        assert_true(dr < 0);
    } else {
        /* The row's own framing is consistent: the remaining length covers
         * exactly the bytes given (checked independently, then by the
         * library), so the fault under test is the one in the body. */
        assert_int_equal(local_frame(c->bytes, c->len), c->len);
        assert_int_equal(fr, MQTTS_OK);
        assert_int_equal(plen, c->len);
        report(c, dr);
        assert_int_equal(dr, c->expect);
        if (dr == MQTTS_OK)
            assert_int_equal(pkt.type, c->bytes[0] >> 4);
    }
    if (c->expect != MQTTS_OK)
        check_strerror(c->expect);

    /* Every strict prefix, each on its own exact-size heap copy: never OK,
     * never a read past the end. */
    for (size_t n = 0; n < c->len; n++) {
        uint8_t *p = test_heap_copy(c->bytes, n);
        memset(&pkt, 0, sizeof pkt);
        dr = mqtts_decode(c->version, p, n, &pkt);
        fr = mqtts_frame(p, n, 0, &plen);
        test_release(p);
        if (dr == MQTTS_OK)
            print_error("%s: prefix of %zu bytes decoded OK\n", c->name, n);
        assert_int_not_equal(dr, MQTTS_OK);
        if (c->via == VIA_DECODE)
            assert_int_equal(fr, MQTTS_NEED_MORE);
        else
            assert_true(fr == MQTTS_NEED_MORE || fr == c->expect);
    }
}

/* ---------------------------------------------------------------------- */
/* Table-level tests. */

static void test_decode_table_names_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < CASE_COUNT; i++) {
        assert_non_null(cases[i].name);
        for (size_t j = i + 1; j < CASE_COUNT; j++) {
            if (strcmp(cases[i].name, cases[j].name) == 0)
                print_error("duplicate row name %s\n", cases[i].name);
            assert_string_not_equal(cases[i].name, cases[j].name);
        }
    }
}

static void test_decode_table_size(void **state)
{
    size_t bad = 0, good = 0, frame = 0;
    (void)state;
    for (size_t i = 0; i < CASE_COUNT; i++) {
        if (cases[i].expect == MQTTS_OK)
            good++;
        else
            bad++;
        if (cases[i].via == VIA_FRAME)
            frame++;
        /* Every row is for a version the codec speaks. */
        assert_true(cases[i].version == MQTTS_V311 || cases[i].version == MQTTS_V5);
        assert_true(cases[i].len >= 1);
        assert_true(cases[i].expect <= MQTTS_OK);
    }
    assert_true(CASE_COUNT >= 60);
    assert_true(bad >= 70);
    assert_true(good >= 5);
    assert_true(frame >= 2);
}

/* Every mqtts_err a client can get from mqtts_decode() for a malformed
 * packet appears in the table at least once. */
static void test_decode_table_covers_errors(void **state)
{
    static const mqtts_err want[] = {
        MQTTS_ERR_VARINT_TOO_LONG, MQTTS_ERR_VARINT_NOT_MINIMAL,
        MQTTS_ERR_PACKET_TYPE_RESERVED, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
        MQTTS_ERR_RESERVED_FLAGS, MQTTS_ERR_PACKET_TRUNCATED,
        MQTTS_ERR_TRAILING_BYTES, MQTTS_ERR_QOS_INVALID, MQTTS_ERR_DUP_ON_QOS0,
        MQTTS_ERR_PACKET_ID_ZERO, MQTTS_ERR_CONNACK_FLAGS,
        MQTTS_ERR_SESSION_PRESENT_ON_FAILURE, MQTTS_ERR_REASON_CODE_INVALID,
        MQTTS_ERR_NO_REASON_CODES, MQTTS_ERR_UTF8_MALFORMED, MQTTS_ERR_UTF8_NULL,
        MQTTS_ERR_UTF8_SURROGATE, MQTTS_ERR_UTF8_OVERLONG, MQTTS_ERR_UTF8_TOO_LARGE,
        MQTTS_ERR_TOPIC_EMPTY, MQTTS_ERR_TOPIC_WILDCARD,
        MQTTS_ERR_PROPERTY_UNKNOWN, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
        MQTTS_ERR_PROPERTY_DUPLICATE, MQTTS_ERR_PROPERTY_TRUNCATED,
        MQTTS_ERR_PROPERTY_VALUE, MQTTS_ERR_TOPIC_ALIAS_ZERO,
        MQTTS_ERR_SUBSCRIPTION_ID_ZERO,
    };
    (void)state;
    for (size_t w = 0; w < sizeof want / sizeof want[0]; w++) {
        bool found = false;
        for (size_t i = 0; i < CASE_COUNT && !found; i++)
            found = cases[i].expect == want[w];
        if (!found)
            print_error("no row expects %d\n", (int)want[w]);
        assert_true(found);
    }
}

/* The error names are distinct from each other, not just from "OK". */
static void test_strerror_distinct(void **state)
{
    static const mqtts_err all[] = {
        MQTTS_OK, MQTTS_NEED_MORE,
        MQTTS_ERR_INVALID_ARGUMENT, MQTTS_ERR_BUFFER_TOO_SMALL,
        MQTTS_ERR_STRING_TOO_LONG, MQTTS_ERR_PACKET_TOO_LARGE, MQTTS_ERR_VERSION,
        MQTTS_ERR_V5_ONLY, MQTTS_ERR_PASSWORD_WITHOUT_USERNAME,
        MQTTS_ERR_SHARED_NO_LOCAL,
        MQTTS_ERR_VARINT_TOO_LONG, MQTTS_ERR_VARINT_NOT_MINIMAL,
        MQTTS_ERR_PACKET_TYPE_RESERVED, MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
        MQTTS_ERR_RESERVED_FLAGS, MQTTS_ERR_PACKET_TRUNCATED,
        MQTTS_ERR_TRAILING_BYTES, MQTTS_ERR_QOS_INVALID, MQTTS_ERR_DUP_ON_QOS0,
        MQTTS_ERR_PACKET_ID_ZERO, MQTTS_ERR_CONNACK_FLAGS,
        MQTTS_ERR_SESSION_PRESENT_ON_FAILURE, MQTTS_ERR_REASON_CODE_INVALID,
        MQTTS_ERR_NO_REASON_CODES, MQTTS_ERR_UTF8_MALFORMED, MQTTS_ERR_UTF8_NULL,
        MQTTS_ERR_UTF8_SURROGATE, MQTTS_ERR_UTF8_OVERLONG, MQTTS_ERR_UTF8_TOO_LARGE,
        MQTTS_ERR_TOPIC_EMPTY, MQTTS_ERR_TOPIC_WILDCARD, MQTTS_ERR_FILTER_INVALID,
        MQTTS_ERR_SHARE_NAME_INVALID,
        MQTTS_ERR_PROPERTY_UNKNOWN, MQTTS_ERR_PROPERTY_NOT_ALLOWED,
        MQTTS_ERR_PROPERTY_DUPLICATE, MQTTS_ERR_PROPERTY_TRUNCATED,
        MQTTS_ERR_PROPERTY_VALUE, MQTTS_ERR_TOPIC_ALIAS_ZERO,
        MQTTS_ERR_SUBSCRIPTION_ID_ZERO,
    };
    const size_t n = sizeof all / sizeof all[0];
    const char *unknown = mqtts_strerror((mqtts_err)-999);
    (void)state;
    assert_non_null(unknown);
    for (size_t i = 0; i < n; i++) {
        const char *a = mqtts_strerror(all[i]);
        assert_non_null(a);
        assert_true(strlen(a) > 0);
        assert_string_not_equal(a, unknown);
        for (size_t j = i + 1; j < n; j++)
            assert_string_not_equal(a, mqtts_strerror(all[j]));
    }
}

/* ---------------------------------------------------------------------- */
/* Field checks on some positive controls. */

static void decode_ok(mqtts_version v, const uint8_t *bytes, size_t len, mqtts_packet *pkt,
                      uint8_t **keep)
{
    *keep = test_heap_copy(bytes, len);
    memset(pkt, 0, sizeof *pkt);
    mqtts_err r = mqtts_decode(v, *keep, len, pkt);
    if (r != MQTTS_OK) {
        test_release(*keep);
        *keep = NULL;
    }
    assert_int_equal(r, MQTTS_OK);
}

static void test_decode_v5_connack_props_fields(void **state)
{
    mqtts_packet pkt;
    uint8_t *buf;
    const mqtts_props *p;
    (void)state;
    decode_ok(MQTTS_V5, v5_connack_props_ok, sizeof v5_connack_props_ok, &pkt, &buf);
    assert_int_equal(pkt.type, MQTTS_CONNACK);
    assert_int_equal(pkt.flags, 0);
    assert_false(pkt.u.connack.session_present);
    assert_int_equal(pkt.u.connack.reason, 0);
    p = &pkt.u.connack.props;
    assert_true(p->present & MQTTS_PROP_BIT(MQTTS_PROP_RECEIVE_MAXIMUM));
    assert_int_equal(p->receive_maximum, 10);
    assert_true(p->present & MQTTS_PROP_BIT(MQTTS_PROP_MAXIMUM_QOS));
    assert_int_equal(p->maximum_qos, 1);
    assert_true(p->present & MQTTS_PROP_BIT(MQTTS_PROP_RETAIN_AVAILABLE));
    assert_int_equal(p->retain_available, 0);
    assert_true(p->present & MQTTS_PROP_BIT(MQTTS_PROP_MAXIMUM_PACKET_SIZE));
    assert_int_equal(p->maximum_packet_size, 1024);
    assert_true(p->present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS_MAXIMUM));
    assert_int_equal(p->topic_alias_maximum, 0);
    assert_int_equal(p->wildcard_subscription_available, 1);
    assert_int_equal(p->subscription_identifier_available, 0);
    assert_int_equal(p->shared_subscription_available, 1);
    assert_true(p->present & MQTTS_PROP_BIT(MQTTS_PROP_ASSIGNED_CLIENT_IDENTIFIER));
    assert_int_equal(p->assigned_client_identifier.len, 1);
    assert_memory_equal(p->assigned_client_identifier.ptr, "c", 1);
    /* Views point into the input. */
    assert_ptr_equal(p->assigned_client_identifier.ptr, (const char *)buf + 29);
    assert_false(p->present & MQTTS_PROP_BIT(MQTTS_PROP_SESSION_EXPIRY_INTERVAL));
    assert_int_equal(p->user_count, 0);
    assert_int_equal(p->raw.len, 25);
    assert_ptr_equal(p->raw.ptr, buf + 5);
    test_release(buf);
}

static void test_decode_v5_puback_user_properties_in_order(void **state)
{
    mqtts_packet pkt;
    uint8_t *buf;
    mqtts_property prop;
    size_t pos = 0;
    (void)state;
    decode_ok(MQTTS_V5, v5_puback_user_twice_ok, sizeof v5_puback_user_twice_ok, &pkt, &buf);
    assert_int_equal(pkt.type, MQTTS_PUBACK);
    assert_int_equal(pkt.u.ack.packet_id, 1);
    assert_int_equal(pkt.u.ack.reason, 0);
    assert_int_equal(pkt.u.ack.props.raw.len, 14);

    assert_true(mqtts_prop_next(&pkt.u.ack.props, &pos, &prop));
    assert_int_equal(prop.id, MQTTS_PROP_USER_PROPERTY);
    assert_int_equal(prop.type, MQTTS_PTYPE_STRING_PAIR);
    assert_int_equal(prop.bin.len, 1);
    assert_memory_equal(prop.bin.ptr, "k", 1);
    assert_int_equal(prop.value.len, 1);
    assert_memory_equal(prop.value.ptr, "v", 1);

    assert_true(mqtts_prop_next(&pkt.u.ack.props, &pos, &prop));
    assert_int_equal(prop.id, MQTTS_PROP_USER_PROPERTY);
    assert_memory_equal(prop.bin.ptr, "k", 1);
    assert_int_equal(prop.value.len, 1);
    assert_memory_equal(prop.value.ptr, "w", 1);

    assert_false(mqtts_prop_next(&pkt.u.ack.props, &pos, &prop));
    test_release(buf);
}

static void test_decode_v5_publish_two_subscription_ids(void **state)
{
    mqtts_packet pkt;
    uint8_t *buf;
    mqtts_property prop;
    size_t pos = 0;
    (void)state;
    decode_ok(MQTTS_V5, v5_publish_two_sub_ids_ok, sizeof v5_publish_two_sub_ids_ok, &pkt,
              &buf);
    assert_int_equal(pkt.type, MQTTS_PUBLISH);
    assert_int_equal(pkt.u.publish.qos, 0);
    assert_int_equal(pkt.u.publish.topic.len, 1);
    assert_memory_equal(pkt.u.publish.topic.ptr, "a", 1);
    assert_int_equal(pkt.u.publish.payload.len, 0);
    assert_int_equal(pkt.u.publish.props.sub_id_count, 2);
    assert_int_equal(pkt.u.publish.props.subscription_identifier, 1);
    assert_true(mqtts_prop_next(&pkt.u.publish.props, &pos, &prop));
    assert_int_equal(prop.id, MQTTS_PROP_SUBSCRIPTION_IDENTIFIER);
    assert_int_equal(prop.num, 1);
    assert_true(mqtts_prop_next(&pkt.u.publish.props, &pos, &prop));
    assert_int_equal(prop.id, MQTTS_PROP_SUBSCRIPTION_IDENTIFIER);
    assert_int_equal(prop.num, 2);
    assert_false(mqtts_prop_next(&pkt.u.publish.props, &pos, &prop));
    test_release(buf);
}

static void test_decode_v5_publish_alias_only(void **state)
{
    mqtts_packet pkt;
    uint8_t *buf;
    (void)state;
    decode_ok(MQTTS_V5, v5_publish_alias_only_ok, sizeof v5_publish_alias_only_ok, &pkt,
              &buf);
    assert_int_equal(pkt.type, MQTTS_PUBLISH);
    assert_int_equal(pkt.u.publish.topic.len, 0);
    assert_true(pkt.u.publish.props.present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS));
    assert_int_equal(pkt.u.publish.props.topic_alias, 1);
    assert_int_equal(pkt.u.publish.payload.len, 2);
    assert_ptr_equal(pkt.u.publish.payload.ptr, buf + 8);
    assert_memory_equal(pkt.u.publish.payload.ptr, "hi", 2);
    test_release(buf);
}

static void test_decode_v311_publish_qos2_fields(void **state)
{
    mqtts_packet pkt;
    uint8_t *buf;
    (void)state;
    decode_ok(MQTTS_V311, v311_publish_qos2_ok, sizeof v311_publish_qos2_ok, &pkt, &buf);
    assert_int_equal(pkt.type, MQTTS_PUBLISH);
    assert_int_equal(pkt.flags, 0x0D);
    assert_int_equal(pkt.u.publish.qos, 2);
    assert_true(pkt.u.publish.dup);
    assert_true(pkt.u.publish.retain);
    assert_int_equal(pkt.u.publish.packet_id, 0x1234);
    assert_int_equal(pkt.u.publish.topic.len, 3);
    assert_memory_equal(pkt.u.publish.topic.ptr, "a/b", 3);
    assert_int_equal(pkt.u.publish.payload.len, 2);
    assert_memory_equal(pkt.u.publish.payload.ptr, "xy", 2);
    test_release(buf);
}

/* A version other than 3.1.1 or 5 is a caller error, not a malformed
 * packet. */
static void test_decode_bad_version(void **state)
{
    static const uint8_t pingresp[] = {0xD0, 0x00};
    mqtts_packet pkt;
    (void)state;
    assert_int_equal(mqtts_decode((mqtts_version)3, pingresp, sizeof pingresp, &pkt),
                     MQTTS_ERR_VERSION);
    assert_int_equal(mqtts_decode((mqtts_version)6, pingresp, sizeof pingresp, &pkt),
                     MQTTS_ERR_VERSION);
}

/* ---------------------------------------------------------------------- */

int main(void)
{
    static const struct CMUnitTest fixed[] = {
        cmocka_unit_test_teardown(test_decode_table_names_unique, test_release_all),
        cmocka_unit_test_teardown(test_decode_table_size, test_release_all),
        cmocka_unit_test_teardown(test_decode_table_covers_errors, test_release_all),
        cmocka_unit_test_teardown(test_strerror_distinct, test_release_all),
        cmocka_unit_test_teardown(test_decode_v5_connack_props_fields, test_release_all),
        cmocka_unit_test_teardown(test_decode_v5_puback_user_properties_in_order, test_release_all),
        cmocka_unit_test_teardown(test_decode_v5_publish_two_subscription_ids, test_release_all),
        cmocka_unit_test_teardown(test_decode_v5_publish_alias_only, test_release_all),
        cmocka_unit_test_teardown(test_decode_v311_publish_qos2_fields, test_release_all),
        cmocka_unit_test_teardown(test_decode_bad_version, test_release_all),
    };
    struct CMUnitTest *rows = calloc(CASE_COUNT, sizeof *rows);
    int failed;

    if (!rows)
        return 1;
    for (size_t i = 0; i < CASE_COUNT; i++) {
        rows[i].name = cases[i].name;
        rows[i].test_func = run_case;
        rows[i].setup_func = NULL;
        rows[i].teardown_func = test_release_all;
        rows[i].initial_state = (void *)&cases[i];
    }
    failed = cmocka_run_group_tests_name("malformed_fixed", fixed, NULL, NULL);
    failed += _cmocka_run_group_tests("malformed_rows", rows, CASE_COUNT, NULL, NULL);
    free(rows);
    return failed ? 1 : 0;
}
