/*
 * device_posix.c - the Linux platform of the device runtime and the
 * device.conf reader (device_posix.h says what each does).
 */
#define _GNU_SOURCE
#include "device_posix.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <poll.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "mqtts/client.h"

static void say(mqtts_posix_log_fn log, void *user, bool warning, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void say(mqtts_posix_log_fn log, void *user, bool warning, const char *fmt, ...)
{
    char line[512];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (log)
        log(user, warning, line);
    else
        fprintf(stderr, "mqtts: %s\n", line);
}

/* ---------------------------------------------------------------------- */
/* device.conf */

static const char *keep(mqtts_posix_device_conf *c, const char *s)
{
    char *copy = strdup(s);
    char **grown = realloc(c->owned, (c->owned_n + 1) * sizeof *grown);
    if (!copy || !grown) {
        free(copy);
        if (grown)
            c->owned = grown;
        return NULL;
    }
    c->owned = grown;
    c->owned[c->owned_n++] = copy;
    return copy;
}

static bool parse_ulong(const char *s, unsigned long max, unsigned long *out)
{
    if (!isdigit((unsigned char)*s))
        return false;
    errno = 0;
    char *end;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || *end || v > max)
        return false;
    *out = v;
    return true;
}

/* "10" (seconds), "10s", "500ms". */
static bool parse_period(const char *s, uint32_t *ms)
{
    char num[32];
    size_t n = strspn(s, "0123456789");
    if (n == 0 || n >= sizeof num)
        return false;
    memcpy(num, s, n);
    num[n] = '\0';
    unsigned long v;
    if (!parse_ulong(num, 86400000ul, &v))
        return false;
    const char *unit = s + n;
    if (strcmp(unit, "ms") == 0)
        *ms = (uint32_t)v;
    else if ((*unit == '\0' || strcmp(unit, "s") == 0) && v <= 86400ul)
        *ms = (uint32_t)(v * 1000ul);
    else
        return false;
    return true;
}

/* mqtt://host[:port] or mqtts://host[:port]; [v6] literal allowed. */
static int parse_broker(mqtts_posix_device_conf *c, const char *url, char *err, size_t errlen)
{
    const char *rest;
    if (strncmp(url, "mqtts://", 8) == 0) {
        c->dev.tls = true;
        rest = url + 8;
    } else if (strncmp(url, "mqtt://", 7) == 0) {
        c->dev.tls = false;
        rest = url + 7;
    } else {
        snprintf(err, errlen, "broker must start with mqtt:// or mqtts://");
        return -1;
    }
    if (strchr(rest, '@')) {
        snprintf(err, errlen, "broker URL must not hold credentials: use the username "
                              "and password keys (or MQTTS_USERNAME/MQTTS_PASSWORD)");
        return -1;
    }
    char host[256];
    const char *port = NULL;
    size_t hl;
    if (*rest == '[') {
        const char *close = strchr(rest, ']');
        if (!close) {
            snprintf(err, errlen, "broker: unclosed '[' in the host");
            return -1;
        }
        hl = (size_t)(close - rest - 1);
        rest++;
        port = close[1] == ':' ? close + 2 : NULL;
        if (close[1] && close[1] != ':' && close[1] != '/') {
            snprintf(err, errlen, "broker: unexpected text after ']'");
            return -1;
        }
    } else {
        hl = strcspn(rest, ":/");
        port = rest[hl] == ':' ? rest + hl + 1 : NULL;
    }
    if (hl == 0 || hl >= sizeof host) {
        snprintf(err, errlen, "broker: no host (or one too long) in the URL");
        return -1;
    }
    memcpy(host, rest, hl);
    host[hl] = '\0';
    c->dev.host = keep(c, host);
    c->dev.port = 0;
    if (port) {
        char num[8];
        size_t pl = strcspn(port, "/");
        unsigned long v = 0;
        if (pl == 0 || pl >= sizeof num) {
            snprintf(err, errlen, "broker: bad port");
            return -1;
        }
        memcpy(num, port, pl);
        num[pl] = '\0';
        if (!parse_ulong(num, 65535, &v) || v == 0) {
            snprintf(err, errlen, "broker: port must be 1..65535");
            return -1;
        }
        c->dev.port = (uint16_t)v;
    }
    return c->dev.host ? 0 : -1;
}

