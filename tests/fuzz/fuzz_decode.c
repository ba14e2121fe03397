/*
 * fuzz_decode - a libFuzzer target for everything in the codec that parses.
 *
 * One input is read four ways:
 *   1. as a byte stream: framed packet after packet with mqtts_frame(), every
 *      prefix checked against the framing contract (and a reference framer
 *      written here from the spec); every framed packet decoded as MQTT 3.1.1
 *      and as 5.0 and the result checked for consistency; a decoded PUBLISH,
 *      ack, DISCONNECT or AUTH re-encoded and decoded again (encoder against
 *      decoder);
 *   2. as a variable byte integer;
 *   3. as a property block, for every place a client meets one;
 *   4. as two strings: UTF-8, topic name and topic filter checks compared with
 *      reference checks written here from the spec, and topic matching.
 *
 * A broken invariant prints what broke and aborts, which libFuzzer reports.
 * Inputs are copied to exact-size heap blocks so that AddressSanitizer sees a
 * read even one byte past the end.
 *
 * replay_main.c runs the same checks without libFuzzer (any compiler), so
 * ctest replays the golden vectors through them on every build.
 */
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtts/error.h"
#include "mqtts/packet.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* ---------------------------------------------------------------------- */
/* Invariants and helpers. */

#define CHECK(cond)                                  \
    do {                                             \
        if (!(cond))                                 \
            broken(__FILE__, __LINE__, #cond);       \
    } while (0)

static _Noreturn void broken(const char *file, int line, const char *what)
{
    fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, what);
    fflush(stderr);
    abort();
}

/* Exact-size heap blocks (never NULL, even for n == 0). */
static uint8_t *alloc_bytes(size_t n)
{
    uint8_t *q = calloc(n ? n : 1, 1);

    if (q == NULL)
        abort();
    return q;
}

static uint8_t *dup_bytes(const uint8_t *p, size_t n)
{
    uint8_t *q = alloc_bytes(n);

    if (n)
        memcpy(q, p, n);
    return q;
}

static bool bin_eq(mqtts_bin a, mqtts_bin b)
{
    return a.len == b.len && (a.len == 0 || memcmp(a.ptr, b.ptr, a.len) == 0);
}

static mqtts_bin str_bin(mqtts_str s)
{
    return mqtts_bytes(s.ptr, s.len);
}

/* A non-empty view must lie inside [base, base + len). */
static void check_view(const void *ptr, size_t n, const uint8_t *base, size_t len)
{
    const uint8_t *p = ptr;

    if (n == 0)
        return;
    CHECK(p != NULL);
    CHECK(p >= base && p <= base + len);
    CHECK(n <= (size_t)(base + len - p));
}

static void check_name(const char *s)
{
    CHECK(s != NULL);
    CHECK(strlen(s) > 0);
}

static void check_err(mqtts_err e)
{
    check_name(mqtts_strerror(e));
}

/* ---------------------------------------------------------------------- */
/* Reference implementations, written from the specification. */

/* Variable byte integer: 1 ok, 0 need more, -1 too long, -2 not minimal. */
static int ref_varint(const uint8_t *p, size_t n, uint32_t *value, size_t *used)
{
    uint32_t v = 0;
    size_t i;

    for (i = 0; i < 4; i++) {
        if (i == n)
            return 0;
        v |= (uint32_t)(p[i] & 0x7F) << (7 * i);
        if ((p[i] & 0x80) == 0) {
            if (i > 0 && p[i] == 0)
                return -2;
            *value = v;
            *used = i + 1;
            return 1;
        }
    }
    return -1;
}

static bool ref_utf8_ok(const uint8_t *s, size_t n)
{
    size_t i = 0;

    while (i < n) {
        uint8_t c = s[i];
        size_t more;
        uint8_t lo = 0x80, hi = 0xBF;

        if (c == 0)
            return false;
        if (c < 0x80) {
            i++;
            continue;
        }
        if (c >= 0xC2 && c <= 0xDF) {
            more = 1;
        } else if (c >= 0xE0 && c <= 0xEF) {
            more = 2;
            if (c == 0xE0)
                lo = 0xA0; /* overlong */
            if (c == 0xED)
                hi = 0x9F; /* surrogates */
        } else if (c >= 0xF0 && c <= 0xF4) {
            more = 3;
            if (c == 0xF0)
                lo = 0x90; /* overlong */
            if (c == 0xF4)
                hi = 0x8F; /* above U+10FFFF */
        } else {
            return false;
        }
        if (n - i - 1 < more)
            return false;
        if (s[i + 1] < lo || s[i + 1] > hi)
            return false;
        for (size_t k = 2; k <= more; k++) {
            if (s[i + k] < 0x80 || s[i + k] > 0xBF)
                return false;
        }
        i += more + 1;
    }
    return true;
}

static bool has_byte(const char *s, size_t n, char c)
{
    return n > 0 && memchr(s, c, n) != NULL;
}

static bool is_shared(const char *f, size_t n)
{
    return n >= 7 && memcmp(f, "$share/", 7) == 0;
}

static bool ref_topic_name_ok(const char *t, size_t n)
{
    return n > 0 && n <= 65535 && ref_utf8_ok((const uint8_t *)t, n) &&
           !has_byte(t, n, '+') && !has_byte(t, n, '#');
}

