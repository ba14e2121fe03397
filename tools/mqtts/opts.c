/*
 * opts.c - the option table, the parser, and --help.
 *
 * The table is the one description of every option: the parser finds the
 * row for a name and a subcommand, --help prints the rows of a subcommand
 * group by group, and the config file accepts a row's config key. Options
 * of mosquitto_pub/sub that mqtts does not have are listed apart, with the
 * reason, so that a script gets a precise error instead of "unknown".
 */
#define _POSIX_C_SOURCE 200809L

#include "opts.h"

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "output.h"
#include "props.h"
#include "tool.h"
#include "url.h"

#define BOTH (CMD_PUB | CMD_SUB | CMD_RPC) /* the commands that connect as a client */
#define PUB_RPC (CMD_PUB | CMD_RPC)
#define SUB_RPC (CMD_SUB | CMD_RPC)

enum { G_CONN, G_AUTH, G_TLS, G_WILL, G_PUB, G_SUB, G_RPC, G_OUT, G_OTHER };
static const char *const group_names[] = {
    "Connection", "Credentials", "TLS", "Will (sent by the broker if we vanish)",
    "What to publish", "Subscribing", "Request and reply", "Output", "Other",
};

typedef struct opt_def {
    opt_id id;
    const char *shortname; /* "-h", or NULL */
    const char *longname;  /* "--host", or NULL */
    const char *alias;     /* another long name, not shown */
    const char *arg;       /* the value's name in --help; NULL for a flag */
    unsigned cmds;
    int group;
    const char *config;    /* the config file key, or NULL */
    const char *help;
} opt_def;