/* One key = value; 0, or -1 with err set (the key, never a secret value). */
static int conf_set(mqtts_posix_device_conf *c, const char *key, const char *val, char *err,
                    size_t errlen, bool *has_password)
{
    mqtts_device_config *d = &c->dev;
    unsigned long v;
    if (strcmp(key, "broker") == 0 || strcmp(key, "url") == 0)
        return parse_broker(c, val, err, errlen);
    if (strcmp(key, "password") == 0) {
        *has_password = true;
        d->password = keep(c, val);
        return 0;
    }
    const char **str = strcmp(key, "username") == 0     ? &d->username
                       : strcmp(key, "client_id") == 0  ? &d->client_id
                       : strcmp(key, "base_topic") == 0 ? &d->base_topic
                       : strcmp(key, "cafile") == 0     ? &c->cafile
                                                        : NULL;
    if (str) {
        *str = *val ? keep(c, val) : NULL;
        return 0;
    }
    if (strcmp(key, "telemetry_period") == 0) {
        if (!parse_period(val, &d->telemetry_period_ms))
            goto bad;
        return 0;
    }
    if (strcmp(key, "qos") == 0) {
        if (!parse_ulong(val, 1, &v))
            goto bad;
        d->telemetry_qos = (uint8_t)v;
        return 0;
    }
    if (strcmp(key, "version") == 0) {
        if (strcmp(val, "5") == 0 || strcmp(val, "5.0") == 0)
            d->version = MQTTS_V5;
        else if (strcmp(val, "3.1.1") == 0 || strcmp(val, "311") == 0)
            d->version = MQTTS_V311;
        else
            goto bad;
        return 0;
    }
    if (strcmp(key, "keepalive") == 0) {
        if (!parse_ulong(val, 65535, &v))
            goto bad;
        d->keep_alive_s = (uint16_t)v;
        return 0;
    }
    if (strcmp(key, "backoff_min") == 0 || strcmp(key, "backoff_max") == 0) {
        if (!parse_ulong(val, 3600000ul, &v) || v == 0)
            goto bad;
        if (key[8] == 'i')
            d->backoff_min_ms = (uint32_t)v;
        else
            d->backoff_max_ms = (uint32_t)v;
        return 0;
    }
    snprintf(err, errlen, "unknown key '%s'", key);
    return -1;
bad:
    snprintf(err, errlen, "bad value for '%s'", key);
    return -1;
}