/* Wildcards only as whole levels, '#' only last. */
static bool ref_plain_filter_ok(const char *f, size_t n)
{
    size_t start = 0;

    if (n == 0)
        return false;
    while (start <= n) {
        const char *slash = memchr(f + start, '/', n - start);
        size_t end = slash ? (size_t)(slash - f) : n;
        size_t len = end - start;

        if (has_byte(f + start, len, '#') && !(len == 1 && end == n))
            return false;
        if (has_byte(f + start, len, '+') && len != 1)
            return false;
        start = end + 1;
    }
    return true;
}

/* For "$share/{name}/{filter}": where {filter} starts, 0 if malformed. */
static size_t shared_inner(const char *f, size_t n)
{
    const char *slash = memchr(f + 7, '/', n - 7);
    size_t name_len;

    if (slash == NULL)
        return 0;
    name_len = (size_t)(slash - f) - 7;
    if (name_len == 0 || has_byte(f + 7, name_len, '+') || has_byte(f + 7, name_len, '#'))
        return 0;
    return (size_t)(slash - f) + 1;
}

static bool ref_filter_ok(const char *f, size_t n)
{
    size_t inner;

    if (n == 0 || n > 65535 || !ref_utf8_ok((const uint8_t *)f, n))
        return false;
    if (!is_shared(f, n))
        return ref_plain_filter_ok(f, n);
    inner = shared_inner(f, n);
    return inner != 0 && ref_plain_filter_ok(f + inner, n - inner);
}

static size_t level_end(const char *s, size_t n, size_t start)
{
    const char *slash = memchr(s + start, '/', n - start);

    return slash ? (size_t)(slash - s) : n;
}

/* Both valid. MQTT 5.0 section 4.7, and [MQTT-4.7.2-1] for '$'. */
static bool ref_matches(const char *f, size_t fl, const char *t, size_t tl)
{
    size_t i = 0, j = 0;

    if (is_shared(f, fl)) {
        size_t inner = shared_inner(f, fl);
        f += inner;
        fl -= inner;
    }
    if (tl > 0 && t[0] == '$' && (f[0] == '+' || f[0] == '#'))
        return false;
    for (;;) {
        size_t fe = level_end(f, fl, i), te = level_end(t, tl, j);
        bool plus = fe - i == 1 && f[i] == '+';

        if (fe - i == 1 && f[i] == '#')
            return true;
        if (!plus && !(fe - i == te - j && memcmp(f + i, t + j, fe - i) == 0))
            return false;
        if (fe == fl && te == tl)
            return true;
        if (te == tl) /* the topic ends: only "/#" may follow ("a/#" matches "a") */
            return fl - fe == 2 && f[fe + 1] == '#';
        if (fe == fl)
            return false;
        i = fe + 1;
        j = te + 1;
    }
}

/* ---------------------------------------------------------------------- */
/* 2. Variable byte integers. */

