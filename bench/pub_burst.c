/*
 * pub_burst - publish a burst of N messages as fast as the store allows,
 * wait until the broker has acknowledged all of them, and print the rate.
 *
 *   pub_burst PORT N QOS PAYLOAD_BYTES VERSION [STORE_MESSAGES]
 *
 *   PORT            a broker on 127.0.0.1 (loopback only)
 *   N               messages to publish (1 .. 10,000,000)
 *   QOS             0, 1 or 2
 *   PAYLOAD_BYTES   the payload size of each message (0 .. 65536)
 *   VERSION         311 or 5
 *   STORE_MESSAGES  how many messages the store holds at once (default:
 *                   min(N, 65535)); mqtts_client_loop() runs whenever the
 *                   store is full
 *
 * Output, one line (the fields are for scripts, e.g. bench/syscalls.sh):
 *
 *   pub_burst: n=1000 qos=1 payload=16 version=311 elapsed_ms=12.3 msgs_per_s=81234
 *
 * The client's memory is allocated once at start-up (the host may; the
 * library never does). Exit status 0 when all N were sent (QoS 0) or
 * acknowledged (QoS 1/2), 1 on any failure, with the reason on stderr.
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "mqtts/client.h"

#define RX_SIZE 65536u
#define TX_SIZE 4096u
#define ACK_TIMEOUT_MS 60000u

typedef struct burst {
    unsigned long delivered;
    unsigned long refused;   /* DELIVERED with a reason >= 0x80 */
    unsigned long disconnects;
} burst;

static void on_event(void *user, const mqtts_event *ev)
{
    burst *b = user;
    if (ev->type == MQTTS_EV_DELIVERED) {
        b->delivered++;
        if (ev->reason >= 0x80)
            b->refused++;
    } else if (ev->type == MQTTS_EV_DISCONNECTED && ev->err != MQTTS_OK) {
        b->disconnects++;
    }
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A decimal argument in [lo, hi], or exit with usage. */
static unsigned long arg_num(const char *s, const char *what, unsigned long lo, unsigned long hi)
{
    char *end = NULL;
    errno = 0;
    unsigned long v = strtoul(s, &end, 10);
    if (errno || !end || *end || end == s || v < lo || v > hi) {
        fprintf(stderr, "pub_burst: %s must be a number in %lu..%lu, got '%s'\n", what, lo, hi,
                s);
        exit(2);
    }
    return v;
}

static void *alloc_or_die(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size);
    if (!p) {
        fprintf(stderr, "pub_burst: out of memory (%zu x %zu bytes)\n", n, size);
        exit(1);
    }
    return p;
}

/* Whether the session still has bytes to hand to the transport. */
static bool tx_pending(mqtts_client *c)
{
    size_t len = 0;
    return mqtts_session_tx_buf(&c->session, &len) != NULL && len > 0;
}