static const opt_def opt_table[] = {
    {OPT_HOST, "-h", "--host", NULL, "HOST", BOTH, G_CONN, "host",
     "broker host name or address (default localhost)"},
    {OPT_PORT, "-p", "--port", NULL, "PORT", BOTH, G_CONN, "port",
     "broker port (default 1883, or 8883 with TLS); 8883 implies TLS"},
    {OPT_URL, "-L", "--url", NULL, "URL", PUB_RPC, G_CONN, NULL,
     "mqtt[s]://[USER[:PASSWORD]@]HOST[:PORT]/TOPIC (mqtts:// is TLS), or "
     "ws[s]://[USER[:PASSWORD]@]HOST[:PORT][/PATH]: MQTT over WebSocket (wss:// is TLS; "
     "PATH is the WebSocket path, default /mqtt; give the topic with -t)"},
    {OPT_URL, "-L", "--url", NULL, "URL", CMD_SUB, G_CONN, NULL,
     "mqtt[s]://[USER[:PASSWORD]@]HOST[:PORT][/FILTER] (mqtts:// is TLS), or "
     "ws[s]://[USER[:PASSWORD]@]HOST[:PORT][/PATH]: MQTT over WebSocket (wss:// is TLS; "
     "PATH is the WebSocket path, default /mqtt; give the filter with -t)"},
    {OPT_WS_PATH, NULL, "--ws-path", NULL, "PATH", BOTH, G_CONN, "ws_path",
     "the WebSocket path for ws:// and wss:// URLs (default /mqtt)"},
    {OPT_VERSION, "-V", "--protocol-version", NULL, "VERSION", CMD_PUB | CMD_SUB, G_CONN,
     "version", "MQTT version: 311 or mqttv311 (default), 5 or mqttv5"},
    {OPT_VERSION, "-V", "--protocol-version", NULL, "VERSION", CMD_RPC, G_CONN, "version",
     "MQTT version: 5 or mqttv5 (default), 311 or mqttv311 (replies by the topic "
     "convention of docs/request-response.md)"},
    {OPT_ID, "-i", "--id", NULL, "ID", BOTH, G_CONN, "id",
     "client identifier (default: generated, or assigned by an MQTT 5 broker)"},
    {OPT_ID_PREFIX, "-I", "--id-prefix", NULL, "PREFIX", BOTH, G_CONN, NULL,
     "client identifier PREFIX followed by the process id"},
    {OPT_KEEPALIVE, "-k", "--keepalive", NULL, "SECONDS", BOTH, G_CONN, "keepalive",
     "keepalive interval (default 60; 0 turns it off)"},
    {OPT_PERSISTENT, "-c", "--disable-clean-session", NULL, NULL, BOTH, G_CONN, NULL,
     "persistent session: the broker keeps subscriptions and QoS 1/2 messages while we "
     "are away (needs -i)"},
    {OPT_EXPIRY, "-x", "--session-expiry", NULL, "SECONDS", BOTH, G_CONN, NULL,
     "MQTT 5 session expiry interval; -1 or inf: never (default -1 with -c, else 0)"},
    {OPT_NODELAY, NULL, "--nodelay", NULL, NULL, BOTH, G_CONN, NULL,
     "accepted for compatibility: mqtts always turns Nagle's algorithm off"},
    {OPT_USERNAME, "-u", "--username", NULL, "USER", BOTH, G_AUTH, "username",
     "user name (or MQTTS_USERNAME, or the config file)"},
    {OPT_PASSWORD, "-P", "--pw", "--password", "PASSWORD", BOTH, G_AUTH, "password",
     "password (or MQTTS_PASSWORD, or the config file; never printed)"},
    {OPT_PROFILE, NULL, "--profile", NULL, "NAME", BOTH, G_AUTH, NULL,
     "use section [NAME] of $XDG_CONFIG_HOME/mqtts/config (~/.config/mqtts/config)"},
    {OPT_CAFILE, NULL, "--cafile", NULL, "FILE", BOTH, G_TLS, "cafile",
     "TLS, trusting the CA certificates in FILE (PEM or DER)"},
    {OPT_CAPATH, NULL, "--capath", NULL, "DIR", BOTH, G_TLS, "capath",
     "TLS, trusting the CA certificates in DIR"},
    {OPT_CERT, NULL, "--cert", NULL, "FILE", BOTH, G_TLS, "cert",
     "TLS client certificate (mutual TLS; needs --key)"},
    {OPT_KEY, NULL, "--key", NULL, "FILE", BOTH, G_TLS, "key",
     "TLS client private key (encrypted: its password in MQTTS_KEY_PASSWORD)"},
    {OPT_INSECURE, NULL, "--insecure", NULL, NULL, BOTH, G_TLS, "insecure",
     "TLS without verifying the server at all (encrypted, not authenticated; warned "
     "about on every connection)"},
    {OPT_ALPN, NULL, "--tls-alpn", NULL, "PROTOCOL", BOTH, G_TLS, "tls-alpn",
     "TLS, offering this ALPN protocol (repeat for more)"},
    {OPT_OS_CERTS, NULL, "--tls-use-os-certs", NULL, NULL, BOTH, G_TLS, "tls-use-os-certs",
     "TLS, trusting the system's CA store (what TLS uses when no --cafile/--capath)"},
    {OPT_WILL_TOPIC, NULL, "--will-topic", NULL, "TOPIC", BOTH, G_WILL, NULL,
     "the will's topic"},
    {OPT_WILL_PAYLOAD, NULL, "--will-payload", NULL, "PAYLOAD", BOTH, G_WILL, NULL,
     "the will's payload (default empty)"},
    {OPT_WILL_QOS, NULL, "--will-qos", NULL, "QOS", BOTH, G_WILL, NULL,
     "the will's QoS (default 0)"},
    {OPT_WILL_RETAIN, NULL, "--will-retain", NULL, NULL, BOTH, G_WILL, NULL,
     "the will is retained"},
    {OPT_TOPIC, "-t", "--topic", NULL, "TOPIC", PUB_RPC, G_PUB, NULL, "the topic to publish to"},
    {OPT_MESSAGE, "-m", "--message", NULL, "TEXT", PUB_RPC, G_PUB, NULL, "publish TEXT"},
    {OPT_FILE, "-f", "--file", NULL, "FILE", PUB_RPC, G_PUB, NULL,
     "publish the contents of FILE as one message"},
    {OPT_STDIN_LINE, "-l", "--stdin-line", NULL, NULL, CMD_PUB, G_PUB, NULL,
     "publish each line of standard input as a message, until end of input"},
    {OPT_STDIN_FILE, "-s", "--stdin-file", NULL, NULL, PUB_RPC, G_PUB, NULL,
     "publish all of standard input as one message"},
    {OPT_NULL_MESSAGE, "-n", "--null-message", NULL, NULL, PUB_RPC, G_PUB, NULL,
     "publish an empty message"},
    {OPT_QOS, "-q", "--qos", NULL, "QOS", CMD_PUB, G_PUB, NULL, "QoS 0, 1 or 2 (default 0)"},
    {OPT_QOS, "-q", "--qos", NULL, "QOS", CMD_RPC, G_PUB, NULL,
     "QoS 0, 1 or 2 of the request and of the reply subscription (default 0)"},
    {OPT_RETAIN, "-r", "--retain", NULL, NULL, CMD_PUB, G_PUB, NULL,
     "the broker keeps the message for future subscribers"},
    {OPT_REPEAT, NULL, "--repeat", NULL, "N", CMD_PUB, G_PUB, NULL,
     "publish the message N times (with -m, -f, -s or -n)"},
    {OPT_REPEAT_DELAY, NULL, "--repeat-delay", NULL, "SECONDS", CMD_PUB, G_PUB, NULL,
     "wait this long between repeats (fractions allowed; default 0)"},
    {OPT_TOPIC, "-t", "--topic", NULL, "FILTER", CMD_SUB, G_SUB, NULL,
     "a topic filter to subscribe to (repeat for more)"},
    {OPT_QOS, "-q", "--qos", NULL, "QOS", CMD_SUB, G_SUB, NULL,
     "the subscriptions' maximum QoS, 0, 1 or 2 (default 0)"},
    {OPT_FILTER_OUT, "-T", "--filter-out", NULL, "FILTER", CMD_SUB, G_SUB, NULL,
     "do not print messages whose topic matches FILTER (repeat for more)"},
    {OPT_UNSUBSCRIBE, "-U", "--unsubscribe", NULL, "FILTER", CMD_SUB, G_SUB, NULL,
     "unsubscribe from FILTER once connected (repeat for more)"},
    {OPT_COUNT, "-C", "--count", NULL, "N", CMD_SUB, G_SUB, NULL,
     "exit after printing N messages"},
    {OPT_TIMEOUT, "-W", "--timeout", NULL, "SECONDS", CMD_SUB, G_SUB, NULL,
     "give up after this long (exit 4 unless -C was reached first)"},
    {OPT_NO_RETAINED, "-R", "--no-retained", NULL, NULL, CMD_SUB, G_SUB, NULL,
     "do not print retained (stale) messages"},
    {OPT_RETAINED_ONLY, NULL, "--retained-only", NULL, NULL, CMD_SUB, G_SUB, NULL,
     "print only retained messages; exit at the first message that is not"},
    {OPT_REMOVE_RETAINED, NULL, "--remove-retained", NULL, NULL, CMD_SUB, G_SUB, NULL,
     "clear each retained message received (publish an empty retained one)"},
    {OPT_EXIT_AFTER_ACK, "-E", "--exit-after-subscribe", NULL, NULL, CMD_SUB, G_SUB, NULL,
     "exit once the broker has acknowledged the subscriptions (and -U)"},
    {OPT_RETAIN_AS_PUBLISHED, NULL, "--retain-as-published", NULL, NULL, CMD_SUB, G_SUB, NULL,
     "MQTT 5: keep the retain flag of forwarded messages as published"},
    {OPT_RESPONSE_TOPIC, "-e", "--response-topic", NULL, "TOPIC", CMD_RPC, G_RPC, NULL,
     "MQTT 5: where the reply is to go (default TOPIC/CORR/reply, CORR the correlation "
     "in hex); MQTT 3.1.1 replies always arrive on TOPIC/CORR/reply"},
    {OPT_CORRELATION, NULL, "--correlation", NULL, "HEX", CMD_RPC, G_RPC, NULL,
     "the correlation value, 1 to 32 bytes in hex (default: 8 random bytes)"},
    {OPT_TIMEOUT, "-W", "--timeout", NULL, "SECONDS", CMD_RPC, G_RPC, NULL,
     "wait this long for the reply (default 10); exit 4 when none came"},
    {OPT_VERBOSE, "-v", "--verbose", NULL, NULL, SUB_RPC, G_OUT, NULL,
     "print the topic, a space, and the payload"},
    {OPT_NO_NEWLINE, "-N", "--no-newline", NULL, NULL, SUB_RPC, G_OUT, NULL,
     "no newline after each message"},
    {OPT_FORMAT, "-F", "--format", NULL, "FORMAT", SUB_RPC, G_OUT, NULL,
     "print each message as FORMAT says (mosquitto_sub's %, @ and \\ sequences; see "
     "docs/mqtts.md)"},
    {OPT_JSON, NULL, "--json", NULL, NULL, SUB_RPC, G_OUT, NULL,
     "one JSON object per message: topic, qos, retain, payload (UTF-8, or base64 with "
     "\"encoding\"), MQTT 5 properties"},
    {OPT_DEBUG, "-d", "--debug", NULL, NULL, BOTH, G_OTHER, NULL,
     "print each packet sent and received, on standard error (never the password)"},
    {OPT_QUIET, NULL, "--quiet", NULL, NULL, BOTH, G_OTHER, NULL, "do not print error messages"},
    {OPT_PROPERTY, "-D", "--property", NULL, "PACKET NAME VALUE", BOTH, G_OTHER, NULL,
     "an MQTT 5 property for PACKET (connect, publish, subscribe, unsubscribe, will); "
     "-D PACKET user-property KEY VALUE; see docs/mqtts.md"},
    {OPT_HELP, NULL, "--help", NULL, NULL, BOTH, G_OTHER, NULL, "show this help"},
};

