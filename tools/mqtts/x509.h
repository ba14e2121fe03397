/*
 * x509.h - certificates for `mqtts cert` and `mqtts doctor`: reading files
 * (PEM or DER, one or many), describing a certificate for people, writing
 * one as PEM, DER or a C header, fetching the chain a server sends, and
 * finding the root that anchors a chain among the trust sources.
 *
 * This is the tool's own use of mbedTLS (the library's TLS transport keeps
 * its facts private). The few mbedTLS 2.28/3.x differences it meets are at
 * the top of x509.c, in the style of src/tls/mbedtls_compat.h.
 */
#ifndef MQTTS_TOOL_X509_H
#define MQTTS_TOOL_X509_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <mbedtls/x509_crt.h>

#include "mqtts/tls.h"

#define X509_FP_MAX 96    /* "AB:CD:..." for 32 bytes, NUL included */
#define X509_DN_MAX 256
#define X509_ERR_MAX 512

/* What a certificate is in a chain. */
typedef enum x509_role { X509_LEAF, X509_INTERMEDIATE, X509_ROOT } x509_role;

/* Reads every certificate of path (PEM with one or many, or DER, one or
 * several back to back) into chain (initialised by the caller). The
 * number read, or -1 with the reason in err. */
int x509_load_file(mbedtls_x509_crt *chain, const char *path, char *err, size_t errlen);

size_t x509_count(const mbedtls_x509_crt *chain);
bool x509_self_signed(const mbedtls_x509_crt *crt);
bool x509_is_ca(const mbedtls_x509_crt *crt);
/* The role of the certificate at index i of a chain sent by a server (0 is
 * the leaf) or of a file (is_chain false: by its own fields only). */
x509_role x509_role_of(const mbedtls_x509_crt *crt, size_t i, bool is_chain);
const char *x509_role_name(x509_role r);

/* SHA-256 of the DER, "AB:CD:..." as openssl prints it. */
void x509_fingerprint(const mbedtls_x509_crt *crt, char out[X509_FP_MAX]);
void x509_subject(const mbedtls_x509_crt *crt, char *out, size_t cap);
/* "2026-06-04" into out (11 bytes at least). */
void x509_day(const mbedtls_x509_time *t, char *out, size_t cap);
/* The subject's CN, else the whole subject. */
void x509_short_name(const mbedtls_x509_crt *crt, char *out, size_t cap);

/* Prints one certificate, indented: subject, issuer, validity (with
 * "EXPIRED"/"not yet valid" against now), key, fingerprint. */
void x509_describe(FILE *f, const mbedtls_x509_crt *crt, const char *title, int64_t now);

/* Writers. c_name must be a C identifier (x509_c_name_ok). */
int x509_write_pem(FILE *f, const mbedtls_x509_crt *crt);
int x509_write_der(FILE *f, const mbedtls_x509_crt *crt);
/* One certificate: its DER as `static const unsigned char NAME[]` and
 * NAME_len; several: their PEM text, NUL-terminated (what ca_buf takes),
 * with a comment listing each one. */
int x509_write_c_header(FILE *f, const mbedtls_x509_crt *chain, const char *c_name);
bool x509_c_name_ok(const char *name);

/* The chain host:port sends (server_name: SNI; NULL or an address: none),
 * with a handshake that verifies nothing (verification is `cert check`'s
 * job). Into chain, leaf first. 0, or -1 with the reason in err (and *err_code
 * the mqtts_err of the transport when the TCP connection failed, else 0). */
int x509_fetch_chain(mbedtls_x509_crt *chain, const char *host, uint16_t port,
                     const char *server_name, uint32_t timeout_ms, char *err, size_t errlen,
                     int *err_code);

/* Where a root was found. */
typedef struct x509_anchor {
    const mbedtls_x509_crt *root; /* NULL: none found */
    const char *source;           /* "--cafile ca.pem", "the roots built into mqtts", ... */
    bool sent_by_server;          /* the server's chain holds it too */
} x509_anchor;

/* The trust sources searched for the root, in order. */
typedef struct x509_stores {
    mbedtls_x509_crt cafile, builtin, system;
    bool have_cafile, have_system;
    char cafile_label[300];
} x509_stores;

/* Loads --cafile (NULL: none), the built-in roots and the system store.
 * 0, or -1 (the cafile cannot be read) with the reason in err. */
int x509_stores_load(x509_stores *s, const char *cafile, char *err, size_t errlen);
void x509_stores_free(x509_stores *s);

/* The root that anchors chain: the certificate of a store that issued the
 * top of the chain (checked by signature), or the top itself when it is a
 * self-signed certificate one of the stores holds. */
x509_anchor x509_find_anchor(const x509_stores *s, const mbedtls_x509_crt *chain);

/* A full verification by the library's TLS transport (TCP below it). */
typedef struct x509_verdict {
    mqtts_err err;                     /* MQTTS_OK: verified */
    char detail[MQTTS_TLS_DETAIL_MAX]; /* mqtts_tls_error_detail() on failure */
    char version[32], cipher[96];      /* on success */
    char trust[300];                   /* mqtts_tls_trust() */
} x509_verdict;

mqtts_err x509_verify_server(const mqtts_tls_config *tc, const char *host, uint16_t port,
                             uint32_t timeout_ms, x509_verdict *v);

/* The tool's exit code (tool.h) for a connection error. */
int x509_exit_code(mqtts_err e);

/* HOST[:PORT], [IPV6]:PORT or mqtts://HOST[:PORT] into host (cap bytes)
 * and port (default_port when none). 0, or -1 with the reason in err. */
int x509_parse_target(const char *text, uint16_t default_port, char *host, size_t cap,
                      uint16_t *port, char *err, size_t errlen);

#endif /* MQTTS_TOOL_X509_H */
