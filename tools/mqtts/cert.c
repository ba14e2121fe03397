/*
 * cert.c - `mqtts cert`: a broker's certificates, for people and firmware.
 *
 *   fetch HOST[:PORT]  the chain the server sends, and the ROOT that
 *                      anchors it (found in --cafile, the built-in roots or
 *                      the system store, even when the server does not send
 *                      it), written as PEM, DER or a C header
 *   show FILE          every certificate of a PEM or DER file
 *   embed FILE         a C header for firmware
 *   check HOST[:PORT]  a full verification by the TLS transport, with its
 *                      diagnosis
 *
 * Why the root: a device that trusts the leaf breaks at the broker's next
 * renewal, one that trusts the intermediate when the CA issues from another
 * one (docs/tls.md, "Pinning, and why not to pin the intermediate").
 */
#define _POSIX_C_SOURCE 200809L

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tool.h"
#ifdef MQTTS_TOOL_TLS
#include "x509.h"

#define DEFAULT_PORT 8883
#define TIMEOUT_MS 10000u

typedef struct cert_args {
    const char *target;      /* HOST[:PORT] or FILE */
    const char *cafile;
    const char *out;         /* -o */
    bool der;
    const char *c_name;      /* --c-header NAME, --name NAME */
    const char *servername;
} cert_args;

static const char usage_text[] =
    "Usage: mqtts cert fetch HOST[:PORT] [--cafile FILE] [-o FILE] [--der | --c-header NAME]\n"
    "       mqtts cert show FILE\n"
    "       mqtts cert embed FILE [-o FILE.h] [--name NAME]\n"
    "       mqtts cert check HOST[:PORT] [--cafile FILE] [--servername NAME]\n"
    "\n"
    "A broker's certificates, for people and for firmware. PORT defaults to 8883;\n"
    "HOST may also be written mqtts://HOST[:PORT].\n"
    "\n"
    "  fetch   connect (with SNI), show the chain the server sends (subject, issuer,\n"
    "          validity, key, SHA-256 fingerprint; leaf, intermediate or root) and\n"
    "          find the ROOT that anchors it, in --cafile, the roots built into\n"
    "          mqtts or the system store, even when the server does not send it;\n"
    "          write it as PEM (default), DER (--der) or a C header (--c-header\n"
    "          NAME) to -o FILE (PEM and C header: standard output without -o).\n"
    "          Nothing is verified: use check for that.\n"
    "  show    describe each certificate of FILE (PEM or DER, one or many)\n"
    "  embed   write FILE's certificates as a C header (one: DER bytes; several:\n"
    "          PEM text) named NAME (default: from -o, else mqtts_ca)\n"
    "  check   verify the server as mqtts pub/sub would (chain, dates, name) and\n"
    "          say what is wrong and what to do\n"
    "\n"
    "Options:\n"
    "  --cafile FILE       trust (check) or look for the root in (fetch) FILE\n"
    "  -o, --output FILE   where to write the certificate\n"
    "  --der               fetch: write DER instead of PEM\n"
    "  --c-header NAME     fetch: write a C header with the array NAME\n"
    "  --name NAME         embed: the array's name\n"
    "  --servername NAME   check: verify (and send as SNI) NAME instead of HOST\n"
    "  --help              show this help\n"
    "\n";

TOOL_PRINTF(1, 2) static int usage_error(const char *fmt, ...);

static int usage_error(const char *fmt, ...)
{
    va_list ap;
    char msg[X509_ERR_MAX + 64];
    va_start(ap, fmt);
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    tool_error("%s", msg);
    if (!tool_quiet)
        fputs("Try 'mqtts cert --help'.\n", stderr);
    return EXIT_USAGE;
}

static int help(void)
{
    fputs(usage_text, stdout);
    exit_codes_help(stdout);
    return EXIT_OK;
}