static char *strip(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

/* key = value; a value in double quotes keeps its blanks. */
static int conf_line(mqtts_posix_device_conf *c, char *line, char *err, size_t errlen,
                     bool *has_password)
{
    char *s = strip(line);
    if (*s == '\0' || *s == '#' || *s == ';')
        return 0;
    if (*s == '[') {
        if (strcmp(s, "[device]") == 0)
            return 0;
        snprintf(err, errlen, "unknown section %s (only [device])", s);
        return -1;
    }
    char *eq = strchr(s, '=');
    if (!eq) {
        snprintf(err, errlen, "expected key = value");
        return -1;
    }
    *eq = '\0';
    char *key = strip(s);
    char *val = strip(eq + 1);
    size_t vl = strlen(val);
    if (vl >= 2 && val[0] == '"' && val[vl - 1] == '"') {
        val[vl - 1] = '\0';
        val++;
    }
    return conf_set(c, key, val, err, errlen, has_password);
}

static void conf_env(mqtts_posix_device_conf *c)
{
    const char *u = getenv("MQTTS_USERNAME");
    const char *p = getenv("MQTTS_PASSWORD");
    if (u && *u)
        c->dev.username = keep(c, u);
    if (p && *p)
        c->dev.password = keep(c, p);
}

int mqtts_posix_device_conf_load(mqtts_posix_device_conf *c, const char *path,
                                 mqtts_posix_log_fn log, void *log_user, char *err,
                                 size_t errlen)
{
    memset(c, 0, sizeof *c);
    c->path = keep(c, path);
    c->dev.version = MQTTS_V5;
    c->dev.telemetry_period_ms = 10000;
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(err, errlen, "cannot read %s: %s", path, strerror(errno));
        return -1;
    }
    char line[1024], why[300];
    bool has_password = false;
    int rc = 0;
    for (unsigned no = 1; fgets(line, sizeof line, f); no++) {
        why[0] = '\0';
        if (conf_line(c, line, why, sizeof why, &has_password) != 0) {
            snprintf(err, errlen, "%s:%u: %s", path, no, why[0] ? why : "out of memory");
            rc = -1;
            break;
        }
    }
    struct stat st;
    if (rc == 0 && has_password && fstat(fileno(f), &st) == 0 && (st.st_mode & 077))
        say(log, log_user, true,
            "%s holds a password and group or others may read it (mode %03o): "
            "chmod 600 %s",
            path, (unsigned)(st.st_mode & 0777), path);
    fclose(f);
    if (rc != 0)
        return rc;
    conf_env(c);
    if (!c->dev.host) {
        snprintf(err, errlen, "%s: no broker (broker = mqtts://host:port)", path);
        return -1;
    }
    if (!c->dev.base_topic) {
        snprintf(err, errlen, "%s: no base_topic (base_topic = devices/NAME)", path);
        return -1;
    }
    if (c->cafile && !c->dev.tls)
        say(log, log_user, true, "%s: cafile is ignored with an mqtt:// broker (no TLS)", path);
    return 0;
}

void mqtts_posix_device_conf_free(mqtts_posix_device_conf *c)
{
    for (size_t i = 0; i < c->owned_n; i++) {
        if (c->owned[i] == c->dev.password) /* wipe the secret before freeing it */
            memset(c->owned[i], 0, strlen(c->owned[i]));
        free(c->owned[i]);
    }
    free(c->owned);
    memset(c, 0, sizeof *c);
}

/* ---------------------------------------------------------------------- */
/* The platform. */

static uint32_t pf_random(void *ctx)
{
    (void)ctx;
    uint32_t r = 0;
    if (getrandom(&r, sizeof r, 0) != (ssize_t)sizeof r)
        r = (uint32_t)time(NULL) ^ mqtts_posix_now_ms(); /* not for keys: jitter, seeds */
    return r;
}

static int64_t pf_wall_get(void *ctx)
{
    (void)ctx;
    return (int64_t)time(NULL);
}

static void pf_led(void *ctx, bool on)
{
    mqtts_posix_device *p = ctx;
    say(p->log, p->log_user, false, "status LED %s", on ? "on" : "off");
}

/* Says a failure's detail once (the same detail on every retry is noise). */
static void detail(mqtts_posix_device *p, const char *text)
{
    if (!text || !*text || strcmp(text, p->last_detail) == 0)
        return;
    snprintf(p->last_detail, sizeof p->last_detail, "%s", text);
    say(p->log, p->log_user, true, "%s", text);
}

/* A lingering close under TCP: shut our side, then read what the broker
 * still sends (a PUBACK for the "offline" message) until it closes, for at
 * most LINGER_MS. Closing a socket with unread bytes makes the kernel send a
 * reset, and a broker that sees the reset may drop the DISCONNECT we sent
 * just before it - and publish our will after a clean stop. */
#define LINGER_MS 500

