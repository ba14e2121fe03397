/*
 * broker.h - a real mosquitto for integration tests.
 *
 * How to use it
 * -------------
 * Tests that need a broker start Debian's /usr/sbin/mosquitto, one per test
 * (or per group), on a free loopback port, with a config generated into a
 * fresh private temp dir, and stop it by its PID:
 *
 *     broker b;
 *     broker_options o = BROKER_OPTIONS_INIT;
 *     o.persistence = true;
 *     if (broker_start(&b, &o) != 0)
 *         fail_msg("%s", b.error);         // says why, with mosquitto's log
 *     ... connect to 127.0.0.1:b.port ...
 *     broker_restart(&b);                  // same port, same persistence
 *     broker_stop(&b);                     // SIGTERM, reaped, dir removed
 *
 * What the generated config holds (mosquitto.conf in b.dir):
 *     listener PORT 127.0.0.1
 *     allow_anonymous true          (false when users are given, unless
 *                                    o.anonymous_too)
 *     password_file DIR/passwd      (when users are given; written with
 *                                    mosquitto_passwd -b, so hashed as the
 *                                    broker expects)
 *     user root                     (else mosquitto, started as root, drops
 *                                    to the mosquitto user and cannot read
 *                                    the files in the private temp dir)
 *     persistence false | true with persistence_location DIR/
 *     log_dest file DIR/mosquitto.log, log_type error warning notice
 *     information (or all), connection_messages true
 *     max_inflight_messages, max_packet_size, max_keepalive, max_topic_alias,
 *     max_queued_messages when set (non-zero), then o.extra_config verbatim.
 *
 * Listener-scoped options (max_topic_alias, and whatever extra_config puts
 * before any listener of its own) apply to the main listener: the config
 * has per_listener_settings false (mosquitto's default), so the security
 * options are global.
 *
 * More listeners (TLS, websockets): o.extra_ports = n (up to
 * BROKER_MAX_EXTRA_PORTS) picks n more free ports, b.extra_port[0..n), and
 * "@PORT1@".."@PORT4@" in extra_config are replaced by them, "@DIR@" by
 * the temp dir. Debian's mosquitto 2.0.11 binds a websockets listener on
 * every interface whatever address it is given: connect only to 127.0.0.1.
 *
 * Persistence: off by default. With o.persistence the database is
 * DIR/mosquitto.db: it survives broker_restart() (mosquitto writes it on
 * SIGTERM) and dies with broker_stop(), which removes DIR. broker_kill()
 * (SIGKILL, a crash) does not write it: a restart after a kill starts from
 * the last autosave (none, unless extra_config asks for autosave).
 *
 * Safety: the broker never outlives the test process. The child sets
 * PR_SET_PDEATHSIG (SIGTERM) before exec, so an aborting or crashing test
 * takes its broker with it. PDEATHSIG fires when the THREAD that forked
 * exits: call broker_start/restart from the main thread (cmocka's tests and
 * fixtures run there) or from a thread that outlives the broker. The child
 * closes every inherited descriptor but 0-2 (a test's sockets must not be
 * held open by mosquitto) and gets default signal dispositions and an empty
 * signal mask. A crashed test leaves its temp dir behind (it is small and
 * named mqtts-broker-XXXXXX).
 *
 * Errors: the functions return 0 or -1; on -1, b->error says what went
 * wrong, with the tail of mosquitto's log and stderr when it did not start.
 * MQTTS_TEST_KEEP_BROKER_DIR=1 in the environment keeps the temp dirs
 * (config, passwd, logs, database) instead of removing them.
 * Not thread-safe: one broker is driven by one thread.
 */
#ifndef MQTTS_TEST_BROKER_H
#define MQTTS_TEST_BROKER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BROKER_MOSQUITTO "/usr/sbin/mosquitto"
#define BROKER_MOSQUITTO_PASSWD "/usr/bin/mosquitto_passwd"
#define BROKER_MAX_EXTRA_PORTS 4
#define BROKER_PATH_MAX 256
#define BROKER_ERROR_MAX 4096

/* How long broker_start() waits for the broker to accept connections, and
 * broker_stop() for it to exit after SIGTERM before SIGKILL. */
#define BROKER_START_TIMEOUT_MS 5000
#define BROKER_STOP_TIMEOUT_MS 3000

typedef struct broker_user {
    const char *name;
    const char *password;
} broker_user;

typedef struct broker_options {
    uint16_t port;             /* 0: pick a free one (retried if taken) */
    const broker_user *users;  /* user_count name/password pairs, or NULL */
    size_t user_count;         /* > 0: password file, no anonymous access */
    bool anonymous_too;        /* with users: allow_anonymous true anyway */
    bool persistence;          /* DIR/mosquitto.db, kept across restarts */
    bool log_all;              /* log_type all (every packet in the log) */
    unsigned max_inflight_messages; /* 0: mosquitto's default (20) */
    unsigned max_queued_messages;   /* 0: mosquitto's default (1000) */
    uint32_t max_packet_size;       /* 0: no limit */
    unsigned max_keepalive;         /* 0: mosquitto's default (65535) */
    unsigned max_topic_alias;       /* 0: mosquitto's default (10) */
    unsigned extra_ports;      /* more free ports for extra_config's listeners */
    const char *extra_config;  /* appended verbatim (NUL-terminated), or NULL */
} broker_options;

#define BROKER_OPTIONS_INIT {.port = 0} /* everything 0: the defaults */

typedef struct broker {
    pid_t pid;        /* 0 when not running */
    uint16_t port;    /* the MQTT listener on 127.0.0.1 */
    uint16_t extra_port[BROKER_MAX_EXTRA_PORTS];
    char dir[BROKER_PATH_MAX];      /* the private temp dir; "" when none */
    char conf_path[BROKER_PATH_MAX + 32];
    char log_path[BROKER_PATH_MAX + 32]; /* mosquitto's own log (log_dest file) */
    char out_path[BROKER_PATH_MAX + 32]; /* its stdout and stderr */
    char error[BROKER_ERROR_MAX];   /* why the last call failed */
} broker;

/* Starts mosquitto as described above. o may be NULL (all defaults). On
 * failure nothing is left running and no temp dir is left. */
int broker_start(broker *b, const broker_options *o);

/* broker_start, and when it fails b->error on stderr: the body of a cmocka
 * group setup, which has no message of its own. */
int broker_start_or_say(broker *b, const broker_options *o);

/* SIGTERM, wait up to BROKER_STOP_TIMEOUT_MS (then SIGKILL), reap, and
 * remove the temp dir. Safe on a broker that was never started, already
 * stopped or killed. */
int broker_stop(broker *b);

/* SIGKILL and reap, as a crash would: the temp dir stays, so a
 * broker_restart() can bring it back on the same port. */
int broker_kill(broker *b);

/* Stops the broker (SIGTERM, so persistence is written; nothing to stop
 * after broker_kill()) and starts it again with the same config on the SAME
 * port. If the port is briefly taken, retries until the start timeout. */
int broker_restart(broker *b);

/* Whether the broker's process is alive (reaps it if it has exited). */
bool broker_running(broker *b);

/* The last `max` bytes of mosquitto's log into out (NUL-terminated). */
void broker_log_tail(const broker *b, char *out, size_t max);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_TEST_BROKER_H */
