/*
 * proxy.c - the test-controlled TCP proxy. See proxy.h for the contract.
 *
 * One thread owns every socket. It holds p->lock while it works and drops
 * it only inside poll(), so a control call (which takes the lock, changes a
 * flag, wakes the thread through a pipe and waits for the acknowledgement)
 * is applied before the thread forwards another byte, and the counters are
 * always read consistent. Sockets are non-blocking; the thread sleeps in
 * poll() with no timeout: nothing spins. The connections' memory is
 * allocated once, in proxy_start(): nothing is allocated while a test runs,
 * so the proxy does not disturb a test that counts allocations (the
 * capture, too, writes only into the caller's buffer).
 */
#define _GNU_SOURCE

#include "loopback.h"
#include "proxy.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

enum { CLIENT = 0, UPSTREAM = 1 };
enum { UP = 0, DOWN = 1 }; /* direction i reads fd[i], writes fd[1 - i] */

typedef enum {
    CONN_CONNECTING, /* upstream connect in progress; client not read yet */
    CONN_OPEN,       /* forwarding */
    CONN_SINK,       /* accepted during a black hole: no upstream, ever */
} conn_state;

typedef struct flow {
    uint8_t buf[PROXY_BUFFER];
    size_t len, off; /* bytes buf[off..len) wait to be written */
    bool eof;        /* the source sent its FIN */
    bool shut;       /* ... and it was passed on (shutdown SHUT_WR) */
} flow;

struct proxy_conn {
    int fd[2]; /* CLIENT, UPSTREAM; -1 when closed or absent */
    conn_state state;
    unsigned seq; /* 1, 2, ... in the order accepted (stats.accepted) */
    flow f[2]; /* UP, DOWN */
};

#define SLOTS (2 + 2 * PROXY_MAX_CONNECTIONS)

static void close_fd(int *fd, bool reset)
{
    if (*fd < 0)
        return;
    if (reset) {
        struct linger l = {1, 0};
        setsockopt(*fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
    }
    close(*fd);
    *fd = -1;
}

static void conn_free(proxy *p, int k, bool reset)
{
    struct proxy_conn *c = p->conns[k];
    close_fd(&c->fd[CLIENT], reset);
    close_fd(&c->fd[UPSTREAM], reset);
    p->conns[k] = NULL; /* the slot of the pool is free again */
    p->stats.open--;
}

static void refuse_fd(proxy *p, int fd)
{
    close_fd(&fd, true);
    p->stats.refused++;
}

/* ------------------------------------------------------------------------ */
/* Accepting. */

static int connect_upstream(proxy *p, struct proxy_conn *c)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = loopback_addr(p->upstream_port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) == 0) {
        c->state = CONN_OPEN;
    } else if (errno == EINPROGRESS) {
        c->state = CONN_CONNECTING;
    } else {
        close(fd);
        return -1;
    }
    c->fd[UPSTREAM] = fd;
    return 0;
}

static void accept_one(proxy *p, int fd)
{
    p->stats.accepted++;
    int k = 0;
    while (k < PROXY_MAX_CONNECTIONS && p->conns[k] != NULL)
        k++;
    if (p->refuse || k == PROXY_MAX_CONNECTIONS) {
        refuse_fd(p, fd);
        return;
    }
    struct proxy_conn *c = &p->pool[k];
    memset(c, 0, sizeof *c);
    c->fd[CLIENT] = fd;
    c->fd[UPSTREAM] = -1;
    c->seq = p->stats.accepted;
    if (p->blackhole) {
        c->state = CONN_SINK;
    } else if (connect_upstream(p, c) != 0) {
        refuse_fd(p, fd);
        return;
    }
    p->conns[k] = c;
    p->stats.open++;
}

