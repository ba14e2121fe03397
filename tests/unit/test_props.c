/*
 * test_props.c - the MQTT 5 property table, the reason code tables and
 * mqtts_strerror(), checked against the specification.
 *
 * Every expected value below was written by hand from the specification:
 *   - MQTT 5.0 section 2.2.2.2, Table 2-4 "Properties" (name, type, packets);
 *   - MQTT 5.0 section 2.4, Table 2-6 "Reason Codes" (name, packets), and the
 *     per-packet reason code tables: 3.2.2.2 (CONNACK), 3.4.2.1 (PUBACK),
 *     3.5.2.1 (PUBREC), 3.6.2.1 (PUBREL), 3.7.2.1 (PUBCOMP), 3.9.3 (SUBACK,
 *     Table 3-8), 3.11.3 (UNSUBACK, Table 3-9), 3.14.2.1 (DISCONNECT,
 *     Table 3-10, with its "Sent by" column), 3.15.2.1 (AUTH, Table 3-11);
 *   - MQTT 3.1.1 section 3.2.2.3, Table 3.1 "Connect Return code values",
 *     and section 3.9.3 (SUBACK return codes).
 *
 * Sweeps collect every mismatching cell with print_error() and fail once at
 * the end, so a failing run lists all wrong cells, not just the first.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "mqtts/error.h"
#include "mqtts/packet.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* ------------------------------------------------------------------------ */
/* Table 2-4, as a matrix.
 *
 * Column i of `where` is "where" value i: column 0 is the Will Properties
 * (MQTTS_WILL_PROPERTIES), columns 1..15 are packet types 1..15:
 *
 *     0  Will          4  PUBACK      8  SUBSCRIBE     12 PINGREQ
 *     1  CONNECT       5  PUBREC      9  SUBACK        13 PINGRESP
 *     2  CONNACK       6  PUBREL      10 UNSUBSCRIBE   14 DISCONNECT
 *     3  PUBLISH       7  PUBCOMP     11 UNSUBACK      15 AUTH
 *
 * '.' not allowed, 'x' allowed once, 'r' allowed and repeatable.
 * Repeatable: User Property everywhere it may appear (2.2.2.2: "The User
 * Property is allowed to appear multiple times"), Subscription Identifier in
 * PUBLISH (3.3.2.3.8: one per matching subscription) but not in SUBSCRIBE
 * (3.8.2.1.2: "It is a Protocol Error to include the Subscription Identifier
 * more than once").
 */
struct prop_row {
    uint8_t id;
    const char *name;
    mqtts_prop_type type;
    /*           W1234567890123456 */
    const char *where;
};

static const struct prop_row PROPS[] = {
    /*                                                                 W CCPPPPPSSUUPPDA  */
    /*                                                                 . 1234567890123456 */
    {0x01, "Payload Format Indicator", MQTTS_PTYPE_BYTE,              "x..x............"},
    {0x02, "Message Expiry Interval", MQTTS_PTYPE_U32,                "x..x............"},
    {0x03, "Content Type", MQTTS_PTYPE_STRING,                        "x..x............"},
    {0x08, "Response Topic", MQTTS_PTYPE_STRING,                      "x..x............"},
    {0x09, "Correlation Data", MQTTS_PTYPE_BINARY,                    "x..x............"},
    {0x0B, "Subscription Identifier", MQTTS_PTYPE_VARINT,             "...r....x......."},
    {0x11, "Session Expiry Interval", MQTTS_PTYPE_U32,                ".xx...........x."},
    {0x12, "Assigned Client Identifier", MQTTS_PTYPE_STRING,          "..x............."},
    {0x13, "Server Keep Alive", MQTTS_PTYPE_U16,                      "..x............."},
    {0x15, "Authentication Method", MQTTS_PTYPE_STRING,               ".xx............x"},
    {0x16, "Authentication Data", MQTTS_PTYPE_BINARY,                 ".xx............x"},
    {0x17, "Request Problem Information", MQTTS_PTYPE_BYTE,           ".x.............."},
    {0x18, "Will Delay Interval", MQTTS_PTYPE_U32,                    "x..............."},
    {0x19, "Request Response Information", MQTTS_PTYPE_BYTE,          ".x.............."},
    {0x1A, "Response Information", MQTTS_PTYPE_STRING,                "..x............."},
    {0x1C, "Server Reference", MQTTS_PTYPE_STRING,                    "..x...........x."},
    {0x1F, "Reason String", MQTTS_PTYPE_STRING,                       "..x.xxxx.x.x..xx"},
    {0x21, "Receive Maximum", MQTTS_PTYPE_U16,                        ".xx............."},
    {0x22, "Topic Alias Maximum", MQTTS_PTYPE_U16,                    ".xx............."},
    {0x23, "Topic Alias", MQTTS_PTYPE_U16,                            "...x............"},
    {0x24, "Maximum QoS", MQTTS_PTYPE_BYTE,                           "..x............."},
    {0x25, "Retain Available", MQTTS_PTYPE_BYTE,                      "..x............."},
    {0x26, "User Property", MQTTS_PTYPE_STRING_PAIR,                  "rrrrrrrrrrrr..rr"},
    {0x27, "Maximum Packet Size", MQTTS_PTYPE_U32,                    ".xx............."},
    {0x28, "Wildcard Subscription Available", MQTTS_PTYPE_BYTE,       "..x............."},
    {0x29, "Subscription Identifier Available", MQTTS_PTYPE_BYTE,     "..x............."},
    {0x2A, "Shared Subscription Available", MQTTS_PTYPE_BYTE,         "..x............."},
};

static const char *const WHERE_NAME[16] = {
    "Will",    "CONNECT",   "CONNACK",     "PUBLISH",  "PUBACK",   "PUBREC",
    "PUBREL",  "PUBCOMP",   "SUBSCRIBE",   "SUBACK",   "UNSUBSCRIBE",
    "UNSUBACK", "PINGREQ",  "PINGRESP",    "DISCONNECT", "AUTH",
};

static const struct prop_row *prop_row(unsigned id)
{
    for (size_t i = 0; i < ARRAY_LEN(PROPS); i++)
        if (PROPS[i].id == id)
            return &PROPS[i];
    return NULL;
}

