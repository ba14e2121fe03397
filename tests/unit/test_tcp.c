/*
 * test_tcp.c - the TCP transport over POSIX sockets (mqtts_tcp_init).
 *
 * Every connection stays on this machine: the listeners are opened here on
 * ephemeral ports of 127.0.0.1 and ::1, and the one name looked up besides
 * "localhost" is refused by the resolver itself before any query is sent (a
 * label over 63 characters, RFC 1035 section 2.3.4).
 *
 * Covered: connecting by IPv4 and IPv6 literal and by "localhost" (the socket
 * options the transport promises, the peer string); data both ways, 1 MB
 * through an echo with partial sends and receives; would-block, orderly close
 * and reset as return values, never SIGPIPE; refused, timed out (a listener
 * whose accept queue is full drops further SYNs on Linux) and unresolvable
 * names; wait() for readable, writable and timeout, also with a signal
 * interrupting it every 10 ms; close twice, calls before connect, and
 * connecting again after close.
 *
 * No skips: a machine without an IPv6 loopback fails these tests, loudly.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE 1

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "mqtts/error.h"
#include "mqtts/transport.h"

/* ---------------------------------------------------------------------- */
/* Helpers: descriptors closed by the teardown, clocks, listeners. */

#define MAX_FDS 64

static int tracked[MAX_FDS];
static size_t n_tracked;
static mqtts_tcp tcp;
static mqtts_transport t;

static int track(int fd)
{
    assert_true(fd >= 0);
    assert_true(n_tracked < MAX_FDS);
    tracked[n_tracked++] = fd;
    return fd;
}

/* Closes a tracked descriptor now. */
static void untrack_close(int fd)
{
    size_t i;

    for (i = 0; i < n_tracked; i++) {
        if (tracked[i] == fd) {
            tracked[i] = tracked[--n_tracked];
            break;
        }
    }
    close(fd);
}

static int setup(void **state)
{
    (void)state;
    n_tracked = 0;
    /* The default action, so that a SIGPIPE would end the test binary. */
    signal(SIGPIPE, SIG_DFL);
    memset(&tcp, 0xA5, sizeof tcp); /* init must set every field it promises */
    memset(&t, 0, sizeof t);
    mqtts_tcp_init(&tcp, &t);
    return 0;
}

static int teardown(void **state)
{
    struct itimerval off;

    (void)state;
    memset(&off, 0, sizeof off);
    setitimer(ITIMER_REAL, &off, NULL);
    if (t.close != NULL)
        t.close(t.ctx);
    while (n_tracked > 0)
        close(tracked[--n_tracked]);
    return 0;
}

static int64_t now_ms(void)
{
    struct timespec ts;

    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* A loopback address of the family with port 0, in ss. */
static socklen_t loopback(int family, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof *ss);
    if (family == AF_INET6) {
        struct sockaddr_in6 *a = (struct sockaddr_in6 *)ss;
        a->sin6_family = AF_INET6;
        a->sin6_addr = in6addr_loopback;
        return sizeof *a;
    } else {
        struct sockaddr_in *a = (struct sockaddr_in *)ss;
        a->sin_family = AF_INET;
        a->sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        return sizeof *a;
    }
}

static uint16_t port_of(const struct sockaddr_storage *ss)
{
    if (ss->ss_family == AF_INET6)
        return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
    return ntohs(((const struct sockaddr_in *)ss)->sin_port);
}

/* A socket bound to addr (port 0 picks one), its port in *port; listening
 * with that backlog unless backlog < 0. Fails the test, saying why. */
