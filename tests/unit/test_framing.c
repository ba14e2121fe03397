/*
 * test_framing.c - mqtts_frame() and the variable byte integer functions.
 *
 * Variable byte integers: the boundary values of MQTT 5.0 section 1.5.5
 * (3.1.1 section 2.2.3) with their exact bytes, every strict prefix, the
 * 5-byte and non-minimal faults.
 *
 * Framing: a stream of packets of different sizes (remaining lengths of 1, 2
 * and 3 bytes) fed into a reassembly buffer one byte at a time and in random
 * chunks (fixed seed); after each arrival mqtts_frame() must say NEED_MORE
 * until a packet is whole, then OK with its exact size; each packet is then
 * decoded, its fields checked, and consumed. Also *packet_len reporting,
 * max_len enforcement, and the 5-byte remaining length fault as soon as it
 * is visible.
 *
 * Packets are built here with a local varint writer, independent of the
 * library's encoder. Every buffer handed to the library is an exact-size
 * heap allocation so AddressSanitizer catches reads past its end.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtts/error.h"
#include "mqtts/packet.h"

#include "heap.h"


/* ---------------------------------------------------------------------- */
/* Helpers. */


/* Local variable byte integer writer (section 1.5.5's algorithm). */
static size_t local_varint(uint32_t v, uint8_t *out)
{
    size_t n = 0;
    do {
        uint8_t b = v % 128;
        v /= 128;
        if (v > 0)
            b |= 0x80;
        out[n++] = b;
    } while (v > 0);
    return n;
}

/* A tiny deterministic generator (xorshift32), so the chunk sizes are the
 * same on every platform and libc. */
static uint32_t rng_state;
static uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return rng_state = x;
}

/* ---------------------------------------------------------------------- */
/* Variable byte integers. */

typedef struct varint_vec {
    uint32_t value;
    uint8_t bytes[4];
    size_t len;
} varint_vec;

/* The boundary values of the specification's table (MQTT 5.0 table 1-1,
 * 3.1.1 table 2.4), and a few more. */
static const varint_vec varint_vecs[] = {
    {0, {0x00}, 1},
    {1, {0x01}, 1},
    {127, {0x7F}, 1},
    {128, {0x80, 0x01}, 2},
    {321, {0xC1, 0x02}, 2},
    {16383, {0xFF, 0x7F}, 2},
    {16384, {0x80, 0x80, 0x01}, 3},
    {2097151, {0xFF, 0xFF, 0x7F}, 3},
    {2097152, {0x80, 0x80, 0x80, 0x01}, 4},
    {268435455, {0xFF, 0xFF, 0xFF, 0x7F}, 4},
};
#define VARINT_VEC_COUNT (sizeof varint_vecs / sizeof varint_vecs[0])

static void test_varint_encode_boundaries(void **state)
{
    (void)state;
    for (size_t i = 0; i < VARINT_VEC_COUNT; i++) {
        const varint_vec *v = &varint_vecs[i];
        uint8_t out[8];
        memset(out, 0xEE, sizeof out);
        size_t n = mqtts_varint_encode(v->value, out);
        if (n != v->len)
            print_error("encode(%u): %zu bytes, expected %zu\n", v->value, n, v->len);
        assert_int_equal(n, v->len);
        assert_memory_equal(out, v->bytes, v->len);
        /* Nothing written past the integer. */
        for (size_t k = n; k < sizeof out; k++)
            assert_int_equal(out[k], 0xEE);
        assert_int_equal(mqtts_varint_size(v->value), v->len);
        /* Agrees with the local writer. */
        uint8_t mine[4];
        assert_int_equal(local_varint(v->value, mine), v->len);
        assert_memory_equal(mine, v->bytes, v->len);
    }
}

static void test_varint_encode_too_large(void **state)
{
    uint8_t out[8];
    (void)state;
    memset(out, 0xEE, sizeof out);
    assert_int_equal(mqtts_varint_encode(268435456u, out), 0);
    assert_int_equal(mqtts_varint_encode(UINT32_MAX, out), 0);
    assert_int_equal(mqtts_varint_encode(MQTTS_VARINT_MAX + 1u, out), 0);
    assert_int_equal(mqtts_varint_encode(MQTTS_VARINT_MAX, out), 4);
}

static void test_varint_decode_boundaries(void **state)
{
    (void)state;
    for (size_t i = 0; i < VARINT_VEC_COUNT; i++) {
        const varint_vec *v = &varint_vecs[i];
        uint8_t *p = test_heap_copy(v->bytes, v->len);
        uint32_t value = 0xDEADBEEF;
        size_t used = 999;
        assert_int_equal(mqtts_varint_decode(p, v->len, &value, &used), MQTTS_OK);
        assert_int_equal(value, v->value);
        assert_int_equal(used, v->len);
        test_release(p);
    }
}

