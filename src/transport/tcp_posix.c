/*
 * tcp_posix.c - the plain TCP transport over POSIX sockets (mqtts_tcp_init).
 *
 * Not part of the portable core: it is built into the mqtts_posix library
 * only, and scripts/size-report.sh never sees it.
 *
 * Why it is written the way it is:
 *   - One deadline on CLOCK_MONOTONIC covers name resolution and every
 *     connection attempt, so a caller's timeout_ms is the whole wait, however
 *     many addresses a name has and however often a signal interrupts poll().
 *   - Addresses are tried in getaddrinfo()'s order (RFC 6724 on glibc). Each
 *     attempt gets an equal share of the time left: a name whose first
 *     address silently drops SYNs (a broken IPv6 route) still leaves time for
 *     its IPv4 address, and a name with one address gets all of it.
 *   - When every address fails, the most telling failure is reported:
 *     refused (a host answered; nothing listens on that port) beats timeout
 *     (something may be there, it did not answer) beats unreachable (this
 *     machine has no route, common for IPv6 and rarely the real problem)
 *     beats any other I/O error.
 *   - No AI_ADDRCONFIG: glibc ignores loopback when deciding which families
 *     are "configured", so on a machine with only loopback (a test box, a
 *     device before its link is up) "localhost" would not resolve at all.
 *   - SIGPIPE: MSG_NOSIGNAL on send where it exists (Linux, the BSDs), else
 *     SO_NOSIGPIPE on the socket (macOS). The process's signal disposition
 *     is never touched.
 *   - No heap: only getaddrinfo() allocates, and its list is always freed
 *     before connect returns.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1 /* glibc: MSG_NOSIGNAL, SOCK_CLOEXEC, EHOSTDOWN */
#if defined(__APPLE__)
#define _DARWIN_C_SOURCE 1 /* SO_NOSIGPIPE */
#endif

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h> /* snprintf */
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "mqtts/transport.h"

#ifndef MSG_NOSIGNAL
#define MSG_NOSIGNAL 0
#endif

/* ---------------------------------------------------------------------- */
/* Time. */

static uint64_t now_ms(void)
{
    struct timespec ts;

    /* CLOCK_MONOTONIC cannot fail on a system that defines it. */
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

/* Milliseconds from now until deadline, 0 once it has passed, at most
 * INT_MAX (what poll() takes). */
static int ms_until(uint64_t deadline)
{
    uint64_t now = now_ms();

    if (now >= deadline)
        return 0;
    if (deadline - now > (uint64_t)INT_MAX)
        return INT_MAX;
    return (int)(deadline - now);
}

/* ---------------------------------------------------------------------- */
/* Error mapping. */

/* An errno from connect(), SO_ERROR, send() or recv() as an mqtts_err. */
static mqtts_err map_errno(int err)
{
    switch (err) {
    case ECONNREFUSED:
        return MQTTS_ERR_CONNECT_REFUSED;
    case ETIMEDOUT: /* the kernel gave up retransmitting */
        return MQTTS_ERR_TIMEOUT;
    case ENETUNREACH:
    case EHOSTUNREACH:
    case ENETDOWN:
#ifdef EHOSTDOWN
    case EHOSTDOWN:
#endif
    case EAFNOSUPPORT:  /* no IPv6 in this kernel */
    case EADDRNOTAVAIL: /* no local address of that family to send from */
        return MQTTS_ERR_UNREACHABLE;
    case ECONNRESET:
    case ECONNABORTED:
    case EPIPE:
    case ENOTCONN:
        return MQTTS_ERR_CLOSED;
    default:
        return MQTTS_ERR_IO;
    }
}

/* How telling a connect failure is; the highest is reported. MQTTS_ERR_DNS
 * stands for "no attempt made" (every address was of a family TCP cannot
 * use) and ranks below everything. */
static int rank(mqtts_err err)
{
    switch (err) {
    case MQTTS_ERR_DNS:
        return 0;
    case MQTTS_ERR_CONNECT_REFUSED:
        return 4;
    case MQTTS_ERR_TIMEOUT:
        return 3;
    case MQTTS_ERR_UNREACHABLE:
        return 2;
    default:
        return 1;
    }
}

/* A getaddrinfo() failure as an mqtts_err: the name did not resolve, unless
 * the cause was this machine (out of memory, a system call failing). */
static mqtts_err map_gai(int rc)
{
    switch (rc) {
    case EAI_MEMORY:
    case EAI_SYSTEM:
        return MQTTS_ERR_IO;
    default:
        return MQTTS_ERR_DNS;
    }
}

/* ---------------------------------------------------------------------- */
/* Connecting. */

/* A close-on-exec, non-blocking TCP socket with TCP_NODELAY (and
 * SO_NOSIGPIPE where that is how SIGPIPE is avoided), or -1 with *err set. */
static int open_socket(int family, mqtts_err *err)
{
    int one = 1;
    int flags;
    int fd;

#if defined(SOCK_CLOEXEC) && defined(SOCK_NONBLOCK)
    fd = socket(family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, IPPROTO_TCP);
#else
    fd = socket(family, SOCK_STREAM, IPPROTO_TCP);
#endif
    if (fd < 0) {
        *err = map_errno(errno);
        return -1;
    }
    /* Set (again, when socket() did it) and checked on every platform. */
    flags = fcntl(fd, F_GETFL);
    if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0 ||
        fcntl(fd, F_SETFD, FD_CLOEXEC) < 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one) < 0) {
        *err = MQTTS_ERR_IO;
        (void)close(fd);
        return -1;
    }