#define OPT_TABLE_COUNT (sizeof opt_table / sizeof opt_table[0])

/* mosquitto_pub/sub options mqtts does not have, and why. */
static const struct {
    const char *name;
    const char *why;
} unsupported[] = {
    {"-A", "binding to a local address"},
    {"--unix", "Unix domain sockets"},
    {"--proxy", "SOCKS proxies"},
    {"--psk", "TLS-PSK"},
    {"--psk-identity", "TLS-PSK"},
    {"--ciphers", "choosing cipher suites (mbedTLS's defaults are used)"},
    {"--tls-version", "choosing the TLS version (TLS 1.2 or newer, always)"},
    {"--tls-engine", "OpenSSL engines"},
    {"--tls-engine-kpass-sha1", "OpenSSL engines"},
    {"--keyform", "OpenSSL engines"},
    {"-M", "a maximum in-flight count (the broker's Receive Maximum applies)"},
    {"--pretty", "pretty-printed JSON"},
    {"--random-filter", "random filtering"},
};

/* ---------------------------------------------------------------------- */

int str_list_add(str_list *l, const char *s)
{
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 4;
        const char **v = realloc(l->v, cap * sizeof *v);
        if (!v)
            return EXIT_CONN;
        l->v = v;
        l->cap = cap;
    }
    l->v[l->n++] = s;
    return EXIT_OK;
}

