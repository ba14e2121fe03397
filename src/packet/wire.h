/*
 * Private wire primitives of the codec: a bounded reader and a measuring
 * writer. Not installed; not part of the API. Functions that leave their
 * file carry the mqtts__ prefix so they cannot clash with a firmware's own.
 *
 * The writer never writes past its capacity but always advances `pos`, so
 * one encoding pass over a too-small (or NULL) buffer yields the exact size
 * needed. Encoders validate first, then write; they never fail half-way for
 * a reason other than space.
 *
 * The reader never reads past its end. The first failure sticks in `err`
 * (every later read fails too), so decoders can read a run of fields and
 * check once; `trunc` is the error a short read reports, which lets the same
 * reader say PACKET_TRUNCATED in a packet and PROPERTY_TRUNCATED inside a
 * property block.
 */
#ifndef MQTTS_SRC_PACKET_WIRE_H
#define MQTTS_SRC_PACKET_WIRE_H

#include "mqtts/packet.h"
#include "../try.h"

typedef struct wr {
    uint8_t *buf;
    size_t cap;
    size_t pos;
} wr;

typedef struct rd {
    const uint8_t *p;
    size_t len;
    size_t pos;
    mqtts_err err;   /* MQTTS_OK until the first failure */
    mqtts_err trunc; /* what running out of bytes is called here */
} rd;

void mqtts__wr_u8(wr *w, uint8_t b);
void mqtts__wr_u16(wr *w, uint16_t v);
void mqtts__wr_u32(wr *w, uint32_t v);
void mqtts__wr_varint(wr *w, uint32_t v);
void mqtts__wr_raw(wr *w, const void *p, size_t n);
/* A length-prefixed string or binary field (two-byte length). */
void mqtts__wr_lp(wr *w, const void *p, size_t n);

void mqtts__rd_init(rd *r, const uint8_t *p, size_t len, mqtts_err trunc);
uint8_t mqtts__rd_u8(rd *r);
uint16_t mqtts__rd_u16(rd *r);
uint32_t mqtts__rd_u32(rd *r);
uint32_t mqtts__rd_varint(rd *r);
/* A two-byte length, then that many bytes; returns a view. */
mqtts_bin mqtts__rd_lp(rd *r);
/* A length-prefixed UTF-8 string, checked with mqtts_utf8_check(). */
mqtts_str mqtts__rd_str(rd *r);
static inline size_t rd_left(const rd *r) { return r->len - r->pos; }
static inline void rd_fail(rd *r, mqtts_err e)
{
    if (r->err == MQTTS_OK)
        r->err = e;
}


/* Encoding helpers shared by encode.c and props.c. */
mqtts_err mqtts__check_string(const void *p, size_t len);      /* <= 65535, UTF-8 */
mqtts_err mqtts__check_binary(const void *p, size_t len);      /* <= 65535 */
/* A topic name as it may appear on the wire; empty allowed when asked. */
mqtts_err mqtts__check_topic_name(const char *t, size_t len, bool allow_empty);
/* The fixed header for a body of `body` bytes; checks the protocol limit. */
mqtts_err mqtts__wr_fixed_header(wr *w, uint8_t first, size_t body);
/* Finish an encode: the buffer contract of packet.h. */
mqtts_err mqtts__wr_finish(const wr *w, size_t *len);

/* Server-sent reason code check with the client-sent variant for encoding. */
/* Index of a v5 reason code among packet type t's (src/packet/reasons.c), or -1. */
int mqtts__reason_find(mqtts_packet_type t, uint8_t code);
bool mqtts__reason_ok(mqtts_version v, mqtts_packet_type t, uint8_t code, bool from_server);



/* Property blocks inside packets (props.c). */
mqtts_err mqtts__props_write_block(const mqtts_props *p, uint8_t where, wr *w);
/* Reads the length and the block; fills *p (zeroed first), raw included. */
mqtts_err mqtts__props_read_block(rd *r, uint8_t where, mqtts_props *p);
/* Bit tests on `present` with 32-bit shifts: Cortex-M0+ has no 64-bit
 * shifter, and a variable 64-bit shift costs a library call. */
static inline bool prop_has(const mqtts_props *p, unsigned id)
{
    uint32_t half = id < 32 ? (uint32_t)p->present : (uint32_t)(p->present >> 32);
    return (half >> (id & 31u)) & 1u;
}
static inline void prop_set(mqtts_props *p, unsigned id)
{
    uint32_t bit = 1u << (id & 31u);
    p->present |= id < 32 ? (uint64_t)bit : (uint64_t)bit << 32;
}
/* Whether the props carry anything to encode. */
static inline bool props_empty(const mqtts_props *p)
{
    return (p->present & ~MQTTS_PROP_BIT(MQTTS_PROP_USER_PROPERTY)) == 0 && p->user_count == 0;
}
#endif
