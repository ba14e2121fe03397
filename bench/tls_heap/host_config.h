/*
 * host_config.h - the mbedTLS configuration bench/tls_heap builds with: the
 * Pico W example's (examples/pico_w_hivemq/mbedtls_config.h), unchanged,
 * plus MBEDTLS_PLATFORM_MEMORY so that the bench can count every byte
 * mbedTLS allocates (mbedtls_platform_set_calloc_free). run.sh builds
 * variants by defining:
 *   BENCH_ECP_DEFAULTS       mbedTLS's ECP defaults instead of the
 *                            example's (window 4, fixed-point table cached)
 *   BENCH_IN_CONTENT_LEN=N   a smaller input record buffer (with --mfl N
 *                            at run time, so that the server sends no
 *                            larger records)
 */
#ifndef BENCH_TLS_HEAP_HOST_CONFIG_H
#define BENCH_TLS_HEAP_HOST_CONFIG_H

#define MBEDTLS_PLATFORM_MEMORY
#include "mbedtls_config.h"

#if defined(BENCH_ECP_DEFAULTS)
#undef MBEDTLS_ECP_WINDOW_SIZE
#define MBEDTLS_ECP_WINDOW_SIZE 4
#undef MBEDTLS_ECP_FIXED_POINT_OPTIM
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 1
#endif

#if defined(BENCH_IN_CONTENT_LEN)
#undef MBEDTLS_SSL_IN_CONTENT_LEN
#define MBEDTLS_SSL_IN_CONTENT_LEN BENCH_IN_CONTENT_LEN
#endif

#endif /* BENCH_TLS_HEAP_HOST_CONFIG_H */
