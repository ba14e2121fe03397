/*
 * rawmqtt.c - a bare MQTT peer over a blocking socket. See rawmqtt.h.
 */
#define _GNU_SOURCE

#include "loopback.h"
#include "rawmqtt.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int raw_open(raw_client *rc, uint16_t port, mqtts_version v)
{
    rc->fd = -1;
    rc->version = v;
    rc->error = MQTTS_OK;
    rc->next_id = 1;
    rc->in_len = 0;
    rc->packet_len = 0;
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return -1;
    struct sockaddr_in a = loopback_addr(port);
    if (connect(fd, (struct sockaddr *)&a, sizeof a) != 0) {
        int e = errno;
        close(fd);
        errno = e;
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    rc->fd = fd;
    return 0;
}

void raw_close(raw_client *rc)
{
    if (rc->fd >= 0)
        close(rc->fd);
    rc->fd = -1;
}

raw_result raw_send(raw_client *rc, const uint8_t *buf, size_t len)
{
    size_t done = 0;
    while (done < len) {
        ssize_t w = send(rc->fd, buf + done, len - done, MSG_NOSIGNAL);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return RAW_ERROR;
        }
        done += (size_t)w;
    }
    return RAW_OK;
}

/* A whole packet at the start of rc->in? Then move it to rc->packet. */
static raw_result take_packet(raw_client *rc, mqtts_packet *out, bool *got)
{
    size_t n = 0;
    *got = false;
    mqtts_err e = mqtts_frame(rc->in, rc->in_len, RAW_BUFFER, &n);
    if (e == MQTTS_NEED_MORE)
        return RAW_OK;
    if (e != MQTTS_OK) {
        rc->error = e;
        return RAW_MALFORMED;
    }
    memcpy(rc->packet, rc->in, n);
    rc->packet_len = n;
    memmove(rc->in, rc->in + n, rc->in_len - n);
    rc->in_len -= n;
    e = mqtts_decode(rc->version, rc->packet, n, out);
    if (e != MQTTS_OK) {
        rc->error = e;
        return RAW_MALFORMED;
    }
    *got = true;
    return RAW_OK;
}

raw_result raw_recv(raw_client *rc, mqtts_packet *out, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    for (;;) {
        bool got;
        raw_result r = take_packet(rc, out, &got);
        if (r != RAW_OK || got)
            return r;
        int64_t left = deadline - now_ms();
        if (left <= 0)
            return RAW_TIMEOUT;
        struct pollfd pfd = {rc->fd, POLLIN, 0};
        int pr = poll(&pfd, 1, (int)left);
        if (pr < 0 && errno != EINTR)
            return RAW_ERROR;
        if (pr <= 0)
            continue;
        if (rc->in_len == sizeof rc->in) {
            rc->error = MQTTS_ERR_PACKET_TOO_LARGE;
            return RAW_MALFORMED;
        }
        ssize_t got_n = recv(rc->fd, rc->in + rc->in_len, sizeof rc->in - rc->in_len, 0);
        if (got_n == 0)
            return RAW_CLOSED;
        if (got_n < 0) {
            if (errno == EINTR || errno == EAGAIN)
                continue;
            return RAW_ERROR;
        }
        rc->in_len += (size_t)got_n;
    }
}

raw_result raw_wait_close(raw_client *rc, mqtts_packet *out, int timeout_ms)
{
    return raw_recv(rc, out, timeout_ms);
}

static raw_result send_encoded(raw_client *rc, mqtts_err e, const uint8_t *buf, size_t len)
{
    if (e != MQTTS_OK) {
        rc->error = e;
        return RAW_MALFORMED;
    }
    return raw_send(rc, buf, len);
}

raw_result raw_send_connect(raw_client *rc, const mqtts_connect *c)
{
    uint8_t buf[1024];
    size_t n = 0;
    mqtts_err e = mqtts_encode_connect(rc->version, c, buf, sizeof buf, &n);
    return send_encoded(rc, e, buf, n);
}

raw_result raw_send_publish(raw_client *rc, const mqtts_publish *p)
{
    uint8_t buf[1024]; /* the header; the payload is sent from where it is */
    size_t n = 0;
    mqtts_err e = mqtts_encode_publish_header(rc->version, p, buf, sizeof buf, &n);
    raw_result r = send_encoded(rc, e, buf, n);
    if (r != RAW_OK || p->payload.len == 0)
        return r;
    return raw_send(rc, p->payload.ptr, p->payload.len);
}

raw_result raw_send_pingreq(raw_client *rc)
{
    uint8_t buf[2];
    size_t n = 0;
    mqtts_err e = mqtts_encode_pingreq(buf, sizeof buf, &n);
    return send_encoded(rc, e, buf, n);
}

raw_result raw_send_disconnect(raw_client *rc)
{
    uint8_t buf[8];
    size_t n = 0;
    mqtts_err e = mqtts_encode_disconnect(rc->version, NULL, buf, sizeof buf, &n);
    return send_encoded(rc, e, buf, n);
}

static raw_result send_ack(raw_client *rc, mqtts_packet_type type, uint16_t id)
{
    uint8_t buf[8];
    size_t n = 0;
    mqtts_ack a;
    memset(&a, 0, sizeof a);
    a.packet_id = id;
    mqtts_err e = mqtts_encode_ack(rc->version, type, &a, buf, sizeof buf, &n);
    return send_encoded(rc, e, buf, n);
}

