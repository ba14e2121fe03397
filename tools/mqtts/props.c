/*
 * props.c - -D CMD NAME VALUE.
 *
 * The packet a property goes into decides what can carry it: PUBLISH,
 * SUBSCRIBE, UNSUBSCRIBE and the will take any property the specification
 * allows there (the codec checks the values again when it encodes). CONNECT
 * properties become session settings, because the session engine writes
 * CONNECT itself; those it has no setting for, and DISCONNECT's (the client
 * library sends DISCONNECT without properties), are refused as not
 * supported rather than silently dropped.
 */
#include "props.h"

#include <stdlib.h>
#include <string.h>

#include "tool.h"

static const struct {
    uint8_t id;
    const char *key;
} prop_keys[] = {
    {MQTTS_PROP_PAYLOAD_FORMAT_INDICATOR, "payload-format-indicator"},
    {MQTTS_PROP_MESSAGE_EXPIRY_INTERVAL, "message-expiry-interval"},
    {MQTTS_PROP_CONTENT_TYPE, "content-type"},
    {MQTTS_PROP_RESPONSE_TOPIC, "response-topic"},
    {MQTTS_PROP_CORRELATION_DATA, "correlation-data"},
    {MQTTS_PROP_SUBSCRIPTION_IDENTIFIER, "subscription-identifier"},
    {MQTTS_PROP_SESSION_EXPIRY_INTERVAL, "session-expiry-interval"},
    {MQTTS_PROP_ASSIGNED_CLIENT_IDENTIFIER, "assigned-client-identifier"},
    {MQTTS_PROP_SERVER_KEEP_ALIVE, "server-keep-alive"},
    {MQTTS_PROP_AUTHENTICATION_METHOD, "authentication-method"},
    {MQTTS_PROP_AUTHENTICATION_DATA, "authentication-data"},
    {MQTTS_PROP_REQUEST_PROBLEM_INFORMATION, "request-problem-information"},
    {MQTTS_PROP_WILL_DELAY_INTERVAL, "will-delay-interval"},
    {MQTTS_PROP_REQUEST_RESPONSE_INFORMATION, "request-response-information"},
    {MQTTS_PROP_RESPONSE_INFORMATION, "response-information"},
    {MQTTS_PROP_SERVER_REFERENCE, "server-reference"},
    {MQTTS_PROP_REASON_STRING, "reason-string"},
    {MQTTS_PROP_RECEIVE_MAXIMUM, "receive-maximum"},
    {MQTTS_PROP_TOPIC_ALIAS_MAXIMUM, "topic-alias-maximum"},
    {MQTTS_PROP_TOPIC_ALIAS, "topic-alias"},
    {MQTTS_PROP_MAXIMUM_QOS, "maximum-qos"},
    {MQTTS_PROP_RETAIN_AVAILABLE, "retain-available"},
    {MQTTS_PROP_USER_PROPERTY, "user-property"},
    {MQTTS_PROP_MAXIMUM_PACKET_SIZE, "maximum-packet-size"},
    {MQTTS_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE, "wildcard-subscription-available"},
    {MQTTS_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE, "subscription-identifier-available"},
    {MQTTS_PROP_SHARED_SUBSCRIPTION_AVAILABLE, "shared-subscription-available"},
};

#define PROP_KEY_COUNT (sizeof prop_keys / sizeof prop_keys[0])

const char *prop_key(uint8_t id)
{
    for (size_t i = 0; i < PROP_KEY_COUNT; i++) {
        if (prop_keys[i].id == id)
            return prop_keys[i].key;
    }
    return NULL;
}

static int prop_id(const char *key)
{
    for (size_t i = 0; i < PROP_KEY_COUNT; i++) {
        if (strcmp(prop_keys[i].key, key) == 0)
            return prop_keys[i].id;
    }
    return -1;
}