static int bind_at(const struct sockaddr *addr, socklen_t len, int backlog, uint16_t *port)
{
    struct sockaddr_storage got;
    socklen_t got_len = sizeof got;
    int one = 1;
    int fd = socket(addr->sa_family, SOCK_STREAM, 0);

    if (fd < 0)
        fail_msg("socket(%s): %s", addr->sa_family == AF_INET6 ? "AF_INET6" : "AF_INET",
                 strerror(errno));
    track(fd);
    if (addr->sa_family == AF_INET6)
        assert_int_equal(setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one), 0);
    if (bind(fd, addr, len) != 0)
        fail_msg("bind to the %s loopback failed (%s): this machine needs %s on lo "
                 "(check `ip%s addr show lo`)",
                 addr->sa_family == AF_INET6 ? "IPv6" : "IPv4", strerror(errno),
                 addr->sa_family == AF_INET6 ? "::1" : "127.0.0.1",
                 addr->sa_family == AF_INET6 ? " -6" : "");
    if (backlog >= 0)
        assert_int_equal(listen(fd, backlog), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&got, &got_len), 0);
    *port = port_of(&got);
    assert_true(*port != 0);
    return fd;
}

static int listen_loopback(int family, uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len = loopback(family, &ss);

    return bind_at((struct sockaddr *)&ss, len, 16, port);
}

/* Accepts one connection within 2 s, non-blocking. */
static int accept_one(int lfd)
{
    struct pollfd p = {lfd, POLLIN, 0};
    int fd;

    assert_int_equal(poll(&p, 1, 2000), 1);
    fd = accept(lfd, NULL, NULL);
    assert_true(fd >= 0);
    track(fd);
    assert_int_equal(fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK), 0);
    return fd;
}

/* The transport connected to a fresh listener of the family, through host;
 * returns the accepted server side. */
static int connected_pair(int family, const char *host)
{
    uint16_t port;
    int lfd = listen_loopback(family, &port);

    assert_int_equal(t.connect(t.ctx, host, port, 2000), MQTTS_OK);
    return accept_one(lfd);
}

/* Sends all of buf through the transport, waiting when it would block. */
static void send_all(const uint8_t *buf, size_t len)
{
    size_t done = 0;
    int64_t end = now_ms() + 5000;

    while (done < len) {
        int32_t n = t.send(t.ctx, buf + done, len - done);
        assert_true(n >= 0);
        done += (size_t)n;
        if (n == 0)
            assert_true(t.wait(t.ctx, true, 100) >= 0);
        assert_true(now_ms() < end);
    }
}

/* Receives exactly len bytes through the transport. */
static void recv_all(uint8_t *buf, size_t len)
{
    size_t done = 0;
    int64_t end = now_ms() + 5000;

    while (done < len) {
        int32_t n = t.recv(t.ctx, buf + done, len - done);
        assert_true(n >= 0);
        done += (size_t)n;
        if (n == 0)
            assert_true(t.wait(t.ctx, false, 100) >= 0);
        assert_true(now_ms() < end);
    }
}

static volatile sig_atomic_t alarms;

static void on_alarm(int sig)
{
    (void)sig;
    alarms++;
}

/* SIGALRM every 10 ms, without SA_RESTART: poll() and connect() see EINTR. */
static void interrupt_every_10ms(void)
{
    struct sigaction sa;
    struct itimerval it;

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0;
    assert_int_equal(sigaction(SIGALRM, &sa, NULL), 0);
    memset(&it, 0, sizeof it);
    it.it_interval.tv_usec = 10000;
    it.it_value.tv_usec = 10000;
    alarms = 0;
    assert_int_equal(setitimer(ITIMER_REAL, &it, NULL), 0);
}

static void check_socket_options(void)
{
    int nodelay = 0;
    socklen_t len = sizeof nodelay;

    assert_true(tcp.fd >= 0);
    assert_true((fcntl(tcp.fd, F_GETFL) & O_NONBLOCK) != 0);
    assert_true((fcntl(tcp.fd, F_GETFD) & FD_CLOEXEC) != 0);
    assert_int_equal(getsockopt(tcp.fd, IPPROTO_TCP, TCP_NODELAY, &nodelay, &len), 0);
    assert_true(nodelay != 0);
}

