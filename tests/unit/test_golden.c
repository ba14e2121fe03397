/*
 * Golden tests: the hand-written vectors of tests/golden/vectors.c, checked
 * in both directions.
 *
 *   - A vector the client SENDS: build the struct, encode it, and require the
 *     exact bytes; then the "size, then encode" contract: cap 0 / buf NULL
 *     and cap len-1 give MQTTS_ERR_BUFFER_TOO_SMALL with *len the exact size,
 *     and an exactly sized heap buffer (so AddressSanitizer sees any write
 *     past cap) gives MQTTS_OK.
 *   - A vector the client RECEIVES: mqtts_frame() finds the whole packet,
 *     mqtts_decode() succeeds, and every field is what the vector says.
 *     Strings are compared by content and length and must be views into the
 *     input; properties are checked through `present`, the fields, and a walk
 *     with mqtts_prop_next() in wire order.
 *   - GOLDEN_BOTH vectors get both. PUBLISH vectors also check
 *     mqtts_encode_publish_header() + payload == the whole vector.
 *
 * Decoded structs are filled with 0xFF before decoding, so a field the
 * decoder forgets to set (a stale `present` bit, say) shows up as a failure.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtts/packet.h"
#include "vectors.h"

#define BIT(id) MQTTS_PROP_BIT(id)
#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define S(lit) { (lit), sizeof(lit) - 1 }

/* ---------------------------------------------------------------------- */
/* Encoding                                                                */

typedef enum enc_kind {
    ENC_CONNECT,
    ENC_PUBLISH,
    ENC_PUBLISH_HEADER,
    ENC_ACK,
    ENC_SUBSCRIBE,
    ENC_UNSUBSCRIBE,
    ENC_PINGREQ,
    ENC_DISCONNECT,
    ENC_AUTH,
} enc_kind;

typedef struct enc_job {
    enc_kind kind;
    mqtts_version v;
    mqtts_packet_type ack_type; /* ENC_ACK only */
    const void *p;
} enc_job;

static mqtts_err run_encode(const enc_job *j, uint8_t *buf, size_t cap, size_t *len)
{
    switch (j->kind) {
    case ENC_CONNECT:
        return mqtts_encode_connect(j->v, j->p, buf, cap, len);
    case ENC_PUBLISH:
        return mqtts_encode_publish(j->v, j->p, buf, cap, len);
    case ENC_PUBLISH_HEADER:
        return mqtts_encode_publish_header(j->v, j->p, buf, cap, len);
    case ENC_ACK:
        return mqtts_encode_ack(j->v, j->ack_type, j->p, buf, cap, len);
    case ENC_SUBSCRIBE:
        return mqtts_encode_subscribe(j->v, j->p, buf, cap, len);
    case ENC_UNSUBSCRIBE:
        return mqtts_encode_unsubscribe(j->v, j->p, buf, cap, len);
    case ENC_PINGREQ:
        return mqtts_encode_pingreq(buf, cap, len);
    case ENC_DISCONNECT:
        return mqtts_encode_disconnect(j->v, j->p, buf, cap, len);
    case ENC_AUTH:
        return mqtts_encode_auth(j->v, j->p, buf, cap, len);
    }
    return MQTTS_ERR_INVALID_ARGUMENT;
}

static void hexdump(const char *what, const uint8_t *b, size_t n)
{
    size_t i;

    print_error("%s (%zu bytes):", what, n);
    for (i = 0; i < n; i++)
        print_error(" %02X", b[i]);
    print_error("\n");
}

/* Encode with job j and require exactly want[0..want_len), plus the
 * size-then-encode contract. */
static void check_encode_bytes(const char *name, const enc_job *j, const uint8_t *want,
                               size_t want_len)
{
    uint8_t big[1024];
    uint8_t *heap;
    size_t n;
    size_t i;
    mqtts_err rc;

    assert_true(want_len >= 2 && want_len < sizeof big);

    /* 1. A generous buffer: exact bytes. */
    memset(big, 0xA5, sizeof big);
    n = 0xDEAD;
    rc = run_encode(j, big, sizeof big, &n);
    if (rc != MQTTS_OK || n != want_len || memcmp(big, want, want_len) != 0) {
        print_error("vector %s: encode rc %d, len %zu (want %zu)\n", name, (int)rc, n, want_len);
        hexdump("  want", want, want_len);
        if (rc == MQTTS_OK)
            hexdump("  got ", big, n < sizeof big ? n : sizeof big);
    }
    assert_int_equal(rc, MQTTS_OK);
    assert_int_equal(n, want_len);
    assert_memory_equal(big, want, want_len);

    /* 2. Size query: buf NULL, cap 0. */
    n = 0;
    assert_int_equal(run_encode(j, NULL, 0, &n), MQTTS_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, want_len);

    /* 3. One byte short, in a heap block of exactly that size. */
    heap = malloc(want_len - 1);
    assert_non_null(heap);
    memset(heap, 0xA5, want_len - 1);
    n = 0;
    assert_int_equal(run_encode(j, heap, want_len - 1, &n), MQTTS_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, want_len);
    free(heap);

    /* 3b. A one-byte buffer (the smallest non-empty one). */
    memset(big, 0xA5, sizeof big);
    n = 0;
    assert_int_equal(run_encode(j, big, 1, &n), MQTTS_ERR_BUFFER_TOO_SMALL);
    assert_int_equal(n, want_len);
    for (i = 1; i < 16; i++)
        assert_int_equal(big[i], 0xA5); /* nothing written beyond cap */

    /* 4. Exactly the right size, on the heap. */
    heap = malloc(want_len);
    assert_non_null(heap);
    n = 0;
    assert_int_equal(run_encode(j, heap, want_len, &n), MQTTS_OK);
    assert_int_equal(n, want_len);
    assert_memory_equal(heap, want, want_len);
    free(heap);
}

static void check_encode(const enc_job *j, const char *name)
{
    const golden_vector *g = golden_find(name);

    assert_int_not_equal(g->direction, GOLDEN_CLIENT_RECEIVES);
    if (j->kind != ENC_PINGREQ)
        assert_int_equal(g->version, j->v);
    check_encode_bytes(name, j, g->bytes, g->len);
}

static void encode_connect(mqtts_version v, const mqtts_connect *c, const char *name)
{
    enc_job j = { ENC_CONNECT, v, MQTTS_CONNECT, c };
    check_encode(&j, name);
}

static void encode_subscribe(mqtts_version v, const mqtts_subscribe *s, const char *name)
{
    enc_job j = { ENC_SUBSCRIBE, v, MQTTS_SUBSCRIBE, s };
    check_encode(&j, name);
}

static void encode_unsubscribe(mqtts_version v, const mqtts_unsubscribe *u, const char *name)
{
    enc_job j = { ENC_UNSUBSCRIBE, v, MQTTS_UNSUBSCRIBE, u };
    check_encode(&j, name);
}

static void encode_ack(mqtts_version v, mqtts_packet_type t, const mqtts_ack *a, const char *name)
{
    enc_job j = { ENC_ACK, v, t, a };
    check_encode(&j, name);
}

static void encode_disconnect(mqtts_version v, const mqtts_disconnect *d, const char *name)
{
    enc_job j = { ENC_DISCONNECT, v, MQTTS_DISCONNECT, d };
    check_encode(&j, name);
}

static void encode_auth(mqtts_version v, const mqtts_auth *a, const char *name)
{
    enc_job j = { ENC_AUTH, v, MQTTS_AUTH, a };
    check_encode(&j, name);
}

/* PUBLISH: the whole packet, then header + payload == the whole packet,
 * also with payload.ptr NULL for the header. */
static void encode_publish(mqtts_version v, const mqtts_publish *p, const char *name)
{
    const golden_vector *g = golden_find(name);
    enc_job whole = { ENC_PUBLISH, v, MQTTS_PUBLISH, p };
    enc_job header = { ENC_PUBLISH_HEADER, v, MQTTS_PUBLISH, p };
    mqtts_publish no_ptr = *p;
    enc_job header_np = { ENC_PUBLISH_HEADER, v, MQTTS_PUBLISH, &no_ptr };
    uint8_t cat[1024];
    size_t hlen, n;

    check_encode(&whole, name);

    assert_true(g->len >= p->payload.len);
    hlen = g->len - p->payload.len;
    check_encode_bytes(name, &header, g->bytes, hlen);

    no_ptr.payload.ptr = NULL;
    check_encode_bytes(name, &header_np, g->bytes, hlen);

    /* header, then the payload from where it is: the whole vector */
    n = 0;
    assert_int_equal(mqtts_encode_publish_header(v, p, cat, sizeof cat, &n), MQTTS_OK);
    assert_int_equal(n, hlen);
    if (p->payload.len)
        memcpy(cat + n, p->payload.ptr, p->payload.len);
    assert_int_equal(n + p->payload.len, g->len);
    assert_memory_equal(cat, g->bytes, g->len);
}

/* ---------------------------------------------------------------------- */
/* Decoding                                                                */

