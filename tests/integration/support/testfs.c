/* testfs.c - see testfs.h. */
#define _XOPEN_SOURCE 700
#include "testfs.h"

#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

int test_pki_make(const char *script, const char *dir)
{
    pid_t pid = fork();
    if (pid == 0) {
        int null_fd = open("/dev/null", O_WRONLY);
        if (null_fd >= 0)
            dup2(null_fd, STDOUT_FILENO);
        execlp("bash", "bash", script, dir, (char *)NULL);
        _exit(127);
    }
    int status = 0;
    if (pid < 0 || waitpid(pid, &status, 0) != pid || !WIFEXITED(status) ||
        WEXITSTATUS(status) != 0) {
        fprintf(stderr, "make-pki.sh failed (status %d); see %s/openssl.log\n", status, dir);
        return -1;
    }
    return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

void test_dir_remove(const char *dir)
{
    if (dir[0] && !getenv("MQTTS_TEST_KEEP_BROKER_DIR"))
        nftw(dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
}