char *opts_keep(tool_opts *o, char *s)
{
    if (!s)
        return NULL;
    if (o->owned_n == o->owned_cap) {
        size_t cap = o->owned_cap ? o->owned_cap * 2 : 8;
        char **v = realloc(o->owned, cap * sizeof *v);
        if (!v) {
            free(s);
            return NULL;
        }
        o->owned = v;
        o->owned_cap = cap;
    }
    o->owned[o->owned_n++] = s;
    return s;
}

void opts_free(tool_opts *o)
{
    for (size_t i = 0; i < o->owned_n; i++)
        free(o->owned[i]);
    free(o->owned);
    free(o->alpn.v);
    free(o->topics.v);
    free(o->filter_out.v);
    free(o->unsub.v);
    props_free(o);
    memset(o, 0, sizeof *o);
}

bool parse_u32(const char *s, uint32_t max, uint32_t *out)
{
    char *end;
    if (!s || s[0] < '0' || s[0] > '9')
        return false;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 10);
    if (errno || *end != '\0' || v > max)
        return false;
    *out = (uint32_t)v;
    return true;
}

bool parse_bool(const char *s, bool *out)
{
    static const char *const yes[] = {"1", "true", "yes", "on"};
    static const char *const no[] = {"0", "false", "no", "off"};
    for (size_t i = 0; i < 4; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return true;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return true;
        }
    }
    return false;
}

/* Seconds with an optional fraction ("0.25"), into milliseconds. */
static bool parse_seconds_ms(const char *s, uint32_t *ms)
{
    char *end;
    if (!s || ((s[0] < '0' || s[0] > '9') && s[0] != '.'))
        return false;
    errno = 0;
    double d = strtod(s, &end);
    if (errno || *end != '\0' || d < 0 || d > 4000000.0)
        return false;
    *ms = (uint32_t)(d * 1000.0 + 0.5);
    return true;
}

static int bad_value(const char *where, const char *value, const char *expected)
{
    tool_error("bad value '%s' for %s: %s", value, where, expected);
    return EXIT_USAGE;
}

static int apply_url(tool_opts *o, const char *value, opt_prio prio, const char *where)
{
    tool_url u;
    char err[128];
    if (url_parse(value, &u, err, sizeof err) != 0) {
        char shown[512];
        url_redact(value, shown, sizeof shown);
        tool_error("bad URL '%s' for %s: %s", shown, where, err);
        return EXIT_USAGE;
    }
    opts_keep(o, u.buf);
    o->scheme = (int)u.scheme;
    /* In a ws:// URL the path is the WebSocket's (as in every ws URL), not
     * a topic: brokers serve MQTT on a path such as /mqtt. */
    o->ws = u.scheme == URL_WS || u.scheme == URL_WSS;
    if (o->ws && u.topic) {
        char *path = opts_keep(o, malloc(strlen(u.topic) + 2));
        if (!path)
            return EXIT_CONN;
        path[0] = '/';
        strcpy(path + 1, u.topic);
        u.topic = NULL;
        int rc = opts_apply(o, OPT_WS_PATH, path, prio, where);
        if (rc != EXIT_OK)
            return rc;
    }
    int rc = opts_apply(o, OPT_HOST, u.host, prio, where);
    if (rc == EXIT_OK && u.port) {
        o->port = u.port;
        o->prio[OPT_PORT] = (uint8_t)prio;
    }
    if (rc == EXIT_OK && u.user)
        rc = opts_apply(o, OPT_USERNAME, u.user, prio, where);
    if (rc == EXIT_OK && u.password)
        rc = opts_apply(o, OPT_PASSWORD, u.password, prio, where);
    if (rc == EXIT_OK && u.topic)
        rc = opts_apply(o, OPT_TOPIC, u.topic, prio, where);
    return rc;
}

static int set_source(tool_opts *o, msg_source s, const char *where)
{
    if (o->source != MSG_NONE && o->source != s) {
        tool_error("%s: only one of -m, -f, -l, -s and -n may be given", where);
        return EXIT_USAGE;
    }
    o->source = s;
    return EXIT_OK;
}

static int apply_qos(const char *value, const char *where, uint8_t *qos)
{
    uint32_t n;
    if (!parse_u32(value, 2, &n))
        return bad_value(where, value, "QoS is 0, 1 or 2");
    *qos = (uint8_t)n;
    return EXIT_OK;
}

