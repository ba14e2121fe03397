/*
 * tls_heap.c - how much heap one mbedTLS TLS 1.2 client connection takes
 * with the Pico W example's mbedTLS settings, measured, not estimated.
 *
 * Built by bench/tls_heap/run.sh against an mbedTLS compiled from source
 * with examples/pico_w_hivemq/mbedtls_config.h (plus MBEDTLS_PLATFORM_MEMORY,
 * so that every mbedTLS allocation goes through the counting allocator
 * below), and run against a TLS server on 127.0.0.1 (mosquitto). It does
 * what lwIP's altcp_tls does on the device, with a socket instead of lwIP:
 *
 *   once        entropy + CTR_DRBG, mbedtls_ssl_config, the trust parsed
 *               (the test root, and ISRG Root X1 + X2 as PEM made by the
 *               port's own mqtts_pico_w_roots_pem(), as on the device)
 *   connection  mbedtls_ssl_setup, mbedtls_ssl_set_hostname, the handshake
 *               (verification required), then MQTT 3.1.1 over it: CONNECT,
 *               SUBSCRIBE, PUBLISH QoS 1 of a few sizes (each comes back
 *               from the broker, so records of those sizes go both ways),
 *               DISCONNECT, close_notify, mbedtls_ssl_free
 *
 * and prints, as key=value lines: the heap after each step, the peak during
 * the handshake and during the data phase, what is left after the free (0,
 * or it leaks), the number of allocations, the cipher suite and ECDHE curve
 * negotiated, and the stack the connection used (the connection runs on a
 * thread whose stack is painted first).
 *
 * Usage: tls_heap --port N --ca FILE [--host NAME] [--mfl 2048] [--sizes 16,4000,12000]
 */
#define _GNU_SOURCE /* getrandom, pthread_attr_setstack */

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "mbedtls/version.h"

#include "mbedtls/ctr_drbg.h"
#include "mbedtls/ecdh.h"
#include "mbedtls/entropy.h"
#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/ssl.h"
#include "mbedtls/x509_crt.h"

/* The handshake's ECDH context, to name the curve the server chose: private
 * in both lines (3.x: library/ssl_misc.h, read with the example's
 * MBEDTLS_ALLOW_PRIVATE_ACCESS). */
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#include "ssl_misc.h"
#define HANDSHAKE_OVER(ssl) mbedtls_ssl_is_handshake_over(ssl)
#else
#include "mbedtls/ssl_internal.h"
#define HANDSHAKE_OVER(ssl) ((ssl)->state == MBEDTLS_SSL_HANDSHAKE_OVER)
#endif

#include "pico_w_sys.h" /* mqtts_pico_w_roots_pem() */

/* ---------------------------------------------------------------------- */
/* The counting allocator: bytes asked for (not the C library's overhead). */

typedef union hdr {
    size_t size;
    max_align_t align;
} hdr;

static size_t heap_now, heap_peak, heap_allocs;

static void *count_calloc(size_t n, size_t size)
{
    if (size != 0 && n > SIZE_MAX / size)
        return NULL;
    size_t bytes = n * size;
    hdr *h = malloc(sizeof *h + bytes);
    if (h == NULL)
        return NULL;
    memset(h + 1, 0, bytes);
    h->size = bytes;
    heap_now += bytes;
    heap_allocs++;
    if (heap_now > heap_peak)
        heap_peak = heap_now;
    return h + 1;
}

static void count_free(void *p)
{
    if (p == NULL)
        return;
    hdr *h = (hdr *)p - 1;
    heap_now -= h->size;
    free(h);
}

static void peak_reset(void)
{
    heap_peak = heap_now;
}

/* ---------------------------------------------------------------------- */
/* What the Pico W port provides on the device. */

/* MBEDTLS_ENTROPY_HARDWARE_ALT: pico_mbedtls.c's, from pico_rand; here the
 * kernel's. */
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

/* MBEDTLS_PLATFORM_TIME_ALT: the port's SNTP clock; here the system's. */
static mbedtls_time_t wall_time(mbedtls_time_t *t)
{
    mbedtls_time_t now = (mbedtls_time_t)time(NULL);
    if (t != NULL)
        *t = now;
    return now;
}

/* ---------------------------------------------------------------------- */
/* Options and results. */

static const char *opt_host = "localhost";
static const char *opt_ca;
static int opt_port;
static int opt_mfl;
static size_t opt_sizes[8] = {16, 4000, 12000};
static size_t opt_nsizes = 3;

