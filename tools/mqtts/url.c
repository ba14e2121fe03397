/*
 * url.c - -L URLs. The parts are copied into one heap block (decoded in
 * place), so the caller frees one pointer whatever the URL held.
 */
#define _POSIX_C_SOURCE 200809L /* strdup */

#include "url.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct {
    const char *prefix;
    url_scheme scheme;
} schemes[] = {
    {"mqtt://", URL_MQTT}, {"mqtts://", URL_MQTTS}, {"ws://", URL_WS}, {"wss://", URL_WSS},
};

static int hex_val(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

/* %XX escapes, in place. */
static int pct_decode(char *s)
{
    char *w = s;
    for (char *r = s; *r; r++) {
        if (*r == '%') {
            int hi = hex_val(r[1]), lo = hi >= 0 ? hex_val(r[2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
                return -1;
            *w++ = (char)(hi * 16 + lo);
            r += 2;
        } else {
            *w++ = *r;
        }
    }
    *w = '\0';
    return 0;
}

static int fail(char *err, size_t errlen, const char *why)
{
    snprintf(err, errlen, "%s", why);
    return -1;
}

/* HOST[:PORT] or [V6]:PORT, in place. */
static int parse_hostport(char *hp, tool_url *u, char *err, size_t errlen)
{
    char *port = NULL;
    if (hp[0] == '[') {
        char *end = strchr(hp, ']');
        if (!end)
            return fail(err, errlen, "an IPv6 address needs its closing ']'");
        *end = '\0';
        u->host = hp + 1;
        if (end[1] == ':')
            port = end + 2;
        else if (end[1] != '\0')
            return fail(err, errlen, "unexpected text after ']'");
    } else {
        u->host = hp;
        port = strrchr(hp, ':');
        if (port)
            *port++ = '\0';
    }
    if (u->host[0] == '\0')
        return fail(err, errlen, "no host");
    if (port) {
        char *end;
        unsigned long p = strtoul(port, &end, 10);
        if (port[0] < '0' || port[0] > '9' || *end != '\0' || p == 0 || p > 65535)
            return fail(err, errlen, "the port must be a number from 1 to 65535");
        u->port = (uint16_t)p;
    }
    return 0;
}

int url_parse(const char *text, tool_url *u, char *err, size_t errlen)
{
    memset(u, 0, sizeof *u);
    size_t s;
    for (s = 0; s < sizeof schemes / sizeof schemes[0]; s++) {
        if (strncmp(text, schemes[s].prefix, strlen(schemes[s].prefix)) == 0)
            break;
    }
    if (s == sizeof schemes / sizeof schemes[0])
        return fail(err, errlen, "it must start with mqtt://, mqtts://, ws:// or wss://");
    u->scheme = schemes[s].scheme;
    u->buf = strdup(text + strlen(schemes[s].prefix));
    if (!u->buf)
        return fail(err, errlen, "out of memory");

    char *auth = u->buf;
    char *slash = strchr(auth, '/');
    if (slash) {
        *slash = '\0';
        if (slash[1] != '\0')
            u->topic = slash + 1;
    }
    char *at = strrchr(auth, '@');
    if (at) {
        *at = '\0';
        u->user = auth;
        char *colon = strchr(auth, ':');
        if (colon) {
            *colon = '\0';
            u->password = colon + 1;
        }
        if (pct_decode(u->user) != 0 || (u->password && pct_decode(u->password) != 0)) {
            free(u->buf);
            u->buf = NULL;
            return fail(err, errlen, "bad %XX escape in the user name or password");
        }
        auth = at + 1;
    }
    if (parse_hostport(auth, u, err, errlen) != 0) {
        free(u->buf);
        u->buf = NULL;
        return -1;
    }
    return 0;
}

void url_redact(const char *text, char *out, size_t cap)
{
    const char *sep = strstr(text, "://");
    const char *auth = sep ? sep + 3 : text;
    const char *slash = strchr(auth, '/');
    size_t alen = slash ? (size_t)(slash - auth) : strlen(auth);
    const char *at = NULL;
    for (size_t i = 0; i < alen; i++) {
        if (auth[i] == '@')
            at = auth + i;
    }
    const char *colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
    if (!colon) {
        snprintf(out, cap, "%s", text);
        return;
    }
    snprintf(out, cap, "%.*s****%s", (int)(colon + 1 - text), text, at);
}
