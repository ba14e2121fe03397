/*
 * Golden byte vectors, written by hand from the specifications:
 *
 *   MQTT Version 3.1.1, OASIS Standard, 29 October 2014   ("3.1.1 s3.1")
 *   MQTT Version 5.0,   OASIS Standard, 07 March 2019     ("5.0 s3.1")
 *
 * Every byte carries a comment naming the field it belongs to, and every
 * length (remaining length, string lengths, property lengths) is written
 * out with its arithmetic, so a reader can check a vector against the
 * specification without running anything.
 *
 * Conventions used below:
 *   - Two Byte Integers and string/binary length prefixes are big-endian
 *     (3.1.1 s1.5.2, 5.0 s1.5.2).
 *   - A Variable Byte Integer carries 7 bits per byte, least significant
 *     group first, with bit 7 set on every byte but the last (5.0 s1.5.5,
 *     3.1.1 s2.2.3). 128 = 0x80 0x01, 176 = 0xB0 0x01, 16384 = 0x80 0x80 0x01.
 *   - "str(n)" in a length comment means 2 + n bytes (prefix + data);
 *     "prop" lengths include the 1-byte property identifier.
 *   - Vectors the client also ENCODES list their v5 properties the way the
 *     mqtts encoder writes them: single-valued properties in identifier
 *     order, then user properties in array order. The specification allows
 *     any order; vectors the client only RECEIVES sometimes use another order
 *     on purpose.
 *
 * Fixed header first bytes (3.1.1 s2.2, 5.0 s2.1.2/2.1.3):
 *   CONNECT 0x10, CONNACK 0x20, PUBLISH 0x3X (bit 3 DUP, bits 2-1 QoS,
 *   bit 0 RETAIN), PUBACK 0x40, PUBREC 0x50, PUBREL 0x62, PUBCOMP 0x70,
 *   SUBSCRIBE 0x82, SUBACK 0x90, UNSUBSCRIBE 0xA2, UNSUBACK 0xB0,
 *   PINGREQ 0xC0, PINGRESP 0xD0, DISCONNECT 0xE0, AUTH 0xF0 (5.0 only).
 *
 * CONNECT flags (3.1.1 s3.1.2.3, 5.0 s3.1.2.3): bit 7 User Name, bit 6
 * Password, bit 5 Will Retain, bits 4-3 Will QoS, bit 2 Will Flag, bit 1
 * Clean Session / Clean Start, bit 0 reserved (0).
 *
 * SUBSCRIBE options byte (5.0 s3.8.3.1): bits 1-0 QoS, bit 2 No Local,
 * bit 3 Retain As Published, bits 5-4 Retain Handling, bits 7-6 reserved.
 */
#include "vectors.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ====================================================================== */
/* MQTT 3.1.1                                                             */
/* ====================================================================== */

/* --- CONNECT (3.1.1 s3.1) --------------------------------------------- */

/* Clean session, keep alive 60, client id "mqtts", nothing else.
 * remaining length = 6 (protocol name) + 1 (level) + 1 (flags)
 *                  + 2 (keep alive) + str(5) 7 = 17 */
static const uint8_t v311_connect_minimal[] = {
    0x10,                               /* CONNECT, flags 0000 */
    0x11,                               /* remaining length 17 */
    0x00, 0x04, 'M', 'Q', 'T', 'T',     /* protocol name "MQTT" */
    0x04,                               /* protocol level 4 (3.1.1) */
    0x02,                               /* connect flags: clean session */
    0x00, 0x3C,                         /* keep alive 60 s */
    0x00, 0x05, 'm', 'q', 't', 't', 's' /* client id "mqtts" (5) */
};

/* Zero-length client id, which 3.1.1 allows only with clean session = 1
 * [MQTT-3.1.3-7]. Keep alive 0 (off).
 * remaining length = 10 (variable header) + str(0) 2 = 12 */
static const uint8_t v311_connect_empty_client_id[] = {
    0x10,                           /* CONNECT */
    0x0C,                           /* remaining length 12 */
    0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name "MQTT" */
    0x04,                           /* protocol level 4 */
    0x02,                           /* connect flags: clean session */
    0x00, 0x00,                     /* keep alive 0 (off) */
    0x00, 0x00                      /* client id "" (0) */
};

/* Will (QoS 1, retained) + user name + password, clean session.
 * flags = 0x80 user | 0x40 password | 0x20 will retain | 0x08 will QoS 1
 *       | 0x04 will | 0x02 clean = 0xEE
 * remaining length = 10 + str(8) 10 + str(15) 17 + str(7) 9 + str(5) 7
 *                  + bin(4) 6 = 59 */
static const uint8_t v311_connect_will_user_pass[] = {
    0x10,                           /* CONNECT */
    0x3B,                           /* remaining length 59 */
    0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name "MQTT" */
    0x04,                           /* protocol level 4 */
    0xEE,                           /* flags: user, password, will retain, will QoS 1, will, clean */
    0x00, 0x1E,                     /* keep alive 30 s */
    0x00, 0x08, 'c', 'l', 'i', 'e', 'n', 't', '-', '1', /* client id "client-1" (8) */
    0x00, 0x0F, 's', 't', 'a', 't', 'u', 's', '/',
    'c', 'l', 'i', 'e', 'n', 't', '-', '1', /* will topic "status/client-1" (15) */
    0x00, 0x07, 'o', 'f', 'f', 'l', 'i', 'n', 'e', /* will message "offline" (7) */
    0x00, 0x05, 'a', 'l', 'i', 'c', 'e', /* user name "alice" (5) */
    0x00, 0x04, 0x01, 0x02, 0x00, 0xFF   /* password, binary 01 02 00 FF (4) */
};

/* Will QoS 2 (not retained) with an empty will message, user name only, no
 * clean session, keep alive 65535 (both bytes 0xFF).
 * flags = 0x80 user | 0x10 will QoS 2 | 0x04 will = 0x94
 * remaining length = 10 + str(1) 3 + str(3) 5 + bin(0) 2 + str(1) 3 = 23 */
static const uint8_t v311_connect_will_qos2_user[] = {
    0x10,                           /* CONNECT */
    0x17,                           /* remaining length 23 */
    0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name "MQTT" */
    0x04,                           /* protocol level 4 */
    0x94,                           /* flags: user, will QoS 2, will */
    0xFF, 0xFF,                     /* keep alive 65535 s */
    0x00, 0x01, 'c',                /* client id "c" (1) */
    0x00, 0x03, 'a', '/', 'b',      /* will topic "a/b" (3) */
    0x00, 0x00,                     /* will message, empty (0) */
    0x00, 0x01, 'u'                 /* user name "u" (1) */
};

/* --- CONNACK (3.1.1 s3.2) --------------------------------------------- */

static const uint8_t v311_connack_accepted[] = {
    0x20, /* CONNACK */
    0x02, /* remaining length 2 */
    0x00, /* acknowledge flags: session present 0 */
    0x00  /* return code 0: connection accepted */
};

static const uint8_t v311_connack_session_present[] = {
    0x20, /* CONNACK */
    0x02, /* remaining length 2 */
    0x01, /* acknowledge flags: session present 1 */
    0x00  /* return code 0: connection accepted */
};