static const golden_vector *decode_golden(const char *name, mqtts_packet *pkt)
{
    const golden_vector *g = golden_find(name);
    size_t plen = 0;
    mqtts_err rc;

    assert_int_not_equal(g->direction, GOLDEN_CLIENT_SENDS);
    assert_int_equal(mqtts_frame(g->bytes, g->len, 0, &plen), MQTTS_OK);
    assert_int_equal(plen, g->len);

    memset(pkt, 0xFF, sizeof *pkt);
    rc = mqtts_decode(g->version, g->bytes, g->len, pkt);
    if (rc != MQTTS_OK)
        print_error("vector %s: mqtts_decode rc %d (%s)\n", name, (int)rc, mqtts_strerror(rc));
    assert_int_equal(rc, MQTTS_OK);
    assert_int_equal(pkt->type, g->bytes[0] >> 4);
    assert_int_equal(pkt->flags, g->bytes[0] & 0x0F);
    return g;
}

/* A view of `want_len` bytes equal to `want`, pointing into the vector. */
static void check_view(const void *ptr, size_t len, const void *want, size_t want_len,
                       const golden_vector *g)
{
    const uint8_t *p = ptr;

    assert_int_equal(len, want_len);
    if (want_len == 0)
        return;
    assert_non_null(p);
    assert_memory_equal(p, want, want_len);
    assert_true(p >= g->bytes && p + len <= g->bytes + g->len);
}

#define CHECK_STR(view, lit, g) check_view((view).ptr, (view).len, (lit), sizeof(lit) - 1, (g))
#define CHECK_BIN(view, lit, g) check_view((view).ptr, (view).len, (lit), sizeof(lit) - 1, (g))

/* The wire type of each property, from the table in MQTT 5.0 s2.2.2.2. */
static mqtts_prop_type spec_type(uint8_t id)
{
    switch (id) {
    case 0x01: case 0x17: case 0x19: case 0x24: case 0x25: case 0x28: case 0x29: case 0x2A:
        return MQTTS_PTYPE_BYTE;
    case 0x13: case 0x21: case 0x22: case 0x23:
        return MQTTS_PTYPE_U16;
    case 0x02: case 0x11: case 0x18: case 0x27:
        return MQTTS_PTYPE_U32;
    case 0x0B:
        return MQTTS_PTYPE_VARINT;
    case 0x03: case 0x08: case 0x12: case 0x15: case 0x1A: case 0x1C: case 0x1F:
        return MQTTS_PTYPE_STRING;
    case 0x09: case 0x16:
        return MQTTS_PTYPE_BINARY;
    case 0x26:
        return MQTTS_PTYPE_STRING_PAIR;
    default:
        return MQTTS_PTYPE_NONE;
    }
}

/* One expected property in a walk. */
typedef struct exp_prop {
    uint8_t id;
    uint32_t num;
    const char *a; /* string / binary value, or a pair's name */
    size_t alen;
    const char *b; /* a pair's value */
    size_t blen;
} exp_prop;

#define PN(id, n) { (id), (n), NULL, 0, NULL, 0 }
#define PS(id, s) { (id), 0, (s), sizeof(s) - 1, NULL, 0 }
#define PU(name, value) { MQTTS_PROP_USER_PROPERTY, 0, (name), sizeof(name) - 1, (value), sizeof(value) - 1 }

typedef struct exp_props {
    uint64_t present;  /* exact single-valued `present` bits expected */
    uint64_t ignore;   /* further `present` bits not checked (none so far) */
    size_t raw_off;    /* offset of the block (after its length) in the vector */
    size_t raw_len;    /* property length */
    uint16_t sub_ids;  /* expected sub_id_count */
    const exp_prop *walk;
    size_t n;
} exp_props;

static void check_walk(const mqtts_props *p, const golden_vector *g, const exp_prop *want, size_t n)
{
    size_t pos = 0;
    size_t i;
    mqtts_property pr;

    for (i = 0; i < n; i++) {
        memset(&pr, 0xFF, sizeof pr);
        if (!mqtts_prop_next(p, &pos, &pr)) {
            print_error("vector %s: walk ended after %zu properties, want %zu\n", g->name, i, n);
            fail();
        }
        if (pr.id != want[i].id)
            print_error("vector %s: property #%zu is 0x%02X, want 0x%02X\n", g->name, i,
                        pr.id, want[i].id);
        assert_int_equal(pr.id, want[i].id);
        assert_int_equal(pr.type, spec_type(want[i].id));
        switch (spec_type(want[i].id)) {
        case MQTTS_PTYPE_BYTE:
        case MQTTS_PTYPE_U16:
        case MQTTS_PTYPE_U32:
        case MQTTS_PTYPE_VARINT:
            assert_int_equal(pr.num, want[i].num);
            break;
        case MQTTS_PTYPE_STRING:
        case MQTTS_PTYPE_BINARY:
            check_view(pr.bin.ptr, pr.bin.len, want[i].a, want[i].alen, g);
            break;
        case MQTTS_PTYPE_STRING_PAIR:
            check_view(pr.bin.ptr, pr.bin.len, want[i].a, want[i].alen, g);
            check_view(pr.value.ptr, pr.value.len, want[i].b, want[i].blen, g);
            break;
        case MQTTS_PTYPE_NONE:
            fail();
        }
    }
    if (mqtts_prop_next(p, &pos, &pr)) {
        print_error("vector %s: walk has more than %zu properties (next 0x%02X)\n", g->name, n,
                    pr.id);
        fail();
    }
    /* the end stays the end */
    assert_false(mqtts_prop_next(p, &pos, &pr));
}

static void check_props(const mqtts_props *p, const golden_vector *g, const exp_props *e)
{
    /* The properties that may repeat. The header defines `present` for the
     * single-valued ones; for these the decoder may set the bit as "at least
     * one" (it does), but never without one being there. */
    const uint64_t repeatable = BIT(MQTTS_PROP_USER_PROPERTY) |
                                BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER);
    const uint64_t single = p->present & ~repeatable & ~e->ignore;
    size_t i, n_user = 0, n_sub = 0;

    for (i = 0; i < e->n; i++) {
        n_user += e->walk[i].id == MQTTS_PROP_USER_PROPERTY;
        n_sub += e->walk[i].id == MQTTS_PROP_SUBSCRIPTION_IDENTIFIER;
    }
    if (single != e->present)
        print_error("vector %s: present (single-valued) 0x%016llX, want 0x%016llX\n", g->name,
                    (unsigned long long)single, (unsigned long long)e->present);
    assert_int_equal(single, e->present);
    if (p->present & BIT(MQTTS_PROP_USER_PROPERTY))
        assert_true(n_user > 0);
    if (p->present & BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER))
        assert_true(n_sub > 0);
    if (p->user_count != 0) /* not documented for decode; if set, it must be right */
        assert_int_equal(p->user_count, n_user);
    assert_int_equal(p->sub_id_count, n_sub);
    assert_int_equal(p->sub_id_count, e->sub_ids);
    assert_int_equal(p->raw.len, e->raw_len);
    if (e->raw_len)
        assert_ptr_equal(p->raw.ptr, g->bytes + e->raw_off);
    assert_null(p->user);
    check_walk(p, g, e->walk, e->n);
}

/* No properties at all (3.1.1 packets, v5 short forms, empty blocks). */
static void check_no_props(const mqtts_props *p, const golden_vector *g)
{
    exp_props e = { 0, 0, 0, 0, 0, NULL, 0 };
    check_props(p, g, &e);
}

/* Decode a PUBLISH and compare it with the struct it was encoded from. */
static const golden_vector *decode_publish(const char *name, const mqtts_publish *want,
                                           mqtts_packet *pkt)
{
    const golden_vector *g = decode_golden(name, pkt);
    const mqtts_publish *got = &pkt->u.publish;

    assert_int_equal(pkt->type, MQTTS_PUBLISH);
    assert_int_equal(got->qos, want->qos);
    assert_int_equal(got->retain, want->retain);
    assert_int_equal(got->dup, want->dup);
    if (want->qos > 0)
        assert_int_equal(got->packet_id, want->packet_id);
    check_view(got->topic.ptr, got->topic.len, want->topic.ptr, want->topic.len, g);
    check_view(got->payload.ptr, got->payload.len, want->payload.ptr, want->payload.len, g);
    return g;
}

/* Decode an ack and check type, packet id and reason. */
static const golden_vector *decode_ack(const char *name, mqtts_packet_type t, uint16_t id,
                                       uint8_t reason, mqtts_packet *pkt)
{
    const golden_vector *g = decode_golden(name, pkt);

    assert_int_equal(pkt->type, t);
    assert_int_equal(pkt->flags, t == MQTTS_PUBREL ? 2 : 0);
    assert_int_equal(pkt->u.ack.packet_id, id);
    assert_int_equal(pkt->u.ack.reason, reason);
    return g;
}

/* ====================================================================== */
/* MQTT 3.1.1: CONNECT                                                    */

static void test_connect_v311_minimal(void **state)
{
    mqtts_connect c = { 0 };
    (void)state;

    c.clean_start = true;
    c.keep_alive = 60;
    c.client_id = mqtts_cstr("mqtts");
    encode_connect(MQTTS_V311, &c, "v311_connect_minimal");
}

static void test_connect_v311_empty_client_id(void **state)
{
    mqtts_connect c = { 0 };
    (void)state;

    c.clean_start = true;
    c.keep_alive = 0;
    c.client_id = mqtts_cstr("");
    encode_connect(MQTTS_V311, &c, "v311_connect_empty_client_id");
}