static void check_varint(const uint8_t *data, size_t size)
{
    uint8_t *p = dup_bytes(data, size);
    uint32_t value = 0, ref_value = 0;
    size_t used = 0, ref_used = 0;
    uint8_t enc[4];
    mqtts_err e = mqtts_varint_decode(p, size, &value, &used);
    int ref = ref_varint(p, size, &ref_value, &ref_used);

    check_err(e);
    CHECK(e == (ref == 1    ? MQTTS_OK
                : ref == 0  ? MQTTS_NEED_MORE
                : ref == -1 ? MQTTS_ERR_VARINT_TOO_LONG
                            : MQTTS_ERR_VARINT_NOT_MINIMAL));
    if (e == MQTTS_OK) {
        CHECK(value == ref_value && used == ref_used);
        CHECK(mqtts_varint_size(value) == used);
        CHECK(mqtts_varint_encode(value, enc) == used);
        CHECK(memcmp(enc, p, used) == 0);
    }
    if (size >= 4) {
        uint32_t v = (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 |
                     (uint32_t)p[3] << 24;
        size_t n = mqtts_varint_encode(v, enc);

        CHECK(n == mqtts_varint_size(v));
        CHECK(v > MQTTS_VARINT_MAX ? n == 0 : n >= 1 && n <= 4);
        if (n > 0) {
            CHECK(mqtts_varint_decode(enc, n, &value, &used) == MQTTS_OK);
            CHECK(value == v && used == n);
        }
    }
    free(p);
}

/* ---------------------------------------------------------------------- */
/* Properties. */

/* The decoded value of single-valued property `id` in the struct: a number
 * or bytes. */
static void prop_field(const mqtts_props *p, uint8_t id, uint32_t *num, mqtts_bin *bin)
{
    *num = 0;
    *bin = mqtts_bytes(NULL, 0);
    switch (id) {
    case MQTTS_PROP_PAYLOAD_FORMAT_INDICATOR: *num = p->payload_format_indicator; break;
    case MQTTS_PROP_MESSAGE_EXPIRY_INTERVAL: *num = p->message_expiry_interval; break;
    case MQTTS_PROP_CONTENT_TYPE: *bin = str_bin(p->content_type); break;
    case MQTTS_PROP_RESPONSE_TOPIC: *bin = str_bin(p->response_topic); break;
    case MQTTS_PROP_CORRELATION_DATA: *bin = p->correlation_data; break;
    case MQTTS_PROP_SUBSCRIPTION_IDENTIFIER: *num = p->subscription_identifier; break;
    case MQTTS_PROP_SESSION_EXPIRY_INTERVAL: *num = p->session_expiry_interval; break;
    case MQTTS_PROP_ASSIGNED_CLIENT_IDENTIFIER: *bin = str_bin(p->assigned_client_identifier); break;
    case MQTTS_PROP_SERVER_KEEP_ALIVE: *num = p->server_keep_alive; break;
    case MQTTS_PROP_AUTHENTICATION_METHOD: *bin = str_bin(p->authentication_method); break;
    case MQTTS_PROP_AUTHENTICATION_DATA: *bin = p->authentication_data; break;
    case MQTTS_PROP_REQUEST_PROBLEM_INFORMATION: *num = p->request_problem_information; break;
    case MQTTS_PROP_WILL_DELAY_INTERVAL: *num = p->will_delay_interval; break;
    case MQTTS_PROP_REQUEST_RESPONSE_INFORMATION: *num = p->request_response_information; break;
    case MQTTS_PROP_RESPONSE_INFORMATION: *bin = str_bin(p->response_information); break;
    case MQTTS_PROP_SERVER_REFERENCE: *bin = str_bin(p->server_reference); break;
    case MQTTS_PROP_REASON_STRING: *bin = str_bin(p->reason_string); break;
    case MQTTS_PROP_RECEIVE_MAXIMUM: *num = p->receive_maximum; break;
    case MQTTS_PROP_TOPIC_ALIAS_MAXIMUM: *num = p->topic_alias_maximum; break;
    case MQTTS_PROP_TOPIC_ALIAS: *num = p->topic_alias; break;
    case MQTTS_PROP_MAXIMUM_QOS: *num = p->maximum_qos; break;
    case MQTTS_PROP_RETAIN_AVAILABLE: *num = p->retain_available; break;
    case MQTTS_PROP_MAXIMUM_PACKET_SIZE: *num = p->maximum_packet_size; break;
    case MQTTS_PROP_WILDCARD_SUBSCRIPTION_AVAILABLE: *num = p->wildcard_subscription_available; break;
    case MQTTS_PROP_SUBSCRIPTION_IDENTIFIER_AVAILABLE: *num = p->subscription_identifier_available; break;
    case MQTTS_PROP_SHARED_SUBSCRIPTION_AVAILABLE: *num = p->shared_subscription_available; break;
    default: break;
    }
}

/* Properties kept in the struct's fields (not the user properties, and not
 * the subscription identifiers, which may repeat in a PUBLISH). */
static bool prop_is_field(uint8_t id)
{
    return id != MQTTS_PROP_USER_PROPERTY && id != MQTTS_PROP_SUBSCRIPTION_IDENTIFIER &&
           mqtts_prop_type_of(id) != MQTTS_PTYPE_NONE;
}

#define FIELD_MASK \
    (~(MQTTS_PROP_BIT(MQTTS_PROP_USER_PROPERTY) | MQTTS_PROP_BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER)))

static size_t count_user_props(const mqtts_props *p)
{
    mqtts_property q;
    size_t pos = 0, n = 0;

    while (mqtts_prop_next(p, &pos, &q)) {
        if (q.id == MQTTS_PROP_USER_PROPERTY)
            n++;
    }
    return n;
}

/* Walk a decoded block: every property defined, allowed here, not repeated
 * unless it may be, its value in the struct, its bytes inside the block. */
static void check_props(mqtts_version v, const mqtts_props *p, uint8_t where,
                        const uint8_t *base, size_t len)
{
    mqtts_property q;
    uint64_t seen = 0;
    size_t pos = 0, count = 0, sub_ids = 0;

    if (v == MQTTS_V311) {
        CHECK(p->present == 0 && p->raw.len == 0 && p->sub_id_count == 0);
        return;
    }
    check_view(p->raw.ptr, p->raw.len, base, len);
    while (mqtts_prop_next(p, &pos, &q)) {
        uint32_t num;
        mqtts_bin bin;

        CHECK(++count <= p->raw.len / 2);
        CHECK(pos <= p->raw.len);
        CHECK(q.type != MQTTS_PTYPE_NONE && q.type == mqtts_prop_type_of(q.id));
        CHECK(mqtts_prop_allowed(q.id, where));
        check_name(mqtts_prop_name(q.id));
        CHECK(!(seen & MQTTS_PROP_BIT(q.id)) || mqtts_prop_repeatable(q.id, where));
        seen |= MQTTS_PROP_BIT(q.id);
        check_view(q.bin.ptr, q.bin.len, p->raw.ptr, p->raw.len);
        check_view(q.value.ptr, q.value.len, p->raw.ptr, p->raw.len);
        if (q.id == MQTTS_PROP_SUBSCRIPTION_IDENTIFIER) {
            CHECK(q.num >= 1 && q.num <= MQTTS_VARINT_MAX);
            if (sub_ids++ == 0)
                CHECK(p->subscription_identifier == q.num);
        }
        if (!prop_is_field(q.id))
            continue;
        CHECK(p->present & MQTTS_PROP_BIT(q.id));
        prop_field(p, q.id, &num, &bin);
        if (q.type == MQTTS_PTYPE_STRING || q.type == MQTTS_PTYPE_BINARY)
            CHECK(bin_eq(bin, q.bin));
        else
            CHECK(num == q.num);
    }
    CHECK(sub_ids == p->sub_id_count);
    /* no bit without its property */
    CHECK((p->present & FIELD_MASK & ~seen) == 0);
}

