/*
 * proxy.h - a TCP proxy between a client under test and the broker, which
 * the test controls: cut connections, black-hole them, refuse new ones,
 * hold one direction, and record what was forwarded.
 *
 * How to use it
 * -------------
 *     proxy p;
 *     if (proxy_start(&p, b.port) != 0)    // listens on 127.0.0.1:p.port
 *         fail_msg("%s", p.error);
 *     ... the client connects to 127.0.0.1:p.port instead of b.port ...
 *     proxy_cut(&p);                      // every connection reset, both ways
 *     proxy_blackhole(&p, true);          // a half-open link
 *     proxy_stall(&p, true);              // a link that stalls, then recovers
 *     proxy_refuse(&p, true);             // a broker that is down
 *     proxy_hold(&p, PROXY_DOWN, true);   // acks from the broker wait
 *     proxy_capture(&p, buf, sizeof buf); // record what is forwarded
 *     proxy_stop(&p);
 *
 * Each accepted connection gets its own connection to 127.0.0.1:upstream;
 * bytes are forwarded both ways by one pthread with poll(), with
 * back-pressure (a side is read only when the other has taken what was
 * read before). A half close (FIN) is passed on after the bytes before it,
 * so a broker's CONNACK followed by its close reaches the client whole.
 * When the upstream refuses the connection, the client's connection is
 * reset.
 *
 * Every control takes effect before it returns: the proxy thread
 * acknowledges it. All functions but proxy_start/proxy_stop may be called
 * from any thread.
 *
 * Semantics, and why
 *   proxy_cut      Closes every current connection, both sides, with
 *                  SO_LINGER {1, 0}, so both peers get a RST (recv() fails
 *                  with ECONNRESET; a recv that already saw everything may
 *                  return 0). The proxy keeps listening.
 *   proxy_blackhole(on)  Nothing is forwarded, in either direction, on
 *                  current connections or on connections accepted while it
 *                  is on (these get no upstream at all: a CONNECT gets no
 *                  CONNACK). The sockets stay open, and the proxy READS AND
 *                  DROPS whatever arrives (counted as dropped). A real
 *                  half-open link (cable pulled, NAT state lost) means
 *                  writes succeed and nothing comes back: the client
 *                  notices only by its own keepalive timer, which is what
 *                  the tests are after. Dropping gives exactly that, the
 *                  same way every time; not reading would instead let the
 *                  client's sends block once the socket buffers fill
 *                  (megabytes on loopback, after autotuning), so a test's
 *                  result would depend on how much it sent and on kernel
 *                  buffer sizes (proxy_stall is that other behaviour,
 *                  for when it is wanted). (Neither is a perfect black hole: TCP
 *                  still acknowledges the bytes, so the client's kernel
 *                  never retransmits nor times the link out by itself;
 *                  that needs packet filtering, which tests do not do.)
 *                  Bytes already read but not yet forwarded when it is
 *                  turned on are dropped too. A close (FIN or RST) by one
 *                  side is not passed on either: the proxy closes that
 *                  side only, and the other keeps its half-open
 *                  connection (a broker keeps the old session until its
 *                  own keepalive runs out, as with a real dead link).
 *                  Turning it off: connections that lost a side while it
 *                  was on, and those accepted while it was on, are reset
 *                  (as the far end's RST would tell them once packets
 *                  flow again); the others resume forwarding, but their
 *                  byte streams now have a gap (an MQTT peer will probably
 *                  see a malformed packet): treat a black-holed connection
 *                  as lost, cut it, and reconnect.
 *   proxy_stall(on) The other kind of bad link: one that stalls and then
 *                  recovers. The proxy stops reading, writing and
 *                  accepting; bytes wait in the kernel's socket buffers
 *                  (so a client's sends succeed until they fill, then
 *                  would block, as with a real dead link) and are all
 *                  delivered when it is turned off, as TCP's
 *                  retransmission would after an outage. New connections
 *                  wait in the listen backlog (their connect succeeds) and
 *                  are served when it is turned off.
 *   proxy_refuse(on) New connections are accepted and closed at once with
 *                  a RST (the client's connect succeeds, its first recv
 *                  fails): a broker that is down, as far as a process can
 *                  show it without closing its listening socket (closing it
 *                  would give ECONNREFUSED, but another process could take
 *                  the port meanwhile). Current connections are untouched.
 *   counters       Bytes forwarded each way, bytes dropped each way,
 *                  connections accepted (refused ones included), refused,
 *                  and open now.
 *   proxy_hold(dir, on)  One direction of every connection stops: the
 *                  proxy neither reads its source nor writes what it had
 *                  read, so its bytes wait in the kernel's buffers (as with
 *                  proxy_stall) while the other direction keeps flowing.
 *                  proxy_hold(PROXY_DOWN, true) is a broker whose
 *                  acknowledgements do not come back: the PUBLISH reaches
 *                  it, its PUBACK waits, and a proxy_cut then loses it.
 *                  New connections are accepted and held the same way.
 *                  Turning it off delivers what waited, in order. A close
 *                  of the held side's source is noticed only then.
 *   proxy_capture  A tap for the tests to read what went over the wire:
 *                  every byte forwarded from then on (in both directions,
 *                  at the moment it is written to the other side) is also
 *                  appended to the caller's buffer, tagged with its
 *                  connection and direction, in the order it was
 *                  forwarded. So the records show causality: a PUBLISH
 *                  recorded after a PUBACK was sent by a client that could
 *                  have seen that PUBACK, and one recorded before it by a
 *                  client that could not. Dropped bytes (black hole) are
 *                  not recorded. When the buffer is full, recording stops
 *                  and proxy_capture_overflowed() says so (what was
 *                  recorded stays readable). Connections are numbered 1, 2,
 *                  ... in the order accepted, as counted by stats.accepted
 *                  (refused ones take a number too).
 *
 * Limits: PROXY_MAX_CONNECTIONS open at once (more are refused and
 * counted); one buffer of PROXY_BUFFER bytes per direction per connection.
 * Memory: proxy_start() allocates every connection slot (about 1 MiB) at
 * once; nothing is allocated afterwards, so a test that counts the heap
 * use of the code under test (--wrap=malloc) sees none from the proxy.
 */
