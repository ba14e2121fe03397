/*
 * test_cert - the built `mqtts cert` and `mqtts doctor` against Debian's
 * mosquitto on 127.0.0.1, with the PKI tests/tls/make-pki.sh makes at the
 * start of the run. One executable, one group per argument:
 *
 *   cert    fetch (the chain sent, the root found in --cafile although the
 *           server does not send it, PEM/DER/C header byte for byte against
 *           openssl's), show (PEM and DER, one and many), embed, check (good,
 *           expired, wrong name, untrusted, closed port)
 *   doctor  a plain listener (every step ok), a closed port (TCP fails with
 *           advice), a TLS port with the wrong CA (TLS fails), a bad
 *           password (MQTT fails with the CONNACK's reason), credentials
 *           from the environment, TLS verified end to end
 *
 * Listeners: the broker's plain port, then extra ports 1: good-chain (leaf +
 * intermediate), 2: expired-chain, 3: wronghost-chain.
 */
#define _GNU_SOURCE

#include <arpa/inet.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "broker.h"
#include "run.h"
#include "toolkit.h"

static const char *const T = MQTTS_TOOL_PATH;

#define RUN_TIMEOUT 30000

static char g_dir[256];
static char g_pki[300];
static broker g_b;
static char g_plain[8], g_good[8], g_expired[8], g_wronghost[8];

/* ---------------------------------------------------------------------- */
/* Helpers. */

static int tool(proc *p, const char *const *argv)
{
    return run(p, argv, NULL, NULL, RUN_TIMEOUT);
}

static const char *pki(const char *name)
{
    return path_join(g_pki, name);
}

static const char *tmp(const char *name)
{
    return path_join(g_dir, name);
}

/* The whole of a file (NUL-terminated; length in *len). */
static char *slurp(const char *path, size_t *len)
{
    FILE *f = fopen(path, "rb");
    char *buf = NULL;
    long n;
    assert_non_null(f);
    assert_int_equal(fseek(f, 0, SEEK_END), 0);
    n = ftell(f);
    assert_true(n >= 0);
    rewind(f);
    buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    *len = (size_t)n;
    return buf;
}

static void same_file(const char *a, const char *b)
{
    size_t la, lb;
    char *x = slurp(a, &la), *y = slurp(b, &lb);
    if (la != lb || memcmp(x, y, la) != 0)
        fail_msg("%s (%zu bytes) and %s (%zu bytes) differ", a, la, b, lb);
    free(x);
    free(y);
}

