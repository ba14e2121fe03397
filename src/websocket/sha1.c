/*
 * sha1.c - SHA-1 and base64, for one job: checking Sec-WebSocket-Accept
 * (RFC 6455 section 4.2.2), once per connection.
 *
 * Why by hand rather than mbedTLS's: a device speaking plain ws:// may have
 * no crypto library at all, and an mbedTLS configured for TLS 1.2/1.3 today
 * often leaves SHA-1 out (MBEDTLS_SHA1_C is off in many small configs, and
 * PSA builds may not offer it). Both functions are small (about 600 bytes
 * of Thumb code together), have no state beyond the stack, and security
 * does not rest on them: the accept value proves only that the server
 * understood the upgrade, the key is not a secret. The unit tests check
 * them against the FIPS 180 and RFC 4648 vectors and RFC 6455's example.
 */
#include <string.h>

#include "websocket/ws_internal.h"

static uint32_t rol(uint32_t x, unsigned n)
{
    return (x << n) | (x >> (32u - n));
}

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | (uint32_t)p[3];
}

/* One 64-byte block; the message schedule kept as a ring of 16 words. */
static void sha1_block(uint32_t h[5], const uint8_t *p)
{
    uint32_t w[16];
    uint32_t a = h[0], b = h[1], c = h[2], d = h[3], e = h[4];
    unsigned t;

    for (t = 0; t < 16; t++)
        w[t] = be32(p + 4 * t);
    for (t = 0; t < 80; t++) {
        uint32_t f, k, tmp;

        if (t >= 16)
            w[t & 15] = rol(w[(t + 13) & 15] ^ w[(t + 8) & 15] ^ w[(t + 2) & 15] ^ w[t & 15], 1);
        if (t < 20) {
            f = (b & c) | (~b & d);
            k = 0x5A827999u;
        } else if (t < 40) {
            f = b ^ c ^ d;
            k = 0x6ED9EBA1u;
        } else if (t < 60) {
            f = (b & c) | (b & d) | (c & d);
            k = 0x8F1BBCDCu;
        } else {
            f = b ^ c ^ d;
            k = 0xCA62C1D6u;
        }
        tmp = rol(a, 5) + f + e + k + w[t & 15];
        e = d;
        d = c;
        c = rol(b, 30);
        b = a;
        a = tmp;
    }
    h[0] += a;
    h[1] += b;
    h[2] += c;
    h[3] += d;
    h[4] += e;
}

void mqtts_ws_sha1(const uint8_t *msg, size_t len, uint8_t out[MQTTS_WS_SHA1_LEN])
{
    uint32_t h[5] = {0x67452301u, 0xEFCDAB89u, 0x98BADCFEu, 0x10325476u, 0xC3D2E1F0u};
    uint8_t last[64];
    size_t done = 0, rest;
    unsigned i;

    for (; len - done >= 64; done += 64)
        sha1_block(h, msg + done);
    /* Padding: 0x80, zeros, the length in bits as 64 bits big-endian. */
    rest = len - done;
    memset(last, 0, sizeof last);
    if (rest > 0)
        memcpy(last, msg + done, rest);
    last[rest] = 0x80;
    if (rest >= 56) {
        sha1_block(h, last);
        memset(last, 0, sizeof last);
    }
    {
        uint64_t bits = (uint64_t)len << 3;
        for (i = 0; i < 8; i++)
            last[63 - i] = (uint8_t)(bits >> (8 * i));
    }
    sha1_block(h, last);
    for (i = 0; i < 20; i++)
        out[i] = (uint8_t)(h[i / 4] >> (24 - 8 * (i % 4)));
}

size_t mqtts_ws_base64(const uint8_t *in, size_t len, char *out)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    size_t i, n = 0;

    for (i = 0; i < len; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        size_t left = len - i;

        if (left > 1)
            v |= (uint32_t)in[i + 1] << 8;
        if (left > 2)
            v |= in[i + 2];
        out[n++] = abc[(v >> 18) & 63];
        out[n++] = abc[(v >> 12) & 63];
        out[n++] = left > 1 ? abc[(v >> 6) & 63] : '=';
        out[n++] = left > 2 ? abc[v & 63] : '=';
    }
    out[n] = '\0';
    return n;
}

void mqtts_ws_accept_for(const char key[MQTTS_WS_KEY_CHARS], char out[MQTTS_WS_ACCEPT_CHARS + 1])
{
    static const char guid[] = MQTTS_WS_GUID;
    uint8_t text[MQTTS_WS_KEY_CHARS + sizeof guid - 1];
    uint8_t digest[MQTTS_WS_SHA1_LEN];

    memcpy(text, key, MQTTS_WS_KEY_CHARS);
    memcpy(text + MQTTS_WS_KEY_CHARS, guid, sizeof guid - 1);
    mqtts_ws_sha1(text, sizeof text, digest);
    (void)mqtts_ws_base64(digest, sizeof digest, out);
}