#ifdef SO_NOSIGPIPE
    if (setsockopt(fd, SOL_SOCKET, SO_NOSIGPIPE, &one, sizeof one) < 0) {
        *err = MQTTS_ERR_IO;
        (void)close(fd);
        return -1;
    }
#endif
    return fd;
}

/* Waits for a non-blocking connect() on fd to finish, until deadline. */
static mqtts_err finish_connect(int fd, uint64_t deadline)
{
    struct pollfd p;
    int so_error = 0;
    socklen_t len = sizeof so_error;
    int n;

    for (;;) {
        p.fd = fd;
        p.events = POLLOUT;
        p.revents = 0;
        n = poll(&p, 1, ms_until(deadline));
        if (n > 0)
            break;
        if (n == 0)
            return MQTTS_ERR_TIMEOUT;
        if (errno != EINTR)
            return MQTTS_ERR_IO;
    }
    if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &so_error, &len) < 0)
        return MQTTS_ERR_IO;
    if (so_error != 0)
        return map_errno(so_error);
    if ((p.revents & POLLOUT) == 0)
        return MQTTS_ERR_IO; /* HUP or ERR without an error code */
    return MQTTS_OK;
}

/* One attempt: a connected socket in *out, or an error. */
static mqtts_err try_address(const struct addrinfo *ai, uint64_t deadline, int *out)
{
    mqtts_err err = MQTTS_ERR_IO;
    int fd = open_socket(ai->ai_family, &err);

    if (fd < 0)
        return err;
    if (connect(fd, ai->ai_addr, ai->ai_addrlen) == 0) {
        err = MQTTS_OK;
    } else if (errno == EINPROGRESS || errno == EINTR) {
        /* EINTR: the connection goes on in the background (POSIX). */
        err = finish_connect(fd, deadline);
    } else {
        err = map_errno(errno);
    }
    if (err != MQTTS_OK) {
        (void)close(fd);
        return err;
    }
    *out = fd;
    return MQTTS_OK;
}

/* Appends s to dst[0..cap), keeping it terminated; what does not fit is cut. */
static void append(char *dst, size_t cap, size_t *pos, const char *s)
{
    while (*s != '\0' && *pos + 1 < cap)
        dst[(*pos)++] = *s++;
    dst[*pos] = '\0';
}

/* "addr:port", "[v6addr]:port" into peer. Only a scoped IPv6 address with a
 * long interface name ("[fe80::...%wlan0]:8883") can be cut short: the string
 * is for logs, and a cut one still says which peer it was. */
static void format_peer(const struct addrinfo *ai, char *peer, size_t cap)
{
    char host[NI_MAXHOST];
    char serv[NI_MAXSERV];
    int v6 = ai->ai_family == AF_INET6;
    size_t pos = 0;

    peer[0] = '\0';
    if (getnameinfo(ai->ai_addr, ai->ai_addrlen, host, sizeof host, serv, sizeof serv,
                    NI_NUMERICHOST | NI_NUMERICSERV) != 0)
        return;
    append(peer, cap, &pos, v6 ? "[" : "");
    append(peer, cap, &pos, host);
    append(peer, cap, &pos, v6 ? "]:" : ":");
    append(peer, cap, &pos, serv);
}

static void tcp_close(void *ctx);