/* Runs a shell command (openssl, the compiler); its stdout into out. */
static void sh(char *out, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static void sh(char *out, size_t cap, const char *fmt, ...)
{
    char cmd[2048];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(cmd, sizeof cmd, fmt, ap);
    va_end(ap);
    proc p;
    int rc = run(&p, ARGV("sh", "-c", cmd), NULL, NULL, 60000);
    if (rc != 0) {
        proc_show(&p, NULL);
        fail_msg("`%s` failed (%d)", cmd, rc);
    }
    if (out) {
        snprintf(out, cap, "%s", p.buf[0]);
        out[strcspn(out, "\n")] = '\0';
    }
    proc_free(&p);
}

/* Compiles a program that includes header and writes the array NAME
 * (NAME_len bytes) to standard output, runs it into out_path. */
static void header_bytes(const char *header, const char *name, const char *out_path)
{
    char src[600], exe[600];
    snprintf(src, sizeof src, "%s.c", out_path);
    snprintf(exe, sizeof exe, "%s.bin", out_path);
    FILE *f = fopen(src, "w");
    assert_non_null(f);
    fprintf(f, "#include <stdio.h>\n#include \"%s\"\n"
               "int main(void) { return fwrite(%s, 1, %s_len, stdout) == %s_len ? 0 : 1; }\n",
            header, name, name, name);
    fclose(f);
    sh(NULL, 0, "'%s' -std=c11 -Wall -Werror -o '%s' '%s' && '%s' > '%s'", MQTTS_TEST_CC, exe, src,
       exe, out_path);
}

static const char *target(const char *port)
{
    static char buf[4][32];
    static int next;
    char *p = buf[next++ % 4];
    snprintf(p, sizeof buf[0], "127.0.0.1:%s", port);
    return p;
}

/* `mqtts pub` to the good-chain TLS listener, verifying it with cafile
 * only (the name checked is 127.0.0.1): exit status 0. */
static void pub_with_cafile(const char *cafile)
{
    proc p;
    EXPECT_RC(&p, tool(&p, ARGV(T, "pub", "-h", "127.0.0.1", "-p", g_good, "--cafile", cafile,
                                "-t", "mqtts/test/cert", "-m", "hello")),
              0);
    proc_free(&p);
}

/* ---------------------------------------------------------------------- */
/* Set-up: the PKI and one broker for the group. */

static const broker_user users[] = {{"alice", "wonderland"}};

static int setup(void **state)
{
    (void)state;
    if (temp_dir_make(g_dir, sizeof g_dir, "cert") != 0 ||
        make_pki(g_pki, sizeof g_pki, g_dir, MQTTS_TOOL_PKI_SCRIPT) != 0)
        return -1;
    char conf[4096];
    snprintf(conf, sizeof conf,
             "listener @PORT1@ 127.0.0.1\ncertfile %s/good-chain.pem\nkeyfile %s/good.key\n"
             "listener @PORT2@ 127.0.0.1\ncertfile %s/expired-chain.pem\nkeyfile %s/expired.key\n"
             "listener @PORT3@ 127.0.0.1\ncertfile %s/wronghost-chain.pem\n"
             "keyfile %s/wronghost.key\n",
             g_pki, g_pki, g_pki, g_pki, g_pki, g_pki);
    broker_options o = BROKER_OPTIONS_INIT;
    o.users = users;
    o.user_count = 1;
    o.anonymous_too = true;
    o.extra_ports = 3;
    o.extra_config = conf;
    if (broker_start_or_say(&g_b, &o) != 0)
        return -1;
    snprintf(g_plain, sizeof g_plain, "%u", g_b.port);
    snprintf(g_good, sizeof g_good, "%u", g_b.extra_port[0]);
    snprintf(g_expired, sizeof g_expired, "%u", g_b.extra_port[1]);
    snprintf(g_wronghost, sizeof g_wronghost, "%u", g_b.extra_port[2]);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    broker_stop(&g_b);
    temp_dir_remove(g_dir);
    return 0;
}

/* ====================================================================== */
/* cert */

static void test_fetch_finds_root(void **state)
{
    (void)state;
    proc p;
    char fp[256], inter_end[64], expect[512];

    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "fetch", target(g_good), "--cafile", pki("root.pem"),
                                "-o", tmp("root-out.pem"))),
              0);
    /* The server sends leaf + intermediate, not the root. */
    EXPECT_HAS(&p, PROC_OUT, "sent 2 certificates:");
    EXPECT_HAS(&p, PROC_OUT, "[1] leaf\n    subject:  CN=localhost\n");
    EXPECT_HAS(&p, PROC_OUT, "[2] intermediate\n    subject:  O=mqtts tests, CN=mqtts Test "
                             "Intermediate CA\n");
    EXPECT_LACKS(&p, PROC_OUT, "[3]");
    EXPECT_HAS(&p, PROC_OUT, "key:      EC 256 bits");
    /* The root comes from --cafile, with its fingerprint as openssl has it. */
    EXPECT_HAS(&p, PROC_OUT, "(the server does not send it; found in --cafile ");
    EXPECT_HAS(&p, PROC_OUT, "[root]\n    subject:  O=mqtts tests, CN=mqtts Test Root CA\n");
    EXPECT_HAS(&p, PROC_OUT, "key:      RSA 2048 bits");
    sh(fp, sizeof fp, "openssl x509 -in '%s' -noout -fingerprint -sha256 | sed 's/^.*=//'",
       pki("root.pem"));
    snprintf(expect, sizeof expect, "SHA-256:  %s\n", fp);
    EXPECT_HAS(&p, PROC_OUT, expect);
    /* Why the root, with the intermediate's expiry date. */
    sh(inter_end, sizeof inter_end,
       "openssl x509 -in '%s' -noout -enddate -dateopt iso_8601 | sed 's/^notAfter=//' | cut -c1-10",
       pki("inter.pem"));
    snprintf(expect, sizeof expect,
             "The intermediate, \"mqtts Test Intermediate CA\", expires on %s", inter_end);
    EXPECT_HAS(&p, PROC_OUT, expect);
    EXPECT_HAS(&p, PROC_OUT, "Why the root:");
    EXPECT_HAS(&p, PROC_OUT, "CAs rotate their");
    proc_free(&p);
    /* The PEM written is openssl's, byte for byte. */
    same_file(tmp("root-out.pem"), pki("root.pem"));
    /* And it does what it is for: pub verifies the broker with it. */
    pub_with_cafile(tmp("root-out.pem"));

    /* DER: as `openssl x509 -outform DER` writes it. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "fetch", target(g_good), "--cafile", pki("root.pem"),
                                "--der", "-o", tmp("root-out.der"))),
              0);
    EXPECT_HAS(&p, PROC_OUT, "Wrote the root to");
    proc_free(&p);
    same_file(tmp("root-out.der"), pki("root.der"));
    pub_with_cafile(tmp("root-out.der"));

    /* C header: it compiles, its bytes are the DER, its comment says what it is. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "fetch", target(g_good), "--cafile", pki("root.pem"),
                                "--c-header", "broker_root", "-o", tmp("broker_root.h"))),
              0);
    proc_free(&p);
    header_bytes(tmp("broker_root.h"), "broker_root", tmp("header.der"));
    same_file(tmp("header.der"), pki("root.der"));
    size_t len;
    char *h = slurp(tmp("broker_root.h"), &len);
    char end[64];
    sh(end, sizeof end,
       "openssl x509 -in '%s' -noout -enddate -dateopt iso_8601 | sed 's/^notAfter=//' | cut -c1-10",
       pki("root.pem"));
    snprintf(expect, sizeof expect, "SHA-256: %s", fp);
    assert_non_null(strstr(h, expect));
    snprintf(expect, sizeof expect, "expires: %s", end);
    assert_non_null(strstr(h, expect));
    assert_non_null(strstr(h, "subject: O=mqtts tests, CN=mqtts Test Root CA"));
    free(h);

    /* Without -o, the PEM ends the output. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "fetch", target(g_good), "--cafile", pki("root.pem"))),
              0);
    h = slurp(pki("root.pem"), &len);
    size_t out_len = strlen(p.buf[0]);
    assert_true(out_len > len);
    assert_memory_equal(p.buf[0] + out_len - len, h, len);
    free(h);
    proc_free(&p);
}

static void test_fetch_errors(void **state)
{
    (void)state;
    proc p;
    /* No --cafile: the test root is in no store, and it is said so. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "fetch", target(g_good))), 5);
    EXPECT_HAS(&p, PROC_OUT, "sent 2 certificates:");
    EXPECT_HAS(&p, PROC_ERR, "no root found for the chain");
    EXPECT_HAS(&p, PROC_ERR, "CN=mqtts Test Root CA");
    proc_free(&p);
    /* The wrong --cafile: not the root either. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "fetch", target(g_good), "--cafile",
                                pki("other-root.pem"))),
              5);
    EXPECT_HAS(&p, PROC_ERR, "no root found for the chain");
    proc_free(&p);
    /* Nothing listening. */
    char port[8];
    snprintf(port, sizeof port, "%u", free_port());
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "fetch", target(port))), 1);
    EXPECT_HAS(&p, PROC_ERR, "cannot connect to 127.0.0.1 port");
    proc_free(&p);
    /* Usage. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "fetch", target(g_good), "--der")), 2);
    EXPECT_HAS(&p, PROC_ERR, "--der needs -o FILE");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "fetch", target(g_good), "--c-header", "1bad")), 2);
    EXPECT_HAS(&p, PROC_ERR, "'1bad' is not a C identifier");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "show", pki("root.pem"), "--servername", "x")), 2);
    EXPECT_HAS(&p, PROC_ERR, "option '--servername' is not valid for 'mqtts cert show'");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "frob")), 2);
    EXPECT_HAS(&p, PROC_ERR, "unknown cert command 'frob'");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, ARGV(T, "help", "cert")), 0);
    EXPECT_HAS(&p, PROC_OUT, "mqtts cert fetch HOST[:PORT]");
    proc_free(&p);
}

static void test_show(void **state)
{
    (void)state;
    proc p;
    /* PEM, two certificates. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "show", pki("good-chain.pem"))), 0);
    EXPECT_HAS(&p, PROC_OUT, "holds 2 certificates:");
    EXPECT_HAS(&p, PROC_OUT, "[1] leaf\n    subject:  CN=localhost\n");
    EXPECT_HAS(&p, PROC_OUT, "[2] intermediate (CA)\n");
    proc_free(&p);
    /* DER, one: the root, self-signed. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "show", pki("root.der"))), 0);
    EXPECT_HAS(&p, PROC_OUT, "holds 1 certificate:");
    EXPECT_HAS(&p, PROC_OUT, "[1] root (CA)\n");
    EXPECT_HAS(&p, PROC_OUT, "(self-signed)");
    proc_free(&p);
    /* DER, several back to back. */
    sh(NULL, 0, "openssl x509 -in '%s' -outform DER > '%s' && cat '%s' '%s' > '%s'",
       pki("inter.pem"), tmp("inter.der"), tmp("inter.der"), pki("root.der"), tmp("bundle.der"));
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "show", tmp("bundle.der"))), 0);
    EXPECT_HAS(&p, PROC_OUT, "holds 2 certificates:");
    EXPECT_HAS(&p, PROC_OUT, "[1] intermediate (CA)\n");
    EXPECT_HAS(&p, PROC_OUT, "[2] root (CA)\n");
    proc_free(&p);
    /* An expired certificate says so. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "show", pki("expired.pem"))), 0);
    EXPECT_HAS(&p, PROC_OUT, "valid:    2020-01-01 to 2021-01-01 (EXPIRED");
    proc_free(&p);
    /* Not a certificate. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "show", pki("good.key"))), 2);
    EXPECT_HAS(&p, PROC_ERR, "no certificate mbedTLS can read");
    proc_free(&p);
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "show", pki("missing.pem"))), 2);
    EXPECT_HAS(&p, PROC_ERR, "cannot read");
    proc_free(&p);
}

static void test_embed(void **state)
{
    (void)state;
    proc p;
    /* One certificate: its DER; the name from -o. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "embed", pki("root.pem"), "-o", tmp("ca.h"))), 0);
    EXPECT_HAS(&p, PROC_OUT, "as ca[] and ca_len");
    proc_free(&p);
    header_bytes(tmp("ca.h"), "ca", tmp("ca.der"));
    same_file(tmp("ca.der"), pki("root.der"));
    /* Several: their PEM text, NUL-terminated, with --name. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "embed", pki("good-chain.pem"), "-o", tmp("chain.h"),
                                "--name", "broker_chain")),
              0);
    proc_free(&p);
    header_bytes(tmp("chain.h"), "broker_chain", tmp("chain.out"));
    size_t a, b;
    char *got = slurp(tmp("chain.out"), &a), *want = slurp(pki("good-chain.pem"), &b);
    assert_int_equal(a, b + 1); /* the NUL */
    assert_memory_equal(got, want, b);
    assert_int_equal(got[b], '\0');
    free(got);
    free(want);
}