static const uint8_t v311_connack_not_authorized[] = {
    0x20, /* CONNACK */
    0x02, /* remaining length 2 */
    0x00, /* acknowledge flags: session present 0 [MQTT-3.2.2-4] */
    0x05  /* return code 5: connection refused, not authorized */
};

/* --- PUBLISH (3.1.1 s3.3) --------------------------------------------- */

/* QoS 0: no packet identifier. remaining length = str(3) 5 + 5 payload = 10 */
static const uint8_t v311_publish_qos0[] = {
    0x30,                         /* PUBLISH, DUP 0, QoS 0, RETAIN 0 */
    0x0A,                         /* remaining length 10 */
    0x00, 0x03, 't', '/', '1',    /* topic name "t/1" (3) */
    'h', 'e', 'l', 'l', 'o'       /* payload "hello" (5) */
};

/* QoS 1. remaining length = str(12) 14 + 2 packet id + 4 payload = 20 */
static const uint8_t v311_publish_qos1[] = {
    0x32,                         /* PUBLISH, DUP 0, QoS 1, RETAIN 0 */
    0x14,                         /* remaining length 20 */
    0x00, 0x0C, 's', 'e', 'n', 's', 'o', 'r', 's', '/',
    't', 'e', 'm', 'p',           /* topic name "sensors/temp" (12) */
    0x01, 0x02,                   /* packet identifier 258 */
    '2', '1', '.', '5'            /* payload "21.5" (4) */
};

/* QoS 2 with DUP and RETAIN, packet id 65535, binary payload.
 * first byte = 0x30 | 0x08 DUP | 0x04 QoS 2 | 0x01 RETAIN = 0x3D
 * remaining length = str(3) 5 + 2 packet id + 2 payload = 9 */
static const uint8_t v311_publish_qos2_dup_retain[] = {
    0x3D,                         /* PUBLISH, DUP 1, QoS 2, RETAIN 1 */
    0x09,                         /* remaining length 9 */
    0x00, 0x03, 'a', '/', 'b',    /* topic name "a/b" (3) */
    0xFF, 0xFF,                   /* packet identifier 65535 */
    0x00, 0xFF                    /* payload, binary 00 FF (2) */
};

/* QoS 0, RETAIN, zero-length payload (clears a retained message,
 * 3.1.1 s3.3.1.3). remaining length = str(5) 7 + 0 = 7 */
static const uint8_t v311_publish_retain_empty[] = {
    0x31,                             /* PUBLISH, DUP 0, QoS 0, RETAIN 1 */
    0x07,                             /* remaining length 7 */
    0x00, 0x05, 'c', 'f', 'g', '/', 'x' /* topic name "cfg/x" (5); no payload */
};

/* QoS 0 whose remaining length is exactly 128, the smallest value that
 * needs a 2-byte remaining length (0x80 0x01).
 * remaining length = str(3) 5 + 123 payload = 128 */
static const uint8_t v311_publish_qos0_rl128[] = {
    0x30,                         /* PUBLISH, QoS 0 */
    0x80, 0x01,                   /* remaining length 128 = 0 + 1 * 128 */
    0x00, 0x03, 'b', 'i', 'g',    /* topic name "big" (3) */
    /* payload: 123 bytes, values 0x00 .. 0x7A in order */
    0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F,
    0x10, 0x11, 0x12, 0x13, 0x14, 0x15, 0x16, 0x17, 0x18, 0x19, 0x1A, 0x1B, 0x1C, 0x1D, 0x1E, 0x1F,
    0x20, 0x21, 0x22, 0x23, 0x24, 0x25, 0x26, 0x27, 0x28, 0x29, 0x2A, 0x2B, 0x2C, 0x2D, 0x2E, 0x2F,
    0x30, 0x31, 0x32, 0x33, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3A, 0x3B, 0x3C, 0x3D, 0x3E, 0x3F,
    0x40, 0x41, 0x42, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49, 0x4A, 0x4B, 0x4C, 0x4D, 0x4E, 0x4F,
    0x50, 0x51, 0x52, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5A, 0x5B, 0x5C, 0x5D, 0x5E, 0x5F,
    0x60, 0x61, 0x62, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69, 0x6A, 0x6B, 0x6C, 0x6D, 0x6E, 0x6F,
    0x70, 0x71, 0x72, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7A
};

/* --- PUBACK, PUBREC, PUBREL, PUBCOMP (3.1.1 s3.4 - s3.7) --------------- */

static const uint8_t v311_puback[] = {
    0x40,       /* PUBACK */
    0x02,       /* remaining length 2 */
    0xAB, 0xCD  /* packet identifier 43981 */
};

static const uint8_t v311_pubrec[] = {
    0x50,       /* PUBREC */
    0x02,       /* remaining length 2 */
    0x12, 0x34  /* packet identifier 4660 */
};

static const uint8_t v311_pubrel[] = {
    0x62,       /* PUBREL, flags 0010 (required, 3.1.1 s3.6.1) */
    0x02,       /* remaining length 2 */
    0x12, 0x34  /* packet identifier 4660 */
};

static const uint8_t v311_pubcomp[] = {
    0x70,       /* PUBCOMP */
    0x02,       /* remaining length 2 */
    0x12, 0x34  /* packet identifier 4660 */
};

/* --- SUBSCRIBE (3.1.1 s3.8) ------------------------------------------- */

/* remaining length = 2 packet id + str(3) 5 + 1 QoS = 8 */
static const uint8_t v311_subscribe_single[] = {
    0x82,                       /* SUBSCRIBE, flags 0010 */
    0x08,                       /* remaining length 8 */
    0x00, 0x0A,                 /* packet identifier 10 */
    0x00, 0x03, 'a', '/', 'b',  /* topic filter "a/b" (3) */
    0x01                        /* requested QoS 1 */
};

/* Four filters.
 * remaining length = 2 + (str(14) 16 + 1) + (str(7) 9 + 1) + (str(1) 3 + 1)
 *                  + (str(5) 7 + 1) = 2 + 17 + 10 + 4 + 8 = 41 */
static const uint8_t v311_subscribe_many[] = {
    0x82,                       /* SUBSCRIBE, flags 0010 */
    0x29,                       /* remaining length 41 */
    0x0B, 0x0C,                 /* packet identifier 2828 */
    0x00, 0x0E, 's', 'p', 'o', 'r', 't', '/', 't', 'e', 'n', 'n', 'i', 's', '/',
    '+',                        /* topic filter "sport/tennis/+" (14) */
    0x00,                       /* requested QoS 0 */
    0x00, 0x07, 's', 'p', 'o', 'r', 't', '/', '#', /* topic filter "sport/#" (7) */
    0x01,                       /* requested QoS 1 */
    0x00, 0x01, '#',            /* topic filter "#" (1) */
    0x02,                       /* requested QoS 2 */
    0x00, 0x05, '+', '/', '+', '/', 'x', /* topic filter "+/+/x" (5) */
    0x01                        /* requested QoS 1 */
};

/* --- SUBACK (3.1.1 s3.9) ---------------------------------------------- */