/* The test data itself: 27 rows, 16 columns each, ids ascending. */
static void test_prop_table_shape(void **state)
{
    (void)state;
    assert_int_equal(ARRAY_LEN(PROPS), 27);
    for (size_t i = 0; i < ARRAY_LEN(PROPS); i++) {
        assert_int_equal(strlen(PROPS[i].where), 16);
        if (i > 0)
            assert_true(PROPS[i - 1].id < PROPS[i].id);
    }
    /* The undefined ids the brief lists are exactly the complement. */
    static const uint8_t undefined_low[] = {0x00, 0x04, 0x05, 0x06, 0x07, 0x0A, 0x0C, 0x0D,
                                            0x0E, 0x0F, 0x10, 0x14, 0x1B, 0x1D, 0x1E, 0x20};
    unsigned defined = 0;
    for (unsigned id = 0; id < 256; id++) {
        bool listed_undefined = id >= 0x2B;
        for (size_t k = 0; k < ARRAY_LEN(undefined_low); k++)
            if (undefined_low[k] == id)
                listed_undefined = true;
        assert_true((prop_row(id) != NULL) != listed_undefined);
        defined += prop_row(id) != NULL;
    }
    assert_int_equal(defined, 27);
}

static void test_prop_type_of_defined(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < ARRAY_LEN(PROPS); i++) {
        mqtts_prop_type t = mqtts_prop_type_of(PROPS[i].id);
        if (t != PROPS[i].type) {
            print_error("mqtts_prop_type_of(0x%02X %s) = %d, expected %d\n", PROPS[i].id,
                        PROPS[i].name, (int)t, (int)PROPS[i].type);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_prop_name_defined(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < ARRAY_LEN(PROPS); i++) {
        const char *n = mqtts_prop_name(PROPS[i].id);
        if (n == NULL || strcmp(n, PROPS[i].name) != 0) {
            print_error("mqtts_prop_name(0x%02X) = \"%s\", expected \"%s\"\n", PROPS[i].id,
                        n ? n : "(null)", PROPS[i].name);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_prop_allowed_matrix(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < ARRAY_LEN(PROPS); i++) {
        for (unsigned w = 0; w < 16; w++) {
            bool want = PROPS[i].where[w] != '.';
            bool got = mqtts_prop_allowed(PROPS[i].id, (uint8_t)w);
            if (want != got) {
                print_error("mqtts_prop_allowed(0x%02X %s, %s) = %d, expected %d\n",
                            PROPS[i].id, PROPS[i].name, WHERE_NAME[w], got, want);
                bad++;
            }
        }
        /* No packet type 16..255 exists. */
        for (unsigned w = 16; w < 256; w++) {
            if (mqtts_prop_allowed(PROPS[i].id, (uint8_t)w)) {
                print_error("mqtts_prop_allowed(0x%02X, where %u) = 1, expected 0\n",
                            PROPS[i].id, w);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

static void test_prop_allowed_ping_has_no_properties(void **state)
{
    (void)state;
    for (unsigned id = 0; id < 256; id++) {
        assert_false(mqtts_prop_allowed((uint8_t)id, MQTTS_PINGREQ));
        assert_false(mqtts_prop_allowed((uint8_t)id, MQTTS_PINGRESP));
    }
}

static void test_prop_repeatable_matrix(void **state)
{
    (void)state;
    int bad = 0;
    for (size_t i = 0; i < ARRAY_LEN(PROPS); i++) {
        for (unsigned w = 0; w < 256; w++) {
            bool want = w < 16 && PROPS[i].where[w] == 'r';
            bool got = mqtts_prop_repeatable(PROPS[i].id, (uint8_t)w);
            if (want != got) {
                print_error("mqtts_prop_repeatable(0x%02X %s, %s%u) = %d, expected %d\n",
                            PROPS[i].id, PROPS[i].name, w < 16 ? WHERE_NAME[w] : "where ",
                            w < 16 ? 0u : w, got, want);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

static void test_prop_repeatable_spot_checks(void **state)
{
    (void)state;
    assert_true(mqtts_prop_repeatable(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER, MQTTS_PUBLISH));
    assert_false(mqtts_prop_repeatable(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER, MQTTS_SUBSCRIBE));
    assert_true(mqtts_prop_repeatable(MQTTS_PROP_USER_PROPERTY, MQTTS_WILL_PROPERTIES));
    assert_true(mqtts_prop_repeatable(MQTTS_PROP_USER_PROPERTY, MQTTS_AUTH));
    assert_false(mqtts_prop_repeatable(MQTTS_PROP_USER_PROPERTY, MQTTS_PINGREQ));
    assert_false(mqtts_prop_repeatable(MQTTS_PROP_REASON_STRING, MQTTS_PUBACK));
    assert_false(mqtts_prop_repeatable(MQTTS_PROP_TOPIC_ALIAS, MQTTS_PUBLISH));
}

static void test_prop_undefined_ids(void **state)
{
    (void)state;
    int bad = 0;
    for (unsigned id = 0; id < 256; id++) {
        if (prop_row(id))
            continue;
        if (mqtts_prop_type_of((uint8_t)id) != MQTTS_PTYPE_NONE) {
            print_error("mqtts_prop_type_of(0x%02X) = %d, expected NONE\n", id,
                        (int)mqtts_prop_type_of((uint8_t)id));
            bad++;
        }
        if (mqtts_prop_name((uint8_t)id) != NULL) {
            print_error("mqtts_prop_name(0x%02X) = \"%s\", expected NULL\n", id,
                        mqtts_prop_name((uint8_t)id));
            bad++;
        }
        for (unsigned w = 0; w < 256; w++) {
            if (mqtts_prop_allowed((uint8_t)id, (uint8_t)w)) {
                print_error("mqtts_prop_allowed(0x%02X, %u) = 1 for an undefined id\n", id, w);
                bad++;
            }
            if (mqtts_prop_repeatable((uint8_t)id, (uint8_t)w)) {
                print_error("mqtts_prop_repeatable(0x%02X, %u) = 1 for an undefined id\n", id, w);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

/* The enum in packet.h agrees with Table 2-4 (a typo there would silently
 * make the codec use the wrong id). */
static void test_prop_enum_values(void **state)
{
    (void)state;
    static const struct {
        unsigned enum_value;
        const char *name;
    } e[] = {
        {MQTTS_PROP_PAYLOAD_FORMAT_INDICATOR, "Payload Format Indicator"},
        {MQTTS_PROP_MESSAGE_EXPIRY_INTERVAL, "Message Expiry Interval"},
        {MQTTS_PROP_CONTENT_TYPE, "Content Type"},
        {MQTTS_PROP_RESPONSE_TOPIC, "Response Topic"},
        {MQTTS_PROP_CORRELATION_DATA, "Correlation Data"},
        {MQTTS_PROP_SUBSCRIPTION_IDENTIFIER, "Subscription Identifier"},
        {MQTTS_PROP_SESSION_EXPIRY_INTERVAL, "Session Expiry Interval"},
        {MQTTS_PROP_ASSIGNED_CLIENT_IDENTIFIER, "Assigned Client Identifier"},
        {MQTTS_PROP_SERVER_KEEP_ALIVE, "Server Keep Alive"},
        {MQTTS_PROP_AUTHENTICATION_METHOD, "Authentication Method"},
        {MQTTS_PROP_AUTHENTICATION_DATA, "Authentication Data"},
        {MQTTS_PROP_REQUEST_PROBLEM_INFORMATION, "Request Problem Information"},
        {MQTTS_PROP_WILL_DELAY_INTERVAL, "Will Delay Interval"},
        {MQTTS_PROP_REQUEST_RESPONSE_INFORMATION, "Request Response Information"},
        {MQTTS_PROP_RESPONSE_INFORMATION, "Response Information"},
        {MQTTS_PROP_SERVER_REFERENCE, "Server Reference"},
        {MQTTS_PROP_REASON_STRING, "Reason String"},
        {MQTTS_PROP_RECEIVE_MAXIMUM, "Receive Maximum"},
        {MQTTS_PROP_TOPIC_ALIAS_MAXIMUM, "Topic Alias Maximum"},
        {MQTTS_PROP_TOPIC_ALIAS, "Topic Alias"},
        {MQTTS_PROP_MAXIMUM_QOS, "Maximum QoS"},
        {MQTTS_PROP_RETAIN_AVAILABLE, "Retain Available"},
        {MQTTS_PROP_USER_PROPERTY, "User Property"},
        {MQTTS_PROP_MAXIMUM_PACKET_SIZE, "Maximum Packet Size"},
        {MQTTS_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE, "Wildcard Subscription Available"},
        {MQTTS_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE, "Subscription Identifier Available"},
        {MQTTS_PROP_SHARED_SUBSCRIPTION_AVAILABLE, "Shared Subscription Available"},
    };
    assert_int_equal(ARRAY_LEN(e), 27);
    for (size_t i = 0; i < ARRAY_LEN(e); i++) {
        const struct prop_row *r = prop_row(e[i].enum_value);
        assert_non_null(r);
        assert_string_equal(r->name, e[i].name);
        /* MQTTS_PROP_BIT must fit every defined id in 64 bits. */
        assert_true(e[i].enum_value < 64);
        assert_true(MQTTS_PROP_BIT(e[i].enum_value) != 0);
    }
}

/* ------------------------------------------------------------------------ */
/* Reason codes. */

#define P(t) (1u << (t))
#define CONNACK P(MQTTS_CONNACK)
#define PUBACK P(MQTTS_PUBACK)
#define PUBREC P(MQTTS_PUBREC)
#define PUBREL P(MQTTS_PUBREL)
#define PUBCOMP P(MQTTS_PUBCOMP)
#define SUBACK P(MQTTS_SUBACK)
#define UNSUBACK P(MQTTS_UNSUBACK)
#define DISCONNECT P(MQTTS_DISCONNECT)
#define AUTH P(MQTTS_AUTH)

static const char UNKNOWN_RC[] = "Unknown reason code";

/* MQTT 5.0 Table 2-6, row by row: code, name, packets it applies to. */
static const struct reason_row {
    uint8_t code;
    const char *name;
    unsigned packets;
} REASONS[] = {
    {0x00, "Success", CONNACK | PUBACK | PUBREC | PUBREL | PUBCOMP | UNSUBACK | AUTH},
    {0x00, "Normal disconnection", DISCONNECT},
    {0x00, "Granted QoS 0", SUBACK},
    {0x01, "Granted QoS 1", SUBACK},
    {0x02, "Granted QoS 2", SUBACK},
    {0x04, "Disconnect with Will Message", DISCONNECT},
    {0x10, "No matching subscribers", PUBACK | PUBREC},
    {0x11, "No subscription existed", UNSUBACK},
    {0x18, "Continue authentication", AUTH},
    {0x19, "Re-authenticate", AUTH},
    {0x80, "Unspecified error", CONNACK | PUBACK | PUBREC | SUBACK | UNSUBACK | DISCONNECT},
    {0x81, "Malformed Packet", CONNACK | DISCONNECT},
    {0x82, "Protocol Error", CONNACK | DISCONNECT},
    {0x83, "Implementation specific error",
     CONNACK | PUBACK | PUBREC | SUBACK | UNSUBACK | DISCONNECT},
    {0x84, "Unsupported Protocol Version", CONNACK},
    {0x85, "Client Identifier not valid", CONNACK},
    {0x86, "Bad User Name or Password", CONNACK},
    {0x87, "Not authorized", CONNACK | PUBACK | PUBREC | SUBACK | UNSUBACK | DISCONNECT},
    {0x88, "Server unavailable", CONNACK},
    {0x89, "Server busy", CONNACK | DISCONNECT},
    {0x8A, "Banned", CONNACK},
    {0x8B, "Server shutting down", DISCONNECT},
    {0x8C, "Bad authentication method", CONNACK | DISCONNECT},
    {0x8D, "Keep Alive timeout", DISCONNECT},
    {0x8E, "Session taken over", DISCONNECT},
    {0x8F, "Topic Filter invalid", SUBACK | UNSUBACK | DISCONNECT},
    {0x90, "Topic Name invalid", CONNACK | PUBACK | PUBREC | DISCONNECT},
    {0x91, "Packet Identifier in use", PUBACK | PUBREC | SUBACK | UNSUBACK},
    {0x92, "Packet Identifier not found", PUBREL | PUBCOMP},
    {0x93, "Receive Maximum exceeded", DISCONNECT},
    {0x94, "Topic Alias invalid", DISCONNECT},
    {0x95, "Packet too large", CONNACK | DISCONNECT},
    {0x96, "Message rate too high", DISCONNECT},
    {0x97, "Quota exceeded", CONNACK | PUBACK | PUBREC | SUBACK | DISCONNECT},
    {0x98, "Administrative action", DISCONNECT},
    {0x99, "Payload format invalid", CONNACK | PUBACK | PUBREC | DISCONNECT},
    {0x9A, "Retain not supported", CONNACK | DISCONNECT},
    {0x9B, "QoS not supported", CONNACK | DISCONNECT},
    {0x9C, "Use another server", CONNACK | DISCONNECT},
    {0x9D, "Server moved", CONNACK | DISCONNECT},
    {0x9E, "Shared Subscriptions not supported", SUBACK | DISCONNECT},
    {0x9F, "Connection rate exceeded", CONNACK | DISCONNECT},
    {0xA0, "Maximum connect time", DISCONNECT},
    {0xA1, "Subscription Identifiers not supported", SUBACK | DISCONNECT},
    {0xA2, "Wildcard Subscriptions not supported", SUBACK | DISCONNECT},
};

static const char *tname(unsigned t)
{
    return t >= 1 && t < 16 ? WHERE_NAME[t] : "?";
}

/* The Table 2-6 name of `code` in packet t, or NULL when the row does not
 * list t. */
static const char *table_name(unsigned t, unsigned code)
{
    for (size_t i = 0; i < ARRAY_LEN(REASONS); i++)
        if (REASONS[i].code == code && (REASONS[i].packets & P(t)))
            return REASONS[i].name;
    return NULL;
}

/* Cells where the specification disagrees with itself, or where the header's
 * "the server may send" wording matters; tested one by one below and skipped
 * in the sweeps so a failure there is attributed precisely:
 *   - DISCONNECT 0x8C: listed in Table 2-6, absent from Table 3-10 (3.14.2.1)
 *     (name tested alone; allowed: we follow Table 2-6, see below);
 *   - DISCONNECT 0x04: Table 3-10 says "Sent by: Client" only;
 *   - AUTH 0x19: Table 3-11 says "Sent by: Client" only. */
static bool contested_name(unsigned t, unsigned code)
{
    return t == MQTTS_DISCONNECT && code == 0x8C;
}

static bool contested_allowed(unsigned t, unsigned code)
{
    return (t == MQTTS_DISCONNECT && code == 0x04) || (t == MQTTS_AUTH && code == 0x19);
}

static void test_reason_name_v5_table(void **state)
{
    (void)state;
    int bad = 0;
    for (unsigned t = MQTTS_CONNECT; t <= MQTTS_AUTH; t++) {
        for (unsigned code = 0; code < 256; code++) {
            if (contested_name(t, code))
                continue;
            const char *want = table_name(t, code);
            if (!want)
                want = UNKNOWN_RC;
            const char *got = mqtts_reason_name(MQTTS_V5, (mqtts_packet_type)t, (uint8_t)code);
            if (got == NULL || strcmp(got, want) != 0) {
                print_error("mqtts_reason_name(V5, %s, 0x%02X) = \"%s\", expected \"%s\"\n",
                            tname(t), code, got ? got : "(null)", want);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

static void test_reason_name_v5_spot_checks(void **state)
{
    (void)state;
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_SUBACK, 0x00), "Granted QoS 0");
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_PUBACK, 0x00), "Success");
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_DISCONNECT, 0x00),
                        "Normal disconnection");
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_DISCONNECT, 0x04),
                        "Disconnect with Will Message");
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_PUBREC, 0x10),
                        "No matching subscribers");
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_AUTH, 0x19), "Re-authenticate");
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_CONNACK, 0x86),
                        "Bad User Name or Password");
    /* Defined codes in the wrong packet. */
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_PUBACK, 0x92), UNKNOWN_RC);
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_SUBACK, 0x04), UNKNOWN_RC);
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_CONNACK, 0x01), UNKNOWN_RC);
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_PUBLISH, 0x00), UNKNOWN_RC);
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_PUBACK, 0xFF), UNKNOWN_RC);
}