static void accept_all(proxy *p)
{
    for (;;) {
        int fd = accept4(p->listen_fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
        if (fd < 0 && (errno == ECONNABORTED || errno == EINTR))
            continue; /* a connection reset while in the backlog */
        if (fd < 0)
            return; /* EAGAIN: all taken */
        accept_one(p, fd);
    }
}

/* ------------------------------------------------------------------------ */
/* Forwarding. */

/* What to poll for on each side of c. */
static void conn_events(const proxy *p, const struct proxy_conn *c, short ev[2])
{
    ev[CLIENT] = ev[UPSTREAM] = 0;
    if (c->state == CONN_CONNECTING) {
        ev[UPSTREAM] = POLLOUT;
        return;
    }
    for (int i = 0; i < 2; i++) {
        const flow *f = &c->f[i];
        if (p->blackhole || c->state == CONN_SINK) {
            if (c->fd[i] >= 0 && !f->eof)
                ev[i] |= POLLIN;
        } else if (p->hold[i]) {
            continue; /* neither read nor written: the kernel keeps it */
        } else if (f->len > 0) {
            ev[1 - i] |= POLLOUT;
        } else if (!f->eof) {
            ev[i] |= POLLIN;
        }
    }
}

/* Black hole: read and drop. A side that closes is closed here only.
 * Returns false when both sides are gone. */
static bool sink_side(proxy *p, struct proxy_conn *c, int i)
{
    uint8_t junk[PROXY_BUFFER];
    for (;;) {
        ssize_t r = recv(c->fd[i], junk, sizeof junk, 0);
        if (r > 0) {
            if (i == UP)
                p->stats.dropped_up += (uint64_t)r;
            else
                p->stats.dropped_down += (uint64_t)r;
            continue;
        }
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
            return true;
        /* FIN or error: that side is gone; the other must not learn it. */
        c->f[i].eof = true;
        close_fd(&c->fd[i], false);
        return c->fd[1 - i] >= 0;
    }
}

/* The tap: one record (header, then the bytes) per forwarded write, so the
 * records keep the order in which the two directions were forwarded. */
typedef struct cap_header {
    uint32_t conn;
    uint16_t len; /* one write: at most PROXY_BUFFER bytes */
    uint8_t dir;
    uint8_t pad;
} cap_header;
_Static_assert(PROXY_BUFFER <= UINT16_MAX, "a record's length is 16 bits");

static void capture_add(proxy *p, const struct proxy_conn *c, int i, const uint8_t *d, size_t n)
{
    if (p->cap_buf == NULL || p->cap_overflow || n == 0)
        return;
    cap_header h = {c->seq, (uint16_t)n, (uint8_t)i, 0}; /* n <= PROXY_BUFFER */
    if (p->cap_size - p->cap_len < sizeof h + n) {
        p->cap_overflow = true;
        return;
    }
    memcpy(p->cap_buf + p->cap_len, &h, sizeof h);
    memcpy(p->cap_buf + p->cap_len + sizeof h, d, n);
    p->cap_len += sizeof h + n;
}

/* Returns false when the connection must be reset. */
static bool pump(proxy *p, struct proxy_conn *c, int i, bool readable)
{
    flow *f = &c->f[i];
    int src = c->fd[i], dst = c->fd[1 - i];
    if (readable && f->len == 0 && !f->eof) {
        ssize_t r = recv(src, f->buf, sizeof f->buf, 0);
        if (r > 0) {
            f->len = (size_t)r;
            f->off = 0;
        } else if (r == 0) {
            f->eof = true;
        } else if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
            return false;
        }
    }
    while (f->off < f->len) {
        ssize_t w = send(dst, f->buf + f->off, f->len - f->off, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
                return true;
            return false;
        }
        capture_add(p, c, i, f->buf + f->off, (size_t)w);
        f->off += (size_t)w;
        if (i == UP)
            p->stats.bytes_up += (uint64_t)w;
        else
            p->stats.bytes_down += (uint64_t)w;
    }
    f->len = f->off = 0;
    if (f->eof && !f->shut) {
        shutdown(dst, SHUT_WR);
        f->shut = true;
    }
    return true;
}

static void conn_service(proxy *p, int k, const short rev[2])
{
    struct proxy_conn *c = p->conns[k];
    if (c->state == CONN_CONNECTING) {
        if (rev[UPSTREAM] == 0)
            return;
        int err = 0;
        socklen_t len = sizeof err;
        if (getsockopt(c->fd[UPSTREAM], SOL_SOCKET, SO_ERROR, &err, &len) != 0 || err != 0) {
            conn_free(p, k, true); /* upstream down: the client gets a RST */
            p->stats.refused++;
            return;
        }
        c->state = CONN_OPEN;
        return;
    }
    if (p->blackhole || c->state == CONN_SINK) {
        for (int i = 0; i < 2; i++) {
            if (c->fd[i] >= 0 && rev[i] != 0 && !sink_side(p, c, i)) {
                conn_free(p, k, false);
                return;
            }
        }
        return;
    }
    if ((rev[CLIENT] | rev[UPSTREAM]) & (POLLERR | POLLNVAL)) {
        conn_free(p, k, true);
        return;
    }
    for (int i = 0; i < 2; i++) {
        bool readable = (rev[i] & (POLLIN | POLLHUP)) != 0;
        if (p->hold[i])
            continue;
        if (!pump(p, c, i, readable)) {
            conn_free(p, k, true);
            return;
        }
    }
    if (c->f[UP].shut && c->f[DOWN].shut)
        conn_free(p, k, false); /* both sides closed in order */
}

/* ------------------------------------------------------------------------ */
/* Controls, applied by the thread under the lock. */