static void test_varint_decode_roundtrip(void **state)
{
    static const uint32_t values[] = {
        0, 1, 2, 63, 64, 126, 127, 128, 129, 255, 256, 8191, 8192, 16382, 16383,
        16384, 16385, 65535, 65536, 1048575, 2097150, 2097151, 2097152, 2097153,
        134217727, 268435454, 268435455,
    };
    (void)state;
    for (size_t i = 0; i < sizeof values / sizeof values[0]; i++) {
        uint8_t out[4];
        size_t n = mqtts_varint_encode(values[i], out);
        assert_true(n >= 1 && n <= 4);
        assert_int_equal(n, mqtts_varint_size(values[i]));
        uint8_t *p = test_heap_copy(out, n);
        uint32_t value = 0;
        size_t used = 0;
        assert_int_equal(mqtts_varint_decode(p, n, &value, &used), MQTTS_OK);
        assert_int_equal(value, values[i]);
        assert_int_equal(used, n);
        test_release(p);
    }
}

static void test_varint_decode_prefix_need_more(void **state)
{
    (void)state;
    for (size_t i = 0; i < VARINT_VEC_COUNT; i++) {
        const varint_vec *v = &varint_vecs[i];
        for (size_t n = 0; n < v->len; n++) {
            uint8_t *p = test_heap_copy(v->bytes, n);
            uint32_t value = 0;
            size_t used = 0;
            mqtts_err r = mqtts_varint_decode(p, n, &value, &used);
            if (r != MQTTS_NEED_MORE)
                print_error("decode of %zu of %zu bytes of %u: %d\n", n, v->len, v->value,
                            (int)r);
            assert_int_equal(r, MQTTS_NEED_MORE);
            test_release(p);
        }
    }
}

static void test_varint_decode_stops_at_end_of_integer(void **state)
{
    /* 16384 followed by unrelated bytes: only 3 are used. */
    static const uint8_t in[] = {0x80, 0x80, 0x01, 0xFF, 0xFF, 0xFF};
    uint8_t *p = test_heap_copy(in, sizeof in);
    uint32_t value = 0;
    size_t used = 0;
    (void)state;
    assert_int_equal(mqtts_varint_decode(p, sizeof in, &value, &used), MQTTS_OK);
    assert_int_equal(value, 16384);
    assert_int_equal(used, 3);
    test_release(p);
}

static void test_varint_decode_too_long(void **state)
{
    static const uint8_t five_a[] = {0x80, 0x80, 0x80, 0x80, 0x01};
    static const uint8_t five_b[] = {0xFF, 0xFF, 0xFF, 0xFF, 0x7F};
    static const uint8_t five_c[] = {0x80, 0x80, 0x80, 0x80, 0x80, 0x01};
    const uint8_t *ins[] = {five_a, five_b, five_c};
    const size_t lens[] = {sizeof five_a, sizeof five_b, sizeof five_c};
    (void)state;
    for (size_t i = 0; i < 3; i++) {
        uint8_t *p = test_heap_copy(ins[i], lens[i]);
        uint32_t value = 0;
        size_t used = 0;
        assert_int_equal(mqtts_varint_decode(p, lens[i], &value, &used),
                         MQTTS_ERR_VARINT_TOO_LONG);
        /* With the 5th byte present, whatever it is, it is too long. */
        assert_int_equal(mqtts_varint_decode(p, 5, &value, &used),
                         MQTTS_ERR_VARINT_TOO_LONG);
        /* Four bytes that all say "more follows" cannot become a valid
         * integer. The header allows NEED_MORE here ("buf ends inside the
         * integer"), but it must not be OK. */
        mqtts_err r = mqtts_varint_decode(p, 4, &value, &used);
        assert_true(r == MQTTS_ERR_VARINT_TOO_LONG || r == MQTTS_NEED_MORE);
        test_release(p);
    }
}

