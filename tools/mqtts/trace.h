/*
 * trace.h - -d: every MQTT packet sent and received, one line each on
 * standard error, in mosquitto_pub/sub's words ("Client ID sending
 * PUBLISH (d0, q1, r0, m1, 'topic', ... (5 bytes))").
 *
 * It is a transport stacked on top of the real one (TCP, or TLS over
 * TCP), so it sees exactly the bytes of MQTT that go over the wire, framed
 * with mqtts_frame() and decoded with mqtts_decode(); the packets only a
 * client sends (CONNECT, SUBSCRIBE, UNSUBSCRIBE) are read here. The
 * password field of CONNECT is never read, let alone printed.
 */
#ifndef MQTTS_TOOL_TRACE_H
#define MQTTS_TOOL_TRACE_H

#include <stdbool.h>
#include <stdio.h>

#include "mqtts/client.h"

typedef struct trace trace;

/* A transport in *out that passes everything to lower and prints what
 * crosses it to f. client: whose id to print (it may still be
 * uninitialised here); peer: the lower transport's "address:port" text,
 * read after each connect; tls: said when connecting. NULL when out of
 * memory. */
trace *trace_new(const mqtts_transport *lower, mqtts_transport *out, FILE *f,
                 const mqtts_client *client, mqtts_version v, const char *peer, bool tls);
void trace_free(trace *t);

#endif /* MQTTS_TOOL_TRACE_H */
