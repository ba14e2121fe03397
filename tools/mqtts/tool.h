/*
 * tool.h - what every part of the mqtts tool shares: exit codes, the
 * subcommand bits, and the way messages reach the user.
 *
 * Exit codes are part of the interface (scripts test them), so they are
 * listed once here and printed by --help from exit_codes_help().
 */
#ifndef MQTTS_TOOL_H
#define MQTTS_TOOL_H

#include <stdbool.h>
#include <stdio.h>

enum {
    EXIT_OK = 0,
    EXIT_CONN = 1,      /* connection failed or lost for good, or another runtime error */
    EXIT_USAGE = 2,     /* bad option or value, missing option, bad config file */
    EXIT_REFUSED = 3,   /* the broker said no: CONNACK, SUBACK or PUBACK reason */
    EXIT_TIMEOUT = 4,   /* no CONNACK in time; sub -W ran out */
    EXIT_TLS = 5,       /* TLS: verification, handshake, certificate or key files */
    EXIT_UNSUPPORTED = 6, /* a feature mqtts does not have (yet): ws://, MQTT 3.1, ... */
};

/* Subcommands, as bits: an option lists the commands that accept it. */
enum {
    CMD_PUB = 1u << 0,
    CMD_SUB = 1u << 1,
    CMD_RPC = 1u << 2,
};

/* The subcommands' entry points (pub.c, sub.c). */
int cmd_pub(int argc, char **argv);
int cmd_sub(int argc, char **argv);
int cmd_rpc(int argc, char **argv); /* rpc.c */
int cmd_cert(int argc, char **argv);   /* cert.c */
int cmd_doctor(int argc, char **argv); /* doctor.c */
int cmd_device(int argc, char **argv); /* device.c, on ports/posix */

/* Messages for people go to stderr, prefixed "mqtts: ". --quiet silences
 * errors and notices, never a TLS warning about a connection that is not
 * verified. */
extern bool tool_quiet;

#if defined(__GNUC__)
#define TOOL_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define TOOL_PRINTF(a, b)
#endif

void tool_error(const char *fmt, ...) TOOL_PRINTF(1, 2);
void tool_notice(const char *fmt, ...) TOOL_PRINTF(1, 2);
void tool_warning(const char *fmt, ...) TOOL_PRINTF(1, 2);

/* The exit code table, for --help and `mqtts help CMD`. */
void exit_codes_help(FILE *out);

#endif /* MQTTS_TOOL_H */