static const uint8_t v311_suback_single[] = {
    0x90,       /* SUBACK */
    0x03,       /* remaining length 3 */
    0x00, 0x0A, /* packet identifier 10 */
    0x01        /* return code: success, maximum QoS 1 */
};

/* Answer to v311_subscribe_many. remaining length = 2 + 4 = 6 */
static const uint8_t v311_suback_many[] = {
    0x90,       /* SUBACK */
    0x06,       /* remaining length 6 */
    0x0B, 0x0C, /* packet identifier 2828 */
    0x00,       /* "sport/tennis/+": success, maximum QoS 0 */
    0x01,       /* "sport/#": success, maximum QoS 1 */
    0x02,       /* "#": success, maximum QoS 2 */
    0x80        /* "+/+/x": failure */
};

/* --- UNSUBSCRIBE (3.1.1 s3.10) ---------------------------------------- */

/* remaining length = 2 + str(3) 5 + str(7) 9 = 16 */
static const uint8_t v311_unsubscribe[] = {
    0xA2,                       /* UNSUBSCRIBE, flags 0010 */
    0x10,                       /* remaining length 16 */
    0x00, 0x0D,                 /* packet identifier 13 */
    0x00, 0x03, 'a', '/', 'b',  /* topic filter "a/b" (3) */
    0x00, 0x07, 's', 'p', 'o', 'r', 't', '/', '#' /* topic filter "sport/#" (7) */
};

/* --- UNSUBACK (3.1.1 s3.11) ------------------------------------------- */

static const uint8_t v311_unsuback[] = {
    0xB0,       /* UNSUBACK */
    0x02,       /* remaining length 2 */
    0x00, 0x0D  /* packet identifier 13 */
};

/* --- PINGREQ, PINGRESP, DISCONNECT (3.1.1 s3.12 - s3.14) -------------- */

static const uint8_t v311_pingreq[] = {
    0xC0, /* PINGREQ */
    0x00  /* remaining length 0 */
};

static const uint8_t v311_pingresp[] = {
    0xD0, /* PINGRESP */
    0x00  /* remaining length 0 */
};

static const uint8_t v311_disconnect[] = {
    0xE0, /* DISCONNECT */
    0x00  /* remaining length 0 */
};

/* ====================================================================== */
/* MQTT 5.0                                                               */
/* ====================================================================== */

/* --- CONNECT (5.0 s3.1) ----------------------------------------------- */

/* remaining length = 10 + 1 (property length 0) + str(5) 7 = 18 */
static const uint8_t v5_connect_minimal[] = {
    0x10,                           /* CONNECT */
    0x12,                           /* remaining length 18 */
    0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name "MQTT" */
    0x05,                           /* protocol version 5 */
    0x02,                           /* connect flags: clean start */
    0x00, 0x3C,                     /* keep alive 60 s */
    0x00,                           /* property length 0 */
    0x00, 0x05, 'm', 'q', 't', 't', 's' /* client id "mqtts" (5) */
};

/* Will QoS 2 (no will properties) + user name + password, clean start.
 * flags = 0x80 user | 0x40 password | 0x10 will QoS 2 | 0x04 will
 *       | 0x02 clean = 0xD6
 * remaining length = 10 + 1 + str(8) 10 + 1 (will property length 0)
 *                  + str(9) 11 + bin(3) 5 + str(3) 5 + bin(6) 8 = 51 */
static const uint8_t v5_connect_will_user_pass[] = {
    0x10,                           /* CONNECT */
    0x33,                           /* remaining length 51 */
    0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name "MQTT" */
    0x05,                           /* protocol version 5 */
    0xD6,                           /* flags: user, password, will QoS 2, will, clean start */
    0x00, 0x0A,                     /* keep alive 10 s */
    0x00,                           /* property length 0 */
    0x00, 0x08, 'c', 'l', 'i', 'e', 'n', 't', '-', '5', /* client id "client-5" (8) */
    0x00,                           /* will property length 0 */
    0x00, 0x09, 's', 't', 'a', 't', 'u', 's', '/', 'c', '5', /* will topic "status/c5" (9) */
    0x00, 0x03, 'b', 'y', 'e',      /* will payload "bye" (3) */
    0x00, 0x03, 'b', 'o', 'b',      /* user name "bob" (3) */
    0x00, 0x06, 's', 'e', 'c', 'r', 'e', 't' /* password "secret" (6) */
};

/* Password without user name: allowed in 5.0 (s3.1.2.9), not in 3.1.1.
 * Empty client id. flags = 0x40 password | 0x02 clean start = 0x42
 * remaining length = 10 + 1 + str(0) 2 + bin(2) 4 = 17 */
static const uint8_t v5_connect_password_only[] = {
    0x10,                           /* CONNECT */
    0x11,                           /* remaining length 17 */
    0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name "MQTT" */
    0x05,                           /* protocol version 5 */
    0x42,                           /* flags: password, clean start */
    0x00, 0x00,                     /* keep alive 0 (off) */
    0x00,                           /* property length 0 */
    0x00, 0x00,                     /* client id "" (0) */
    0x00, 0x02, 0xDE, 0xAD          /* password, binary DE AD (2) */
};

/* Every CONNECT property (5.0 s3.1.2.11) and every will property
 * (5.0 s3.1.3.2), two user properties with the same name, will QoS 1
 * retained, user name and password.
 * flags = 0x80 user | 0x40 password | 0x20 will retain | 0x08 will QoS 1
 *       | 0x04 will | 0x02 clean start = 0xEE
 *
 * CONNECT properties = 5 (0x11) + 14 (0x15, str(11)) + 7 (0x16, bin(4))
 *   + 2 (0x17) + 2 (0x19) + 3 (0x21) + 3 (0x22) + 5 (0x27)
 *   + 13 (0x26 "region"="eu") + 13 (0x26 "region"="us") = 67
 * will properties = 2 (0x01) + 5 (0x02) + 13 (0x03, str(10))
 *   + 17 (0x08, str(14)) + 6 (0x09, bin(3)) + 5 (0x18) + 7 (0x26 "k"="v") = 55
 * remaining length = 10 + 1 + 67 + str(6) 8 + 1 + 55 + str(13) 15
 *   + bin(7) 9 + str(4) 6 + bin(2) 4 = 176 -> varint 0xB0 0x01 */
