/*
 * broker.c - start, stop, restart and kill a real mosquitto for tests.
 * See broker.h for the contract.
 *
 * Why it is built this way:
 *   - fork/exec, never system(): we need the broker's own PID to signal and
 *     reap it, and a shell in between would own that PID.
 *   - A port is picked by binding 127.0.0.1:0 and closing; another process
 *     can take it before mosquitto binds, so a start that fails with
 *     "Address already in use" is retried with fresh ports.
 *   - "Ready" means: mosquitto's log (the part written by THIS process)
 *     has "mosquitto version X running", which it writes only after every
 *     listener is bound,
 *     AND a TCP connect to the port succeeds. A connect alone could reach
 *     another process that won the race for the port.
 *   - Waits poll with short sleeps (10 ms); there is no busy loop.
 */
#define _GNU_SOURCE

#include "loopback.h"
#include "broker.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <netinet/in.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define POLL_STEP_MS 10
#define START_ATTEMPTS 8
#define LOG_TAIL_BYTES 1500

typedef enum {
    READY,
    EXITED_ADDR_IN_USE,
    EXITED,
    TIMED_OUT,
} start_result;

static int64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
    struct timespec ts = {ms / 1000, (ms % 1000) * 1000000L};
    while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
    }
}

__attribute__((format(printf, 2, 3)))
static void set_error(broker *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->error, sizeof b->error, fmt, ap);
    va_end(ap);
}

/* Appends to b->error what fits. */
__attribute__((format(printf, 2, 3)))
static void add_error(broker *b, const char *fmt, ...)
{
    size_t used = strlen(b->error);
    if (used + 1 >= sizeof b->error)
        return;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(b->error + used, sizeof b->error - used, fmt, ap);
    va_end(ap);
}

/* ------------------------------------------------------------------------ */
/* Files. */

static size_t file_size(const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0 || st.st_size < 0)
        return 0;
    return (size_t)st.st_size;
}

/* The bytes of path from offset `from` to the end, at most max - 1 of the
 * last ones, NUL-terminated. */
static void read_tail(const char *path, size_t from, char *out, size_t max)
{
    out[0] = '\0';
    if (max < 2)
        return;
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return;
    size_t size = file_size(path);
    size_t start = from;
    if (size > start && size - start > max - 1)
        start = size - (max - 1);
    size_t n = 0;
    if (lseek(fd, (off_t)start, SEEK_SET) >= 0) {
        while (n < max - 1) {
            ssize_t r = read(fd, out + n, max - 1 - n);
            if (r < 0 && errno == EINTR)
                continue;
            if (r <= 0)
                break;
            n += (size_t)r;
        }
    }
    out[n] = '\0';
    close(fd);
}

void broker_log_tail(const broker *b, char *out, size_t max)
{
    read_tail(b->log_path, 0, out, max);
}

/* Whether a line of path, from offset `from` on, contains `a` (and `b`,
 * when not NULL). Reads the whole rest of the file: with log_type all,
 * many lines may follow the one looked for. */
static bool file_has_line(const char *path, size_t from, const char *a, const char *b)
{
    FILE *f = fopen(path, "re");
    if (f == NULL)
        return false;
    bool found = false;
    if (fseeko(f, (off_t)from, SEEK_SET) == 0) {
        char line[4096]; /* longer lines come in pieces; the ones looked for are short */
        while (!found && fgets(line, sizeof line, f) != NULL)
            found = strstr(line, a) != NULL && (b == NULL || strstr(line, b) != NULL);
    }
    fclose(f);
    return found;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
    (void)st;
    (void)flag;
    (void)ftw;
    return remove(path);
}

/* MQTTS_TEST_KEEP_BROKER_DIR=1 keeps the temp dirs, to read the config
 * and the logs after a failure. */
static bool keep_dirs(void)
{
    const char *v = getenv("MQTTS_TEST_KEEP_BROKER_DIR");
    return v != NULL && v[0] != '\0' && strcmp(v, "0") != 0;
}

