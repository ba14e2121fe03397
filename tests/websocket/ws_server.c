/*
 * ws_server.c - see ws_server.h. Blocking sockets with poll() timeouts.
 */
#define _GNU_SOURCE

#include "ws_server.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mbedtls/base64.h>
#include <mbedtls/sha1.h>
#include <mbedtls/version.h>

void srv_fail(ws_server *s, const char *fmt, ...)
{
    va_list ap;
    if (s->failures++ == 0) {
        va_start(ap, fmt);
        vsnprintf(s->error, sizeof s->error, fmt, ap);
        va_end(ap);
    }
}

static void *run(void *arg)
{
    ws_server *s = arg;
    struct pollfd p = {s->listen_fd, POLLIN, 0};
    if (poll(&p, 1, WS_SERVER_TIMEOUT_MS) != 1) {
        srv_fail(s, "no client connected");
    } else {
        int fd = accept(s->listen_fd, NULL, NULL);
        if (fd < 0) {
            srv_fail(s, "accept: %s", strerror(errno));
        } else {
            int one = 1;
            setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
            s->script(s, fd);
            close(fd);
        }
    }
    close(s->listen_fd);
    s->listen_fd = -1;
    return NULL;
}

int ws_server_start(ws_server *s, ws_script script, void *arg)
{
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(s, 0, sizeof *s);
    s->script = script;
    s->arg = arg;
    s->listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (s->listen_fd < 0 || bind(s->listen_fd, (struct sockaddr *)&a, sizeof a) != 0 ||
        listen(s->listen_fd, 1) != 0 ||
        getsockname(s->listen_fd, (struct sockaddr *)&a, &len) != 0)
        return -1;
    s->port = ntohs(a.sin_port);
    return pthread_create(&s->thread, NULL, run, s) == 0 ? 0 : -1;
}

void ws_server_join(ws_server *s)
{
    pthread_join(s->thread, NULL);
}

/* Reads exactly len bytes (or up to EOF: returns what came). -1 on timeout
 * or error. */
static ssize_t read_n(int fd, uint8_t *buf, size_t len)
{
    size_t got = 0;
    while (got < len) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, WS_SERVER_TIMEOUT_MS) != 1)
            return -1;
        ssize_t n = recv(fd, buf + got, len - got, 0);
        if (n == 0)
            break;
        if (n < 0) {
            if (errno == EINTR)
                continue;
            if (errno == ECONNRESET)
                break;
            return -1;
        }
        got += (size_t)n;
    }
    return (ssize_t)got;
}

int srv_read_request(ws_server *s, int fd)
{
    size_t n = 0;
    while (n + 1 < sizeof s->request) {
        ssize_t r = read_n(fd, (uint8_t *)s->request + n, 1);
        if (r != 1) {
            srv_fail(s, "the upgrade request ended after %zu bytes", n);
            return -1;
        }
        n++;
        s->request[n] = '\0';
        if (n >= 4 && memcmp(s->request + n - 4, "\r\n\r\n", 4) == 0)
            break;
    }
    const char *k = strstr(s->request, "\r\nSec-WebSocket-Key: ");
    if (k == NULL) {
        srv_fail(s, "no Sec-WebSocket-Key in: %s", s->request);
        return -1;
    }
    k += strlen("\r\nSec-WebSocket-Key: ");
    size_t len = strcspn(k, "\r");
    if (len >= sizeof s->key)
        len = sizeof s->key - 1;
    memcpy(s->key, k, len);
    s->key[len] = '\0';
    return 0;
}

void srv_accept_for(const char *key, char out[29])
{
    static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
    unsigned char text[128], digest[20];
    size_t n = strlen(key), olen = 0;
    memcpy(text, key, n);
    memcpy(text + n, guid, sizeof guid - 1);
#if MBEDTLS_VERSION_NUMBER >= 0x03000000
    mbedtls_sha1(text, n + sizeof guid - 1, digest);
#else
    mbedtls_sha1_ret(text, n + sizeof guid - 1, digest);
#endif
    mbedtls_base64_encode((unsigned char *)out, 29, &olen, digest, sizeof digest);
    out[olen] = '\0';
}