static void test_varint_decode_not_minimal(void **state)
{
    static const struct {
        uint8_t b[4];
        size_t len;
    } ins[] = {
        {{0x80, 0x00}, 2},             /* 0 in 2 bytes */
        {{0xFF, 0x00}, 2},             /* 127 in 2 bytes */
        {{0x80, 0x80, 0x00}, 3},       /* 0 in 3 bytes */
        {{0xFF, 0xFF, 0x00}, 3},       /* 16383 in 3 bytes */
        {{0x80, 0x80, 0x80, 0x00}, 4}, /* 0 in 4 bytes */
        {{0xFF, 0xFF, 0xFF, 0x00}, 4}, /* 2097151 in 4 bytes */
        {{0x81, 0x80, 0x00}, 3},       /* 1 in 3 bytes */
    };
    (void)state;
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++) {
        uint8_t *p = test_heap_copy(ins[i].b, ins[i].len);
        uint32_t value = 0;
        size_t used = 0;
        assert_int_equal(mqtts_varint_decode(p, ins[i].len, &value, &used),
                         MQTTS_ERR_VARINT_NOT_MINIMAL);
        test_release(p);
    }
}

/* ---------------------------------------------------------------------- */
/* mqtts_frame() on single packets. */

static void test_frame_empty_and_one_byte(void **state)
{
    static const uint8_t b[] = {0x30};
    size_t plen = 777;
    uint8_t *p = test_heap_copy(b, 1);
    (void)state;
    assert_int_equal(mqtts_frame(p, 0, 0, &plen), MQTTS_NEED_MORE);
    assert_int_equal(plen, 0);
    plen = 777;
    assert_int_equal(mqtts_frame(p, 1, 0, &plen), MQTTS_NEED_MORE);
    assert_int_equal(plen, 0);
    test_release(p);
}

static void test_frame_pingresp(void **state)
{
    static const uint8_t b[] = {0xD0, 0x00, 0x20, 0x02}; /* PINGRESP + next */
    size_t plen = 0;
    uint8_t *p = test_heap_copy(b, 2);
    (void)state;
    assert_int_equal(mqtts_frame(p, 2, 0, &plen), MQTTS_OK);
    assert_int_equal(plen, 2);
    test_release(p);
    /* Bytes of the next packet after it change nothing. */
    p = test_heap_copy(b, sizeof b);
    plen = 0;
    assert_int_equal(mqtts_frame(p, sizeof b, 0, &plen), MQTTS_OK);
    assert_int_equal(plen, 2);
    test_release(p);
}

/* *packet_len is 0 while the fixed header is incomplete, then the total
 * size, for remaining lengths of 1 to 4 bytes. */
static void test_frame_packet_len_once_header_complete(void **state)
{
    static const uint32_t rls[] = {0, 5, 127, 128, 200, 16383, 16384, 20000, 2097151, 2097152};
    (void)state;
    for (size_t i = 0; i < sizeof rls / sizeof rls[0]; i++) {
        uint8_t hdr[5];
        hdr[0] = 0x30;
        size_t hl = 1 + local_varint(rls[i], hdr + 1);
        size_t total = hl + rls[i];
        for (size_t n = 0; n <= hl; n++) {
            uint8_t *p = test_heap_copy(hdr, n);
            size_t plen = 777;
            mqtts_err r = mqtts_frame(p, n, 0, &plen);
            if (n < hl) {
                assert_int_equal(r, MQTTS_NEED_MORE);
                assert_int_equal(plen, 0);
            } else if (rls[i] == 0) {
                assert_int_equal(r, MQTTS_OK);
                assert_int_equal(plen, total);
            } else {
                assert_int_equal(r, MQTTS_NEED_MORE);
                assert_int_equal(plen, total);
            }
            test_release(p);
        }
    }
}

static void test_frame_largest_remaining_length(void **state)
{
    static const uint8_t hdr[] = {0x30, 0xFF, 0xFF, 0xFF, 0x7F};
    uint8_t *p = test_heap_copy(hdr, sizeof hdr);
    size_t plen = 0;
    (void)state;
    assert_int_equal(mqtts_frame(p, sizeof hdr, 0, &plen), MQTTS_NEED_MORE);
    assert_int_equal(plen, 5u + MQTTS_MAX_REMAINING_LENGTH);
    plen = 0;
    assert_int_equal(mqtts_frame(p, sizeof hdr, UINT32_MAX, &plen), MQTTS_NEED_MORE);
    assert_int_equal(plen, 5u + MQTTS_MAX_REMAINING_LENGTH);
    test_release(p);
}

/* A 5-byte remaining length is reported as soon as it can be seen: with the
 * type byte and four remaining-length bytes that all say "more follows"
 * (MQTTS_FIXED_HEADER_MAX bytes; the frame function reads no more than that,
 * so it can't wait for a 6th) - and whatever arrives after. */