static void test_connect_v311_will_user_pass(void **state)
{
    mqtts_will w = { 0 };
    mqtts_connect c = { 0 };
    (void)state;

    w.topic = mqtts_cstr("status/client-1");
    w.payload = mqtts_bytes("offline", 7);
    w.qos = 1;
    w.retain = true;
    c.clean_start = true;
    c.keep_alive = 30;
    c.client_id = mqtts_cstr("client-1");
    c.username = mqtts_cstr("alice");
    c.password = mqtts_bytes("\x01\x02\x00\xFF", 4);
    c.will = &w;
    encode_connect(MQTTS_V311, &c, "v311_connect_will_user_pass");
}

static void test_connect_v311_will_qos2_user(void **state)
{
    mqtts_will w = { 0 };
    mqtts_connect c = { 0 };
    (void)state;

    w.topic = mqtts_cstr("a/b");
    w.payload = mqtts_bytes("", 0);
    w.qos = 2;
    w.retain = false;
    c.clean_start = false;
    c.keep_alive = 65535;
    c.client_id = mqtts_cstr("c");
    c.username = mqtts_cstr("u");
    c.will = &w;
    encode_connect(MQTTS_V311, &c, "v311_connect_will_qos2_user");
}

/* MQTT 3.1.1: CONNACK ------------------------------------------------- */

static void check_connack_v311(const char *name, bool sp, uint8_t rc)
{
    mqtts_packet pkt;
    const golden_vector *g = decode_golden(name, &pkt);

    assert_int_equal(pkt.type, MQTTS_CONNACK);
    assert_int_equal(pkt.u.connack.session_present, sp);
    assert_int_equal(pkt.u.connack.reason, rc);
    check_no_props(&pkt.u.connack.props, g);
}

static void test_connack_v311_accepted(void **state)
{
    (void)state;
    check_connack_v311("v311_connack_accepted", false, MQTTS_V311_CONNACK_ACCEPTED);
}

static void test_connack_v311_session_present(void **state)
{
    (void)state;
    check_connack_v311("v311_connack_session_present", true, MQTTS_V311_CONNACK_ACCEPTED);
}

static void test_connack_v311_not_authorized(void **state)
{
    (void)state;
    check_connack_v311("v311_connack_not_authorized", false, MQTTS_V311_CONNACK_NOT_AUTHORIZED);
}

/* MQTT 3.1.1: PUBLISH ------------------------------------------------- */

static void check_publish_v311(const char *name, const mqtts_publish *p)
{
    mqtts_packet pkt;
    const golden_vector *g;

    encode_publish(MQTTS_V311, p, name);
    g = decode_publish(name, p, &pkt);
    check_no_props(&pkt.u.publish.props, g);
}

static void test_publish_v311_qos0(void **state)
{
    mqtts_publish p = { 0 };
    (void)state;

    p.topic = mqtts_cstr("t/1");
    p.payload = mqtts_bytes("hello", 5);
    check_publish_v311("v311_publish_qos0", &p);
}

static void test_publish_v311_qos1(void **state)
{
    mqtts_publish p = { 0 };
    (void)state;

    p.qos = 1;
    p.packet_id = 258;
    p.topic = mqtts_cstr("sensors/temp");
    p.payload = mqtts_bytes("21.5", 4);
    check_publish_v311("v311_publish_qos1", &p);
}

static void test_publish_v311_qos2_dup_retain(void **state)
{
    mqtts_publish p = { 0 };
    (void)state;

    p.qos = 2;
    p.dup = true;
    p.retain = true;
    p.packet_id = 65535;
    p.topic = mqtts_cstr("a/b");
    p.payload = mqtts_bytes("\x00\xFF", 2);
    check_publish_v311("v311_publish_qos2_dup_retain", &p);
}

static void test_publish_v311_retain_empty(void **state)
{
    mqtts_publish p = { 0 };
    (void)state;

    p.retain = true;
    p.topic = mqtts_cstr("cfg/x");
    p.payload = mqtts_bytes("", 0);
    check_publish_v311("v311_publish_retain_empty", &p);
}

static void test_publish_v311_rl128(void **state)
{
    uint8_t payload[123];
    mqtts_publish p = { 0 };
    size_t i;
    (void)state;

    for (i = 0; i < sizeof payload; i++)
        payload[i] = (uint8_t)i;
    p.topic = mqtts_cstr("big");
    p.payload = mqtts_bytes(payload, sizeof payload);
    check_publish_v311("v311_publish_qos0_rl128", &p);
}

/* MQTT 3.1.1: PUBACK .. PUBCOMP --------------------------------------- */

static void check_ack_v311(const char *name, mqtts_packet_type t, uint16_t id)
{
    mqtts_ack a = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;

    a.packet_id = id;
    encode_ack(MQTTS_V311, t, &a, name);
    g = decode_ack(name, t, id, 0, &pkt);
    check_no_props(&pkt.u.ack.props, g);
}

static void test_puback_v311(void **state)
{
    (void)state;
    check_ack_v311("v311_puback", MQTTS_PUBACK, 0xABCD);
}

static void test_pubrec_v311(void **state)
{
    (void)state;
    check_ack_v311("v311_pubrec", MQTTS_PUBREC, 0x1234);
}

static void test_pubrel_v311(void **state)
{
    (void)state;
    check_ack_v311("v311_pubrel", MQTTS_PUBREL, 0x1234);
}

static void test_pubcomp_v311(void **state)
{
    (void)state;
    check_ack_v311("v311_pubcomp", MQTTS_PUBCOMP, 0x1234);
}

/* MQTT 3.1.1: SUBSCRIBE / SUBACK -------------------------------------- */

static void test_subscribe_v311_single(void **state)
{
    static const mqtts_subscription subs[] = {
        { S("a/b"), 1, false, false, 0 },
    };
    mqtts_subscribe s = { 0 };
    (void)state;

    s.packet_id = 10;
    s.subs = subs;
    s.count = ARRAY_LEN(subs);
    encode_subscribe(MQTTS_V311, &s, "v311_subscribe_single");
}

static void test_subscribe_v311_many(void **state)
{
    static const mqtts_subscription subs[] = {
        { S("sport/tennis/+"), 0, false, false, 0 },
        { S("sport/#"), 1, false, false, 0 },
        { S("#"), 2, false, false, 0 },
        { S("+/+/x"), 1, false, false, 0 },
    };
    mqtts_subscribe s = { 0 };
    (void)state;

    s.packet_id = 0x0B0C;
    s.subs = subs;
    s.count = ARRAY_LEN(subs);
    encode_subscribe(MQTTS_V311, &s, "v311_subscribe_many");
}

static void test_suback_v311_single(void **state)
{
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v311_suback_single", &pkt);
    assert_int_equal(pkt.type, MQTTS_SUBACK);
    assert_int_equal(pkt.u.suback.packet_id, 10);
    CHECK_BIN(pkt.u.suback.reasons, "\x01", g);
    assert_ptr_equal(pkt.u.suback.reasons.ptr, g->bytes + 4);
    check_no_props(&pkt.u.suback.props, g);
}

static void test_suback_v311_many(void **state)
{
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v311_suback_many", &pkt);
    assert_int_equal(pkt.type, MQTTS_SUBACK);
    assert_int_equal(pkt.u.suback.packet_id, 0x0B0C);
    CHECK_BIN(pkt.u.suback.reasons, "\x00\x01\x02\x80", g);
    assert_ptr_equal(pkt.u.suback.reasons.ptr, g->bytes + 4);
    check_no_props(&pkt.u.suback.props, g);
}

/* MQTT 3.1.1: UNSUBSCRIBE / UNSUBACK ---------------------------------- */

static void test_unsubscribe_v311(void **state)
{
    static const mqtts_str filters[] = { S("a/b"), S("sport/#") };
    mqtts_unsubscribe u = { 0 };
    (void)state;

    u.packet_id = 13;
    u.filters = filters;
    u.count = ARRAY_LEN(filters);
    encode_unsubscribe(MQTTS_V311, &u, "v311_unsubscribe");
}

static void test_unsuback_v311(void **state)
{
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v311_unsuback", &pkt);
    assert_int_equal(pkt.type, MQTTS_UNSUBACK);
    assert_int_equal(pkt.u.suback.packet_id, 13);
    assert_int_equal(pkt.u.suback.reasons.len, 0); /* 3.1.1 UNSUBACK has none */
    check_no_props(&pkt.u.suback.props, g);
}

/* MQTT 3.1.1: PINGREQ, PINGRESP, DISCONNECT --------------------------- */

static void test_pingreq_v311(void **state)
{
    enc_job j = { ENC_PINGREQ, MQTTS_V311, MQTTS_PINGREQ, NULL };
    (void)state;
    check_encode(&j, "v311_pingreq");
}

static void test_pingresp_v311(void **state)
{
    mqtts_packet pkt;
    (void)state;

    decode_golden("v311_pingresp", &pkt);
    assert_int_equal(pkt.type, MQTTS_PINGRESP);
    assert_int_equal(pkt.flags, 0);
}

