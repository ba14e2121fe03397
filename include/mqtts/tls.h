/*
 * mqtts/tls.h - TLS over any mqtts_transport, on mbedTLS, verified by default.
 *
 * The TLS transport is a transport (transport.h) that stacks on another one:
 * TCP below it, WebSocket (later) above it. It lives in its own library,
 * mqtts_tls (CMake target mqtts::tls), which links mbedTLS; the core library
 * never does. Give the transport it fills to mqtts_client_init() like any
 * other:
 *
 *     mqtts_tcp tcp;
 *     mqtts_transport lower, t;
 *     mqtts_tls tls;
 *     mqtts_tls_config tc = {0};           // all defaults: verify everything
 *     mqtts_tcp_init(&tcp, &lower);
 *     if (mqtts_tls_init(&tls, &tc, &lower, &t) != MQTTS_OK)
 *         printf("%s\n", mqtts_tls_error_detail(&tls));
 *     mqtts_client_init(&client, &cfg, &mem, &t);
 *     e = mqtts_client_connect_wait(&client, 10000);
 *     if (e != MQTTS_OK)
 *         printf("%s: %s\n", mqtts_strerror(e), mqtts_tls_error_detail(&tls));
 *     ...
 *     mqtts_tls_free(&tls);
 *
 * What is verified, always (nothing to switch on)
 * -----------------------------------------------
 *   - The server's certificate chain, up to a trusted root, with every
 *     signature, basic constraint and key usage mbedTLS checks, and SHA-256
 *     or better signatures (mbedTLS's default profile: RSA >= 2048 bits).
 *   - The dates of every certificate in the chain, against the wall clock
 *     (cfg->wall_clock) - and first that clock itself: a clock that reads
 *     earlier than the day this library was built is "not set"
 *     (MQTTS_ERR_TLS_CLOCK_NOT_SET), not a reason to call every certificate
 *     "not yet valid".
 *   - The name: the name connected to (or cfg->server_name) must be in the
 *     certificate's subjectAltName: a DNS entry (a "*." wildcard stands for
 *     exactly one leftmost label) or, for an address, an IP entry. The
 *     subject's CN is not looked at (RFC 6125 and every browser agree).
 *   - TLS 1.2 at least; TLS 1.3 when the mbedTLS build has it.
 *   - SNI: the name is sent in every ClientHello. An IP address is never
 *     sent (RFC 6066 forbids it); set cfg->server_name to connect to an
 *     address and still send and verify a name.
 *   - Optionally, on top of all this: pins (the SHA-256 of a certificate's
 *     SubjectPublicKeyInfo; one of the chain's keys must match one pin).
 *
 * Where trust comes from, in this order
 * -------------------------------------
 *   1. What the caller gives: ca_file (one or many certificates, PEM or
 *      DER), ca_dir (every certificate file in it), ca_buf (PEM or DER in
 *      memory). Any combination; together they are the trust.
 *   2. Else the system store, on hosts that have one (mbedTLS built with
 *      MBEDTLS_FS_IO): /etc/ssl/certs/ca-certificates.crt (Debian, Ubuntu,
 *      Alpine), /etc/pki/tls/certs/ca-bundle.crt (Fedora, RHEL),
 *      /etc/ssl/cert.pem (macOS, BSDs), the first that exists.
 *   3. Else the roots built into mqtts (mqtts_tls_builtin_roots(): ISRG
 *      Root X1 and X2 for Let's Encrypt, the AWS IoT, Azure IoT Hub and
 *      Google roots; docs/tls.md lists them with fingerprints and expiry).
 *   use_builtin_roots adds the built-in roots to 1. and skips 2.
 *
 * Errors
 * ------
 * Every failure is a distinct mqtts_err (MQTTS_ERR_TLS_*, error.h), and
 * mqtts_tls_error_detail() says, in a sentence or three, what was found,
 * what was expected and what to do: the issuer the chain ended at, the
 * names in the certificate, the dates and the clock, the alert the server
 * sent. Never a bare mbedTLS code, never a password or key.
 *
 * insecure
 * --------
 * cfg->insecure = true skips every check of the server (chain, dates, name,
 * pins); the connection is still encrypted, but anyone on the path can read
 * and change it. Every connect() made so logs a warning through cfg->log.
 *
 * Memory
 * ------
 * mqtts_tls_init() allocates the mbedTLS state once (44 KB with Debian's
 * mbedTLS 2.28, most of it the entropy context; a few KB in a small
 * configuration), the record buffers mbedTLS sizes with
 * MBEDTLS_SSL_IN/OUT_CONTENT_LEN (2 x 16 KB by default), and the parsed
 * certificates (the system store: about 150 roots, some 200 KB, on a Linux
 * host; the built-in roots are parsed in place). connect() allocates
 * nothing of its own, nor does anything per message; mqtts_tls_free() frees
 * it all.
 *
 * The transport's functions keep transport.h's contract, plus:
 *   connect  Connects the lower transport (timeout_ms covers it and the
 *            handshake together), then runs the handshake, waiting with the
 *            lower transport's wait(). Fails with the lower transport's
 *            errors (DNS, refused, ...), MQTTS_ERR_TIMEOUT when the
 *            handshake does not finish in time, or an MQTTS_ERR_TLS_*.
 *   send     After a send() returned 0 (would block), the next send() MUST
 *            start with the same bytes, at least as many (mbedTLS has
 *            already sealed them in a record): the client does this by
 *            construction, since its queue only grows at the end.
 *   recv     A close_notify from the server, or the connection closed
 *            below: MQTTS_ERR_CLOSED. Under TLS 1.3 a server refuses a
 *            client certificate after the client's handshake has ended:
 *            connect() succeeds and the first recv() returns
 *            MQTTS_ERR_TLS_CLIENT_CERT_REQUIRED or _REJECTED (under 1.2,
 *            connect() does). Another fatal alert: MQTTS_ERR_TLS_ALERT;
 *            a corrupted record: MQTTS_ERR_TLS_PROTOCOL.
 *   wait     MQTTS_READABLE at once when mbedTLS holds decrypted bytes or a
 *            whole record not yet read; else the lower transport's wait().
 *            The lower transport must have wait() (a callback-driven
 *            transport cannot carry TLS yet: MQTTS_ERR_INVALID_ARGUMENT).
 *   close    Sends close_notify (without waiting), closes the lower
 *            transport; the TLS transport can connect again.
 *
 * Thread safety: none; one connection is driven by one thread.
 */