static void test_frame_varint_too_long_immediately(void **state)
{
    static const uint8_t s[] = {0x30, 0x80, 0x80, 0x80, 0x80, 0x01, 0x00, 0x00};
    (void)state;
    for (size_t n = 0; n <= sizeof s; n++) {
        uint8_t *p = test_heap_copy(s, n);
        size_t plen = 777;
        mqtts_err r = mqtts_frame(p, n, 0, &plen);
        if (n < 5) {
            assert_int_equal(r, MQTTS_NEED_MORE);
            assert_int_equal(plen, 0);
        } else {
            if (r != MQTTS_ERR_VARINT_TOO_LONG)
                print_error("%zu bytes: %d\n", n, (int)r);
            assert_int_equal(r, MQTTS_ERR_VARINT_TOO_LONG);
        }
        test_release(p);
    }
    /* The same with a max_len set. */
    uint8_t *p = test_heap_copy(s, 5);
    size_t plen = 0;
    assert_int_equal(mqtts_frame(p, 5, 1000, &plen), MQTTS_ERR_VARINT_TOO_LONG);
    test_release(p);
}

static void test_frame_varint_not_minimal(void **state)
{
    static const struct {
        uint8_t b[6];
        size_t len;
        size_t at; /* first length at which the fault is visible */
    } ins[] = {
        {{0xD0, 0x80, 0x00}, 3, 3},
        {{0x30, 0x80, 0x80, 0x00}, 4, 4},
        {{0x30, 0x85, 0x80, 0x80, 0x00}, 5, 5},
        {{0x40, 0x82, 0x00, 0x00, 0x01}, 5, 3},
    };
    (void)state;
    for (size_t i = 0; i < sizeof ins / sizeof ins[0]; i++) {
        for (size_t n = 0; n <= ins[i].len; n++) {
            uint8_t *p = test_heap_copy(ins[i].b, n);
            size_t plen = 777;
            mqtts_err r = mqtts_frame(p, n, 0, &plen);
            if (n < ins[i].at) {
                assert_int_equal(r, MQTTS_NEED_MORE);
                assert_int_equal(plen, 0);
            } else {
                assert_int_equal(r, MQTTS_ERR_VARINT_NOT_MINIMAL);
            }
            test_release(p);
        }
    }
}

/* max_len is a limit on the whole packet (fixed header included, like
 * MQTT 5's Maximum Packet Size); it is enforced as soon as the fixed header
 * says how large the packet is, before its body has arrived. */
static void test_frame_max_len(void **state)
{
    uint8_t pkt[203];
    size_t plen;
    (void)state;
    /* PUBLISH QoS 0, rl 200: 3-byte header, 203 bytes in all. */
    memset(pkt, 'p', sizeof pkt);
    pkt[0] = 0x30;
    pkt[1] = 0xC8;
    pkt[2] = 0x01;
    pkt[3] = 0x00;
    pkt[4] = 0x01;
    pkt[5] = 'a';

    uint8_t *whole = test_heap_copy(pkt, sizeof pkt);
    uint8_t *head = test_heap_copy(pkt, 3);

    plen = 0;
    assert_int_equal(mqtts_frame(whole, sizeof pkt, 203, &plen), MQTTS_OK);
    assert_int_equal(plen, 203);
    plen = 0;
    assert_int_equal(mqtts_frame(whole, sizeof pkt, 204, &plen), MQTTS_OK);
    assert_int_equal(plen, 203);
    plen = 0;
    assert_int_equal(mqtts_frame(head, 3, 203, &plen), MQTTS_NEED_MORE);
    assert_int_equal(plen, 203);

    assert_int_equal(mqtts_frame(whole, sizeof pkt, 202, &plen), MQTTS_ERR_PACKET_TOO_LARGE);
    assert_int_equal(mqtts_frame(whole, sizeof pkt, 200, &plen), MQTTS_ERR_PACKET_TOO_LARGE);
    assert_int_equal(mqtts_frame(head, 3, 202, &plen), MQTTS_ERR_PACKET_TOO_LARGE);
    assert_int_equal(mqtts_frame(head, 3, 1, &plen), MQTTS_ERR_PACKET_TOO_LARGE);
    /* Not yet known: the header is incomplete. */
    plen = 777;
    assert_int_equal(mqtts_frame(head, 2, 1, &plen), MQTTS_NEED_MORE);
    assert_int_equal(plen, 0);
    test_release(whole);
    test_release(head);

    /* A 2-byte PINGRESP against limits of 2 and 1. */
    static const uint8_t ping[] = {0xD0, 0x00};
    uint8_t *pp = test_heap_copy(ping, 2);
    assert_int_equal(mqtts_frame(pp, 2, 2, &plen), MQTTS_OK);
    assert_int_equal(plen, 2);
    assert_int_equal(mqtts_frame(pp, 2, 1, &plen), MQTTS_ERR_PACKET_TOO_LARGE);
    test_release(pp);

    /* The largest packet against a limit one byte smaller. */
    static const uint8_t big[] = {0x30, 0xFF, 0xFF, 0xFF, 0x7F};
    uint8_t *bp = test_heap_copy(big, sizeof big);
    assert_int_equal(mqtts_frame(bp, sizeof big, MQTTS_MAX_REMAINING_LENGTH + 4u, &plen),
                     MQTTS_ERR_PACKET_TOO_LARGE);
    assert_int_equal(mqtts_frame(bp, sizeof big, MQTTS_MAX_REMAINING_LENGTH + 5u, &plen),
                     MQTTS_NEED_MORE);
    test_release(bp);
}