static void test_disconnect_v311(void **state)
{
    mqtts_disconnect nothing = { 0 };
    (void)state;

    encode_disconnect(MQTTS_V311, NULL, "v311_disconnect");
    encode_disconnect(MQTTS_V311, &nothing, "v311_disconnect");
}

/* ====================================================================== */
/* MQTT 5.0: CONNECT                                                      */

static void test_connect_v5_minimal(void **state)
{
    mqtts_connect c = { 0 };
    (void)state;

    c.clean_start = true;
    c.keep_alive = 60;
    c.client_id = mqtts_cstr("mqtts");
    encode_connect(MQTTS_V5, &c, "v5_connect_minimal");
}

static void test_connect_v5_will_user_pass(void **state)
{
    mqtts_will w = { 0 };
    mqtts_connect c = { 0 };
    (void)state;

    w.topic = mqtts_cstr("status/c5");
    w.payload = mqtts_bytes("bye", 3);
    w.qos = 2;
    c.clean_start = true;
    c.keep_alive = 10;
    c.client_id = mqtts_cstr("client-5");
    c.username = mqtts_cstr("bob");
    c.password = mqtts_bytes("secret", 6);
    c.will = &w;
    encode_connect(MQTTS_V5, &c, "v5_connect_will_user_pass");
}

static void test_connect_v5_password_only(void **state)
{
    mqtts_connect c = { 0 };
    (void)state;

    c.clean_start = true;
    c.client_id = mqtts_cstr("");
    c.password = mqtts_bytes("\xDE\xAD", 2);
    encode_connect(MQTTS_V5, &c, "v5_connect_password_only");
}

static void test_connect_v5_all_props(void **state)
{
    static const mqtts_user_property conn_user[] = {
        { S("region"), S("eu") },
        { S("region"), S("us") },
    };
    static const mqtts_user_property will_user[] = {
        { S("k"), S("v") },
    };
    mqtts_will w = { 0 };
    mqtts_connect c = { 0 };
    (void)state;

    w.topic = mqtts_cstr("status/dev-42");
    w.payload = mqtts_bytes("offline", 7);
    w.qos = 1;
    w.retain = true;
    w.props.present = BIT(MQTTS_PROP_PAYLOAD_FORMAT_INDICATOR) |
                      BIT(MQTTS_PROP_MESSAGE_EXPIRY_INTERVAL) | BIT(MQTTS_PROP_CONTENT_TYPE) |
                      BIT(MQTTS_PROP_RESPONSE_TOPIC) | BIT(MQTTS_PROP_CORRELATION_DATA) |
                      BIT(MQTTS_PROP_WILL_DELAY_INTERVAL);
    w.props.payload_format_indicator = 1;
    w.props.message_expiry_interval = 300;
    w.props.content_type = mqtts_cstr("text/plain");
    w.props.response_topic = mqtts_cstr("replies/dev-42");
    w.props.correlation_data = mqtts_bytes("\xC0\xFF\xEE", 3);
    w.props.will_delay_interval = 60;
    w.props.user = will_user;
    w.props.user_count = ARRAY_LEN(will_user);

    c.clean_start = true;
    c.keep_alive = 120;
    c.client_id = mqtts_cstr("dev-42");
    c.username = mqtts_cstr("user");
    c.password = mqtts_bytes("pw", 2);
    c.will = &w;
    c.props.present = BIT(MQTTS_PROP_SESSION_EXPIRY_INTERVAL) |
                      BIT(MQTTS_PROP_AUTHENTICATION_METHOD) |
                      BIT(MQTTS_PROP_AUTHENTICATION_DATA) |
                      BIT(MQTTS_PROP_REQUEST_PROBLEM_INFORMATION) |
                      BIT(MQTTS_PROP_REQUEST_RESPONSE_INFORMATION) |
                      BIT(MQTTS_PROP_RECEIVE_MAXIMUM) | BIT(MQTTS_PROP_TOPIC_ALIAS_MAXIMUM) |
                      BIT(MQTTS_PROP_MAXIMUM_PACKET_SIZE);
    c.props.session_expiry_interval = 3600;
    c.props.authentication_method = mqtts_cstr("SCRAM-SHA-1");
    c.props.authentication_data = mqtts_bytes("\x01\x02\x03\x04", 4);
    c.props.request_problem_information = 0;
    c.props.request_response_information = 1;
    c.props.receive_maximum = 20;
    c.props.topic_alias_maximum = 10;
    c.props.maximum_packet_size = 1048576;
    c.props.user = conn_user;
    c.props.user_count = ARRAY_LEN(conn_user);
    encode_connect(MQTTS_V5, &c, "v5_connect_all_props");
}

/* MQTT 5.0: CONNACK --------------------------------------------------- */

static void test_connack_v5_success(void **state)
{
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_connack_success", &pkt);
    assert_int_equal(pkt.type, MQTTS_CONNACK);
    assert_false(pkt.u.connack.session_present);
    assert_int_equal(pkt.u.connack.reason, MQTTS_RC_SUCCESS);
    check_no_props(&pkt.u.connack.props, g);
}

static void test_connack_v5_session_present(void **state)
{
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_connack_session_present", &pkt);
    assert_int_equal(pkt.type, MQTTS_CONNACK);
    assert_true(pkt.u.connack.session_present);
    assert_int_equal(pkt.u.connack.reason, MQTTS_RC_SUCCESS);
    check_no_props(&pkt.u.connack.props, g);
}

static void test_connack_v5_bad_credentials(void **state)
{
    static const exp_prop walk[] = { PS(0x1F, "bad credentials") };
    const exp_props e = { BIT(MQTTS_PROP_REASON_STRING), 0, 5, 18, 0, walk, ARRAY_LEN(walk) };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_connack_bad_credentials", &pkt);
    assert_int_equal(pkt.type, MQTTS_CONNACK);
    assert_false(pkt.u.connack.session_present);
    assert_int_equal(pkt.u.connack.reason, MQTTS_RC_BAD_USER_NAME_OR_PASSWORD);
    CHECK_STR(pkt.u.connack.props.reason_string, "bad credentials", g);
    check_props(&pkt.u.connack.props, g, &e);
}

static void test_connack_v5_rich(void **state)
{
    static const exp_prop walk[] = {
        PN(0x11, 7200),
        PN(0x21, 100),
        PN(0x24, 1),
        PN(0x25, 0),
        PN(0x27, 65536),
        PS(0x12, "auto-7F3A"),
        PN(0x22, 16),
        PS(0x1F, "welcome"),
        PU("node", "b2"),
        PN(0x28, 0),
        PN(0x29, 1),
        PN(0x2A, 0),
        PN(0x13, 30),
        PS(0x1A, "resp/auto-7F3A"),
        PS(0x1C, "backup.example.com:8883"),
        PS(0x15, "SCRAM-SHA-1"),
        PS(0x16, "v=ok"),
        PU("zone", "x"),
    };
    const exp_props e = {
        BIT(0x11) | BIT(0x21) | BIT(0x24) | BIT(0x25) | BIT(0x27) | BIT(0x12) | BIT(0x22) |
            BIT(0x1F) | BIT(0x28) | BIT(0x29) | BIT(0x2A) | BIT(0x13) | BIT(0x1A) | BIT(0x1C) |
            BIT(0x15) | BIT(0x16),
        0, 7, 136, 0, walk, ARRAY_LEN(walk)
    };
    mqtts_packet pkt;
    const golden_vector *g;
    const mqtts_props *p;
    (void)state;

    g = decode_golden("v5_connack_rich", &pkt);
    p = &pkt.u.connack.props;
    assert_int_equal(pkt.type, MQTTS_CONNACK);
    assert_true(pkt.u.connack.session_present);
    assert_int_equal(pkt.u.connack.reason, MQTTS_RC_SUCCESS);
    assert_int_equal(p->session_expiry_interval, 7200);
    assert_int_equal(p->receive_maximum, 100);
    assert_int_equal(p->maximum_qos, 1);
    assert_int_equal(p->retain_available, 0);
    assert_int_equal(p->maximum_packet_size, 65536);
    CHECK_STR(p->assigned_client_identifier, "auto-7F3A", g);
    assert_int_equal(p->topic_alias_maximum, 16);
    CHECK_STR(p->reason_string, "welcome", g);
    assert_int_equal(p->wildcard_subscription_available, 0);
    assert_int_equal(p->subscription_identifier_available, 1);
    assert_int_equal(p->shared_subscription_available, 0);
    assert_int_equal(p->server_keep_alive, 30);
    CHECK_STR(p->response_information, "resp/auto-7F3A", g);
    CHECK_STR(p->server_reference, "backup.example.com:8883", g);
    CHECK_STR(p->authentication_method, "SCRAM-SHA-1", g);
    CHECK_BIN(p->authentication_data, "v=ok", g);
    check_props(p, g, &e);
}

/* MQTT 5.0: PUBLISH --------------------------------------------------- */

static void test_publish_v5_qos0(void **state)
{
    mqtts_publish p = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    p.topic = mqtts_cstr("t/1");
    p.payload = mqtts_bytes("hello", 5);
    encode_publish(MQTTS_V5, &p, "v5_publish_qos0");
    g = decode_publish("v5_publish_qos0", &p, &pkt);
    check_no_props(&pkt.u.publish.props, g);
}