/* The same properties, by value: fields, user properties in order, and the
 * first subscription identifier (an encoder writes only that one). */
static void check_same_props(const mqtts_props *a, const mqtts_props *b, bool sub_id_kept)
{
    mqtts_property qa, qb;
    size_t pa = 0, pb = 0;

    CHECK((a->present & FIELD_MASK) == (b->present & FIELD_MASK));
    for (uint8_t id = 1; id < 64; id++) {
        uint32_t na, nb;
        mqtts_bin ba, bb;

        if (!prop_is_field(id) || !(a->present & MQTTS_PROP_BIT(id)))
            continue;
        prop_field(a, id, &na, &ba);
        prop_field(b, id, &nb, &bb);
        CHECK(na == nb && bin_eq(ba, bb));
    }
    for (;;) {
        bool more_a, more_b;

        do
            more_a = mqtts_prop_next(a, &pa, &qa);
        while (more_a && qa.id != MQTTS_PROP_USER_PROPERTY);
        do
            more_b = mqtts_prop_next(b, &pb, &qb);
        while (more_b && qb.id != MQTTS_PROP_USER_PROPERTY);
        CHECK(more_a == more_b);
        if (!more_a)
            break;
        CHECK(bin_eq(qa.bin, qb.bin) && bin_eq(qa.value, qb.value));
    }
    if (sub_id_kept && a->sub_id_count > 0) {
        CHECK(b->sub_id_count == 1 && b->subscription_identifier == a->subscription_identifier);
    } else {
        CHECK(b->sub_id_count == 0);
    }
}

/* Decoded properties made ready for an encoder: user properties gathered
 * from the block into `user` (count_user_props() entries), at most the first
 * subscription identifier. */
static mqtts_props props_for_encode(const mqtts_props *in, mqtts_user_property *user,
                                    bool keep_sub_id)
{
    mqtts_props out = *in;
    mqtts_property q;
    size_t pos = 0, n = 0;

    while (mqtts_prop_next(in, &pos, &q)) {
        if (q.id != MQTTS_PROP_USER_PROPERTY)
            continue;
        user[n].name.ptr = (const char *)q.bin.ptr;
        user[n].name.len = q.bin.len;
        user[n].value.ptr = (const char *)q.value.ptr;
        user[n].value.len = q.value.len;
        n++;
    }
    out.user = n ? user : NULL;
    out.user_count = (uint16_t)n;
    out.present &= ~MQTTS_PROP_BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER);
    if (keep_sub_id && in->sub_id_count > 0)
        out.present |= MQTTS_PROP_BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER);
    out.sub_id_count = 0;
    out.raw = mqtts_bytes(NULL, 0);
    return out;
}

/* ---------------------------------------------------------------------- */
/* "Size, then encode" for one encoder, through one function. */

typedef struct encoding {
    mqtts_version v;
    uint8_t where;          /* a packet type, or MQTTS_WILL_PROPERTIES */
    bool props_only;        /* mqtts_props_encode() instead of a packet */
    bool header_only;       /* mqtts_encode_publish_header() */
    const mqtts_packet *pkt;
    const mqtts_props *props;
} encoding;

static mqtts_err encode_with(const encoding *c, uint8_t *buf, size_t cap, size_t *len)
{
    const mqtts_packet *p = c->pkt;

    if (c->props_only)
        return mqtts_props_encode(c->props, c->where, buf, cap, len);
    switch (p->type) {
    case MQTTS_PUBLISH:
        if (c->header_only)
            return mqtts_encode_publish_header(c->v, &p->u.publish, buf, cap, len);
        return mqtts_encode_publish(c->v, &p->u.publish, buf, cap, len);
    case MQTTS_PUBACK:
    case MQTTS_PUBREC:
    case MQTTS_PUBREL:
    case MQTTS_PUBCOMP:
        return mqtts_encode_ack(c->v, p->type, &p->u.ack, buf, cap, len);
    case MQTTS_DISCONNECT:
        return mqtts_encode_disconnect(c->v, &p->u.disconnect, buf, cap, len);
    case MQTTS_AUTH:
        return mqtts_encode_auth(c->v, &p->u.auth, buf, cap, len);
    default:
        return MQTTS_ERR_INVALID_ARGUMENT;
    }
}

/* Encodes exactly as the buffer contract says, or returns NULL when the
 * encoder refuses the input. Checks: cap 0 gives the size; the exact size
 * works; one byte less fails without writing past the end. */
