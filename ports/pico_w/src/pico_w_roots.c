/*
 * pico_w_roots.c - the built-in roots as one PEM text.
 *
 * lwIP's altcp_tls_create_config_client() takes a single buffer and hands it
 * to mbedtls_x509_crt_parse(), which reads ONE certificate from DER but any
 * number from PEM. The roots built into mqtts (src/tls/roots.c, generated
 * from the PEM files in src/tls/roots/, checked by the test tls_roots_up_to_date) are
 * DER, so the ones asked for are written out as PEM here, once, at init: a
 * few KB of heap for a moment, instead of a second copy of the roots in
 * flash or a PEM text kept in RAM.
 *
 * Depends on mbedTLS's base64 (MBEDTLS_BASE64_C, which PEM parsing needs
 * anyway) and mqtts/tls.h for the table; no lwIP, no pico-sdk, so the host
 * bench (bench/tls_heap) uses the very same code.
 */
#include <stdlib.h>
#include <string.h>

#include "mbedtls/base64.h"

#include "mqtts/tls.h"
#include "pico_w_sys.h"

static const char PEM_BEGIN[] = "-----BEGIN CERTIFICATE-----\n";
static const char PEM_END[] = "\n-----END CERTIFICATE-----\n";

static const char *const DEFAULT_ROOTS[] = {"ISRG Root X1", "ISRG Root X2", NULL};

static const mqtts_tls_root *find_root(const char *name)
{
    size_t count = 0;
    const mqtts_tls_root *roots = mqtts_tls_builtin_roots(&count);
    for (size_t i = 0; i < count; i++) {
        if (strcmp(roots[i].name, name) == 0)
            return &roots[i];
    }
    return NULL;
}

/* Bytes of base64 text for n bytes of DER, without the NUL. */
static size_t b64_len(size_t n)
{
    return (n + 2) / 3 * 4;
}

unsigned char *mqtts_pico_w_roots_pem(const char *const *names, size_t *len, mqtts_err *err)
{
    if (names == NULL || names[0] == NULL)
        names = DEFAULT_ROOTS;
    size_t total = 1; /* the NUL */
    for (size_t i = 0; names[i] != NULL; i++) {
        const mqtts_tls_root *r = find_root(names[i]);
        if (r == NULL) {
            *err = MQTTS_ERR_INVALID_ARGUMENT; /* no root of that name is built in */
            return NULL;
        }
        total += sizeof PEM_BEGIN - 1 + b64_len(r->der_len) + sizeof PEM_END - 1;
    }
    unsigned char *pem = malloc(total);
    if (pem == NULL) {
        *err = MQTTS_ERR_TLS_SETUP;
        return NULL;
    }
    size_t at = 0;
    for (size_t i = 0; names[i] != NULL; i++) {
        const mqtts_tls_root *r = find_root(names[i]);
        size_t wrote = 0;
        memcpy(pem + at, PEM_BEGIN, sizeof PEM_BEGIN - 1);
        at += sizeof PEM_BEGIN - 1;
        /* The room given includes the place of the NUL base64 writes. */
        if (mbedtls_base64_encode(pem + at, total - at, &wrote, r->der, r->der_len) != 0) {
            free(pem);
            *err = MQTTS_ERR_TLS_SETUP;
            return NULL;
        }
        at += wrote;
        memcpy(pem + at, PEM_END, sizeof PEM_END - 1);
        at += sizeof PEM_END - 1;
    }
    pem[at] = '\0';
    *len = at + 1; /* mbedTLS takes PEM only with the NUL counted */
    *err = MQTTS_OK;
    return pem;
}