static void test_publish_v5_qos1_props(void **state)
{
    static const mqtts_user_property user[] = {
        { S("a"), S("1") },
        { S("b"), S("2") },
        { S("a"), S("3") },
    };
    static const exp_prop walk[] = {
        PN(0x01, 1),
        PN(0x02, 60),
        PS(0x03, "application/json"),
        PS(0x08, "resp/temp"),
        PS(0x09, "\x01\x02"),
        PU("a", "1"),
        PU("b", "2"),
        PU("a", "3"),
    };
    const exp_props e = {
        BIT(0x01) | BIT(0x02) | BIT(0x03) | BIT(0x08) | BIT(0x09), 0, 19, 64, 0,
        walk, ARRAY_LEN(walk)
    };
    mqtts_publish p = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    const mqtts_props *d;
    (void)state;

    p.qos = 1;
    p.packet_id = 7;
    p.topic = mqtts_cstr("sensors/temp");
    p.payload = mqtts_bytes("{\"t\":21.5}", 10);
    p.props.present = BIT(MQTTS_PROP_PAYLOAD_FORMAT_INDICATOR) |
                      BIT(MQTTS_PROP_MESSAGE_EXPIRY_INTERVAL) | BIT(MQTTS_PROP_CONTENT_TYPE) |
                      BIT(MQTTS_PROP_RESPONSE_TOPIC) | BIT(MQTTS_PROP_CORRELATION_DATA);
    p.props.payload_format_indicator = 1;
    p.props.message_expiry_interval = 60;
    p.props.content_type = mqtts_cstr("application/json");
    p.props.response_topic = mqtts_cstr("resp/temp");
    p.props.correlation_data = mqtts_bytes("\x01\x02", 2);
    p.props.user = user;
    p.props.user_count = ARRAY_LEN(user);
    encode_publish(MQTTS_V5, &p, "v5_publish_qos1_props");

    g = decode_publish("v5_publish_qos1_props", &p, &pkt);
    d = &pkt.u.publish.props;
    assert_int_equal(d->payload_format_indicator, 1);
    assert_int_equal(d->message_expiry_interval, 60);
    CHECK_STR(d->content_type, "application/json", g);
    CHECK_STR(d->response_topic, "resp/temp", g);
    CHECK_BIN(d->correlation_data, "\x01\x02", g);
    check_props(d, g, &e);
}

static void test_publish_v5_alias_only(void **state)
{
    static const exp_prop walk[] = { PN(0x23, 5) };
    const exp_props e = { BIT(MQTTS_PROP_TOPIC_ALIAS), 0, 7, 3, 0, walk, ARRAY_LEN(walk) };
    mqtts_publish p = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    p.qos = 2;
    p.packet_id = 256;
    p.topic = mqtts_cstr("");
    p.payload = mqtts_bytes("x", 1);
    p.props.present = BIT(MQTTS_PROP_TOPIC_ALIAS);
    p.props.topic_alias = 5;
    encode_publish(MQTTS_V5, &p, "v5_publish_alias_only");

    g = decode_publish("v5_publish_alias_only", &p, &pkt);
    assert_int_equal(pkt.u.publish.topic.len, 0);
    assert_int_equal(pkt.u.publish.props.topic_alias, 5);
    check_props(&pkt.u.publish.props, g, &e);
}

static void test_publish_v5_set_alias(void **state)
{
    static const exp_prop walk[] = { PN(0x23, 5) };
    const exp_props e = { BIT(MQTTS_PROP_TOPIC_ALIAS), 0, 20, 3, 0, walk, ARRAY_LEN(walk) };
    mqtts_publish p = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    p.retain = true;
    p.topic = mqtts_cstr("long/topic/name");
    p.payload = mqtts_bytes("on", 2);
    p.props.present = BIT(MQTTS_PROP_TOPIC_ALIAS);
    p.props.topic_alias = 5;
    encode_publish(MQTTS_V5, &p, "v5_publish_set_alias");

    g = decode_publish("v5_publish_set_alias", &p, &pkt);
    assert_int_equal(pkt.u.publish.props.topic_alias, 5);
    check_props(&pkt.u.publish.props, g, &e);
}

static void test_publish_v5_dup_qos1_empty(void **state)
{
    mqtts_publish p = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    p.qos = 1;
    p.dup = true;
    p.packet_id = 1;
    p.topic = mqtts_cstr("a");
    p.payload = mqtts_bytes("", 0);
    encode_publish(MQTTS_V5, &p, "v5_publish_dup_qos1_empty");
    g = decode_publish("v5_publish_dup_qos1_empty", &p, &pkt);
    check_no_props(&pkt.u.publish.props, g);
}

static void test_publish_v5_multi_subid(void **state)
{
    static const exp_prop walk[] = {
        PN(0x0B, 1),
        PU("from", "a"),
        PN(0x0B, 300),
        PU("from", "b"),
        PN(0x0B, 268435455),
    };
    const exp_props e = { 0, 0, 19, 30, 3,
                          walk, ARRAY_LEN(walk) };
    mqtts_publish want = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    want.qos = 1;
    want.packet_id = 66;
    want.topic = mqtts_cstr("sport/tennis");
    want.payload = mqtts_bytes("score", 5);
    g = decode_publish("v5_publish_multi_subid", &want, &pkt);
    assert_int_equal(pkt.u.publish.props.subscription_identifier, 1); /* the first */
    check_props(&pkt.u.publish.props, g, &e);
}

/* MQTT 5.0: PUBACK .. PUBCOMP ----------------------------------------- */

/* Short form: reason 0, no properties, remaining length 2. */
static void check_ack_v5_short(const char *name, mqtts_packet_type t, uint16_t id)
{
    mqtts_ack a = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;

    a.packet_id = id;
    encode_ack(MQTTS_V5, t, &a, name);
    g = decode_ack(name, t, id, MQTTS_RC_SUCCESS, &pkt);
    assert_int_equal(g->bytes[1], 2);
    check_no_props(&pkt.u.ack.props, g);
}

/* Reason only: remaining length 3. */
static void check_ack_v5_reason(const char *name, mqtts_packet_type t, uint16_t id, uint8_t rc)
{
    mqtts_ack a = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;

    a.packet_id = id;
    a.reason = rc;
    encode_ack(MQTTS_V5, t, &a, name);
    g = decode_ack(name, t, id, rc, &pkt);
    assert_int_equal(g->bytes[1], 3);
    check_no_props(&pkt.u.ack.props, g);
}

static void test_puback_v5_short(void **state)
{
    (void)state;
    check_ack_v5_short("v5_puback_short", MQTTS_PUBACK, 7);
}

static void test_puback_v5_reason(void **state)
{
    (void)state;
    check_ack_v5_reason("v5_puback_reason", MQTTS_PUBACK, 8, MQTTS_RC_NO_MATCHING_SUBSCRIBERS);
}

static void test_puback_v5_reason_props(void **state)
{
    static const mqtts_user_property user[] = { { S("k"), S("v") } };
    static const exp_prop walk[] = { PS(0x1F, "quota"), PU("k", "v") };
    const exp_props e = { BIT(MQTTS_PROP_REASON_STRING), 0, 6, 15, 0, walk, ARRAY_LEN(walk) };
    mqtts_ack a = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    a.packet_id = 9;
    a.reason = MQTTS_RC_QUOTA_EXCEEDED;
    a.props.present = BIT(MQTTS_PROP_REASON_STRING);
    a.props.reason_string = mqtts_cstr("quota");
    a.props.user = user;
    a.props.user_count = ARRAY_LEN(user);
    encode_ack(MQTTS_V5, MQTTS_PUBACK, &a, "v5_puback_reason_props");

    g = decode_ack("v5_puback_reason_props", MQTTS_PUBACK, 9, MQTTS_RC_QUOTA_EXCEEDED, &pkt);
    CHECK_STR(pkt.u.ack.props.reason_string, "quota", g);
    check_props(&pkt.u.ack.props, g, &e);
}

static void test_puback_v5_reason_empty_props(void **state)
{
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_ack("v5_puback_reason_empty_props", MQTTS_PUBACK, 10,
                   MQTTS_RC_NO_MATCHING_SUBSCRIBERS, &pkt);
    check_no_props(&pkt.u.ack.props, g);
}

static void test_pubrec_v5_short(void **state)
{
    (void)state;
    check_ack_v5_short("v5_pubrec_short", MQTTS_PUBREC, 256);
}

static void test_pubrec_v5_reason(void **state)
{
    (void)state;
    check_ack_v5_reason("v5_pubrec_reason", MQTTS_PUBREC, 257, MQTTS_RC_UNSPECIFIED_ERROR);
}

static void test_pubrec_v5_reason_props(void **state)
{
    static const exp_prop walk[] = { PS(0x1F, "impl") };
    const exp_props e = { BIT(MQTTS_PROP_REASON_STRING), 0, 6, 7, 0, walk, ARRAY_LEN(walk) };
    mqtts_ack a = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    a.packet_id = 258;
    a.reason = MQTTS_RC_IMPLEMENTATION_SPECIFIC_ERROR;
    a.props.present = BIT(MQTTS_PROP_REASON_STRING);
    a.props.reason_string = mqtts_cstr("impl");
    encode_ack(MQTTS_V5, MQTTS_PUBREC, &a, "v5_pubrec_reason_props");

    g = decode_ack("v5_pubrec_reason_props", MQTTS_PUBREC, 258,
                   MQTTS_RC_IMPLEMENTATION_SPECIFIC_ERROR, &pkt);
    CHECK_STR(pkt.u.ack.props.reason_string, "impl", g);
    check_props(&pkt.u.ack.props, g, &e);
}

