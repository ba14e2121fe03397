/*
 * mini_server.h - a tiny server on 127.0.0.1 for the TLS tests, in a thread:
 * the things mosquitto cannot be made to do or to tell.
 *
 *   MINI_TLS      an mbedTLS server (cert_file/key_file; ALPN "mqtt"
 *                 offered) that records, per connection, the SNI the client
 *                 sent (none: "") and the ALPN protocol agreed, completes
 *                 the handshake and closes with close_notify.
 *   MINI_BYTES    accepts and sends `bytes` (not TLS), then waits for the
 *                 client to close.
 *   MINI_SILENT   accepts and says nothing until the client closes.
 *
 * Connections are served one at a time until mini_stop(). Every field the
 * test reads after a connection is written by the server thread before the
 * client's handshake (or read) can complete, and read under the lock.
 */
#ifndef MQTTS_TEST_MINI_SERVER_H
#define MQTTS_TEST_MINI_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum { MINI_TLS, MINI_BYTES, MINI_SILENT } mini_mode;

typedef struct mini_server {
    mini_mode mode;
    const char *cert_file; /* MINI_TLS: the chain to send and its key */
    const char *key_file;
    const uint8_t *bytes; /* MINI_BYTES */
    size_t byte_count;

    uint16_t port;  /* set by mini_start() */
    int listen_fd;
    pthread_t thread;
    pthread_mutex_t lock;
    volatile bool stop;
    /* What the last TLS client sent (under lock). */
    int connections;
    int handshakes_ok;
    char last_sni[256];
    char last_alpn[32];
    char error[256];
} mini_server;

/* 0 on success; s->error says why not. */
int mini_start(mini_server *s);
void mini_stop(mini_server *s);
/* Copies of the last values, taken under the lock. */
void mini_last(mini_server *s, char *sni, size_t sni_cap, char *alpn, size_t alpn_cap,
               int *handshakes_ok);

#endif
