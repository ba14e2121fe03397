/*
 * A program that uses an installed mqtts, built once with find_package(mqtts)
 * and once with pkg-config by tests/install/run.cmake.
 */
#include <stdio.h>
#include <string.h>

#include "mqtts/packet.h"
#include "mqtts/version.h"

#ifdef CONSUMER_POSIX
#include "mqtts/transport.h"

/* mqtts::posix links: a TCP transport, never connected, says so. */
static int check_posix(void)
{
    mqtts_tcp tcp;
    mqtts_transport t;
    uint8_t b = 0;

    mqtts_tcp_init(&tcp, &t);
    if (t.send(t.ctx, &b, 1) != MQTTS_ERR_NOT_CONNECTED) {
        fprintf(stderr, "consumer: send before connect did not say NOT_CONNECTED\n");
        return 1;
    }
    t.close(t.ctx);
    printf("consumer ok: mqtts_tcp_init from the posix library\n");
    return 0;
}
#else
static int check_posix(void)
{
    return 0;
}
#endif

int main(void)
{
    uint8_t buf[4];
    const char *name = mqtts_strerror(MQTTS_ERR_VARINT_TOO_LONG);
    size_t n = mqtts_varint_encode(321, buf);

    if (name == NULL || name[0] == '\0') {
        fprintf(stderr, "consumer: mqtts_strerror gave no name\n");
        return 1;
    }
    /* 321 = 0x141: 0xC1 0x02 [MQTT 5.0 section 1.5.5] */
    if (n != 2 || buf[0] != 0xC1 || buf[1] != 0x02) {
        fprintf(stderr, "consumer: mqtts_varint_encode(321) gave %zu bytes\n", n);
        return 1;
    }
    printf("consumer ok: mqtts %s, \"%s\"\n", MQTTS_VERSION_STRING, name);
    return check_posix();
}
