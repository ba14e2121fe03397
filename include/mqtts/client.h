/*
 * mqtts/client.h - the easy API: a session engine, a transport and a clock
 * joined together.
 *
 * A host program or an RTOS task calls mqtts_client_loop() over and over; it
 * sends what is queued, waits for data or the next deadline (at most
 * timeout_ms), handles what arrives, keeps the connection alive, and
 * reconnects with backoff (trying each broker address in turn) when it
 * drops. Simple programs use the blocking helpers:
 *
 *     mqtts_client c;
 *     mqtts_client_init(&c, &cfg, &mem, &tcp_transport);
 *     if (mqtts_client_connect_wait(&c, 10000) != MQTTS_OK) ...
 *     mqtts_client_publish_wait(&c, &pub, 5000);   // returns once PUBACKed
 *     mqtts_client_disconnect(&c, 1000);
 *
 * Events (messages, deliveries, disconnects) reach cfg->session.on_event,
 * called from inside mqtts_client_loop(). Nothing here allocates.
 */
#ifndef MQTTS_CLIENT_H
#define MQTTS_CLIENT_H

#include "mqtts/session.h"
#include "mqtts/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct mqtts_broker_address {
    const char *host;
    uint16_t port;
} mqtts_broker_address;

typedef struct mqtts_client_config {
    mqtts_session_config session;      /* on_event/user: the application's */
    const mqtts_broker_address *brokers; /* tried in turn (failover) */
    size_t broker_count;
    uint32_t connect_timeout_ms;       /* transport connect; 0 = 10000 */
    uint32_t (*now_ms)(void);          /* a monotonic millisecond clock */
    /* Sleep this long; used by mqtts_client_loop() while it waits to
     * reconnect and has no connection to wait on. NULL: the loop returns at
     * once and the owner schedules the next call (an RTOS task delay). */
    void (*sleep_ms)(uint32_t ms);
} mqtts_client_config;

typedef struct mqtts_client {
    mqtts_session session;
    mqtts_session_config session_cfg; /* the application's, with our event hook */
    const mqtts_client_config *cfg;
    mqtts_transport transport;
    size_t broker_index;
    bool transport_up;
    bool connected;          /* CONNACK accepted on the current connection */
    bool accepted;           /* ... and it stays set after the loss (failover) */
    bool refused;            /* the last CONNACK refused us */
    uint8_t last_reason;     /* of the last refusal or broker DISCONNECT */
    mqtts_err last_error;    /* why the last connection ended */
    uint16_t waiting_id;     /* publish_wait: the packet id awaited */
    bool waiting_done;
    uint8_t waiting_reason;
} mqtts_client;

/* cfg, mem and the transport's context must outlive c. */
mqtts_err mqtts_client_init(mqtts_client *c, const mqtts_client_config *cfg,
                            const mqtts_session_memory *mem, const mqtts_transport *transport);

/* Connect the transport to the current broker address (blocking up to the
 * connect timeout) and queue CONNECT. On failure the next address is chosen
 * and a reconnect is scheduled. */
mqtts_err mqtts_client_connect(mqtts_client *c);

/* Run once: send, wait up to timeout_ms for data or a deadline, receive,
 * handle timers and reconnects. Returns MQTTS_OK, or the error that ended a
 * connection during this call (the client has already scheduled the
 * reconnect; keep calling). */
mqtts_err mqtts_client_loop(mqtts_client *c, uint32_t timeout_ms);

/* Connect and wait for the CONNACK. MQTTS_ERR_REFUSED (the reason is in
 * mqtts_client_last_reason()), a transport error, or MQTTS_ERR_TIMEOUT. */
mqtts_err mqtts_client_connect_wait(mqtts_client *c, uint32_t timeout_ms);

mqtts_err mqtts_client_publish(mqtts_client *c, const mqtts_publish *p, uint16_t *packet_id);
/* Publish and loop until the broker acknowledges it (QoS 1/2; QoS 0: until
 * it is sent). A v5 refusal (reason >= 0x80) is MQTTS_ERR_REFUSED. */
