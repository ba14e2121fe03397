/*
 * ws_server.h - a scripted WebSocket server on 127.0.0.1 for the tests, in
 * a thread: the answers and frames mosquitto never sends (404, a wrong
 * accept key, a text frame, a close frame with a reason, a ping between
 * fragments ...).
 *
 *     ws_server s;
 *     ws_server_start(&s, my_script, &my_data);   // listens, port in s.port
 *     ... the client connects to 127.0.0.1:s.port ...
 *     ws_server_join(&s);                         // the script has ended
 *     assert_int_equal(s.failures, 0);            // its own checks, s.error
 *
 * The thread accepts ONE connection, runs the script on it, closes it and
 * ends. Every read waits at most WS_SERVER_TIMEOUT_MS, so a client that
 * stops talking cannot hold the thread. Results are read after
 * ws_server_join() (the join orders the memory), never during.
 */
#ifndef MQTTS_TEST_WS_SERVER_H
#define MQTTS_TEST_WS_SERVER_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WS_SERVER_TIMEOUT_MS 5000

typedef struct ws_server ws_server;
typedef void (*ws_script)(ws_server *s, int fd);

struct ws_server {
    ws_script script;
    void *arg;         /* the script's own data */
    uint16_t port;
    int listen_fd;
    pthread_t thread;
    char request[4096]; /* the upgrade request as received */
    char key[64];       /* its Sec-WebSocket-Key */
    int failures;       /* checks of the script that failed */
    char error[512];    /* the first of them */
};

/* Listens on 127.0.0.1 (a free port) and starts the thread. 0 or -1. */
int ws_server_start(ws_server *s, ws_script script, void *arg);
/* Waits for the script to end. */
void ws_server_join(ws_server *s);

/* For scripts. Each records a failure (s->failures, s->error) and returns
 * -1 when something is not as expected. */
int srv_read_request(ws_server *s, int fd);
/* The Sec-WebSocket-Accept for key (SHA-1 and base64 by mbedTLS: not the
 * code under test). */
void srv_accept_for(const char *key, char out[29]);
/* Sends a 101 answer with the right accept value, extra lines (each ending
 * in \r\n) and, unless NULL, "Sec-WebSocket-Protocol: proto"; then tail
 * (tail_len bytes, frames to go in the same write). */
int srv_answer(ws_server *s, int fd, const char *proto, const char *extra, const uint8_t *tail,
               size_t tail_len);
int srv_send(ws_server *s, int fd, const void *bytes, size_t len);
int srv_send_str(ws_server *s, int fd, const char *text);
/* An unmasked frame: first byte b0 (FIN, opcode), payload, the shortest
 * length form. Written into out (when not NULL, returns its size) or sent. */
size_t srv_frame_bytes(uint8_t *out, uint8_t b0, const void *payload, size_t len);
int srv_frame(ws_server *s, int fd, uint8_t b0, const void *payload, size_t len);
/* Reads one client frame: it must be masked and have no reserved bits;
 * *b0 and the unmasked payload (up to cap bytes; *len its length). 0, or
 * -1 on EOF, timeout or a bad frame (recorded unless eof_ok and EOF). */
int srv_read_frame(ws_server *s, int fd, uint8_t *b0, uint8_t *payload, size_t cap,
                   size_t *len, bool eof_ok);
/* Waits until the client closes the connection (EOF). 0 or -1. */
int srv_wait_eof(ws_server *s, int fd);
void srv_fail(ws_server *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#endif