static void test_check(void **state)
{
    (void)state;
    proc p;
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "check", target(g_good), "--cafile", pki("root.pem"))),
              0);
    EXPECT_HAS(&p, PROC_OUT, "OK: 127.0.0.1 port");
    EXPECT_HAS(&p, PROC_OUT, "is verified for the name 127.0.0.1");
    proc_free(&p);
    /* Expired (the name is right: localhost). */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "check", target(g_expired), "--cafile", pki("root.pem"),
                                "--servername", "localhost")),
              5);
    EXPECT_HAS(&p, PROC_OUT, "FAILED: 127.0.0.1 port");
    EXPECT_HAS(&p, PROC_OUT, "TLS: certificate expired");
    EXPECT_HAS(&p, PROC_OUT, "expired on 2021-01-01");
    proc_free(&p);
    /* Wrong name. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "check", target(g_wronghost), "--cafile",
                                pki("root.pem"), "--servername", "localhost")),
              5);
    EXPECT_HAS(&p, PROC_OUT, "TLS: certificate is for another name");
    EXPECT_HAS(&p, PROC_OUT, "DNS:wrong.example");
    proc_free(&p);
    /* Untrusted: another CA. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "check", target(g_good), "--cafile",
                                pki("other-root.pem"))),
              5);
    EXPECT_HAS(&p, PROC_OUT, "TLS: server certificate not trusted");
    EXPECT_HAS(&p, PROC_OUT, "CN=mqtts Test Root CA");
    proc_free(&p);
    /* A plain port: not TLS. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "check", target(g_plain), "--cafile", pki("root.pem"))),
              5);
    EXPECT_HAS(&p, PROC_OUT, "TLS: server does not speak TLS");
    proc_free(&p);
    /* Nothing listening: a connection error, not a TLS one. */
    char port[8];
    snprintf(port, sizeof port, "%u", free_port());
    EXPECT_RC(&p, tool(&p, ARGV(T, "cert", "check", target(port))), 1);
    proc_free(&p);
}

