/*
 * The mbedTLS configuration of host_test.sh: the Pico W example's, plus the
 * server side, for the test's own TLS server inside lwIP.
 */
#ifndef MQTTS_PICO_W_HOST_MBEDTLS_CONFIG_H
#define MQTTS_PICO_W_HOST_MBEDTLS_CONFIG_H

#define MBEDTLS_SSL_SRV_C
#include "../../../../examples/pico_w_hivemq/mbedtls_config.h"

#endif
