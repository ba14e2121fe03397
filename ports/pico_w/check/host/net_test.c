/*
 * net_test.c - the Pico W port's lwIP side (src/pico_w_net.c), run for real
 * on a host: lwIP (NO_SYS, the example's lwipopts.h) with its loopback
 * interface, lwIP's altcp_tls on mbedTLS (the example's mbedtls_config.h),
 * and a TLS echo server of the test's own inside the same lwIP. What
 * pico_w_board.c would give (the lock, waking, clocks) is given here by
 * functions that drive lwIP instead (netif_poll_all, sys_check_timeouts).
 *
 * Run by ports/pico_w/check/host_test.sh, which builds lwIP and mbedTLS
 * from their sources and makes the certificates. Usage:
 *   net_test PKI_DIR     (root.pem, other-root.pem, chain.pem, leaf.key)
 */
#define _GNU_SOURCE

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/init.h"
#include "lwip/netif.h"
#include "lwip/timeouts.h"

#include "mbedtls/x509.h"

#include "pico_w_sys.h"

/* ---------------------------------------------------------------------- */
/* What pico_w_board.c gives the net side on the device. */

static int lock_depth;
static unsigned wakes;

void mqtts_pico_w_sys_lwip_begin(void)
{
    lock_depth++;
}

void mqtts_pico_w_sys_lwip_end(void)
{
    lock_depth--;
    if (lock_depth < 0) {
        fprintf(stderr, "net_test: lwip_end without begin\n");
        abort();
    }
}

void mqtts_pico_w_sys_wake(void)
{
    wakes++;
}

uint64_t mqtts_pico_w_sys_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

uint32_t mqtts_pico_w_sys_now_ms(void)
{
    return (uint32_t)(mqtts_pico_w_sys_now_us() / 1000u);
}

/* lwIP's clock (NO_SYS). */
u32_t sys_now(void)
{
    return mqtts_pico_w_sys_now_ms();
}

/* Runs lwIP: loopback packets, timers. With threadsafe_background this is
 * the background interrupt; with poll, cyw43_arch_poll(). */
static void run_lwip(void)
{
    netif_poll_all();
    sys_check_timeouts();
}

void mqtts_pico_w_sys_wait(uint32_t until_ms)
{
    unsigned seen = wakes;
    for (;;) {
        if (lock_depth != 0) {
            fprintf(stderr, "net_test: waiting with the lwIP lock held\n");
            abort();
        }
        run_lwip();
        if (wakes != seen || (int32_t)(until_ms - mqtts_pico_w_sys_now_ms()) <= 0)
            return;
        usleep(200);
    }
}

/* mbedTLS: MBEDTLS_ENTROPY_HARDWARE_ALT (pico_mbedtls.c's on the device). */
int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen);
int mbedtls_hardware_poll(void *data, unsigned char *out, size_t len, size_t *olen)
{
    (void)data;
    ssize_t n = getrandom(out, len, 0);
    if (n < 0)
        return -1;
    *olen = (size_t)n;
    return 0;
}

/* ---------------------------------------------------------------------- */
/* The test's servers inside lwIP: TLS echo on 8883, plain echo on 1883.
 * close_after: the server closes once it has echoed that many bytes. */

#define TLS_PORT 8883
#define TCP_PORT 1883

typedef struct echo {
    uint8_t out[16384];
    size_t out_len;
    size_t echoed;
    size_t close_after;
} echo;

static echo server_state;

static void echo_flush(struct altcp_pcb *pcb, echo *e)
{
    while (e->out_len > 0) {
        size_t n = e->out_len;
        if (n > altcp_sndbuf(pcb))
            n = altcp_sndbuf(pcb);
        if (n > 1024)
            n = 1024; /* below the TLS record size */
        if (n == 0 || altcp_write(pcb, e->out, (u16_t)n, TCP_WRITE_FLAG_COPY) != ERR_OK)
            break;
        memmove(e->out, e->out + n, e->out_len - n);
        e->out_len -= n;
        e->echoed += n;
    }
    altcp_output(pcb);
    if (e->close_after != 0 && e->echoed >= e->close_after && e->out_len == 0) {
        altcp_recv(pcb, NULL);
        altcp_close(pcb);
    }
}