static const uint8_t v5_connect_all_props[] = {
    0x10,                           /* CONNECT */
    0xB0, 0x01,                     /* remaining length 176 = 0x30 + 1 * 128 */
    0x00, 0x04, 'M', 'Q', 'T', 'T', /* protocol name "MQTT" */
    0x05,                           /* protocol version 5 */
    0xEE,                           /* flags: user, password, will retain, will QoS 1, will, clean start */
    0x00, 0x78,                     /* keep alive 120 s */
    0x43,                           /* property length 67 */
    0x11, 0x00, 0x00, 0x0E, 0x10,   /* session expiry interval 3600 s */
    0x15, 0x00, 0x0B, 'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-',
    '1',                            /* authentication method "SCRAM-SHA-1" (11) */
    0x16, 0x00, 0x04, 0x01, 0x02, 0x03, 0x04, /* authentication data 01 02 03 04 (4) */
    0x17, 0x00,                     /* request problem information 0 */
    0x19, 0x01,                     /* request response information 1 */
    0x21, 0x00, 0x14,               /* receive maximum 20 */
    0x22, 0x00, 0x0A,               /* topic alias maximum 10 */
    0x27, 0x00, 0x10, 0x00, 0x00,   /* maximum packet size 1048576 */
    0x26, 0x00, 0x06, 'r', 'e', 'g', 'i', 'o', 'n',
    0x00, 0x02, 'e', 'u',           /* user property "region" = "eu" */
    0x26, 0x00, 0x06, 'r', 'e', 'g', 'i', 'o', 'n',
    0x00, 0x02, 'u', 's',           /* user property "region" = "us" */
    0x00, 0x06, 'd', 'e', 'v', '-', '4', '2', /* client id "dev-42" (6) */
    0x37,                           /* will property length 55 */
    0x01, 0x01,                     /* payload format indicator 1 (UTF-8) */
    0x02, 0x00, 0x00, 0x01, 0x2C,   /* message expiry interval 300 s */
    0x03, 0x00, 0x0A, 't', 'e', 'x', 't', '/', 'p', 'l', 'a', 'i', 'n', /* content type "text/plain" (10) */
    0x08, 0x00, 0x0E, 'r', 'e', 'p', 'l', 'i', 'e', 's', '/', 'd', 'e', 'v',
    '-', '4', '2',                  /* response topic "replies/dev-42" (14) */
    0x09, 0x00, 0x03, 0xC0, 0xFF, 0xEE, /* correlation data C0 FF EE (3) */
    0x18, 0x00, 0x00, 0x00, 0x3C,   /* will delay interval 60 s */
    0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v', /* user property "k" = "v" */
    0x00, 0x0D, 's', 't', 'a', 't', 'u', 's', '/', 'd', 'e', 'v', '-', '4',
    '2',                            /* will topic "status/dev-42" (13) */
    0x00, 0x07, 'o', 'f', 'f', 'l', 'i', 'n', 'e', /* will payload "offline" (7) */
    0x00, 0x04, 'u', 's', 'e', 'r', /* user name "user" (4) */
    0x00, 0x02, 'p', 'w'            /* password "pw" (2) */
};

/* --- CONNACK (5.0 s3.2) ----------------------------------------------- */

static const uint8_t v5_connack_success[] = {
    0x20, /* CONNACK */
    0x03, /* remaining length 3 */
    0x00, /* acknowledge flags: session present 0 */
    0x00, /* reason code 0x00 success */
    0x00  /* property length 0 */
};

static const uint8_t v5_connack_session_present[] = {
    0x20, /* CONNACK */
    0x03, /* remaining length 3 */
    0x01, /* acknowledge flags: session present 1 */
    0x00, /* reason code 0x00 success */
    0x00  /* property length 0 */
};

/* Refused with a reason string. properties = 3 + 15 = 18;
 * remaining length = 2 + 1 + 18 = 21 */
static const uint8_t v5_connack_bad_credentials[] = {
    0x20, /* CONNACK */
    0x15, /* remaining length 21 */
    0x00, /* acknowledge flags: session present 0 [MQTT-3.2.2-6] */
    0x86, /* reason code 0x86 bad user name or password */
    0x12, /* property length 18 */
    0x1F, 0x00, 0x0F, 'b', 'a', 'd', ' ', 'c', 'r', 'e', 'd', 'e', 'n', 't',
    'i', 'a', 'l', 's'  /* reason string "bad credentials" (15) */
};

/* Every CONNACK property (5.0 s3.2.2.3), two user properties, in an order
 * that is neither identifier order nor "user properties last".
 * properties = 5 (0x11) + 3 (0x21) + 2 (0x24) + 2 (0x25) + 5 (0x27)
 *   + 12 (0x12, str(9)) + 3 (0x22) + 10 (0x1F, str(7))
 *   + 11 (0x26 "node"="b2") + 2 (0x28) + 2 (0x29) + 2 (0x2A) + 3 (0x13)
 *   + 17 (0x1A, str(14)) + 26 (0x1C, str(23)) + 14 (0x15, str(11))
 *   + 7 (0x16, bin(4)) + 10 (0x26 "zone"="x") = 136 -> varint 0x88 0x01
 * remaining length = 2 + 2 + 136 = 140 -> varint 0x8C 0x01 */
static const uint8_t v5_connack_rich[] = {
    0x20,                           /* CONNACK */
    0x8C, 0x01,                     /* remaining length 140 = 0x0C + 1 * 128 */
    0x01,                           /* acknowledge flags: session present 1 */
    0x00,                           /* reason code 0x00 success */
    0x88, 0x01,                     /* property length 136 = 0x08 + 1 * 128 */
    0x11, 0x00, 0x00, 0x1C, 0x20,   /* session expiry interval 7200 s */
    0x21, 0x00, 0x64,               /* receive maximum 100 */
    0x24, 0x01,                     /* maximum QoS 1 */
    0x25, 0x00,                     /* retain available 0 */
    0x27, 0x00, 0x01, 0x00, 0x00,   /* maximum packet size 65536 */
    0x12, 0x00, 0x09, 'a', 'u', 't', 'o', '-', '7', 'F', '3', 'A', /* assigned client id "auto-7F3A" (9) */
    0x22, 0x00, 0x10,               /* topic alias maximum 16 */
    0x1F, 0x00, 0x07, 'w', 'e', 'l', 'c', 'o', 'm', 'e', /* reason string "welcome" (7) */
    0x26, 0x00, 0x04, 'n', 'o', 'd', 'e', 0x00, 0x02, 'b', '2', /* user property "node" = "b2" */
    0x28, 0x00,                     /* wildcard subscription available 0 */
    0x29, 0x01,                     /* subscription identifiers available 1 */
    0x2A, 0x00,                     /* shared subscription available 0 */
    0x13, 0x00, 0x1E,               /* server keep alive 30 s */
    0x1A, 0x00, 0x0E, 'r', 'e', 's', 'p', '/', 'a', 'u', 't', 'o', '-', '7',
    'F', '3', 'A',                  /* response information "resp/auto-7F3A" (14) */
    0x1C, 0x00, 0x17, 'b', 'a', 'c', 'k', 'u', 'p', '.', 'e', 'x', 'a', 'm',
    'p', 'l', 'e', '.', 'c', 'o', 'm', ':', '8', '8', '8', '3',
                                    /* server reference "backup.example.com:8883" (23) */
    0x15, 0x00, 0x0B, 'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-',
    '1',                            /* authentication method "SCRAM-SHA-1" (11) */
    0x16, 0x00, 0x04, 'v', '=', 'o', 'k', /* authentication data "v=ok" (4) */
    0x26, 0x00, 0x04, 'z', 'o', 'n', 'e', 0x00, 0x01, 'x' /* user property "zone" = "x" */
};

/* --- PUBLISH (5.0 s3.3) ----------------------------------------------- */

