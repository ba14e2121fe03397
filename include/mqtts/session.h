/*
 * mqtts/session.h - one MQTT session as a state machine that does no I/O.
 *
 * How to drive it
 * ---------------
 * The engine never touches a socket or a clock. Its owner (the client in
 * client.h, a firmware task, a test) moves bytes and time in and out:
 *
 *   1. Connect a transport, then call mqtts_session_connected(s, now): the
 *      engine queues CONNECT (and, on a resumed session, what must be resent).
 *   2. Receive: buf = mqtts_session_rx_buf(s, &cap); read up to cap bytes
 *      into buf; mqtts_session_rx_done(s, n, now). Whole packets are decoded
 *      and handled at once, in order; events go to the callback.
 *   3. Send: buf = mqtts_session_tx_buf(s, &len); send what the transport
 *      takes; mqtts_session_tx_done(s, n, now). Packets queued together come
 *      out as one contiguous run where memory allows, so one send() carries
 *      a burst.
 *   4. Time: call mqtts_session_tick(s, now) when mqtts_session_deadline(s)
 *      has come (keepalive, CONNACK and PINGRESP timeouts, reconnect delay).
 *   5. When the transport fails or closes: mqtts_session_lost(s, err, now).
 *      The engine schedules a reconnect with exponential backoff and jitter;
 *      mqtts_session_should_connect(s, now) says when to dial again.
 *
 * Memory: everything is in mqtts_session (fixed size, see the size report)
 * and in the buffers of mqtts_session_memory, which the caller sizes. There
 * is no heap. Views handed to the callback (topics, payloads, properties)
 * point into the receive buffer and are valid only during the callback.
 *
 * What is kept where
 *   rx      receive buffer: the largest packet accepted is its size (and the
 *           Maximum Packet Size announced to a v5 broker).
 *   tx      control packets (CONNECT, acks, PINGREQ, SUBSCRIBE, QoS 0
 *           PUBLISH) waiting to go out.
 *   store   QoS 1 and 2 PUBLISH packets from the moment they are published
 *           until they are acknowledged, and the offline queue: encoded once,
 *           sent from here (a payload is copied once on its way out), resent
 *           with DUP after a reconnect when the broker kept the session.
 *   qos2_in packet identifiers of QoS 2 messages received and delivered,
 *           kept until PUBREL, so each is delivered exactly once. v5 tells
 *           the broker this count (Receive Maximum); a 3.1.1 broker is not
 *           told, so give at least its in-flight limit (mosquitto: 20).
 *   alias_text  incoming topic aliases (v5), forgotten on each connection.
 *   out_alias_text  outgoing topic aliases (v5): the topics the engine has
 *           given an alias on this connection, as many as the broker's
 *           Topic Alias Maximum allows (none: aliases are not used). Only
 *           QoS 0 PUBLISH packets use them: a QoS 1/2 packet is kept byte
 *           for byte to be resent on a later connection, where this
 *           connection's aliases mean nothing. A QoS 0 packet that uses an
 *           alias and has not left when the connection drops is dropped
 *           with it (at most once), never sent on the next one.
 *   subs    the subscriptions, to restore them when the broker has no
 *           session for us.
 */
#ifndef MQTTS_SESSION_H
#define MQTTS_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/packet.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum mqtts_session_state {
    MQTTS_STATE_IDLE = 0,      /* not connected; no reconnect scheduled */
    MQTTS_STATE_CONNECTING,    /* CONNECT queued or sent, waiting for CONNACK */
    MQTTS_STATE_CONNECTED,     /* CONNACK accepted */
    MQTTS_STATE_DISCONNECTING, /* DISCONNECT queued; the owner closes after it is sent */
    MQTTS_STATE_BACKOFF,       /* connection lost; waiting to reconnect */
} mqtts_session_state;

