/*
 * test_ws_broker.c - MQTT over WebSocket against Debian's mosquitto, all on
 * 127.0.0.1 (mosquitto 2.0.11 binds its websockets listeners on every
 * interface whatever address it is given; the tests connect only to
 * 127.0.0.1):
 *   - one broker with two `protocol websockets` listeners: plain (ws://)
 *     and TLS (wss://, the leaf of tests/tls/make-pki.sh with its
 *     intermediate; the client trusts only the test root);
 *   - pub/sub through mqtts_client at QoS 0, 1 and 2, MQTT 3.1.1 and 5.0,
 *     over ws and over wss;
 *   - a 1 MB message each way (ws with a 256-byte WebSocket buffer, so
 *     thousands of frames; wss with 16 KB), compared byte for byte. Debian's
 *     mosquitto 2.0.11 moves a big message out through its websockets
 *     listener about 4 KB per pass of its main loop, and an idle loop passes
 *     every 100 ms or so: 1 MB takes 25 s to reach any WebSocket client
 *     (paho-mqtt's too). A "waker" thread keeps the loop busy with PINGREQs
 *     on a plain MQTT connection while the test runs, which brings it to
 *     well under a second;
 *   - the wrong port: WebSocket to the plain MQTT listener and to the TLS
 *     one without TLS, and TLS to the plain WebSocket one, each with its
 *     error and detail.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker.h"
#include "testfs.h"
#include "mqtts/client.h"
#include "mqtts/tls.h"
#include "mqtts/websocket.h"

#define T_MS 10000 /* generous: valgrind is slow */
#define BIG_LEN (1024u * 1024u)

static char g_pki[256];
static broker g_b;
#define PORT_MQTT (g_b.port)
#define PORT_WS (g_b.extra_port[0])
#define PORT_WSS (g_b.extra_port[1])

#define assert_contains(haystack, needle)                                                  \
    do {                                                                                   \
        const char *h_ = (haystack);                                                       \
        if (strstr(h_, (needle)) == NULL)                                                  \
            fail_msg("expected \"%s\" in: %s", (needle), h_);                              \
    } while (0)

/* ------------------------------------------------------------------------ */
/* The PKI and the broker, made once for the whole run. */

static int group_setup(void **state)
{
    (void)state;
    const char *base = getenv("TMPDIR");
    snprintf(g_pki, sizeof g_pki, "%s/mqtts-ws-pki-XXXXXX", base && *base ? base : "/tmp");
    if (mkdtemp(g_pki) == NULL || test_pki_make(MQTTS_WS_PKI_SCRIPT, g_pki) != 0)
        return -1;
    static char conf[2048];
    snprintf(conf, sizeof conf,
             "listener @PORT1@ 127.0.0.1\nprotocol websockets\n"
             "listener @PORT2@ 127.0.0.1\nprotocol websockets\n"
             "certfile %s/good-chain.pem\nkeyfile %s/good.key\n",
             g_pki, g_pki);
    broker_options o;
    memset(&o, 0, sizeof o);
    o.extra_ports = 2;
    o.extra_config = conf;
    return broker_start_or_say(&g_b, &o);
}

static int group_teardown(void **state)
{
    (void)state;
    broker_stop(&g_b);
    test_dir_remove(g_pki);
    return 0;
}

/* ------------------------------------------------------------------------ */
/* A client over WebSocket (over TLS when secure), its memory on the heap
 * (sized for 1 MB messages when big). */

typedef struct wpeer {
    bool secure;
    size_t ws_buf_size;
    size_t mem_size;
    mqtts_tcp tcp;
    mqtts_tls tls;
    mqtts_ws ws;
    mqtts_transport t_tcp, t_tls, t;
    uint8_t *ws_buf;
    mqtts_client c;
    mqtts_client_config cfg;
    mqtts_broker_address addr;
    uint8_t *rx, *tx, *store;
    uint8_t alias[4 * 128];
    mqtts_session_slot slots[16];
    uint16_t qos2[16];
    mqtts_session_sub subs[4];
    char sub_text[256];
    int messages[3];
    int delivered;
    size_t last_len;
    uint8_t *last; /* the last payload, up to mem_size bytes */
} wpeer;

static void on_event(void *user, const mqtts_event *ev)
{
    wpeer *p = user;
    if (ev->type == MQTTS_EV_MESSAGE) {
        const mqtts_publish *m = ev->message;
        p->messages[m->qos]++;
        p->last_len = m->payload.len;
        if (m->payload.len <= p->mem_size)
            memcpy(p->last, m->payload.ptr, m->payload.len);
    } else if (ev->type == MQTTS_EV_DELIVERED) {
        p->delivered++;
    }
}

