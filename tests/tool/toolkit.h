/*
 * toolkit.h - what the tool tests (test_tool.c, test_rpc.c, test_cert.c,
 * test_device.c) share on top of run.h: showing a child's output when a
 * check fails, the EXPECT_* checks, a free loopback port, the run's temp
 * directory, paths in it and the test PKI (tests/tls/make-pki.sh).
 *
 * Include after <cmocka.h> (and its <setjmp.h>, <stdarg.h>, <stddef.h>).
 */
#ifndef MQTTS_TEST_TOOLKIT_H
#define MQTTS_TEST_TOOLKIT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "run.h"

/* Prints p's stdout and stderr, headed "what" (or nothing). */
void proc_show(const proc *p, const char *what);

#define EXPECT_RC(p, rc, want)                                                      \
    do {                                                                            \
        int rc_ = (rc);                                                             \
        if (rc_ != (want)) {                                                        \
            proc_show((p), NULL);                                                   \
            fail_msg("exit status %d, expected %d", rc_, (want));                  \
        }                                                                           \
    } while (0)

#define EXPECT_OUT(p, want)                                                         \
    do {                                                                            \
        if (strcmp((p)->buf[0], (want)) != 0) {                                     \
            proc_show((p), NULL);                                                   \
            fail_msg("stdout is not:\n%s", (want));                                 \
        }                                                                           \
    } while (0)

#define EXPECT_HAS(p, which, needle)                                                \
    do {                                                                            \
        if (strstr((p)->buf[which], (needle)) == NULL) {                            \
            proc_show((p), NULL);                                                   \
            fail_msg("%s lacks \"%s\"", (which) ? "stderr" : "stdout", (needle));   \
        }                                                                           \
    } while (0)

#define EXPECT_LACKS(p, which, needle)                                              \
    do {                                                                            \
        if (strstr((p)->buf[which], (needle)) != NULL) {                            \
            proc_show((p), NULL);                                                   \
            fail_msg("%s has \"%s\"", (which) ? "stderr" : "stdout", (needle));     \
        }                                                                           \
    } while (0)

/* A TCP port on 127.0.0.1 nobody listens on (now). */
uint16_t free_port(void);

/* "dir/name" in one of 16 rotating buffers (valid for the next 15 calls). */
const char *path_join(const char *dir, const char *name);

/* Makes the run's temp dir, $TMPDIR (or /tmp)/mqtts-NAME-XXXXXX, into
 * dir[cap], with an empty dir/empty-config that children get as their
 * XDG_CONFIG_HOME. 0, or -1. */
int temp_dir_make(char *dir, size_t cap, const char *name);
/* Removes it (unless MQTTS_TEST_KEEP_BROKER_DIR is set); dir becomes "". */
void temp_dir_remove(char *dir);

/* Makes the test PKI in dir/pki (written into pki[cap]) with `script`
 * (tests/tls/make-pki.sh). 0, or -1 with the reason on stderr. */
int make_pki(char *pki, size_t cap, const char *dir, const char *script);

#endif
