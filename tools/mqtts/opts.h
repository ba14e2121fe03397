/*
 * opts.h - the options of the mqtts subcommands: one table (opts.c) feeds
 * the parser, `--help`, the config file keys and docs/mqtts.md, so an
 * option is described in one place. A new subcommand adds its bit
 * (tool.h), its rows in the table, and the fields it needs below.
 *
 * Where a value comes from, lowest to highest priority:
 *   1. the config file, outside any section or in [default]
 *   2. MQTTS_USERNAME / MQTTS_PASSWORD
 *   3. the config file's section named by --profile
 *   4. the command line
 * A source only overrides what a lower one set (opts_apply checks).
 */
#ifndef MQTTS_TOOL_OPTS_H
#define MQTTS_TOOL_OPTS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/packet.h"

typedef enum opt_id {
    OPT_HOST, OPT_PORT, OPT_URL, OPT_VERSION, OPT_ID, OPT_ID_PREFIX, OPT_KEEPALIVE,
    OPT_PERSISTENT, OPT_EXPIRY, OPT_QOS, OPT_DEBUG, OPT_QUIET, OPT_PROPERTY, OPT_PROFILE,
    OPT_NODELAY, OPT_USERNAME, OPT_PASSWORD, OPT_CAFILE, OPT_CAPATH, OPT_CERT, OPT_KEY,
    OPT_INSECURE, OPT_ALPN, OPT_OS_CERTS, OPT_WILL_TOPIC, OPT_WILL_PAYLOAD, OPT_WILL_QOS,
    OPT_WILL_RETAIN, OPT_TOPIC, OPT_MESSAGE, OPT_FILE, OPT_STDIN_LINE, OPT_STDIN_FILE,
    OPT_NULL_MESSAGE, OPT_RETAIN, OPT_REPEAT, OPT_REPEAT_DELAY, OPT_FILTER_OUT,
    OPT_UNSUBSCRIBE, OPT_COUNT, OPT_TIMEOUT, OPT_NO_RETAINED, OPT_RETAINED_ONLY,
    OPT_REMOVE_RETAINED, OPT_EXIT_AFTER_ACK, OPT_RETAIN_AS_PUBLISHED, OPT_VERBOSE,
    OPT_NO_NEWLINE, OPT_FORMAT, OPT_JSON, OPT_HELP, OPT_WS_PATH,
    OPT_RESPONSE_TOPIC, OPT_CORRELATION, /* rpc */
    OPT_COUNT_ /* the number of ids */
} opt_id;

typedef enum opt_prio {
    PRIO_UNSET = 0,
    PRIO_CONFIG = 1,  /* config file, [default] or no section */
    PRIO_ENV = 2,     /* MQTTS_USERNAME, MQTTS_PASSWORD */
    PRIO_PROFILE = 3, /* config file, the --profile section */
    PRIO_CLI = 4,
} opt_prio;

typedef enum msg_source {
    MSG_NONE, MSG_ARG, MSG_FILE, MSG_STDIN_ALL, MSG_STDIN_LINES, MSG_NULL
} msg_source;

typedef enum out_mode { OUT_PAYLOAD, OUT_VERBOSE, OUT_FORMAT, OUT_JSON } out_mode;

/* -D targets: where a property goes. */
typedef enum pset_id { PSET_CONNECT, PSET_PUBLISH, PSET_SUBSCRIBE, PSET_UNSUBSCRIBE, PSET_WILL,
                       PSET_COUNT_ } pset_id;

typedef struct str_list {
    const char **v;
    size_t n, cap;
} str_list;

/* Properties given with -D for one packet type; user properties in a
 * growing array (user_n of them), hooked into props when done. */
typedef struct prop_set {
    mqtts_props props;
    mqtts_user_property *user;
    size_t user_n, user_cap;
} prop_set;

