/*
 * Reason codes: which packets each may appear in, and who may send it
 * (MQTT 5.0 section 2.4). The decoder and encoder check codes against this
 * table; src/names/names.c keeps the names in the same order.
 */
#include "wire.h"

/* Which packets a reason code may appear in: bit N is packet type N. */
#define CA (1u << MQTTS_CONNACK)
#define PA (1u << MQTTS_PUBACK)
#define RC (1u << MQTTS_PUBREC)
#define RL (1u << MQTTS_PUBREL)
#define PC (1u << MQTTS_PUBCOMP)
#define SA (1u << MQTTS_SUBACK)
#define UA (1u << MQTTS_UNSUBACK)
#define DC (1u << MQTTS_DISCONNECT)
#define AU (1u << MQTTS_AUTH)

typedef struct reason_info {
    uint8_t code;
    uint16_t where;
} reason_info;

/* MQTT 5.0 section 2.4, Table 2-6. The names are one string, in table
 * order, so that no pointer per name is stored. */
static const reason_info reasons[] = {
    {0x00, CA | PA | RC | RL | PC | UA | AU}, /* Success */
    {0x00, DC}, /* Normal disconnection */
    {0x00, SA}, /* Granted QoS 0 */
    {0x01, SA}, /* Granted QoS 1 */
    {0x02, SA}, /* Granted QoS 2 */
    {0x04, DC}, /* Disconnect with Will Message */
    {0x10, PA | RC}, /* No matching subscribers */
    {0x11, UA}, /* No subscription existed */
    {0x18, AU}, /* Continue authentication */
    {0x19, AU}, /* Re-authenticate */
    {0x80, CA | PA | RC | SA | UA | DC}, /* Unspecified error */
    {0x81, CA | DC}, /* Malformed Packet */
    {0x82, CA | DC}, /* Protocol Error */
    {0x83, CA | PA | RC | SA | UA | DC}, /* Implementation specific error */
    {0x84, CA}, /* Unsupported Protocol Version */
    {0x85, CA}, /* Client Identifier not valid */
    {0x86, CA}, /* Bad User Name or Password */
    {0x87, CA | PA | RC | SA | UA | DC}, /* Not authorized */
    {0x88, CA}, /* Server unavailable */
    {0x89, CA | DC}, /* Server busy */
    {0x8A, CA}, /* Banned */
    {0x8B, DC}, /* Server shutting down */
    {0x8C, CA | DC}, /* Bad authentication method */
    {0x8D, DC}, /* Keep Alive timeout */
    {0x8E, DC}, /* Session taken over */
    {0x8F, SA | UA | DC}, /* Topic Filter invalid */
    {0x90, CA | PA | RC | DC}, /* Topic Name invalid */
    {0x91, PA | RC | SA | UA}, /* Packet Identifier in use */
    {0x92, RL | PC}, /* Packet Identifier not found */
    {0x93, DC}, /* Receive Maximum exceeded */
    {0x94, DC}, /* Topic Alias invalid */
    {0x95, CA | DC}, /* Packet too large */
    {0x96, DC}, /* Message rate too high */
    {0x97, CA | PA | RC | SA | DC}, /* Quota exceeded */
    {0x98, DC}, /* Administrative action */
    {0x99, CA | PA | RC | DC}, /* Payload format invalid */
    {0x9A, CA | DC}, /* Retain not supported */
    {0x9B, CA | DC}, /* QoS not supported */
    {0x9C, CA | DC}, /* Use another server */
    {0x9D, CA | DC}, /* Server moved */
    {0x9E, SA | DC}, /* Shared Subscriptions not supported */
    {0x9F, CA | DC}, /* Connection rate exceeded */
    {0xA0, DC}, /* Maximum connect time */
    {0xA1, SA | DC}, /* Subscription Identifiers not supported */
    {0xA2, SA | DC}, /* Wildcard Subscriptions not supported */
};

/* Index of code in packet type t's rows of the table (the order of the
 * names in src/names/names.c), or -1. */
int mqtts__reason_find(mqtts_packet_type t, uint8_t code)
{
    for (size_t i = 0; i < sizeof reasons / sizeof reasons[0]; i++) {
        if (reasons[i].code == code && ((reasons[i].where >> t) & 1u))
            return (int)i;
    }
    return -1;
}


/* The "Sent by" columns of the DISCONNECT and AUTH tables (3.14.2.1,
 * 3.15.2.1): which of their codes a client may send, and which a server. */
static bool sent_by_ok(mqtts_packet_type t, uint8_t code, bool from_server)
{
    if (t == MQTTS_AUTH)
        return from_server ? code != MQTTS_RC_REAUTHENTICATE : code != MQTTS_RC_SUCCESS;
    if (t != MQTTS_DISCONNECT)
        return true;
    if (from_server)
        return code != MQTTS_RC_DISCONNECT_WITH_WILL;
    return code <= 0x04u || (code >= 0x80u && code <= 0x83u) || code == 0x90u ||
           (code >= 0x93u && code <= 0x99u);
}

bool mqtts__reason_ok(mqtts_version v, mqtts_packet_type t, uint8_t code, bool from_server)
{
    if ((unsigned)t > MQTTS_AUTH)
        return false;
    if (v == MQTTS_V311) {
        if (t == MQTTS_CONNACK)
            return code <= MQTTS_V311_CONNACK_NOT_AUTHORIZED;
        if (t == MQTTS_SUBACK)
            return code <= 2 || code == MQTTS_V311_SUBACK_FAILURE;
        /* 3.1.1 acks carry no reason code; 0 stands for their success. */
        return code == 0 && ((t >= MQTTS_PUBACK && t <= MQTTS_PUBCOMP) || t == MQTTS_UNSUBACK);
    }
    return mqtts__reason_find(t, code) >= 0 && sent_by_ok(t, code, from_server);
}

bool mqtts_reason_allowed(mqtts_version v, mqtts_packet_type t, uint8_t code)
{
    return mqtts__reason_ok(v, t, code, true);
}
