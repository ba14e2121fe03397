/*
 * conn.h - one broker connection for a subcommand, set up from its
 * options: the transport stack (TCP, TLS when asked, the -d trace on
 * top), the session's memory, the client, and the loop that waits on the
 * connection and on one more descriptor (standard input for pub -l).
 *
 * Errors become an exit code (tool.h) and one clear message: the host and
 * port, what failed (the CONNACK reason by name, the TLS detail), never a
 * password.
 */
#ifndef MQTTS_TOOL_CONN_H
#define MQTTS_TOOL_CONN_H

#include <signal.h>

#include "mqtts/client.h"
#include "mqtts/websocket.h"
#include "opts.h"
#include "trace.h"
#ifdef MQTTS_TOOL_TLS
#include "mqtts/tls.h"
#endif

typedef void (*conn_event_fn)(void *user, const mqtts_event *ev);

typedef struct conn_params {
    size_t rx_size;      /* the largest packet received (-D connect
                            maximum-packet-size overrides it) */
    size_t store_size;   /* bytes of outgoing PUBLISH packets kept */
    uint16_t slots;      /* how many */
    bool reconnect;      /* survive a lost connection (long-running commands) */
    bool queue_qos0;     /* keep QoS 0 messages published while offline */
    conn_event_fn on_event;
    void *user;
} conn_params;

typedef struct tool_conn {
    const tool_opts *o;
    mqtts_tcp tcp;
    mqtts_transport tcp_t;
#ifdef MQTTS_TOOL_TLS
    mqtts_tls tls;
    bool tls_on;
    mqtts_transport tls_t;
    const char *alpn[MQTTS_TLS_ALPN_MAX + 1];
#endif
    mqtts_ws ws;            /* MQTT over WebSocket (ws://, wss://) */
    bool ws_on;
    mqtts_transport ws_t;
    uint8_t *ws_buf;
    trace *tr;
    mqtts_transport top;
    mqtts_broker_address addr;
    mqtts_will will;
    mqtts_client_config cfg;
    mqtts_session_memory mem;
    mqtts_client client;
    bool client_ready;
    conn_params params;

    /* What the events said. */
    bool connected;
    bool ever_connected;
    bool lost;           /* lost since the last CONNECTED */
    bool refused;
    uint8_t refused_reason;
    bool broker_disconnect;
    uint8_t disconnect_reason;
    mqtts_err last_err;
    mqtts_err tls_err;   /* a reconnect that failed TLS */
} tool_conn;

/* Set by SIGINT and SIGTERM (conn_signals()); loops check it. */
extern volatile sig_atomic_t tool_stop;
void conn_signals(void);

/* Prepares everything (TLS reads its files here). EXIT_OK or an exit code,
 * with the message printed; conn_free() in every case. */
int conn_init(tool_conn *c, const tool_opts *o, const conn_params *p);

/* The first connection, up to its CONNACK. EXIT_OK or an exit code. */
int conn_open(tool_conn *c);

/* Runs the connection once: waits up to max_ms for the connection, its
 * next deadline, or extra_fd (-1: none) to be readable (*extra_ready), then
 * sends, receives and reconnects as due. Returns the error that ended a
 * connection in this step, or MQTTS_OK. */
mqtts_err conn_step(tool_conn *c, int extra_fd, uint32_t max_ms, bool *extra_ready);

/* EXIT_OK while the connection is up or coming back; else, after saying
 * why, the exit code: no reconnect is coming (a one-shot command lost its
 * connection), the broker refused us for a reason a retry will not cure,
 * it sent us away (v5: session taken over, administrative action, use
 * another server), or a reconnect failed TLS verification. */
int conn_check(tool_conn *c);

/* Connected, and nothing queued: no QoS 1/2 message unacknowledged, no
 * byte unsent. */
bool conn_idle(tool_conn *c);

/* Prints why the connection failed (e: the error, or MQTTS_ERR_REFUSED)
 * and returns the exit code for it. */
int conn_fail(tool_conn *c, mqtts_err e);

/* DISCONNECT (after what is queued, within timeout_ms) and close. */
void conn_close(tool_conn *c, uint32_t timeout_ms);
void conn_free(tool_conn *c);

uint32_t conn_now(void);

#endif /* MQTTS_TOOL_CONN_H */
