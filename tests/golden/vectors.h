/*
 * Golden byte vectors written by hand from the MQTT 3.1.1 and 5.0
 * specifications. One table serves the golden tests (tests/unit/) and the
 * fuzzer's seed corpus (tests/fuzz/make_corpus.c), so every vector we check
 * is also a place the fuzzer starts from.
 */
#ifndef MQTTS_TEST_GOLDEN_VECTORS_H
#define MQTTS_TEST_GOLDEN_VECTORS_H

#include <stddef.h>
#include <stdint.h>

#include "mqtts/packet.h"

typedef enum golden_direction {
    GOLDEN_CLIENT_SENDS,    /* the client encodes it (CONNECT, SUBSCRIBE, ...) */
    GOLDEN_CLIENT_RECEIVES, /* the client decodes it (CONNACK, SUBACK, ...) */
    GOLDEN_BOTH,            /* both (PUBLISH, PUBACK .. PUBCOMP, DISCONNECT, AUTH) */
} golden_direction;

typedef struct golden_vector {
    const char *name;      /* unique, file-name safe: "v5_connect_will_props" */
    mqtts_version version;
    golden_direction direction;
    const uint8_t *bytes;
    size_t len;
} golden_vector;

extern const golden_vector golden_vectors[];
extern const size_t golden_vector_count;

/* The vector called `name`; aborts the test program when there is none. */
const golden_vector *golden_find(const char *name);

#endif