static uint8_t *encode_exact(const encoding *c, size_t *out_len)
{
    size_t need = 0, len = 0;
    uint8_t *buf, *small;
    mqtts_err e = encode_with(c, NULL, 0, &need);

    check_err(e);
    CHECK(e != MQTTS_OK && e != MQTTS_NEED_MORE); /* nothing fits in 0 bytes */
    if (e != MQTTS_ERR_BUFFER_TOO_SMALL)
        return NULL;
    CHECK(need >= 1);
    buf = alloc_bytes(need);
    e = encode_with(c, buf, need, &len);
    check_err(e);
    if (e != MQTTS_OK) {
        CHECK(e != MQTTS_ERR_BUFFER_TOO_SMALL);
        free(buf);
        return NULL;
    }
    CHECK(len == need);
    small = alloc_bytes(need - 1);
    len = 0;
    CHECK(encode_with(c, need > 1 ? small : NULL, need - 1, &len) == MQTTS_ERR_BUFFER_TOO_SMALL);
    CHECK(len == need);
    free(small);
    *out_len = need;
    return buf;
}

/* ---------------------------------------------------------------------- */
/* 3. Property blocks on their own. */

static const uint8_t prop_places[] = {
    MQTTS_WILL_PROPERTIES, MQTTS_CONNECT,  MQTTS_CONNACK,     MQTTS_PUBLISH,
    MQTTS_PUBACK,          MQTTS_PUBREC,   MQTTS_PUBREL,      MQTTS_PUBCOMP,
    MQTTS_SUBSCRIBE,       MQTTS_SUBACK,   MQTTS_UNSUBSCRIBE, MQTTS_UNSUBACK,
    MQTTS_DISCONNECT,      MQTTS_AUTH,
};

static void reencode_props(const mqtts_props *props, uint8_t where)
{
    size_t users = count_user_props(props);
    mqtts_user_property *user = malloc((users ? users : 1) * sizeof *user);
    mqtts_props in;
    encoding c = {MQTTS_V5, where, true, false, NULL, NULL};
    uint8_t *enc, *enc2;
    size_t len = 0, len2 = 0, used = 0;
    mqtts_props back;

    if (user == NULL)
        abort();
    in = props_for_encode(props, user, true);
    c.props = &in;
    enc = encode_exact(&c, &len);
    if (enc != NULL) {
        memset(&back, 0, sizeof back);
        CHECK(mqtts_props_decode(enc, len, where, &back, &used) == MQTTS_OK);
        CHECK(used == len);
        check_props(MQTTS_V5, &back, where, enc, len);
        check_same_props(props, &back, true);
        /* and the encoding is canonical: once more gives the same bytes */
        in = props_for_encode(&back, user, true);
        enc2 = encode_exact(&c, &len2);
        CHECK(enc2 != NULL && len2 == len && memcmp(enc, enc2, len) == 0);
        free(enc2);
        free(enc);
    }
    free(user);
}

static void check_prop_blocks(const uint8_t *data, size_t size)
{
    uint8_t *p = dup_bytes(data, size);

    for (size_t i = 0; i < sizeof prop_places; i++) {
        mqtts_props props;
        size_t used = 0;
        mqtts_err e;

        memset(&props, 0, sizeof props);
        e = mqtts_props_decode(p, size, prop_places[i], &props, &used);
        check_err(e);
        if (e != MQTTS_OK)
            continue;
        CHECK(used >= 1 && used <= size);
        check_props(MQTTS_V5, &props, prop_places[i], p, used);
        reencode_props(&props, prop_places[i]);
    }
    free(p);
}

/* ---------------------------------------------------------------------- */
/* 1. Packets: decoding, and encoding again what was decoded. */

static bool is_reason_failure(mqtts_version v, uint8_t code)
{
    return v == MQTTS_V311 ? code != 0 : code >= 0x80;
}

static void check_reason(mqtts_version v, mqtts_packet_type t, uint8_t code)
{
    check_name(mqtts_reason_name(v, t, code));
    CHECK(mqtts_reason_allowed(v, t, code));
}

static void check_publish(mqtts_version v, const mqtts_packet *pkt, const uint8_t *buf,
                          size_t len)
{
    const mqtts_publish *p = &pkt->u.publish;

    CHECK(p->qos <= 2);
    CHECK(p->qos == ((pkt->flags >> 1) & 3));
    CHECK(p->dup == ((pkt->flags & 8) != 0));
    CHECK(p->retain == ((pkt->flags & 1) != 0));
    CHECK(!(p->dup && p->qos == 0));
    CHECK(p->qos == 0 || p->packet_id != 0);
    check_view(p->topic.ptr, p->topic.len, buf, len);
    check_view(p->payload.ptr, p->payload.len, buf, len);
    if (p->payload.len > 0)
        CHECK(p->payload.ptr + p->payload.len == buf + len); /* the rest of the packet */
    if (p->topic.len > 0)
        CHECK(mqtts_topic_name_check(p->topic.ptr, p->topic.len) == MQTTS_OK);
    else
        CHECK(v == MQTTS_V5 && (p->props.present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS)));
    if (p->props.present & MQTTS_PROP_BIT(MQTTS_PROP_TOPIC_ALIAS))
        CHECK(p->props.topic_alias != 0);
}