/* QoS 0, no properties. remaining length = str(3) 5 + 1 + 5 = 11 */
static const uint8_t v5_publish_qos0[] = {
    0x30,                         /* PUBLISH, DUP 0, QoS 0, RETAIN 0 */
    0x0B,                         /* remaining length 11 */
    0x00, 0x03, 't', '/', '1',    /* topic name "t/1" (3) */
    0x00,                         /* property length 0 */
    'h', 'e', 'l', 'l', 'o'       /* payload "hello" (5) */
};

/* QoS 1 with every PUBLISH property a client sends but the topic alias,
 * and three user properties (one name twice) whose order matters.
 * properties = 2 (0x01) + 5 (0x02) + 19 (0x03, str(16)) + 12 (0x08, str(9))
 *   + 5 (0x09, bin(2)) + 7 ("a"="1") + 7 ("b"="2") + 7 ("a"="3") = 64
 * remaining length = str(12) 14 + 2 + 1 + 64 + 10 = 91 */
static const uint8_t v5_publish_qos1_props[] = {
    0x32,                         /* PUBLISH, DUP 0, QoS 1, RETAIN 0 */
    0x5B,                         /* remaining length 91 */
    0x00, 0x0C, 's', 'e', 'n', 's', 'o', 'r', 's', '/',
    't', 'e', 'm', 'p',           /* topic name "sensors/temp" (12) */
    0x00, 0x07,                   /* packet identifier 7 */
    0x40,                         /* property length 64 */
    0x01, 0x01,                   /* payload format indicator 1 (UTF-8) */
    0x02, 0x00, 0x00, 0x00, 0x3C, /* message expiry interval 60 s */
    0x03, 0x00, 0x10, 'a', 'p', 'p', 'l', 'i', 'c', 'a', 't', 'i', 'o', 'n',
    '/', 'j', 's', 'o', 'n',      /* content type "application/json" (16) */
    0x08, 0x00, 0x09, 'r', 'e', 's', 'p', '/', 't', 'e', 'm', 'p', /* response topic "resp/temp" (9) */
    0x09, 0x00, 0x02, 0x01, 0x02, /* correlation data 01 02 (2) */
    0x26, 0x00, 0x01, 'a', 0x00, 0x01, '1', /* user property "a" = "1" */
    0x26, 0x00, 0x01, 'b', 0x00, 0x01, '2', /* user property "b" = "2" */
    0x26, 0x00, 0x01, 'a', 0x00, 0x01, '3', /* user property "a" = "3" */
    '{', '"', 't', '"', ':', '2', '1', '.', '5', '}' /* payload {"t":21.5} (10) */
};

/* QoS 2, zero-length topic name with a topic alias (5.0 s3.3.2.3.4).
 * remaining length = str(0) 2 + 2 + 1 + 3 + 1 = 9 */
static const uint8_t v5_publish_alias_only[] = {
    0x34,                         /* PUBLISH, DUP 0, QoS 2, RETAIN 0 */
    0x09,                         /* remaining length 9 */
    0x00, 0x00,                   /* topic name "" (0) */
    0x01, 0x00,                   /* packet identifier 256 */
    0x03,                         /* property length 3 */
    0x23, 0x00, 0x05,             /* topic alias 5 */
    'x'                           /* payload "x" (1) */
};

/* QoS 0 RETAIN, topic name plus topic alias (sets up the alias).
 * remaining length = str(15) 17 + 1 + 3 + 2 = 23 */
static const uint8_t v5_publish_set_alias[] = {
    0x31,                         /* PUBLISH, DUP 0, QoS 0, RETAIN 1 */
    0x17,                         /* remaining length 23 */
    0x00, 0x0F, 'l', 'o', 'n', 'g', '/', 't', 'o', 'p', 'i', 'c', '/', 'n',
    'a', 'm', 'e',                /* topic name "long/topic/name" (15) */
    0x03,                         /* property length 3 */
    0x23, 0x00, 0x05,             /* topic alias 5 */
    'o', 'n'                      /* payload "on" (2) */
};

/* QoS 1 with DUP and a zero-length payload.
 * remaining length = str(1) 3 + 2 + 1 + 0 = 6 */
static const uint8_t v5_publish_dup_qos1_empty[] = {
    0x3A,                         /* PUBLISH, DUP 1, QoS 1, RETAIN 0 */
    0x06,                         /* remaining length 6 */
    0x00, 0x01, 'a',              /* topic name "a" (1) */
    0x00, 0x01,                   /* packet identifier 1 */
    0x00                          /* property length 0; no payload */
};

/* From the server: a message that matched three subscriptions, so it carries
 * three subscription identifiers (5.0 s3.3.4), interleaved with two user
 * properties of the same name. The client never sends a subscription
 * identifier in PUBLISH [MQTT-3.3.4-6], so this one is receive-only.
 * 300 = 0x2C + 2 * 128 -> 0xAC 0x02; 268435455 -> 0xFF 0xFF 0xFF 0x7F.
 * properties = 2 + 10 ("from"="a") + 3 + 10 ("from"="b") + 5 = 30
 * remaining length = str(12) 14 + 2 + 1 + 30 + 5 = 52 */
static const uint8_t v5_publish_multi_subid[] = {
    0x32,                         /* PUBLISH, DUP 0, QoS 1, RETAIN 0 */
    0x34,                         /* remaining length 52 */
    0x00, 0x0C, 's', 'p', 'o', 'r', 't', '/', 't', 'e', 'n', 'n', 'i', 's', /* topic name "sport/tennis" (12) */
    0x00, 0x42,                   /* packet identifier 66 */
    0x1E,                         /* property length 30 */
    0x0B, 0x01,                   /* subscription identifier 1 */
    0x26, 0x00, 0x04, 'f', 'r', 'o', 'm', 0x00, 0x01, 'a', /* user property "from" = "a" */
    0x0B, 0xAC, 0x02,             /* subscription identifier 300 */
    0x26, 0x00, 0x04, 'f', 'r', 'o', 'm', 0x00, 0x01, 'b', /* user property "from" = "b" */
    0x0B, 0xFF, 0xFF, 0xFF, 0x7F, /* subscription identifier 268435455 */
    's', 'c', 'o', 'r', 'e'       /* payload "score" (5) */
};

/* --- PUBACK, PUBREC, PUBREL, PUBCOMP (5.0 s3.4 - s3.7) ----------------- */
/* Remaining length 2: reason 0x00 and no properties (s3.4.2.1).
 * Remaining length 3: a reason code, no property length (s3.4.2.2.1:
 * "If the Remaining Length is less than 4 there is no Property Length"). */

static const uint8_t v5_puback_short[] = {
    0x40,       /* PUBACK */
    0x02,       /* remaining length 2 */
    0x00, 0x07  /* packet identifier 7; reason 0x00 success implied */
};

static const uint8_t v5_puback_reason[] = {
    0x40,       /* PUBACK */
    0x03,       /* remaining length 3 */
    0x00, 0x08, /* packet identifier 8 */
    0x10        /* reason code 0x10 no matching subscribers */
};

/* properties = 8 (0x1F, str(5)) + 7 ("k"="v") = 15;
 * remaining length = 2 + 1 + 1 + 15 = 19 */