static int conn_no; /* 1, 2: keys of a connection's results start c1_, c2_ */

/* A connection's results are kept here and printed after it, so that
 * printf's own stack (glibc's unbuffered stdio takes 8 KB) is not counted
 * as the connection's. */
static char conn_text[2048];
static size_t conn_text_len;

static void result(const char *key, long long value)
{
    printf("%s=%lld\n", key, value);
}

static void conn_text_add(const char *key, const char *value)
{
    int n = snprintf(conn_text + conn_text_len, sizeof conn_text - conn_text_len, "c%d_%s=%s\n",
                     conn_no, key, value);
    if (n > 0 && (size_t)n < sizeof conn_text - conn_text_len)
        conn_text_len += (size_t)n;
}

static void conn_result(const char *key, long long value)
{
    char v[24];
    snprintf(v, sizeof v, "%lld", value);
    conn_text_add(key, v);
}

static void fail(const char *what, int rc)
{
    fprintf(stderr, "tls_heap: %s failed (-0x%04x)\n", what, (unsigned)-rc);
    exit(1);
}

/* ---------------------------------------------------------------------- */
/* I/O: a blocking loopback socket under mbedTLS. */

static int bio_send(void *ctx, const unsigned char *buf, size_t len)
{
    int fd = *(int *)ctx;
    ssize_t n = send(fd, buf, len, MSG_NOSIGNAL);
    return n < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)n;
}

static int bio_recv(void *ctx, unsigned char *buf, size_t len)
{
    int fd = *(int *)ctx;
    ssize_t n = recv(fd, buf, len, 0);
    return n < 0 ? MBEDTLS_ERR_SSL_INTERNAL_ERROR : (int)n;
}