/* ---------------------------------------------------------------------- */
/* Connecting. */

static void test_tcp_init(void **state)
{
    (void)state;
    assert_ptr_equal(t.ctx, &tcp);
    assert_non_null(t.connect);
    assert_non_null(t.send);
    assert_non_null(t.recv);
    assert_non_null(t.wait);
    assert_non_null(t.close);
    assert_int_equal(tcp.fd, -1);
    assert_string_equal(tcp.peer, "");
}

static void test_tcp_connect_ipv4(void **state)
{
    char want[64];
    uint16_t port;
    int lfd;

    (void)state;
    lfd = listen_loopback(AF_INET, &port);
    assert_int_equal(t.connect(t.ctx, "127.0.0.1", port, 2000), MQTTS_OK);
    accept_one(lfd);
    check_socket_options();
    snprintf(want, sizeof want, "127.0.0.1:%u", (unsigned)port);
    assert_string_equal(tcp.peer, want);
}

static void test_tcp_connect_ipv6(void **state)
{
    char want[64];
    uint16_t port;
    int lfd;

    (void)state;
    lfd = listen_loopback(AF_INET6, &port); /* fails loudly without ::1 */
    assert_int_equal(t.connect(t.ctx, "::1", port, 2000), MQTTS_OK);
    accept_one(lfd);
    check_socket_options();
    snprintf(want, sizeof want, "[::1]:%u", (unsigned)port);
    assert_string_equal(tcp.peer, want);
}

/* "localhost" is 127.0.0.1 on some machines and ::1 first on others: the
 * listener goes on the first address the resolver gives, which the
 * transport tries first. */
static void test_tcp_connect_localhost(void **state)
{
    struct addrinfo hints, *list = NULL;
    struct sockaddr_storage ss;
    socklen_t len;
    uint16_t port;
    int lfd;

    (void)state;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    assert_int_equal(getaddrinfo("localhost", NULL, &hints, &list), 0);
    assert_non_null(list);
    assert_true(list->ai_addrlen <= sizeof ss);
    memcpy(&ss, list->ai_addr, list->ai_addrlen);
    len = list->ai_addrlen;
    freeaddrinfo(list);
    if (ss.ss_family == AF_INET)
        assert_int_equal(ntohl(((struct sockaddr_in *)&ss)->sin_addr.s_addr) >> 24, 127);
    else if (ss.ss_family == AF_INET6)
        assert_true(IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr));
    else
        fail_msg("localhost resolved to address family %d", (int)ss.ss_family);

    lfd = bind_at((struct sockaddr *)&ss, len, 16, &port);
    assert_int_equal(t.connect(t.ctx, "localhost", port, 2000), MQTTS_OK);
    accept_one(lfd);
    check_socket_options();
    print_message("localhost: connected to %s\n", tcp.peer);
}

static void test_tcp_connect_refused(void **state)
{
    static const int families[] = {AF_INET, AF_INET6};
    static const char *const hosts[] = {"127.0.0.1", "::1"};
    size_t i;

    (void)state;
    for (i = 0; i < 2; i++) {
        struct sockaddr_storage ss;
        socklen_t len = loopback(families[i], &ss);
        uint16_t port;
        int fd = bind_at((struct sockaddr *)&ss, len, -1, &port);
        int64_t start;
        int64_t took;

        untrack_close(fd); /* the port was free a moment ago; now nothing listens */
        start = now_ms();
        assert_int_equal(t.connect(t.ctx, hosts[i], port, 3000), MQTTS_ERR_CONNECT_REFUSED);
        took = now_ms() - start;
        print_message("refused by %s port %u in %lld ms\n", hosts[i], (unsigned)port,
                      (long long)took);
        assert_true(took < 1000);
        assert_int_equal(tcp.fd, -1);
        assert_string_equal(tcp.peer, "");
    }
}