/* ---------------------------------------------------------------------- */
/* A stream of packets. */

typedef enum kind {
    K_CONNACK,
    K_PUBLISH,
    K_PUBACK,
    K_SUBACK,
    K_PINGRESP,
    K_DISCONNECT,
} kind;

typedef struct expect_pkt {
    kind kind;
    size_t offset;  /* in the stream */
    size_t len;     /* whole packet */
    size_t hdr_len; /* fixed header */
    /* PUBLISH */
    char topic[32];
    uint8_t qos;
    uint16_t packet_id;
    size_t payload_len;
    uint8_t seed; /* payload byte k is (seed + k * 7) & 0xFF */
    /* PUBACK */
    uint16_t ack_id;
} expect_pkt;

#define MAX_PKTS 32
#define STREAM_CAP (64 * 1024)

typedef struct stream {
    mqtts_version version;
    uint8_t *bytes;
    size_t len;
    expect_pkt pkts[MAX_PKTS];
    size_t count;
} stream;

static expect_pkt *stream_add(stream *s, kind k)
{
    assert_true(s->count < MAX_PKTS);
    expect_pkt *e = &s->pkts[s->count++];
    memset(e, 0, sizeof *e);
    e->kind = k;
    e->offset = s->len;
    return e;
}

static void stream_put(stream *s, const uint8_t *b, size_t n)
{
    assert_true(s->len + n <= STREAM_CAP);
    memcpy(s->bytes + s->len, b, n);
    s->len += n;
}

static void stream_end(stream *s, expect_pkt *e)
{
    e->len = s->len - e->offset;
}

static void stream_header(stream *s, expect_pkt *e, uint8_t first, uint32_t rl)
{
    uint8_t h[5];
    h[0] = first;
    size_t n = 1 + local_varint(rl, h + 1);
    stream_put(s, h, n);
    e->hdr_len = n;
}

/* A PUBLISH with remaining length exactly rl. */
static void add_publish(stream *s, const char *topic, uint8_t qos, uint16_t pid, uint32_t rl,
                        uint8_t seed)
{
    expect_pkt *e = stream_add(s, K_PUBLISH);
    size_t tl = strlen(topic);
    size_t fixed = 2 + tl + (qos ? 2 : 0) + (s->version == MQTTS_V5 ? 1 : 0);
    assert_true(rl >= fixed);
    assert_true(tl < sizeof e->topic);
    memcpy(e->topic, topic, tl + 1);
    e->qos = qos;
    e->packet_id = pid;
    e->payload_len = rl - fixed;
    e->seed = seed;

    stream_header(s, e, (uint8_t)(0x30 | (qos << 1)), rl);
    uint8_t tlen[2] = {(uint8_t)(tl >> 8), (uint8_t)tl};
    stream_put(s, tlen, 2);
    stream_put(s, (const uint8_t *)topic, tl);
    if (qos) {
        uint8_t id[2] = {(uint8_t)(pid >> 8), (uint8_t)pid};
        stream_put(s, id, 2);
    }
    if (s->version == MQTTS_V5) {
        uint8_t plen = 0;
        stream_put(s, &plen, 1);
    }
    for (size_t k = 0; k < e->payload_len; k++) {
        uint8_t b = (uint8_t)(seed + k * 7);
        stream_put(s, &b, 1);
    }
    stream_end(s, e);
    assert_int_equal(e->len, e->hdr_len + rl);
}

static void add_raw(stream *s, kind k, const uint8_t *b, size_t n, size_t hdr_len)
{
    expect_pkt *e = stream_add(s, k);
    stream_put(s, b, n);
    e->hdr_len = hdr_len;
    stream_end(s, e);
}