static const uint8_t v5_puback_reason_props[] = {
    0x40,                                   /* PUBACK */
    0x13,                                   /* remaining length 19 */
    0x00, 0x09,                             /* packet identifier 9 */
    0x97,                                   /* reason code 0x97 quota exceeded */
    0x0F,                                   /* property length 15 */
    0x1F, 0x00, 0x05, 'q', 'u', 'o', 't', 'a', /* reason string "quota" (5) */
    0x26, 0x00, 0x01, 'k', 0x00, 0x01, 'v'  /* user property "k" = "v" */
};

/* A reason code and an explicit property length 0: legal (remaining
 * length 4), but the encoder writes the 3-byte form, so receive-only. */
static const uint8_t v5_puback_reason_empty_props[] = {
    0x40,       /* PUBACK */
    0x04,       /* remaining length 4 */
    0x00, 0x0A, /* packet identifier 10 */
    0x10,       /* reason code 0x10 no matching subscribers */
    0x00        /* property length 0 */
};

static const uint8_t v5_pubrec_short[] = {
    0x50,       /* PUBREC */
    0x02,       /* remaining length 2 */
    0x01, 0x00  /* packet identifier 256; reason 0x00 success implied */
};

static const uint8_t v5_pubrec_reason[] = {
    0x50,       /* PUBREC */
    0x03,       /* remaining length 3 */
    0x01, 0x01, /* packet identifier 257 */
    0x80        /* reason code 0x80 unspecified error */
};

/* properties = 7 (0x1F, str(4)); remaining length = 2 + 1 + 1 + 7 = 11 */
static const uint8_t v5_pubrec_reason_props[] = {
    0x50,                                   /* PUBREC */
    0x0B,                                   /* remaining length 11 */
    0x01, 0x02,                             /* packet identifier 258 */
    0x83,                                   /* reason code 0x83 implementation specific error */
    0x07,                                   /* property length 7 */
    0x1F, 0x00, 0x04, 'i', 'm', 'p', 'l'    /* reason string "impl" (4) */
};

static const uint8_t v5_pubrel_short[] = {
    0x62,       /* PUBREL, flags 0010 */
    0x02,       /* remaining length 2 */
    0x01, 0x00  /* packet identifier 256; reason 0x00 success implied */
};

static const uint8_t v5_pubrel_reason[] = {
    0x62,       /* PUBREL, flags 0010 */
    0x03,       /* remaining length 3 */
    0x01, 0x01, /* packet identifier 257 */
    0x92        /* reason code 0x92 packet identifier not found */
};

/* properties = 7 (0x1F, str(4)) + 7 ("x"="y") = 14;
 * remaining length = 2 + 1 + 1 + 14 = 18 */
static const uint8_t v5_pubrel_reason_props[] = {
    0x62,                                   /* PUBREL, flags 0010 */
    0x12,                                   /* remaining length 18 */
    0x01, 0x02,                             /* packet identifier 258 */
    0x92,                                   /* reason code 0x92 packet identifier not found */
    0x0E,                                   /* property length 14 */
    0x1F, 0x00, 0x04, 'g', 'o', 'n', 'e',   /* reason string "gone" (4) */
    0x26, 0x00, 0x01, 'x', 0x00, 0x01, 'y'  /* user property "x" = "y" */
};

static const uint8_t v5_pubcomp_short[] = {
    0x70,       /* PUBCOMP */
    0x02,       /* remaining length 2 */
    0x01, 0x00  /* packet identifier 256; reason 0x00 success implied */
};

static const uint8_t v5_pubcomp_reason[] = {
    0x70,       /* PUBCOMP */
    0x03,       /* remaining length 3 */
    0x01, 0x01, /* packet identifier 257 */
    0x92        /* reason code 0x92 packet identifier not found */
};

/* Reason 0x00 with a property: the long form is required.
 * properties = 1 + str(5) 7 + str(2) 4 = 12;
 * remaining length = 2 + 1 + 1 + 12 = 16 */
static const uint8_t v5_pubcomp_reason_props[] = {
    0x70,                                   /* PUBCOMP */
    0x10,                                   /* remaining length 16 */
    0x01, 0x02,                             /* packet identifier 258 */
    0x00,                                   /* reason code 0x00 success */
    0x0C,                                   /* property length 12 */
    0x26, 0x00, 0x05, 't', 'r', 'a', 'c', 'e',
    0x00, 0x02, 'o', 'n'                    /* user property "trace" = "on" */
};

/* --- SUBSCRIBE (5.0 s3.8) --------------------------------------------- */

/* remaining length = 2 + 1 + str(3) 5 + 1 = 9 */
static const uint8_t v5_subscribe_single[] = {
    0x82,                       /* SUBSCRIBE, flags 0010 */
    0x09,                       /* remaining length 9 */
    0x00, 0x01,                 /* packet identifier 1 */
    0x00,                       /* property length 0 */
    0x00, 0x03, 'a', '/', 'b',  /* topic filter "a/b" (3) */
    0x01                        /* options: QoS 1 */
};

/* Five filters exercising every subscription option, a subscription
 * identifier (16384 = 0x80 0x80 0x01, 3-byte varint) and a user property.
 * properties = 4 (0x0B) + 9 ("app"="x") = 13
 * remaining length = 2 + 1 + 13 + 6 + 6 + 4 + 6 + 15 = 53 */
static const uint8_t v5_subscribe_options[] = {
    0x82,                       /* SUBSCRIBE, flags 0010 */
    0x35,                       /* remaining length 53 */
    0x00, 0x10,                 /* packet identifier 16 */
    0x0D,                       /* property length 13 */
    0x0B, 0x80, 0x80, 0x01,     /* subscription identifier 16384 */
    0x26, 0x00, 0x03, 'a', 'p', 'p', 0x00, 0x01, 'x', /* user property "app" = "x" */
    0x00, 0x03, 'a', '/', '+',  /* topic filter "a/+" (3) */
    0x05,                       /* options: QoS 1 | no local (0x04) */
    0x00, 0x03, 'b', '/', '#',  /* topic filter "b/#" (3) */
    0x0A,                       /* options: QoS 2 | retain as published (0x08) */
    0x00, 0x01, 'c',            /* topic filter "c" (1) */
    0x10,                       /* options: QoS 0 | retain handling 1 (0x10) */
    0x00, 0x03, 'd', '/', 'e',  /* topic filter "d/e" (3) */
    0x2D,                       /* options: QoS 1 | no local | RAP | retain handling 2 (0x20) */
    0x00, 0x0C, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', 'r', 'p', '/',
    'f',                        /* topic filter "$share/grp/f" (12) */
    0x20                        /* options: QoS 0 | retain handling 2 */
};

/* --- SUBACK (5.0 s3.9) ------------------------------------------------ */

static const uint8_t v5_suback_single[] = {
    0x90,       /* SUBACK */
    0x04,       /* remaining length 4 */
    0x00, 0x01, /* packet identifier 1 */
    0x00,       /* property length 0 */
    0x01        /* reason code 0x01 granted QoS 1 */
};

