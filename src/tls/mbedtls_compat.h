/*
 * mbedtls_compat.h - every difference between the mbedTLS versions mqtts
 * builds with, in one place: 2.28 (Debian 12's libmbedtls-dev) and 3.x
 * (3.6 is what pico-sdk 2.2 ships). Nothing else in src/tls looks at
 * MBEDTLS_VERSION_NUMBER.
 *
 * What differs, and how it is handled here:
 *   - Headers: 2.x configures through mbedtls/config.h, 3.x through
 *     mbedtls/build_info.h; mbedtls/version.h includes the right one in both.
 *   - Private fields: 3.x hides most struct fields behind MBEDTLS_PRIVATE().
 *     mqtts reads two of mbedtls_ssl_context's (in_msgtype, in_msg: the
 *     alert the server sent, which no function returns) through
 *     MQTTS_MBEDTLS_PRIVATE(). The mbedtls_x509_crt fields used (raw,
 *     subject, issuer, subject_raw, issuer_raw, valid_from, valid_to, pk_raw,
 *     subject_alt_names, next) are public in both.
 *   - SHA-256: 2.28 names the int-returning one mbedtls_sha256_ret(); 3.x
 *     renamed it mbedtls_sha256() (the old void one is gone).
 *   - Keys: 3.x's mbedtls_pk_parse_key(), mbedtls_pk_parse_keyfile() and
 *     mbedtls_pk_check_pair() take an RNG (for blinding); 2.28's do not.
 *   - Minimum version: mbedtls_ssl_conf_min_version(conf, 3, 3) in 2.x,
 *     mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2)
 *     from 3.2 (the old one is deprecated there).
 *   - PSA: 3.x uses PSA Crypto for TLS 1.3 (and everything, with
 *     MBEDTLS_USE_PSA_CRYPTO): psa_crypto_init() must run before a
 *     handshake or a key is parsed. 2.28 needs nothing.
 *   - TLS 1.3 (3.x with MBEDTLS_SSL_PROTO_TLS1_3): a server's
 *     NewSessionTicket can make mbedtls_ssl_read() return
 *     MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET (3.6.0 always; 3.6.1 on
 *     only when asked): it is not an error, the read is retried.
 *   - Error names: MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION (2.x) became
 *     MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION (3.x), and
 *     MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE became MBEDTLS_ERR_SSL_BAD_CERTIFICATE.
 *   - Host name: from 3.6.3 a client that never called
 *     mbedtls_ssl_set_hostname() fails the handshake
 *     (MBEDTLS_ERR_SSL_CERTIFICATE_VERIFICATION_WITHOUT_HOSTNAME, the fix
 *     of CVE-2025-27809). mqtts always calls it - with NULL for an IP
 *     address, which both versions accept, and checks the address itself.
 *     (Its own name check also makes IP SANs work on 2.28, which matches
 *     host names against DNS entries only.)
 *   - 4.x removed the legacy crypto API this file relies on (CTR_DRBG,
 *     entropy, mbedtls_pk_parse_key's signature): not supported yet.
 */
#ifndef MQTTS_SRC_TLS_MBEDTLS_COMPAT_H
#define MQTTS_SRC_TLS_MBEDTLS_COMPAT_H

#include <string.h>

#include <mbedtls/version.h>

#include <mbedtls/ctr_drbg.h>
#include <mbedtls/entropy.h>
#include <mbedtls/pk.h>
#include <mbedtls/sha256.h>
#include <mbedtls/ssl.h>
#include <mbedtls/x509_crt.h>

#if MBEDTLS_VERSION_NUMBER < 0x021C0000
#error "mqtts_tls needs mbedTLS 2.28 or 3.x"
#endif
#if MBEDTLS_VERSION_NUMBER >= 0x04000000
#error "mqtts_tls does not support mbedTLS 4 yet (its legacy crypto API is gone)"
#endif

#if MBEDTLS_VERSION_NUMBER >= 0x03000000
#define MQTTS_MBEDTLS_3 1
#include <psa/crypto.h>
#define MQTTS_MBEDTLS_PRIVATE(member) MBEDTLS_PRIVATE(member)
#else
#define MQTTS_MBEDTLS_3 0
#define MQTTS_MBEDTLS_PRIVATE(member) member
#endif

/* What mbedTLS needs before anything else: PSA Crypto on 3.x. 0 or an
 * error code. */