/* ====================================================================== */
/* doctor */

static void test_doctor_plain_ok(void **state)
{
    (void)state;
    proc p;
    char url[64];
    snprintf(url, sizeof url, "mqtt://127.0.0.1:%s", g_plain);
    EXPECT_RC(&p, tool(&p, ARGV(T, "doctor", url)), 0);
    EXPECT_HAS(&p, PROC_OUT, "[1/4] DNS   ok");
    EXPECT_HAS(&p, PROC_OUT, "127.0.0.1 resolves to 127.0.0.1");
    EXPECT_HAS(&p, PROC_OUT, "[2/4] TCP   ok");
    EXPECT_HAS(&p, PROC_OUT, "[3/4] TLS   skipped");
    EXPECT_HAS(&p, PROC_OUT, "[4/4] MQTT  ok");
    EXPECT_HAS(&p, PROC_OUT, "CONNACK: Connection Accepted, anonymously");
    EXPECT_HAS(&p, PROC_OUT, "Verdict: OK");
    EXPECT_LACKS(&p, PROC_OUT, "FAILED");
    assert_int_equal(count_of(p.buf[0], " ms  "), 3);
    proc_free(&p);
    /* HOST:PORT works as well, with credentials that are right. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "doctor", target(g_plain), "-u", "alice", "-P", "wonderland")),
              0);
    EXPECT_HAS(&p, PROC_OUT, "as user 'alice' (from -u) with a password");
    EXPECT_LACKS(&p, PROC_OUT, "wonderland");
    proc_free(&p);
}

static void test_doctor_closed_port(void **state)
{
    (void)state;
    proc p;
    char port[8];
    snprintf(port, sizeof port, "%u", free_port());
    EXPECT_RC(&p, tool(&p, ARGV(T, "doctor", target(port))), 1);
    EXPECT_HAS(&p, PROC_OUT, "[1/4] DNS   ok");
    EXPECT_HAS(&p, PROC_OUT, "[2/4] TCP   FAILED");
    EXPECT_HAS(&p, PROC_OUT, "the port is closed: is the broker running?");
    EXPECT_HAS(&p, PROC_OUT, "8883 for TLS");
    EXPECT_LACKS(&p, PROC_OUT, "[3/4]");
    EXPECT_HAS(&p, PROC_OUT, "Verdict: step 2 failed");
    proc_free(&p);
}

static void test_doctor_tls(void **state)
{
    (void)state;
    proc p;
    char url[64];
    snprintf(url, sizeof url, "mqtts://127.0.0.1:%s", g_good);
    /* The wrong CA: the TLS step fails, with the chain and the advice. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "doctor", url, "--cafile", pki("other-root.pem"))), 5);
    EXPECT_HAS(&p, PROC_OUT, "[2/4] TCP   ok");
    EXPECT_HAS(&p, PROC_OUT, "[3/4] TLS   FAILED");
    EXPECT_HAS(&p, PROC_OUT, "TLS: server certificate not trusted");
    EXPECT_HAS(&p, PROC_OUT, "the server sent 2 certificates:");
    EXPECT_HAS(&p, PROC_OUT, "mqtts cert fetch");
    EXPECT_LACKS(&p, PROC_OUT, "[4/4]");
    proc_free(&p);
    /* The right CA: every step. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "doctor", url, "--cafile", pki("root.pem"))), 0);
    EXPECT_HAS(&p, PROC_OUT, "[3/4] TLS   ok");
    EXPECT_HAS(&p, PROC_OUT, "verified with 127.0.0.1");
    EXPECT_HAS(&p, PROC_OUT, "[4/4] MQTT  ok");
    proc_free(&p);
    /* TLS to the plain port. */
    snprintf(url, sizeof url, "mqtts://127.0.0.1:%s", g_plain);
    EXPECT_RC(&p, tool(&p, ARGV(T, "doctor", url, "--cafile", pki("root.pem"))), 5);
    EXPECT_HAS(&p, PROC_OUT, "TLS: server does not speak TLS");
    EXPECT_HAS(&p, PROC_OUT, "use mqtt:// for it");
    proc_free(&p);
}

