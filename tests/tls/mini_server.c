/*
 * mini_server.c - see mini_server.h. Blocking sockets with a receive
 * timeout, so that a client that never finishes cannot hold the thread.
 */
#define _GNU_SOURCE

#include "mini_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "tls/mbedtls_compat.h"

typedef struct tls_side {
    mbedtls_ssl_config conf;
    mbedtls_x509_crt cert;
    mbedtls_pk_context key;
    mbedtls_entropy_context entropy;
    mbedtls_ctr_drbg_context drbg;
} tls_side;

static tls_side g_side; /* one mini server with TLS at a time */
static const char *g_alpn[] = {"mqtt", NULL};

static int fd_send(void *ctx, const unsigned char *buf, size_t len)
{
    ssize_t n = send(*(int *)ctx, buf, len, MSG_NOSIGNAL);
    return n >= 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int fd_recv(void *ctx, unsigned char *buf, size_t len)
{
    ssize_t n = recv(*(int *)ctx, buf, len, 0);
    return n >= 0 ? (int)n : MBEDTLS_ERR_SSL_INTERNAL_ERROR;
}

static int on_sni(void *ctx, mbedtls_ssl_context *ssl, const unsigned char *name, size_t len)
{
    mini_server *s = ctx;
    (void)ssl;
    pthread_mutex_lock(&s->lock);
    if (len >= sizeof s->last_sni)
        len = sizeof s->last_sni - 1;
    memcpy(s->last_sni, name, len);
    s->last_sni[len] = '\0';
    pthread_mutex_unlock(&s->lock);
    return 0;
}

static int tls_side_init(mini_server *s)
{
    tls_side *t = &g_side;
    int rc;

    mbedtls_ssl_config_init(&t->conf);
    mbedtls_x509_crt_init(&t->cert);
    mbedtls_pk_init(&t->key);
    mbedtls_entropy_init(&t->entropy);
    mbedtls_ctr_drbg_init(&t->drbg);
    if ((rc = mqtts_mbedtls_global_init()) != 0 ||
        (rc = mbedtls_ctr_drbg_seed(&t->drbg, mbedtls_entropy_func, &t->entropy, NULL, 0)) != 0 ||
        (rc = mbedtls_x509_crt_parse_file(&t->cert, s->cert_file)) != 0 ||
        (rc = mqtts_pk_parse_keyfile(&t->key, s->key_file, NULL, &t->drbg)) != 0 ||
        (rc = mbedtls_ssl_config_defaults(&t->conf, MBEDTLS_SSL_IS_SERVER,
                                          MBEDTLS_SSL_TRANSPORT_STREAM,
                                          MBEDTLS_SSL_PRESET_DEFAULT)) != 0) {
        snprintf(s->error, sizeof s->error, "mini server: mbedTLS set-up failed: -0x%04x", -rc);
        return -1;
    }
    mbedtls_ssl_conf_rng(&t->conf, mbedtls_ctr_drbg_random, &t->drbg);
    mbedtls_ssl_conf_sni(&t->conf, on_sni, s);
    mbedtls_ssl_conf_alpn_protocols(&t->conf, g_alpn);
    if ((rc = mbedtls_ssl_conf_own_cert(&t->conf, &t->cert, &t->key)) != 0) {
        snprintf(s->error, sizeof s->error, "mini server: own cert: -0x%04x", -rc);
        return -1;
    }
    return 0;
}

static void tls_side_free(void)
{
    tls_side *t = &g_side;
    mbedtls_ssl_config_free(&t->conf);
    mbedtls_x509_crt_free(&t->cert);
    mbedtls_pk_free(&t->key);
    mbedtls_ctr_drbg_free(&t->drbg);
    mbedtls_entropy_free(&t->entropy);
}

static void serve_tls(mini_server *s, int fd)
{
    mbedtls_ssl_context ssl;
    int rc;

    pthread_mutex_lock(&s->lock);
    s->last_sni[0] = '\0';
    s->last_alpn[0] = '\0';
    pthread_mutex_unlock(&s->lock);
    mbedtls_ssl_init(&ssl);
    if (mbedtls_ssl_setup(&ssl, &g_side.conf) == 0) {
        mbedtls_ssl_set_bio(&ssl, &fd, fd_send, fd_recv, NULL);
        do {
            rc = mbedtls_ssl_handshake(&ssl);
        } while (rc == MBEDTLS_ERR_SSL_WANT_READ || rc == MBEDTLS_ERR_SSL_WANT_WRITE);
        if (rc == 0) {
            const char *alpn = mbedtls_ssl_get_alpn_protocol(&ssl);
            pthread_mutex_lock(&s->lock);
            snprintf(s->last_alpn, sizeof s->last_alpn, "%s", alpn != NULL ? alpn : "");
            s->handshakes_ok++;
            pthread_mutex_unlock(&s->lock);
            unsigned char buf[64];
            /* Until the client closes (or the receive timeout). */
            while (mbedtls_ssl_read(&ssl, buf, sizeof buf) > 0) {
            }
            (void)mbedtls_ssl_close_notify(&ssl);
        }
    }
    mbedtls_ssl_free(&ssl);
}

static void drain_until_closed(int fd)
{
    char buf[256];
    while (recv(fd, buf, sizeof buf, 0) > 0) {
    }
}

static void *run(void *arg)
{
    mini_server *s = arg;

    while (!s->stop) {
        struct pollfd p = {s->listen_fd, POLLIN, 0};
        if (poll(&p, 1, 50) <= 0)
            continue;
        int fd = accept4(s->listen_fd, NULL, NULL, SOCK_CLOEXEC);
        if (fd < 0)
            continue;
        struct timeval tv = {5, 0};
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        pthread_mutex_lock(&s->lock);
        s->connections++;
        pthread_mutex_unlock(&s->lock);
        if (s->mode == MINI_TLS) {
            serve_tls(s, fd);
        } else {
            if (s->mode == MINI_BYTES)
                (void)send(fd, s->bytes, s->byte_count, MSG_NOSIGNAL);
            drain_until_closed(fd);
        }
        close(fd);
    }
    return NULL;
}

int mini_start(mini_server *s)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;

    s->stop = false;
    s->connections = s->handshakes_ok = 0;
    s->last_sni[0] = s->last_alpn[0] = s->error[0] = '\0';
    pthread_mutex_init(&s->lock, NULL);
    if (s->mode == MINI_TLS && tls_side_init(s) != 0) {
        tls_side_free();
        return -1;
    }
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listen_fd, 4) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &len) != 0) {
        snprintf(s->error, sizeof s->error, "mini server: socket: %s", strerror(errno));
        if (s->listen_fd >= 0)
            close(s->listen_fd);
        if (s->mode == MINI_TLS)
            tls_side_free();
        return -1;
    }
    s->port = ntohs(a.sin_port);
    if (pthread_create(&s->thread, NULL, run, s) != 0) {
        snprintf(s->error, sizeof s->error, "mini server: no thread");
        close(s->listen_fd);
        if (s->mode == MINI_TLS)
            tls_side_free();
        return -1;
    }
    return 0;
}

void mini_stop(mini_server *s)
{
    s->stop = true;
    pthread_join(s->thread, NULL);
    close(s->listen_fd);
    if (s->mode == MINI_TLS)
        tls_side_free();
    pthread_mutex_destroy(&s->lock);
}

void mini_last(mini_server *s, char *sni, size_t sni_cap, char *alpn, size_t alpn_cap,
               int *handshakes_ok)
{
    pthread_mutex_lock(&s->lock);
    snprintf(sni, sni_cap, "%s", s->last_sni);
    snprintf(alpn, alpn_cap, "%s", s->last_alpn);
    *handshakes_ok = s->handshakes_ok;
    pthread_mutex_unlock(&s->lock);
}