static void test_pubrel_v5_short(void **state)
{
    (void)state;
    check_ack_v5_short("v5_pubrel_short", MQTTS_PUBREL, 256);
}

static void test_pubrel_v5_reason(void **state)
{
    (void)state;
    check_ack_v5_reason("v5_pubrel_reason", MQTTS_PUBREL, 257,
                        MQTTS_RC_PACKET_IDENTIFIER_NOT_FOUND);
}

static void test_pubrel_v5_reason_props(void **state)
{
    static const mqtts_user_property user[] = { { S("x"), S("y") } };
    static const exp_prop walk[] = { PS(0x1F, "gone"), PU("x", "y") };
    const exp_props e = { BIT(MQTTS_PROP_REASON_STRING), 0, 6, 14, 0, walk, ARRAY_LEN(walk) };
    mqtts_ack a = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    a.packet_id = 258;
    a.reason = MQTTS_RC_PACKET_IDENTIFIER_NOT_FOUND;
    a.props.present = BIT(MQTTS_PROP_REASON_STRING);
    a.props.reason_string = mqtts_cstr("gone");
    a.props.user = user;
    a.props.user_count = ARRAY_LEN(user);
    encode_ack(MQTTS_V5, MQTTS_PUBREL, &a, "v5_pubrel_reason_props");

    g = decode_ack("v5_pubrel_reason_props", MQTTS_PUBREL, 258,
                   MQTTS_RC_PACKET_IDENTIFIER_NOT_FOUND, &pkt);
    CHECK_STR(pkt.u.ack.props.reason_string, "gone", g);
    check_props(&pkt.u.ack.props, g, &e);
}

static void test_pubcomp_v5_short(void **state)
{
    (void)state;
    check_ack_v5_short("v5_pubcomp_short", MQTTS_PUBCOMP, 256);
}

static void test_pubcomp_v5_reason(void **state)
{
    (void)state;
    check_ack_v5_reason("v5_pubcomp_reason", MQTTS_PUBCOMP, 257,
                        MQTTS_RC_PACKET_IDENTIFIER_NOT_FOUND);
}

static void test_pubcomp_v5_reason_props(void **state)
{
    static const mqtts_user_property user[] = { { S("trace"), S("on") } };
    static const exp_prop walk[] = { PU("trace", "on") };
    const exp_props e = { 0, 0, 6, 12, 0, walk, ARRAY_LEN(walk) };
    mqtts_ack a = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    /* reason 0 but a property: must be the long form */
    a.packet_id = 258;
    a.reason = MQTTS_RC_SUCCESS;
    a.props.user = user;
    a.props.user_count = ARRAY_LEN(user);
    encode_ack(MQTTS_V5, MQTTS_PUBCOMP, &a, "v5_pubcomp_reason_props");

    g = decode_ack("v5_pubcomp_reason_props", MQTTS_PUBCOMP, 258, MQTTS_RC_SUCCESS, &pkt);
    check_props(&pkt.u.ack.props, g, &e);
}

/* MQTT 5.0: SUBSCRIBE / SUBACK ---------------------------------------- */

static void test_subscribe_v5_single(void **state)
{
    static const mqtts_subscription subs[] = {
        { S("a/b"), 1, false, false, 0 },
    };
    mqtts_subscribe s = { 0 };
    (void)state;

    s.packet_id = 1;
    s.subs = subs;
    s.count = ARRAY_LEN(subs);
    encode_subscribe(MQTTS_V5, &s, "v5_subscribe_single");
}

static void test_subscribe_v5_options(void **state)
{
    static const mqtts_subscription subs[] = {
        { S("a/+"), 1, true, false, 0 },
        { S("b/#"), 2, false, true, 0 },
        { S("c"), 0, false, false, 1 },
        { S("d/e"), 1, true, true, 2 },
        { S("$share/grp/f"), 0, false, false, 2 },
    };
    static const mqtts_user_property user[] = { { S("app"), S("x") } };
    mqtts_subscribe s = { 0 };
    (void)state;

    s.packet_id = 16;
    s.subs = subs;
    s.count = ARRAY_LEN(subs);
    s.props.present = BIT(MQTTS_PROP_SUBSCRIPTION_IDENTIFIER);
    s.props.subscription_identifier = 16384;
    s.props.user = user;
    s.props.user_count = ARRAY_LEN(user);
    encode_subscribe(MQTTS_V5, &s, "v5_subscribe_options");
}

static void test_suback_v5_single(void **state)
{
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_suback_single", &pkt);
    assert_int_equal(pkt.type, MQTTS_SUBACK);
    assert_int_equal(pkt.u.suback.packet_id, 1);
    CHECK_BIN(pkt.u.suback.reasons, "\x01", g);
    assert_ptr_equal(pkt.u.suback.reasons.ptr, g->bytes + 5);
    check_no_props(&pkt.u.suback.props, g);
}

static void test_suback_v5_mixed(void **state)
{
    static const exp_prop walk[] = { PS(0x1F, "partial") };
    const exp_props e = { BIT(MQTTS_PROP_REASON_STRING), 0, 5, 10, 0, walk, ARRAY_LEN(walk) };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_suback_mixed", &pkt);
    assert_int_equal(pkt.type, MQTTS_SUBACK);
    assert_int_equal(pkt.u.suback.packet_id, 16);
    CHECK_BIN(pkt.u.suback.reasons, "\x01\xA2\x00\x87\x9E", g);
    assert_ptr_equal(pkt.u.suback.reasons.ptr, g->bytes + 15);
    CHECK_STR(pkt.u.suback.props.reason_string, "partial", g);
    check_props(&pkt.u.suback.props, g, &e);
}

/* MQTT 5.0: UNSUBSCRIBE / UNSUBACK ------------------------------------ */

static void test_unsubscribe_v5_single(void **state)
{
    static const mqtts_str filters[] = { S("a/b") };
    mqtts_unsubscribe u = { 0 };
    (void)state;

    u.packet_id = 18;
    u.filters = filters;
    u.count = ARRAY_LEN(filters);
    encode_unsubscribe(MQTTS_V5, &u, "v5_unsubscribe_single");
}

static void test_unsubscribe_v5_props(void **state)
{
    static const mqtts_str filters[] = { S("a/+"), S("$share/grp/f") };
    static const mqtts_user_property user[] = { { S("why"), S("done") } };
    mqtts_unsubscribe u = { 0 };
    (void)state;

    u.packet_id = 17;
    u.filters = filters;
    u.count = ARRAY_LEN(filters);
    u.props.user = user;
    u.props.user_count = ARRAY_LEN(user);
    encode_unsubscribe(MQTTS_V5, &u, "v5_unsubscribe_props");
}

static void test_unsuback_v5_single(void **state)
{
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_unsuback_single", &pkt);
    assert_int_equal(pkt.type, MQTTS_UNSUBACK);
    assert_int_equal(pkt.u.suback.packet_id, 18);
    CHECK_BIN(pkt.u.suback.reasons, "\x00", g);
    assert_ptr_equal(pkt.u.suback.reasons.ptr, g->bytes + 5);
    check_no_props(&pkt.u.suback.props, g);
}

static void test_unsuback_v5_mixed(void **state)
{
    static const exp_prop walk[] = { PS(0x1F, "not found") };
    const exp_props e = { BIT(MQTTS_PROP_REASON_STRING), 0, 5, 12, 0, walk, ARRAY_LEN(walk) };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_unsuback_mixed", &pkt);
    assert_int_equal(pkt.type, MQTTS_UNSUBACK);
    assert_int_equal(pkt.u.suback.packet_id, 17);
    CHECK_BIN(pkt.u.suback.reasons, "\x11\x87", g);
    assert_ptr_equal(pkt.u.suback.reasons.ptr, g->bytes + 17);
    CHECK_STR(pkt.u.suback.props.reason_string, "not found", g);
    check_props(&pkt.u.suback.props, g, &e);
}

/* MQTT 5.0: PINGREQ, PINGRESP ----------------------------------------- */

static void test_pingreq_v5(void **state)
{
    enc_job j = { ENC_PINGREQ, MQTTS_V5, MQTTS_PINGREQ, NULL };
    (void)state;
    check_encode(&j, "v5_pingreq");
}

static void test_pingresp_v5(void **state)
{
    mqtts_packet pkt;
    (void)state;

    decode_golden("v5_pingresp", &pkt);
    assert_int_equal(pkt.type, MQTTS_PINGRESP);
    assert_int_equal(pkt.flags, 0);
}

/* MQTT 5.0: DISCONNECT ------------------------------------------------ */

static void test_disconnect_v5_normal(void **state)
{
    mqtts_disconnect d = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    encode_disconnect(MQTTS_V5, NULL, "v5_disconnect_normal");
    encode_disconnect(MQTTS_V5, &d, "v5_disconnect_normal");
    g = decode_golden("v5_disconnect_normal", &pkt);
    assert_int_equal(pkt.type, MQTTS_DISCONNECT);
    assert_int_equal(pkt.u.disconnect.reason, MQTTS_RC_SUCCESS);
    check_no_props(&pkt.u.disconnect.props, g);
}