static void build_stream(stream *s, mqtts_version v)
{
    memset(s, 0, sizeof *s);
    s->version = v;
    s->bytes = test_acquire(STREAM_CAP);
    assert_non_null(s->bytes);

    if (v == MQTTS_V5) {
        static const uint8_t connack[] = {
            0x20, 0x09,             /* CONNACK, rl 9 */
            0x01,                   /* session present */
            0x00,                   /* Success */
            0x06,                   /* plen 6 */
            0x21, 0x00, 0x14,       /* Receive Maximum 20 */
            0x22, 0x00, 0x05,       /* Topic Alias Maximum 5 */
        };
        add_raw(s, K_CONNACK, connack, sizeof connack, 2);
    } else {
        static const uint8_t connack[] = {0x20, 0x02, 0x01, 0x00};
        add_raw(s, K_CONNACK, connack, sizeof connack, 2);
    }
    if (v == MQTTS_V5) {
        static const uint8_t suback[] = {0x90, 0x05, 0x00, 0x01, 0x00, 0x01, 0x80};
        add_raw(s, K_SUBACK, suback, sizeof suback, 2);
    } else {
        static const uint8_t suback[] = {0x90, 0x04, 0x00, 0x01, 0x01, 0x80};
        add_raw(s, K_SUBACK, suback, sizeof suback, 2);
    }
    add_publish(s, "s/tiny", 0, 0, 12, 1);
    add_publish(s, "s/200", 1, 0x0102, 200, 2);      /* 2-byte rl */
    static const uint8_t ping[] = {0xD0, 0x00};
    add_raw(s, K_PINGRESP, ping, sizeof ping, 2);
    add_publish(s, "s/127", 0, 0, 127, 3);           /* largest 1-byte rl */
    add_publish(s, "s/128", 2, 0xFFFF, 128, 4);      /* smallest 2-byte rl */
    add_publish(s, "s/20000", 1, 7, 20000, 5);       /* 3-byte rl */
    static const uint8_t puback[] = {0x40, 0x02, 0x00, 0x07};
    expect_pkt *e = stream_add(s, K_PUBACK);
    stream_put(s, puback, sizeof puback);
    e->hdr_len = 2;
    e->ack_id = 7;
    stream_end(s, e);
    add_publish(s, "s/16383", 0, 0, 16383, 6);       /* largest 2-byte rl */
    add_publish(s, "s/16384", 0, 0, 16384, 7);       /* smallest 3-byte rl */
    add_raw(s, K_PINGRESP, ping, sizeof ping, 2);
    if (v == MQTTS_V5) {
        static const uint8_t disc[] = {0xE0, 0x01, 0x8B}; /* Server shutting down */
        add_raw(s, K_DISCONNECT, disc, sizeof disc, 2);
    }
}

static void check_packet(const stream *s, const expect_pkt *e, const uint8_t *buf, size_t len)
{
    mqtts_packet pkt;
    memset(&pkt, 0, sizeof pkt);
    uint8_t *copy = test_heap_copy(buf, len);
    mqtts_err r = mqtts_decode(s->version, copy, len, &pkt);
    if (r != MQTTS_OK)
        print_error("packet at %zu (%zu bytes): %d\n", e->offset, len, (int)r);
    assert_int_equal(r, MQTTS_OK);
    switch (e->kind) {
    case K_CONNACK:
        assert_int_equal(pkt.type, MQTTS_CONNACK);
        assert_true(pkt.u.connack.session_present);
        assert_int_equal(pkt.u.connack.reason, 0);
        if (s->version == MQTTS_V5) {
            assert_int_equal(pkt.u.connack.props.receive_maximum, 20);
            assert_int_equal(pkt.u.connack.props.topic_alias_maximum, 5);
        }
        break;
    case K_SUBACK:
        assert_int_equal(pkt.type, MQTTS_SUBACK);
        assert_int_equal(pkt.u.suback.packet_id, 1);
        assert_int_equal(pkt.u.suback.reasons.len, 2);
        assert_int_equal(pkt.u.suback.reasons.ptr[0], s->version == MQTTS_V5 ? 0x01 : 0x01);
        assert_int_equal(pkt.u.suback.reasons.ptr[1], 0x80);
        break;
    case K_PUBLISH: {
        size_t tl = strlen(e->topic);
        assert_int_equal(pkt.type, MQTTS_PUBLISH);
        assert_int_equal(pkt.u.publish.qos, e->qos);
        assert_false(pkt.u.publish.dup);
        assert_false(pkt.u.publish.retain);
        if (e->qos)
            assert_int_equal(pkt.u.publish.packet_id, e->packet_id);
        assert_int_equal(pkt.u.publish.topic.len, tl);
        assert_memory_equal(pkt.u.publish.topic.ptr, e->topic, tl);
        assert_int_equal(pkt.u.publish.payload.len, e->payload_len);
        if (e->payload_len) {
            const uint8_t *pl = pkt.u.publish.payload.ptr;
            /* A view into the decoded buffer, ending at its end. */
            assert_ptr_equal(pl + e->payload_len, copy + len);
            for (size_t k = 0; k < e->payload_len; k++) {
                if (pl[k] != (uint8_t)(e->seed + k * 7)) {
                    print_error("payload byte %zu of %s\n", k, e->topic);
                    fail();
                }
            }
        }
        break;
    }
    case K_PUBACK:
        assert_int_equal(pkt.type, MQTTS_PUBACK);
        assert_int_equal(pkt.u.ack.packet_id, e->ack_id);
        break;
    case K_PINGRESP:
        assert_int_equal(pkt.type, MQTTS_PINGRESP);
        break;
    case K_DISCONNECT:
        assert_int_equal(pkt.type, MQTTS_DISCONNECT);
        assert_int_equal(pkt.u.disconnect.reason, 0x8B);
        break;
    }
    test_release(copy);
}