#ifndef MQTTS_TLS_H
#define MQTTS_TLS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/error.h"
#include "mqtts/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Room for mqtts_tls_error_detail()'s text, NUL included. */
#define MQTTS_TLS_DETAIL_MAX 1024
/* At most this many ALPN protocols are offered. */
#define MQTTS_TLS_ALPN_MAX 8
/* A pin: SHA-256 of a DER SubjectPublicKeyInfo. */
#define MQTTS_TLS_PIN_LEN 32

typedef enum mqtts_tls_log_level {
    MQTTS_TLS_LOG_WARNING = 1, /* insecure connections, unreadable CA dir entries */
    MQTTS_TLS_LOG_INFO = 2,    /* each connection: version, cipher suite, root */
} mqtts_tls_log_level;

typedef struct mqtts_tls_config {
    /* The name to verify and send as SNI. NULL: the host given to connect().
     * Set it to connect to an IP address (or another name) and still verify
     * this one. An IP address here is verified against IP entries and not
     * sent as SNI. */
    const char *server_name;

    /* Trust (see "Where trust comes from"). Paths are read by
     * mqtts_tls_init() and not kept. ca_buf/ca_len: PEM (one or many; a
     * terminating NUL may be counted in ca_len or not) or one DER
     * certificate; copied, not kept. */
    const char *ca_file;
    const char *ca_dir;
    const void *ca_buf;
    size_t ca_len;
    bool use_builtin_roots;

    /* Mutual TLS: the client's certificate (PEM: it may be followed by its
     * intermediates, which are sent too; or DER) and its private key (PEM or
     * DER; encrypted PEM needs key_password: traditional "Proc-Type:
     * ENCRYPTED" PEM always, PKCS#8 with AES from mbedTLS 3.5 on). From
     * files or from memory (same rules as ca_buf); read by mqtts_tls_init(),
     * not kept. The password is used once and never copied or printed. */
    const char *cert_file;
    const char *key_file;
    const void *cert_buf;
    size_t cert_len;
    const void *key_buf;
    size_t key_len;
    const char *key_password;

    /* ALPN protocols to offer, most preferred first, NULL-terminated (at
     * most MQTTS_TLS_ALPN_MAX); NULL offers none. The strings must outlive
     * the mqtts_tls (mbedTLS keeps pointers). AWS IoT on port 443 wants
     * "x-amzn-mqtt-ca". */
    const char *const *alpn;

    /* Optional pins: pin_count digests of MQTTS_TLS_PIN_LEN bytes, back to
     * back (mqtts_tls_parse_pin() reads the hex openssl prints). The
     * connection fails (MQTTS_ERR_TLS_PIN_MISMATCH) unless the key of one
     * certificate of the verified chain matches one of them. Copied. */
    const uint8_t *pins;
    size_t pin_count;

    /* Do not verify the server at all (see "insecure"). Not allowed with
     * pins. */
    bool insecure;

    /* The wall clock, seconds since 1970-01-01 UTC; NULL: time(). Tests
     * inject a clock here; a device gives its SNTP-set clock. */
    int64_t (*wall_clock)(void *user);
    /* A monotonic millisecond clock for the handshake deadline; NULL:
     * CLOCK_MONOTONIC on POSIX systems (required elsewhere). */
    uint32_t (*now_ms)(void *user);
    /* Where warnings (and, when wanted, information) go, one line each,
     * without a newline; NULL: warnings to stderr, prefixed "mqtts: ". */
    void (*log)(void *user, mqtts_tls_log_level level, const char *line);
    void *user; /* passed to wall_clock, now_ms and log */
} mqtts_tls_config;