/* A listener with backlog 0 takes one connection into its accept queue (Linux
 * allows backlog + 1); once the queue is full further SYNs are dropped
 * without an answer, so a connect hangs until its timeout. */
static void fill_backlog(uint16_t *port)
{
    struct sockaddr_storage ss;
    socklen_t len = loopback(AF_INET, &ss);
    int i;

    bind_at((struct sockaddr *)&ss, len, 0, port);
    ((struct sockaddr_in *)&ss)->sin_port = htons(*port);
    for (i = 0; i < 32; i++) {
        int c = track(socket(AF_INET, SOCK_STREAM, 0));
        struct pollfd p = {c, POLLOUT, 0};

        assert_int_equal(fcntl(c, F_SETFL, O_NONBLOCK), 0);
        if (connect(c, (struct sockaddr *)&ss, len) != 0)
            assert_int_equal(errno, EINPROGRESS);
        if (poll(&p, 1, 200) == 0) {
            print_message("accept queue full after %d connections\n", i);
            return; /* this one hangs: so will the next */
        }
    }
    fail_msg("the accept queue of a listen(fd, 0) socket never filled up");
}

static void check_timeout(int with_signals)
{
    uint16_t port;
    int64_t start;
    int64_t took;
    mqtts_err err;

    fill_backlog(&port);
    if (with_signals)
        interrupt_every_10ms();
    start = now_ms();
    err = t.connect(t.ctx, "127.0.0.1", port, 300);
    took = now_ms() - start;
    print_message("timeout 300 ms%s: %s after %lld ms\n",
                  with_signals ? ", SIGALRM every 10 ms" : "", mqtts_strerror(err),
                  (long long)took);
    assert_int_equal(err, MQTTS_ERR_TIMEOUT);
    assert_true(took >= 250);
    assert_true(took <= 2000);
    assert_int_equal(tcp.fd, -1);
    if (with_signals)
        assert_true(alarms > 5);
}

static void test_tcp_connect_timeout(void **state)
{
    (void)state;
    check_timeout(0);
}

static void test_tcp_connect_timeout_interrupted(void **state)
{
    (void)state;
    check_timeout(1);
}

/* timeout_ms 0 is a deadline already passed: nothing is tried. */
static void test_tcp_connect_timeout_zero(void **state)
{
    uint16_t port;

    (void)state;
    listen_loopback(AF_INET, &port);
    assert_int_equal(t.connect(t.ctx, "127.0.0.1", port, 0), MQTTS_ERR_TIMEOUT);
    assert_int_equal(tcp.fd, -1);
}

/* A 64-character label: getaddrinfo() refuses it before sending a query
 * (checked with strace: no socket to port 53 is opened). ".invalid"
 * (RFC 6761) in case a resolver ever did send it. */
static void test_tcp_connect_dns_failure(void **state)
{
    char host[80];

    (void)state;
    memset(host, 'a', 64);
    memcpy(host + 64, ".invalid", sizeof ".invalid");
    assert_int_equal(t.connect(t.ctx, host, 1883, 2000), MQTTS_ERR_DNS);
    assert_int_equal(tcp.fd, -1);
}

static void test_tcp_connect_invalid_argument(void **state)
{
    (void)state;
    assert_int_equal(t.connect(t.ctx, NULL, 1883, 1000), MQTTS_ERR_INVALID_ARGUMENT);
    assert_int_equal(t.connect(t.ctx, "", 1883, 1000), MQTTS_ERR_INVALID_ARGUMENT);
    assert_int_equal(t.connect(t.ctx, "127.0.0.1", 0, 1000), MQTTS_ERR_INVALID_ARGUMENT);
    assert_int_equal(t.connect(NULL, "127.0.0.1", 1883, 1000), MQTTS_ERR_INVALID_ARGUMENT);
}

/* ---------------------------------------------------------------------- */
/* Moving bytes. */

