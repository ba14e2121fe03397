/*
 * Wire primitives: variable byte integers, big-endian integers and
 * length-prefixed fields, in both directions, plus framing. Everything that
 * touches raw bytes of the fixed header lives here so that the encoders and
 * decoders only speak in fields.
 */
#include "wire.h"

size_t mqtts_varint_size(uint32_t value)
{
    if (value < 128u)
        return 1;
    if (value < 16384u)
        return 2;
    if (value < 2097152u)
        return 3;
    if (value <= MQTTS_VARINT_MAX)
        return 4;
    return 0;
}

size_t mqtts_varint_encode(uint32_t value, uint8_t *out)
{
    size_t n = mqtts_varint_size(value);
    for (size_t i = 0; i < n; i++) {
        uint8_t b = (uint8_t)(value & 0x7Fu);
        value >>= 7;
        out[i] = (uint8_t)(i + 1 < n ? (b | 0x80u) : b);
    }
    return n;
}

mqtts_err mqtts_varint_decode(const uint8_t *buf, size_t len, uint32_t *value, size_t *used)
{
    uint32_t v = 0;
    for (size_t i = 0; i < 4; i++) {
        if (i >= len)
            return MQTTS_NEED_MORE;
        uint8_t b = buf[i];
        v |= (uint32_t)(b & 0x7Fu) << (7 * i);
        if ((b & 0x80u) == 0) {
            /* A last byte of 0 after others means a shorter form existed. */
            if (b == 0 && i > 0)
                return MQTTS_ERR_VARINT_NOT_MINIMAL;
            *value = v;
            *used = i + 1;
            return MQTTS_OK;
        }
    }
    return MQTTS_ERR_VARINT_TOO_LONG;
}

mqtts_err mqtts_frame(const uint8_t *buf, size_t len, uint32_t max_len, size_t *packet_len)
{
    uint32_t rl;
    size_t used;
    *packet_len = 0;
    if (len < 2)
        return MQTTS_NEED_MORE;
    mqtts_err e = mqtts_varint_decode(buf + 1, len - 1, &rl, &used);
    if (e != MQTTS_OK)
        return e;
    size_t total = 1 + used + (size_t)rl;
    if (max_len != 0 && total > max_len)
        return MQTTS_ERR_PACKET_TOO_LARGE;
    *packet_len = total;
    return len >= total ? MQTTS_OK : MQTTS_NEED_MORE;
}

/* ---- writer ---- */

void mqtts__wr_u8(wr *w, uint8_t b)
{
    if (w->pos < w->cap)
        w->buf[w->pos] = b;
    w->pos++;
}

void mqtts__wr_u16(wr *w, uint16_t v)
{
    mqtts__wr_u8(w, (uint8_t)(v >> 8));
    mqtts__wr_u8(w, (uint8_t)v);
}

void mqtts__wr_u32(wr *w, uint32_t v)
{
    mqtts__wr_u16(w, (uint16_t)(v >> 16));
    mqtts__wr_u16(w, (uint16_t)v);
}

void mqtts__wr_varint(wr *w, uint32_t v)
{
    uint8_t tmp[4];
    mqtts__wr_raw(w, tmp, mqtts_varint_encode(v, tmp));
}

void mqtts__wr_raw(wr *w, const void *p, size_t n)
{
    if (w->pos < w->cap && n > 0) {
        size_t room = w->cap - w->pos;
        memcpy(w->buf + w->pos, p, n < room ? n : room);
    }
    w->pos += n;
}

void mqtts__wr_lp(wr *w, const void *p, size_t n)
{
    mqtts__wr_u16(w, (uint16_t)n);
    mqtts__wr_raw(w, p, n);
}

mqtts_err mqtts__wr_fixed_header(wr *w, uint8_t first, size_t body)
{
    if (body > MQTTS_MAX_REMAINING_LENGTH)
        return MQTTS_ERR_PACKET_TOO_LARGE;
    mqtts__wr_u8(w, first);
    mqtts__wr_varint(w, (uint32_t)body);
    return MQTTS_OK;
}

mqtts_err mqtts__wr_finish(const wr *w, size_t *len)
{
    *len = w->pos;
    return w->pos <= w->cap ? MQTTS_OK : MQTTS_ERR_BUFFER_TOO_SMALL;
}

/* ---- reader ---- */

void mqtts__rd_init(rd *r, const uint8_t *p, size_t len, mqtts_err trunc)
{
    r->p = p;
    r->len = len;
    r->pos = 0;
    r->err = MQTTS_OK;
    r->trunc = trunc;
}

/* Reserve n bytes; NULL (and the sticky error) when they are not there. */
static const uint8_t *rd_take(rd *r, size_t n)
{
    if (r->err != MQTTS_OK)
        return NULL;
    if (rd_left(r) < n) {
        r->err = r->trunc;
        return NULL;
    }
    const uint8_t *p = r->p + r->pos;
    r->pos += n;
    return p;
}

uint8_t mqtts__rd_u8(rd *r)
{
    const uint8_t *p = rd_take(r, 1);
    return p ? p[0] : 0;
}

uint16_t mqtts__rd_u16(rd *r)
{
    const uint8_t *p = rd_take(r, 2);
    return p ? (uint16_t)((p[0] << 8) | p[1]) : 0;
}

uint32_t mqtts__rd_u32(rd *r)
{
    const uint8_t *p = rd_take(r, 4);
    return p ? ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3] : 0;
}

uint32_t mqtts__rd_varint(rd *r)
{
    uint32_t v = 0;
    size_t used = 0;
    if (r->err != MQTTS_OK)
        return 0;
    mqtts_err e = mqtts_varint_decode(r->p + r->pos, rd_left(r), &v, &used);
    if (e == MQTTS_NEED_MORE)
        e = r->trunc;
    if (e != MQTTS_OK) {
        r->err = e;
        return 0;
    }
    r->pos += used;
    return v;
}

mqtts_bin mqtts__rd_lp(rd *r)
{
    mqtts_bin b = {NULL, 0};
    uint16_t n = mqtts__rd_u16(r);
    const uint8_t *p = rd_take(r, n);
    if (p) {
        b.ptr = p;
        b.len = n;
    }
    return b;
}

mqtts_str mqtts__rd_str(rd *r)
{
    mqtts_bin b = mqtts__rd_lp(r);
    mqtts_str s = {(const char *)b.ptr, b.len};
    if (r->err == MQTTS_OK)
        rd_fail(r, mqtts_utf8_check(b.ptr, b.len));
    return s;
}