static int dial(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_port = htons((uint16_t)opt_port);
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK); /* 127.0.0.1 only */
    int one = 1;
    if (fd < 0 || connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        fprintf(stderr, "tls_heap: cannot connect to 127.0.0.1:%d: %s\n", opt_port,
                strerror(errno));
        exit(1);
    }
    (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static void tls_write_all(mbedtls_ssl_context *ssl, const uint8_t *buf, size_t len)
{
    while (len > 0) {
        int rc = mbedtls_ssl_write(ssl, buf, len);
        if (rc <= 0)
            fail("mbedtls_ssl_write", rc);
        buf += rc;
        len -= (size_t)rc;
    }
}

static void tls_read_all(mbedtls_ssl_context *ssl, uint8_t *buf, size_t len)
{
    while (len > 0) {
        int rc = mbedtls_ssl_read(ssl, buf, len);
        if (rc <= 0)
            fail("mbedtls_ssl_read", rc);
        buf += rc;
        len -= (size_t)rc;
    }
}

/* ---------------------------------------------------------------------- */
/* MQTT 3.1.1, the few packets needed, by hand. */

static uint8_t pkt[65536];

static size_t put_varint(uint8_t *p, size_t n)
{
    size_t i = 0;
    do {
        uint8_t b = (uint8_t)(n % 128);
        n /= 128;
        p[i++] = (uint8_t)(b | (n > 0 ? 0x80 : 0));
    } while (n > 0);
    return i;
}

static size_t put_str(uint8_t *p, const char *s)
{
    size_t n = strlen(s);
    p[0] = (uint8_t)(n >> 8);
    p[1] = (uint8_t)n;
    memcpy(p + 2, s, n);
    return n + 2;
}

/* A packet of type byte t around body[0..len). */
static void send_packet(mbedtls_ssl_context *ssl, uint8_t t, const uint8_t *body, size_t len)
{
    uint8_t head[5];
    head[0] = t;
    size_t h = 1 + put_varint(head + 1, len);
    uint8_t *all = malloc(h + len);
    memcpy(all, head, h);
    memcpy(all + h, body, len);
    tls_write_all(ssl, all, h + len);
    free(all);
}

/* The next packet: its type byte; the body in pkt, its length in *len. */
static uint8_t read_packet(mbedtls_ssl_context *ssl, size_t *len)
{
    uint8_t t, b;
    size_t n = 0, mul = 1;
    tls_read_all(ssl, &t, 1);
    do {
        tls_read_all(ssl, &b, 1);
        n += (size_t)(b & 0x7F) * mul;
        mul *= 128;
    } while (b & 0x80);
    if (n > sizeof pkt) {
        fprintf(stderr, "tls_heap: a packet of %zu bytes\n", n);
        exit(1);
    }
    tls_read_all(ssl, pkt, n);
    *len = n;
    return t;
}

static void mqtt_session(mbedtls_ssl_context *ssl)
{
    static const char topic[] = "bench/tls_heap";
    uint8_t *body = malloc(sizeof pkt);
    size_t n = 0, len;

    /* CONNECT, clean session, keepalive 60, client id. */
    n += put_str(body + n, "MQTT");
    body[n++] = 4;
    body[n++] = 0x02;
    body[n++] = 0;
    body[n++] = 60;
    n += put_str(body + n, "tls-heap-bench");
    send_packet(ssl, 0x10, body, n);
    if (read_packet(ssl, &len) != 0x20 || len != 2 || pkt[1] != 0) {
        fprintf(stderr, "tls_heap: CONNECT refused\n");
        exit(1);
    }
    /* SUBSCRIBE (id 1) QoS 1. */
    n = 0;
    body[n++] = 0;
    body[n++] = 1;
    n += put_str(body + n, topic);
    body[n++] = 1;
    send_packet(ssl, 0x82, body, n);
    if (read_packet(ssl, &len) != 0x90) {
        fprintf(stderr, "tls_heap: no SUBACK\n");
        exit(1);
    }
    /* PUBLISH QoS 1 of each size; wait for our PUBACK and for the message
     * to come back (and acknowledge it). */
    for (size_t i = 0; i < opt_nsizes; i++) {
        uint16_t id = (uint16_t)(10 + i);
        n = put_str(body, topic);
        body[n++] = (uint8_t)(id >> 8);
        body[n++] = (uint8_t)id;
        memset(body + n, 'x', opt_sizes[i]);
        n += opt_sizes[i];
        send_packet(ssl, 0x32, body, n);
        bool acked = false, echoed = false;
        while (!acked || !echoed) {
            uint8_t t = read_packet(ssl, &len);
            if ((t & 0xF0) == 0x40) {
                acked = true;
            } else if ((t & 0xF0) == 0x30) {
                size_t tl = ((size_t)pkt[0] << 8) | pkt[1];
                uint8_t ack[2] = {pkt[2 + tl], pkt[3 + tl]};
                send_packet(ssl, 0x40, ack, 2);
                echoed = true;
            }
        }
    }
    send_packet(ssl, 0xE0, body, 0); /* DISCONNECT */
    free(body);
}

/* ---------------------------------------------------------------------- */
/* One connection, measured. */

static mbedtls_ssl_config conf;
static size_t base_heap; /* before the connection */

static void *connection(void *arg)
{
    (void)arg;
    mbedtls_ssl_context ssl;
    int fd = dial();
    mbedtls_ecp_group_id curve = MBEDTLS_ECP_DP_NONE;

    peak_reset();
    mbedtls_ssl_init(&ssl);
    int rc = mbedtls_ssl_setup(&ssl, &conf);
    if (rc != 0)
        fail("mbedtls_ssl_setup", rc);
    conn_result("after_setup", (long long)(heap_now - base_heap));
    rc = mbedtls_ssl_set_hostname(&ssl, opt_host);
    if (rc != 0)
        fail("mbedtls_ssl_set_hostname", rc);
    mbedtls_ssl_set_bio(&ssl, &fd, bio_send, bio_recv, NULL);

    while (!HANDSHAKE_OVER(&ssl)) {
        rc = mbedtls_ssl_handshake_step(&ssl);
        if (rc != 0)
            fail("the handshake", rc);
        if (ssl.handshake != NULL) {
#if defined(MBEDTLS_ECDH_LEGACY_CONTEXT)
            if (ssl.handshake->ecdh_ctx.grp.id != MBEDTLS_ECP_DP_NONE)
                curve = ssl.handshake->ecdh_ctx.grp.id;
#else
            if (ssl.handshake->ecdh_ctx.grp_id != MBEDTLS_ECP_DP_NONE)
                curve = ssl.handshake->ecdh_ctx.grp_id;
#endif
        }
    }
    uint32_t flags = mbedtls_ssl_get_verify_result(&ssl);
    if (flags != 0) {
        fprintf(stderr, "tls_heap: verification failed, flags 0x%x\n", (unsigned)flags);
        exit(1);
    }
    conn_result("handshake_peak", (long long)(heap_peak - base_heap));
    conn_result("after_handshake", (long long)(heap_now - base_heap));
    const mbedtls_ecp_curve_info *ci = mbedtls_ecp_curve_info_from_grp_id(curve);
    conn_text_add("ciphersuite", mbedtls_ssl_get_ciphersuite(&ssl));
    conn_text_add("ecdhe_curve", ci != NULL ? ci->name : "?");
    conn_result("max_out_record_payload", mbedtls_ssl_get_max_out_record_payload(&ssl));

    peak_reset();
    mqtt_session(&ssl);
    conn_result("data_peak", (long long)(heap_peak - base_heap));
    conn_result("after_data", (long long)(heap_now - base_heap));
    (void)mbedtls_ssl_close_notify(&ssl);
    mbedtls_ssl_free(&ssl);
    close(fd);
    conn_result("left_after_free", (long long)(heap_now - base_heap));
    return NULL;
}

/* How deep the connection's stack went: it runs on a painted stack. */
#define STACK_SIZE (512 * 1024)
#define PAINT 0xA5

static void run_on_painted_stack(void)
{
    uint8_t *stack = malloc(STACK_SIZE);
    memset(stack, PAINT, STACK_SIZE);
    pthread_attr_t attr;
    pthread_t th;
    pthread_attr_init(&attr);
    pthread_attr_setstack(&attr, stack, STACK_SIZE);
    if (pthread_create(&th, &attr, connection, NULL) != 0) {
        fprintf(stderr, "tls_heap: no thread\n");
        exit(1);
    }
    pthread_join(th, NULL);
    fputs(conn_text, stdout);
    conn_text_len = 0;
    conn_text[0] = '\0';
    size_t untouched = 0;
    while (untouched < STACK_SIZE && stack[untouched] == PAINT)
        untouched++;
    conn_result("stack_used", (long long)(STACK_SIZE - untouched));
    free(stack);
}

/* ---------------------------------------------------------------------- */

static unsigned char *read_file(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (f == NULL) {
        fprintf(stderr, "tls_heap: %s: %s\n", path, strerror(errno));
        exit(1);
    }
    unsigned char *buf = malloc(1 << 20);
    size_t n = fread(buf, 1, (1 << 20) - 1, f);
    fclose(f);
    buf[n] = '\0';
    *len = n + 1; /* PEM is parsed with its NUL */
    return buf;
}

static void parse_args(int argc, char **argv)
{
    for (int i = 1; i + 1 < argc; i += 2) {
        if (strcmp(argv[i], "--port") == 0) {
            opt_port = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--ca") == 0) {
            opt_ca = argv[i + 1];
        } else if (strcmp(argv[i], "--host") == 0) {
            opt_host = argv[i + 1];
        } else if (strcmp(argv[i], "--mfl") == 0) {
            opt_mfl = atoi(argv[i + 1]);
        } else if (strcmp(argv[i], "--sizes") == 0) {
            opt_nsizes = 0;
            for (char *s = strtok(argv[i + 1], ","); s != NULL && opt_nsizes < 8;
                 s = strtok(NULL, ","))
                opt_sizes[opt_nsizes++] = (size_t)atol(s);
        } else {
            fprintf(stderr, "tls_heap: unknown option %s\n", argv[i]);
            exit(2);
        }
    }
    if (opt_port <= 0 || opt_ca == NULL) {
        fprintf(stderr, "usage: tls_heap --port N --ca FILE [--host NAME] [--mfl 2048] "
                        "[--sizes 16,4000,12000]\n");
        exit(2);
    }
}

int main(int argc, char **argv)
{
    static mbedtls_entropy_context entropy;
    static mbedtls_ctr_drbg_context drbg;
    static mbedtls_x509_crt trust;
    size_t len;

    parse_args(argc, argv);
    setvbuf(stdout, NULL, _IONBF, 0);
    mbedtls_platform_set_calloc_free(count_calloc, count_free);
    mbedtls_platform_set_time(wall_time);
    printf("mbedtls_version=%s\n", MBEDTLS_VERSION_STRING);
    printf("pointer_bytes=%zu\n", sizeof(void *));
    result("in_content_len", MBEDTLS_SSL_IN_CONTENT_LEN);
    result("out_content_len", MBEDTLS_SSL_OUT_CONTENT_LEN);
    result("ecp_window_size", MBEDTLS_ECP_WINDOW_SIZE);
    result("ecp_fixed_point_optim", MBEDTLS_ECP_FIXED_POINT_OPTIM);
    result("mfl_requested", opt_mfl);
    /* What altcp_tls keeps in lwIP's heap on the device (struct sizes). */
    result("sizeof_ssl_context", (long long)sizeof(mbedtls_ssl_context));
    result("sizeof_ssl_config", (long long)sizeof(mbedtls_ssl_config));
    result("sizeof_x509_crt", (long long)sizeof(mbedtls_x509_crt));
    result("sizeof_entropy_ctr_drbg",
           (long long)(sizeof(mbedtls_entropy_context) + sizeof(mbedtls_ctr_drbg_context)));

    /* Once: the random generator, the configuration, the trust. */
    mbedtls_entropy_init(&entropy);
    mbedtls_ctr_drbg_init(&drbg);
    int rc = mbedtls_ctr_drbg_seed(&drbg, mbedtls_entropy_func, &entropy, NULL, 0);
    if (rc != 0)
        fail("mbedtls_ctr_drbg_seed", rc);
    result("heap_after_rng", (long long)heap_now);
    mbedtls_ssl_config_init(&conf);
    rc = mbedtls_ssl_config_defaults(&conf, MBEDTLS_SSL_IS_CLIENT, MBEDTLS_SSL_TRANSPORT_STREAM,
                                     MBEDTLS_SSL_PRESET_DEFAULT);
    if (rc != 0)
        fail("mbedtls_ssl_config_defaults", rc);
    mbedtls_ssl_conf_authmode(&conf, MBEDTLS_SSL_VERIFY_REQUIRED);
    mbedtls_ssl_conf_rng(&conf, mbedtls_ctr_drbg_random, &drbg);
    if (opt_mfl != 0) {
        /* What a client could ask for if lwIP's altcp_tls let it reach its
         * mbedtls_ssl_config; the server must agree (OpenSSL does). */
        /* mbedTLS advertises at most min(IN, OUT)_CONTENT_LEN. */
        unsigned char code = opt_mfl == 512    ? MBEDTLS_SSL_MAX_FRAG_LEN_512
                             : opt_mfl == 1024 ? MBEDTLS_SSL_MAX_FRAG_LEN_1024
                             : opt_mfl == 2048 ? MBEDTLS_SSL_MAX_FRAG_LEN_2048
                                               : MBEDTLS_SSL_MAX_FRAG_LEN_4096;
        rc = mbedtls_ssl_conf_max_frag_len(&conf, code);
        if (rc != 0)
            fail("mbedtls_ssl_conf_max_frag_len", rc);
    }
    result("heap_after_config", (long long)heap_now);

    /* The trust as on the device: the built-in ISRG roots as PEM (the
     * port's own code), then the test root this server's chain needs. */
    size_t before = heap_now;
    mbedtls_x509_crt_init(&trust);
    mqtts_err e;
    unsigned char *pem = mqtts_pico_w_roots_pem(NULL, &len, &e);
    if (pem == NULL)
        fail("mqtts_pico_w_roots_pem", e);
    rc = mbedtls_x509_crt_parse(&trust, pem, len);
    if (rc != 0)
        fail("parsing the ISRG roots", rc);
    free(pem);
    result("heap_isrg_x1_x2", (long long)(heap_now - before));
    before = heap_now;
    unsigned char *ca = read_file(opt_ca, &len);
    rc = mbedtls_x509_crt_parse(&trust, ca, len);
    if (rc != 0)
        fail("parsing --ca", rc);
    free(ca);
    result("heap_test_root", (long long)(heap_now - before));
    mbedtls_ssl_conf_ca_chain(&conf, &trust, NULL);
    size_t once = heap_now;
    result("heap_once", (long long)once);

    /* Two connections, one after the other, as a device reconnects: the
     * second shows whether anything stays behind. */
    for (conn_no = 1; conn_no <= 2; conn_no++) {
        base_heap = heap_now;
        run_on_painted_stack();
    }
    result("heap_growth_after_connections", (long long)(heap_now - once));
    result("heap_allocations", (long long)heap_allocs);

    mbedtls_x509_crt_free(&trust);
    mbedtls_ssl_config_free(&conf);
    mbedtls_ctr_drbg_free(&drbg);
    mbedtls_entropy_free(&entropy);
    result("heap_left_at_exit", (long long)heap_now);
    return heap_now == 0 ? 0 : 1;
}