/* Sets up p's transports: TCP, TLS when secure, WebSocket on top. */
static void wpeer_transport(wpeer *p, bool secure, size_t ws_buf_size)
{
    mqtts_tls_config tc;
    mqtts_ws_config wc;
    memset(&tc, 0, sizeof tc);
    memset(&wc, 0, sizeof wc);
    p->secure = secure;
    p->ws_buf_size = ws_buf_size;
    p->ws_buf = malloc(ws_buf_size);
    mqtts_tcp_init(&p->tcp, &p->t_tcp);
    if (secure) {
        static char ca[400];
        snprintf(ca, sizeof ca, "%s/root.pem", g_pki);
        tc.ca_file = ca;
        mqtts_err e = mqtts_tls_init(&p->tls, &tc, &p->t_tcp, &p->t_tls);
        if (e != MQTTS_OK)
            fail_msg("tls init: %s", mqtts_tls_error_detail(&p->tls));
    }
    wc.path = "/mqtt";
    wc.secure = secure;
    wc.buf = p->ws_buf;
    wc.buf_size = ws_buf_size;
    assert_int_equal(mqtts_ws_init(&p->ws, &wc, secure ? &p->t_tls : &p->t_tcp, &p->t), MQTTS_OK);
}

static void wpeer_connect(wpeer *p, bool secure, mqtts_version v, size_t ws_buf_size,
                          size_t mem_size)
{
    static uint32_t seed = 0x3e5;
    memset(p, 0, sizeof *p);
    wpeer_transport(p, secure, ws_buf_size);
    p->mem_size = mem_size;
    p->rx = malloc(mem_size);
    p->tx = malloc(mem_size);
    p->store = malloc(mem_size);
    p->last = malloc(mem_size);
    p->addr.host = "127.0.0.1";
    p->addr.port = secure ? PORT_WSS : PORT_WS;
    p->cfg.session.version = v;
    p->cfg.session.clean_start = true;
    p->cfg.session.keep_alive_s = 30;
    p->cfg.session.on_event = on_event;
    p->cfg.session.user = p;
    p->cfg.session.seed = seed++;
    p->cfg.brokers = &p->addr;
    p->cfg.broker_count = 1;
    p->cfg.connect_timeout_ms = T_MS;
    p->cfg.now_ms = mqtts_posix_now_ms;
    p->cfg.sleep_ms = mqtts_posix_sleep_ms;
    mqtts_session_memory mem;
    memset(&mem, 0, sizeof mem);
    mem.rx = p->rx;
    mem.rx_size = mem_size;
    mem.tx = p->tx;
    mem.tx_size = mem_size;
    mem.store = p->store;
    mem.store_size = mem_size;
    mem.slots = p->slots;
    mem.slot_count = 16;
    mem.qos2_in = p->qos2;
    mem.qos2_in_count = 16;
    mem.alias_text = p->alias;
    mem.alias_count = 4;
    mem.alias_slot_size = 128;
    mem.subs = p->subs;
    mem.sub_count = 4;
    mem.sub_text = p->sub_text;
    mem.sub_text_size = sizeof p->sub_text;
    assert_int_equal(mqtts_client_init(&p->c, &p->cfg, &mem, &p->t), MQTTS_OK);
    mqtts_err e = mqtts_client_connect_wait(&p->c, T_MS);
    if (e != MQTTS_OK)
        fail_msg("MQTT over %s to 127.0.0.1:%u: %s: %s / %s", secure ? "wss" : "ws",
                 (unsigned)p->addr.port, mqtts_strerror(e), mqtts_ws_error_detail(&p->ws),
                 secure ? mqtts_tls_error_detail(&p->tls) : "");
    assert_int_equal(mqtts_ws_http_status(&p->ws), 101);
}

static void wpeer_done(wpeer *p)
{
    assert_int_equal(mqtts_client_disconnect(&p->c, 2000), MQTTS_OK);
    if (p->secure)
        mqtts_tls_free(&p->tls);
    free(p->ws_buf);
    free(p->rx);
    free(p->tx);
    free(p->store);
    free(p->last);
}

#define RUN_UNTIL(cond, ms, a, b)                                                          \
    do {                                                                                   \
        uint32_t t0_ = mqtts_posix_now_ms();                                               \
        while (!(cond) && mqtts_posix_now_ms() - t0_ < (ms)) {                             \
            (void)mqtts_client_loop(&(a)->c, 5);                                           \
            (void)mqtts_client_loop(&(b)->c, 5);                                           \
        }                                                                                  \
    } while (0)

