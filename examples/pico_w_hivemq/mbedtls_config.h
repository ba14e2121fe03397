/*
 * mbedtls_config.h - mbedTLS for the Pico W example: a TLS 1.2 client that
 * verifies a broker's Let's Encrypt (or similar) certificate, and nothing
 * else. Written for the two mbedTLS lines pico-sdk 2.x ships: 2.28 (pico-sdk
 * 2.0, 2.1), found as MBEDTLS_CONFIG_FILE, and 3.6 (pico-sdk 2.2), found
 * through the SDK's pico_mbedtls_config.h, which includes this file.
 *
 * What a connection to HiveMQ Cloud needs
 *   - Key exchange ECDHE, authenticated by RSA or ECDSA: Let's Encrypt
 *     issues both (RSA leaf under R10/R11 and ISRG Root X1 (RSA 4096), or
 *     ECDSA P-256 leaf under E5/E6 (P-384) and ISRG Root X2 (P-384)).
 *   - AES-GCM (128 and 256), SHA-256 and SHA-384 (E5/E6 sign with
 *     ecdsa-with-SHA384), curves P-256 and P-384.
 *   - X.509 parsing of the chain and the roots (PEM for the built-in roots,
 *     which the port hands to altcp_tls as PEM), SNI, dates.
 *
 * Memory (measured with exactly these settings by bench/tls_heap, 32-bit
 * ARM build; docs/pico-w.md has the table): about 20 KB per connection
 * once connected, 22 to 31 KB at the handshake's peak, 3.5 KB for the two
 * ISRG roots. The record buffers dominate.
 *   MBEDTLS_SSL_IN_CONTENT_LEN 16384. A TLS server may send records of up to
 *     16 KB, and brokers do: a large MQTT message, or the handshake's
 *     Certificate message, comes in one record, and a record larger than
 *     this buffer is a fatal error. The RFC 6066 max_fragment_length
 *     extension would let a client ask for less, but lwIP's altcp_tls keeps
 *     its mbedtls_ssl_config private (so mbedtls_ssl_conf_max_frag_len()
 *     cannot be called on it) and not every broker honours the extension.
 *     So the example keeps the full 16 KB: correct with every broker, at
 *     the cost of 16 KB of heap per connection. (With 2 KB and the
 *     extension agreed, a connection takes about 6 KB: measured, for a
 *     port that could ask.)
 *   MBEDTLS_SSL_OUT_CONTENT_LEN 2048. What we send is ours to size: MQTT
 *     packets from the session's tx buffer and store (a few hundred bytes
 *     here). The port never hands altcp_tls more than one record's worth.
 *   MBEDTLS_SSL_MAX_FRAGMENT_LENGTH is on anyway: lwIP's altcp_tls uses the
 *     output fragment length in altcp_sndbuf() when it is.
 *
 * Not here, on purpose: TLS 1.3 (needs PSA Crypto, some 50 KB more flash,
 * and HiveMQ Cloud speaks 1.2), the server side, RSA key exchange (no
 * forward secrecy), CBC suites, SHA-1, MD5, session tickets, renegotiation,
 * the error strings (MBEDTLS_ERROR_C: the port maps errors to mqtts_err),
 * MBEDTLS_HAVE_ASM (its Thumb-1 multiply-accumulate assembly is fragile in
 * -O0/-Og debug builds; enabling it makes the handshake faster).
 */
#ifndef MQTTS_EXAMPLE_MBEDTLS_CONFIG_H
#define MQTTS_EXAMPLE_MBEDTLS_CONFIG_H

/* Some mbedTLS 2.28 sources use INT_MAX and SIZE_MAX without including
 * <limits.h> themselves in small configurations. */
#include <limits.h>

/* ---- Platform ---- */
#define MBEDTLS_PLATFORM_C
#define MBEDTLS_HAVE_TIME
#define MBEDTLS_HAVE_TIME_DATE     /* certificate dates are checked ... */
#define MBEDTLS_PLATFORM_TIME_ALT  /* ... against the port's SNTP clock (mbedtls_platform_set_time) */
#define MBEDTLS_PLATFORM_MS_TIME_ALT /* 3.x: the port supplies mbedtls_ms_time() */
/* 3.x: lwIP's altcp_tls reads fields mbedTLS 3 calls private. */
#define MBEDTLS_ALLOW_PRIVATE_ACCESS