/* Table 2-6 lists 0x8C "Bad authentication method" for DISCONNECT; the
 * DISCONNECT table 3-10 (3.14.2.1) does not. The header says the name is
 * given for codes "defined for that packet"; we follow Table 2-6. */
static void test_reason_name_v5_disconnect_bad_auth_method(void **state)
{
    (void)state;
    assert_string_equal(mqtts_reason_name(MQTTS_V5, MQTTS_DISCONNECT, 0x8C),
                        "Bad authentication method");
}

/* MQTT 3.1.1 Table 3.1, names exactly as written there. */
static void test_reason_name_v311_connack(void **state)
{
    (void)state;
    static const char *const want[6] = {
        "Connection Accepted",
        "Connection Refused, unacceptable protocol version",
        "Connection Refused, identifier rejected",
        "Connection Refused, Server unavailable",
        "Connection Refused, bad user name or password",
        "Connection Refused, not authorized",
    };
    assert_int_equal(MQTTS_V311_CONNACK_ACCEPTED, 0);
    assert_int_equal(MQTTS_V311_CONNACK_BAD_PROTOCOL_VERSION, 1);
    assert_int_equal(MQTTS_V311_CONNACK_IDENTIFIER_REJECTED, 2);
    assert_int_equal(MQTTS_V311_CONNACK_SERVER_UNAVAILABLE, 3);
    assert_int_equal(MQTTS_V311_CONNACK_BAD_USERNAME_OR_PASSWORD, 4);
    assert_int_equal(MQTTS_V311_CONNACK_NOT_AUTHORIZED, 5);
    int bad = 0;
    for (unsigned code = 0; code < 256; code++) {
        const char *w = code < 6 ? want[code] : UNKNOWN_RC;
        const char *got = mqtts_reason_name(MQTTS_V311, MQTTS_CONNACK, (uint8_t)code);
        if (got == NULL || strcmp(got, w) != 0) {
            print_error("mqtts_reason_name(V311, CONNACK, 0x%02X) = \"%s\", expected \"%s\"\n",
                        code, got ? got : "(null)", w);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

/* MQTT 3.1.1 section 3.9.3: 0x00/0x01/0x02 "Success - Maximum QoS n", 0x80
 * "Failure". The header does not say which name 0..2 get in 3.1.1 (the
 * 3.1.1 wording or the v5 "Granted QoS n"); either is accepted. */
static void test_reason_name_v311_suback(void **state)
{
    (void)state;
    assert_int_equal(MQTTS_V311_SUBACK_FAILURE, 0x80);
    assert_string_equal(mqtts_reason_name(MQTTS_V311, MQTTS_SUBACK, 0x80), "Failure");
    for (unsigned q = 0; q < 3; q++) {
        char v311[32], v5[32];
        snprintf(v311, sizeof v311, "Success - Maximum QoS %u", q);
        snprintf(v5, sizeof v5, "Granted QoS %u", q);
        const char *got = mqtts_reason_name(MQTTS_V311, MQTTS_SUBACK, (uint8_t)q);
        assert_non_null(got);
        if (strcmp(got, v311) != 0 && strcmp(got, v5) != 0) {
            print_error("mqtts_reason_name(V311, SUBACK, %u) = \"%s\"\n", q, got);
            fail();
        }
    }
    for (unsigned code = 3; code < 256; code++) {
        if (code == 0x80)
            continue;
        assert_string_equal(mqtts_reason_name(MQTTS_V311, MQTTS_SUBACK, (uint8_t)code),
                            UNKNOWN_RC);
    }
}

static void test_reason_name_never_null(void **state)
{
    (void)state;
    const mqtts_version vs[2] = {MQTTS_V311, MQTTS_V5};
    for (int vi = 0; vi < 2; vi++)
        for (unsigned t = MQTTS_CONNECT; t <= MQTTS_AUTH; t++)
            for (unsigned code = 0; code < 256; code++) {
                const char *n = mqtts_reason_name(vs[vi], (mqtts_packet_type)t, (uint8_t)code);
                assert_non_null(n);
                assert_true(n[0] != '\0');
            }
}

/* The per-packet tables of section 3, restricted to what a server sends. */
struct allowed_set {
    mqtts_packet_type t;
    const char *section;
    const uint8_t *codes;
    size_t n;
};

static const uint8_t CONNACK_RC[] = {0x00, 0x80, 0x81, 0x82, 0x83, 0x84, 0x85, 0x86,
                                     0x87, 0x88, 0x89, 0x8A, 0x8C, 0x90, 0x95, 0x97,
                                     0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9F};
static const uint8_t PUBACK_RC[] = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
static const uint8_t PUBREC_RC[] = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
static const uint8_t PUBREL_RC[] = {0x00, 0x92};
static const uint8_t PUBCOMP_RC[] = {0x00, 0x92};
static const uint8_t SUBACK_RC[] = {0x00, 0x01, 0x02, 0x80, 0x83, 0x87,
                                    0x8F, 0x91, 0x97, 0x9E, 0xA1, 0xA2};
static const uint8_t UNSUBACK_RC[] = {0x00, 0x11, 0x80, 0x83, 0x87, 0x8F, 0x91};
/* Table 3-10 without 0x04 (client only), plus 0x8C from Table 2-6. */
static const uint8_t DISCONNECT_RC[] = {0x00, 0x80, 0x81, 0x82, 0x83, 0x87, 0x89, 0x8B, 0x8C,
                                        0x8D, 0x8E, 0x8F, 0x90, 0x93, 0x94, 0x95, 0x96,
                                        0x97, 0x98, 0x99, 0x9A, 0x9B, 0x9C, 0x9D, 0x9E,
                                        0x9F, 0xA0, 0xA1, 0xA2};
/* Table 3-11 without 0x19 (client only). */
static const uint8_t AUTH_RC[] = {0x00, 0x18};

#define SET(t, sec, a) {t, sec, a, ARRAY_LEN(a)}
static const struct allowed_set ALLOWED[] = {
    SET(MQTTS_CONNACK, "3.2.2.2", CONNACK_RC),
    SET(MQTTS_PUBACK, "3.4.2.1", PUBACK_RC),
    SET(MQTTS_PUBREC, "3.5.2.1", PUBREC_RC),
    SET(MQTTS_PUBREL, "3.6.2.1", PUBREL_RC),
    SET(MQTTS_PUBCOMP, "3.7.2.1", PUBCOMP_RC),
    SET(MQTTS_SUBACK, "3.9.3", SUBACK_RC),
    SET(MQTTS_UNSUBACK, "3.11.3", UNSUBACK_RC),
    SET(MQTTS_DISCONNECT, "3.14.2.1", DISCONNECT_RC),
    SET(MQTTS_AUTH, "3.15.2.1", AUTH_RC),
};

static bool in_set(const struct allowed_set *s, unsigned code)
{
    for (size_t i = 0; i < s->n; i++)
        if (s->codes[i] == code)
            return true;
    return false;
}

/* The test data: every per-packet code is in Table 2-6 for that packet, and
 * every Table 2-6 cell is in the per-packet set or contested. */
static void test_reason_tables_consistent(void **state)
{
    (void)state;
    for (size_t s = 0; s < ARRAY_LEN(ALLOWED); s++) {
        for (unsigned code = 0; code < 256; code++) {
            bool in_26 = table_name(ALLOWED[s].t, code) != NULL;
            bool in_3 = in_set(&ALLOWED[s], code);
            if (contested_allowed(ALLOWED[s].t, code))
                assert_true(in_26 && !in_3);
            else
                assert_true(in_26 == in_3);
        }
    }
}

static void check_allowed_v5(mqtts_packet_type t)
{
    const struct allowed_set *s = NULL;
    for (size_t i = 0; i < ARRAY_LEN(ALLOWED); i++)
        if (ALLOWED[i].t == t)
            s = &ALLOWED[i];
    assert_non_null(s);
    int bad = 0;
    for (unsigned code = 0; code < 256; code++) {
        if (contested_allowed(t, code))
            continue;
        bool want = in_set(s, code);
        bool got = mqtts_reason_allowed(MQTTS_V5, t, (uint8_t)code);
        if (want != got) {
            print_error("mqtts_reason_allowed(V5, %s, 0x%02X) = %d, expected %d (MQTT 5.0 %s)\n",
                        tname(t), code, got, want, s->section);
            bad++;
        }
    }
    assert_int_equal(bad, 0);
}

static void test_reason_allowed_v5_connack(void **state) { (void)state; check_allowed_v5(MQTTS_CONNACK); }
static void test_reason_allowed_v5_puback(void **state) { (void)state; check_allowed_v5(MQTTS_PUBACK); }
static void test_reason_allowed_v5_pubrec(void **state) { (void)state; check_allowed_v5(MQTTS_PUBREC); }
static void test_reason_allowed_v5_pubrel(void **state) { (void)state; check_allowed_v5(MQTTS_PUBREL); }
static void test_reason_allowed_v5_pubcomp(void **state) { (void)state; check_allowed_v5(MQTTS_PUBCOMP); }
static void test_reason_allowed_v5_suback(void **state) { (void)state; check_allowed_v5(MQTTS_SUBACK); }
static void test_reason_allowed_v5_unsuback(void **state) { (void)state; check_allowed_v5(MQTTS_UNSUBACK); }
static void test_reason_allowed_v5_disconnect(void **state) { (void)state; check_allowed_v5(MQTTS_DISCONNECT); }
static void test_reason_allowed_v5_auth(void **state) { (void)state; check_allowed_v5(MQTTS_AUTH); }

/* The brief's example, spelled out. */
static void test_reason_allowed_v5_puback_exact(void **state)
{
    (void)state;
    static const uint8_t ok[] = {0x00, 0x10, 0x80, 0x83, 0x87, 0x90, 0x91, 0x97, 0x99};
    unsigned n = 0;
    for (unsigned code = 0; code < 256; code++)
        n += mqtts_reason_allowed(MQTTS_V5, MQTTS_PUBACK, (uint8_t)code);
    assert_int_equal(n, ARRAY_LEN(ok));
    for (size_t i = 0; i < ARRAY_LEN(ok); i++)
        assert_true(mqtts_reason_allowed(MQTTS_V5, MQTTS_PUBACK, ok[i]));
}

/* Packets without a reason code. */
static void test_reason_allowed_v5_non_ack_packets(void **state)
{
    (void)state;
    static const mqtts_packet_type none[] = {MQTTS_CONNECT,     MQTTS_PUBLISH, MQTTS_SUBSCRIBE,
                                             MQTTS_UNSUBSCRIBE, MQTTS_PINGREQ, MQTTS_PINGRESP};
    for (size_t i = 0; i < ARRAY_LEN(none); i++)
        for (unsigned code = 0; code < 256; code++)
            assert_false(mqtts_reason_allowed(MQTTS_V5, none[i], (uint8_t)code));
}

/* Contested cells, one test each (see contested_allowed()). The header says
 * mqtts_reason_allowed() is "whether the server may send `code`". */
static void test_reason_allowed_v5_disconnect_with_will_not_from_server(void **state)
{
    (void)state;
    /* Table 3-10: 0x04 Disconnect with Will Message, Sent by: Client. */
    assert_false(mqtts_reason_allowed(MQTTS_V5, MQTTS_DISCONNECT, 0x04));
}

static void test_reason_allowed_v5_auth_reauthenticate_not_from_server(void **state)
{
    (void)state;
    /* Table 3-11: 0x19 Re-authenticate, Sent by: Client. */
    assert_false(mqtts_reason_allowed(MQTTS_V5, MQTTS_AUTH, 0x19));
}

/* Table 2-6 lists 0x8C for DISCONNECT, Table 3-10 (3.14.2.1) does not. A
 * server may well send it (a failed re-authentication, 4.12.1), so a client
 * accepts it: Table 2-6 wins. */
static void test_reason_allowed_v5_disconnect_bad_auth_method(void **state)
{
    (void)state;
    assert_true(mqtts_reason_allowed(MQTTS_V5, MQTTS_DISCONNECT, 0x8C));
}

/* Everything allowed has a name in that packet. */
static void test_reason_allowed_v5_implies_named(void **state)
{
    (void)state;
    for (unsigned t = MQTTS_CONNECT; t <= MQTTS_AUTH; t++)
        for (unsigned code = 0; code < 256; code++)
            if (mqtts_reason_allowed(MQTTS_V5, (mqtts_packet_type)t, (uint8_t)code))
                assert_string_not_equal(
                    mqtts_reason_name(MQTTS_V5, (mqtts_packet_type)t, (uint8_t)code),
                    UNKNOWN_RC);
}

static void test_reason_allowed_v311_connack(void **state)
{
    (void)state;
    for (unsigned code = 0; code < 256; code++)
        assert_int_equal(mqtts_reason_allowed(MQTTS_V311, MQTTS_CONNACK, (uint8_t)code),
                         code <= 5);
}

static void test_reason_allowed_v311_suback(void **state)
{
    (void)state;
    for (unsigned code = 0; code < 256; code++)
        assert_int_equal(mqtts_reason_allowed(MQTTS_V311, MQTTS_SUBACK, (uint8_t)code),
                         code <= 2 || code == 0x80);
}

/* As in v5, packets the server never sends carry no reason code it may send. */
static void test_reason_allowed_v311_non_ack_packets(void **state)
{
    (void)state;
    static const mqtts_packet_type none[] = {MQTTS_CONNECT,     MQTTS_PUBLISH, MQTTS_SUBSCRIBE,
                                             MQTTS_UNSUBSCRIBE, MQTTS_PINGREQ, MQTTS_PINGRESP};
    int bad = 0;
    for (size_t i = 0; i < ARRAY_LEN(none); i++)
        for (unsigned code = 0; code < 256; code++)
            if (mqtts_reason_allowed(MQTTS_V311, none[i], (uint8_t)code)) {
                print_error("mqtts_reason_allowed(V311, %s, 0x%02X) = 1\n", tname(none[i]), code);
                bad++;
            }
    assert_int_equal(bad, 0);
}

/* AUTH does not exist in 3.1.1. */
static void test_reason_allowed_v311_auth(void **state)
{
    (void)state;
    for (unsigned code = 0; code < 256; code++)
        assert_false(mqtts_reason_allowed(MQTTS_V311, MQTTS_AUTH, (uint8_t)code));
}

/* The mqtts_reason enum agrees with Table 2-6. */
static void test_reason_enum_values(void **state)
{
    (void)state;
    static const struct {
        unsigned v;
        const char *name;
    } e[] = {
        {MQTTS_RC_GRANTED_QOS_1, "Granted QoS 1"},
        {MQTTS_RC_GRANTED_QOS_2, "Granted QoS 2"},
        {MQTTS_RC_DISCONNECT_WITH_WILL, "Disconnect with Will Message"},
        {MQTTS_RC_NO_MATCHING_SUBSCRIBERS, "No matching subscribers"},
        {MQTTS_RC_NO_SUBSCRIPTION_EXISTED, "No subscription existed"},
        {MQTTS_RC_CONTINUE_AUTHENTICATION, "Continue authentication"},
        {MQTTS_RC_REAUTHENTICATE, "Re-authenticate"},
        {MQTTS_RC_UNSPECIFIED_ERROR, "Unspecified error"},
        {MQTTS_RC_MALFORMED_PACKET, "Malformed Packet"},
        {MQTTS_RC_PROTOCOL_ERROR, "Protocol Error"},
        {MQTTS_RC_IMPLEMENTATION_SPECIFIC_ERROR, "Implementation specific error"},
        {MQTTS_RC_UNSUPPORTED_PROTOCOL_VERSION, "Unsupported Protocol Version"},
        {MQTTS_RC_CLIENT_IDENTIFIER_NOT_VALID, "Client Identifier not valid"},
        {MQTTS_RC_BAD_USER_NAME_OR_PASSWORD, "Bad User Name or Password"},
        {MQTTS_RC_NOT_AUTHORIZED, "Not authorized"},
        {MQTTS_RC_SERVER_UNAVAILABLE, "Server unavailable"},
        {MQTTS_RC_SERVER_BUSY, "Server busy"},
        {MQTTS_RC_BANNED, "Banned"},
        {MQTTS_RC_SERVER_SHUTTING_DOWN, "Server shutting down"},
        {MQTTS_RC_BAD_AUTHENTICATION_METHOD, "Bad authentication method"},
        {MQTTS_RC_KEEP_ALIVE_TIMEOUT, "Keep Alive timeout"},
        {MQTTS_RC_SESSION_TAKEN_OVER, "Session taken over"},
        {MQTTS_RC_TOPIC_FILTER_INVALID, "Topic Filter invalid"},
        {MQTTS_RC_TOPIC_NAME_INVALID, "Topic Name invalid"},
        {MQTTS_RC_PACKET_IDENTIFIER_IN_USE, "Packet Identifier in use"},
        {MQTTS_RC_PACKET_IDENTIFIER_NOT_FOUND, "Packet Identifier not found"},
        {MQTTS_RC_RECEIVE_MAXIMUM_EXCEEDED, "Receive Maximum exceeded"},
        {MQTTS_RC_TOPIC_ALIAS_INVALID, "Topic Alias invalid"},
        {MQTTS_RC_PACKET_TOO_LARGE, "Packet too large"},
        {MQTTS_RC_MESSAGE_RATE_TOO_HIGH, "Message rate too high"},
        {MQTTS_RC_QUOTA_EXCEEDED, "Quota exceeded"},
        {MQTTS_RC_ADMINISTRATIVE_ACTION, "Administrative action"},
        {MQTTS_RC_PAYLOAD_FORMAT_INVALID, "Payload format invalid"},
        {MQTTS_RC_RETAIN_NOT_SUPPORTED, "Retain not supported"},
        {MQTTS_RC_QOS_NOT_SUPPORTED, "QoS not supported"},
        {MQTTS_RC_USE_ANOTHER_SERVER, "Use another server"},
        {MQTTS_RC_SERVER_MOVED, "Server moved"},
        {MQTTS_RC_SHARED_SUBSCRIPTIONS_NOT_SUPPORTED, "Shared Subscriptions not supported"},
        {MQTTS_RC_CONNECTION_RATE_EXCEEDED, "Connection rate exceeded"},
        {MQTTS_RC_MAXIMUM_CONNECT_TIME, "Maximum connect time"},
        {MQTTS_RC_SUBSCRIPTION_IDENTIFIERS_NOT_SUPPORTED, "Subscription Identifiers not supported"},
        {MQTTS_RC_WILDCARD_SUBSCRIPTIONS_NOT_SUPPORTED, "Wildcard Subscriptions not supported"},
    };
    assert_int_equal(MQTTS_RC_SUCCESS, 0);
    for (size_t i = 0; i < ARRAY_LEN(e); i++) {
        bool found = false;
        for (size_t k = 0; k < ARRAY_LEN(REASONS); k++)
            if (REASONS[k].code == e[i].v && strcmp(REASONS[k].name, e[i].name) == 0)
                found = true;
        if (!found) {
            print_error("enum value 0x%02X is not \"%s\" in Table 2-6\n", e[i].v, e[i].name);
            fail();
        }
    }
}

/* ------------------------------------------------------------------------ */
/* mqtts_strerror() */

static const mqtts_err ALL_ERRS[] = {
    MQTTS_OK,
    MQTTS_NEED_MORE,
    MQTTS_ERR_INVALID_ARGUMENT,
    MQTTS_ERR_BUFFER_TOO_SMALL,
    MQTTS_ERR_STRING_TOO_LONG,
    MQTTS_ERR_PACKET_TOO_LARGE,
    MQTTS_ERR_VERSION,
    MQTTS_ERR_V5_ONLY,
    MQTTS_ERR_PASSWORD_WITHOUT_USERNAME,
    MQTTS_ERR_SHARED_NO_LOCAL,
    MQTTS_ERR_VARINT_TOO_LONG,
    MQTTS_ERR_VARINT_NOT_MINIMAL,
    MQTTS_ERR_PACKET_TYPE_RESERVED,
    MQTTS_ERR_PACKET_TYPE_UNEXPECTED,
    MQTTS_ERR_RESERVED_FLAGS,
    MQTTS_ERR_PACKET_TRUNCATED,
    MQTTS_ERR_TRAILING_BYTES,
    MQTTS_ERR_QOS_INVALID,
    MQTTS_ERR_DUP_ON_QOS0,
    MQTTS_ERR_PACKET_ID_ZERO,
    MQTTS_ERR_CONNACK_FLAGS,
    MQTTS_ERR_SESSION_PRESENT_ON_FAILURE,
    MQTTS_ERR_REASON_CODE_INVALID,
    MQTTS_ERR_NO_REASON_CODES,
    MQTTS_ERR_UTF8_MALFORMED,
    MQTTS_ERR_UTF8_NULL,
    MQTTS_ERR_UTF8_SURROGATE,
    MQTTS_ERR_UTF8_OVERLONG,
    MQTTS_ERR_UTF8_TOO_LARGE,
    MQTTS_ERR_TOPIC_EMPTY,
    MQTTS_ERR_TOPIC_WILDCARD,
    MQTTS_ERR_FILTER_INVALID,
    MQTTS_ERR_SHARE_NAME_INVALID,
    MQTTS_ERR_PROPERTY_UNKNOWN,
    MQTTS_ERR_PROPERTY_NOT_ALLOWED,
    MQTTS_ERR_PROPERTY_DUPLICATE,
    MQTTS_ERR_PROPERTY_TRUNCATED,
    MQTTS_ERR_PROPERTY_VALUE,
    MQTTS_ERR_TOPIC_ALIAS_ZERO,
    MQTTS_ERR_SUBSCRIPTION_ID_ZERO,
    MQTTS_ERR_DNS,
    MQTTS_ERR_CONNECT_REFUSED,
    MQTTS_ERR_TIMEOUT,
    MQTTS_ERR_UNREACHABLE,
    MQTTS_ERR_CLOSED,
    MQTTS_ERR_IO,
    MQTTS_ERR_NOT_CONNECTED,
    MQTTS_ERR_REFUSED,
    MQTTS_ERR_PROTOCOL,
    MQTTS_ERR_BROKER_DISCONNECT,
    MQTTS_ERR_QUEUE_FULL,
    MQTTS_ERR_BROKER_LIMIT,
    MQTTS_ERR_NOT_A_REQUEST,
    MQTTS_ERR_TLS_REQUIRED,
    MQTTS_ERR_NO_CONNACK,
    /* TLS (issue 4) */
    MQTTS_ERR_TLS_UNTRUSTED,
    MQTTS_ERR_TLS_NAME_MISMATCH,
    MQTTS_ERR_TLS_EXPIRED,
    MQTTS_ERR_TLS_NOT_YET_VALID,
    MQTTS_ERR_TLS_CLOCK_NOT_SET,
    MQTTS_ERR_TLS_ALERT,
    MQTTS_ERR_TLS_NOT_TLS,
    MQTTS_ERR_TLS_PIN_MISMATCH,
    MQTTS_ERR_TLS_CA_FILE,
    MQTTS_ERR_TLS_CERT_FILE,
    MQTTS_ERR_TLS_KEY_FILE,
    MQTTS_ERR_TLS_KEY_PASSWORD,
    MQTTS_ERR_TLS_CLIENT_CERT_REQUIRED,
    MQTTS_ERR_TLS_CLIENT_CERT_REJECTED,
    MQTTS_ERR_TLS_BAD_CERT,
    MQTTS_ERR_TLS_HANDSHAKE,
    MQTTS_ERR_TLS_SETUP,
    MQTTS_ERR_TLS_PROTOCOL,
    /* WebSocket (issue 6) */
    MQTTS_ERR_WS_HTTP_STATUS,
    MQTTS_ERR_WS_BAD_ACCEPT,
    MQTTS_ERR_WS_SUBPROTOCOL,
    MQTTS_ERR_WS_BAD_RESPONSE,
    MQTTS_ERR_WS_TEXT_FRAME,
    MQTTS_ERR_WS_BAD_FRAME,
    MQTTS_ERR_WS_CLOSED,
    MQTTS_ERR_WS_HANDSHAKE_TIMEOUT,
    MQTTS_ERR_WS_ENTROPY,
};

static bool is_defined_err(int v)
{
    for (size_t i = 0; i < ARRAY_LEN(ALL_ERRS); i++)
        if ((int)ALL_ERRS[i] == v)
            return true;
    return false;
}

/* The numbers are documented as stable; pin the ranges error.h promises. */
static void test_strerror_numbers_stable(void **state)
{
    (void)state;
    assert_int_equal(ARRAY_LEN(ALL_ERRS), 55 + 18 /* TLS */ + 9 /* WebSocket */);
    assert_int_equal(MQTTS_OK, 0);
    assert_int_equal(MQTTS_NEED_MORE, 1);
    for (size_t i = 2; i < ARRAY_LEN(ALL_ERRS); i++)
        assert_true(ALL_ERRS[i] < 0);
    assert_int_equal(MQTTS_ERR_SHARED_NO_LOCAL, -8);
    assert_int_equal(MQTTS_ERR_NO_REASON_CODES, -33);
    assert_int_equal(MQTTS_ERR_SHARE_NAME_INVALID, -48);
    assert_int_equal(MQTTS_ERR_SUBSCRIPTION_ID_ZERO, -66);
    assert_int_equal(MQTTS_ERR_DNS, -100);
    assert_int_equal(MQTTS_ERR_NOT_CONNECTED, -106);
}

static void test_strerror_all_distinct(void **state)
{
    (void)state;
    int bad = 0;
    const char *unknown = mqtts_strerror((mqtts_err)12345);
    for (size_t i = 0; i < ARRAY_LEN(ALL_ERRS); i++) {
        const char *s = mqtts_strerror(ALL_ERRS[i]);
        if (s == NULL || s[0] == '\0') {
            print_error("mqtts_strerror(%d) is %s\n", (int)ALL_ERRS[i], s ? "empty" : "NULL");
            bad++;
            continue;
        }
        if (strcmp(s, "unknown error") == 0 || (unknown && strcmp(s, unknown) == 0)) {
            print_error("mqtts_strerror(%d) = \"%s\" (the unknown-error text)\n",
                        (int)ALL_ERRS[i], s);
            bad++;
        }
        for (size_t k = 0; k < i; k++) {
            const char *o = mqtts_strerror(ALL_ERRS[k]);
            if (o && strcmp(s, o) == 0) {
                print_error("mqtts_strerror(%d) == mqtts_strerror(%d) == \"%s\"\n",
                            (int)ALL_ERRS[i], (int)ALL_ERRS[k], s);
                bad++;
            }
        }
    }
    assert_int_equal(bad, 0);
}

static void test_strerror_unknown(void **state)
{
    (void)state;
    for (int v = -300; v <= 300; v++) {
        if (is_defined_err(v))
            continue;
        const char *s = mqtts_strerror((mqtts_err)v);
        assert_non_null(s);
        assert_string_equal(s, "unknown error");
    }
    assert_string_equal(mqtts_strerror((mqtts_err)-2147483647), "unknown error");
    assert_string_equal(mqtts_strerror((mqtts_err)2147483647), "unknown error");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_prop_table_shape),
        cmocka_unit_test(test_prop_type_of_defined),
        cmocka_unit_test(test_prop_name_defined),
        cmocka_unit_test(test_prop_allowed_matrix),
        cmocka_unit_test(test_prop_allowed_ping_has_no_properties),
        cmocka_unit_test(test_prop_repeatable_matrix),
        cmocka_unit_test(test_prop_repeatable_spot_checks),
        cmocka_unit_test(test_prop_undefined_ids),
        cmocka_unit_test(test_prop_enum_values),
        cmocka_unit_test(test_reason_name_v5_table),
        cmocka_unit_test(test_reason_name_v5_spot_checks),
        cmocka_unit_test(test_reason_name_v5_disconnect_bad_auth_method),
        cmocka_unit_test(test_reason_name_v311_connack),
        cmocka_unit_test(test_reason_name_v311_suback),
        cmocka_unit_test(test_reason_name_never_null),
        cmocka_unit_test(test_reason_tables_consistent),
        cmocka_unit_test(test_reason_allowed_v5_connack),
        cmocka_unit_test(test_reason_allowed_v5_puback),
        cmocka_unit_test(test_reason_allowed_v5_pubrec),
        cmocka_unit_test(test_reason_allowed_v5_pubrel),
        cmocka_unit_test(test_reason_allowed_v5_pubcomp),
        cmocka_unit_test(test_reason_allowed_v5_suback),
        cmocka_unit_test(test_reason_allowed_v5_unsuback),
        cmocka_unit_test(test_reason_allowed_v5_disconnect),
        cmocka_unit_test(test_reason_allowed_v5_auth),
        cmocka_unit_test(test_reason_allowed_v5_puback_exact),
        cmocka_unit_test(test_reason_allowed_v5_non_ack_packets),
        cmocka_unit_test(test_reason_allowed_v5_disconnect_with_will_not_from_server),
        cmocka_unit_test(test_reason_allowed_v5_auth_reauthenticate_not_from_server),
        cmocka_unit_test(test_reason_allowed_v5_disconnect_bad_auth_method),
        cmocka_unit_test(test_reason_allowed_v5_implies_named),
        cmocka_unit_test(test_reason_allowed_v311_connack),
        cmocka_unit_test(test_reason_allowed_v311_suback),
        cmocka_unit_test(test_reason_allowed_v311_non_ack_packets),
        cmocka_unit_test(test_reason_allowed_v311_auth),
        cmocka_unit_test(test_reason_enum_values),
        cmocka_unit_test(test_strerror_numbers_stable),
        cmocka_unit_test(test_strerror_all_distinct),
        cmocka_unit_test(test_strerror_unknown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