/* Answer to v5_subscribe_options: granted and refused codes mixed, with a
 * reason string. properties = 10 (0x1F, str(7));
 * remaining length = 2 + 1 + 10 + 5 = 18 */
static const uint8_t v5_suback_mixed[] = {
    0x90,       /* SUBACK */
    0x12,       /* remaining length 18 */
    0x00, 0x10, /* packet identifier 16 */
    0x0A,       /* property length 10 */
    0x1F, 0x00, 0x07, 'p', 'a', 'r', 't', 'i', 'a', 'l', /* reason string "partial" (7) */
    0x01,       /* "a/+": 0x01 granted QoS 1 */
    0xA2,       /* "b/#": 0xA2 wildcard subscriptions not supported */
    0x00,       /* "c": 0x00 granted QoS 0 */
    0x87,       /* "d/e": 0x87 not authorized */
    0x9E        /* "$share/grp/f": 0x9E shared subscriptions not supported */
};

/* --- UNSUBSCRIBE (5.0 s3.10) ------------------------------------------ */

/* remaining length = 2 + 1 + str(3) 5 = 8 */
static const uint8_t v5_unsubscribe_single[] = {
    0xA2,                       /* UNSUBSCRIBE, flags 0010 */
    0x08,                       /* remaining length 8 */
    0x00, 0x12,                 /* packet identifier 18 */
    0x00,                       /* property length 0 */
    0x00, 0x03, 'a', '/', 'b'   /* topic filter "a/b" (3) */
};

/* properties = 1 + str(3) 5 + str(4) 6 = 12;
 * remaining length = 2 + 1 + 12 + str(3) 5 + str(12) 14 = 34 */
static const uint8_t v5_unsubscribe_props[] = {
    0xA2,                       /* UNSUBSCRIBE, flags 0010 */
    0x22,                       /* remaining length 34 */
    0x00, 0x11,                 /* packet identifier 17 */
    0x0C,                       /* property length 12 */
    0x26, 0x00, 0x03, 'w', 'h', 'y', 0x00, 0x04, 'd', 'o', 'n', 'e', /* user property "why" = "done" */
    0x00, 0x03, 'a', '/', '+',  /* topic filter "a/+" (3) */
    0x00, 0x0C, '$', 's', 'h', 'a', 'r', 'e', '/', 'g', 'r', 'p', '/',
    'f'                         /* topic filter "$share/grp/f" (12) */
};

/* --- UNSUBACK (5.0 s3.11) --------------------------------------------- */

/* Answer to v5_unsubscribe_single. remaining length = 2 + 1 + 1 = 4 */
static const uint8_t v5_unsuback_single[] = {
    0xB0,       /* UNSUBACK */
    0x04,       /* remaining length 4 */
    0x00, 0x12, /* packet identifier 18 */
    0x00,       /* property length 0 */
    0x00        /* reason code 0x00 success */
};

/* Answer to v5_unsubscribe_props. properties = 12 (0x1F, str(9));
 * remaining length = 2 + 1 + 12 + 2 = 17 */
static const uint8_t v5_unsuback_mixed[] = {
    0xB0,       /* UNSUBACK */
    0x11,       /* remaining length 17 */
    0x00, 0x11, /* packet identifier 17 */
    0x0C,       /* property length 12 */
    0x1F, 0x00, 0x09, 'n', 'o', 't', ' ', 'f', 'o', 'u', 'n', 'd', /* reason string "not found" (9) */
    0x11,       /* "a/+": 0x11 no subscription existed */
    0x87        /* "$share/grp/f": 0x87 not authorized */
};

/* --- PINGREQ, PINGRESP (5.0 s3.12, s3.13) ----------------------------- */

static const uint8_t v5_pingreq[] = {
    0xC0, /* PINGREQ */
    0x00  /* remaining length 0 */
};

static const uint8_t v5_pingresp[] = {
    0xD0, /* PINGRESP */
    0x00  /* remaining length 0 */
};

/* --- DISCONNECT (5.0 s3.14) ------------------------------------------- */

/* Remaining length 0: reason 0x00 normal disconnection, no properties
 * (s3.14.2.1). */
static const uint8_t v5_disconnect_normal[] = {
    0xE0, /* DISCONNECT */
    0x00  /* remaining length 0 */
};

/* Remaining length 1: a reason code, no property length ("If the Remaining
 * Length is less than 2, a value of 0 is used", s3.14.2.2.1). 0x82 may be
 * sent by client and server alike. */
static const uint8_t v5_disconnect_reason_only[] = {
    0xE0, /* DISCONNECT */
    0x01, /* remaining length 1 */
    0x82  /* reason code 0x82 protocol error */
};

/* Reason code plus an explicit property length 0 (legal; receive-only
 * because the encoder writes the shorter form). */
static const uint8_t v5_disconnect_reason_empty_props[] = {
    0xE0, /* DISCONNECT */
    0x02, /* remaining length 2 */
    0x8B, /* reason code 0x8B server shutting down */
    0x00  /* property length 0 */
};

/* From the client: disconnect with will message, changing the session
 * expiry interval. properties = 5 (0x11) + 6 (0x1F, str(3)) = 11;
 * remaining length = 1 + 1 + 11 = 13 */
static const uint8_t v5_disconnect_with_will[] = {
    0xE0,                         /* DISCONNECT */
    0x0D,                         /* remaining length 13 */
    0x04,                         /* reason code 0x04 disconnect with will message */
    0x0B,                         /* property length 11 */
    0x11, 0x00, 0x00, 0x01, 0x2C, /* session expiry interval 300 s */
    0x1F, 0x00, 0x03, 'b', 'y', 'e' /* reason string "bye" (3) */
};

/* Either side: reason, reason string, user property.
 * properties = 11 (0x1F, str(8)) + 1 + str(5) 7 + str(1) 3 = 22;
 * remaining length = 1 + 1 + 22 = 24 */
static const uint8_t v5_disconnect_reason_props[] = {
    0xE0,                         /* DISCONNECT */
    0x18,                         /* remaining length 24 */
    0x83,                         /* reason code 0x83 implementation specific error */
    0x16,                         /* property length 22 */
    0x1F, 0x00, 0x08, 'o', 'v', 'e', 'r', 'l', 'o', 'a', 'd', /* reason string "overload" (8) */
    0x26, 0x00, 0x05, 'r', 'e', 't', 'r', 'y', 0x00, 0x01, '5' /* user property "retry" = "5" */
};

/* From the server: server moved, with a reason string and a server
 * reference (s3.14.2.2.5). properties = 8 (0x1F, str(5)) + 20 (0x1C, str(17))
 * = 28; remaining length = 1 + 1 + 28 = 30 */
static const uint8_t v5_disconnect_server_moved[] = {
    0xE0,                         /* DISCONNECT */
    0x1E,                         /* remaining length 30 */
    0x9D,                         /* reason code 0x9D server moved */
    0x1C,                         /* property length 28 */
    0x1F, 0x00, 0x05, 'm', 'o', 'v', 'e', 'd', /* reason string "moved" (5) */
    0x1C, 0x00, 0x11, 'm', 'q', 't', 't', '2', '.', 'e', 'x', 'a', 'm', 'p',
    'l', 'e', '.', 'c', 'o', 'm'  /* server reference "mqtt2.example.com" (17) */
};

