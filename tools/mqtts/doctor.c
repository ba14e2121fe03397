/*
 * doctor.c - `mqtts doctor URL`: why can't I connect? Step by step:
 *
 *   1. DNS   getaddrinfo(), every address listed
 *   2. TCP   a connection to the port, timed
 *   3. TLS   (mqtts://, port 8883, or a TLS option) the chain the server
 *            sends, then a full verification by the TLS transport
 *   4. MQTT  CONNECT and the CONNACK's reason, by name, with the
 *            credentials pub/sub would use (-u/-P, the environment, the
 *            config file and --profile)
 *
 * Each step prints its time, a verdict in plain words and, when it fails,
 * what to do next. The steps stop at the first failure, whose exit code
 * (tool.h) is the command's. Each step makes its own connection, as a
 * device would retry: the MQTT step's time covers TCP and TLS again.
 */
#define _POSIX_C_SOURCE 200809L

#include <arpa/inet.h>
#include <netdb.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "config.h"
#include "conn.h"
#include "opts.h"
#include "tool.h"
#include "url.h"
#ifdef MQTTS_TOOL_TLS
#include "x509.h"
#endif

#define STEP_TIMEOUT_MS 5000u
#define MQTT_TIMEOUT_MS 10000u

static const char usage_text[] =
    "Usage: mqtts doctor URL [options]\n"
    "\n"
    "Check a connection step by step: DNS, TCP, TLS (the chain and its\n"
    "verification), MQTT CONNECT (the CONNACK's reason). Each step gives its time,\n"
    "a verdict and, on failure, what to try next; the exit status is the failing\n"
    "step's. URL: mqtt://[USER[:PASSWORD]@]HOST[:PORT], mqtts://... (TLS), or\n"
    "HOST[:PORT] (port 8883 means TLS).\n"
    "\n"
    "Options:\n"
    "  -u, --username USER       user name (or MQTTS_USERNAME, or the config file)\n"
    "  -P, --pw PASSWORD         password (or MQTTS_PASSWORD, or the config file)\n"
    "  --profile NAME            use section [NAME] of the config file\n"
    "  -V, --protocol-version V  MQTT version: 311 (default) or 5\n"
    "  -i, --id ID               client identifier\n"
    "  --cafile FILE             TLS, trusting the CA certificates in FILE\n"
    "  --capath DIR              TLS, trusting the CA certificates in DIR\n"
    "  --cert FILE, --key FILE   TLS client certificate and key\n"
    "  --insecure                TLS without verifying the server\n"
    "  --quiet                   print nothing; the exit status only\n"
    "  --help                    show this help\n"
    "\n";

typedef struct doctor {
    tool_opts o;
    int step;
    int steps;
    bool tls_needed;
} doctor;

/* ---------------------------------------------------------------------- */
/* Output. */

static void say(const char *fmt, ...) TOOL_PRINTF(1, 2);

static void say(const char *fmt, ...)
{
    va_list ap;
    if (tool_quiet)
        return;
    va_start(ap, fmt);
    vprintf(fmt, ap);
    va_end(ap);
    fflush(stdout);
}

static void step_head(doctor *d, const char *name, bool ok, uint32_t ms, const char *what)
{
    d->step++;
    say("[%d/%d] %-4s  %-6s %5u ms  %s\n", d->step, d->steps, name, ok ? "ok" : "FAILED",
        (unsigned)ms, what);
}

static void next_step(const char *advice)
{
    say("       next: %s\n", advice);
}

static int exit_for(mqtts_err e)
{
    if (e <= MQTTS_ERR_TLS_UNTRUSTED && e >= MQTTS_ERR_TLS_PROTOCOL)
        return EXIT_TLS;
    return e == MQTTS_ERR_TIMEOUT ? EXIT_TIMEOUT : EXIT_CONN;
}

/* ---------------------------------------------------------------------- */
/* Options: the shared option code applies each value, so credentials come
 * from the same places, in the same order, as for pub and sub. */