static void test_doctor_bad_password(void **state)
{
    (void)state;
    proc p;
    char url[64];
    snprintf(url, sizeof url, "mqtt://127.0.0.1:%s", g_plain);
    EXPECT_RC(&p, tool(&p, ARGV(T, "doctor", url, "-u", "alice", "-P", "Sekr1tWrong")), 3);
    EXPECT_HAS(&p, PROC_OUT, "[4/4] MQTT  FAILED");
    /* mosquitto says "not authorized" for a wrong password too. */
    EXPECT_HAS(&p, PROC_OUT, "CONNACK: Connection Refused, not authorized (return code 5), as "
                             "user 'alice' (from -u) with a password");
    EXPECT_HAS(&p, PROC_OUT, "MQTTS_USERNAME/MQTTS_PASSWORD");
    EXPECT_LACKS(&p, PROC_OUT, "Sekr1tWrong");
    EXPECT_LACKS(&p, PROC_ERR, "Sekr1tWrong");
    proc_free(&p);
    /* The same in MQTT 5: the v5 reason name. */
    EXPECT_RC(&p, tool(&p, ARGV(T, "doctor", url, "-V", "5", "-u", "alice", "-P", "nope")), 3);
    EXPECT_HAS(&p, PROC_OUT, "CONNACK: Not authorized (reason code 0x87)");
    proc_free(&p);
    /* Credentials from the environment. */
    EXPECT_RC(&p, run(&p, ARGV(T, "doctor", url),
                      NULL, ARGV("MQTTS_USERNAME=alice", "MQTTS_PASSWORD=wonderland"), RUN_TIMEOUT),
              0);
    EXPECT_HAS(&p, PROC_OUT, "as user 'alice' (from MQTTS_USERNAME)");
    proc_free(&p);
    EXPECT_RC(&p, run(&p, ARGV(T, "doctor", url),
                      NULL, ARGV("MQTTS_USERNAME=alice", "MQTTS_PASSWORD=bad"), RUN_TIMEOUT),
              3);
    EXPECT_HAS(&p, PROC_OUT, "[4/4] MQTT  FAILED");
    EXPECT_HAS(&p, PROC_OUT, "not authorized (return code 5), as user 'alice' (from MQTTS_USERNAME)");
    proc_free(&p);
}

/* ====================================================================== */

int main(int argc, char **argv)
{
    const struct CMUnitTest cert[] = {
        cmocka_unit_test(test_fetch_finds_root), cmocka_unit_test(test_fetch_errors),
        cmocka_unit_test(test_show),             cmocka_unit_test(test_embed),
        cmocka_unit_test(test_check),
    };
    const struct CMUnitTest doctor[] = {
        cmocka_unit_test(test_doctor_plain_ok),
        cmocka_unit_test(test_doctor_closed_port),
        cmocka_unit_test(test_doctor_tls),
        cmocka_unit_test(test_doctor_bad_password),
    };
    const char *group = argc > 1 ? argv[1] : "";
    if (strcmp(group, "cert") == 0)
        return cmocka_run_group_tests_name("cert", cert, setup, teardown);
    if (strcmp(group, "doctor") == 0)
        return cmocka_run_group_tests_name("doctor", doctor, setup, teardown);
    fprintf(stderr, "usage: test_cert cert|doctor\n");
    return 2;
}
