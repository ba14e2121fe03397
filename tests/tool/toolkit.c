/* toolkit.c - helpers the tool tests share (toolkit.h). */
#define _GNU_SOURCE

#include "toolkit.h"
#include "testfs.h"

#include <arpa/inet.h>
#include <ftw.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

void proc_show(const proc *p, const char *what)
{
    const char *w = what ? what : "";
    const char *sp = what ? " " : "";
    print_message("--- %s%sstdout:\n%s\n--- %s%sstderr:\n%s\n---\n", w, sp, p->buf[0], w, sp,
                  p->buf[1]);
}

uint16_t free_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    socklen_t len = sizeof a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_true(fd >= 0);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

const char *path_join(const char *dir, const char *name)
{
    static char paths[16][512];
    static int next;
    char *p = paths[next++ % 16];
    snprintf(p, sizeof paths[0], "%s/%s", dir, name);
    return p;
}

int temp_dir_make(char *dir, size_t cap, const char *name)
{
    const char *base = getenv("TMPDIR");
    snprintf(dir, cap, "%s/mqtts-%s-XXXXXX", base && *base ? base : "/tmp", name);
    if (!mkdtemp(dir))
        return -1;
    char home[600];
    snprintf(home, sizeof home, "%s/empty-config", dir);
    mkdir(home, 0700);
    run_set_config_home(home);
    return 0;
}

void temp_dir_remove(char *dir)
{
    test_dir_remove(dir);
    dir[0] = '\0';
}

int make_pki(char *pki, size_t cap, const char *dir, const char *script)
{
    snprintf(pki, cap, "%s/pki", dir);
    return test_pki_make(script, pki);
}