static void subscribe(wpeer *p, wpeer *other, const char *filter)
{
    mqtts_subscription s;
    memset(&s, 0, sizeof s);
    s.filter = mqtts_cstr(filter);
    s.qos = 2;
    uint16_t id = 0;
    assert_int_equal(mqtts_client_subscribe(&p->c, &s, 1, &id), MQTTS_OK);
    RUN_UNTIL(false, 300, p, other); /* the SUBACK */
}

/* ------------------------------------------------------------------------ */
/* Pub/sub at every QoS. */

static void pubsub(bool secure, mqtts_version v)
{
    static wpeer a, b;
    wpeer_connect(&a, secure, v, 1024, 8192);
    wpeer_connect(&b, secure, v, 1024, 8192);
    subscribe(&b, &a, "ws/+");
    for (uint8_t q = 0; q <= 2; q++) {
        mqtts_publish m;
        memset(&m, 0, sizeof m);
        m.topic = mqtts_cstr("ws/x");
        m.payload = mqtts_bytes("over a websocket", 16);
        m.qos = q;
        assert_int_equal(mqtts_client_publish_wait(&a.c, &m, T_MS), MQTTS_OK);
    }
    RUN_UNTIL(b.messages[0] + b.messages[1] + b.messages[2] >= 3, T_MS, &a, &b);
    RUN_UNTIL(false, 200, &a, &b); /* a duplicate would show up now */
    assert_int_equal(b.messages[0], 1);
    assert_int_equal(b.messages[1], 1);
    assert_int_equal(b.messages[2], 1);
    assert_int_equal(b.last_len, 16);
    assert_memory_equal(b.last, "over a websocket", 16);
    assert_int_equal(a.delivered, 2); /* QoS 1 and 2 acknowledged */
    if (secure)
        assert_non_null(mqtts_tls_version(&a.tls));
    wpeer_done(&a);
    wpeer_done(&b);
}

static void test_ws_pubsub_ws_v311(void **state)
{
    (void)state;
    pubsub(false, MQTTS_V311);
}

static void test_ws_pubsub_ws_v5(void **state)
{
    (void)state;
    pubsub(false, MQTTS_V5);
}

static void test_ws_pubsub_wss_v311(void **state)
{
    (void)state;
    pubsub(true, MQTTS_V311);
}

static void test_ws_pubsub_wss_v5(void **state)
{
    (void)state;
    pubsub(true, MQTTS_V5);
}

/* ------------------------------------------------------------------------ */
/* 1 MB each way. */

static void fill(uint8_t *p, size_t n, uint32_t seed)
{
    for (size_t i = 0; i < n; i++) {
        seed = seed * 1103515245u + 12345u;
        p[i] = (uint8_t)(seed >> 16);
    }
}

/* The waker: CONNECT on the plain listener, then a PINGREQ every
 * millisecond (the answers are read and dropped) until told to stop. */
typedef struct waker {
    pthread_t thread;
    volatile int stop;
    int fd;
    unsigned pings;
} waker;

static void *wake_loop(void *arg)
{
    waker *w = arg;
    static const uint8_t connect[] = {0x10, 12, 0, 4, 'M', 'Q', 'T', 'T', 4, 2, 0, 60, 0, 0};
    static const uint8_t ping[] = {0xC0, 0x00};
    uint8_t sink[4096];
    if (send(w->fd, connect, sizeof connect, MSG_NOSIGNAL) != (ssize_t)sizeof connect)
        return NULL;
    while (!w->stop) {
        struct timespec ms = {0, 1000000};
        if (send(w->fd, ping, sizeof ping, MSG_NOSIGNAL | MSG_DONTWAIT) == (ssize_t)sizeof ping)
            w->pings++;
        while (recv(w->fd, sink, sizeof sink, MSG_DONTWAIT) > 0)
            ;
        nanosleep(&ms, NULL);
    }
    return NULL;
}

