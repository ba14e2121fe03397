/*
 * mqtts/websocket.h - MQTT over WebSocket (RFC 6455, client side) as a
 * transport that stacks on another one: TCP for ws://, TLS over TCP for
 * wss://. It lives in its own library, mqtts_ws (CMake target mqtts::ws);
 * the framing and the handshake are portable C (string.h only) and fit a
 * microcontroller. docs/websocket.md is the guide.
 *
 *     mqtts_tcp tcp;
 *     mqtts_tls tls;
 *     mqtts_ws ws;
 *     mqtts_transport t_tcp, t_tls, t;
 *     static uint8_t ws_buf[1024];
 *     mqtts_ws_config wc = {0};
 *     wc.path = "/mqtt";                   // wss://broker:8884/mqtt
 *     wc.secure = true;
 *     wc.buf = ws_buf;
 *     wc.buf_size = sizeof ws_buf;
 *     mqtts_tcp_init(&tcp, &t_tcp);
 *     mqtts_tls_init(&tls, NULL, &t_tcp, &t_tls);     // for ws://: skip TLS
 *     mqtts_ws_init(&ws, &wc, &t_tls, &t);
 *     mqtts_client_init(&client, &cfg, &mem, &t);     // host, port 8884
 *     e = mqtts_client_connect_wait(&client, 10000);
 *     if (e != MQTTS_OK)
 *         printf("%s: %s\n", mqtts_strerror(e), mqtts_ws_error_detail(&ws));
 *
 * A URL maps onto it directly: ws://HOST:PORT/PATH is the host and port
 * given to connect() (the client's broker address), cfg.path = "/PATH" and
 * cfg.secure = false, over TCP; wss:// is the same with cfg.secure = true,
 * over TLS. The port defaults are 80 and 443 (HiveMQ Cloud: wss, port 8884,
 * path /mqtt; mosquitto: whatever its `listener N` + `protocol websockets`
 * says, any path).
 *
 * What goes on the wire
 * ---------------------
 *   connect  The lower transport's connect, then the HTTP/1.1 Upgrade:
 *                GET PATH HTTP/1.1
 *                Host: HOST[:PORT]        (PORT left out when it is 80 for
 *                                          ws, 443 for wss; [v6] bracketed)
 *                Upgrade: websocket
 *                Connection: Upgrade
 *                Sec-WebSocket-Key: 16 random bytes in base64 (cfg.entropy)
 *                Sec-WebSocket-Version: 13
 *                Sec-WebSocket-Protocol: mqtt
 *                ... cfg.headers, in order (Authorization: ...) ...
 *            The answer must be "HTTP/1.1 101", with "Upgrade: websocket",
 *            "Connection: Upgrade" (a token of the list),
 *            Sec-WebSocket-Accept = base64(SHA-1(key + the RFC's GUID)),
 *            Sec-WebSocket-Protocol = the protocol asked for, and no
 *            extension. All within connect()'s timeout_ms, which covers the
 *            lower connect (TCP, TLS handshake) and the upgrade together.
 *   send     One binary frame per call (FIN set), masked with 4 fresh
 *            random bytes. Its payload is as much of the caller's bytes as
 *            fits in cfg.buf with the frame header; a bigger buffer makes
 *            fewer, larger frames (a byte stream needs no message
 *            boundaries: MQTT packets may span frames).
 *   recv     Frames of any size (up to 2^63 - 1 bytes) and any
 *            fragmentation (a binary frame and its continuations), with
 *            control frames between them; only the payload bytes come out,
 *            as one byte stream, read in place into the caller's buffer
 *            (no copy through a buffer of ours). A ping is answered with a
 *            pong carrying its data; a pong is ignored; a close frame is
 *            answered with a close frame and reported as
 *            MQTTS_ERR_WS_CLOSED (its code and reason in the detail).
 *
 * What fails, and how (error.h, -170 .. -179)
 * -------------------------------------------
 *   MQTTS_ERR_WS_HTTP_STATUS   the upgrade was answered with another status
 *                              (404: wrong path; 401/403: credentials; 200:
 *                              a web page): mqtts_ws_http_status() and the
 *                              detail, which quotes the status line.
 *   MQTTS_ERR_WS_BAD_ACCEPT    Sec-WebSocket-Accept missing or wrong (a
 *                              proxy that rewrote the request or answered
 *                              in the server's place).
 *   MQTTS_ERR_WS_SUBPROTOCOL   the server did not agree to "mqtt" (said
 *                              nothing, or chose another).
 *   MQTTS_ERR_WS_BAD_RESPONSE  the answer is not a WebSocket upgrade: not
 *                              HTTP (an MQTT or TLS port?), no Upgrade or
 *                              Connection header, an extension not asked
 *                              for, a header line over the buffer.
 *   MQTTS_ERR_WS_TEXT_FRAME    the server sent a text frame (MQTT is binary
 *                              only, [MQTT-6.0.0-1]).
 *   MQTTS_ERR_WS_BAD_FRAME     a malformed frame: reserved bits or opcodes,
 *                              a masked frame, a length with the top bit
 *                              set or not in its shortest form, a control
 *                              frame over 125 bytes or fragmented, a
 *                              continuation with nothing to continue.
 *   MQTTS_ERR_WS_CLOSED        the server sent a close frame; its code is
 *                              mqtts_ws_close_code(), code and reason are
 *                              in the detail.
 *   MQTTS_ERR_WS_HANDSHAKE_TIMEOUT  no (complete) answer to the upgrade in
 *                              time.
 *   MQTTS_ERR_WS_ENTROPY       the entropy callback failed (key or mask).
 * plus the lower transport's errors (DNS, refused, TLS, closed ...), and
 * MQTTS_ERR_BUFFER_TOO_SMALL when the upgrade request does not fit in
 * cfg.buf. After a frame error or a close frame, the transport stays failed
 * (every call returns the same error) until close().
 *
 * mqtts_ws_error_detail() says what was found, what was expected and what
 * to do. It never contains a header value the caller gave (an Authorization
 * header is never printed) nor the key. With MQTTS_CONFIG_NAMES=0 the text
 * is not compiled in and the detail is always "" (the error codes,
 * mqtts_ws_http_status() and mqtts_ws_close_code() still tell).
 *
 * Memory
 * ------
 * Nothing is allocated. The caller gives the mqtts_ws (256 bytes on a
 * Cortex-M0+, plus MQTTS_CONFIG_WS_DETAIL_MAX) and one buffer,
 * cfg.buf: it holds the upgrade request, the upgrade answer (read line by
 * line: a header line longer than the buffer is skipped unless it is one
 * the handshake checks), and each outgoing frame. At least MQTTS_WS_BUF_MIN
 * bytes; 512 to 2048 suit a device, 16 KB a host (fewer frames and fewer
 * calls into the lower transport per large message). Incoming frames need
 * no buffer of their own.
 *
 * The transport's functions keep transport.h's contract, plus:
 *   send     After a send() returned 0 (would block), the next send() MUST
 *            start with the same bytes, at least as many (they are already
 *            masked in a frame): the client does this by construction, as
 *            its queue only grows at the end. Same rule as TLS.
 *   wait     MQTTS_READABLE at once when bytes of the upgrade answer's
 *            read-ahead are waiting or the transport has failed; a pong or
 *            close frame still to go out is sent while waiting. Else the
 *            lower transport's wait(), which must exist (init refuses a
 *            lower transport without one).
 *   close    Sends a close frame (1000, best effort, never waits) when one
 *            can go, closes the lower transport; the transport can connect
 *            again.
 *
 * Thread safety: none; one connection is driven by one thread.
 */