static void blackhole_changed(proxy *p)
{
    for (int k = 0; k < PROXY_MAX_CONNECTIONS; k++) {
        struct proxy_conn *c = p->conns[k];
        if (c == NULL)
            continue;
        if (p->blackhole) {
            /* Bytes in flight inside the proxy are lost too. */
            p->stats.dropped_up += c->f[UP].len - c->f[UP].off;
            p->stats.dropped_down += c->f[DOWN].len - c->f[DOWN].off;
            c->f[UP].len = c->f[UP].off = 0;
            c->f[DOWN].len = c->f[DOWN].off = 0;
        } else if (c->state == CONN_SINK || c->fd[CLIENT] < 0 || c->fd[UPSTREAM] < 0) {
            conn_free(p, k, true);
        }
    }
    p->was_blackhole = p->blackhole;
}

static void apply_controls(proxy *p)
{
    if (p->cut_requests > 0) {
        for (int k = 0; k < PROXY_MAX_CONNECTIONS; k++) {
            if (p->conns[k] != NULL)
                conn_free(p, k, true);
        }
        p->cut_requests = 0;
    }
    if (p->blackhole != p->was_blackhole)
        blackhole_changed(p);
    p->done = p->requested;
    pthread_cond_broadcast(&p->acked);
}

static void drain_wake(proxy *p)
{
    char junk[64];
    while (read(p->wake_rd, junk, sizeof junk) > 0) {
    }
}

static void *proxy_main(void *arg)
{
    proxy *p = arg;
    struct pollfd pfd[SLOTS];
    pthread_mutex_lock(&p->lock);
    while (!p->stop) {
        apply_controls(p);
        int n = 0;
        pfd[n++] = (struct pollfd){p->wake_rd, POLLIN, 0};
        pfd[n++] = (struct pollfd){p->stall ? -1 : p->listen_fd, POLLIN, 0};
        for (int k = 0; k < PROXY_MAX_CONNECTIONS; k++) {
            struct proxy_conn *c = p->conns[k];
            short ev[2] = {0, 0};
            if (c != NULL && !p->stall)
                conn_events(p, c, ev);
            for (int j = 0; j < 2; j++) {
                bool on = c != NULL && ev[j] != 0 && c->fd[j] >= 0;
                pfd[n++] = (struct pollfd){on ? c->fd[j] : -1, ev[j], 0};
            }
        }
        pthread_mutex_unlock(&p->lock);
        int r = poll(pfd, (nfds_t)n, -1);
        pthread_mutex_lock(&p->lock);
        if (r < 0)
            continue; /* EINTR */
        if (pfd[0].revents)
            drain_wake(p);
        /* Controls that arrived during poll() go first: the revents may
         * describe sockets a cut has closed. */
        if (p->stop || p->requested != p->done)
            continue;
        for (int k = 0; k < PROXY_MAX_CONNECTIONS; k++) {
            short rev[2] = {pfd[2 + 2 * k].revents, pfd[3 + 2 * k].revents};
            if (p->conns[k] != NULL && (rev[0] | rev[1]) != 0)
                conn_service(p, k, rev);
        }
        if (pfd[1].revents)
            accept_all(p);
    }
    p->done = p->requested;
    pthread_cond_broadcast(&p->acked);
    pthread_mutex_unlock(&p->lock);
    return NULL;
}

/* Sets a control under the lock and waits until the thread applied it. */
static void control(proxy *p, bool *flag, bool on, bool cut)
{
    pthread_mutex_lock(&p->lock);
    if (flag != NULL)
        *flag = on;
    if (cut)
        p->cut_requests++;
    uint64_t seq = ++p->requested;
    ssize_t w = write(p->wake_wr, "x", 1);
    (void)w; /* a full pipe already wakes the thread */
    while (p->done < seq && !p->stop)
        pthread_cond_wait(&p->acked, &p->lock);
    pthread_mutex_unlock(&p->lock);
}

/* ------------------------------------------------------------------------ */
/* Public. */

static int listen_loopback(proxy *p)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = loopback_addr(0); /* any free port */
    socklen_t len = sizeof a;
    if (bind(fd, (struct sockaddr *)&a, sizeof a) != 0 || listen(fd, 64) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &len) != 0) {
        close(fd);
        return -1;
    }
    p->listen_fd = fd;
    p->port = ntohs(a.sin_port);
    return 0;
}