static int apply_flag(tool_opts *o, opt_id id, const char *value, const char *where)
{
    bool on = true;
    if (value && !parse_bool(value, &on))
        return bad_value(where, value, "true or false");
    switch (id) {
    case OPT_PERSISTENT: o->persistent = on; break;
    case OPT_DEBUG: o->debug = on; break;
    case OPT_QUIET: tool_quiet = on; break;
    case OPT_INSECURE: o->insecure = on; break;
    case OPT_OS_CERTS: o->os_certs = on; break;
    case OPT_WILL_RETAIN: o->will_retain = on; break;
    case OPT_RETAIN: o->retain = on; break;
    case OPT_NO_RETAINED: o->no_retained = on; break;
    case OPT_RETAINED_ONLY: o->retained_only = on; break;
    case OPT_REMOVE_RETAINED: o->remove_retained = on; break;
    case OPT_EXIT_AFTER_ACK: o->exit_after_ack = on; break;
    case OPT_RETAIN_AS_PUBLISHED: o->retain_as_published = on; break;
    case OPT_NO_NEWLINE: o->no_newline = on; break;
    case OPT_NODELAY: break;
    case OPT_VERBOSE:
        if (o->out == OUT_PAYLOAD)
            o->out = OUT_VERBOSE;
        break;
    case OPT_JSON:
        if (o->out == OUT_FORMAT) {
            tool_error("%s: --json and -F cannot be used together", where);
            return EXIT_USAGE;
        }
        o->out = OUT_JSON;
        break;
    case OPT_STDIN_LINE: return set_source(o, MSG_STDIN_LINES, where);
    case OPT_STDIN_FILE: return set_source(o, MSG_STDIN_ALL, where);
    case OPT_NULL_MESSAGE: return set_source(o, MSG_NULL, where);
    default: break;
    }
    return EXIT_OK;
}

static int apply_version(tool_opts *o, const char *value, const char *where)
{
    if (strcmp(value, "5") == 0 || strcmp(value, "mqttv5") == 0) {
        o->version = MQTTS_V5;
    } else if (strcmp(value, "311") == 0 || strcmp(value, "mqttv311") == 0) {
        o->version = MQTTS_V311;
    } else if (strcmp(value, "31") == 0 || strcmp(value, "mqttv31") == 0) {
        tool_error("%s: MQTT 3.1 is not supported; use 311 or 5", where);
        return EXIT_UNSUPPORTED;
    } else {
        return bad_value(where, value, "311, mqttv311, 5 or mqttv5");
    }
    return EXIT_OK;
}

static int apply_expiry(tool_opts *o, const char *value, const char *where)
{
    uint32_t n;
    if (strcmp(value, "-1") == 0 || strcmp(value, "inf") == 0 || strcmp(value, "∞") == 0)
        n = UINT32_MAX;
    else if (!parse_u32(value, UINT32_MAX, &n))
        return bad_value(where, value, "seconds from 0 to 4294967295, or -1 for never");
    o->session_expiry = n;
    o->expiry_set = true;
    return EXIT_OK;
}

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* rpc --correlation HEX: 1 to 32 bytes. */
static int apply_correlation(tool_opts *o, const char *value, const char *where)
{
    size_t n = strlen(value);
    if (n == 0 || n % 2 || n / 2 > sizeof o->correlation)
        return bad_value(where, value, "1 to 32 bytes in hexadecimal (2 to 64 digits)");
    for (size_t i = 0; i < n; i += 2) {
        int hi = hex_digit(value[i]), lo = hex_digit(value[i + 1]);
        if (hi < 0 || lo < 0)
            return bad_value(where, value, "1 to 32 bytes in hexadecimal (2 to 64 digits)");
        o->correlation[i / 2] = (uint8_t)(hi << 4 | lo);
    }
    o->correlation_len = n / 2;
    return EXIT_OK;
}