static const struct {
    const char *name;
    uint8_t where;  /* packet type or MQTTS_WILL_PROPERTIES */
    int set;        /* pset_id, or -1: not kept in a prop_set */
    unsigned cmds;  /* the subcommands that send this packet */
} targets[] = {
    {"connect", MQTTS_CONNECT, PSET_CONNECT, CMD_PUB | CMD_SUB | CMD_RPC},
    {"publish", MQTTS_PUBLISH, PSET_PUBLISH, CMD_PUB | CMD_RPC},
    {"subscribe", MQTTS_SUBSCRIBE, PSET_SUBSCRIBE, CMD_SUB | CMD_RPC},
    {"unsubscribe", MQTTS_UNSUBSCRIBE, PSET_UNSUBSCRIBE, CMD_SUB},
    {"will", MQTTS_WILL_PROPERTIES, PSET_WILL, CMD_PUB | CMD_SUB | CMD_RPC},
    {"disconnect", MQTTS_DISCONNECT, -1, CMD_PUB | CMD_SUB},
};

#define TARGET_COUNT (sizeof targets / sizeof targets[0])

static int add_user(prop_set *ps, const char *k, const char *v)
{
    if (ps->user_n == UINT16_MAX)
        return EXIT_USAGE;
    if (ps->user_n == ps->user_cap) {
        size_t cap = ps->user_cap ? ps->user_cap * 2 : 4;
        mqtts_user_property *u = realloc(ps->user, cap * sizeof *u);
        if (!u)
            return EXIT_CONN;
        ps->user = u;
        ps->user_cap = cap;
    }
    ps->user[ps->user_n].name = mqtts_cstr(k);
    ps->user[ps->user_n].value = mqtts_cstr(v);
    ps->user_n++;
    return EXIT_OK;
}

static bool number_for(uint8_t id, const char *v, uint32_t *n)
{
    uint32_t max = UINT32_MAX;
    switch (mqtts_prop_type_of(id)) {
    case MQTTS_PTYPE_BYTE: max = UINT8_MAX; break;
    case MQTTS_PTYPE_U16: max = UINT16_MAX; break;
    case MQTTS_PTYPE_VARINT: max = MQTTS_VARINT_MAX; break;
    default: break;
    }
    return parse_u32(v, max, n);
}

/* A property into a packet's property block, by its wire type. */
static int set_generic(prop_set *ps, uint8_t id, const char *v, const char *v2)
{
    mqtts_props *p = &ps->props;
    uint32_t n = 0;
    if (id == MQTTS_PROP_USER_PROPERTY)
        return add_user(ps, v, v2);
    if (p->present & MQTTS_PROP_BIT(id)) {
        tool_error("-D: property '%s' given twice", prop_key(id));
        return EXIT_USAGE;
    }
    mqtts_prop_type t = mqtts_prop_type_of(id);
    if (t != MQTTS_PTYPE_STRING && t != MQTTS_PTYPE_BINARY && !number_for(id, v, &n)) {
        tool_error("-D: bad value '%s' for '%s': a number is expected", v, prop_key(id));
        return EXIT_USAGE;
    }
    switch (id) {
    case MQTTS_PROP_PAYLOAD_FORMAT_INDICATOR: p->payload_format_indicator = (uint8_t)n; break;
    case MQTTS_PROP_MESSAGE_EXPIRY_INTERVAL: p->message_expiry_interval = n; break;
    case MQTTS_PROP_CONTENT_TYPE: p->content_type = mqtts_cstr(v); break;
    case MQTTS_PROP_RESPONSE_TOPIC: p->response_topic = mqtts_cstr(v); break;
    case MQTTS_PROP_CORRELATION_DATA: p->correlation_data = mqtts_bytes(v, strlen(v)); break;
    case MQTTS_PROP_SUBSCRIPTION_IDENTIFIER: p->subscription_identifier = n; break;
    case MQTTS_PROP_TOPIC_ALIAS: p->topic_alias = (uint16_t)n; break;
    case MQTTS_PROP_WILL_DELAY_INTERVAL: p->will_delay_interval = n; break;
    default:
        tool_error("-D: mqtts cannot send property '%s' yet", prop_key(id));
        return EXIT_UNSUPPORTED;
    }
    p->present |= MQTTS_PROP_BIT(id);
    return EXIT_OK;
}