#ifndef MQTTS_WEBSOCKET_H
#define MQTTS_WEBSOCKET_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/config.h"
#include "mqtts/error.h"
#include "mqtts/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* MQTTS_CONFIG_WS_DETAIL_MAX: room for mqtts_ws_error_detail()'s text, NUL
 * included; a longer text is cut. 256 (the default) holds every message
 * with a status line or a close reason quoted in full; 96 keeps the gist.
 * With MQTTS_CONFIG_NAMES=0 there is no text (the detail is always "") and
 * the default is 1. It sizes a field of mqtts_ws, so set it for the
 * library and its users alike (a CMake cache variable of this name does
 * that). Range: 1 .. 4096. */
#ifndef MQTTS_CONFIG_WS_DETAIL_MAX
#if MQTTS_CONFIG_NAMES
#define MQTTS_CONFIG_WS_DETAIL_MAX 256
#else
#define MQTTS_CONFIG_WS_DETAIL_MAX 1
#endif
#endif
#if MQTTS_CONFIG_WS_DETAIL_MAX < 1 || MQTTS_CONFIG_WS_DETAIL_MAX > 4096
#error "MQTTS_CONFIG_WS_DETAIL_MAX must be 1 .. 4096"
#endif

/* The smallest cfg.buf: the upgrade request with a short host and path and
 * no extra headers, and frames of a useful size. */
#define MQTTS_WS_BUF_MIN 256

/* Most bytes of a control frame's payload (ping data, close reason + 2). */
#define MQTTS_WS_CONTROL_MAX 125

/* An extra header of the upgrade request. */
typedef struct mqtts_ws_header {
    const char *name;  /* a token: "Authorization" */
    const char *value; /* no CR, LF or other control characters but tab */
} mqtts_ws_header;