static void check_suback(mqtts_version v, const mqtts_packet *pkt, const uint8_t *buf,
                         size_t len)
{
    const mqtts_suback *s = &pkt->u.suback;

    CHECK(s->packet_id != 0);
    check_view(s->reasons.ptr, s->reasons.len, buf, len);
    if (v == MQTTS_V311 && pkt->type == MQTTS_UNSUBACK)
        CHECK(s->reasons.len == 0);
    else
        CHECK(s->reasons.len >= 1 && s->reasons.ptr + s->reasons.len == buf + len);
    for (size_t i = 0; i < s->reasons.len; i++)
        check_reason(v, pkt->type, s->reasons.ptr[i]);
}

/* Everything a decoded packet promises (its properties aside). */
static void check_decoded(mqtts_version v, const mqtts_packet *pkt, const uint8_t *buf,
                          size_t len)
{
    CHECK((uint8_t)pkt->type == buf[0] >> 4);
    CHECK(pkt->flags == (buf[0] & 0x0F));
    switch (pkt->type) {
    case MQTTS_CONNACK:
        check_reason(v, pkt->type, pkt->u.connack.reason);
        CHECK(v == MQTTS_V5 || pkt->u.connack.reason <= 5);
        if (is_reason_failure(v, pkt->u.connack.reason))
            CHECK(!pkt->u.connack.session_present);
        return;
    case MQTTS_PUBLISH:
        check_publish(v, pkt, buf, len);
        return;
    case MQTTS_PUBACK:
    case MQTTS_PUBREC:
    case MQTTS_PUBREL:
    case MQTTS_PUBCOMP:
        CHECK(pkt->u.ack.packet_id != 0);
        CHECK(pkt->flags == (pkt->type == MQTTS_PUBREL ? 2 : 0));
        if (v == MQTTS_V5)
            check_reason(v, pkt->type, pkt->u.ack.reason);
        return;
    case MQTTS_SUBACK:
    case MQTTS_UNSUBACK:
        check_suback(v, pkt, buf, len);
        return;
    case MQTTS_PINGRESP:
        CHECK(len == 2);
        return;
    case MQTTS_DISCONNECT:
    case MQTTS_AUTH:
        CHECK(pkt->type == MQTTS_DISCONNECT || v == MQTTS_V5);
        if (v == MQTTS_V5)
            check_reason(v, pkt->type, pkt->u.disconnect.reason);
        return;
    case MQTTS_CONNECT:
    case MQTTS_SUBSCRIBE:
    case MQTTS_UNSUBSCRIBE:
    case MQTTS_PINGREQ:
        break;
    }
    broken(__FILE__, __LINE__, "decoded a packet a client never receives");
}

static void check_same_packet(const mqtts_packet *a, const mqtts_packet *b, bool sub_id_kept)
{
    CHECK(a->type == b->type);
    switch (a->type) {
    case MQTTS_PUBLISH:
        CHECK(a->u.publish.qos == b->u.publish.qos);
        CHECK(a->u.publish.retain == b->u.publish.retain);
        CHECK(a->u.publish.dup == b->u.publish.dup);
        CHECK(a->u.publish.packet_id == b->u.publish.packet_id);
        CHECK(bin_eq(str_bin(a->u.publish.topic), str_bin(b->u.publish.topic)));
        CHECK(bin_eq(a->u.publish.payload, b->u.publish.payload));
        check_same_props(&a->u.publish.props, &b->u.publish.props, sub_id_kept);
        break;
    case MQTTS_PUBACK:
    case MQTTS_PUBREC:
    case MQTTS_PUBREL:
    case MQTTS_PUBCOMP:
        CHECK(a->u.ack.packet_id == b->u.ack.packet_id);
        CHECK(a->u.ack.reason == b->u.ack.reason);
        check_same_props(&a->u.ack.props, &b->u.ack.props, sub_id_kept);
        break;
    default: /* DISCONNECT, AUTH */
        CHECK(a->u.disconnect.reason == b->u.disconnect.reason);
        check_same_props(&a->u.disconnect.props, &b->u.disconnect.props, sub_id_kept);
        break;
    }
}

/* The property block of a packet that has one, NULL for PINGRESP. */
static mqtts_props *props_of(mqtts_packet *p)
{
    switch (p->type) {
    case MQTTS_CONNACK:
        return &p->u.connack.props;
    case MQTTS_PUBLISH:
        return &p->u.publish.props;
    case MQTTS_PUBACK:
    case MQTTS_PUBREC:
    case MQTTS_PUBREL:
    case MQTTS_PUBCOMP:
        return &p->u.ack.props;
    case MQTTS_SUBACK:
    case MQTTS_UNSUBACK:
        return &p->u.suback.props;
    case MQTTS_DISCONNECT:
    case MQTTS_AUTH:
        return &p->u.disconnect.props;
    default:
        return NULL;
    }
}

/* Encoding a decoded packet for the same version and decoding that must give
 * the same fields; encoding is canonical (doing it twice gives the same
 * bytes), and 3.1.1 has one encoding only, so there it is the input itself. */