/* CONNECT: the session engine writes it from its settings. */
static int set_connect(tool_opts *o, uint8_t id, const char *v, const char *v2)
{
    uint32_t n = 0;
    if (id == MQTTS_PROP_USER_PROPERTY)
        return add_user(&o->props[PSET_CONNECT], v, v2);
    if (id == MQTTS_PROP_AUTHENTICATION_METHOD || id == MQTTS_PROP_AUTHENTICATION_DATA ||
        id == MQTTS_PROP_REQUEST_PROBLEM_INFORMATION) {
        tool_error("-D connect %s: not supported by mqtts yet (the session engine writes "
                   "CONNECT and has no setting for it)", prop_key(id));
        return EXIT_UNSUPPORTED;
    }
    if (!number_for(id, v, &n)) {
        tool_error("-D connect: bad value '%s' for '%s': a number is expected", v, prop_key(id));
        return EXIT_USAGE;
    }
    switch (id) {
    case MQTTS_PROP_SESSION_EXPIRY_INTERVAL:
        o->session_expiry = n;
        o->expiry_set = true;
        return EXIT_OK;
    case MQTTS_PROP_RECEIVE_MAXIMUM:
        if (n == 0)
            break;
        o->receive_maximum = (uint16_t)n;
        return EXIT_OK;
    case MQTTS_PROP_TOPIC_ALIAS_MAXIMUM:
        o->topic_alias_maximum = (uint16_t)n;
        o->topic_alias_maximum_set = true;
        return EXIT_OK;
    case MQTTS_PROP_REQUEST_RESPONSE_INFORMATION:
        if (n > 1)
            break;
        o->request_response_info = n == 1;
        return EXIT_OK;
    case MQTTS_PROP_MAXIMUM_PACKET_SIZE:
        /* It is the size of the receive buffer: at least what the
         * session engine needs for itself. */
        if (n < 128)
            break;
        o->max_packet = n;
        return EXIT_OK;
    default: /* only the ones above are allowed in CONNECT */
        break;
    }
    tool_error("-D connect: value %s is out of range for '%s'", v, prop_key(id));
    return EXIT_USAGE;
}

int props_apply(tool_opts *o, const char *cmd, const char *name, const char *value,
                const char *value2)
{
    size_t t;
    for (t = 0; t < TARGET_COUNT && strcmp(targets[t].name, cmd) != 0; t++)
        ;
    if (t == TARGET_COUNT) {
        tool_error("-D: unknown packet '%s' (connect, publish, subscribe, unsubscribe, "
                   "disconnect or will)", cmd);
        return EXIT_USAGE;
    }
    if (!(targets[t].cmds & o->cmd)) {
        tool_error("-D: mqtts %s sends no %s packet", o->cmd_name, cmd);
        return EXIT_USAGE;
    }
    int id = prop_id(name);
    if (id < 0) {
        tool_error("-D: unknown property '%s'", name);
        return EXIT_USAGE;
    }
    if (!mqtts_prop_allowed((uint8_t)id, targets[t].where)) {
        tool_error("-D: property '%s' is not allowed in %s", name, cmd);
        return EXIT_USAGE;
    }
    o->any_props = true;
    if (targets[t].set < 0) {
        tool_error("-D %s: not supported by mqtts yet (its DISCONNECT carries no properties)",
                   cmd);
        return EXIT_UNSUPPORTED;
    }
    if (targets[t].set == PSET_CONNECT)
        return set_connect(o, (uint8_t)id, value, value2);
    return set_generic(&o->props[targets[t].set], (uint8_t)id, value, value2);
}

void props_finish(tool_opts *o)
{
    for (int i = 0; i < PSET_COUNT_; i++) {
        o->props[i].props.user = o->props[i].user;
        o->props[i].props.user_count = (uint16_t)o->props[i].user_n;
    }
}

void props_free(tool_opts *o)
{
    for (int i = 0; i < PSET_COUNT_; i++) {
        free(o->props[i].user);
        o->props[i].user = NULL;
    }
}