static err_t echo_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *p, err_t err)
{
    echo *e = arg;
    (void)err;
    if (p == NULL) {
        altcp_close(pcb);
        return ERR_OK;
    }
    if (e->out_len + p->tot_len > sizeof e->out)
        return ERR_MEM; /* lwIP offers it again */
    pbuf_copy_partial(p, e->out + e->out_len, p->tot_len, 0);
    e->out_len += p->tot_len;
    altcp_recved(pcb, p->tot_len);
    pbuf_free(p);
    echo_flush(pcb, e);
    return ERR_OK;
}

static err_t echo_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    (void)len;
    echo_flush(pcb, arg);
    return ERR_OK;
}

static err_t echo_accept(void *arg, struct altcp_pcb *pcb, err_t err)
{
    (void)arg;
    (void)err;
    server_state.out_len = 0;
    server_state.echoed = 0;
    altcp_arg(pcb, &server_state);
    altcp_recv(pcb, echo_recv);
    altcp_sent(pcb, echo_sent);
    return ERR_OK;
}

static void listen_on(struct altcp_pcb *pcb, u16_t port)
{
    if (pcb == NULL || altcp_bind(pcb, IP_ADDR_ANY, port) != ERR_OK) {
        fprintf(stderr, "net_test: cannot listen on %u\n", port);
        exit(1);
    }
    struct altcp_pcb *l = altcp_listen(pcb);
    altcp_accept(l, echo_accept);
}

/* ---------------------------------------------------------------------- */

static char pki[512];
static int failures;

static unsigned char *load(const char *name, size_t *len)
{
    char path[600];
    snprintf(path, sizeof path, "%s/%s", pki, name);
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        perror(path);
        exit(1);
    }
    unsigned char *buf = malloc(65536);
    size_t n = fread(buf, 1, 65535, f);
    fclose(f);
    buf[n] = '\0';
    *len = n + 1;
    return buf;
}

#define EXPECT(cond, ...)                                                    \
    do {                                                                     \
        if (!(cond)) {                                                       \
            printf("FAIL  %s:%d: ", __FILE__, __LINE__);                     \
            printf(__VA_ARGS__);                                             \
            printf("\n");                                                    \
            failures++;                                                      \
        }                                                                    \
    } while (0)

static void port_init(mqtts_pico_w *p, const void *ca, size_t ca_len)
{
    memset(p, 0, sizeof *p);
    p->cfg.ca = ca;
    p->cfg.ca_len = ca_len;
    p->time_floor_s = 1700000000; /* 2023-11 */
    p->led_override = -1;
    mqtts_pico_w_net_init(p);
}

/* Sends len bytes and reads them back through the echo server. */
static void echo_roundtrip(mqtts_transport *t, size_t len)
{
    uint8_t *out = malloc(len), *in = malloc(len);
    for (size_t i = 0; i < len; i++)
        out[i] = (uint8_t)(i * 7 + 3);
    size_t sent = 0, got = 0;
    uint32_t deadline = mqtts_pico_w_sys_now_ms() + 10000;
    while (got < len && (int32_t)(deadline - mqtts_pico_w_sys_now_ms()) > 0) {
        if (sent < len) {
            size_t chunk = len - sent < 700 ? len - sent : 700;
            int32_t n = t->send(t->ctx, out + sent, chunk);
            EXPECT(n >= 0, "send: %s", mqtts_strerror((mqtts_err)n));
            if (n < 0)
                break;
            sent += (size_t)n;
        }
        /* Small reads: the ring wraps and the pbuf chain waits. */
        int32_t r = t->recv(t->ctx, in + got, len - got < 333 ? len - got : 333);
        EXPECT(r >= 0, "recv: %s", mqtts_strerror((mqtts_err)r));
        if (r < 0)
            break;
        got += (size_t)r;
        if (r == 0)
            mqtts_pico_w_sys_wait(mqtts_pico_w_sys_now_ms() + 20);
    }
    EXPECT(got == len && memcmp(in, out, len) == 0, "echo of %zu bytes: got %zu", len, got);
    free(out);
    free(in);
}