int proxy_start(proxy *p, uint16_t upstream_port)
{
    memset(p, 0, sizeof *p);
    p->listen_fd = p->wake_rd = p->wake_wr = -1;
    p->upstream_port = upstream_port;
    int pipefd[2];
    if (listen_loopback(p) != 0 || pipe2(pipefd, O_NONBLOCK | O_CLOEXEC) != 0) {
        snprintf(p->error, sizeof p->error, "proxy: cannot listen: %s", strerror(errno));
        close_fd(&p->listen_fd, false);
        return -1;
    }
    p->wake_rd = pipefd[0];
    p->wake_wr = pipefd[1];
    p->pool = calloc(PROXY_MAX_CONNECTIONS, sizeof *p->pool);
    if (p->pool == NULL) {
        snprintf(p->error, sizeof p->error, "proxy: out of memory");
        close_fd(&p->listen_fd, false);
        close_fd(&p->wake_rd, false);
        close_fd(&p->wake_wr, false);
        return -1;
    }
    pthread_mutex_init(&p->lock, NULL);
    pthread_cond_init(&p->acked, NULL);
    int rc = pthread_create(&p->thread, NULL, proxy_main, p);
    if (rc != 0) {
        snprintf(p->error, sizeof p->error, "proxy: pthread_create: %s", strerror(rc));
        pthread_cond_destroy(&p->acked);
        pthread_mutex_destroy(&p->lock);
        free(p->pool);
        p->pool = NULL;
        close_fd(&p->listen_fd, false);
        close_fd(&p->wake_rd, false);
        close_fd(&p->wake_wr, false);
        return -1;
    }
    p->started = true;
    return 0;
}

void proxy_stop(proxy *p)
{
    if (!p->started)
        return;
    pthread_mutex_lock(&p->lock);
    p->stop = true;
    ssize_t w = write(p->wake_wr, "x", 1);
    (void)w;
    pthread_mutex_unlock(&p->lock);
    pthread_join(p->thread, NULL);
    for (int k = 0; k < PROXY_MAX_CONNECTIONS; k++) {
        if (p->conns[k] != NULL)
            conn_free(p, k, false);
    }
    close_fd(&p->listen_fd, false);
    close_fd(&p->wake_rd, false);
    close_fd(&p->wake_wr, false);
    pthread_cond_destroy(&p->acked);
    pthread_mutex_destroy(&p->lock);
    free(p->pool);
    p->pool = NULL;
    p->started = false;
}

void proxy_cut(proxy *p)
{
    control(p, NULL, false, true);
}

void proxy_blackhole(proxy *p, bool on)
{
    control(p, &p->blackhole, on, false);
}

void proxy_stall(proxy *p, bool on)
{
    control(p, &p->stall, on, false);
}

void proxy_refuse(proxy *p, bool on)
{
    control(p, &p->refuse, on, false);
}

proxy_stats proxy_get_stats(proxy *p)
{
    pthread_mutex_lock(&p->lock);
    proxy_stats s = p->stats;
    pthread_mutex_unlock(&p->lock);
    return s;
}

unsigned proxy_connections(proxy *p)
{
    return proxy_get_stats(p).accepted;
}

void proxy_hold(proxy *p, proxy_dir dir, bool on)
{
    control(p, &p->hold[dir == PROXY_DOWN ? DOWN : UP], on, false);
}

void proxy_capture(proxy *p, void *buf, size_t cap)
{
    pthread_mutex_lock(&p->lock);
    p->cap_buf = cap > 0 ? buf : NULL;
    p->cap_size = p->cap_buf != NULL ? cap : 0;
    p->cap_len = 0;
    p->cap_overflow = false;
    pthread_mutex_unlock(&p->lock);
}

bool proxy_capture_next(proxy *p, size_t *pos, proxy_chunk *out)
{
    pthread_mutex_lock(&p->lock);
    bool more = p->cap_buf != NULL && *pos + sizeof(cap_header) <= p->cap_len;
    if (more) {
        cap_header h;
        memcpy(&h, p->cap_buf + *pos, sizeof h);
        out->conn = h.conn;
        out->dir = h.dir == DOWN ? PROXY_DOWN : PROXY_UP;
        out->data = p->cap_buf + *pos + sizeof h;
        out->len = h.len;
        *pos += sizeof h + h.len;
    }
    pthread_mutex_unlock(&p->lock);
    return more;
}

size_t proxy_captured(proxy *p, unsigned conn, proxy_dir dir, uint8_t *out, size_t cap)
{
    size_t pos = 0, total = 0;
    proxy_chunk ch;
    while (proxy_capture_next(p, &pos, &ch)) {
        if (ch.conn != conn || ch.dir != dir)
            continue;
        if (total < cap)
            memcpy(out + total, ch.data, ch.len < cap - total ? ch.len : cap - total);
        total += ch.len;
    }
    return total;
}

bool proxy_capture_overflowed(proxy *p)
{
    pthread_mutex_lock(&p->lock);
    bool o = p->cap_overflow;
    pthread_mutex_unlock(&p->lock);
    return o;
}
