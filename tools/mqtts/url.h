/*
 * url.h - broker URLs, as -L takes them:
 *
 *     SCHEME://[USER[:PASSWORD]@]HOST[:PORT][/TOPIC]
 *
 * SCHEME is mqtt (plain, port 1883), mqtts (TLS, port 8883), ws or wss
 * (WebSocket: recognised, not supported yet). USER and PASSWORD may carry
 * %XX escapes (a '@', ':' or '/' in them must be escaped); HOST may be an
 * IPv6 literal in brackets; TOPIC is everything after the first '/',
 * taken as written (so "mqtt://host/a/#" subscribes to "a/#").
 */
#ifndef MQTTS_TOOL_URL_H
#define MQTTS_TOOL_URL_H

#include <stddef.h>
#include <stdint.h>

typedef enum url_scheme { URL_MQTT, URL_MQTTS, URL_WS, URL_WSS } url_scheme;

typedef struct tool_url {
    url_scheme scheme;
    char *user;     /* NULL: none; all parts point into buf */
    char *password; /* NULL: none */
    char *host;
    uint16_t port;  /* 0: the scheme's default */
    char *topic;    /* NULL: none */
    char *buf;      /* one heap block; free() it */
} tool_url;

/* 0 on success; -1 with a reason in err that never contains the
 * password. */
int url_parse(const char *text, tool_url *u, char *err, size_t errlen);

/* The URL with its password replaced by "****", for messages. */
void url_redact(const char *text, char *out, size_t cap);

#endif /* MQTTS_TOOL_URL_H */