static int parse(doctor *d, int argc, char **argv, const char **url)
{
    static const struct {
        const char *s, *l;
        opt_id id;
        bool value;
    } table[] = {
        {"-u", "--username", OPT_USERNAME, true}, {"-P", "--pw", OPT_PASSWORD, true},
        {NULL, "--password", OPT_PASSWORD, true}, {NULL, "--profile", OPT_PROFILE, true},
        {"-V", "--protocol-version", OPT_VERSION, true}, {"-i", "--id", OPT_ID, true},
        {NULL, "--cafile", OPT_CAFILE, true},    {NULL, "--capath", OPT_CAPATH, true},
        {NULL, "--cert", OPT_CERT, true},        {NULL, "--key", OPT_KEY, true},
        {NULL, "--insecure", OPT_INSECURE, false}, {NULL, "--quiet", OPT_QUIET, false},
    };
    for (int i = 1; i < argc; i++) {
        const char *arg = argv[i];
        size_t k = 0;
        if (strcmp(arg, "--help") == 0)
            return -1;
        if (arg[0] != '-' || arg[1] == '\0') {
            if (*url != NULL) {
                tool_error("unexpected argument '%s'", arg);
                return EXIT_USAGE;
            }
            *url = arg;
            continue;
        }
        for (; k < sizeof table / sizeof table[0]; k++) {
            if ((table[k].s && strcmp(arg, table[k].s) == 0) || strcmp(arg, table[k].l) == 0)
                break;
        }
        if (k == sizeof table / sizeof table[0]) {
            tool_error("unknown option '%s'", arg);
            if (!tool_quiet)
                fputs("Try 'mqtts doctor --help'.\n", stderr);
            return EXIT_USAGE;
        }
        const char *value = NULL;
        if (table[k].value) {
            if (i + 1 >= argc) {
                tool_error("option '%s' needs a value", arg);
                return EXIT_USAGE;
            }
            value = argv[++i];
        }
        int rc = opts_apply(&d->o, table[k].id, value, PRIO_CLI, arg);
        if (rc != EXIT_OK)
            return rc;
    }
    if (*url == NULL) {
        tool_error("'mqtts doctor' needs a URL (mqtt://HOST, mqtts://HOST or HOST:PORT)");
        return EXIT_USAGE;
    }
    return EXIT_OK;
}

static int apply_target(doctor *d, const char *text)
{
    tool_opts *o = &d->o;
    char err[256];

    if (strstr(text, "://") != NULL)
        return opts_apply(o, OPT_URL, text, PRIO_CLI, "URL");
    /* HOST[:PORT] */
    const char *colon = strrchr(text, ':');
    bool v6 = text[0] == '[';
    if (v6 || (colon != NULL && strchr(text, ':') == colon)) {
        tool_url u;
        char buf[600];
        (void)snprintf(buf, sizeof buf, "mqtt://%s", text);
        if (url_parse(buf, &u, err, sizeof err) != 0) {
            tool_error("bad address '%s': %s", text, err);
            return EXIT_USAGE;
        }
        opts_keep(o, u.buf);
        o->host = u.host;
        o->prio[OPT_HOST] = PRIO_CLI;
        if (u.port) {
            o->port = u.port;
            o->prio[OPT_PORT] = PRIO_CLI;
        }
        return EXIT_OK;
    }
    return opts_apply(o, OPT_HOST, text, PRIO_CLI, "HOST");
}

/* What pub/sub's option code works out after parsing (opts.c's
 * finish_tls), for the few options doctor has. */