/* The reassembly loop: after each arrival, take out every whole packet.
 * `buf` holds `*have` bytes not yet consumed; *next is the index of the next
 * expected packet. Checks NEED_MORE and *packet_len while a packet is
 * incomplete. */
static void drain(const stream *s, uint8_t *buf, size_t *have, size_t *next, uint32_t max_len)
{
    for (;;) {
        /* Give mqtts_frame exactly the bytes there are. */
        uint8_t *view = test_heap_copy(buf, *have);
        size_t plen = 777;
        mqtts_err r = mqtts_frame(view, *have, max_len, &plen);
        test_release(view);
        if (*next >= s->count) {
            assert_int_equal(*have, 0);
            assert_int_equal(r, MQTTS_NEED_MORE);
            assert_int_equal(plen, 0);
            return;
        }
        const expect_pkt *e = &s->pkts[*next];
        if (*have < e->len) {
            if (r != MQTTS_NEED_MORE)
                print_error("packet %zu: %zu of %zu bytes: %d\n", *next, *have, e->len, (int)r);
            assert_int_equal(r, MQTTS_NEED_MORE);
            if (*have >= e->hdr_len)
                assert_int_equal(plen, e->len);
            else
                assert_int_equal(plen, 0);
            return;
        }
        if (r != MQTTS_OK)
            print_error("packet %zu: %zu of %zu bytes: %d\n", *next, *have, e->len, (int)r);
        assert_int_equal(r, MQTTS_OK);
        assert_int_equal(plen, e->len);
        check_packet(s, e, buf, plen);
        memmove(buf, buf + plen, *have - plen);
        *have -= plen;
        (*next)++;
    }
}

static void feed_bytewise(mqtts_version v, uint32_t max_len)
{
    stream s;
    build_stream(&s, v);
    uint8_t *buf = test_acquire(STREAM_CAP);
    size_t have = 0, next = 0;
    assert_non_null(buf);
    drain(&s, buf, &have, &next, max_len);
    for (size_t i = 0; i < s.len; i++) {
        buf[have++] = s.bytes[i];
        drain(&s, buf, &have, &next, max_len);
    }
    assert_int_equal(next, s.count);
    assert_int_equal(have, 0);
    test_release(buf);
    test_release(s.bytes);
}

static void feed_chunks(mqtts_version v, uint32_t seed)
{
    stream s;
    build_stream(&s, v);
    uint8_t *buf = test_acquire(STREAM_CAP);
    size_t have = 0, next = 0, pos = 0;
    assert_non_null(buf);
    rng_state = seed;
    while (pos < s.len) {
        uint32_t x = rng();
        size_t chunk;
        if (x % 8 == 0)
            chunk = 1 + (rng() % 30000); /* sometimes several packets at once */
        else
            chunk = 1 + (rng() % 97);
        if (chunk > s.len - pos)
            chunk = s.len - pos;
        memcpy(buf + have, s.bytes + pos, chunk);
        have += chunk;
        pos += chunk;
        drain(&s, buf, &have, &next, 0);
    }
    assert_int_equal(next, s.count);
    assert_int_equal(have, 0);
    test_release(buf);
    test_release(s.bytes);
}

static void test_frame_stream_bytewise_v5(void **state)
{
    (void)state;
    feed_bytewise(MQTTS_V5, 0);
}

static void test_frame_stream_bytewise_v311(void **state)
{
    (void)state;
    feed_bytewise(MQTTS_V311, 0);
}

/* A limit that every packet of the stream fits exactly changes nothing. */
static void test_frame_stream_bytewise_at_limit(void **state)
{
    (void)state;
    feed_bytewise(MQTTS_V5, 20004); /* the 20000-byte-rl PUBLISH: 4 + 20000 */
}