mqtts_err mqtts_client_publish_wait(mqtts_client *c, const mqtts_publish *p, uint32_t timeout_ms);
mqtts_err mqtts_client_subscribe(mqtts_client *c, const mqtts_subscription *subs, size_t count,
                                 uint16_t *packet_id);
mqtts_err mqtts_client_unsubscribe(mqtts_client *c, const mqtts_str *filters, size_t count,
                                   uint16_t *packet_id);
/* The same with v5 properties: a Subscription Identifier (remembered with
 * the filters and restored with them), user properties. NULL: none. */
mqtts_err mqtts_client_subscribe_props(mqtts_client *c, const mqtts_subscription *subs,
                                       size_t count, const mqtts_props *props,
                                       uint16_t *packet_id);
mqtts_err mqtts_client_unsubscribe_props(mqtts_client *c, const mqtts_str *filters, size_t count,
                                         const mqtts_props *props, uint16_t *packet_id);
/* Let the QoS 1/2 messages in flight be acknowledged and the queued ones
 * go out, then send DISCONNECT and close; all within timeout_ms (what is
 * still unacknowledged then stays stored for a later session). */
mqtts_err mqtts_client_disconnect(mqtts_client *c, uint32_t timeout_ms);

/* ---- request/response (src/client/request.c, docs/request-response.md) ----
 * MQTT 5 carries the reply topic and a correlation value as properties
 * (Response Topic, Correlation Data). MQTT 3.1.1 has no properties, so mqtts
 * puts them in the topic: a request goes to REQUEST_TOPIC/CORR (CORR is the
 * correlation in lowercase hex; responders subscribe to REQUEST_TOPIC/+) and
 * its reply to REQUEST_TOPIC/CORR/reply. Payloads are untouched. */
#define MQTTS_RR_CORRELATION_MAX 32 /* bytes of correlation a 3.1.1 topic carries */

/* Publish request (its topic is REQUEST_TOPIC) asking for a reply on
 * response_topic (v5; 3.1.1: implied, see mqtts_reply_topic) that echoes
 * correlation (1 to MQTTS_RR_CORRELATION_MAX bytes). Subscribe to the reply
 * topic first. */
mqtts_err mqtts_client_request(mqtts_client *c, const mqtts_publish *request,
                               mqtts_str response_topic, mqtts_bin correlation,
                               uint16_t *packet_id);
/* Reply to a request received in a MESSAGE event: reply's topic is replaced
 * by where the request asked for it (v5 Response Topic, with its Correlation
 * Data copied; 3.1.1: REQUEST_TOPIC/CORR/reply). MQTTS_ERR_NOT_A_REQUEST
 * when the message asked for no reply. Call it inside the event callback,
 * while the request's views are valid. */
mqtts_err mqtts_client_respond(mqtts_client *c, const mqtts_publish *request,
                               const mqtts_publish *reply, uint16_t *packet_id);
/* 3.1.1: the topic a reply to (request_topic, correlation) arrives on, into
 * buf (cap bytes); *out views it. */
mqtts_err mqtts_reply_topic(mqtts_version v, mqtts_str request_topic, mqtts_bin correlation,
                            char *buf, size_t cap, mqtts_str *out);
/* Whether m is the reply to the request (request_topic, correlation). */
bool mqtts_is_reply(mqtts_version v, const mqtts_publish *m, mqtts_str request_topic,
                    mqtts_bin correlation);

/* Drop the connection now, without DISCONNECT (the link under it is gone:
 * a Wi-Fi disassociation), as if the transport had failed with err: the
 * usual DISCONNECTED event, reconnect and resend follow. */
void mqtts_client_abort(mqtts_client *c, mqtts_err err);

bool mqtts_client_is_connected(const mqtts_client *c);
/* The reason code of the last CONNACK refusal or broker DISCONNECT. */
uint8_t mqtts_client_last_reason(const mqtts_client *c);

/* A CLOCK_MONOTONIC millisecond clock and a sleep for POSIX hosts (in
 * mqtts_posix). */
uint32_t mqtts_posix_now_ms(void);
void mqtts_posix_sleep_ms(uint32_t ms);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_CLIENT_H */
