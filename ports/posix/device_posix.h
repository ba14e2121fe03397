/*
 * device_posix.h - the Linux platform of the device runtime (device.h), and
 * the device.conf file it reads. `mqtts device` is built on it; a Linux
 * program that wants to be a device can be too.
 *
 * The platform is thin, as a host needs little:
 *   now_ms     mqtts_posix_now_ms() (CLOCK_MONOTONIC)
 *   random     getrandom()
 *   wall clock time(); never set (the host's NTP daemon keeps it)
 *   link, SNTP, DNS   none: the link is always up, the transport resolves
 *   LED        a log line ("LED on" / "LED off")
 *   transport  TCP (mqtts_tcp_init), or TLS over it (mqtts_tls_init with
 *              server_name = the configured host, trust from cafile or
 *              the system store). TLS is set up on the first connect()
 *              and again on every connect() until it succeeds, so a bad
 *              cafile is a TLS-stage failure that the runtime retries with
 *              backoff (and a fixed file is picked up), not a crash.
 *
 * device.conf (INI-like; '#' or ';' starts a comment line; an optional
 * [device] section header; values may be "quoted" to keep blanks):
 *
 *     broker = mqtts://broker.example:8883   # mqtt:// (plain) or mqtts:// (TLS)
 *     username = dev1                        # or MQTTS_USERNAME
 *     password = s3cret                      # or MQTTS_PASSWORD
 *     cafile = /etc/mqtts/ca.pem             # TLS trust; none: the system store
 *     client_id = dev1
 *     base_topic = devices/dev1              # status, telemetry, cmd below it
 *     telemetry_period = 10                  # seconds ("500ms" also); 0: none
 *     qos = 1                                # telemetry QoS, 0 or 1
 *     version = 5                            # 5, or 3.1.1
 *     keepalive = 60                         # seconds
 *     backoff_min = 1000                     # ms, first retry delay
 *     backoff_max = 60000                    # ms, the largest
 *
 * MQTTS_USERNAME and MQTTS_PASSWORD, when set, override the file (so the
 * file need hold no secret). A file that holds a password and that group
 * or others may read gets a warning.
 */
#ifndef MQTTS_PORTS_DEVICE_POSIX_H
#define MQTTS_PORTS_DEVICE_POSIX_H

#include <stdbool.h>
#include <stddef.h>

#include "mqtts/device.h"
#include "mqtts/transport.h"
#if defined(MQTTS_TOOL_TLS) || defined(MQTTS_POSIX_DEVICE_TLS)
#define MQTTS_POSIX_DEVICE_HAS_TLS 1
#include "mqtts/tls.h"
#endif

/* Where the port's messages go: one line each, no newline. `warning` is
 * true for things the user should fix (a readable password file, a TLS
 * failure's detail). */
typedef void (*mqtts_posix_log_fn)(void *user, bool warning, const char *line);

/* device.conf, read. dev is ready for mqtts_device_init(); its strings
 * point into this struct's own copies. */
typedef struct mqtts_posix_device_conf {
    mqtts_device_config dev;
    const char *cafile;   /* NULL: the system store */
    const char *path;     /* the file read */
    char **owned;         /* heap copies, freed by _conf_free */
    size_t owned_n;
} mqtts_posix_device_conf;

/* Reads path into c. Returns 0, or -1 with the reason in err (file and
 * line, never a password). Warnings (the file's mode) go to log. */
int mqtts_posix_device_conf_load(mqtts_posix_device_conf *c, const char *path,
                                 mqtts_posix_log_fn log, void *log_user, char *err,
                                 size_t errlen);
void mqtts_posix_device_conf_free(mqtts_posix_device_conf *c);

/* The Linux platform. Fill it with mqtts_posix_device_platform(), give
 * p->platform to mqtts_device_init(), and wait between steps with
 * mqtts_posix_device_wait(). Must outlive the device. */
typedef struct mqtts_posix_device {
    mqtts_device_platform platform;
    const mqtts_posix_device_conf *conf;
    mqtts_posix_log_fn log;
    void *log_user;
    mqtts_tcp tcp;
    mqtts_transport tcp_t;
#ifdef MQTTS_POSIX_DEVICE_HAS_TLS
    mqtts_tls tls;
    mqtts_transport tls_t;
    bool tls_ready;        /* mqtts_tls_init() succeeded */
#endif
    bool use_tls;
    bool connected;
    char last_detail[256]; /* the last failure's detail, said once */
} mqtts_posix_device;

void mqtts_posix_device_platform(mqtts_posix_device *p, const mqtts_posix_device_conf *conf,
                                 mqtts_posix_log_fn log, void *user);

/* Waits until the connection has something to read or deadline_ms (the
 * step's answer, mqtts_posix_now_ms() time) comes, at most max_ms. */
void mqtts_posix_device_wait(mqtts_posix_device *p, uint32_t deadline_ms, uint32_t max_ms);

/* Closes the connection and frees the TLS state. */
void mqtts_posix_device_free(mqtts_posix_device *p);

#endif /* MQTTS_PORTS_DEVICE_POSIX_H */