static int apply_value(tool_opts *o, opt_id id, const char *value, opt_prio prio,
                       const char *where)
{
    uint32_t n;
    switch (id) {
    case OPT_HOST:
        if (!value[0])
            return bad_value(where, value, "a host name or address");
        o->host = value;
        return EXIT_OK;
    case OPT_PORT:
        if (!parse_u32(value, 65535, &n) || n == 0)
            return bad_value(where, value, "a port from 1 to 65535");
        o->port = (uint16_t)n;
        return EXIT_OK;
    case OPT_URL: return apply_url(o, value, prio, where);
    case OPT_VERSION: return apply_version(o, value, where);
    case OPT_ID: o->id = value; return EXIT_OK;
    case OPT_ID_PREFIX: o->id_prefix = value; return EXIT_OK;
    case OPT_KEEPALIVE:
        if (!parse_u32(value, 65535, &n))
            return bad_value(where, value, "seconds from 0 to 65535");
        o->keepalive = (uint16_t)n;
        return EXIT_OK;
    case OPT_EXPIRY: return apply_expiry(o, value, where);
    case OPT_QOS: return apply_qos(value, where, &o->qos);
    case OPT_WILL_QOS: return apply_qos(value, where, &o->will_qos);
    case OPT_PROFILE: o->profile = value; return EXIT_OK;
    case OPT_USERNAME: o->username = value; return EXIT_OK;
    case OPT_PASSWORD: o->password = value; return EXIT_OK;
    case OPT_CAFILE: o->cafile = value; return EXIT_OK;
    case OPT_WS_PATH:
        if (value[0] != '/')
            return bad_value(where, value, "a path starting with /");
        o->ws_path = value;
        return EXIT_OK;
    case OPT_CAPATH: o->capath = value; return EXIT_OK;
    case OPT_CERT: o->cert = value; return EXIT_OK;
    case OPT_KEY: o->key = value; return EXIT_OK;
    case OPT_ALPN: return str_list_add(&o->alpn, value);
    case OPT_WILL_TOPIC: o->will_topic = value; return EXIT_OK;
    case OPT_WILL_PAYLOAD: o->will_payload = value; return EXIT_OK;
    case OPT_TOPIC:
        o->topic = value;
        return o->cmd == CMD_SUB ? str_list_add(&o->topics, value) : EXIT_OK;
    case OPT_MESSAGE: o->message = value; return set_source(o, MSG_ARG, where);
    case OPT_FILE: o->file = value; return set_source(o, MSG_FILE, where);
    case OPT_REPEAT:
        if (!parse_u32(value, INT32_MAX, &n) || n == 0)
            return bad_value(where, value, "a count of 1 or more");
        o->repeat = (long)n;
        return EXIT_OK;
    case OPT_REPEAT_DELAY:
        if (!parse_seconds_ms(value, &o->repeat_delay_ms))
            return bad_value(where, value, "seconds, such as 2 or 0.5");
        return EXIT_OK;
    case OPT_FILTER_OUT: return str_list_add(&o->filter_out, value);
    case OPT_UNSUBSCRIBE: return str_list_add(&o->unsub, value);
    case OPT_COUNT:
        if (!parse_u32(value, INT32_MAX, &n) || n == 0)
            return bad_value(where, value, "a count of 1 or more");
        o->count = (long)n;
        return EXIT_OK;
    case OPT_TIMEOUT:
        if (!parse_u32(value, 4000000, &n) || n == 0)
            return bad_value(where, value, "seconds, 1 or more");
        o->timeout_s = n;
        return EXIT_OK;
    case OPT_RESPONSE_TOPIC: o->response_topic = value; return EXIT_OK;
    case OPT_CORRELATION: return apply_correlation(o, value, where);
    case OPT_FORMAT:
        if (o->out == OUT_JSON) {
            tool_error("%s: --json and -F cannot be used together", where);
            return EXIT_USAGE;
        }
        o->format = value;
        o->out = OUT_FORMAT;
        return EXIT_OK;
    default: return apply_flag(o, id, value, where);
    }
}

int opts_apply(tool_opts *o, opt_id id, const char *value, opt_prio prio, const char *where)
{
    if (prio < o->prio[id])
        return EXIT_OK; /* a higher source has set it */
    o->prio[id] = (uint8_t)prio;
    return apply_value(o, id, value, prio, where);
}

bool opts_config_key(const char *key, opt_id *id)
{
    for (size_t i = 0; i < OPT_TABLE_COUNT; i++) {
        if (opt_table[i].config && strcmp(opt_table[i].config, key) == 0) {
            *id = opt_table[i].id;
            return true;
        }
    }
    return false;
}

/* ---------------------------------------------------------------------- */
/* The command line. */

static bool name_is(const opt_def *d, const char *name)
{
    return (d->shortname && strcmp(d->shortname, name) == 0) ||
           (d->longname && strcmp(d->longname, name) == 0) ||
           (d->alias && strcmp(d->alias, name) == 0);
}

static const opt_def *find_opt(const char *name, unsigned cmds)
{
    for (size_t i = 0; i < OPT_TABLE_COUNT; i++) {
        if ((opt_table[i].cmds & cmds) && name_is(&opt_table[i], name))
            return &opt_table[i];
    }
    return NULL;
}

static int unknown_option(const tool_opts *o, const char *name)
{
    for (size_t i = 0; i < sizeof unsupported / sizeof unsupported[0]; i++) {
        if (strcmp(unsupported[i].name, name) == 0) {
            tool_error("option '%s' is not supported by mqtts (%s)", name, unsupported[i].why);
            return EXIT_UNSUPPORTED;
        }
    }
    if (find_opt(name, ~0u))
        tool_error("option '%s' is not valid for 'mqtts %s'", name, o->cmd_name);
    else
        tool_error("unknown option '%s'", name);
    if (!tool_quiet)
        fprintf(stderr, "Try 'mqtts %s --help'.\n", o->cmd_name);
    return EXIT_USAGE;
}

static int missing_value(const char *name, const char *arg)
{
    tool_error("option '%s' needs a value (%s)", name, arg);
    return EXIT_USAGE;
}

/* -D PACKET NAME VALUE, or -D PACKET user-property KEY VALUE. */
static int parse_property(tool_opts *o, int argc, char **argv, int *i)
{
    int left = argc - *i - 1;
    if (left < 3 || (strcmp(argv[*i + 2], "user-property") == 0 && left < 4)) {
        tool_error("option '%s' needs PACKET NAME VALUE (user-property: PACKET user-property "
                   "KEY VALUE)", argv[*i]);
        return EXIT_USAGE;
    }
    const char *packet = argv[*i + 1], *name = argv[*i + 2], *v1 = argv[*i + 3];
    const char *v2 = NULL;
    *i += 3;
    if (strcmp(name, "user-property") == 0)
        v2 = argv[++*i];
    return props_apply(o, packet, name, v1, v2);
}