static void remove_dir(broker *b)
{
    if (b->dir[0] != '\0') {
        if (keep_dirs())
            fprintf(stderr, "broker: kept %s\n", b->dir);
        else
            nftw(b->dir, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
    }
    b->dir[0] = '\0';
}

/* ------------------------------------------------------------------------ */
/* Ports. */

static int free_port(uint16_t *port)
{
    for (int attempt = 0; attempt < 16; attempt++) {
        int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0)
            return -1;
        struct sockaddr_in a = loopback_addr(0); /* any free port */
        socklen_t len = sizeof a;
        int rc = bind(fd, (struct sockaddr *)&a, sizeof a);
        if (rc == 0)
            rc = getsockname(fd, (struct sockaddr *)&a, &len);
        close(fd);
        if (rc != 0)
            return -1;
        *port = ntohs(a.sin_port);
        if (*port != 1883 && *port != 8883) /* never the usual broker ports */
            return 0;
    }
    return -1;
}

static bool port_accepts(uint16_t port)
{
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0)
        return false;
    struct sockaddr_in a = loopback_addr(port);
    bool ok = connect(fd, (struct sockaddr *)&a, sizeof a) == 0;
    close(fd);
    return ok;
}

/* ------------------------------------------------------------------------ */
/* Processes. */

/* Runs in the child between fork and exec: async-signal-safe calls only. */
static void child_setup(pid_t parent, int out_fd)
{
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) /* the parent died before prctl */
        _exit(126);
    if (out_fd >= 0) {
        dup2(out_fd, STDOUT_FILENO);
        dup2(out_fd, STDERR_FILENO);
    }
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) {
        dup2(null_fd, STDIN_FILENO);
    }
    /* No test socket may stay open in the broker. */
    if (close_range(3, ~0U, 0) != 0) {
        for (int fd = 3; fd < 1024; fd++)
            close(fd);
    }
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = SIG_DFL;
    for (int sig = 1; sig < NSIG; sig++) {
        if (sig != SIGKILL && sig != SIGSTOP)
            sigaction(sig, &sa, NULL);
    }
    sigset_t none;
    sigemptyset(&none);
    sigprocmask(SIG_SETMASK, &none, NULL);
}

/* fork/exec argv with stdout and stderr appended to out_path. */
static pid_t spawn(char *const argv[], const char *out_path)
{
    int out_fd = open(out_path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
    if (out_fd < 0)
        return -1;
    pid_t parent = getpid();
    pid_t pid = fork();
    if (pid == 0) {
        child_setup(parent, out_fd);
        execv(argv[0], argv);
        _exit(127);
    }
    close(out_fd);
    return pid;
}

static int wait_exit(pid_t pid, int *status)
{
    for (;;) {
        pid_t r = waitpid(pid, status, 0);
        if (r == pid)
            return 0;
        if (r < 0 && errno != EINTR)
            return -1;
    }
}

/* SIGTERM, then SIGKILL after timeout_ms; reaps. */
static void terminate(pid_t pid, int timeout_ms)
{
    int status;
    if (kill(pid, SIGTERM) != 0 && errno == ESRCH) {
        wait_exit(pid, &status);
        return;
    }
    int64_t deadline = now_ms() + timeout_ms;
    while (now_ms() < deadline) {
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid || (r < 0 && errno == ECHILD))
            return;
        sleep_ms(POLL_STEP_MS);
    }
    kill(pid, SIGKILL);
    wait_exit(pid, &status);
}