struct mqtts_tls_engine;

/* A TLS connection. Allocate it anywhere (it holds a pointer to the mbedTLS
 * state and the detail text); it must outlive the transport it fills. */
typedef struct mqtts_tls {
    struct mqtts_tls_engine *engine;    /* private */
    char detail[MQTTS_TLS_DETAIL_MAX];  /* private: mqtts_tls_error_detail() */
} mqtts_tls;

/* Sets up tls over lower (copied: its context must outlive tls) and fills
 * *t with the TLS functions. cfg may be NULL (all defaults); it is copied,
 * and only the strings of server_name and alpn must outlive tls. Reads the
 * trust, certificate and key now, so a bad file fails here.
 * Returns MQTTS_OK; MQTTS_ERR_INVALID_ARGUMENT (NULL tls/lower/t, a lower
 * transport without wait(), a certificate without a key, insecure with
 * pins, too many ALPN entries; no now_ms where there is no default);
 * MQTTS_ERR_TLS_CA_FILE, _CERT_FILE, _KEY_FILE, _KEY_PASSWORD; or
 * MQTTS_ERR_TLS_SETUP (no memory, no entropy). On failure nothing is left
 * allocated, and mqtts_tls_error_detail(tls) says why. */
mqtts_err mqtts_tls_init(mqtts_tls *tls, const mqtts_tls_config *cfg,
                         const mqtts_transport *lower, mqtts_transport *t);

/* Closes the connection (if any) and frees everything mqtts_tls_init()
 * allocated. The detail text stays readable. Safe to call twice, and after
 * a failed mqtts_tls_init(). */
void mqtts_tls_free(mqtts_tls *tls);

/* What the last failure of init or connect (or a fatal error while
 * connected) was, in words: never NULL, "" when nothing failed. */
const char *mqtts_tls_error_detail(const mqtts_tls *tls);

/* After a successful connect: the protocol version ("TLSv1.2"), the cipher
 * suite, and the ALPN protocol the server chose; NULL when not connected
 * (or no ALPN was agreed). */
const char *mqtts_tls_version(const mqtts_tls *tls);
const char *mqtts_tls_ciphersuite(const mqtts_tls *tls);
const char *mqtts_tls_alpn(const mqtts_tls *tls);

/* Where this connection's trust comes from, in words ("ca_file
 * \"/etc/broker-ca.pem\" (1 certificate)", "the system store ...", "the 7
 * roots built into mqtts"); "" after a failed init. */
const char *mqtts_tls_trust(const mqtts_tls *tls);

/* The roots built into mqtts (src/tls/roots/, generated into src/tls/roots.c
 * by scripts/gen-roots.sh). */
typedef struct mqtts_tls_root {
    const char *name;      /* the subject's CN: "ISRG Root X1" */
    const char *sha256;    /* of the DER, "96:BC:EC:..." as openssl prints it */
    const char *not_after; /* "2035-06-04" */
    const uint8_t *der;
    size_t der_len;
} mqtts_tls_root;

const mqtts_tls_root *mqtts_tls_builtin_roots(size_t *count);

/* Reads a pin written as 64 hex digits (upper or lower case, ':' allowed
 * between bytes, as `openssl dgst -sha256 -c` prints) into out.
 * MQTTS_ERR_INVALID_ARGUMENT when it is anything else. */
mqtts_err mqtts_tls_parse_pin(const char *text, uint8_t out[MQTTS_TLS_PIN_LEN]);

/* The day this library was built (seconds since 1970, UTC, midnight; from
 * SOURCE_DATE_EPOCH when the build set it). A wall clock earlier than this
 * is "not set". */
int64_t mqtts_tls_build_epoch(void);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_TLS_H */
