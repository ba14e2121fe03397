/*
 * run.h - run a program (the built mqtts, mosquitto_pub, bash) as a child
 * with pipes on its standard input, output and error, for the tool tests.
 *
 *     proc p;
 *     proc_start(&p, ARGV(tool, "sub", "-t", "x", "-d"), NULL, false);
 *     proc_wait_for(&p, PROC_ERR, "received SUBACK", 5000);   // subscribed
 *     ... publish ...
 *     int rc = proc_wait(&p, 5000);    // exit status; p.out, p.err hold all
 *     proc_free(&p);
 *
 * The child's environment is the test's, without MQTTS_* variables and
 * with XDG_CONFIG_HOME pointing at an empty directory (a developer's own
 * config file must not change a test), plus `env` ("NAME=value" entries,
 * which replace those of the same name). A child still running at
 * proc_free() is killed.
 */
#ifndef MQTTS_TEST_RUN_H
#define MQTTS_TEST_RUN_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#define ARGV(...) ((const char *const[]){__VA_ARGS__, NULL})

enum { PROC_OUT = 0, PROC_ERR = 1 };

typedef struct proc {
    pid_t pid;      /* 0 once reaped */
    int in_fd;      /* -1: closed */
    int fd[2];      /* stdout, stderr; -1 at end of file */
    char *buf[2];   /* what came so far, NUL-terminated */
    size_t len[2], cap[2];
    int status;     /* exit status; 128 + signal; -1 while running */
} proc;

/* The directory XDG_CONFIG_HOME points at unless env says otherwise. */
void run_set_config_home(const char *dir);

int proc_start(proc *p, const char *const *argv, const char *const *env, bool with_stdin);
void proc_write(proc *p, const char *text);
void proc_close_stdin(proc *p);
/* Waits until `needle` has appeared `times` times in stdout or stderr;
 * false on timeout or when the stream ended first. */
bool proc_wait_for(proc *p, int which, const char *needle, int times, int timeout_ms);
/* Waits for the exit (SIGKILL after timeout_ms); returns the status. */
int proc_wait(proc *p, int timeout_ms);
void proc_signal(proc *p, int sig);
void proc_free(proc *p);

/* Runs argv to the end with `input` (or nothing) on standard input. */
int run(proc *p, const char *const *argv, const char *input, const char *const *env,
        int timeout_ms);

/* How many times needle occurs in hay. */
int count_of(const char *hay, const char *needle);

#endif