static void test_tcp_send_recv_both_ways(void **state)
{
    static const uint8_t hello[] = "hello, broker";
    static const uint8_t reply[] = "hello, client";
    uint8_t buf[64];
    int sfd;

    (void)state;
    sfd = connected_pair(AF_INET6, "::1");

    send_all(hello, sizeof hello);
    memset(buf, 0, sizeof buf);
    {
        struct pollfd p = {sfd, POLLIN, 0};
        size_t got = 0;
        while (got < sizeof hello) {
            ssize_t n;
            assert_int_equal(poll(&p, 1, 2000), 1);
            n = recv(sfd, buf + got, sizeof buf - got, 0);
            assert_true(n > 0);
            got += (size_t)n;
        }
        assert_int_equal(got, sizeof hello);
    }
    assert_memory_equal(buf, hello, sizeof hello);

    assert_int_equal(send(sfd, reply, sizeof reply, 0), (ssize_t)sizeof reply);
    memset(buf, 0, sizeof buf);
    recv_all(buf, sizeof reply);
    assert_memory_equal(buf, reply, sizeof reply);
    /* Nothing more: would block. */
    assert_int_equal(t.recv(t.ctx, buf, sizeof buf), 0);
}

/* 1 MB from the transport to an echo server in this thread and back. The
 * transport is offered everything not yet sent; with 16 KB socket buffers
 * (Linux loopback otherwise takes a whole megabyte in one send) the kernel
 * takes part of it each time: partial sends. It receives into a buffer of an
 * odd size. */
static void test_tcp_echo_1mb(void **state)
{
    enum { TOTAL = 1 << 20, ECHO_CAP = 65536, RECV_CAP = 7919 };
    static uint8_t out[TOTAL], in[TOTAL], echo[ECHO_CAP];
    size_t sent = 0, received = 0, echo_len = 0, partial = 0, i;
    int64_t end = now_ms() + 20000;
    int small = 16384;
    int sfd;

    (void)state;
    memset(in, 0, sizeof in);
    for (i = 0; i < TOTAL; i++)
        out[i] = (uint8_t)(i * 131u + (i >> 12));
    sfd = connected_pair(AF_INET, "127.0.0.1");
    assert_int_equal(setsockopt(tcp.fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small), 0);
    assert_int_equal(setsockopt(sfd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small), 0);

    while (received < TOTAL) {
        struct pollfd p[2];
        ssize_t n;
        int32_t m;

        if (sent < TOTAL) {
            m = t.send(t.ctx, out + sent, TOTAL - sent);
            assert_true(m >= 0);
            if (m > 0 && (size_t)m < TOTAL - sent)
                partial++;
            sent += (size_t)m;
        }
        if (echo_len < ECHO_CAP) {
            n = recv(sfd, echo + echo_len, ECHO_CAP - echo_len, 0);
            if (n > 0)
                echo_len += (size_t)n;
            else
                assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
        }
        if (echo_len > 0) {
            n = send(sfd, echo, echo_len, MSG_NOSIGNAL);
            if (n > 0) {
                memmove(echo, echo + n, echo_len - (size_t)n);
                echo_len -= (size_t)n;
            } else {
                assert_true(n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK));
            }
        }
        m = t.recv(t.ctx, in + received, TOTAL - received < RECV_CAP ? TOTAL - received : RECV_CAP);
        assert_true(m >= 0);
        received += (size_t)m;

        p[0].fd = sfd;
        p[0].events = (short)((echo_len < ECHO_CAP ? POLLIN : 0) | (echo_len > 0 ? POLLOUT : 0));
        p[1].fd = tcp.fd;
        p[1].events = (short)(POLLIN | (sent < TOTAL ? POLLOUT : 0));
        p[0].revents = p[1].revents = 0;
        assert_true(poll(p, 2, 1000) >= 0);
        if (now_ms() > end)
            fail_msg("echo stalled: sent %zu, echoed back %zu of %d", sent, received, TOTAL);
    }
    print_message("1 MB echoed; %zu partial sends\n", partial);
    assert_true(partial > 0);
    assert_memory_equal(in, out, TOTAL);
}