static int parse_argv(tool_opts *o, int argc, char **argv)
{
    /* --quiet first, so that it silences errors about the options before it. */
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--quiet") == 0)
            tool_quiet = true;
    }
    for (int i = 1; i < argc; i++) {
        char *arg = argv[i];
        if (arg[0] != '-' || arg[1] == '\0') {
            tool_error("unexpected argument '%s'", arg);
            return EXIT_USAGE;
        }
        /* --name=value as well as --name value. */
        char name[64];
        const char *value = NULL;
        const char *eq = strncmp(arg, "--", 2) == 0 ? strchr(arg, '=') : NULL;
        snprintf(name, sizeof name, "%.*s", eq ? (int)(eq - arg) : (int)strlen(arg), arg);
        const opt_def *d = find_opt(name, o->cmd);
        if (!d)
            return unknown_option(o, name);
        if (d->id == OPT_HELP)
            return -1;
        if (d->id == OPT_PROPERTY) {
            int rc = parse_property(o, argc, argv, &i);
            if (rc != EXIT_OK)
                return rc;
            continue;
        }
        if (d->arg && eq) {
            value = eq + 1;
        } else if (d->arg) {
            if (i + 1 >= argc)
                return missing_value(name, d->arg);
            value = argv[++i];
        } else if (eq) {
            tool_error("option '%s' takes no value", name);
            return EXIT_USAGE;
        }
        int rc = opts_apply(o, d->id, value, PRIO_CLI, name);
        if (rc != EXIT_OK)
            return rc;
    }
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* After every source: defaults, what implies what, and the checks. */

static int usage(const char *msg)
{
    tool_error("%s", msg);
    return EXIT_USAGE;
}

static int usage_about(const char *what, const char *value, const char *msg)
{
    tool_error("%s '%s': %s", what, value, msg);
    return EXIT_USAGE;
}

static int finish_tls(tool_opts *o)
{
    if ((o->cert != NULL) != (o->key != NULL))
        return usage("--cert and --key go together");
    if (o->os_certs && (o->cafile || o->capath))
        return usage("--tls-use-os-certs cannot be combined with --cafile or --capath");
    bool tls_option = o->cafile || o->capath || o->cert || o->insecure || o->alpn.n ||
                      o->os_certs;
    if (o->scheme == URL_MQTTS || o->scheme == URL_WSS)
        o->tls = true;
    else if (o->scheme == URL_MQTT || o->scheme == URL_WS)
        o->tls = false; /* asked for by name: plain, whatever the port */
    else
        o->tls = tls_option || o->port == 8883;
    if (!o->tls && tls_option)
        return usage("TLS options were given with an mqtt:// URL (use mqtts://) or a ws:// URL (use wss://)");
    if (o->ws_path && !o->ws)
        return usage("--ws-path goes with a ws:// or wss:// URL (-L)");
    if (o->ws && !o->ws_path)
        o->ws_path = "/mqtt";
    if (o->port == 0 && o->ws)
        o->port = o->tls ? 443 : 80;
    if (o->port == 0)
        o->port = o->tls ? 8883 : 1883;
#ifndef MQTTS_TOOL_TLS
    if (o->tls) {
        tool_error("this mqtts was built without TLS (mbedTLS was not found)");
        return EXIT_UNSUPPORTED;
    }
#endif
    return EXIT_OK;
}

static int finish_session(tool_opts *o)
{
    if (o->id && o->id_prefix)
        return usage("-i and -I cannot be used together");
    if (o->id_prefix) {
        size_t n = strlen(o->id_prefix) + 16;
        char *id = opts_keep(o, malloc(n));
        if (!id)
            return EXIT_CONN;
        snprintf(id, n, "%s%ld", o->id_prefix, (long)getpid());
        o->id = id;
    }
    if (o->id && (strlen(o->id) > 47 || mqtts_utf8_check((const uint8_t *)o->id,
                                                            strlen(o->id)) != MQTTS_OK))
        return usage("the client id must be valid UTF-8 of at most 47 bytes");
    if (o->persistent && (!o->id || !o->id[0]))
        return usage("-c needs a client id (-i): a persistent session is found by it");
    if (o->version == MQTTS_V311 && (o->any_props || o->expiry_set))
        return usage("-D and -x need MQTT 5 (-V 5)");
    if (!o->expiry_set)
        o->session_expiry = o->persistent ? UINT32_MAX : 0;
    if (o->version == MQTTS_V311 && o->password && !o->username)
        return usage("MQTT 3.1.1 allows a password only with a user name (-u)");
    if (!o->will_topic && (o->will_payload || o->will_qos || o->will_retain))
        return usage("--will-payload, --will-qos and --will-retain need --will-topic");
    if (o->will_topic && mqtts_topic_name_check(o->will_topic, strlen(o->will_topic)) != MQTTS_OK)
        return usage_about("--will-topic", o->will_topic, "not a valid topic name (no + or #)");
    return EXIT_OK;
}

