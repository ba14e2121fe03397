/*
 * run.c - child processes with pipes (see run.h). posix_spawn keeps it
 * simple: no code runs between fork and exec.
 */
#define _GNU_SOURCE

#include "run.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

static char config_home[512] = "/nonexistent-mqtts-test-config";

void run_set_config_home(const char *dir)
{
    snprintf(config_home, sizeof config_home, "%s", dir);
}

static long now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static bool same_name(const char *a, const char *b)
{
    size_t n = strcspn(a, "=");
    return strncmp(a, b, n) == 0 && b[n] == '=';
}

/* environ without MQTTS_* and XDG_CONFIG_HOME, then ours, then env. */
static char **child_env(const char *const *env, char *xdg)
{
    size_t n = 0, extra = 0;
    while (environ[n])
        n++;
    while (env && env[extra])
        extra++;
    char **out = calloc(n + extra + 2, sizeof *out);
    size_t k = 0;
    if (!out)
        return NULL;
    for (size_t i = 0; i < n; i++) {
        if (strncmp(environ[i], "MQTTS_", 6) == 0 ||
            strncmp(environ[i], "XDG_CONFIG_HOME=", 16) == 0)
            continue;
        bool replaced = false;
        for (size_t j = 0; j < extra; j++)
            replaced |= same_name(env[j], environ[i]);
        if (!replaced)
            out[k++] = environ[i];
    }
    bool xdg_given = false;
    for (size_t j = 0; j < extra; j++) {
        xdg_given |= strncmp(env[j], "XDG_CONFIG_HOME=", 16) == 0;
        out[k++] = (char *)env[j];
    }
    if (!xdg_given)
        out[k++] = xdg;
    out[k] = NULL;
    return out;
}

static void append(proc *p, int i, const char *data, size_t n);

int proc_start(proc *p, const char *const *argv, const char *const *env, bool with_stdin)
{
    int in[2] = {-1, -1}, out[2], err[2];
    memset(p, 0, sizeof *p);
    p->in_fd = p->fd[0] = p->fd[1] = -1;
    p->status = -1;
    if (pipe2(out, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0)
        return -1;
    if (pipe2(in, O_CLOEXEC) != 0)
        return -1;
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_adddup2(&fa, in[0], 0);
    posix_spawn_file_actions_adddup2(&fa, out[1], 1);
    posix_spawn_file_actions_adddup2(&fa, err[1], 2);
    char xdg[600];
    snprintf(xdg, sizeof xdg, "XDG_CONFIG_HOME=%s", config_home);
    char **envp = child_env(env, xdg);
    int rc = posix_spawnp(&p->pid, argv[0], &fa, NULL, (char *const *)argv, envp);
    posix_spawn_file_actions_destroy(&fa);
    free(envp);
    close(in[0]);
    close(out[1]);
    close(err[1]);
    p->fd[0] = out[0];
    p->fd[1] = err[0];
    append(p, 0, "", 0); /* p->buf[] are strings from the start */
    append(p, 1, "", 0);
    p->in_fd = in[1];
    if (!with_stdin)
        proc_close_stdin(p);
    if (rc != 0) {
        p->pid = 0;
        return -1;
    }
    /* A child that stops reading must not kill the test with SIGPIPE. */
    signal(SIGPIPE, SIG_IGN);
    return 0;
}

void proc_write(proc *p, const char *text)
{
    size_t len = strlen(text);
    while (len > 0 && p->in_fd >= 0) {
        ssize_t n = write(p->in_fd, text, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0)
            return;
        text += n;
        len -= (size_t)n;
    }
}

void proc_close_stdin(proc *p)
{
    if (p->in_fd >= 0)
        close(p->in_fd);
    p->in_fd = -1;
}

static void append(proc *p, int i, const char *data, size_t n)
{
    if (p->cap[i] - p->len[i] < n + 1) {
        size_t cap = p->cap[i] ? p->cap[i] : 1024;
        while (cap - p->len[i] < n + 1)
            cap *= 2;
        char *b = realloc(p->buf[i], cap);
        if (!b)
            abort();
        p->buf[i] = b;
        p->cap[i] = cap;
    }
    memcpy(p->buf[i] + p->len[i], data, n);
    p->len[i] += n;
    p->buf[i][p->len[i]] = '\0';
}

/* Reads what is there within timeout_ms; false when both streams ended. */
static bool pump(proc *p, int timeout_ms)
{
    struct pollfd pf[2];
    int idx[2];
    nfds_t n = 0;
    for (int i = 0; i < 2; i++) {
        if (p->fd[i] >= 0) {
            pf[n].fd = p->fd[i];
            pf[n].events = POLLIN;
            idx[n++] = i;
        }
    }
    if (n == 0)
        return false;
    if (poll(pf, n, timeout_ms) <= 0)
        return true;
    for (nfds_t k = 0; k < n; k++) {
        if (!(pf[k].revents & (POLLIN | POLLHUP | POLLERR)))
            continue;
        char tmp[65536];
        ssize_t r = read(pf[k].fd, tmp, sizeof tmp);
        if (r > 0) {
            append(p, idx[k], tmp, (size_t)r);
        } else if (r == 0 || errno != EINTR) {
            close(p->fd[idx[k]]);
            p->fd[idx[k]] = -1;
        }
    }
    return true;
}

int count_of(const char *hay, const char *needle)
{
    int n = 0;
    size_t len = strlen(needle);
    for (const char *s = hay ? strstr(hay, needle) : NULL; s; s = strstr(s + len, needle))
        n++;
    return n;
}

bool proc_wait_for(proc *p, int which, const char *needle, int times, int timeout_ms)
{
    long end = now_ms() + timeout_ms;
    for (;;) {
        if (count_of(p->buf[which], needle) >= times)
            return true;
        long left = end - now_ms();
        if (left <= 0 || !pump(p, (int)(left < 100 ? left : 100)))
            return count_of(p->buf[which], needle) >= times;
    }
}

static void reap(proc *p, bool block)
{
    int st;
    if (p->pid <= 0)
        return;
    pid_t r = waitpid(p->pid, &st, block ? 0 : WNOHANG);
    if (r == p->pid) {
        p->status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
        p->pid = 0;
    }
}

int proc_wait(proc *p, int timeout_ms)
{
    long end = now_ms() + timeout_ms;
    proc_close_stdin(p);
    while (p->fd[0] >= 0 || p->fd[1] >= 0) {
        long left = end - now_ms();
        if (left <= 0) {
            fprintf(stderr, "run: killing pid %d after %d ms\n", (int)p->pid, timeout_ms);
            proc_signal(p, SIGKILL);
            end = now_ms() + 2000;
            left = 2000;
        }
        pump(p, (int)(left < 100 ? left : 100));
    }
    reap(p, true);
    return p->status;
}

void proc_signal(proc *p, int sig)
{
    if (p->pid > 0)
        kill(p->pid, sig);
}

void proc_free(proc *p)
{
    if (p->pid > 0) {
        kill(p->pid, SIGKILL);
        reap(p, true);
    }
    proc_close_stdin(p);
    for (int i = 0; i < 2; i++) {
        if (p->fd[i] >= 0)
            close(p->fd[i]);
        free(p->buf[i]);
        p->buf[i] = NULL;
    }
}

int run(proc *p, const char *const *argv, const char *input, const char *const *env,
        int timeout_ms)
{
    if (proc_start(p, argv, env, input != NULL) != 0)
        return -1;
    if (input)
        proc_write(p, input);
    return proc_wait(p, timeout_ms);
}