int srv_send(ws_server *s, int fd, const void *bytes, size_t len)
{
    const uint8_t *p = bytes;
    while (len > 0) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) {
            srv_fail(s, "send: %s", strerror(errno));
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int srv_send_str(ws_server *s, int fd, const char *text)
{
    return srv_send(s, fd, text, strlen(text));
}

int srv_answer(ws_server *s, int fd, const char *proto, const char *extra, const uint8_t *tail,
               size_t tail_len)
{
    static uint8_t buf[8192];
    char accept[29];
    srv_accept_for(s->key, accept);
    int n = snprintf((char *)buf, sizeof buf,
                     "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
                     "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s%s%s%s\r\n",
                     accept, proto ? "Sec-WebSocket-Protocol: " : "", proto ? proto : "",
                     proto ? "\r\n" : "", extra ? extra : "");
    if (tail_len > 0)
        memcpy(buf + n, tail, tail_len);
    return srv_send(s, fd, buf, (size_t)n + tail_len);
}

size_t srv_frame_bytes(uint8_t *out, uint8_t b0, const void *payload, size_t len)
{
    size_t n = 0;
    out[n++] = b0;
    if (len <= 125) {
        out[n++] = (uint8_t)len;
    } else if (len <= 65535) {
        out[n++] = 126;
        out[n++] = (uint8_t)(len >> 8);
        out[n++] = (uint8_t)len;
    } else {
        out[n++] = 127;
        for (int i = 7; i >= 0; i--)
            out[n++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    if (len > 0)
        memcpy(out + n, payload, len);
    return n + len;
}

int srv_frame(ws_server *s, int fd, uint8_t b0, const void *payload, size_t len)
{
    static uint8_t buf[70000];
    if (len + 10 > sizeof buf) {
        srv_fail(s, "frame of %zu bytes too big for the test server", len);
        return -1;
    }
    return srv_send(s, fd, buf, srv_frame_bytes(buf, b0, payload, len));
}

int srv_read_frame(ws_server *s, int fd, uint8_t *b0, uint8_t *payload, size_t cap, size_t *len,
                   bool eof_ok)
{
    uint8_t h[14];
    ssize_t r = read_n(fd, h, 2);
    if (r == 0 && eof_ok)
        return -1;
    if (r != 2) {
        srv_fail(s, "no frame from the client (%zd)", r);
        return -1;
    }
    size_t ext = (h[1] & 0x7F) == 126 ? 2 : (h[1] & 0x7F) == 127 ? 8 : 0;
    if ((h[0] & 0x70) != 0 || (h[1] & 0x80) == 0) {
        srv_fail(s, "client frame 0x%02x 0x%02x: reserved bits or not masked", h[0], h[1]);
        return -1;
    }
    if (read_n(fd, h + 2, ext + 4) != (ssize_t)(ext + 4)) {
        srv_fail(s, "client frame header cut short");
        return -1;
    }
    uint64_t n = h[1] & 0x7F;
    if (ext > 0) {
        n = 0;
        for (size_t i = 0; i < ext; i++)
            n = n << 8 | h[2 + i];
    }
    if (n > cap) {
        srv_fail(s, "client frame of %llu bytes, room for %zu", (unsigned long long)n, cap);
        return -1;
    }
    if (read_n(fd, payload, (size_t)n) != (ssize_t)n) {
        srv_fail(s, "client frame payload cut short");
        return -1;
    }
    const uint8_t *mask = h + 2 + ext;
    for (size_t i = 0; i < n; i++)
        payload[i] ^= mask[i & 3];
    *b0 = h[0];
    *len = (size_t)n;
    return 0;
}

int srv_wait_eof(ws_server *s, int fd)
{
    uint8_t b[256];
    for (;;) {
        struct pollfd p = {fd, POLLIN, 0};
        if (poll(&p, 1, WS_SERVER_TIMEOUT_MS) != 1) {
            srv_fail(s, "the client did not close the connection");
            return -1;
        }
        ssize_t n = recv(fd, b, sizeof b, 0);
        if (n == 0 || (n < 0 && errno == ECONNRESET))
            return 0;
        if (n < 0 && errno != EINTR) {
            srv_fail(s, "recv: %s", strerror(errno));
            return -1;
        }
    }
}