#ifndef MQTTS_TEST_PROXY_H
#define MQTTS_TEST_PROXY_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define PROXY_MAX_CONNECTIONS 32
#define PROXY_BUFFER 16384
#define PROXY_ERROR_MAX 256

typedef struct proxy_stats {
    uint64_t bytes_up;      /* client -> broker, forwarded */
    uint64_t bytes_down;    /* broker -> client, forwarded */
    uint64_t dropped_up;    /* client -> broker, dropped by the black hole */
    uint64_t dropped_down;  /* broker -> client, dropped by the black hole */
    unsigned accepted;      /* connections accepted so far, refused included */
    unsigned refused;       /* closed at once (proxy_refuse, upstream down, full) */
    unsigned open;          /* open now */
} proxy_stats;

struct proxy_conn; /* private */

typedef struct proxy {
    uint16_t port;          /* where clients connect: 127.0.0.1:port */
    uint16_t upstream_port; /* where connections go: 127.0.0.1:upstream_port */
    char error[PROXY_ERROR_MAX];

    /* Private: the thread's state. */
    int listen_fd;
    int wake_rd, wake_wr;
    pthread_t thread;
    bool started;
    bool was_blackhole; /* thread only: the mode of the last round */
    pthread_mutex_t lock;
    pthread_cond_t acked;
    /* Under lock: */
    bool stop, blackhole, stall, refuse;
    bool hold[2];             /* by proxy_dir */
    uint8_t *cap_buf;         /* the capture: records in cap_buf[0..cap_len) */
    size_t cap_size, cap_len;
    bool cap_overflow;
    unsigned cut_requests;
    uint64_t requested, done; /* control sequence numbers */
    proxy_stats stats;
    /* Thread only: */
    struct proxy_conn *pool; /* PROXY_MAX_CONNECTIONS slots */
    struct proxy_conn *conns[PROXY_MAX_CONNECTIONS]; /* NULL or &pool[k] */
} proxy;

/* Listens on 127.0.0.1 (an ephemeral port, in p->port) and starts the
 * thread. 0 on success, -1 with p->error. */
int proxy_start(proxy *p, uint16_t upstream_port);

/* Stops the thread, closes every socket, frees everything. Safe after a
 * failed proxy_start() and when called twice. */
void proxy_stop(proxy *p);

void proxy_cut(proxy *p);
void proxy_blackhole(proxy *p, bool on);
void proxy_stall(proxy *p, bool on);
void proxy_refuse(proxy *p, bool on);

/* Directions of a connection. */
typedef enum proxy_dir {
    PROXY_UP = 0,   /* client -> broker */
    PROXY_DOWN = 1, /* broker -> client */
} proxy_dir;

void proxy_hold(proxy *p, proxy_dir dir, bool on);

/* One record of the capture: `len` bytes of connection `conn` (1 = the
 * first accepted) forwarded in direction `dir`. data points into the
 * caller's capture buffer. */
typedef struct proxy_chunk {
    unsigned conn;
    proxy_dir dir;
    const uint8_t *data;
    size_t len;
} proxy_chunk;

/* Starts recording into buf[0..cap) (the caller's; it must stay valid
 * until the capture is stopped or the proxy is stopped), from its start:
 * earlier records are forgotten. buf NULL (or cap 0) stops recording.
 * Each record takes 8 bytes of header besides its data. */
void proxy_capture(proxy *p, void *buf, size_t cap);
/* Walks the records in the order they were forwarded: start with *pos = 0;
 * fills *out and returns true for each, false at the end (for now: more
 * may come while connections forward). */
bool proxy_capture_next(proxy *p, size_t *pos, proxy_chunk *out);
/* The byte stream of connection conn in direction dir as recorded so far,
 * copied into out (at most cap bytes; the return value is the whole length,
 * which may be larger). */
size_t proxy_captured(proxy *p, unsigned conn, proxy_dir dir, uint8_t *out, size_t cap);
/* Whether records were lost because the capture buffer was full. */
bool proxy_capture_overflowed(proxy *p);

/* A consistent snapshot of the counters. */
proxy_stats proxy_get_stats(proxy *p);
/* Connections accepted so far (refused ones included). */
unsigned proxy_connections(proxy *p);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_TEST_PROXY_H */