/* ---- Randomness: pico_mbedtls's mbedtls_hardware_poll() (pico_rand) ---- */
#define MBEDTLS_ENTROPY_C
#define MBEDTLS_ENTROPY_HARDWARE_ALT
#define MBEDTLS_NO_PLATFORM_ENTROPY
#define MBEDTLS_ENTROPY_MAX_SOURCES 2 /* one is used; each costs RAM in lwIP's heap */
#define MBEDTLS_CTR_DRBG_C

/* ---- TLS 1.2, client only ---- */
#define MBEDTLS_SSL_TLS_C
#define MBEDTLS_SSL_CLI_C
#define MBEDTLS_SSL_PROTO_TLS1_2
#define MBEDTLS_SSL_SERVER_NAME_INDICATION /* SNI: HiveMQ Cloud needs it to find the cluster */
#define MBEDTLS_SSL_EXTENDED_MASTER_SECRET
#define MBEDTLS_SSL_MAX_FRAGMENT_LENGTH
#define MBEDTLS_SSL_IN_CONTENT_LEN 16384
#define MBEDTLS_SSL_OUT_CONTENT_LEN 2048
#define MBEDTLS_KEY_EXCHANGE_ECDHE_RSA_ENABLED
#define MBEDTLS_KEY_EXCHANGE_ECDHE_ECDSA_ENABLED
#define MBEDTLS_SSL_CIPHERSUITES                          \
    MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,      \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256,    \
        MBEDTLS_TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384,  \
        MBEDTLS_TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384

/* ---- Symmetric ciphers and hashes ---- */
#define MBEDTLS_CIPHER_C
#define MBEDTLS_AES_C
#define MBEDTLS_AES_ROM_TABLES   /* tables in flash, not 8 KB of RAM */
#define MBEDTLS_AES_FEWER_TABLES /* and 2 KB of them instead of 8 */
#define MBEDTLS_GCM_C
#define MBEDTLS_MD_C
#define MBEDTLS_SHA256_C
#define MBEDTLS_SHA256_SMALLER
#define MBEDTLS_SHA512_C /* SHA-384 lives in SHA-512's code */
#define MBEDTLS_SHA384_C /* 3.x names it on its own (2.28 ignores this) */

/* ---- Public keys ---- */
#define MBEDTLS_BIGNUM_C
#define MBEDTLS_MPI_MAX_SIZE 512 /* RSA up to 4096 bits: ISRG Root X1 */
#define MBEDTLS_MPI_WINDOW_SIZE 2
#define MBEDTLS_RSA_C
#define MBEDTLS_PKCS1_V15
#define MBEDTLS_ECP_C
#define MBEDTLS_ECDH_C
#define MBEDTLS_ECDSA_C
#define MBEDTLS_ECP_DP_SECP256R1_ENABLED
#define MBEDTLS_ECP_DP_SECP384R1_ENABLED
#define MBEDTLS_ECP_NIST_OPTIM /* fast reduction for the NIST curves: several times faster */
/* Window 2 and no cached fixed-point table: 1.6 to 2.1 KB less heap at
 * the handshake's peak with an ECDSA chain than mbedTLS's defaults (4, 1),
 * measured with bench/tls_heap; slower scalar multiplications in exchange. */
#define MBEDTLS_ECP_WINDOW_SIZE 2
#define MBEDTLS_ECP_FIXED_POINT_OPTIM 0
#define MBEDTLS_PK_C
#define MBEDTLS_PK_PARSE_C
#define MBEDTLS_ASN1_PARSE_C
#define MBEDTLS_ASN1_WRITE_C /* ECDSA signatures are ASN.1 */
#define MBEDTLS_OID_C

/* ---- X.509 ---- */
#define MBEDTLS_X509_USE_C
#define MBEDTLS_X509_CRT_PARSE_C
#define MBEDTLS_PEM_PARSE_C
#define MBEDTLS_BASE64_C

/* mbedTLS 2.x checks a custom configuration only when asked to; 3.x always
 * does, after deriving what it derives (so it must not be asked here). 3.x
 * defines MBEDTLS_VERSION_MAJOR before it includes this file. */
#if !defined(MBEDTLS_VERSION_MAJOR)
#include "mbedtls/check_config.h"
#endif

#endif /* MQTTS_EXAMPLE_MBEDTLS_CONFIG_H */