/* --- AUTH (5.0 s3.15) ------------------------------------------------- */

/* Continue authentication, either side. properties = 14 (0x15, str(11))
 * + 9 (0x16, bin(6)) = 23; remaining length = 1 + 1 + 23 = 25 */
static const uint8_t v5_auth_continue[] = {
    0xF0,                         /* AUTH */
    0x19,                         /* remaining length 25 */
    0x18,                         /* reason code 0x18 continue authentication */
    0x17,                         /* property length 23 */
    0x15, 0x00, 0x0B, 'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-',
    '1',                          /* authentication method "SCRAM-SHA-1" (11) */
    0x16, 0x00, 0x06, 'c', '=', 'b', 'i', 'w', 's' /* authentication data "c=biws" (6) */
};

/* From the client: start re-authentication (0x19 is client-only).
 * properties = 14; remaining length = 1 + 1 + 14 = 16 */
static const uint8_t v5_auth_reauth[] = {
    0xF0,                         /* AUTH */
    0x10,                         /* remaining length 16 */
    0x19,                         /* reason code 0x19 re-authenticate */
    0x0E,                         /* property length 14 */
    0x15, 0x00, 0x0B, 'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-',
    '1'                           /* authentication method "SCRAM-SHA-1" (11) */
};

/* From the server: re-authentication succeeded.
 * properties = 14 (0x15) + 7 (0x16, bin(4)) + 5 (0x1F, str(2))
 * + 7 ("a"="b") = 33; remaining length = 1 + 1 + 33 = 35 */
static const uint8_t v5_auth_success[] = {
    0xF0,                         /* AUTH */
    0x23,                         /* remaining length 35 */
    0x00,                         /* reason code 0x00 success */
    0x21,                         /* property length 33 */
    0x15, 0x00, 0x0B, 'S', 'C', 'R', 'A', 'M', '-', 'S', 'H', 'A', '-',
    '1',                          /* authentication method "SCRAM-SHA-1" (11) */
    0x16, 0x00, 0x04, 'v', '=', 'o', 'k', /* authentication data "v=ok" (4) */
    0x1F, 0x00, 0x02, 'o', 'k',   /* reason string "ok" (2) */
    0x26, 0x00, 0x01, 'a', 0x00, 0x01, 'b' /* user property "a" = "b" */
};

/* ====================================================================== */
/* The table                                                              */
/* ====================================================================== */

#define GV(name, version, direction) \
    { #name, version, direction, name, sizeof name }

const golden_vector golden_vectors[] = {
    /* MQTT 3.1.1 */
    GV(v311_connect_minimal, MQTTS_V311, GOLDEN_CLIENT_SENDS),
    GV(v311_connect_empty_client_id, MQTTS_V311, GOLDEN_CLIENT_SENDS),
    GV(v311_connect_will_user_pass, MQTTS_V311, GOLDEN_CLIENT_SENDS),
    GV(v311_connect_will_qos2_user, MQTTS_V311, GOLDEN_CLIENT_SENDS),
    GV(v311_connack_accepted, MQTTS_V311, GOLDEN_CLIENT_RECEIVES),
    GV(v311_connack_session_present, MQTTS_V311, GOLDEN_CLIENT_RECEIVES),
    GV(v311_connack_not_authorized, MQTTS_V311, GOLDEN_CLIENT_RECEIVES),
    GV(v311_publish_qos0, MQTTS_V311, GOLDEN_BOTH),
    GV(v311_publish_qos1, MQTTS_V311, GOLDEN_BOTH),
    GV(v311_publish_qos2_dup_retain, MQTTS_V311, GOLDEN_BOTH),
    GV(v311_publish_retain_empty, MQTTS_V311, GOLDEN_BOTH),
    GV(v311_publish_qos0_rl128, MQTTS_V311, GOLDEN_BOTH),
    GV(v311_puback, MQTTS_V311, GOLDEN_BOTH),
    GV(v311_pubrec, MQTTS_V311, GOLDEN_BOTH),
    GV(v311_pubrel, MQTTS_V311, GOLDEN_BOTH),
    GV(v311_pubcomp, MQTTS_V311, GOLDEN_BOTH),
    GV(v311_subscribe_single, MQTTS_V311, GOLDEN_CLIENT_SENDS),
    GV(v311_subscribe_many, MQTTS_V311, GOLDEN_CLIENT_SENDS),
    GV(v311_suback_single, MQTTS_V311, GOLDEN_CLIENT_RECEIVES),
    GV(v311_suback_many, MQTTS_V311, GOLDEN_CLIENT_RECEIVES),
    GV(v311_unsubscribe, MQTTS_V311, GOLDEN_CLIENT_SENDS),
    GV(v311_unsuback, MQTTS_V311, GOLDEN_CLIENT_RECEIVES),
    GV(v311_pingreq, MQTTS_V311, GOLDEN_CLIENT_SENDS),
    GV(v311_pingresp, MQTTS_V311, GOLDEN_CLIENT_RECEIVES),
    GV(v311_disconnect, MQTTS_V311, GOLDEN_CLIENT_SENDS),

    /* MQTT 5.0 */
    GV(v5_connect_minimal, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_connect_will_user_pass, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_connect_password_only, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_connect_all_props, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_connack_success, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_connack_session_present, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_connack_bad_credentials, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_connack_rich, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_publish_qos0, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_publish_qos1_props, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_publish_alias_only, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_publish_set_alias, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_publish_dup_qos1_empty, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_publish_multi_subid, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_puback_short, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_puback_reason, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_puback_reason_props, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_puback_reason_empty_props, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_pubrec_short, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_pubrec_reason, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_pubrec_reason_props, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_pubrel_short, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_pubrel_reason, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_pubrel_reason_props, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_pubcomp_short, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_pubcomp_reason, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_pubcomp_reason_props, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_subscribe_single, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_subscribe_options, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_suback_single, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_suback_mixed, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_unsubscribe_single, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_unsubscribe_props, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_unsuback_single, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_unsuback_mixed, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_pingreq, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_pingresp, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_disconnect_normal, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_disconnect_reason_only, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_disconnect_reason_empty_props, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_disconnect_with_will, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_disconnect_reason_props, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_disconnect_server_moved, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
    GV(v5_auth_continue, MQTTS_V5, GOLDEN_BOTH),
    GV(v5_auth_reauth, MQTTS_V5, GOLDEN_CLIENT_SENDS),
    GV(v5_auth_success, MQTTS_V5, GOLDEN_CLIENT_RECEIVES),
};

#undef GV

const size_t golden_vector_count = sizeof golden_vectors / sizeof golden_vectors[0];

const golden_vector *golden_find(const char *name)
{
    size_t i;

    for (i = 0; i < golden_vector_count; i++) {
        if (strcmp(golden_vectors[i].name, name) == 0)
            return &golden_vectors[i];
    }
    fprintf(stderr, "golden_find: no vector named \"%s\"\n", name ? name : "(null)");
    abort();
}