/* Options with a value, and which subcommands take them. */
static int parse_args(const char *sub, int argc, char **argv, cert_args *a)
{
    bool remote = strcmp(sub, "fetch") == 0 || strcmp(sub, "check") == 0;
    memset(a, 0, sizeof *a);
    for (int i = 2; i < argc; i++) {
        const char *arg = argv[i];
        const char **slot = NULL;
        bool ok = true;
        if (strcmp(arg, "--help") == 0)
            return -1;
        if (strcmp(arg, "--quiet") == 0) {
            tool_quiet = true;
            continue;
        }
        if (strcmp(arg, "--der") == 0) {
            a->der = true;
            ok = strcmp(sub, "fetch") == 0;
        } else if (strcmp(arg, "--cafile") == 0) {
            slot = &a->cafile;
            ok = remote;
        } else if (strcmp(arg, "-o") == 0 || strcmp(arg, "--output") == 0) {
            slot = &a->out;
            ok = strcmp(sub, "fetch") == 0 || strcmp(sub, "embed") == 0;
        } else if (strcmp(arg, "--c-header") == 0) {
            slot = &a->c_name;
            ok = strcmp(sub, "fetch") == 0;
        } else if (strcmp(arg, "--name") == 0) {
            slot = &a->c_name;
            ok = strcmp(sub, "embed") == 0;
        } else if (strcmp(arg, "--servername") == 0) {
            slot = &a->servername;
            ok = strcmp(sub, "check") == 0;
        } else if (arg[0] == '-' && arg[1] != '\0') {
            return usage_error("unknown option '%s'", arg);
        } else if (a->target == NULL) {
            a->target = arg;
            continue;
        } else {
            return usage_error("unexpected argument '%s'", arg);
        }
        if (!ok) {
            return usage_error("option '%s' is not valid for 'mqtts cert %s'", arg, sub);
        }
        if (slot != NULL) {
            if (i + 1 >= argc)
                return usage_error("option '%s' needs a value", arg);
            *slot = argv[++i];
        }
    }
    if (a->target == NULL)
        return usage_error("'mqtts cert %s' needs an argument", sub);
    if (a->c_name != NULL && !x509_c_name_ok(a->c_name))
        return usage_error("'%s' is not a C identifier (letters, digits, _)", a->c_name);
    if (a->der && a->c_name != NULL)
        return usage_error("%s: --der and --c-header cannot be used together", "fetch");
    if (a->der && a->out == NULL)
        return usage_error("%s: --der needs -o FILE (DER is binary)", "fetch");
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* Writing a certificate (or a file's certificates) where -o says. */

typedef enum out_form { FORM_PEM, FORM_DER, FORM_C } out_form;

static int write_out(const mbedtls_x509_crt *chain, bool all, out_form form, const char *path,
                     const char *c_name)
{
    FILE *f = path != NULL ? fopen(path, form == FORM_DER ? "wb" : "w") : stdout;
    int rc = 0;

    if (f == NULL) {
        tool_error("cannot write '%s': %s", path, strerror(errno));
        return EXIT_CONN;
    }
    if (form == FORM_C) {
        mbedtls_x509_crt one;
        mbedtls_x509_crt_init(&one);
        if (!all)
            rc = mbedtls_x509_crt_parse_der_nocopy(&one, chain->raw.p, chain->raw.len);
        if (rc == 0)
            rc = x509_write_c_header(f, all ? chain : &one, c_name);
        mbedtls_x509_crt_free(&one);
    } else if (form == FORM_DER) {
        rc = x509_write_der(f, chain);
    } else {
        rc = x509_write_pem(f, chain);
    }
    if (path != NULL && fclose(f) != 0)
        rc = -1;
    if (rc != 0) {
        tool_error("cannot write '%s'", path ? path : "standard output");
        return EXIT_CONN;
    }
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* fetch */

static void explain_root(const mbedtls_x509_crt *chain, const mbedtls_x509_crt *root)
{
    char leaf[X509_DN_MAX], rname[X509_DN_MAX], day[16], rday[16];

    x509_short_name(chain, leaf, sizeof leaf);
    x509_short_name(root, rname, sizeof rname);
    x509_day(&root->valid_to, rday, sizeof rday);
    if (x509_self_signed(chain)) {
        printf("Why this certificate: the server's own certificate is self-signed, so it is\n"
               "its own root. Devices must carry it as is, and be updated when it changes.\n");
        return;
    }
    x509_day(&chain->valid_to, day, sizeof day);
    printf("Why the root: a device should trust the root, \"%s\" (valid until %s),\n"
           "and nothing below it.\n"
           "  - The leaf, \"%s\", expires on %s and is replaced at every renewal.\n",
           rname, rday, leaf, day);
    for (const mbedtls_x509_crt *c = chain->next; c != NULL && c->raw.p != NULL; c = c->next) {
        char name[X509_DN_MAX];
        if (x509_self_signed(c))
            continue;
        x509_short_name(c, name, sizeof name);
        x509_day(&c->valid_to, day, sizeof day);
        printf("  - The intermediate, \"%s\", expires on %s, and CAs rotate their\n"
               "    intermediates: a device that trusts it stops connecting the day the\n"
               "    broker's next certificate comes from another one.\n",
               name, day);
    }
    printf("  - The root changes only when the CA retires it.\n");
}

static int cmd_fetch(const cert_args *a)
{
    char host[256], err[X509_ERR_MAX];
    uint16_t port;
    int code = 0;
    mbedtls_x509_crt chain;
    x509_stores stores;
    int64_t now = (int64_t)time(NULL);
    int rc = EXIT_OK;

    if (x509_parse_target(a->target, DEFAULT_PORT, host, sizeof host, &port, err, sizeof err))
        return usage_error("%s", err);
    if (x509_stores_load(&stores, a->cafile, err, sizeof err) != 0) {
        x509_stores_free(&stores);
        tool_error("--cafile %s", err);
        return EXIT_TLS;
    }
    mbedtls_x509_crt_init(&chain);
    if (x509_fetch_chain(&chain, host, port, NULL, TIMEOUT_MS, err, sizeof err, &code) != 0) {
        tool_error("%s", err);
        rc = code ? x509_exit_code(code) : EXIT_TLS;
        goto done;
    }
    size_t n = x509_count(&chain);
    printf("%s port %u sent %zu certificate%s:\n\n", host, (unsigned)port, n, n == 1 ? "" : "s");
    size_t i = 0;
    for (const mbedtls_x509_crt *c = &chain; c != NULL && c->raw.p != NULL; c = c->next, i++) {
        char title[64];
        (void)snprintf(title, sizeof title, "[%zu] %s", i + 1,
                       x509_role_name(x509_role_of(c, i, true)));
        x509_describe(stdout, c, title, now);
    }
    x509_anchor an = x509_find_anchor(&stores, &chain);
    const mbedtls_x509_crt *root = an.root;
    printf("\n");
    if (root == NULL) {
        const mbedtls_x509_crt *top = &chain;
        while (top->next != NULL && top->next->raw.p != NULL)
            top = top->next;
        if (!x509_self_signed(top)) {
            char issuer[X509_DN_MAX];
            (void)mbedtls_x509_dn_gets(issuer, sizeof issuer, &top->issuer);
            tool_error("no root found for the chain: its top was issued by \"%s\", which is "
                       "in none of %s%sthe roots built into mqtts and the system store; give "
                       "that CA's certificate with --cafile",
                       issuer, a->cafile ? a->cafile : "", a->cafile ? ", " : "");
            rc = EXIT_TLS;
            goto done;
        }
        root = top;
        printf("The chain ends at a self-signed certificate the server sent, which no trust\n"
               "store here holds: compare its fingerprint with the one its owner publishes.\n");
    } else {
        printf("The root that anchors this chain (%s; found in %s):\n",
               an.sent_by_server ? "the server sent it too" : "the server does not send it",
               an.source);
    }
    x509_describe(stdout, root, "[root]", now);
    printf("\n");
    explain_root(&chain, root);
    fflush(stdout);
    out_form form = a->der ? FORM_DER : a->c_name ? FORM_C : FORM_PEM;
    if (a->out == NULL)
        printf("\n");
    rc = write_out(root, false, form, a->out, a->c_name);
    if (rc == EXIT_OK && a->out != NULL)
        printf("\nWrote the root to %s (%s).\n", a->out,
               form == FORM_DER ? "DER" : form == FORM_C ? "C header" : "PEM");
done:
    mbedtls_x509_crt_free(&chain);
    x509_stores_free(&stores);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* show, embed */

static int load(mbedtls_x509_crt *chain, const char *path)
{
    char err[X509_ERR_MAX];
    mbedtls_x509_crt_init(chain);
    if (x509_load_file(chain, path, err, sizeof err) < 0) {
        tool_error("%s", err);
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int cmd_show(const cert_args *a)
{
    mbedtls_x509_crt chain;
    int rc = load(&chain, a->target);
    size_t n = x509_count(&chain), i = 0;

    if (rc == EXIT_OK) {
        printf("%s holds %zu certificate%s:\n\n", a->target, n, n == 1 ? "" : "s");
        for (const mbedtls_x509_crt *c = &chain; c && c->raw.p; c = c->next, i++) {
            char title[64];
            (void)snprintf(title, sizeof title, "[%zu] %s%s", i + 1,
                           x509_role_name(x509_role_of(c, i, false)),
                           x509_is_ca(c) ? " (CA)" : "");
            x509_describe(stdout, c, title, (int64_t)time(NULL));
        }
    }
    mbedtls_x509_crt_free(&chain);
    return rc;
}

/* The array's name from -o: "certs/ca.h" gives "ca". */
static void name_from_path(const char *path, char *out, size_t cap)
{
    const char *base = strrchr(path, '/');
    size_t k = 0;
    base = base ? base + 1 : path;
    for (; *base && *base != '.' && k + 1 < cap; base++)
        out[k++] = isalnum((unsigned char)*base) ? *base : '_';
    out[k] = '\0';
    if (!x509_c_name_ok(out))
        (void)snprintf(out, cap, "mqtts_ca");
}

static int cmd_embed(const cert_args *a)
{
    mbedtls_x509_crt chain;
    char name[64];
    int rc = load(&chain, a->target);

    if (a->c_name)
        (void)snprintf(name, sizeof name, "%s", a->c_name);
    else if (a->out)
        name_from_path(a->out, name, sizeof name);
    else
        (void)snprintf(name, sizeof name, "mqtts_ca");
    if (rc == EXIT_OK)
        rc = write_out(&chain, true, FORM_C, a->out, name);
    if (rc == EXIT_OK && a->out) {
        size_t n = x509_count(&chain);
        printf("Wrote %zu certificate%s to %s as %s[] and %s_len.\n", n, n == 1 ? "" : "s",
               a->out, name, name);
    }
    mbedtls_x509_crt_free(&chain);
    return rc;
}

/* ---------------------------------------------------------------------- */
/* check */

static int cmd_check(const cert_args *a)
{
    char host[256], err[X509_ERR_MAX];
    uint16_t port;
    mqtts_tls_config tc;
    x509_verdict v;

    if (x509_parse_target(a->target, DEFAULT_PORT, host, sizeof host, &port, err, sizeof err))
        return usage_error("%s", err);
    memset(&tc, 0, sizeof tc);
    tc.ca_file = a->cafile;
    tc.server_name = a->servername;
    mqtts_err e = x509_verify_server(&tc, host, port, TIMEOUT_MS, &v);
    const char *name = a->servername ? a->servername : host;
    if (e == MQTTS_OK) {
        printf("OK: %s port %u is verified for the name %s (%s, %s)\n  trusting %s\n", host,
               (unsigned)port, name, v.version, v.cipher, v.trust);
        return EXIT_OK;
    }
    printf("FAILED: %s port %u: %s\n", host, (unsigned)port, mqtts_strerror(e));
    if (v.detail[0])
        printf("  %s\n", v.detail);
    if (v.trust[0])
        printf("  trusting %s\n", v.trust);
    return x509_exit_code(e);
}

#endif /* MQTTS_TOOL_TLS */

/* ---------------------------------------------------------------------- */

#ifndef MQTTS_TOOL_TLS
int cmd_cert(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    tool_error("'mqtts cert' needs TLS, and this mqtts was built without mbedTLS");
    return EXIT_UNSUPPORTED;
}
#else
int cmd_cert(int argc, char **argv)
{
    cert_args a;

    if (argc < 2 || strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "help") == 0)
        return argc < 2 ? (fputs(usage_text, stderr), EXIT_USAGE) : help();
    const char *sub = argv[1];
    if (strcmp(sub, "fetch") != 0 && strcmp(sub, "show") != 0 && strcmp(sub, "embed") != 0 &&
        strcmp(sub, "check") != 0)
        return usage_error("unknown cert command '%s' (fetch, show, embed or check)", sub);
    int rc = parse_args(sub, argc, argv, &a);
    if (rc == -1)
        return help();
    if (rc != EXIT_OK)
        return rc;
    if (strcmp(sub, "fetch") == 0)
        return cmd_fetch(&a);
    if (strcmp(sub, "show") == 0)
        return cmd_show(&a);
    if (strcmp(sub, "embed") == 0)
        return cmd_embed(&a);
    return cmd_check(&a);
}
#endif