static void reencode_packet(mqtts_version v, mqtts_packet *pkt, const uint8_t *orig,
                            size_t orig_len)
{
    size_t users = count_user_props(props_of(pkt));
    mqtts_user_property *user = malloc((users ? users : 1) * sizeof *user);
    mqtts_packet in = *pkt, back;
    encoding c = {v, 0, false, false, &in, NULL};
    uint8_t *enc = NULL, *enc2, *hdr;
    size_t len = 0, len2 = 0, hdr_len = 0;
    bool keep_sub_id = true;

    if (user == NULL)
        abort();
    for (int attempt = 0; attempt < 2 && enc == NULL; attempt++) {
        keep_sub_id = attempt == 0; /* a client may not send one [MQTT-3.3.4-6] */
        *props_of(&in) = props_for_encode(props_of(pkt), user, keep_sub_id);
        enc = encode_exact(&c, &len);
    }
    if (enc == NULL) {
        free(user);
        return;
    }
    memset(&back, 0, sizeof back);
    CHECK(mqtts_decode(v, enc, len, &back) == MQTTS_OK);
    check_same_packet(pkt, &back, keep_sub_id);
    if (v == MQTTS_V311)
        CHECK(len == orig_len && memcmp(enc, orig, len) == 0);

    if (pkt->type == MQTTS_PUBLISH) { /* header + payload == the whole packet */
        c.header_only = true;
        hdr = encode_exact(&c, &hdr_len);
        CHECK(hdr != NULL && hdr_len + in.u.publish.payload.len == len);
        CHECK(memcmp(hdr, enc, hdr_len) == 0);
        CHECK(bin_eq(mqtts_bytes(enc + hdr_len, len - hdr_len), in.u.publish.payload));
        free(hdr);
        c.header_only = false;
    }

    in = back;
    *props_of(&in) = props_for_encode(props_of(&back), user, keep_sub_id);
    enc2 = encode_exact(&c, &len2);
    CHECK(enc2 != NULL && len2 == len && memcmp(enc, enc2, len) == 0);
    free(enc2);
    free(enc);
    free(user);
}

static bool reencodable(mqtts_packet_type t)
{
    return t == MQTTS_PUBLISH || (t >= MQTTS_PUBACK && t <= MQTTS_PUBCOMP) ||
           t == MQTTS_DISCONNECT || t == MQTTS_AUTH;
}

static void check_packet(const uint8_t *data, size_t len)
{
    static const mqtts_version versions[] = {MQTTS_V311, MQTTS_V5};
    uint8_t *buf, *cut;

    CHECK(len >= 2); /* framed */
    buf = dup_bytes(data, len);
    cut = dup_bytes(data, len - 1);

    for (size_t i = 0; i < 2; i++) {
        mqtts_version v = versions[i];
        mqtts_packet pkt, scratch;
        mqtts_props *props;
        mqtts_err e;

        /* a packet cut short never decodes */
        memset(&scratch, 0, sizeof scratch);
        CHECK(mqtts_decode(v, cut, len - 1, &scratch) < 0);

        memset(&pkt, 0, sizeof pkt);
        e = mqtts_decode(v, buf, len, &pkt);
        check_err(e);
        CHECK(e == MQTTS_OK || e < 0);
        if (e != MQTTS_OK)
            continue;
        check_decoded(v, &pkt, buf, len);
        props = props_of(&pkt);
        if (props != NULL)
            check_props(v, props, (uint8_t)pkt.type, buf, len);
        if (reencodable(pkt.type))
            reencode_packet(v, &pkt, buf, len);
    }
    free(cut);
    free(buf);
}

/* ---------------------------------------------------------------------- */
/* Framing. */

/* What mqtts_frame() must say about s[0..n), from the spec alone. */
static mqtts_err ref_frame(const uint8_t *s, size_t n, size_t *packet_len)
{
    uint32_t rl = 0;
    size_t used = 0;
    int r;

    *packet_len = 0;
    if (n < 2)
        return MQTTS_NEED_MORE;
    r = ref_varint(s + 1, n - 1, &rl, &used);
    if (r == 0)
        return MQTTS_NEED_MORE;
    if (r < 0)
        return r == -1 ? MQTTS_ERR_VARINT_TOO_LONG : MQTTS_ERR_VARINT_NOT_MINIMAL;
    *packet_len = 1 + used + rl;
    return n >= *packet_len ? MQTTS_OK : MQTTS_NEED_MORE;
}

/* One prefix s[0..n). Only min(n, 5) bytes are really there: mqtts_frame()
 * reads at most MQTTS_FIXED_HEADER_MAX bytes, and ASan holds it to that. */
static void check_frame_prefix(const uint8_t *head, size_t n)
{
    size_t got = 12345, want = 0;
    mqtts_err e = mqtts_frame(head, n, 0, &got);
    mqtts_err ref = ref_frame(head, n, &want);

    check_err(e);
    if (e == MQTTS_ERR_PACKET_TOO_LARGE) /* the protocol's own limit, 0 = none set */
        CHECK(want > MQTTS_MAX_REMAINING_LENGTH);
    else
        CHECK(e == ref);
    if (e == MQTTS_OK)
        CHECK(got == want && got >= 2 && got <= n);
    if (e == MQTTS_NEED_MORE)
        CHECK(got == want && (got == 0 || got > n));
}

/* Every prefix of the stream at s up to the end of its first packet (or of
 * the stream), then the limits. Returns the first packet's length or 0. */