static void test_frame_stream_chunks_v5(void **state)
{
    (void)state;
    feed_chunks(MQTTS_V5, 0x2545F491u);
    feed_chunks(MQTTS_V5, 12345u);
}

static void test_frame_stream_chunks_v311(void **state)
{
    (void)state;
    feed_chunks(MQTTS_V311, 0x9E3779B9u);
    feed_chunks(MQTTS_V311, 777u);
}

/* The whole stream at once: packet after packet comes out of one buffer. */
static void test_frame_stream_all_at_once(void **state)
{
    stream s;
    (void)state;
    build_stream(&s, MQTTS_V5);
    uint8_t *buf = test_acquire(STREAM_CAP);
    size_t have = s.len, next = 0;
    assert_non_null(buf);
    memcpy(buf, s.bytes, s.len);
    drain(&s, buf, &have, &next, 0);
    assert_int_equal(next, s.count);
    test_release(buf);
    test_release(s.bytes);
}

/* With a limit one byte below the 20000-byte-rl PUBLISH, the stream stops
 * there with PACKET_TOO_LARGE as soon as that packet's fixed header is in,
 * and the packets before it come out whole. */
static void test_frame_stream_too_large_midway(void **state)
{
    stream s;
    (void)state;
    build_stream(&s, MQTTS_V5);
    size_t big = 0;
    for (size_t i = 0; i < s.count; i++)
        if (s.pkts[i].len == 20004)
            big = i;
    assert_true(big > 0);
    const expect_pkt *b = &s.pkts[big];

    uint8_t *buf = test_acquire(STREAM_CAP);
    size_t have = 0, next = 0;
    assert_non_null(buf);
    for (size_t i = 0; i < b->offset; i++) {
        buf[have++] = s.bytes[i];
        drain(&s, buf, &have, &next, 20003);
    }
    assert_int_equal(next, big);
    assert_int_equal(have, 0);
    for (size_t i = 0; i < b->hdr_len; i++) {
        buf[have++] = s.bytes[b->offset + i];
        uint8_t *view = test_heap_copy(buf, have);
        size_t plen = 777;
        mqtts_err r = mqtts_frame(view, have, 20003, &plen);
        test_release(view);
        if (have < b->hdr_len) {
            assert_int_equal(r, MQTTS_NEED_MORE);
            assert_int_equal(plen, 0);
        } else {
            assert_int_equal(r, MQTTS_ERR_PACKET_TOO_LARGE);
        }
    }
    test_release(buf);
    test_release(s.bytes);
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_varint_encode_boundaries, test_release_all),
        cmocka_unit_test_teardown(test_varint_encode_too_large, test_release_all),
        cmocka_unit_test_teardown(test_varint_decode_boundaries, test_release_all),
        cmocka_unit_test_teardown(test_varint_decode_roundtrip, test_release_all),
        cmocka_unit_test_teardown(test_varint_decode_prefix_need_more, test_release_all),
        cmocka_unit_test_teardown(test_varint_decode_stops_at_end_of_integer, test_release_all),
        cmocka_unit_test_teardown(test_varint_decode_too_long, test_release_all),
        cmocka_unit_test_teardown(test_varint_decode_not_minimal, test_release_all),
        cmocka_unit_test_teardown(test_frame_empty_and_one_byte, test_release_all),
        cmocka_unit_test_teardown(test_frame_pingresp, test_release_all),
        cmocka_unit_test_teardown(test_frame_packet_len_once_header_complete, test_release_all),
        cmocka_unit_test_teardown(test_frame_largest_remaining_length, test_release_all),
        cmocka_unit_test_teardown(test_frame_varint_too_long_immediately, test_release_all),
        cmocka_unit_test_teardown(test_frame_varint_not_minimal, test_release_all),
        cmocka_unit_test_teardown(test_frame_max_len, test_release_all),
        cmocka_unit_test_teardown(test_frame_stream_bytewise_v5, test_release_all),
        cmocka_unit_test_teardown(test_frame_stream_bytewise_v311, test_release_all),
        cmocka_unit_test_teardown(test_frame_stream_bytewise_at_limit, test_release_all),
        cmocka_unit_test_teardown(test_frame_stream_chunks_v5, test_release_all),
        cmocka_unit_test_teardown(test_frame_stream_chunks_v311, test_release_all),
        cmocka_unit_test_teardown(test_frame_stream_all_at_once, test_release_all),
        cmocka_unit_test_teardown(test_frame_stream_too_large_midway, test_release_all),
    };
    return cmocka_run_group_tests_name("framing", tests, NULL, NULL);
}