static void waker_start(waker *w)
{
    struct sockaddr_in a;
    memset(w, 0, sizeof *w);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons(PORT_MQTT);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    w->fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    assert_true(w->fd >= 0);
    assert_int_equal(connect(w->fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(pthread_create(&w->thread, NULL, wake_loop, w), 0);
}

static waker g_waker;

/* Setup and teardown of the 1 MB test: the waker stops even when the test
 * fails half way. */
static int waker_up(void **state)
{
    (void)state;
    waker_start(&g_waker);
    return 0;
}

static int waker_down(void **state)
{
    (void)state;
    g_waker.stop = 1;
    pthread_join(g_waker.thread, NULL);
    close(g_waker.fd);
    return g_waker.pings > 0 ? 0 : -1;
}

static void test_ws_one_megabyte_both_ways(void **state)
{
    (void)state;
    static wpeer a, b;
    const size_t mem = BIG_LEN + 4096;
    uint8_t *data = malloc(BIG_LEN);
    /* a: ws, MQTT 5, a 256-byte WebSocket buffer (frames of 250 bytes);
     * b: wss, MQTT 3.1.1, 16 KB. */
    wpeer_connect(&a, false, MQTTS_V5, 256, mem);
    wpeer_connect(&b, true, MQTTS_V311, 16384, mem);
    subscribe(&a, &b, "big/ba");
    subscribe(&b, &a, "big/ab");

    mqtts_publish m;
    memset(&m, 0, sizeof m);
    fill(data, BIG_LEN, 1);
    m.topic = mqtts_cstr("big/ab");
    m.payload = mqtts_bytes(data, BIG_LEN);
    m.qos = 1;
    assert_int_equal(mqtts_client_publish(&a.c, &m, NULL), MQTTS_OK);
    RUN_UNTIL(b.messages[1] == 1 && a.delivered == 1, T_MS, &a, &b);
    assert_int_equal(a.delivered, 1);
    assert_int_equal(b.messages[1], 1);
    assert_int_equal(b.last_len, BIG_LEN);
    assert_memory_equal(b.last, data, BIG_LEN);

    fill(data, BIG_LEN, 2);
    m.topic = mqtts_cstr("big/ba");
    m.qos = 2;
    assert_int_equal(mqtts_client_publish(&b.c, &m, NULL), MQTTS_OK);
    RUN_UNTIL(a.messages[2] == 1 && b.delivered == 1, T_MS, &a, &b);
    assert_int_equal(b.delivered, 1);
    assert_int_equal(a.messages[2], 1);
    assert_int_equal(a.last_len, BIG_LEN);
    assert_memory_equal(a.last, data, BIG_LEN);
    free(data);
    wpeer_done(&a);
    wpeer_done(&b);
}

/* ------------------------------------------------------------------------ */
/* The wrong port. */

static void test_ws_wrong_ports(void **state)
{
    (void)state;
    static wpeer p;

    /* WebSocket to the plain MQTT listener, and to the TLS one without TLS:
     * mosquitto resets the connection without answering. */
    uint16_t ports[2] = {PORT_MQTT, PORT_WSS};
    for (int i = 0; i < 2; i++) {
        memset(&p, 0, sizeof p);
        wpeer_transport(&p, false, 512);
        mqtts_err e = p.t.connect(p.t.ctx, "127.0.0.1", ports[i], T_MS);
        assert_int_equal(e, MQTTS_ERR_CLOSED);
        assert_contains(mqtts_ws_error_detail(&p.ws), "without answering the WebSocket upgrade");
        assert_contains(mqtts_ws_error_detail(&p.ws), "wss://");
        assert_int_equal(mqtts_ws_http_status(&p.ws), 0);
        free(p.ws_buf);
    }

    /* TLS to the plain WebSocket listener: the TLS layer says so. */
    memset(&p, 0, sizeof p);
    wpeer_transport(&p, true, 512);
    mqtts_err e = p.t.connect(p.t.ctx, "127.0.0.1", PORT_WS, T_MS);
    if (e != MQTTS_ERR_TLS_NOT_TLS)
        fail_msg("got %s: %s", mqtts_strerror(e), mqtts_ws_error_detail(&p.ws));
    assert_contains(mqtts_ws_error_detail(&p.ws), "cannot connect to \"127.0.0.1\" port");
    assert_contains(mqtts_ws_error_detail(&p.ws), mqtts_strerror(MQTTS_ERR_TLS_NOT_TLS));
    mqtts_tls_free(&p.tls);
    free(p.ws_buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ws_pubsub_ws_v311),
        cmocka_unit_test(test_ws_pubsub_ws_v5),
        cmocka_unit_test(test_ws_pubsub_wss_v311),
        cmocka_unit_test(test_ws_pubsub_wss_v5),
        cmocka_unit_test_setup_teardown(test_ws_one_megabyte_both_ways, waker_up, waker_down),
        cmocka_unit_test(test_ws_wrong_ports),
    };
    return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