static size_t check_framing(const uint8_t *s, size_t avail)
{
    uint8_t *head[MQTTS_FIXED_HEADER_MAX + 1];
    size_t total = 0, n, last, got = 0;
    mqtts_err e = ref_frame(s, avail, &total);

    for (n = 0; n <= MQTTS_FIXED_HEADER_MAX; n++)
        head[n] = dup_bytes(s, n <= avail ? n : avail);
    last = e == MQTTS_OK ? total : e == MQTTS_NEED_MORE ? avail : (avail < 8 ? avail : 8);
    for (n = 0; n <= last; n++)
        check_frame_prefix(head[n < MQTTS_FIXED_HEADER_MAX ? n : MQTTS_FIXED_HEADER_MAX], n);
    if (e == MQTTS_OK) {
        /* a whole packet: NEED_MORE for each strict prefix was checked above */
        CHECK(mqtts_frame(s, avail, (uint32_t)total, &got) == MQTTS_OK && got == total);
        CHECK(mqtts_frame(s, avail, (uint32_t)total - 1, &got) == MQTTS_ERR_PACKET_TOO_LARGE);
    }
    for (n = 0; n <= MQTTS_FIXED_HEADER_MAX; n++)
        free(head[n]);
    return e == MQTTS_OK ? total : 0;
}

static void check_stream(const uint8_t *data, size_t size)
{
    size_t pos = 0;

    while (pos < size) {
        size_t len = check_framing(data + pos, size - pos);

        if (len == 0)
            break;
        check_packet(data + pos, len);
        pos += len;
    }
}

/* ---------------------------------------------------------------------- */
/* 4. Strings and topics. */

static void check_string(const char *s, size_t n)
{
    mqtts_err e = mqtts_utf8_check((const uint8_t *)s, n);
    bool filter_ok;

    check_err(e);
    CHECK((e == MQTTS_OK) == ref_utf8_ok((const uint8_t *)s, n));
    CHECK(e == MQTTS_OK || (e <= MQTTS_ERR_UTF8_MALFORMED && e >= MQTTS_ERR_UTF8_TOO_LARGE));

    e = mqtts_topic_name_check(s, n);
    check_err(e);
    CHECK((e == MQTTS_OK) == ref_topic_name_ok(s, n));

    e = mqtts_topic_filter_check(s, n);
    check_err(e);
    filter_ok = ref_filter_ok(s, n);
    /* "$share/a/$share/b/c": whether the inner filter is shared again is
     * not for this check to decide */
    if (!(is_shared(s, n) && shared_inner(s, n) && is_shared(s + shared_inner(s, n),
                                                             n - shared_inner(s, n))))
        CHECK((e == MQTTS_OK) == filter_ok);
}

/* A filter made from topic t that must match it: levels picked by `mask`
 * become '+', and with bit 7 the last level becomes '#'. */
static void check_derived_filter(const char *t, size_t tl, uint8_t mask)
{
    char *f = malloc(2 * tl + 2);
    size_t fl = 0, start = 0, level = 0;
    bool expect;

    if (f == NULL)
        abort();
    while (start <= tl) {
        size_t end = level_end(t, tl, start);
        bool last = end == tl;

        if (level > 0)
            f[fl++] = '/';
        if (last && (mask & 0x80)) {
            f[fl++] = '#';
        } else if (level < 7 && (mask & (1u << level))) {
            f[fl++] = '+';
        } else {
            memcpy(f + fl, t + start, end - start);
            fl += end - start;
        }
        start = end + 1;
        level++;
    }
    expect = !(t[0] == '$' && (f[0] == '+' || f[0] == '#'));
    CHECK(mqtts_topic_filter_check(f, fl) == MQTTS_OK);
    CHECK(ref_matches(f, fl, t, tl) == expect);
    CHECK(mqtts_topic_matches(f, fl, t, tl) == expect);
    free(f);
}

static void check_strings(const uint8_t *data, size_t size)
{
    size_t rest, k;
    char *a, *b;

    if (size < 1)
        return;
    rest = size - 1;
    k = data[0] % (rest + 1); /* a = data[1..1+k), b = the remainder */
    a = (char *)dup_bytes(data + 1, k);
    b = (char *)dup_bytes(data + 1 + k, rest - k);
    check_string(a, k);
    check_string(b, rest - k);
    if (mqtts_topic_filter_check(a, k) == MQTTS_OK &&
        mqtts_topic_name_check(b, rest - k) == MQTTS_OK) {
        bool m = mqtts_topic_matches(a, k, b, rest - k);

        if (!(is_shared(a, k) && is_shared(a + shared_inner(a, k), k - shared_inner(a, k))))
            CHECK(m == ref_matches(a, k, b, rest - k));
    }
    if (ref_topic_name_ok(b, rest - k) && !is_shared(b, rest - k))
        check_derived_filter(b, rest - k, k > 0 ? (uint8_t)a[0] : 0);
    free(b);
    free(a);
}

/* ---------------------------------------------------------------------- */

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    check_stream(data, size);
    check_varint(data, size);
    check_prop_blocks(data, size);
    check_strings(data, size);
    return 0;
}