typedef struct mqtts_ws_config {
    /* The request target: the URL's path and query, "/mqtt". NULL or "":
     * "/". Printable ASCII without spaces, starting with '/' (percent-encode
     * anything else). */
    const char *path;
    /* The lower transport is TLS (wss://). Only changes which port the Host
     * header leaves out as implied: 443 rather than 80. */
    bool secure;
    /* The Host header's name; NULL: the host given to connect() (an IPv6
     * address is bracketed). The port is added as above. */
    const char *host_header;
    /* The subprotocol to ask for and insist on; NULL: "mqtt" (MQTT 3.1.1
     * and 5.0 both say so). "mqttv3.1" for a broker of MQTT 3.1 days. */
    const char *subprotocol;
    /* Extra request headers, header_count of them (Authorization, a
     * cookie). Not copied: they must outlive the mqtts_ws. Never printed.
     * The handshake's own headers (Host, Upgrade, Connection,
     * Sec-WebSocket-*) are refused here. */
    const mqtts_ws_header *headers;
    size_t header_count;
    /* The buffer (see "Memory"): at least MQTTS_WS_BUF_MIN bytes, owned by
     * the caller, used only by this mqtts_ws. */
    uint8_t *buf;
    size_t buf_size;
    /* Fills out[0..len) with unpredictable bytes (the key, each frame's
     * mask); returns 0, or non-zero on failure. NULL: getrandom() on Linux,
     * getentropy() on other POSIX hosts (when mqtts_ws was built with
     * MQTTS_BUILD_POSIX); required elsewhere (the RP2040's ROSC, a TRNG). */
    int (*entropy)(void *user, uint8_t *out, size_t len);
    /* A monotonic millisecond clock for the handshake deadline; NULL:
     * CLOCK_MONOTONIC on POSIX hosts; required elsewhere. */
    uint32_t (*now_ms)(void *user);
    void *user; /* passed to entropy and now_ms */
} mqtts_ws_config;

/* A WebSocket connection. Allocate it anywhere; it must outlive the
 * transport it fills. Fields are private but detail, which
 * mqtts_ws_error_detail() returns. */
typedef struct mqtts_ws {
    mqtts_ws_config cfg;
    mqtts_transport lower;
    mqtts_err failed;      /* sticky error of the connection, MQTTS_OK while sound */
    bool lower_up;         /* the lower transport is connected */
    bool connected;        /* the upgrade succeeded */
    bool close_sent;       /* our close frame has gone (or is going) out */
    uint8_t ctrl_due;      /* a control frame to send: 0, pong or close */
    uint16_t close_out;    /* the code of the close frame to send */
    uint16_t close_in;     /* the code of the server's close frame, 0: none */
    uint16_t http_status;  /* of the last upgrade answer, 0: none */
    size_t out_pos, out_end; /* buf[out_pos..out_end): a frame still going out */
    size_t owed;           /* caller bytes in that frame not yet acknowledged */
    size_t rx_pos, rx_end; /* buf[rx_pos..rx_end): read ahead of the upgrade answer */
    uint64_t in_left;      /* payload bytes of the incoming frame still to come */
    uint8_t hdr[10];       /* the incoming frame's header so far */
    uint8_t hdr_len;
    uint8_t hdr_need;      /* its full length; 0 while reading the payload */
    uint8_t opcode;        /* of the incoming frame */
    bool in_message;       /* a fragmented binary message is going on */
    uint8_t ctrl_len;
    uint8_t ctrl[MQTTS_WS_CONTROL_MAX]; /* an incoming control frame's payload */
    char detail[MQTTS_CONFIG_WS_DETAIL_MAX];
} mqtts_ws;

/* Sets up ws over lower (copied: its context must outlive ws) and fills *t
 * with the WebSocket functions. cfg is copied; its strings, headers and
 * buffer must outlive ws. Checks the configuration now (path, headers,
 * buffer, callbacks). Returns MQTTS_OK, or MQTTS_ERR_INVALID_ARGUMENT with
 * the reason in mqtts_ws_error_detail(ws): NULL ws/cfg/lower/t, a lower
 * transport without connect/send/recv/wait/close, a path, subprotocol or
 * header that cannot be sent, a buffer under MQTTS_WS_BUF_MIN, no
 * entropy or clock where there is no default. Allocates nothing.
 *
 * @code{c}
 * mqtts_ws_config wc = {.path = "/mqtt", .buf = buf, .buf_size = sizeof buf};
 * if (mqtts_ws_init(&ws, &wc, &tcp_transport, &t) != MQTTS_OK)
 *     puts(mqtts_ws_error_detail(&ws));
 * @endcode */
mqtts_err mqtts_ws_init(mqtts_ws *ws, const mqtts_ws_config *cfg, const mqtts_transport *lower,
                        mqtts_transport *t);

/* What the last failure of connect, send or recv was, in words: never
 * NULL, "" when nothing failed. */
const char *mqtts_ws_error_detail(const mqtts_ws *ws);

/* The status code of the last upgrade answer (101 when it succeeded, 404
 * ...); 0 when none was read. */
int mqtts_ws_http_status(const mqtts_ws *ws);

/* The code of the server's close frame (1000 normal, 1001 going away, 1008
 * policy ...; 1005 when it had none); 0 when none came on this connection. */
int mqtts_ws_close_code(const mqtts_ws *ws);

/* The POSIX defaults of cfg.entropy and cfg.now_ms, in mqtts_ws when it is
 * built for a POSIX host (MQTTS_BUILD_POSIX): getrandom()/getentropy() and
 * CLOCK_MONOTONIC. user is not used. */
int mqtts_ws_posix_entropy(void *user, uint8_t *out, size_t len);
uint32_t mqtts_ws_posix_now_ms(void *user);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_WEBSOCKET_H */