typedef enum mqtts_event_type {
    MQTTS_EV_CONNECTED,     /* CONNACK accepted: session_present, props */
    MQTTS_EV_CONNECT_REFUSED, /* CONNACK refused: reason (named by mqtts_reason_name) */
    MQTTS_EV_MESSAGE,       /* a PUBLISH for the application: message */
    MQTTS_EV_DELIVERED,     /* our QoS 1/2 PUBLISH acknowledged: packet_id, reason.
                             * err != MQTTS_OK: a stored PUBLISH dropped unsent
                             * because a new CONNACK forbids it (err
                             * PACKET_TOO_LARGE or BROKER_LIMIT, reason says
                             * which limit; packet_id 0 for QoS 0) */
    MQTTS_EV_SUBACK,        /* packet_id, reasons (one per filter), props */
    MQTTS_EV_UNSUBACK,      /* packet_id, reasons (v5; empty in 3.1.1), props */
    MQTTS_EV_DISCONNECTED,  /* err says why; reason/props when the broker sent DISCONNECT */
    MQTTS_EV_RECONNECTING,  /* delay_ms until the next attempt */
} mqtts_event_type;

typedef struct mqtts_event {
    mqtts_event_type type;
    mqtts_err err;          /* DISCONNECTED: MQTTS_OK after our own DISCONNECT */
    uint8_t reason;         /* reason code (v5) or 3.1.1 return code */
    bool session_present;   /* CONNECTED */
    uint16_t packet_id;     /* DELIVERED, SUBACK, UNSUBACK */
    uint32_t delay_ms;      /* RECONNECTING */
    mqtts_bin reasons;      /* SUBACK, UNSUBACK */
    const mqtts_props *props; /* v5 properties of the packet, or NULL */
    const mqtts_publish *message; /* MESSAGE: topic resolved from an alias */
} mqtts_event;

typedef void (*mqtts_event_fn)(void *user, const mqtts_event *ev);

/* What to do with QoS 0 messages published while not connected. */
typedef enum mqtts_offline_qos0 {
    MQTTS_QOS0_DROP = 0,  /* refused with MQTTS_ERR_NOT_CONNECTED (default) */
    MQTTS_QOS0_QUEUE,     /* queued in the store like QoS 1/2, sent on connect */
} mqtts_offline_qos0;

typedef struct mqtts_session_config {
    mqtts_version version;       /* MQTTS_V311 or MQTTS_V5 */
    mqtts_str client_id;         /* empty: the engine makes one ("mqtts-" + 8 hex) */
    mqtts_str username;          /* .ptr NULL: none */
    mqtts_bin password;          /* .ptr NULL: none; never logged */
    const mqtts_will *will;      /* NULL: none */
    bool clean_start;
    uint16_t keep_alive_s;       /* 0: no keepalive */
    uint32_t session_expiry_s;   /* v5: 0 = session ends with the connection */
    uint16_t receive_maximum;    /* v5: our window for QoS 1/2 in; 0 = qos2_in slots */
    uint16_t topic_alias_maximum;/* v5: aliases we accept; 0 = alias slots */
    bool request_response_info;  /* v5 */
    const mqtts_user_property *connect_user; /* v5 CONNECT user properties */
    uint16_t connect_user_count;

    uint32_t connect_timeout_ms; /* CONNECT to CONNACK; 0 = 10000 */
    uint32_t ping_timeout_ms;    /* PINGREQ to PINGRESP; 0 = half the keepalive, >= 1000 */
    uint32_t reconnect_min_ms;   /* first backoff delay; 0 = 1000 */
    uint32_t reconnect_max_ms;   /* backoff ceiling; 0 = 60000 */
    bool no_reconnect;           /* stay IDLE after a loss instead */
    mqtts_offline_qos0 offline_qos0;
    uint32_t seed;               /* jitter and the generated client id: give real
                                    entropy (getrandom, the RP2040's ROSC), or
                                    two devices may share an id and take each
                                    other's session over */

    mqtts_event_fn on_event;
    void *user;
} mqtts_session_config;

/* One remembered subscription (caller memory, restored after a loss). The
 * filter bytes live in the caller's `sub_text`. */