/* Receives until a packet of type t (with packet id `id` when id != 0). */
static raw_result wait_for(raw_client *rc, mqtts_packet_type t, uint16_t id, mqtts_packet *pk,
                           int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_ms();
        raw_result r = raw_recv(rc, pk, left > 0 ? (int)left : 0);
        if (r != RAW_OK)
            return r;
        if (pk->type != t)
            continue;
        if (id == 0)
            return RAW_OK;
        if ((t == MQTTS_SUBACK || t == MQTTS_UNSUBACK) && pk->u.suback.packet_id == id)
            return RAW_OK;
        if (t >= MQTTS_PUBACK && t <= MQTTS_PUBCOMP && pk->u.ack.packet_id == id)
            return RAW_OK;
    }
}

raw_result raw_connect(raw_client *rc, const mqtts_connect *c, mqtts_connack *ack,
                       int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    raw_result r = raw_send_connect(rc, c);
    if (r != RAW_OK)
        return r;
    mqtts_packet pk;
    r = wait_for(rc, MQTTS_CONNACK, 0, &pk, deadline);
    if (r == RAW_OK && ack != NULL)
        *ack = pk.u.connack;
    return r;
}

raw_result raw_connect_simple(raw_client *rc, const char *client_id, const char *user,
                              const char *password, mqtts_connack *ack, int timeout_ms)
{
    mqtts_connect c;
    memset(&c, 0, sizeof c);
    c.clean_start = true;
    c.keep_alive = 60;
    c.client_id = mqtts_cstr(client_id);
    if (user != NULL)
        c.username = mqtts_cstr(user);
    if (password != NULL)
        c.password = mqtts_bytes(password, strlen(password));
    return raw_connect(rc, &c, ack, timeout_ms);
}

raw_result raw_subscribe(raw_client *rc, const char *filter, uint8_t qos, uint8_t *granted,
                         int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    mqtts_subscription s;
    memset(&s, 0, sizeof s);
    s.filter = mqtts_cstr(filter);
    s.qos = qos;
    mqtts_subscribe sub;
    memset(&sub, 0, sizeof sub);
    sub.packet_id = rc->next_id++;
    if (rc->next_id == 0)
        rc->next_id = 1;
    sub.subs = &s;
    sub.count = 1;
    uint8_t buf[1024];
    size_t n = 0;
    mqtts_err e = mqtts_encode_subscribe(rc->version, &sub, buf, sizeof buf, &n);
    raw_result r = send_encoded(rc, e, buf, n);
    if (r != RAW_OK)
        return r;
    mqtts_packet pk;
    r = wait_for(rc, MQTTS_SUBACK, sub.packet_id, &pk, deadline);
    if (r == RAW_OK && granted != NULL)
        *granted = pk.u.suback.reasons.len > 0 ? pk.u.suback.reasons.ptr[0] : 0x80;
    return r;
}

raw_result raw_publish(raw_client *rc, const char *topic, const void *payload, size_t len,
                       uint8_t qos, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    mqtts_publish p;
    memset(&p, 0, sizeof p);
    p.topic = mqtts_cstr(topic);
    p.payload = mqtts_bytes(payload, len);
    p.qos = qos;
    if (qos > 0) {
        p.packet_id = rc->next_id++;
        if (rc->next_id == 0)
            rc->next_id = 1;
    }
    raw_result r = raw_send_publish(rc, &p);
    if (r != RAW_OK || qos == 0)
        return r;
    mqtts_packet pk;
    if (qos == 1)
        return wait_for(rc, MQTTS_PUBACK, p.packet_id, &pk, deadline);
    r = wait_for(rc, MQTTS_PUBREC, p.packet_id, &pk, deadline);
    if (r == RAW_OK)
        r = send_ack(rc, MQTTS_PUBREL, p.packet_id);
    if (r == RAW_OK)
        r = wait_for(rc, MQTTS_PUBCOMP, p.packet_id, &pk, deadline);
    return r;
}

raw_result raw_expect_publish(raw_client *rc, mqtts_publish *out, int timeout_ms)
{
    int64_t deadline = now_ms() + timeout_ms;
    mqtts_packet pk;
    raw_result r = wait_for(rc, MQTTS_PUBLISH, 0, &pk, deadline);
    if (r != RAW_OK)
        return r;
    /* Keep the PUBLISH where later receives do not overwrite it. */
    size_t n = rc->packet_len;
    memcpy(rc->saved, rc->packet, n);
    mqtts_err e = mqtts_decode(rc->version, rc->saved, n, &pk);
    if (e != MQTTS_OK) {
        rc->error = e;
        return RAW_MALFORMED;
    }
    *out = pk.u.publish;
    if (out->qos == 1)
        return send_ack(rc, MQTTS_PUBACK, out->packet_id);
    if (out->qos == 2) {
        r = send_ack(rc, MQTTS_PUBREC, out->packet_id);
        if (r == RAW_OK)
            r = wait_for(rc, MQTTS_PUBREL, out->packet_id, &pk, deadline);
        if (r == RAW_OK)
            r = send_ack(rc, MQTTS_PUBCOMP, out->packet_id);
    }
    return r;
}