int main(int argc, char **argv)
{
    if (argc != 6 && argc != 7) {
        fprintf(stderr, "usage: pub_burst PORT N QOS PAYLOAD_BYTES VERSION(311|5) "
                        "[STORE_MESSAGES]\n");
        return 2;
    }
    uint16_t port = (uint16_t)arg_num(argv[1], "PORT", 1, 65535);
    unsigned long n = arg_num(argv[2], "N", 1, 10000000);
    uint8_t qos = (uint8_t)arg_num(argv[3], "QOS", 0, 2);
    size_t payload_len = arg_num(argv[4], "PAYLOAD_BYTES", 0, 65536);
    unsigned long v = arg_num(argv[5], "VERSION", 5, 311);
    if (v != 5 && v != 311) {
        fprintf(stderr, "pub_burst: VERSION must be 311 or 5\n");
        return 2;
    }
    unsigned long store_msgs = n < 65535 ? n : 65535;
    if (argc == 7)
        store_msgs = arg_num(argv[6], "STORE_MESSAGES", 1, 65535);

    static const char topic[] = "bench/burst";
    /* One PUBLISH: fixed header (<= 5), topic (2 + len), packet id (2),
     * v5 property length (1), payload. */
    size_t per_msg = 5 + 2 + (sizeof topic - 1) + 2 + 1 + payload_len;
    uint8_t *payload = alloc_or_die(payload_len, 1);
    memset(payload, 'x', payload_len);

    mqtts_session_memory mem;
    memset(&mem, 0, sizeof mem);
    mem.rx = alloc_or_die(RX_SIZE, 1);
    mem.rx_size = RX_SIZE;
    mem.tx = alloc_or_die(TX_SIZE, 1);
    mem.tx_size = TX_SIZE;
    mem.store_size = per_msg * store_msgs + 64;
    mem.store = alloc_or_die(mem.store_size, 1);
    mem.slot_count = (uint16_t)store_msgs;
    mem.slots = alloc_or_die(store_msgs, sizeof *mem.slots);
    uint16_t qos2[32];
    mem.qos2_in = qos2;
    mem.qos2_in_count = 32;

    burst b;
    memset(&b, 0, sizeof b);
    mqtts_broker_address addr = {"127.0.0.1", port};
    mqtts_client_config cfg;
    memset(&cfg, 0, sizeof cfg);
    cfg.session.version = v == 5 ? MQTTS_V5 : MQTTS_V311;
    cfg.session.clean_start = true;
    cfg.session.keep_alive_s = 60;
    cfg.session.no_reconnect = true; /* a lost connection fails the run */
    cfg.session.seed = (uint32_t)getpid() ^ (uint32_t)time(NULL) * 2654435761u;
    cfg.session.on_event = on_event;
    cfg.session.user = &b;
    cfg.brokers = &addr;
    cfg.broker_count = 1;
    cfg.connect_timeout_ms = 5000;
    cfg.now_ms = mqtts_posix_now_ms;
    cfg.sleep_ms = mqtts_posix_sleep_ms;

    mqtts_tcp tcp;
    mqtts_transport t;
    mqtts_tcp_init(&tcp, &t);
    mqtts_client c;
    mqtts_err e = mqtts_client_init(&c, &cfg, &mem, &t);
    if (e == MQTTS_OK)
        e = mqtts_client_connect_wait(&c, 5000);
    if (e != MQTTS_OK) {
        fprintf(stderr, "pub_burst: connect to 127.0.0.1:%u: %s (reason 0x%02x)\n", port,
                mqtts_strerror(e), mqtts_client_last_reason(&c));
        return 1;
    }

    mqtts_publish m;
    memset(&m, 0, sizeof m);
    m.topic = mqtts_cstr(topic);
    m.payload = mqtts_bytes(payload, payload_len);
    m.qos = qos;
    /* QoS 0 has nothing to wait for but the socket: never block in the loop. */
    uint32_t loop_ms = qos ? 1000 : 0;

    double t0 = now_s();
    unsigned long published = 0;
    while (published < n) {
        e = mqtts_client_publish(&c, &m, NULL);
        if (e == MQTTS_OK) {
            published++;
            continue;
        }
        if (e != MQTTS_ERR_QUEUE_FULL)
            break;
        e = mqtts_client_loop(&c, loop_ms);
        if (e != MQTTS_OK)
            break;
    }
    /* Everything queued: now until it is all out (QoS 0) or acknowledged. */
    uint32_t start = mqtts_posix_now_ms();
    while (e == MQTTS_OK &&
           (qos ? b.delivered < n || mqtts_session_pending(&c.session) > 0 : tx_pending(&c))) {
        if (mqtts_posix_now_ms() - start > ACK_TIMEOUT_MS) {
            e = MQTTS_ERR_TIMEOUT;
            break;
        }
        e = mqtts_client_loop(&c, loop_ms);
    }
    double elapsed = now_s() - t0;
    if (e != MQTTS_OK || b.disconnects || b.refused) {
        fprintf(stderr,
                "pub_burst: failed after %lu published, %lu acknowledged: %s "
                "(%lu refused, %lu disconnects)\n",
                published, b.delivered, mqtts_strerror(e), b.refused, b.disconnects);
        return 1;
    }
    e = mqtts_client_disconnect(&c, 2000);
    if (e != MQTTS_OK) {
        fprintf(stderr, "pub_burst: disconnect: %s\n", mqtts_strerror(e));
        return 1;
    }
    printf("pub_burst: n=%lu qos=%u payload=%zu version=%lu elapsed_ms=%.1f msgs_per_s=%.0f\n", n,
           qos, payload_len, v, elapsed * 1000.0, elapsed > 0 ? (double)n / elapsed : 0.0);
    free(mem.slots);
    free(mem.store);
    free(mem.tx);
    free(mem.rx);
    free(payload);
    return 0;
}