static void test_disconnect_v5_reason_only(void **state)
{
    mqtts_disconnect d = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    d.reason = MQTTS_RC_PROTOCOL_ERROR;
    encode_disconnect(MQTTS_V5, &d, "v5_disconnect_reason_only");
    g = decode_golden("v5_disconnect_reason_only", &pkt);
    assert_int_equal(pkt.type, MQTTS_DISCONNECT);
    assert_int_equal(pkt.u.disconnect.reason, MQTTS_RC_PROTOCOL_ERROR);
    check_no_props(&pkt.u.disconnect.props, g);
}

static void test_disconnect_v5_reason_empty_props(void **state)
{
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_disconnect_reason_empty_props", &pkt);
    assert_int_equal(pkt.type, MQTTS_DISCONNECT);
    assert_int_equal(pkt.u.disconnect.reason, MQTTS_RC_SERVER_SHUTTING_DOWN);
    check_no_props(&pkt.u.disconnect.props, g);
}

static void test_disconnect_v5_with_will(void **state)
{
    mqtts_disconnect d = { 0 };
    (void)state;

    d.reason = MQTTS_RC_DISCONNECT_WITH_WILL;
    d.props.present = BIT(MQTTS_PROP_SESSION_EXPIRY_INTERVAL) | BIT(MQTTS_PROP_REASON_STRING);
    d.props.session_expiry_interval = 300;
    d.props.reason_string = mqtts_cstr("bye");
    encode_disconnect(MQTTS_V5, &d, "v5_disconnect_with_will");
}

static void test_disconnect_v5_reason_props(void **state)
{
    static const mqtts_user_property user[] = { { S("retry"), S("5") } };
    static const exp_prop walk[] = { PS(0x1F, "overload"), PU("retry", "5") };
    const exp_props e = { BIT(MQTTS_PROP_REASON_STRING), 0, 4, 22, 0, walk, ARRAY_LEN(walk) };
    mqtts_disconnect d = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    d.reason = MQTTS_RC_IMPLEMENTATION_SPECIFIC_ERROR;
    d.props.present = BIT(MQTTS_PROP_REASON_STRING);
    d.props.reason_string = mqtts_cstr("overload");
    d.props.user = user;
    d.props.user_count = ARRAY_LEN(user);
    encode_disconnect(MQTTS_V5, &d, "v5_disconnect_reason_props");

    g = decode_golden("v5_disconnect_reason_props", &pkt);
    assert_int_equal(pkt.type, MQTTS_DISCONNECT);
    assert_int_equal(pkt.u.disconnect.reason, MQTTS_RC_IMPLEMENTATION_SPECIFIC_ERROR);
    CHECK_STR(pkt.u.disconnect.props.reason_string, "overload", g);
    check_props(&pkt.u.disconnect.props, g, &e);
}

static void test_disconnect_v5_server_moved(void **state)
{
    static const exp_prop walk[] = { PS(0x1F, "moved"), PS(0x1C, "mqtt2.example.com") };
    const exp_props e = { BIT(MQTTS_PROP_REASON_STRING) | BIT(MQTTS_PROP_SERVER_REFERENCE), 0,
                          4, 28, 0, walk, ARRAY_LEN(walk) };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_disconnect_server_moved", &pkt);
    assert_int_equal(pkt.type, MQTTS_DISCONNECT);
    assert_int_equal(pkt.u.disconnect.reason, MQTTS_RC_SERVER_MOVED);
    CHECK_STR(pkt.u.disconnect.props.reason_string, "moved", g);
    CHECK_STR(pkt.u.disconnect.props.server_reference, "mqtt2.example.com", g);
    check_props(&pkt.u.disconnect.props, g, &e);
}

/* MQTT 5.0: AUTH ------------------------------------------------------ */

static void test_auth_v5_continue(void **state)
{
    static const exp_prop walk[] = { PS(0x15, "SCRAM-SHA-1"), PS(0x16, "c=biws") };
    const exp_props e = { BIT(MQTTS_PROP_AUTHENTICATION_METHOD) |
                              BIT(MQTTS_PROP_AUTHENTICATION_DATA),
                          0, 4, 23, 0, walk, ARRAY_LEN(walk) };
    mqtts_auth a = { 0 };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    a.reason = MQTTS_RC_CONTINUE_AUTHENTICATION;
    a.props.present = BIT(MQTTS_PROP_AUTHENTICATION_METHOD) | BIT(MQTTS_PROP_AUTHENTICATION_DATA);
    a.props.authentication_method = mqtts_cstr("SCRAM-SHA-1");
    a.props.authentication_data = mqtts_bytes("c=biws", 6);
    encode_auth(MQTTS_V5, &a, "v5_auth_continue");

    g = decode_golden("v5_auth_continue", &pkt);
    assert_int_equal(pkt.type, MQTTS_AUTH);
    assert_int_equal(pkt.u.auth.reason, MQTTS_RC_CONTINUE_AUTHENTICATION);
    CHECK_STR(pkt.u.auth.props.authentication_method, "SCRAM-SHA-1", g);
    CHECK_BIN(pkt.u.auth.props.authentication_data, "c=biws", g);
    check_props(&pkt.u.auth.props, g, &e);
}

static void test_auth_v5_reauth(void **state)
{
    mqtts_auth a = { 0 };
    (void)state;

    a.reason = MQTTS_RC_REAUTHENTICATE;
    a.props.present = BIT(MQTTS_PROP_AUTHENTICATION_METHOD);
    a.props.authentication_method = mqtts_cstr("SCRAM-SHA-1");
    encode_auth(MQTTS_V5, &a, "v5_auth_reauth");
}

static void test_auth_v5_success(void **state)
{
    static const exp_prop walk[] = {
        PS(0x15, "SCRAM-SHA-1"),
        PS(0x16, "v=ok"),
        PS(0x1F, "ok"),
        PU("a", "b"),
    };
    const exp_props e = { BIT(MQTTS_PROP_AUTHENTICATION_METHOD) |
                              BIT(MQTTS_PROP_AUTHENTICATION_DATA) |
                              BIT(MQTTS_PROP_REASON_STRING),
                          0, 4, 33, 0, walk, ARRAY_LEN(walk) };
    mqtts_packet pkt;
    const golden_vector *g;
    (void)state;

    g = decode_golden("v5_auth_success", &pkt);
    assert_int_equal(pkt.type, MQTTS_AUTH);
    assert_int_equal(pkt.u.auth.reason, MQTTS_RC_SUCCESS);
    CHECK_STR(pkt.u.auth.props.authentication_method, "SCRAM-SHA-1", g);
    CHECK_BIN(pkt.u.auth.props.authentication_data, "v=ok", g);
    CHECK_STR(pkt.u.auth.props.reason_string, "ok", g);
    check_props(&pkt.u.auth.props, g, &e);
}

/* ====================================================================== */
/* The table as a whole                                                   */

/* Names are unique and file-name safe, golden_find() finds each, lengths
 * agree with the remaining length, and every packet type a client sends or
 * receives has a vector in both versions (AUTH in 5.0 only). */
