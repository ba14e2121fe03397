/*
 * peer.h - a client under test, with its own memory and an event recorder,
 * for the integration tests (test_client.c, test_features.c, test_cycles.c).
 *
 * How to use it
 * -------------
 *     static peer a, b;                       // static: a peer is large
 *     peer_connect(&a, MQTTS_V5, B.port);     // anonymous, clean, connected
 *     peer_init(&b, MQTTS_V311, B.port, "id", false);
 *     b.cfg.session.session_expiry_s = 60;    // change the config here ...
 *     connect_ok(&b);                         // ... then init and connect
 *     subscribe(&b, "t/#", 1);                // waits for the SUBACK
 *     publish_ok(&a, "t/x", "hi", 1, false);  // publish_wait, MQTTS_OK
 *     RUN_UNTIL(b.msg_total >= 1, 3000, &a, &b);
 *     SETTLE(&b);                             // a late duplicate shows now
 *     assert_string_equal(b.last.payload, "hi");
 *     bye(&a);
 *
 * peer_init clears the peer and fills in a config: 127.0.0.1:port (a second
 * address, addr[1], is there for failover: set it and cfg.broker_count = 2),
 * keep alive 30 s, reconnect backoff 100..400 ms, connect timeout 2 s, and a
 * seed distinct per peer (in 3.1.1 the seed makes the generated client id,
 * and two clients with one id take each other's session over). Fields set
 * between peer_init and peer_start change it. rx_size (0: all of rx) makes
 * the receive buffer smaller; out_alias_count (0: none) enables outgoing
 * topic aliases.
 *
 * What the events said is recorded in the peer: every event type in order
 * (the first PEER_MAX_EVENTS), counters, the last CONNACK's properties, the
 * last DISCONNECTED/DELIVERED/SUBACK with their reasons and reason strings,
 * and the messages: counts by QoS, the last one, and the first
 * PEER_MAX_MESSAGES in full (with subscription identifiers and user
 * properties). Text is cut to PEER_TEXT - 1 bytes. on_message, when set, is
 * called for every message after it is recorded (the peer's test field is
 * the test's own).
 *
 * Failing checks end the test through cmocka (assert_*, fail_msg). Nothing
 * here allocates: test_client counts the heap use of its peers.
 * peers_close_all() closes the transport of every peer started since the
 * last call (up to 8), for a teardown after a test ended early.
 */
#ifndef MQTTS_TEST_PEER_H
#define MQTTS_TEST_PEER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/client.h"

#define PEER_MAX_MESSAGES 64
#define PEER_MAX_EVENTS 64
#define PEER_TEXT 64

typedef struct peer_msg {
    char topic[PEER_TEXT];
    char payload[PEER_TEXT];
    size_t payload_len;
    uint8_t qos;
    bool retain;
    bool dup;
    uint32_t sub_ids[4];
    unsigned sub_id_count;
    char user[4][2][PEER_TEXT];
    unsigned user_count;
} peer_msg;

typedef struct peer peer;
struct peer {
    mqtts_client c;
    mqtts_client_config cfg;
    mqtts_broker_address addr[2];
    mqtts_tcp tcp;
    mqtts_transport t;
    size_t rx_size;           /* 0: all of rx */
    uint16_t out_alias_count; /* 0: no outgoing topic aliases */
    uint8_t rx[4096], tx[2048], store[65536], alias[8 * 128], out_alias[8 * 128];
    mqtts_session_slot slots[64];
    uint16_t qos2[32];
    mqtts_session_sub subs[8];
    char sub_text[512];
    /* called for every message, after it is recorded */
    void (*on_message)(peer *p, const mqtts_publish *m);
    void *test;
    /* what the events said, in order */
    mqtts_event_type events[PEER_MAX_EVENTS];
    size_t event_count;
    int connected, delivered, disconnected, reconnecting, subacks;
    bool session_present;     /* of the last CONNECTED */
    uint64_t connack_present; /* property bits of the last CONNACK */
    uint16_t connack_receive_max, connack_keep_alive;
    uint32_t connack_max_packet;
    mqtts_err disconnect_err;
    uint8_t disconnect_reason;
    char disconnect_reason_string[PEER_TEXT];
    uint8_t delivered_reason;
    char delivered_reason_string[PEER_TEXT];
    uint8_t suback_reasons[8];
    size_t suback_count;
    char suback_reason_string[PEER_TEXT];
    char suback_user[2][PEER_TEXT];
    unsigned suback_user_count;
    /* the messages */
    int messages[3]; /* by QoS */
    int retained;
    size_t msg_total; /* all messages; the first PEER_MAX_MESSAGES are in msgs */
    peer_msg last;
    peer_msg msgs[PEER_MAX_MESSAGES];
};

/* Copies len bytes of src into dst (PEER_TEXT bytes) as a string, cut. */
void peer_copy_text(char *dst, const void *src, size_t len);

void peer_init(peer *p, mqtts_version v, uint16_t port, const char *id, bool clean);
/* mqtts_tcp_init and mqtts_client_init (asserted), not connected. */
void peer_start(peer *p);
/* peer_start, then connect_wait (3 s): fails the test unless connected. */
void connect_ok(peer *p);
/* peer_init with an empty client id and a clean start, then connect_ok. */
void peer_connect(peer *p, mqtts_version v, uint16_t port);
void peers_close_all(void);

/* Subscribes and waits for the SUBACK (3 s). subscribe also checks that
 * the one filter was granted qos. */
void subscribe_opts(peer *p, const mqtts_subscription *s, size_t n);
void subscribe(peer *p, const char *filter, uint8_t qos);

mqtts_publish message(const char *topic, const char *payload, uint8_t qos, bool retain);
/* message(), then publish_wait (3 s), asserted MQTTS_OK. */
void publish_ok(peer *p, const char *topic, const char *payload, uint8_t qos, bool retain);
/* disconnect (1 s), its result ignored. */
void bye(peer *p);

/* Run the peers' loops until cond holds or ms pass. */
#define RUN_UNTIL(cond, ms, ...)                                              \
    do {                                                                      \
        uint32_t t0_ = mqtts_posix_now_ms();                                  \
        peer *ps_[] = {__VA_ARGS__};                                          \
        while (!(cond) && mqtts_posix_now_ms() - t0_ < (ms))                  \
            for (size_t i_ = 0; i_ < sizeof ps_ / sizeof ps_[0]; i_++)        \
                (void)mqtts_client_loop(&ps_[i_]->c, 5);                      \
    } while (0)

/* Let peers settle: a late duplicate or an unwanted message shows up now. */
#define SETTLE(...) RUN_UNTIL(false, 300, __VA_ARGS__)

/* A cmocka test that is one call: TEST_OF(test_x_v5, x(MQTTS_V5)) */
#define TEST_OF(name, call)                                                   \
    static void name(void **state)                                            \
    {                                                                         \
        (void)state;                                                          \
        call;                                                                 \
    }

#endif