static void tcp_linger_close(void *ctx)
{
    mqtts_posix_device *p = ctx;
    int fd = p->tcp.fd;
    if (fd >= 0 && shutdown(fd, SHUT_WR) == 0) {
        uint32_t end = mqtts_posix_now_ms() + LINGER_MS;
        uint8_t junk[512];
        for (;;) {
            int32_t left = (int32_t)(end - mqtts_posix_now_ms());
            struct pollfd pfd = {.fd = fd, .events = POLLIN};
            if (left <= 0 || poll(&pfd, 1, left) <= 0)
                break;
            ssize_t n = read(fd, junk, sizeof junk);
            if (n <= 0 && !(n < 0 && (errno == EINTR || errno == EAGAIN)))
                break;
        }
    }
    p->tcp_t.close(p->tcp_t.ctx);
}

/* The transport the runtime gets: TCP, or TLS set up on demand over it. */
static mqtts_transport *active(mqtts_posix_device *p)
{
#ifdef MQTTS_POSIX_DEVICE_HAS_TLS
    if (p->use_tls)
        return p->tls_ready ? &p->tls_t : NULL;
#endif
    return &p->tcp_t;
}

#ifdef MQTTS_POSIX_DEVICE_HAS_TLS
static void tls_log(void *user, mqtts_tls_log_level level, const char *line)
{
    mqtts_posix_device *p = user;
    say(p->log, p->log_user, level == MQTTS_TLS_LOG_WARNING, "tls: %s", line);
}

static mqtts_err lower_connect(void *ctx, const char *host, uint16_t port, uint32_t ms)
{
    mqtts_posix_device *p = ctx;
    return p->tcp_t.connect(p->tcp_t.ctx, host, port, ms);
}

static int32_t lower_send(void *ctx, const uint8_t *buf, size_t len)
{
    mqtts_posix_device *p = ctx;
    return p->tcp_t.send(p->tcp_t.ctx, buf, len);
}

static int32_t lower_recv(void *ctx, uint8_t *buf, size_t cap)
{
    mqtts_posix_device *p = ctx;
    return p->tcp_t.recv(p->tcp_t.ctx, buf, cap);
}

static int lower_wait(void *ctx, bool want_write, uint32_t timeout_ms)
{
    mqtts_posix_device *p = ctx;
    return p->tcp_t.wait(p->tcp_t.ctx, want_write, timeout_ms);
}

static mqtts_err tls_setup(mqtts_posix_device *p)
{
    if (p->tls_ready)
        return MQTTS_OK;
    mqtts_tls_config tc;
    memset(&tc, 0, sizeof tc);
    tc.server_name = p->conf->dev.host;
    tc.ca_file = p->conf->cafile;
    tc.log = tls_log;
    tc.user = p;
    mqtts_transport lower = p->tcp_t;
    lower.ctx = p; /* every function but close is TCP's own, on &p->tcp */
    lower.connect = lower_connect;
    lower.send = lower_send;
    lower.recv = lower_recv;
    lower.wait = lower_wait;
    lower.close = tcp_linger_close;
    mqtts_err e = mqtts_tls_init(&p->tls, &tc, &lower, &p->tls_t);
    if (e != MQTTS_OK) {
        detail(p, mqtts_tls_error_detail(&p->tls));
        return e;
    }
    p->tls_ready = true;
    say(p->log, p->log_user, false, "tls: trust from %s", mqtts_tls_trust(&p->tls));
    return MQTTS_OK;
}
#endif

static mqtts_err t_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    mqtts_posix_device *p = ctx;
    p->connected = false;
#ifdef MQTTS_POSIX_DEVICE_HAS_TLS
    if (p->use_tls) {
        mqtts_err e = tls_setup(p);
        if (e != MQTTS_OK)
            return e;
    }
#endif
    mqtts_transport *t = active(p);
    mqtts_err e = t->connect(t->ctx, host, port, timeout_ms);
    if (e != MQTTS_OK) {
#ifdef MQTTS_POSIX_DEVICE_HAS_TLS
        if (p->use_tls)
            detail(p, mqtts_tls_error_detail(&p->tls));
#endif
        return e;
    }
    p->connected = true;
    p->last_detail[0] = '\0';