static void test_golden_table_wellformed(void **state)
{
    unsigned seen[2][16];
    size_t i, j;
    (void)state;

    memset(seen, 0, sizeof seen);
    assert_true(golden_vector_count > 0);
    for (i = 0; i < golden_vector_count; i++) {
        const golden_vector *g = &golden_vectors[i];
        const char *c;
        size_t k, hdr;
        uint32_t rl = 0, mult = 1;
        unsigned type;

        assert_non_null(g->name);
        assert_true(strlen(g->name) > 0);
        for (c = g->name; *c; c++)
            assert_true((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_');
        for (j = 0; j < i; j++)
            assert_string_not_equal(g->name, golden_vectors[j].name);
        assert_ptr_equal(golden_find(g->name), g);
        assert_true(g->version == MQTTS_V311 || g->version == MQTTS_V5);
        assert_true(strncmp(g->name, g->version == MQTTS_V5 ? "v5_" : "v311_",
                            g->version == MQTTS_V5 ? 3 : 5) == 0);
        assert_true(g->direction == GOLDEN_CLIENT_SENDS ||
                    g->direction == GOLDEN_CLIENT_RECEIVES || g->direction == GOLDEN_BOTH);
        assert_non_null(g->bytes);
        assert_true(g->len >= 2);

        /* remaining length, decoded here independently of the library */
        for (k = 1; k < g->len && k <= 4; k++) {
            rl += (uint32_t)(g->bytes[k] & 0x7F) * mult;
            mult *= 128;
            if (!(g->bytes[k] & 0x80))
                break;
        }
        hdr = k + 1;
        if (rl != g->len - hdr)
            print_error("vector %s: remaining length %u, bytes after header %zu\n", g->name,
                        (unsigned)rl, g->len - hdr);
        assert_int_equal(rl, g->len - hdr);

        type = g->bytes[0] >> 4;
        assert_true(type >= MQTTS_CONNECT && type <= MQTTS_AUTH);
        seen[g->version == MQTTS_V5][type]++;
    }
    for (i = MQTTS_CONNECT; i <= MQTTS_DISCONNECT; i++) {
        if (!seen[0][i] || !seen[1][i])
            print_error("packet type %zu: %u v3.1.1 vectors, %u v5 vectors\n", i, seen[0][i],
                        seen[1][i]);
        assert_true(seen[0][i] > 0);
        assert_true(seen[1][i] > 0);
    }
    assert_int_equal(seen[0][MQTTS_AUTH], 0);
    assert_true(seen[1][MQTTS_AUTH] > 0);
}

/* Every vector frames: each strict prefix is MQTTS_NEED_MORE (with the total
 * size once the fixed header is complete), the whole is MQTTS_OK with its
 * length, max_len = len is fine and len-1 is too large. Each vector the
 * client receives decodes with its version; each packet the client never
 * receives is MQTTS_ERR_PACKET_TYPE_UNEXPECTED. */
static void test_golden_table_frames_and_decodes(void **state)
{
    size_t i;
    (void)state;

    for (i = 0; i < golden_vector_count; i++) {
        const golden_vector *g = &golden_vectors[i];
        size_t hdr = 2, k, plen;
        unsigned type = g->bytes[0] >> 4;
        mqtts_packet pkt;
        mqtts_err rc;

        while (hdr <= g->len && (g->bytes[hdr - 1] & 0x80))
            hdr++;

        for (k = 0; k < g->len; k++) {
            plen = 12345;
            rc = mqtts_frame(g->bytes, k, 0, &plen);
            if (rc != MQTTS_NEED_MORE || plen != (k >= hdr ? g->len : 0))
                print_error("vector %s: frame(%zu bytes) rc %d, packet_len %zu\n", g->name, k,
                            (int)rc, plen);
            assert_int_equal(rc, MQTTS_NEED_MORE);
            assert_int_equal(plen, k >= hdr ? g->len : 0);
        }
        plen = 0;
        rc = mqtts_frame(g->bytes, g->len, 0, &plen);
        if (rc != MQTTS_OK)
            print_error("vector %s: frame rc %d\n", g->name, (int)rc);
        assert_int_equal(rc, MQTTS_OK);
        assert_int_equal(plen, g->len);
        plen = 0;
        assert_int_equal(mqtts_frame(g->bytes, g->len, (uint32_t)g->len, &plen), MQTTS_OK);
        assert_int_equal(plen, g->len);
        assert_int_equal(mqtts_frame(g->bytes, g->len, (uint32_t)g->len - 1, &plen),
                         MQTTS_ERR_PACKET_TOO_LARGE);

        memset(&pkt, 0xFF, sizeof pkt);
        rc = mqtts_decode(g->version, g->bytes, g->len, &pkt);
        if (g->direction != GOLDEN_CLIENT_SENDS) {
            if (rc != MQTTS_OK)
                print_error("vector %s: decode rc %d (%s)\n", g->name, (int)rc,
                            mqtts_strerror(rc));
            assert_int_equal(rc, MQTTS_OK);
            assert_int_equal(pkt.type, type);
            assert_int_equal(pkt.flags, g->bytes[0] & 0x0F);
        } else if (type == MQTTS_CONNECT || type == MQTTS_SUBSCRIBE ||
                   type == MQTTS_UNSUBSCRIBE || type == MQTTS_PINGREQ) {
            if (rc != MQTTS_ERR_PACKET_TYPE_UNEXPECTED)
                print_error("vector %s: decode rc %d, want PACKET_TYPE_UNEXPECTED\n", g->name,
                            (int)rc);
            assert_int_equal(rc, MQTTS_ERR_PACKET_TYPE_UNEXPECTED);
        }
    }
}

/* Two vectors back to back in one stream: framing the stream gives the
 * first, framing from its end gives the second. */
static void test_golden_table_back_to_back(void **state)
{
    uint8_t stream[2048];
    size_t i;
    (void)state;

    for (i = 0; i + 1 < golden_vector_count; i++) {
        const golden_vector *a = &golden_vectors[i];
        const golden_vector *b = &golden_vectors[i + 1];
        size_t plen = 0;

        assert_true(a->len + b->len <= sizeof stream);
        memcpy(stream, a->bytes, a->len);
        memcpy(stream + a->len, b->bytes, b->len);
        assert_int_equal(mqtts_frame(stream, a->len + b->len, 0, &plen), MQTTS_OK);
        assert_int_equal(plen, a->len);
        plen = 0;
        assert_int_equal(mqtts_frame(stream + a->len, b->len, 0, &plen), MQTTS_OK);
        assert_int_equal(plen, b->len);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        /* 3.1.1 */
        cmocka_unit_test(test_connect_v311_minimal),
        cmocka_unit_test(test_connect_v311_empty_client_id),
        cmocka_unit_test(test_connect_v311_will_user_pass),
        cmocka_unit_test(test_connect_v311_will_qos2_user),
        cmocka_unit_test(test_connack_v311_accepted),
        cmocka_unit_test(test_connack_v311_session_present),
        cmocka_unit_test(test_connack_v311_not_authorized),
        cmocka_unit_test(test_publish_v311_qos0),
        cmocka_unit_test(test_publish_v311_qos1),
        cmocka_unit_test(test_publish_v311_qos2_dup_retain),
        cmocka_unit_test(test_publish_v311_retain_empty),
        cmocka_unit_test(test_publish_v311_rl128),
        cmocka_unit_test(test_puback_v311),
        cmocka_unit_test(test_pubrec_v311),
        cmocka_unit_test(test_pubrel_v311),
        cmocka_unit_test(test_pubcomp_v311),
        cmocka_unit_test(test_subscribe_v311_single),
        cmocka_unit_test(test_subscribe_v311_many),
        cmocka_unit_test(test_suback_v311_single),
        cmocka_unit_test(test_suback_v311_many),
        cmocka_unit_test(test_unsubscribe_v311),
        cmocka_unit_test(test_unsuback_v311),
        cmocka_unit_test(test_pingreq_v311),
        cmocka_unit_test(test_pingresp_v311),
        cmocka_unit_test(test_disconnect_v311),
        /* 5.0 */
        cmocka_unit_test(test_connect_v5_minimal),
        cmocka_unit_test(test_connect_v5_will_user_pass),
        cmocka_unit_test(test_connect_v5_password_only),
        cmocka_unit_test(test_connect_v5_all_props),
        cmocka_unit_test(test_connack_v5_success),
        cmocka_unit_test(test_connack_v5_session_present),
        cmocka_unit_test(test_connack_v5_bad_credentials),
        cmocka_unit_test(test_connack_v5_rich),
        cmocka_unit_test(test_publish_v5_qos0),
        cmocka_unit_test(test_publish_v5_qos1_props),
        cmocka_unit_test(test_publish_v5_alias_only),
        cmocka_unit_test(test_publish_v5_set_alias),
        cmocka_unit_test(test_publish_v5_dup_qos1_empty),
        cmocka_unit_test(test_publish_v5_multi_subid),
        cmocka_unit_test(test_puback_v5_short),
        cmocka_unit_test(test_puback_v5_reason),
        cmocka_unit_test(test_puback_v5_reason_props),
        cmocka_unit_test(test_puback_v5_reason_empty_props),
        cmocka_unit_test(test_pubrec_v5_short),
        cmocka_unit_test(test_pubrec_v5_reason),
        cmocka_unit_test(test_pubrec_v5_reason_props),
        cmocka_unit_test(test_pubrel_v5_short),
        cmocka_unit_test(test_pubrel_v5_reason),
        cmocka_unit_test(test_pubrel_v5_reason_props),
        cmocka_unit_test(test_pubcomp_v5_short),
        cmocka_unit_test(test_pubcomp_v5_reason),
        cmocka_unit_test(test_pubcomp_v5_reason_props),
        cmocka_unit_test(test_subscribe_v5_single),
        cmocka_unit_test(test_subscribe_v5_options),
        cmocka_unit_test(test_suback_v5_single),
        cmocka_unit_test(test_suback_v5_mixed),
        cmocka_unit_test(test_unsubscribe_v5_single),
        cmocka_unit_test(test_unsubscribe_v5_props),
        cmocka_unit_test(test_unsuback_v5_single),
        cmocka_unit_test(test_unsuback_v5_mixed),
        cmocka_unit_test(test_pingreq_v5),
        cmocka_unit_test(test_pingresp_v5),
        cmocka_unit_test(test_disconnect_v5_normal),
        cmocka_unit_test(test_disconnect_v5_reason_only),
        cmocka_unit_test(test_disconnect_v5_reason_empty_props),
        cmocka_unit_test(test_disconnect_v5_with_will),
        cmocka_unit_test(test_disconnect_v5_reason_props),
        cmocka_unit_test(test_disconnect_v5_server_moved),
        cmocka_unit_test(test_auth_v5_continue),
        cmocka_unit_test(test_auth_v5_reauth),
        cmocka_unit_test(test_auth_v5_success),
        /* the table */
        cmocka_unit_test(test_golden_table_wellformed),
        cmocka_unit_test(test_golden_table_frames_and_decodes),
        cmocka_unit_test(test_golden_table_back_to_back),
    };

    return cmocka_run_group_tests_name("golden", tests, NULL, NULL);
}
