/*
 * rawmqtt.h - a bare MQTT peer for integration tests: a blocking TCP socket
 * to 127.0.0.1 plus the codec (mqtts/packet.h), nothing else.
 *
 * It is the independent witness in tests of the session engine, the client
 * and the tool ("did the broker really get that message?"), and it is how
 * test_harness.c proves the broker and the proxy. It has no session logic:
 * no retransmission, no keepalive, no acks unless the test sends them.
 *
 *     raw_client rc;
 *     mqtts_connect c = {0};
 *     c.clean_start = true;
 *     c.client_id = mqtts_cstr("witness");
 *     mqtts_connack ack;
 *     assert_int_equal(raw_open(&rc, b.port, MQTTS_V5), 0);
 *     assert_int_equal(raw_connect(&rc, &c, &ack, 2000), RAW_OK);
 *     assert_int_equal(ack.reason, 0);
 *     raw_subscribe(&rc, "t/#", 1, 2000);
 *     mqtts_packet pk;
 *     raw_recv(&rc, &pk, 2000);   // a PUBLISH; its views live until the next recv
 *     raw_close(&rc);
 *
 * Errors are raw_result values; on RAW_ERROR errno says why (ECONNRESET,
 * EPIPE, ...), and rc->error has the codec's error for RAW_MALFORMED.
 */
#ifndef MQTTS_TEST_RAWMQTT_H
#define MQTTS_TEST_RAWMQTT_H

#include <stddef.h>
#include <stdint.h>

#include "mqtts/packet.h"

#ifdef __cplusplus
extern "C" {
#endif

#define RAW_BUFFER 65536

typedef enum raw_result {
    RAW_OK = 0,
    RAW_TIMEOUT = 1,   /* nothing (complete) within the time given */
    RAW_CLOSED = 2,    /* the peer closed in order (recv returned 0) */
    RAW_ERROR = -1,    /* a socket error; see errno (ECONNRESET on a RST) */
    RAW_MALFORMED = -2 /* the codec refused what came; see rc->error */
} raw_result;

typedef struct raw_client {
    int fd;
    mqtts_version version;
    mqtts_err error;          /* the codec's error, for RAW_MALFORMED */
    uint16_t next_id;         /* packet identifiers for raw_subscribe/publish */
    size_t in_len;            /* bytes received, not yet handed out */
    uint8_t in[RAW_BUFFER];
    uint8_t packet[RAW_BUFFER]; /* the last packet handed out */
    size_t packet_len;
    uint8_t saved[RAW_BUFFER];  /* the PUBLISH raw_expect_publish hands out */
} raw_client;

/* Connects a TCP socket to 127.0.0.1:port (no MQTT yet). 0 or -1 (errno). */
int raw_open(raw_client *rc, uint16_t port, mqtts_version v);
/* Closes the socket; safe twice. */
void raw_close(raw_client *rc);

/* Sends all of buf (MSG_NOSIGNAL). RAW_OK or RAW_ERROR. */
raw_result raw_send(raw_client *rc, const uint8_t *buf, size_t len);

/* Waits up to timeout_ms for one whole packet and decodes it; on RAW_OK
 * *out holds views into rc->packet, valid until the next raw_recv. */
raw_result raw_recv(raw_client *rc, mqtts_packet *out, int timeout_ms);

/* Waits up to timeout_ms for the peer to close: RAW_CLOSED (orderly),
 * RAW_ERROR (errno ECONNRESET...), RAW_TIMEOUT, or RAW_OK if a packet came
 * first (it is handed out in *out). */
raw_result raw_wait_close(raw_client *rc, mqtts_packet *out, int timeout_ms);

/* Encode and send one packet. */
raw_result raw_send_connect(raw_client *rc, const mqtts_connect *c);
raw_result raw_send_publish(raw_client *rc, const mqtts_publish *p);
raw_result raw_send_pingreq(raw_client *rc);
raw_result raw_send_disconnect(raw_client *rc);

/* CONNECT, then wait for the CONNACK (copied to *ack; its property views
 * point into rc->packet). RAW_OK means a CONNACK came, whatever its code. */
raw_result raw_connect(raw_client *rc, const mqtts_connect *c, mqtts_connack *ack,
                       int timeout_ms);

/* A client id, user name and password (NULL: none), clean start, keepalive
 * 60 s: the common case of raw_connect. */
raw_result raw_connect_simple(raw_client *rc, const char *client_id, const char *user,
                              const char *password, mqtts_connack *ack, int timeout_ms);

/* SUBSCRIBE to one filter at qos, wait for the SUBACK; *granted (may be
 * NULL) gets its reason code. Packets that come before it are dropped. */
raw_result raw_subscribe(raw_client *rc, const char *filter, uint8_t qos, uint8_t *granted,
                         int timeout_ms);

/* PUBLISH (QoS 0, 1 or 2 with a fresh packet id) and, for QoS 1, wait for
 * the PUBACK; for QoS 2, PUBREC, send PUBREL, wait for PUBCOMP. */
raw_result raw_publish(raw_client *rc, const char *topic, const void *payload, size_t len,
                       uint8_t qos, int timeout_ms);

/* Waits for a PUBLISH (other packets are skipped) and acknowledges it
 * (PUBACK for QoS 1; PUBREC, then PUBCOMP after the PUBREL, for QoS 2).
 * *out's views point into rc->saved: valid until the next
 * raw_expect_publish. A raw_client is large (about 200 KB): make it static
 * or allocate it, rather than putting several on a stack. */
raw_result raw_expect_publish(raw_client *rc, mqtts_publish *out, int timeout_ms);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_TEST_RAWMQTT_H */