typedef struct tool_opts {
    unsigned cmd;          /* CMD_PUB, CMD_SUB, CMD_RPC */
    const char *cmd_name;  /* "pub" */
    uint8_t prio[OPT_COUNT_];

    /* connection */
    const char *host;      /* default "localhost" */
    uint16_t port;         /* 0: 1883, or 8883 with TLS */
    int scheme;            /* -1: none given; else url_scheme from -L */
    bool ws;               /* MQTT over WebSocket (ws://, wss://) */
    const char *ws_path;   /* its HTTP path; default "/mqtt" */
    mqtts_version version; /* default 3.1.1 */
    const char *id;
    const char *id_prefix;
    uint16_t keepalive;
    bool persistent;       /* -c: no clean start */
    bool expiry_set;
    uint32_t session_expiry;
    uint16_t receive_maximum;     /* -D connect receive-maximum; 0: ours */
    uint16_t topic_alias_maximum; /* -D connect topic-alias-maximum */
    bool topic_alias_maximum_set;
    bool request_response_info;
    uint32_t max_packet;   /* -D connect maximum-packet-size; 0: the default */
    const char *username;
    const char *password;  /* never printed */

    /* TLS */
    bool tls;              /* worked out by opts_finish() */
    const char *cafile, *capath, *cert, *key;
    bool insecure, os_certs;
    str_list alpn;

    /* will */
    const char *will_topic, *will_payload;
    uint8_t will_qos;
    bool will_retain;

    prop_set props[PSET_COUNT_];
    bool any_props;        /* -D given (needs MQTT 5) */

    uint8_t qos;
    bool debug;
    const char *profile;

    /* pub */
    const char *topic;     /* the one topic of pub */
    msg_source source;
    const char *message;   /* -m */
    const char *file;      /* -f */
    bool retain;
    long repeat;           /* 1 unless --repeat */
    uint32_t repeat_delay_ms;

    /* sub */
    str_list topics;       /* -t filters */
    str_list filter_out;   /* -T */
    str_list unsub;        /* -U */
    long count;            /* -C; 0: no limit */
    uint32_t timeout_s;    /* -W; 0: none */
    bool no_retained, retained_only, remove_retained, exit_after_ack, retain_as_published;
    out_mode out;
    bool no_newline;
    const char *format;

    /* rpc (also topic, the message, timeout_s and the output fields) */
    const char *response_topic;    /* -e; NULL: TOPIC/CORR/reply */
    uint8_t correlation[32];       /* --correlation, or random */
    size_t correlation_len;        /* 0: not given */

    /* strings this struct owns (copies from the config file, URL parts) */
    char **owned;
    size_t owned_n, owned_cap;
} tool_opts;

/* Parses argv (argv[0] is the subcommand's name) for cmd, then reads the
 * config file and the environment, and checks the result. Returns
 * EXIT_OK, or the exit code after printing why; -1 when --help was
 * printed (exit 0). Free with opts_free() in every case. */
int opts_load(tool_opts *o, unsigned cmd, const char *name, int argc, char **argv);
void opts_free(tool_opts *o);

/* Applies one option's value (value NULL for a flag) with the priority of
 * its source; `where` names the source in error messages ("-q",
 * "config:3 qos"). Returns EXIT_OK or an exit code (message printed). */
int opts_apply(tool_opts *o, opt_id id, const char *value, opt_prio prio, const char *where);

/* The option a config file key sets (host, port, username, ...);
 * false when the key is not a config key. */
bool opts_config_key(const char *key, opt_id *id);

/* Keeps a heap string until opts_free(); returns it (NULL on no memory). */
char *opts_keep(tool_opts *o, char *s);

/* `mqtts CMD --help`. */
void opts_help(unsigned cmd, const char *name, const char *synopsis, const char *about);

/* Parsing helpers shared with the config file and -D. */
bool parse_u32(const char *s, uint32_t max, uint32_t *out);
bool parse_bool(const char *s, bool *out);

int str_list_add(str_list *l, const char *s);

#endif /* MQTTS_TOOL_OPTS_H */