static mqtts_err tls_connect(mqtts_pico_w *p, const char *name, mqtts_transport *t)
{
    mqtts_err e = mqtts_pico_w_transport(p, true, name, t);
    if (e != MQTTS_OK)
        return e;
    return t->connect(t->ctx, "127.0.0.1", TLS_PORT, 5000);
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: net_test PKI_DIR\n");
        return 2;
    }
    snprintf(pki, sizeof pki, "%s", argv[1]);
    lwip_init();

    /* The servers. */
    size_t chain_len, key_len, root_len, other_len;
    unsigned char *chain = load("chain.pem", &chain_len);
    unsigned char *key = load("leaf.key", &key_len);
    unsigned char *root = load("root.pem", &root_len);
    unsigned char *other = load("other-root.pem", &other_len);
    struct altcp_tls_config *srv =
        altcp_tls_create_config_server_privkey_cert(key, key_len, NULL, 0, chain, chain_len);
    if (srv == NULL) {
        fprintf(stderr, "net_test: server configuration failed\n");
        return 1;
    }
    listen_on(altcp_tls_new(srv, IPADDR_TYPE_V4), TLS_PORT);
    listen_on(altcp_tcp_new_ip_type(IPADDR_TYPE_V4), TCP_PORT);

    time_t now = time(NULL);
    mqtts_pico_w port;
    mqtts_transport t;
    mqtts_err e;

    /* 1. Verified TLS, data both ways, close, connect again. */
    port_init(&port, root, root_len);
    mqtts_pico_w_net_clock_set(&port, (int64_t)now);
    e = tls_connect(&port, "localhost", &t);
    EXPECT(e == MQTTS_OK, "TLS connect: %s (flags 0x%x)", mqtts_strerror(e),
           (unsigned)mqtts_pico_w_tls_verify_flags(&port));
    EXPECT(t.wait == NULL, "a callback-driven transport has no wait()");
    if (e == MQTTS_OK) {
        echo_roundtrip(&t, 10000);
        t.close(t.ctx);
        e = t.connect(t.ctx, "127.0.0.1", TLS_PORT, 5000);
        EXPECT(e == MQTTS_OK, "TLS connect again: %s", mqtts_strerror(e));
        echo_roundtrip(&t, 3000);
        t.close(t.ctx);
        t.close(t.ctx); /* twice is fine */
        EXPECT(t.send(t.ctx, (const uint8_t *)"x", 1) == MQTTS_ERR_NOT_CONNECTED,
               "send after close");
    }
    printf("ok    TLS: verified connection, 10,000 + 3,000 bytes echoed, reconnect\n");

    /* 2. The server closes: data first, then MQTTS_ERR_CLOSED. */
    server_state.close_after = 1500;
    e = t.connect(t.ctx, "127.0.0.1", TLS_PORT, 5000);
    EXPECT(e == MQTTS_OK, "connect: %s", mqtts_strerror(e));
    {
        uint8_t buf[2000], back[2000];
        memset(buf, 'a', sizeof buf);
        int32_t n = t.send(t.ctx, buf, 1500);
        EXPECT(n == 1500, "send 1500: %d", (int)n);
        size_t got = 0;
        int32_t r = 0;
        uint32_t deadline = mqtts_pico_w_sys_now_ms() + 5000;
        while ((int32_t)(deadline - mqtts_pico_w_sys_now_ms()) > 0) {
            r = t.recv(t.ctx, back + got, sizeof back - got);
            if (r < 0)
                break;
            got += (size_t)r;
            if (r == 0)
                mqtts_pico_w_sys_wait(mqtts_pico_w_sys_now_ms() + 20);
        }
        EXPECT(got == 1500 && r == MQTTS_ERR_CLOSED, "got %zu then %s", got,
               mqtts_strerror((mqtts_err)r));
        t.close(t.ctx);
    }
    server_state.close_after = 0;
    printf("ok    TLS: the server's close comes after its data, as MQTTS_ERR_CLOSED\n");

    /* 3. Verification failures: each before any application byte. */
    e = tls_connect(&port, "wrong.example", &t);
    EXPECT(e == MQTTS_ERR_TLS_NAME_MISMATCH, "wrong name: %s", mqtts_strerror(e));
    EXPECT(mqtts_pico_w_tls_verify_flags(&port) & MBEDTLS_X509_BADCERT_CN_MISMATCH,
           "flags 0x%x", (unsigned)mqtts_pico_w_tls_verify_flags(&port));
    printf("ok    TLS: another name -> %s\n", mqtts_strerror(e));

    mqtts_pico_w_net_clock_set(&port, (int64_t)now + 400 * 86400);
    e = tls_connect(&port, "localhost", &t);
    EXPECT(e == MQTTS_ERR_TLS_EXPIRED, "clock a year on: %s", mqtts_strerror(e));
    printf("ok    TLS: the clock a year on -> %s\n", mqtts_strerror(e));

    mqtts_pico_w_net_clock_set(&port, (int64_t)now - 10 * 86400);
    e = tls_connect(&port, "localhost", &t);
    EXPECT(e == MQTTS_ERR_TLS_NOT_YET_VALID, "clock 10 days back: %s", mqtts_strerror(e));
    printf("ok    TLS: the clock 10 days back -> %s\n", mqtts_strerror(e));

    port.clock_set = false;
    e = tls_connect(&port, "localhost", &t);
    EXPECT(e == MQTTS_ERR_TLS_CLOCK_NOT_SET, "clock not set: %s", mqtts_strerror(e));
    printf("ok    TLS: no clock -> %s\n", mqtts_strerror(e));
    mqtts_pico_w_free(&port);

    mqtts_pico_w other_port;
    port_init(&other_port, other, other_len);
    mqtts_pico_w_net_clock_set(&other_port, (int64_t)now);
    e = tls_connect(&other_port, "localhost", &t);
    EXPECT(e == MQTTS_ERR_TLS_UNTRUSTED, "another root: %s", mqtts_strerror(e));
    printf("ok    TLS: trust in another root -> %s\n", mqtts_strerror(e));
    mqtts_pico_w_free(&other_port);

    /* 4. The built-in roots (ISRG X1 + X2 as PEM) parse into a config, and
     * a server they did not sign is refused. */
    mqtts_pico_w isrg;
    port_init(&isrg, NULL, 0);
    mqtts_pico_w_net_clock_set(&isrg, (int64_t)now);
    e = tls_connect(&isrg, "localhost", &t);
    EXPECT(e == MQTTS_ERR_TLS_UNTRUSTED, "ISRG roots vs the test server: %s", mqtts_strerror(e));
    printf("ok    TLS: the built-in ISRG roots load; the test server -> %s\n", mqtts_strerror(e));
    mqtts_pico_w_free(&isrg);

    /* 5. Plain TCP; a port nobody listens on. */
    mqtts_pico_w plain;
    port_init(&plain, NULL, 0);
    e = mqtts_pico_w_transport(&plain, false, NULL, &t);
    EXPECT(e == MQTTS_OK, "plain transport: %s", mqtts_strerror(e));
    e = t.connect(t.ctx, "127.0.0.1", TCP_PORT, 5000);
    EXPECT(e == MQTTS_OK, "TCP connect: %s", mqtts_strerror(e));
    if (e == MQTTS_OK)
        echo_roundtrip(&t, 20000);
    t.close(t.ctx);
    e = t.connect(t.ctx, "127.0.0.1", 9, 5000);
    EXPECT(e == MQTTS_ERR_CONNECT_REFUSED, "nothing on port 9: %s", mqtts_strerror(e));
    printf("ok    TCP: 20,000 bytes echoed; a closed port -> %s\n", mqtts_strerror(e));

    /* Closing while the link is down (the runtime after a Wi-Fi loss) aborts
     * rather than leaving a PCB retransmitting a FIN; afterwards all works. */
    struct netif *lo = netif_find("lo0");
    EXPECT(lo != NULL, "no loopback netif");
    if (lo != NULL) {
        e = t.connect(t.ctx, "127.0.0.1", TCP_PORT, 5000);
        EXPECT(e == MQTTS_OK, "TCP connect: %s", mqtts_strerror(e));
        struct netif *was_default = netif_default;
        netif_set_default(lo);
        netif_set_link_down(lo);
        t.close(t.ctx);
        netif_set_link_up(lo);
        netif_set_default(was_default);
        e = t.connect(t.ctx, "127.0.0.1", TCP_PORT, 5000);
        EXPECT(e == MQTTS_OK, "TCP connect after a link loss: %s", mqtts_strerror(e));
        if (e == MQTTS_OK)
            echo_roundtrip(&t, 1000);
        t.close(t.ctx);
        printf("ok    TCP: closed while the link is down (aborted), then connected again\n");
    }

    /* 6. DNS of an address; SNTP's answer and the clock. */
    char addr[MQTTS_DEVICE_ADDR_MAX];
    e = mqtts_pico_w_net_dns_start(&plain, "127.0.0.1");
    EXPECT(e == MQTTS_OK, "dns_start: %s", mqtts_strerror(e));
    e = mqtts_pico_w_net_dns_poll(&plain, addr, sizeof addr);
    EXPECT(e == MQTTS_OK && strcmp(addr, "127.0.0.1") == 0, "dns_poll: %s %s",
           mqtts_strerror(e), addr);
    int64_t unix_s = 0;
    plain.sntp_taken = plain.sntp_count;
    EXPECT(mqtts_pico_w_net_sntp_poll(&plain, &unix_s) == MQTTS_NEED_MORE, "no answer yet");
    mqtts_pico_w_sntp_set_time(1800000000u, 500000u);
    e = mqtts_pico_w_net_sntp_poll(&plain, &unix_s);
    EXPECT(e == MQTTS_OK && unix_s == 1800000000, "sntp_poll: %s %lld", mqtts_strerror(e),
           (long long)unix_s);
    mqtts_pico_w_net_clock_set(&plain, unix_s);
    mqtts_pico_w_sntp_set_time(1800000100u, 0); /* an hourly answer, later */
    mqtts_pico_w_net_fold_sntp(&plain);
    EXPECT(mqtts_pico_w_net_clock(&plain) == 1800000100, "folded clock %lld",
           (long long)mqtts_pico_w_net_clock(&plain));
    mqtts_pico_w_sntp_set_time(86400u, 0); /* 1970: ignored */
    mqtts_pico_w_net_fold_sntp(&plain);
    EXPECT(mqtts_pico_w_net_clock(&plain) >= 1800000100, "a 1970 answer moved the clock");
    printf("ok    DNS of an address; SNTP answers set and correct the clock, 1970 is ignored\n");
    mqtts_pico_w_free(&plain);

    EXPECT(lock_depth == 0, "lwIP lock depth %d at the end", lock_depth);
    free(chain);
    free(key);
    free(root);
    free(other);
    if (failures) {
        printf("net_test: %d FAILED\n", failures);
        return 1;
    }
    printf("net_test: all passed\n");
    return 0;
}