static int finish(doctor *d)
{
    tool_opts *o = &d->o;
    bool tls_option = o->cafile || o->capath || o->cert || o->insecure;

    if ((o->cert != NULL) != (o->key != NULL)) {
        tool_error("--cert and --key go together");
        return EXIT_USAGE;
    }
    if (o->scheme == URL_MQTTS)
        o->tls = true;
    else if (o->scheme == URL_MQTT)
        o->tls = false;
    else
        o->tls = tls_option || o->port == 8883;
    if (!o->tls && tls_option) {
        tool_error("TLS options were given with an mqtt:// URL (use mqtts://)");
        return EXIT_USAGE;
    }
    if (o->port == 0)
        o->port = o->tls ? 8883 : 1883;
    if (o->version == MQTTS_V311 && o->password && !o->username) {
        tool_error("MQTT 3.1.1 allows a password only with a user name (-u)");
        return EXIT_USAGE;
    }
#ifndef MQTTS_TOOL_TLS
    if (o->tls) {
        tool_error("this mqtts was built without TLS (mbedTLS was not found)");
        return EXIT_UNSUPPORTED;
    }
#endif
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* 1. DNS */

static int step_dns(doctor *d)
{
    const tool_opts *o = &d->o;
    struct addrinfo hints, *res = NULL;
    char list[512] = "";
    size_t used = 0;

    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    uint32_t t0 = conn_now();
    int rc = getaddrinfo(o->host, NULL, &hints, &res);
    uint32_t ms = conn_now() - t0;
    if (rc != 0) {
        char what[512];
        (void)snprintf(what, sizeof what, "cannot resolve '%s': %s", o->host, gai_strerror(rc));
        step_head(d, "DNS", false, ms, what);
        next_step("check the host name's spelling; `getent hosts NAME` shows what this "
                  "machine resolves (a device may use another DNS server)");
        return EXIT_CONN;
    }
    for (const struct addrinfo *a = res; a != NULL; a = a->ai_next) {
        char addr[INET6_ADDRSTRLEN] = "";
        const void *p = a->ai_family == AF_INET
                            ? (const void *)&((const struct sockaddr_in *)a->ai_addr)->sin_addr
                            : (const void *)&((const struct sockaddr_in6 *)a->ai_addr)->sin6_addr;
        if (inet_ntop(a->ai_family, p, addr, sizeof addr) == NULL || strstr(list, addr) != NULL)
            continue;
        int n = snprintf(list + used, sizeof list - used, "%s%s", used ? ", " : "", addr);
        if (n > 0 && (size_t)n < sizeof list - used)
            used += (size_t)n;
    }
    freeaddrinfo(res);
    char what[700];
    (void)snprintf(what, sizeof what, "%s resolves to %s", o->host, list);
    step_head(d, "DNS", true, ms, what);
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* 2. TCP */

static int step_tcp(doctor *d)
{
    const tool_opts *o = &d->o;
    mqtts_tcp tcp;
    mqtts_transport t;
    char what[256];

    mqtts_tcp_init(&tcp, &t);
    uint32_t t0 = conn_now();
    mqtts_err e = t.connect(t.ctx, o->host, o->port, STEP_TIMEOUT_MS);
    uint32_t ms = conn_now() - t0;
    if (e == MQTTS_OK) {
        (void)snprintf(what, sizeof what, "connected to %s", tcp.peer);
        t.close(t.ctx);
        step_head(d, "TCP", true, ms, what);
        return EXIT_OK;
    }
    (void)snprintf(what, sizeof what, "port %u of %s: %s", (unsigned)o->port, o->host,
                   e == MQTTS_ERR_CONNECT_REFUSED ? "connection refused: the port is closed"
                                                  : mqtts_strerror(e));
    step_head(d, "TCP", false, ms, what);
    switch (e) {
    case MQTTS_ERR_CONNECT_REFUSED:
        next_step("the port is closed: is the broker running? is it listening on this "
                  "address (mosquitto 2 listens on localhost only unless a listener is "
                  "configured)? is the port right: 1883 for plain MQTT, 8883 for TLS?");
        return EXIT_CONN;
    case MQTTS_ERR_TIMEOUT:
        next_step("no answer at all: a firewall that drops the packets, or a wrong "
                  "address; check the port is open on the broker's host");
        return EXIT_TIMEOUT;
    case MQTTS_ERR_UNREACHABLE:
        next_step("no route to that address: check the network and the address");
        return EXIT_CONN;
    default:
        next_step("check the network between here and the broker");
        return EXIT_CONN;
    }
}

/* ---------------------------------------------------------------------- */
/* 3. TLS */

#ifdef MQTTS_TOOL_TLS
static void chain_summary(const tool_opts *o)
{
    mbedtls_x509_crt chain;
    char err[X509_ERR_MAX];
    int code = 0;

    mbedtls_x509_crt_init(&chain);
    if (x509_fetch_chain(&chain, o->host, o->port, NULL, STEP_TIMEOUT_MS, err, sizeof err,
                         &code) != 0) {
        say("       chain: not read (%s)\n", err);
    } else {
        size_t i = 0, n = x509_count(&chain);
        say("       the server sent %zu certificate%s:\n", n, n == 1 ? "" : "s");
        for (const mbedtls_x509_crt *c = &chain; c && c->raw.p; c = c->next, i++) {
            char name[X509_DN_MAX], to[16];
            x509_short_name(c, name, sizeof name);
            x509_day(&c->valid_to, to, sizeof to);
            say("         [%zu] %-12s %s (until %s)\n", i + 1,
                x509_role_name(x509_role_of(c, i, true)), name, to);
        }
    }
    mbedtls_x509_crt_free(&chain);
}

static const char *tls_advice(mqtts_err e)
{
    switch (e) {
    case MQTTS_ERR_TLS_NOT_TLS:
        return "this port does not speak TLS: use mqtt:// for it, or the broker's TLS port "
               "(usually 8883)";
    case MQTTS_ERR_TLS_UNTRUSTED:
        return "give the CA that issued this chain with --cafile; `mqtts cert fetch "
               "HOST:PORT` finds the root and writes it";
    case MQTTS_ERR_TLS_NAME_MISMATCH:
        return "connect with a name the certificate lists";
    case MQTTS_ERR_TLS_EXPIRED:
    case MQTTS_ERR_TLS_NOT_YET_VALID:
        return "if this machine's clock is right, the broker's certificate must be renewed";
    case MQTTS_ERR_TLS_CA_FILE:
        return "fix the --cafile/--capath path or file";
    case MQTTS_ERR_TLS_CLIENT_CERT_REQUIRED:
    case MQTTS_ERR_TLS_CLIENT_CERT_REJECTED:
        return "the broker wants a client certificate it trusts: --cert and --key";
    default:
        return "read the detail above; the broker's log says more";
    }
}

static int step_tls(doctor *d)
{
    const tool_opts *o = &d->o;
    mqtts_tls_config tc;
    x509_verdict v;
    char what[512];

    memset(&tc, 0, sizeof tc);
    tc.ca_file = o->cafile;
    tc.ca_dir = o->capath;
    tc.cert_file = o->cert;
    tc.key_file = o->key;
    tc.key_password = getenv("MQTTS_KEY_PASSWORD");
    tc.insecure = o->insecure;
    uint32_t t0 = conn_now();
    mqtts_err e = x509_verify_server(&tc, o->host, o->port, STEP_TIMEOUT_MS, &v);
    uint32_t ms = conn_now() - t0;
    if (e == MQTTS_OK) {
        (void)snprintf(what, sizeof what, "%s with %s (%s, %s)",
                       o->insecure ? "encrypted but NOT verified (--insecure)" : "verified",
                       o->host, v.version, v.cipher);
        step_head(d, "TLS", true, ms, what);
    } else {
        (void)snprintf(what, sizeof what, "%s", mqtts_strerror(e));
        step_head(d, "TLS", false, ms, what);
        if (v.detail[0])
            say("       %s\n", v.detail);
    }
    if (v.trust[0])
        say("       trusting %s\n", v.trust);
    if (e != MQTTS_ERR_TLS_NOT_TLS && e != MQTTS_ERR_TLS_CA_FILE && exit_for(e) != EXIT_CONN)
        chain_summary(o);
    if (e != MQTTS_OK) {
        next_step(tls_advice(e));
        return exit_for(e);
    }
    return EXIT_OK;
}
#endif

/* ---------------------------------------------------------------------- */
/* 4. MQTT */

static const char *who(const tool_opts *o, char *buf, size_t cap)
{
    static const char *const from[] = {"", "the config file", "MQTTS_USERNAME", "--profile",
                                       "-u"};
    if (o->username == NULL)
        return "anonymously";
    (void)snprintf(buf, cap, "as user '%s' (from %s)%s", o->username, from[o->prio[OPT_USERNAME]],
                   o->password ? " with a password" : "");
    return buf;
}

static const char *refusal_advice(const tool_opts *o, uint8_t r)
{
    bool v5 = o->version == MQTTS_V5;
    if ((v5 && r == MQTTS_RC_BAD_USER_NAME_OR_PASSWORD) ||
        (!v5 && r == MQTTS_V311_CONNACK_BAD_USERNAME_OR_PASSWORD))
        return "check the user name and password: -u/-P, MQTTS_USERNAME/MQTTS_PASSWORD or the "
               "--profile section of the config file";
    if ((v5 && r == MQTTS_RC_NOT_AUTHORIZED) || (!v5 && r == MQTTS_V311_CONNACK_NOT_AUTHORIZED))
        return "the broker does not let this client in (mosquitto also says so for a wrong "
               "password): check -u/-P, MQTTS_USERNAME/MQTTS_PASSWORD or the --profile "
               "section, or whether it wants a client certificate";
    if ((v5 && r == MQTTS_RC_UNSUPPORTED_PROTOCOL_VERSION) ||
        (!v5 && r == MQTTS_V311_CONNACK_BAD_PROTOCOL_VERSION))
        return "try the other MQTT version (-V 311 or -V 5)";
    if ((v5 && r == MQTTS_RC_CLIENT_IDENTIFIER_NOT_VALID) ||
        (!v5 && r == MQTTS_V311_CONNACK_IDENTIFIER_REJECTED))
        return "give another client identifier (-i)";
    return "read the reason above; the broker's log says more";
}

static int mqtt_failed(doctor *d, tool_conn *c, mqtts_err e, uint32_t ms, const char *creds)
{
    const tool_opts *o = &d->o;
    char what[512];

    if (e == MQTTS_ERR_REFUSED || c->refused) {
        uint8_t r = c->refused_reason;
        if (o->version == MQTTS_V5)
            (void)snprintf(what, sizeof what, "CONNACK: %s (reason code 0x%02X), %s",
                           mqtts_reason_name(o->version, MQTTS_CONNACK, r), r, creds);
        else
            (void)snprintf(what, sizeof what, "CONNACK: %s (return code %u), %s",
                           mqtts_reason_name(o->version, MQTTS_CONNACK, r), r, creds);
        step_head(d, "MQTT", false, ms, what);
        next_step(refusal_advice(o, r));
        return EXIT_REFUSED;
    }
    step_head(d, "MQTT", false, ms, mqtts_strerror(e));
    switch (e) {
    case MQTTS_ERR_TLS_REQUIRED:
        next_step("this port wants TLS: use mqtts:// (usually port 8883)");
        return EXIT_CONN;
    case MQTTS_ERR_TIMEOUT:
        next_step("no CONNACK in time: is this an MQTT port? is the broker overloaded?");
        return EXIT_TIMEOUT;
    default:
        next_step("the broker closed the connection: its log says why");
        return exit_for(e);
    }
}

static int step_mqtt(doctor *d)
{
    const tool_opts *o = &d->o;
    tool_conn c;
    conn_params p;
    char creds[256], what[512];
    int rc;

    memset(&p, 0, sizeof p);
    p.rx_size = 64u * 1024u;
    p.store_size = 16u * 1024u;
    p.slots = 16;
    const char *as = who(o, creds, sizeof creds);
    bool quiet = tool_quiet;
    tool_quiet = true; /* the step says what went wrong itself */
    rc = conn_init(&c, o, &p);
    tool_quiet = quiet;
    if (rc != EXIT_OK) {
        step_head(d, "MQTT", false, 0, "cannot set up the client");
        conn_free(&c);
        return rc;
    }
    uint32_t t0 = conn_now();
    mqtts_err e = mqtts_client_connect_wait(&c.client, MQTT_TIMEOUT_MS);
    uint32_t ms = conn_now() - t0;
    if (e == MQTTS_OK) {
        (void)snprintf(what, sizeof what, "CONNACK: %s, %s (MQTT %s, a new connection)",
                       mqtts_reason_name(o->version, MQTTS_CONNACK, 0), as,
                       o->version == MQTTS_V5 ? "5" : "3.1.1");
        step_head(d, "MQTT", true, ms, what);
        conn_close(&c, 1000);
        rc = EXIT_OK;
    } else {
        rc = mqtt_failed(d, &c, e, ms, as);
    }
    conn_free(&c);
    return rc;
}

/* ---------------------------------------------------------------------- */

static int run(doctor *d)
{
    const tool_opts *o = &d->o;
    int rc;

    d->steps = 4;
    say("mqtts doctor: %s port %u, %s, MQTT %s\n\n", o->host, (unsigned)o->port,
        o->tls ? "TLS" : "plain (not encrypted)", o->version == MQTTS_V5 ? "5" : "3.1.1");
    if ((rc = step_dns(d)) != EXIT_OK || (rc = step_tcp(d)) != EXIT_OK)
        goto verdict;
#ifdef MQTTS_TOOL_TLS
    if (o->tls && (rc = step_tls(d)) != EXIT_OK)
        goto verdict;
#endif
    if (!o->tls) {
        d->step++;
        say("[%d/%d] TLS   skipped           plain MQTT: nothing is encrypted (mqtts:// and "
            "port 8883 for TLS)\n",
            d->step, d->steps);
    }
    rc = step_mqtt(d);
verdict:
    if (rc == EXIT_OK)
        say("\nVerdict: OK, a client can connect to %s port %u.\n", o->host, (unsigned)o->port);
    else
        say("\nVerdict: step %d failed (exit status %d).\n", d->step, rc);
    return rc;
}

int cmd_doctor(int argc, char **argv)
{
    doctor d;
    const char *url = NULL;

    memset(&d, 0, sizeof d);
    tool_opts *o = &d.o;
    o->cmd_name = "doctor";
    o->scheme = -1;
    o->version = MQTTS_V311;
    o->keepalive = 60;
    o->repeat = 1;
    o->host = "localhost";
    int rc = parse(&d, argc, argv, &url);
    if (rc == -1) {
        fputs(usage_text, stdout);
        exit_codes_help(stdout);
        opts_free(o);
        return EXIT_OK;
    }
    if (rc == EXIT_OK)
        rc = apply_target(&d, url);
    if (rc == EXIT_OK)
        rc = config_load(o);
    if (rc == EXIT_OK)
        rc = finish(&d);
    if (rc == EXIT_OK)
        rc = run(&d);
    opts_free(o);
    return rc;
}
