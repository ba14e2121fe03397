/*
 * output.c - printing messages.
 *
 * -F follows mosquitto_sub(1) "OUTPUT FORMAT" (2.0): % parameters with
 * flags, width and precision, @ for strftime, \ escapes. Where mosquitto
 * prints something that is not JSON (raw invalid UTF-8 in %j, "Z+0000"
 * in its time stamps) mqtts prints valid JSON instead.
 */
#define _POSIX_C_SOURCE 200809L

#include "output.h"

#include <inttypes.h>
#include <string.h>

#include "props.h"
#include "tool.h"

/* ---------------------------------------------------------------------- */
/* UTF-8, JSON, base64. */

/* Length of the well-formed UTF-8 sequence at s, or 0. */
static size_t utf8_seq(const uint8_t *s, size_t len)
{
    uint8_t c = s[0];
    size_t n;
    uint32_t cp;
    if (c < 0x80)
        return 1;
    if (c >= 0xC2 && c <= 0xDF) {
        n = 2;
        cp = c & 0x1Fu;
    } else if (c >= 0xE0 && c <= 0xEF) {
        n = 3;
        cp = c & 0x0Fu;
    } else if (c >= 0xF0 && c <= 0xF4) {
        n = 4;
        cp = c & 0x07u;
    } else {
        return 0;
    }
    if (len < n)
        return 0;
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xC0u) != 0x80u)
            return 0;
        cp = cp << 6 | (s[i] & 0x3Fu);
    }
    if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10FFFF ||
        (cp >= 0xD800 && cp <= 0xDFFF))
        return 0;
    return n;
}