typedef struct mqtts_session_sub {
    uint16_t off;  /* filter: sub_text[off .. off + len) */
    uint16_t len;
    uint8_t options; /* the SUBSCRIBE options byte */
    uint32_t sub_id; /* v5 Subscription Identifier it was made with, 0: none */
} mqtts_session_sub;

/* One stored PUBLISH (caller memory): its encoded bytes are
 * store[off .. off + len). */
typedef struct mqtts_session_slot {
    uint32_t off;
    uint32_t len;
    uint16_t packet_id; /* QoS 1/2; for QoS 0 the engine's private marker */
    uint8_t state;      /* private */
    uint8_t qos;
} mqtts_session_slot;

typedef struct mqtts_session_memory {
    uint8_t *rx;
    size_t rx_size;
    uint8_t *tx;
    size_t tx_size;
    uint8_t *store;          /* PUBLISH bytes, a ring */
    size_t store_size;
    mqtts_session_slot *slots; /* one per stored PUBLISH, a ring */
    uint16_t slot_count;
    uint16_t *qos2_in;       /* receive-maximum slots */
    uint16_t qos2_in_count;
    uint8_t *alias_text;     /* incoming topic aliases: count slots of slot bytes */
    uint16_t alias_count;
    uint16_t alias_slot_size;
    mqtts_session_sub *subs;
    uint16_t sub_count;
    char *sub_text;
    size_t sub_text_size;
    uint8_t *out_alias_text; /* outgoing topic aliases: count slots of slot bytes */
    uint16_t out_alias_count;
    uint16_t out_alias_slot_size;
} mqtts_session_memory;

/* The state. Fields are private: read them through the functions below. */
typedef struct mqtts_session {
    const mqtts_session_config *cfg;
    mqtts_session_memory mem;
    uint8_t state;             /* mqtts_session_state */
    bool session_present;
    bool ping_outstanding;
    bool broker_disconnected;  /* DISCONNECTED already reported for this loss */
    bool tx_from_store;        /* the last tx_buf() handed out store bytes */
    bool closing;              /* the application asked to disconnect */
    bool rx_any;               /* a byte has come on this connection */
    bool disconnect_due;       /* DISCONNECT goes once the queued PUBLISHes have */
    uint8_t disconnect_reason;
    uint8_t broker_max_qos;
    bool broker_retain;
    uint8_t client_id_len;
    char client_id[48];        /* generated, or assigned by a v5 broker */
    uint16_t broker_receive_max;
    uint16_t keep_alive_s;     /* ours, or the broker's Server Keep Alive */
    uint32_t broker_max_packet;
    uint16_t next_id;
    uint16_t inflight;         /* QoS 1/2 slots sent and not yet acknowledged */
    uint16_t slot_head, slot_used;
    uint16_t qos2_used;
    uint16_t sub_used;
    uint16_t out_alias_max;    /* outgoing aliases usable on this connection */
    uint16_t out_alias_used;   /* of which assigned so far (1 .. used) */
    uint32_t sub_text_used;
    uint32_t rx_len;           /* bytes in rx */
    uint32_t tx_head, tx_tail; /* tx[head..tail) waits to be sent */
    uint32_t st_tail;          /* the store's bytes in use run from the oldest slot to here */
    bool st_wrapped;           /* the newest bytes wrapped to the start of the store */
    uint32_t run_sent;         /* bytes of the current store run already sent */
    uint32_t last_tx_ms, ping_sent_ms, connect_sent_ms;
    uint32_t backoff_until_ms;
    uint32_t attempt;
    uint32_t rng;
} mqtts_session;

/* Prepare s. cfg and the memory must outlive s. Returns
 * MQTTS_ERR_INVALID_ARGUMENT for missing buffers or a version other than
 * 3.1.1/5; the buffers need: rx and tx >= 128 bytes. */
mqtts_err mqtts_session_init(mqtts_session *s, const mqtts_session_config *cfg,
                             const mqtts_session_memory *mem);