#ifdef MQTTS_POSIX_DEVICE_HAS_TLS
    if (p->use_tls)
        say(p->log, p->log_user, false, "connected to %s (%s, %s)", p->tcp.peer,
            mqtts_tls_version(&p->tls), mqtts_tls_ciphersuite(&p->tls));
    else
#endif
        say(p->log, p->log_user, false, "connected to %s (plain TCP, no TLS)", p->tcp.peer);
    return MQTTS_OK;
}

static int32_t t_send(void *ctx, const uint8_t *buf, size_t len)
{
    mqtts_transport *t = active(ctx);
    return t ? t->send(t->ctx, buf, len) : MQTTS_ERR_NOT_CONNECTED;
}

static int32_t t_recv(void *ctx, uint8_t *buf, size_t cap)
{
    mqtts_transport *t = active(ctx);
    return t ? t->recv(t->ctx, buf, cap) : MQTTS_ERR_NOT_CONNECTED;
}

static int t_wait(void *ctx, bool want_write, uint32_t timeout_ms)
{
    mqtts_transport *t = active(ctx);
    return t ? t->wait(t->ctx, want_write, timeout_ms) : MQTTS_ERR_NOT_CONNECTED;
}

static void t_close(void *ctx)
{
    mqtts_posix_device *p = ctx;
    mqtts_transport *t = active(p);
    p->connected = false;
#ifdef MQTTS_POSIX_DEVICE_HAS_TLS
    if (p->use_tls) {
        if (t)
            t->close(t->ctx); /* close_notify, then the lingering TCP close */
        return;
    }
#endif
    tcp_linger_close(p);
}

static mqtts_err pf_transport(void *ctx, const mqtts_device_config *cfg, mqtts_transport *t)
{
    mqtts_posix_device *p = ctx;
    p->use_tls = cfg->tls;
#ifndef MQTTS_POSIX_DEVICE_HAS_TLS
    if (cfg->tls) {
        say(p->log, p->log_user, true, "this build has no TLS (mbedTLS was not found)");
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
#endif
    t->ctx = p;
    t->connect = t_connect;
    t->send = t_send;
    t->recv = t_recv;
    t->wait = t_wait;
    t->close = t_close;
    return MQTTS_OK;
}

void mqtts_posix_device_platform(mqtts_posix_device *p, const mqtts_posix_device_conf *conf,
                                 mqtts_posix_log_fn log, void *user)
{
    memset(p, 0, sizeof *p);
    p->conf = conf;
    p->log = log;
    p->log_user = user;
    mqtts_tcp_init(&p->tcp, &p->tcp_t);
    mqtts_device_platform *pf = &p->platform;
    pf->ctx = p;
    pf->now_ms = mqtts_posix_now_ms;
    pf->random = pf_random;
    pf->transport = pf_transport;
    pf->wall_get = pf_wall_get;
    pf->led = pf_led;
}

void mqtts_posix_device_wait(mqtts_posix_device *p, uint32_t deadline_ms, uint32_t max_ms)
{
    uint32_t now = mqtts_posix_now_ms();
    int32_t left = (int32_t)(deadline_ms - now);
    if (left <= 0)
        return;
    uint32_t ms = (uint32_t)left < max_ms ? (uint32_t)left : max_ms;
    if (p->connected && t_wait(p, false, ms) >= 0)
        return;
    mqtts_posix_sleep_ms(ms);
}

void mqtts_posix_device_free(mqtts_posix_device *p)
{
    t_close(p);
#ifdef MQTTS_POSIX_DEVICE_HAS_TLS
    if (p->tls_ready)
        mqtts_tls_free(&p->tls);
    p->tls_ready = false;
#endif
}