bool utf8_valid(const uint8_t *s, size_t len)
{
    for (size_t i = 0; i < len;) {
        size_t n = utf8_seq(s + i, len - i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

void json_string(FILE *f, const uint8_t *s, size_t len)
{
    putc('"', f);
    for (size_t i = 0; i < len;) {
        uint8_t c = s[i];
        size_t n = utf8_seq(s + i, len - i);
        if (n == 0) {
            fputs("\\ufffd", f);
            i++;
            continue;
        }
        if (n > 1) {
            fwrite(s + i, 1, n, f);
        } else if (c == '"' || c == '\\') {
            putc('\\', f);
            putc(c, f);
        } else if (c == '\n') {
            fputs("\\n", f);
        } else if (c == '\r') {
            fputs("\\r", f);
        } else if (c == '\t') {
            fputs("\\t", f);
        } else if (c < 0x20 || c == 0x7F) {
            fprintf(f, "\\u%04x", c);
        } else {
            putc(c, f);
        }
        i += n;
    }
    putc('"', f);
}

void base64_write(FILE *f, const uint8_t *s, size_t len)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    for (size_t i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)s[i] << 16;
        if (i + 1 < len)
            v |= (uint32_t)s[i + 1] << 8;
        if (i + 2 < len)
            v |= s[i + 2];
        putc(tab[v >> 18 & 63], f);
        putc(tab[v >> 12 & 63], f);
        putc(i + 1 < len ? tab[v >> 6 & 63] : '=', f);
        putc(i + 2 < len ? tab[v & 63] : '=', f);
    }
}

/* A small JSON checker (RFC 8259), for %J. */
typedef struct jcur {
    const uint8_t *s, *end;
    int depth;
} jcur;

static void jws(jcur *c)
{
    while (c->s < c->end && (*c->s == ' ' || *c->s == '\t' || *c->s == '\n' || *c->s == '\r'))
        c->s++;
}

static bool jlit(jcur *c, const char *w)
{
    size_t n = strlen(w);
    if ((size_t)(c->end - c->s) < n || memcmp(c->s, w, n) != 0)
        return false;
    c->s += n;
    return true;
}

static bool jdigits(jcur *c)
{
    const uint8_t *start = c->s;
    while (c->s < c->end && *c->s >= '0' && *c->s <= '9')
        c->s++;
    return c->s > start;
}

static bool jnumber(jcur *c)
{
    if (c->s < c->end && *c->s == '-')
        c->s++;
    if (c->s < c->end && *c->s == '0')
        c->s++;
    else if (!jdigits(c))
        return false;
    if (c->s < c->end && *c->s == '.') {
        c->s++;
        if (!jdigits(c))
            return false;
    }
    if (c->s < c->end && (*c->s == 'e' || *c->s == 'E')) {
        c->s++;
        if (c->s < c->end && (*c->s == '+' || *c->s == '-'))
            c->s++;
        if (!jdigits(c))
            return false;
    }
    return true;
}

static bool jstring(jcur *c)
{
    c->s++; /* the opening quote */
    while (c->s < c->end) {
        uint8_t ch = *c->s;
        if (ch == '"') {
            c->s++;
            return true;
        }
        if (ch < 0x20)
            return false;
        if (ch == '\\') {
            c->s++;
            if (c->s >= c->end || !strchr("\"\\/bfnrtu", *c->s))
                return false;
            if (*c->s == 'u') {
                for (int i = 1; i <= 4; i++) {
                    if (c->s + i >= c->end || !strchr("0123456789abcdefABCDEF", c->s[i]))
                        return false;
                }
                c->s += 4;
            }
            c->s++;
            continue;
        }
        size_t n = utf8_seq(c->s, (size_t)(c->end - c->s));
        if (n == 0)
            return false;
        c->s += n;
    }
    return false;
}

static bool jvalue(jcur *c);

/* An object (close '}') or an array (close ']'). */
static bool jcontainer(jcur *c, uint8_t close)
{
    if (++c->depth > 64)
        return false;
    c->s++;
    jws(c);
    if (c->s < c->end && *c->s == close) {
        c->s++;
        c->depth--;
        return true;
    }
    for (;;) {
        if (close == '}') {
            if (c->s >= c->end || *c->s != '"' || !jstring(c))
                return false;
            jws(c);
            if (c->s >= c->end || *c->s++ != ':')
                return false;
        }
        if (!jvalue(c))
            return false;
        jws(c);
        if (c->s >= c->end)
            return false;
        if (*c->s == close) {
            c->s++;
            c->depth--;
            return true;
        }
        if (*c->s++ != ',')
            return false;
        jws(c);
    }
}

static bool jvalue(jcur *c)
{
    jws(c);
    if (c->s >= c->end)
        return false;
    switch (*c->s) {
    case '{': return jcontainer(c, '}');
    case '[': return jcontainer(c, ']');
    case '"': return jstring(c);
    case 't': return jlit(c, "true");
    case 'f': return jlit(c, "false");
    case 'n': return jlit(c, "null");
    default: return jnumber(c);
    }
}

bool json_valid(const uint8_t *s, size_t len)
{
    jcur c = {s, s + len, 0};
    if (!jvalue(&c))
        return false;
    jws(&c);
    return c.s == c.end;
}

/* ---------------------------------------------------------------------- */
/* Properties as JSON. */

static bool has(const mqtts_props *p, uint8_t id)
{
    return p && (p->present & MQTTS_PROP_BIT(id));
}

/* %j's "properties" member, as mosquitto_sub writes it: in wire order,
 * with the user properties as one object where the first one is (a
 * repeated key keeps each pair, as mosquitto does). */
static void json_props_mosquitto(FILE *f, const mqtts_props *p)
{
    if (!p || p->raw.len == 0)
        return;
    mqtts_property pr;
    size_t pos = 0;
    bool first = true, users_done = false;
    fputs(",\"properties\":{", f);
    while (mqtts_prop_next(p, &pos, &pr)) {
        if (pr.id == MQTTS_PROP_USER_PROPERTY && users_done)
            continue;
        fprintf(f, "%s\"%s\":", first ? "" : ",",
                pr.id == MQTTS_PROP_USER_PROPERTY ? "user-properties" : prop_key(pr.id));
        first = false;
        if (pr.id == MQTTS_PROP_USER_PROPERTY) {
            mqtts_property q;
            size_t qpos = 0;
            bool qfirst = true;
            putc('{', f);
            while (mqtts_prop_next(p, &qpos, &q)) {
                if (q.id != MQTTS_PROP_USER_PROPERTY)
                    continue;
                fputs(qfirst ? "" : ",", f);
                qfirst = false;
                json_string(f, q.bin.ptr, q.bin.len);
                putc(':', f);
                json_string(f, q.value.ptr, q.value.len);
            }
            putc('}', f);
            users_done = true;
        } else if (pr.type == MQTTS_PTYPE_STRING || pr.type == MQTTS_PTYPE_BINARY) {
            json_string(f, pr.bin.ptr, pr.bin.len);
        } else {
            fprintf(f, "%" PRIu32, pr.num);
        }
    }
    putc('}', f);
}

/* --json's "properties": every property in wire order under its -D name;
 * user properties as [key, value] pairs (keys may repeat), subscription
 * identifiers as an array, binary values as a string or base64. */
static void json_props_mqtts(FILE *f, const mqtts_props *p)
{
    if (!p || p->raw.len == 0)
        return;
    mqtts_property pr;
    size_t pos = 0;
    bool first = true, users_done = false, ids_done = false;
    fputs(",\"properties\":{", f);
    while (mqtts_prop_next(p, &pos, &pr)) {
        uint8_t id = pr.id;
        if ((id == MQTTS_PROP_USER_PROPERTY && users_done) ||
            (id == MQTTS_PROP_SUBSCRIPTION_IDENTIFIER && ids_done))
            continue;
        fprintf(f, "%s\"%s\":", first ? "" : ",", prop_key(id));
        first = false;
        if (id == MQTTS_PROP_USER_PROPERTY || id == MQTTS_PROP_SUBSCRIPTION_IDENTIFIER) {
            /* All of them, together, where the first one was. */
            mqtts_property q;
            size_t qpos = 0;
            bool qfirst = true;
            putc('[', f);
            while (mqtts_prop_next(p, &qpos, &q)) {
                if (q.id != id)
                    continue;
                fputs(qfirst ? "" : ",", f);
                qfirst = false;
                if (id == MQTTS_PROP_SUBSCRIPTION_IDENTIFIER) {
                    fprintf(f, "%" PRIu32, q.num);
                    continue;
                }
                putc('[', f);
                json_string(f, q.bin.ptr, q.bin.len);
                putc(',', f);
                json_string(f, q.value.ptr, q.value.len);
                putc(']', f);
            }
            putc(']', f);
            users_done |= id == MQTTS_PROP_USER_PROPERTY;
            ids_done |= id == MQTTS_PROP_SUBSCRIPTION_IDENTIFIER;
        } else if (pr.type == MQTTS_PTYPE_BINARY && !utf8_valid(pr.bin.ptr, pr.bin.len)) {
            putc('"', f);
            base64_write(f, pr.bin.ptr, pr.bin.len);
            fprintf(f, "\",\"%s-encoding\":\"base64\"", prop_key(id));
        } else if (pr.type == MQTTS_PTYPE_STRING || pr.type == MQTTS_PTYPE_BINARY) {
            json_string(f, pr.bin.ptr, pr.bin.len);
        } else {
            fprintf(f, "%" PRIu32, pr.num);
        }
    }
    putc('}', f);
}

static void json_mqtts(FILE *f, const mqtts_publish *m, const mqtts_props *props)
{
    fputs("{\"topic\":", f);
    json_string(f, (const uint8_t *)m->topic.ptr, m->topic.len);
    fprintf(f, ",\"qos\":%u,\"retain\":%s,\"payload\":", m->qos, m->retain ? "true" : "false");
    if (utf8_valid(m->payload.ptr, m->payload.len)) {
        json_string(f, m->payload.ptr, m->payload.len);
    } else {
        putc('"', f);
        base64_write(f, m->payload.ptr, m->payload.len);
        fputs("\",\"encoding\":\"base64\"", f);
    }
    json_props_mqtts(f, props);
    putc('}', f);
}

/* ---------------------------------------------------------------------- */
/* -F */

typedef struct fmt_ctx {
    FILE *f;
    const mqtts_publish *m;
    const mqtts_props *props;
    const struct timespec *when;
} fmt_ctx;

typedef struct field_spec {
    bool left, zero;
    int width;     /* -1: none */
    int precision; /* -1: none */
} field_spec;

/* s padded to the width (and cut to the precision, when allowed). */
static void field(FILE *f, const char *s, size_t len, const field_spec *fs, bool numeric,
                  bool cut)
{
    if (cut && fs->precision >= 0 && len > (size_t)fs->precision)
        len = (size_t)fs->precision;
    size_t pad = fs->width > 0 && (size_t)fs->width > len ? (size_t)fs->width - len : 0;
    char fill = numeric && fs->zero && !fs->left ? '0' : ' ';
    if (!fs->left) {
        for (size_t i = 0; i < pad; i++)
            putc(fill, f);
    }
    fwrite(s, 1, len, f);
    if (fs->left) {
        for (size_t i = 0; i < pad; i++)
            putc(' ', f);
    }
}

static void field_num(FILE *f, uint64_t v, const field_spec *fs)
{
    char buf[24];
    int n = snprintf(buf, sizeof buf, "%" PRIu64, v);
    field(f, buf, (size_t)n, fs, true, false);
}

/* A property's number, or an empty (padded) field when it is absent. */
static void field_prop_num(const fmt_ctx *c, uint8_t id, uint64_t v, const field_spec *fs)
{
    if (has(c->props, id))
        field_num(c->f, v, fs);
    else
        field(c->f, "", 0, fs, true, false); /* "%05E": "00000", as mosquitto */
}

static void field_hex(FILE *f, mqtts_bin b, bool upper, const field_spec *fs)
{
    size_t pad = fs->width > 0 && (size_t)fs->width > 2 * b.len ? (size_t)fs->width - 2 * b.len : 0;
    char fill = fs->zero && !fs->left ? '0' : ' ';
    for (size_t i = 0; !fs->left && i < pad; i++)
        putc(fill, f);
    for (size_t i = 0; i < b.len; i++)
        fprintf(f, upper ? "%02X" : "%02x", b.ptr[i]);
    for (size_t i = 0; fs->left && i < pad; i++)
        putc(' ', f);
}

static void iso_time(char *buf, size_t cap, const struct timespec *when, bool micro)
{
    struct tm tm;
    time_t t = when->tv_sec;
    localtime_r(&t, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    if (micro)
        n += (size_t)snprintf(buf + n, cap - n, ".%06ld", when->tv_nsec / 1000);
    strftime(buf + n, cap - n, "%z", &tm);
}

/* %j and %J, as mosquitto_sub 2.0 writes them. */
static int json_mosquitto(const fmt_ctx *c, bool raw_payload)
{
    const mqtts_publish *m = c->m;
    if (raw_payload && !json_valid(m->payload.ptr, m->payload.len)) {
        tool_error("the payload on topic '%.*s' is not valid JSON (%%J)", (int)m->topic.len,
                   m->topic.ptr);
        return -1;
    }
    char tst[64];
    iso_time(tst, sizeof tst, c->when, true);
    fprintf(c->f, "{\"tst\":\"%s\",\"topic\":", tst);
    json_string(c->f, (const uint8_t *)m->topic.ptr, m->topic.len);
    fprintf(c->f, ",\"qos\":%u,\"retain\":%d,\"payloadlen\":%zu", m->qos, m->retain ? 1 : 0,
            m->payload.len);
    json_props_mosquitto(c->f, c->props);
    fputs(",\"payload\":", c->f);
    if (raw_payload)
        fwrite(m->payload.ptr, 1, m->payload.len, c->f);
    else
        json_string(c->f, m->payload.ptr, m->payload.len);
    putc('}', c->f);
    return 0;
}

static void user_props(const fmt_ctx *c)
{
    mqtts_property pr;
    size_t pos = 0;
    bool first = true;
    if (!c->props)
        return;
    while (mqtts_prop_next(c->props, &pos, &pr)) {
        if (pr.id != MQTTS_PROP_USER_PROPERTY)
            continue;
        fprintf(c->f, "%s%.*s:%.*s", first ? "" : " ", (int)pr.bin.len, (const char *)pr.bin.ptr,
                (int)pr.value.len, (const char *)pr.value.ptr);
        first = false;
    }
}

static void field_str(const fmt_ctx *c, uint8_t id, mqtts_str s, const field_spec *fs)
{
    if (id && !has(c->props, id))
        s.len = 0;
    field(c->f, s.ptr, s.len, fs, false, true);
}

/* One % parameter; returns -1 when %J finds no JSON. */
static int param(const fmt_ctx *c, char conv, const field_spec *fs)
{
    const mqtts_publish *m = c->m;
    const mqtts_props *p = c->props;
    static const mqtts_props none;
    static const field_spec no_width = {false, false, -1, -1}; /* %q, %r: as mosquitto */
    if (!p)
        p = &none;
    char buf[64];
    switch (conv) {
    case '%': putc('%', c->f); break;
    case 'A': field_prop_num(c, MQTTS_PROP_TOPIC_ALIAS, p->topic_alias, fs); break;
    case 'C': field_str(c, MQTTS_PROP_CONTENT_TYPE, p->content_type, fs); break;
    case 'D':
        if (has(c->props, MQTTS_PROP_CORRELATION_DATA))
            fwrite(p->correlation_data.ptr, 1, p->correlation_data.len, c->f);
        break;
    case 'E': field_prop_num(c, MQTTS_PROP_MESSAGE_EXPIRY_INTERVAL, p->message_expiry_interval, fs); break;
    case 'F': field_prop_num(c, MQTTS_PROP_PAYLOAD_FORMAT_INDICATOR, p->payload_format_indicator, fs); break;
    case 'I':
        iso_time(buf, sizeof buf, c->when, false);
        field(c->f, buf, strlen(buf), fs, false, true);
        break;
    case 'j': return json_mosquitto(c, false);
    case 'J': return json_mosquitto(c, true);
    case 'l': field_num(c->f, m->payload.len, fs); break;
    case 'm': field_num(c->f, m->packet_id, fs); break;
    case 'P': user_props(c); break;
    case 'p': field(c->f, (const char *)m->payload.ptr, m->payload.len, fs, false, false); break;
    case 'q': field_num(c->f, m->qos, &no_width); break;
    case 'R': field_str(c, MQTTS_PROP_RESPONSE_TOPIC, p->response_topic, fs); break;
    case 'r': field_num(c->f, m->retain ? 1 : 0, &no_width); break;
    case 'S': field_prop_num(c, MQTTS_PROP_SUBSCRIPTION_IDENTIFIER, p->subscription_identifier, fs); break;
    case 't': field_str(c, 0, m->topic, fs); break;
    case 'U':
        fprintf(c->f, "%lld.%09ld", (long long)c->when->tv_sec, c->when->tv_nsec);
        break;
    case 'x': field_hex(c->f, m->payload, false, fs); break;
    case 'X': field_hex(c->f, m->payload, true, fs); break;
    default: /* not a parameter: printed as written */
        putc('%', c->f);
        putc(conv, c->f);
        break;
    }
    return 0;
}

static const char *percent(const fmt_ctx *c, const char *p, int *rc)
{
    field_spec fs = {false, false, -1, -1};
    for (; *p == '-' || *p == '0'; p++) {
        if (*p == '-')
            fs.left = true;
        else
            fs.zero = true;
    }
    if (*p >= '1' && *p <= '9') {
        for (fs.width = 0; *p >= '0' && *p <= '9'; p++)
            fs.width = fs.width < 100000 ? fs.width * 10 + (*p - '0') : fs.width;
    }
    if (*p == '.') {
        for (p++, fs.precision = 0; *p >= '0' && *p <= '9'; p++)
            fs.precision = fs.precision < 100000 ? fs.precision * 10 + (*p - '0') : fs.precision;
    }
    if (*p == '\0')
        return p;
    if (param(c, *p, &fs) != 0)
        *rc = -1;
    return p + 1;
}

static const char *at_sign(const fmt_ctx *c, const char *p)
{
    if (*p == '\0')
        return p;
    if (*p == '@') {
        putc('@', c->f);
    } else if (*p == 'N') {
        fprintf(c->f, "%09ld", c->when->tv_nsec);
    } else {
        char spec[3] = {'%', *p, '\0'}, out[256];
        struct tm tm;
        time_t t = c->when->tv_sec;
        localtime_r(&t, &tm);
#if defined(__GNUC__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wformat-nonliteral"
#endif
        size_t n = strftime(out, sizeof out, spec, &tm);
#if defined(__GNUC__)
#pragma GCC diagnostic pop
#endif
        fwrite(out, 1, n, c->f);
    }
    return p + 1;
}

static const char *backslash(const fmt_ctx *c, const char *p)
{
    static const char from[] = "\\0aenrtv";
    static const char to[] = {'\\', '\0', '\a', '\033', '\n', '\r', '\t', '\v'};
    if (*p == '\0')
        return p;
    const char *hit = strchr(from, *p);
    if (hit) {
        putc(to[hit - from], c->f);
    } else {
        putc('\\', c->f);
        putc(*p, c->f);
    }
    return p + 1;
}

/* The parameters, escapes: what -F accepts (checked before connecting,
 * as mosquitto_sub does). */
static const char format_params[] = "%ACDEFIjJlmPpqRrStUxX";
static const char format_escapes[] = "\\0aenrtv";

bool format_check(const char *fmt, char *err, size_t errlen)
{
    for (const char *p = fmt; *p; p++) {
        if (*p == '%') {
            p++;
            while (*p == '-' || *p == '0')
                p++;
            while ((*p >= '0' && *p <= '9') || *p == '.')
                p++;
            if (*p == '\0') {
                snprintf(err, errlen, "incomplete %% sequence at the end");
                return false;
            }
            if (!strchr(format_params, *p)) {
                snprintf(err, errlen, "unknown parameter '%%%c'", *p);
                return false;
            }
        } else if (*p == '@' || *p == '\\') {
            char lead = *p++;
            if (*p == '\0') {
                snprintf(err, errlen, "incomplete %c sequence at the end", lead);
                return false;
            }
            if (lead == '\\' && !strchr(format_escapes, *p)) {
                snprintf(err, errlen, "unknown escape '\\%c'", *p);
                return false;
            }
        }
    }
    return true;
}

static int format_message(const fmt_ctx *c, const char *fmt)
{
    int rc = 0;
    const char *p = fmt;
    while (*p && rc == 0) {
        char ch = *p++;
        if (ch == '%')
            p = percent(c, p, &rc);
        else if (ch == '@')
            p = at_sign(c, p);
        else if (ch == '\\')
            p = backslash(c, p);
        else
            putc(ch, c->f);
    }
    return rc;
}

int output_message(FILE *f, const out_cfg *cfg, const mqtts_publish *m, const mqtts_props *props,
                   const struct timespec *when)
{
    fmt_ctx c = {f, m, props, when};
    int rc = 0;
    switch (cfg->mode) {
    case OUT_PAYLOAD:
        /* Like mosquitto_sub: an empty message prints nothing at all. */
        if (m->payload.len == 0)
            return 0;
        fwrite(m->payload.ptr, 1, m->payload.len, f);
        break;
    case OUT_VERBOSE:
        /* mosquitto_sub prints "(null)" for an empty payload, and nothing
         * at all for one with -N; scripts may rely on it. */
        if (m->payload.len == 0 && !cfg->newline)
            return 0;
        fwrite(m->topic.ptr, 1, m->topic.len, f);
        putc(' ', f);
        if (m->payload.len == 0)
            fputs("(null)", f);
        else
            fwrite(m->payload.ptr, 1, m->payload.len, f);
        break;
    case OUT_FORMAT:
        /* Checked first, so that a bad payload prints nothing at all. */
        if (strstr(cfg->format, "%J") && !json_valid(m->payload.ptr, m->payload.len)) {
            tool_error("the payload on topic '%.*s' is not valid JSON (%%J)", (int)m->topic.len,
                       m->topic.ptr);
            return -1;
        }
        rc = format_message(&c, cfg->format);
        break;
    case OUT_JSON:
        json_mqtts(f, m, props);
        break;
    }
    if (cfg->newline)
        putc('\n', f);
    fflush(f);
    return rc;
}