/* The transport is connected: queue CONNECT. */
mqtts_err mqtts_session_connected(mqtts_session *s, uint32_t now_ms);
/* The transport failed or closed (err says how): forget partial packets,
 * report DISCONNECTED, and schedule a reconnect unless told not to. Called
 * when a connection attempt fails before mqtts_session_connected(), it only
 * schedules the next attempt (with a longer delay). Returns the error as
 * reported in the DISCONNECTED event: err, except that a connection closed
 * after CONNECT without a byte of answer is MQTTS_ERR_NO_CONNACK. */
mqtts_err mqtts_session_lost(mqtts_session *s, mqtts_err err, uint32_t now_ms);

uint8_t *mqtts_session_rx_buf(mqtts_session *s, size_t *cap);
/* n bytes were written at rx_buf. Returns MQTTS_OK, or the error that made
 * the engine drop the connection (a malformed packet, a protocol error): the
 * owner must then close the transport (a v5 DISCONNECT with the matching
 * reason has been queued when the spec asks for one; send it first). */
mqtts_err mqtts_session_rx_done(mqtts_session *s, size_t n, uint32_t now_ms);

/* The next bytes to send (NULL and *len 0 when there is nothing). */
const uint8_t *mqtts_session_tx_buf(mqtts_session *s, size_t *len);
void mqtts_session_tx_done(mqtts_session *s, size_t n, uint32_t now_ms);

/* When tick must be called next (absolute ms), or UINT32_MAX for never.
 * Times are compared with wrap-around, so a uint32_t millisecond clock
 * works across its 49-day wrap. */
uint32_t mqtts_session_deadline(const mqtts_session *s);
/* Handle timers. Returns MQTTS_OK, or MQTTS_ERR_TIMEOUT when a CONNACK or
 * PINGRESP did not come in time: the owner must close the transport and call
 * mqtts_session_lost(). */
mqtts_err mqtts_session_tick(mqtts_session *s, uint32_t now_ms);
/* In BACKOFF: whether the delay is over and the owner should connect. */
bool mqtts_session_should_connect(const mqtts_session *s, uint32_t now_ms);

/* Publish. QoS 1/2 are stored (and *packet_id set) until acknowledged, also
 * while offline. Errors: the codec's validation errors, MQTTS_ERR_QUEUE_FULL
 * when the store has no room (bytes or slots) now, MQTTS_ERR_PACKET_TOO_LARGE
 * over the broker's Maximum Packet Size, MQTTS_ERR_BROKER_LIMIT above the
 * broker's Maximum QoS or with retain where the broker has none (v5; known
 * once connected), MQTTS_ERR_NOT_CONNECTED for QoS 0 while offline with
 * MQTTS_QOS0_DROP. p->packet_id and p->dup are set by the engine. */
mqtts_err mqtts_session_publish(mqtts_session *s, const mqtts_publish *p, uint16_t *packet_id);
/* Subscribe to count filters (remembered for restoring), *packet_id for
 * the SUBACK event. Needs a connection. */
mqtts_err mqtts_session_subscribe(mqtts_session *s, const mqtts_subscription *subs, size_t count,
                                  const mqtts_props *props, uint16_t *packet_id);
mqtts_err mqtts_session_unsubscribe(mqtts_session *s, const mqtts_str *filters, size_t count,
                                    const mqtts_props *props, uint16_t *packet_id);
/* Queue DISCONNECT (reason 0 = normal) and stop reconnecting. PUBLISH
 * packets queued before it are sent first, as far as the broker's window
 * allows (QoS 1/2 ones not yet acknowledged stay stored, for a later
 * session). The owner closes the transport once tx is empty, then calls
 * mqtts_session_lost(). */
mqtts_err mqtts_session_disconnect(mqtts_session *s, uint8_t reason);

mqtts_session_state mqtts_session_state_of(const mqtts_session *s);
/* QoS 1/2 messages stored and not yet acknowledged (incl. the offline queue). */
size_t mqtts_session_pending(const mqtts_session *s);
/* The client identifier in use (configured, generated or assigned by a v5 broker). */
mqtts_str mqtts_session_client_id(const mqtts_session *s);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_SESSION_H */