static int finish_pub(tool_opts *o)
{
    if (!o->topic || o->source == MSG_NONE)
        return usage("a topic (-t) and a message (-m, -f, -l, -s or -n) are needed");
    if (mqtts_topic_name_check(o->topic, strlen(o->topic)) != MQTTS_OK)
        return usage_about("-t", o->topic, "not a valid topic name to publish to (no + or #)");
    if (o->source == MSG_STDIN_LINES && o->repeat > 1)
        return usage("--repeat works with -m, -f, -s or -n, not with -l");
    return EXIT_OK;
}

static int finish_sub(tool_opts *o)
{
    if (o->topics.n == 0 && o->unsub.n == 0)
        return usage("at least one topic filter (-t) is needed");
    const str_list *lists[] = {&o->topics, &o->filter_out, &o->unsub};
    for (size_t l = 0; l < 3; l++) {
        for (size_t i = 0; i < lists[l]->n; i++) {
            const char *f = lists[l]->v[i];
            if (mqtts_topic_filter_check(f, strlen(f)) != MQTTS_OK)
                return usage_about("topic filter", f, "not valid ('#' only at the end, '+' only as a whole level)");
        }
    }
    char why[64];
    if (o->out == OUT_FORMAT && !format_check(o->format, why, sizeof why))
        return usage_about("-F", o->format, why);
    if (o->no_retained && o->retained_only)
        return usage("-R and --retained-only cannot be used together");
    if (o->retain_as_published && o->version != MQTTS_V5)
        return usage("--retain-as-published needs MQTT 5 (-V 5)");
    return EXIT_OK;
}

#define RPC_TIMEOUT_DEFAULT 10u

static int finish_rpc(tool_opts *o)
{
    if (!o->topic || o->source == MSG_NONE)
        return usage("a request topic (-t) and a message (-m, -f, -s or -n) are needed");
    if (mqtts_topic_name_check(o->topic, strlen(o->topic)) != MQTTS_OK)
        return usage_about("-t", o->topic, "not a valid topic name to publish to (no + or #)");
    if (o->response_topic && o->version != MQTTS_V5)
        return usage("-e needs MQTT 5 (-V 5); MQTT 3.1.1 replies arrive on TOPIC/CORR/reply");
    if (o->response_topic && mqtts_topic_name_check(o->response_topic,
                                                    strlen(o->response_topic)) != MQTTS_OK)
        return usage_about("-e", o->response_topic, "not a valid topic name (no + or #)");
    char why[64];
    if (o->out == OUT_FORMAT && !format_check(o->format, why, sizeof why))
        return usage_about("-F", o->format, why);
    if (o->timeout_s == 0)
        o->timeout_s = RPC_TIMEOUT_DEFAULT;
    return EXIT_OK;
}

int opts_load(tool_opts *o, unsigned cmd, const char *name, int argc, char **argv)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->cmd_name = name;
    o->scheme = -1;
    o->version = cmd == CMD_RPC ? MQTTS_V5 : MQTTS_V311; /* rpc: Response Topic */
    o->keepalive = 60;
    o->repeat = 1;
    o->host = "localhost";
    int rc = parse_argv(o, argc, argv);
    if (rc == EXIT_OK)
        rc = config_load(o);
    props_finish(o);
    if (rc == EXIT_OK)
        rc = finish_tls(o);
    if (rc == EXIT_OK)
        rc = finish_session(o);
    if (rc == EXIT_OK)
        rc = cmd == CMD_PUB ? finish_pub(o) : cmd == CMD_RPC ? finish_rpc(o) : finish_sub(o);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* --help */

static void help_row(const opt_def *d)
{
    char names[64];
    snprintf(names, sizeof names, "%s%s%s%s%s", d->shortname ? d->shortname : "",
             d->shortname && d->longname ? ", " : "", d->longname ? d->longname : "",
             d->arg ? " " : "", d->arg ? d->arg : "");
    printf("  %-28s", names);
    if (strlen(names) >= 28)
        printf("\n%30s", "");
    /* The text in its own column, wrapped before column 80. */
    size_t col = 30;
    bool first = true;
    for (const char *t = d->help; *t;) {
        size_t w = strcspn(t, " ");
        if (!first && col + 1 + w > 79) {
            printf("\n%30s", "");
            col = 30;
        } else if (!first) {
            putchar(' ');
            col++;
        }
        printf("%.*s", (int)w, t);
        col += w;
        first = false;
        t += w;
        while (*t == ' ')
            t++;
    }
    putchar('\n');
}

void opts_help(unsigned cmd, const char *name, const char *synopsis, const char *about)
{
    printf("Usage: mqtts %s %s\n\n%s\n", name, synopsis, about);
    for (int g = G_CONN; g <= G_OTHER; g++) {
        bool any = false;
        for (size_t i = 0; i < OPT_TABLE_COUNT; i++) {
            const opt_def *d = &opt_table[i];
            if (d->group != g || !(d->cmds & cmd))
                continue;
            if (!any)
                printf("\n%s:\n", group_names[g]);
            any = true;
            help_row(d);
        }
    }
    printf("\n");
    exit_codes_help(stdout);
    printf("\nCredentials: the command line, then --profile's section of the config file,\n"
           "then MQTTS_USERNAME/MQTTS_PASSWORD, then the file's [default] section.\n"
           "More: docs/mqtts.md.\n");
}