static void test_tcp_recv_would_block_then_closed(void **state)
{
    uint8_t buf[16];
    int sfd;

    (void)state;
    sfd = connected_pair(AF_INET, "127.0.0.1");
    assert_int_equal(t.recv(t.ctx, buf, sizeof buf), 0);
    assert_int_equal(t.recv(t.ctx, buf, 0), 0);
    assert_int_equal(send(sfd, "x", 1, 0), 1);
    assert_int_equal(t.wait(t.ctx, false, 2000), MQTTS_READABLE);
    assert_int_equal(t.recv(t.ctx, buf, sizeof buf), 1);
    assert_int_equal(buf[0], 'x');
    assert_int_equal(t.recv(t.ctx, buf, sizeof buf), 0);

    untrack_close(sfd);
    assert_true((t.wait(t.ctx, false, 2000) & MQTTS_READABLE) != 0);
    assert_int_equal(t.recv(t.ctx, buf, sizeof buf), MQTTS_ERR_CLOSED);
}

/* After the peer is gone (reset, or closed and then reset by its kernel when
 * our data arrive), send fails with CLOSED and never raises SIGPIPE, which
 * has its default action here: a SIGPIPE would end this binary. */
static void check_send_to_dead_peer(int reset)
{
    static const uint8_t data[1024];
    int32_t n = 0;
    int tries;
    int sfd = connected_pair(AF_INET, "127.0.0.1");

    if (reset) {
        struct linger lg = {1, 0};
        assert_int_equal(setsockopt(sfd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    }
    untrack_close(sfd);
    for (tries = 0; tries < 200; tries++) {
        n = t.send(t.ctx, data, sizeof data);
        if (n < 0)
            break;
        usleep(5000);
    }
    print_message("%s: send said %s after %d sends\n", reset ? "reset" : "close",
                  mqtts_strerror((mqtts_err)n), tries);
    assert_int_equal(n, MQTTS_ERR_CLOSED);
    /* And it keeps saying so. */
    assert_true(t.send(t.ctx, data, sizeof data) < 0);
}

static void test_tcp_send_after_reset(void **state)
{
    (void)state;
    check_send_to_dead_peer(1);
}

static void test_tcp_send_after_close(void **state)
{
    (void)state;
    check_send_to_dead_peer(0);
}

/* ---------------------------------------------------------------------- */
/* Waiting. */

static void test_tcp_wait(void **state)
{
    int64_t start;
    int64_t took;
    int sfd;

    (void)state;
    sfd = connected_pair(AF_INET6, "::1");

    /* Writable at once; nothing to read. */
    assert_int_equal(t.wait(t.ctx, true, 1000), MQTTS_WRITABLE);
    start = now_ms();
    assert_int_equal(t.wait(t.ctx, false, 100), 0);
    took = now_ms() - start;
    assert_true(took >= 90);
    assert_true(took < 1000);
    assert_int_equal(t.wait(t.ctx, false, 0), 0);

    /* Data arrive: readable (and still writable when asked). */
    assert_int_equal(send(sfd, "ab", 2, 0), 2);
    assert_int_equal(t.wait(t.ctx, false, 2000), MQTTS_READABLE);
    assert_int_equal(t.wait(t.ctx, true, 2000), MQTTS_READABLE | MQTTS_WRITABLE);
}

/* A signal every 10 ms does not cut the wait short. */
static void test_tcp_wait_interrupted(void **state)
{
    int64_t start;
    int64_t took;

    (void)state;
    connected_pair(AF_INET, "127.0.0.1");
    interrupt_every_10ms();
    start = now_ms();
    assert_int_equal(t.wait(t.ctx, false, 200), 0);
    took = now_ms() - start;
    print_message("wait 200 ms with SIGALRM every 10 ms: %lld ms, %d signals\n",
                  (long long)took, (int)alarms);
    assert_true(took >= 190);
    assert_true(took < 2000);
    assert_true(alarms > 5);
}

/* ---------------------------------------------------------------------- */
/* Life cycle. */

static void test_tcp_not_connected(void **state)
{
    uint8_t buf[4] = {0};

    (void)state;
    assert_int_equal(t.send(t.ctx, buf, sizeof buf), MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(t.recv(t.ctx, buf, sizeof buf), MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(t.wait(t.ctx, false, 10), MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(t.send(NULL, buf, sizeof buf), MQTTS_ERR_INVALID_ARGUMENT);
    assert_int_equal(t.recv(NULL, buf, sizeof buf), MQTTS_ERR_INVALID_ARGUMENT);
    t.close(t.ctx);
    t.close(t.ctx);
    t.close(NULL);
    assert_int_equal(tcp.fd, -1);
}

static void test_tcp_close_twice_and_reconnect(void **state)
{
    uint8_t buf[8];
    uint16_t port, port6;
    int lfd, first, second, n;

    (void)state;
    lfd = listen_loopback(AF_INET, &port);
    assert_int_equal(t.connect(t.ctx, "127.0.0.1", port, 2000), MQTTS_OK);
    first = accept_one(lfd);
    t.close(t.ctx);
    t.close(t.ctx);
    assert_int_equal(tcp.fd, -1);
    assert_int_equal(t.send(t.ctx, (const uint8_t *)"x", 1), MQTTS_ERR_NOT_CONNECTED);
    assert_int_equal(t.recv(t.ctx, buf, sizeof buf), MQTTS_ERR_NOT_CONNECTED);
    /* The server side sees the close. */
    {
        struct pollfd p = {first, POLLIN, 0};
        assert_int_equal(poll(&p, 1, 2000), 1);
        assert_int_equal(recv(first, buf, sizeof buf, 0), 0);
    }

    /* Again, then connect while connected: the old connection is closed. */
    assert_int_equal(t.connect(t.ctx, "127.0.0.1", port, 2000), MQTTS_OK);
    second = accept_one(lfd);
    send_all((const uint8_t *)"again", 5);
    {
        struct pollfd p = {second, POLLIN, 0};
        assert_int_equal(poll(&p, 1, 2000), 1);
        n = (int)recv(second, buf, sizeof buf, 0);
        assert_int_equal(n, 5);
        assert_memory_equal(buf, "again", 5);
    }
    listen_loopback(AF_INET6, &port6);
    assert_int_equal(t.connect(t.ctx, "::1", port6, 2000), MQTTS_OK);
    {
        struct pollfd p = {second, POLLIN, 0};
        assert_int_equal(poll(&p, 1, 2000), 1);
        assert_int_equal(recv(second, buf, sizeof buf, 0), 0);
    }
    assert_true(strncmp(tcp.peer, "[::1]:", 6) == 0);

    /* A failed connect leaves the transport closed and the peer empty. */
    untrack_close(lfd);
    assert_int_equal(t.connect(t.ctx, "127.0.0.1", port, 2000), MQTTS_ERR_CONNECT_REFUSED);
    assert_int_equal(tcp.fd, -1);
    assert_string_equal(tcp.peer, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_tcp_init, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_ipv4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_localhost, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_timeout_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_timeout_zero, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_dns_failure, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_connect_invalid_argument, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_send_recv_both_ways, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_echo_1mb, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_recv_would_block_then_closed, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_send_after_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_send_after_close, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_wait, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_wait_interrupted, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_not_connected, setup, teardown),
        cmocka_unit_test_setup_teardown(test_tcp_close_twice_and_reconnect, setup, teardown),
    };

    return cmocka_run_group_tests(tests, NULL, NULL);
}
