/*
 * ws_internal.h - what the files of src/websocket share; not installed.
 *
 *   ws.c         the transport: init, connect, framing out (send) and in
 *                (recv, in place), control frames, wait, close; the detail
 *                text
 *   handshake.c  the HTTP/1.1 Upgrade: the request, the answer read line by
 *                line, its checks
 *   sha1.c       SHA-1 and base64, for Sec-WebSocket-Accept
 *   posix/       the POSIX defaults of the entropy and clock callbacks (not
 *                portable; compiled only with MQTTS_BUILD_POSIX)
 *
 * The global names here are private although they carry the mqtts_ws_
 * prefix (so that they cannot clash with a firmware's own symbols).
 */
#ifndef MQTTS_SRC_WEBSOCKET_WS_INTERNAL_H
#define MQTTS_SRC_WEBSOCKET_WS_INTERNAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/config.h"

#include "mqtts/websocket.h"

/* RFC 6455 section 1.3: appended to the key before hashing. */
#define MQTTS_WS_GUID "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"
/* 16 random bytes in base64, and a SHA-1 digest in base64. */
#define MQTTS_WS_KEY_CHARS 24
#define MQTTS_WS_ACCEPT_CHARS 28
#define MQTTS_WS_SHA1_LEN 20

/* SHA-1 (FIPS 180-4) of msg[0..len), in one call. */
void mqtts_ws_sha1(const uint8_t *msg, size_t len, uint8_t out[MQTTS_WS_SHA1_LEN]);

/* Standard base64 (RFC 4648, with '=' padding) of in[0..len) into out:
 * 4 * ceil(len / 3) characters and a NUL. Returns the characters written. */
size_t mqtts_ws_base64(const uint8_t *in, size_t len, char *out);

/* The Sec-WebSocket-Accept a server must answer key with: base64 of the
 * SHA-1 of key + GUID, NUL-terminated. */
void mqtts_ws_accept_for(const char key[MQTTS_WS_KEY_CHARS], char out[MQTTS_WS_ACCEPT_CHARS + 1]);

/* The upgrade, on a connected lower transport, before start + timeout_ms
 * (start: a reading of the config's clock). On success the answer's
 * read-ahead is in buf[rx_pos..rx_end). On failure the detail says why. */
mqtts_err mqtts_ws_handshake(mqtts_ws *ws, const char *host, uint16_t port, uint32_t start,
                             uint32_t timeout_ms);

/* Milliseconds left of timeout_ms since start, 0 once it has passed. */
uint32_t mqtts_ws_left(const mqtts_ws *ws, uint32_t start, uint32_t timeout_ms);

/* The detail text: cleared, then appended to (cut at its size). */
void mqtts_ws_say_clear(mqtts_ws *ws);
#if MQTTS_CONFIG_NAMES
void mqtts_ws_say(mqtts_ws *ws, const char *text);
void mqtts_ws_say_num(mqtts_ws *ws, uint32_t v);
/* "text", bytes outside printable ASCII shown as '?', at most max bytes
 * (then "..."). */
void mqtts_ws_say_quoted(mqtts_ws *ws, const uint8_t *text, size_t len, size_t max);
#endif

/* The code says things through these. With MQTTS_CONFIG_NAMES=0 they are
 * nothing at all, so the text (about 4.5 KB of flash on a Cortex-M0+, most
 * of this layer's size) is not compiled in, and the detail stays "". */
#if MQTTS_CONFIG_NAMES
#define WS_SAY(ws, text) mqtts_ws_say((ws), (text))
#define WS_SAY_NUM(ws, v) mqtts_ws_say_num((ws), (v))
#define WS_SAY_QUOTED(ws, text, len, max) mqtts_ws_say_quoted((ws), (text), (len), (max))
#else
#define WS_SAY(ws, text) ((void)(ws), (void)(text))
#define WS_SAY_NUM(ws, v) ((void)(ws), (void)(v))
#define WS_SAY_QUOTED(ws, text, len, max) ((void)(ws), (void)(text), (void)(len), (void)(max))
#endif

/* Whether the string s has the character c (strchr() is not among the
 * libc functions the portable code may use). */
bool mqtts_ws_has_char(const char *s, char c);

#endif /* MQTTS_SRC_WEBSOCKET_WS_INTERNAL_H */