static inline int mqtts_mbedtls_global_init(void)
{
#if MQTTS_MBEDTLS_3 && defined(MBEDTLS_PSA_CRYPTO_C)
    return psa_crypto_init() == PSA_SUCCESS ? 0 : -1;
#else
    return 0;
#endif
}

static inline int mqtts_sha256(const unsigned char *in, size_t len, unsigned char out[32])
{
#if MQTTS_MBEDTLS_3
    return mbedtls_sha256(in, len, out, 0);
#else
    return mbedtls_sha256_ret(in, len, out, 0);
#endif
}

static inline int mqtts_pk_parse_key(mbedtls_pk_context *pk, const unsigned char *buf,
                                     size_t len, const char *pwd, mbedtls_ctr_drbg_context *rng)
{
    const unsigned char *p = (const unsigned char *)pwd;
    size_t plen = pwd != NULL ? strlen(pwd) : 0;
#if MQTTS_MBEDTLS_3
    return mbedtls_pk_parse_key(pk, buf, len, p, plen, mbedtls_ctr_drbg_random, rng);
#else
    (void)rng;
    return mbedtls_pk_parse_key(pk, buf, len, p, plen);
#endif
}

#if defined(MBEDTLS_FS_IO)
static inline int mqtts_pk_parse_keyfile(mbedtls_pk_context *pk, const char *path,
                                         const char *pwd, mbedtls_ctr_drbg_context *rng)
{
#if MQTTS_MBEDTLS_3
    return mbedtls_pk_parse_keyfile(pk, path, pwd, mbedtls_ctr_drbg_random, rng);
#else
    (void)rng;
    return mbedtls_pk_parse_keyfile(pk, path, pwd);
#endif
}
#endif

static inline int mqtts_pk_check_pair(const mbedtls_pk_context *pub, const mbedtls_pk_context *prv,
                                      mbedtls_ctr_drbg_context *rng)
{
#if MQTTS_MBEDTLS_3
    return mbedtls_pk_check_pair(pub, prv, mbedtls_ctr_drbg_random, rng);
#else
    (void)rng;
    return mbedtls_pk_check_pair(pub, prv);
#endif
}

static inline void mqtts_conf_min_tls12(mbedtls_ssl_config *conf)
{
#if MBEDTLS_VERSION_NUMBER >= 0x03020000
    mbedtls_ssl_conf_min_tls_version(conf, MBEDTLS_SSL_VERSION_TLS1_2);
#else
    mbedtls_ssl_conf_min_version(conf, MBEDTLS_SSL_MAJOR_VERSION_3, MBEDTLS_SSL_MINOR_VERSION_3);
#endif
}

/* The description of the fatal alert that made a call return
 * MBEDTLS_ERR_SSL_FATAL_ALERT_MESSAGE (decrypted, also under TLS 1.3), or
 * -1 when the record in hand is not an alert. */
static inline int mqtts_ssl_alert_received(const mbedtls_ssl_context *ssl)
{
    const unsigned char *msg = ssl->MQTTS_MBEDTLS_PRIVATE(in_msg);

    if (msg == NULL || ssl->MQTTS_MBEDTLS_PRIVATE(in_msgtype) != MBEDTLS_SSL_MSG_ALERT)
        return -1;
    return msg[1];
}

/* mbedtls_ssl_read() results that only mean "read again". */
static inline int mqtts_ssl_read_retry(int rc)
{
#if defined(MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
    if (rc == MBEDTLS_ERR_SSL_RECEIVED_NEW_SESSION_TICKET)
        return 1;
#endif
    (void)rc;
    return 0;
}

#if defined(MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION)
#define MQTTS_ERR_SSL_PROTOCOL_VERSION MBEDTLS_ERR_SSL_BAD_PROTOCOL_VERSION
#else
#define MQTTS_ERR_SSL_PROTOCOL_VERSION MBEDTLS_ERR_SSL_BAD_HS_PROTOCOL_VERSION
#endif

/* The server's Certificate message could not be parsed: the same code
 * (-0x7A00) under two names. */
#if defined(MBEDTLS_ERR_SSL_BAD_CERTIFICATE)
#define MQTTS_ERR_SSL_BAD_CERTIFICATE MBEDTLS_ERR_SSL_BAD_CERTIFICATE
#else
#define MQTTS_ERR_SSL_BAD_CERTIFICATE MBEDTLS_ERR_SSL_BAD_HS_CERTIFICATE
#endif

#endif /* MQTTS_SRC_TLS_MBEDTLS_COMPAT_H */