static void describe_status(broker *b, int status)
{
    if (WIFEXITED(status))
        add_error(b, "mosquitto exited with status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        add_error(b, "mosquitto was killed by signal %d", WTERMSIG(status));
}

static void add_logs(broker *b, size_t log_from, size_t out_from)
{
    char tail[LOG_TAIL_BYTES];
    read_tail(b->out_path, out_from, tail, sizeof tail);
    add_error(b, "\n--- mosquitto stdout/stderr (%s) ---\n%s", b->out_path, tail);
    read_tail(b->log_path, log_from, tail, sizeof tail);
    add_error(b, "\n--- mosquitto log, tail (%s) ---\n%s", b->log_path, tail);
    if (!keep_dirs())
        add_error(b, "--- (the dir is removed now; MQTTS_TEST_KEEP_BROKER_DIR=1 keeps it)\n");
}

/* ------------------------------------------------------------------------ */
/* Config. */

/* Writes text to f with @PORTn@ and @DIR@ replaced. */
static void write_substituted(FILE *f, const char *text, const broker *b)
{
    for (const char *s = text; *s != '\0'; s++) {
        if (s[0] == '@' && strncmp(s, "@DIR@", 5) == 0) {
            fputs(b->dir, f);
            s += 4;
        } else if (s[0] == '@' && strncmp(s, "@PORT", 5) == 0 && s[5] >= '1' &&
                   s[5] < '1' + BROKER_MAX_EXTRA_PORTS && s[6] == '@') {
            fprintf(f, "%u", (unsigned)b->extra_port[s[5] - '1']);
            s += 6;
        } else {
            fputc(*s, f);
        }
    }
}

static int write_config(broker *b, const broker_options *o, bool with_users)
{
    FILE *f = fopen(b->conf_path, "we");
    if (f == NULL) {
        set_error(b, "broker: cannot write %s: %s", b->conf_path, strerror(errno));
        return -1;
    }
    fprintf(f, "# generated by tests/integration/support/broker.c\n");
    fprintf(f, "per_listener_settings false\n");
    fprintf(f, "listener %u 127.0.0.1\n", (unsigned)b->port);
    if (with_users) {
        fprintf(f, "password_file %s/passwd\n", b->dir);
        fprintf(f, "allow_anonymous %s\n", o->anonymous_too ? "true" : "false");
    } else {
        fprintf(f, "allow_anonymous true\n");
    }
    fprintf(f, "user root\n");
    if (o->persistence) {
        fprintf(f, "persistence true\n");
        fprintf(f, "persistence_location %s/\n", b->dir);
        fprintf(f, "persistence_file mosquitto.db\n");
    } else {
        fprintf(f, "persistence false\n");
    }
    fprintf(f, "log_dest file %s\n", b->log_path);
    if (o->log_all)
        fprintf(f, "log_type all\n");
    else
        fprintf(f, "log_type error\nlog_type warning\nlog_type notice\nlog_type information\n");
    fprintf(f, "log_timestamp_format %%Y-%%m-%%dT%%H:%%M:%%S\n");
    fprintf(f, "connection_messages true\n");
    if (o->max_inflight_messages)
        fprintf(f, "max_inflight_messages %u\n", o->max_inflight_messages);
    if (o->max_queued_messages)
        fprintf(f, "max_queued_messages %u\n", o->max_queued_messages);
    if (o->max_packet_size)
        fprintf(f, "max_packet_size %u\n", (unsigned)o->max_packet_size);
    if (o->max_keepalive)
        fprintf(f, "max_keepalive %u\n", o->max_keepalive);
    if (o->max_topic_alias)
        fprintf(f, "max_topic_alias %u\n", o->max_topic_alias);
    if (o->extra_config != NULL) {
        fprintf(f, "# extra_config\n");
        write_substituted(f, o->extra_config, b);
        fputc('\n', f);
    }
    if (fclose(f) != 0) {
        set_error(b, "broker: cannot write %s", b->conf_path);
        return -1;
    }
    return 0;
}

/* mosquitto_passwd -b [-c] DIR/passwd name password, once per user: the
 * broker's own tool hashes the passwords as the broker expects. */
static int write_passwd(broker *b, const broker_options *o)
{
    char path[BROKER_PATH_MAX + 16];
    snprintf(path, sizeof path, "%s/passwd", b->dir);
    for (size_t i = 0; i < o->user_count; i++) {
        const broker_user *u = &o->users[i];
        if (u->name == NULL || u->password == NULL) {
            set_error(b, "broker: user %zu has no name or password", i);
            return -1;
        }
        char *argv[7];
        int n = 0;
        argv[n++] = (char *)BROKER_MOSQUITTO_PASSWD;
        if (i == 0)
            argv[n++] = (char *)"-c";
        argv[n++] = (char *)"-b";
        argv[n++] = path;
        argv[n++] = (char *)u->name;
        argv[n++] = (char *)u->password;
        argv[n] = NULL;
        size_t out_from = file_size(b->out_path);
        pid_t pid = spawn(argv, b->out_path);
        int status = 0;
        if (pid < 0 || wait_exit(pid, &status) != 0 || !WIFEXITED(status) ||
            WEXITSTATUS(status) != 0) {
            set_error(b, "broker: %s failed for user \"%s\" (status %d)\n",
                      BROKER_MOSQUITTO_PASSWD, u->name, status);
            char tail[LOG_TAIL_BYTES];
            read_tail(b->out_path, out_from, tail, sizeof tail);
            add_error(b, "%s", tail);
            return -1;
        }
    }
    return 0;
}

/* ------------------------------------------------------------------------ */
/* Starting. */

/* Starts mosquitto on the config already written and waits for it. */
static start_result launch(broker *b, int64_t deadline)
{
    size_t log_from = file_size(b->log_path);
    size_t out_from = file_size(b->out_path);
    char *argv[] = {(char *)BROKER_MOSQUITTO, (char *)"-c", b->conf_path, NULL};
    pid_t pid = spawn(argv, b->out_path);
    if (pid < 0) {
        set_error(b, "broker: cannot start %s: %s", BROKER_MOSQUITTO, strerror(errno));
        return EXITED;
    }
    b->pid = pid;
    bool running = false; /* its log says so: every listener is bound */
    for (;;) {
        int status;
        pid_t r = waitpid(pid, &status, WNOHANG);
        if (r == pid) {
            b->pid = 0;
            bool in_use =
                file_has_line(b->log_path, log_from, "Address already in use", NULL) ||
                file_has_line(b->out_path, out_from, "Address already in use", NULL);
            set_error(b, "broker: mosquitto did not start on 127.0.0.1:%u: ",
                      (unsigned)b->port);
            describe_status(b, status);
            add_logs(b, log_from, out_from);
            return in_use ? EXITED_ADDR_IN_USE : EXITED;
        }
        if (!running)
            running = file_has_line(b->log_path, log_from, "mosquitto version ", " running");
        if (running && port_accepts(b->port))
            return READY;
        if (now_ms() >= deadline) {
            terminate(pid, BROKER_STOP_TIMEOUT_MS);
            b->pid = 0;
            set_error(b, "broker: mosquitto did not accept connections on 127.0.0.1:%u "
                      "within %d ms", (unsigned)b->port, BROKER_START_TIMEOUT_MS);
            add_logs(b, log_from, out_from);
            return TIMED_OUT;
        }
        sleep_ms(POLL_STEP_MS);
    }
}

static int make_dir(broker *b)
{
    const char *base = getenv("TMPDIR");
    if (base == NULL || base[0] == '\0')
        base = "/tmp";
    int n = snprintf(b->dir, sizeof b->dir, "%s/mqtts-broker-XXXXXX", base);
    if (n < 0 || (size_t)n >= sizeof b->dir) {
        set_error(b, "broker: TMPDIR is too long: %s", base);
        b->dir[0] = '\0';
        return -1;
    }
    if (mkdtemp(b->dir) == NULL) {
        set_error(b, "broker: mkdtemp(%s) failed: %s", b->dir, strerror(errno));
        b->dir[0] = '\0';
        return -1;
    }
    snprintf(b->conf_path, sizeof b->conf_path, "%s/mosquitto.conf", b->dir);
    snprintf(b->log_path, sizeof b->log_path, "%s/mosquitto.log", b->dir);
    snprintf(b->out_path, sizeof b->out_path, "%s/mosquitto.out", b->dir);
    return 0;
}

static int pick_ports(broker *b, const broker_options *o)
{
    b->port = o->port;
    if (o->port == 0 && free_port(&b->port) != 0) {
        set_error(b, "broker: no free loopback port: %s", strerror(errno));
        return -1;
    }
    for (unsigned i = 0; i < o->extra_ports; i++) {
        if (free_port(&b->extra_port[i]) != 0) {
            set_error(b, "broker: no free loopback port: %s", strerror(errno));
            return -1;
        }
    }
    return 0;
}

int broker_start(broker *b, const broker_options *o)
{
    static const broker_options defaults = BROKER_OPTIONS_INIT;
    if (o == NULL)
        o = &defaults;
    memset(b, 0, sizeof *b);
    if (o->extra_ports > BROKER_MAX_EXTRA_PORTS) {
        set_error(b, "broker: extra_ports %u > %d", o->extra_ports, BROKER_MAX_EXTRA_PORTS);
        return -1;
    }
    if (o->port == 1883 || o->port == 8883) {
        set_error(b, "broker: port %u is reserved for a system broker", (unsigned)o->port);
        return -1;
    }
    if (access(BROKER_MOSQUITTO, X_OK) != 0) {
        set_error(b, "broker: %s not found: apt-get install mosquitto", BROKER_MOSQUITTO);
        return -1;
    }
    if (make_dir(b) != 0)
        return -1;
    bool with_users = o->user_count > 0;
    if (with_users && write_passwd(b, o) != 0)
        goto fail;

    int64_t deadline = now_ms() + BROKER_START_TIMEOUT_MS;
    for (int attempt = 0; attempt < START_ATTEMPTS; attempt++) {
        if (pick_ports(b, o) != 0 || write_config(b, o, with_users) != 0)
            goto fail;
        start_result r = launch(b, deadline);
        if (r == READY)
            return 0;
        /* Someone took a picked port: pick again. A fixed port is the
         * caller's choice and is not changed. */
        if (r != EXITED_ADDR_IN_USE || (o->port != 0 && o->extra_ports == 0) ||
            now_ms() >= deadline)
            goto fail;
    }
fail:
    remove_dir(b);
    b->pid = 0;
    return -1;
}

bool broker_running(broker *b)
{
    if (b->pid <= 0)
        return false;
    int status;
    pid_t r = waitpid(b->pid, &status, WNOHANG);
    if (r == b->pid || (r < 0 && errno == ECHILD)) {
        b->pid = 0;
        return false;
    }
    return true;
}

int broker_start_or_say(broker *b, const broker_options *o)
{
    if (broker_start(b, o) != 0) {
        fprintf(stderr, "broker: %s\n", b->error);
        return -1;
    }
    return 0;
}

int broker_stop(broker *b)
{
    if (b->pid > 0)
        terminate(b->pid, BROKER_STOP_TIMEOUT_MS);
    b->pid = 0;
    remove_dir(b);
    return 0;
}

int broker_kill(broker *b)
{
    if (b->pid <= 0) {
        set_error(b, "broker: not running");
        return -1;
    }
    int status;
    kill(b->pid, SIGKILL);
    wait_exit(b->pid, &status);
    b->pid = 0;
    return 0;
}

int broker_restart(broker *b)
{
    if (b->dir[0] == '\0') {
        set_error(b, "broker: restart of a broker that was stopped or never started");
        return -1;
    }
    if (b->pid > 0)
        terminate(b->pid, BROKER_STOP_TIMEOUT_MS);
    b->pid = 0;
    int64_t deadline = now_ms() + BROKER_START_TIMEOUT_MS;
    for (;;) {
        start_result r = launch(b, deadline);
        if (r == READY)
            return 0;
        if (r != EXITED_ADDR_IN_USE || now_ms() >= deadline)
            return -1;
        sleep_ms(50); /* the same port it must be: wait for it */
    }
}
