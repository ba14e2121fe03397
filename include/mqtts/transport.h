/*
 * mqtts/transport.h - how mqtts moves bytes: a small table of functions and
 * an opaque context, so that transports stack (TCP, then TLS over it, then
 * WebSocket over either) and a port can bring its own (lwIP on the Pico W).
 *
 * The contract every transport keeps
 * ----------------------------------
 *   connect  Resolves `host` (a name, an IPv4 or an IPv6 literal) and
 *            connects within timeout_ms. It may block up to timeout_ms: name
 *            resolution blocks anyway, and a connection is made rarely. On
 *            MQTTS_OK the transport is connected and send/recv never block.
 *            Errors: MQTTS_ERR_DNS, _CONNECT_REFUSED, _TIMEOUT, _UNREACHABLE,
 *            _IO (and, for TLS later, its own codes).
 *   send     Moves up to len bytes. Returns the number moved (> 0), 0 when it
 *            would block (nothing moved; wait for writable), or a negative
 *            mqtts_err: MQTTS_ERR_CLOSED when the peer has gone, _IO, ...
 *   recv     The same for receiving into buf[0..cap): > 0 bytes received,
 *            0 would block, MQTTS_ERR_CLOSED on an orderly close by the
 *            peer, another negative mqtts_err on failure.
 *   wait     Blocks until the transport is readable (or writable, when
 *            want_write) or timeout_ms passes. Returns a mask of
 *            MQTTS_READABLE / MQTTS_WRITABLE (0 on timeout) or a negative
 *            mqtts_err. A transport with bytes already buffered (TLS) reports
 *            readable at once. Optional: NULL for transports driven from
 *            callbacks (lwIP), whose owner calls the client when data come.
 *   close    Closes the connection; safe to call twice and when never
 *            connected. The transport may be connected again afterwards.
 *
 * A transport never allocates per message and never logs secrets.
 */
#ifndef MQTTS_TRANSPORT_H
#define MQTTS_TRANSPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/error.h"

#ifdef __cplusplus
extern "C" {
#endif

#define MQTTS_READABLE 1
#define MQTTS_WRITABLE 2

typedef struct mqtts_transport {
    void *ctx;
    mqtts_err (*connect)(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms);
    int32_t (*send)(void *ctx, const uint8_t *buf, size_t len);
    int32_t (*recv)(void *ctx, uint8_t *buf, size_t cap);
    int (*wait)(void *ctx, bool want_write, uint32_t timeout_ms);
    void (*close)(void *ctx);
} mqtts_transport;

/* ---------------------------------------------------------------------- */
/* Plain TCP over POSIX sockets (src/transport/tcp_posix.c; not in the
 * portable core: link mqtts::posix, or -lmqtts_posix). Host names through
 * getaddrinfo(), IPv4 and IPv6 (each address tried in turn within the
 * timeout), TCP_NODELAY, close-on-exec, non-blocking, SIGPIPE never raised.
 *
 *   connect  timeout_ms is one deadline for everything: the time
 *            getaddrinfo() takes counts against it, but a slow resolver
 *            cannot be cut short (its own limits apply: resolv.conf's
 *            `options timeout: attempts:`). The addresses are tried in the
 *            resolver's order, each with an equal share of the time left (so
 *            an address that never answers leaves time for the next one; the
 *            only address gets it all). timeout_ms 0 tries nothing and gives
 *            MQTTS_ERR_TIMEOUT. When every address fails, the most telling
 *            failure is returned: _CONNECT_REFUSED, then _TIMEOUT, then
 *            _UNREACHABLE (also: no IPv6 in the kernel, no local address of
 *            that family), then _IO. A name that does not resolve gives
 *            MQTTS_ERR_DNS (out of memory in the resolver, or a failing
 *            system call in it: _IO). NULL or "" host, or port 0:
 *            MQTTS_ERR_INVALID_ARGUMENT. Connecting a connected transport
 *            closes the old connection first.
 *   send, recv
 *            At most INT32_MAX bytes per call; len or cap 0 returns 0 at
 *            once. EINTR is retried. Reset, broken pipe, orderly close:
 *            MQTTS_ERR_CLOSED; the kernel giving up on retransmission:
 *            _TIMEOUT; an ICMP unreachable: _UNREACHABLE; other errors: _IO.
 *            Before connect or after close: MQTTS_ERR_NOT_CONNECTED.
 *   wait     poll(); a signal does not shorten the wait. A hang-up or a
 *            socket error reports MQTTS_READABLE (and MQTTS_WRITABLE when
 *            want_write), so that the next recv() or send() returns it.
 *   peer     Set on a successful connect, "127.0.0.1:1883" or
 *            "[::1]:1883"; kept after close for log lines, "" before the
 *            first connection and after a failed one.
 */

typedef struct mqtts_tcp {
    int fd; /* -1 when not connected */
    char peer[64]; /* the address connected to, "127.0.0.1:1883", for logs */
} mqtts_tcp;

/* Fills *t with the TCP functions and tcp as context; tcp starts closed
 * (fd -1, peer ""). Allocates nothing: tcp and t belong to the caller and
 * must outlive the connection.
 *
 * @code{c}
 * mqtts_tcp tcp;
 * mqtts_transport t;
 * mqtts_tcp_init(&tcp, &t);
 * if (t.connect(t.ctx, "broker.example", 1883, 5000) != MQTTS_OK) ...
 * @endcode */
void mqtts_tcp_init(mqtts_tcp *tcp, mqtts_transport *t);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_TRANSPORT_H */