static mqtts_err tcp_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    mqtts_tcp *tcp = ctx;
    uint64_t deadline = now_ms() + timeout_ms;
    struct addrinfo hints;
    struct addrinfo *list = NULL;
    const struct addrinfo *ai;
    mqtts_err best = MQTTS_ERR_DNS; /* until an attempt fails */
    unsigned left = 0;
    char service[8];
    int rc;

    if (tcp == NULL || host == NULL || host[0] == '\0' || port == 0)
        return MQTTS_ERR_INVALID_ARGUMENT;
    tcp_close(tcp);
    tcp->peer[0] = '\0';

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_protocol = IPPROTO_TCP;
    hints.ai_flags = AI_NUMERICSERV;
    (void)snprintf(service, sizeof service, "%u", (unsigned)port);
    rc = getaddrinfo(host, service, &hints, &list);
    if (rc != 0)
        return map_gai(rc);

    for (ai = list; ai != NULL; ai = ai->ai_next)
        left++;
    for (ai = list; ai != NULL; ai = ai->ai_next, left--) {
        uint64_t now = now_ms();
        uint64_t slice;
        mqtts_err err;
        int fd = -1;

        if (now >= deadline) {
            /* Resolution or the earlier attempts used all the time. */
            if (rank(MQTTS_ERR_TIMEOUT) > rank(best))
                best = MQTTS_ERR_TIMEOUT;
            break;
        }
        if (ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            continue;
        slice = (deadline - now) / left;
        err = try_address(ai, left == 1 ? deadline : now + slice, &fd);
        if (err == MQTTS_OK) {
            tcp->fd = fd;
            format_peer(ai, tcp->peer, sizeof tcp->peer);
            freeaddrinfo(list);
            return MQTTS_OK;
        }
        if (rank(err) > rank(best))
            best = err;
    }
    freeaddrinfo(list);
    return best;
}

/* ---------------------------------------------------------------------- */
/* Moving bytes. */

static int32_t tcp_send(void *ctx, const uint8_t *buf, size_t len)
{
    mqtts_tcp *tcp = ctx;
    ssize_t n;

    if (tcp == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (tcp->fd < 0)
        return MQTTS_ERR_NOT_CONNECTED;
    if (len == 0)
        return 0;
    if (buf == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (len > (size_t)INT32_MAX)
        len = (size_t)INT32_MAX;
    for (;;) {
        n = send(tcp->fd, buf, len, MSG_NOSIGNAL);
        if (n >= 0)
            return (int32_t)n;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return map_errno(errno);
    }
}

static int32_t tcp_recv(void *ctx, uint8_t *buf, size_t cap)
{
    mqtts_tcp *tcp = ctx;
    ssize_t n;

    if (tcp == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (tcp->fd < 0)
        return MQTTS_ERR_NOT_CONNECTED;
    if (cap == 0)
        return 0;
    if (buf == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (cap > (size_t)INT32_MAX)
        cap = (size_t)INT32_MAX;
    for (;;) {
        n = recv(tcp->fd, buf, cap, 0);
        if (n > 0)
            return (int32_t)n;
        if (n == 0)
            return MQTTS_ERR_CLOSED;
        if (errno == EINTR)
            continue;
        if (errno == EAGAIN || errno == EWOULDBLOCK)
            return 0;
        return map_errno(errno);
    }
}

static int tcp_wait(void *ctx, bool want_write, uint32_t timeout_ms)
{
    mqtts_tcp *tcp = ctx;
    uint64_t deadline = now_ms() + timeout_ms;
    struct pollfd p;
    int mask = 0;
    int n;

    if (tcp == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (tcp->fd < 0)
        return MQTTS_ERR_NOT_CONNECTED;
    for (;;) {
        p.fd = tcp->fd;
        p.events = (short)(POLLIN | (want_write ? POLLOUT : 0));
        p.revents = 0;
        n = poll(&p, 1, ms_until(deadline));
        if (n >= 0)
            break;
        if (errno != EINTR)
            return MQTTS_ERR_IO;
    }
    if (n == 0)
        return 0;
    if (p.revents & POLLNVAL)
        return MQTTS_ERR_IO;
    /* A hang-up or an error is "readable": recv() then reports it. A caller
     * waiting to write learns of it the same way from send(). */
    if (p.revents & (POLLIN | POLLHUP | POLLERR))
        mask |= MQTTS_READABLE;
    if ((p.revents & POLLOUT) || (want_write && (p.revents & (POLLHUP | POLLERR))))
        mask |= MQTTS_WRITABLE;
    return mask;
}

static void tcp_close(void *ctx)
{
    mqtts_tcp *tcp = ctx;

    if (tcp == NULL || tcp->fd < 0)
        return;
    /* Not retried on EINTR: Linux has released the descriptor already, and
     * a retry could close one that another thread has just been given. */
    (void)close(tcp->fd);
    tcp->fd = -1;
}

/* ---------------------------------------------------------------------- */

void mqtts_tcp_init(mqtts_tcp *tcp, mqtts_transport *t)
{
    if (tcp == NULL || t == NULL)
        return;
    tcp->fd = -1;
    tcp->peer[0] = '\0';
    t->ctx = tcp;
    t->connect = tcp_connect;
    t->send = tcp_send;
    t->recv = tcp_recv;
    t->wait = tcp_wait;
    t->close = tcp_close;
}
