/*
 * report.c - messages for people, and the exit code table.
 */
#include <stdarg.h>
#include <stdio.h>

#include "tool.h"

bool tool_quiet;

TOOL_PRINTF(2, 0) static void say(const char *kind, const char *fmt, va_list ap)
{
    fputs("mqtts: ", stderr);
    fputs(kind, stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    fflush(stderr);
}

void tool_error(const char *fmt, ...)
{
    va_list ap;
    if (tool_quiet)
        return;
    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
}

void tool_notice(const char *fmt, ...)
{
    va_list ap;
    if (tool_quiet)
        return;
    va_start(ap, fmt);
    say("", fmt, ap);
    va_end(ap);
}

/* Warnings about security are printed even with --quiet. */
void tool_warning(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    say("warning: ", fmt, ap);
    va_end(ap);
}

void exit_codes_help(FILE *out)
{
    fprintf(out,
            "Exit status:\n"
            "  %d  success\n"
            "  %d  connection failed or lost (DNS, refused, unreachable, closed), or another\n"
            "     runtime error\n"
            "  %d  usage: a bad option or value, a missing option, a bad config file\n"
            "  %d  the broker refused: the connection (CONNACK), every subscription\n"
            "     (SUBACK) or a message (PUBACK/PUBREC); the reason is printed by name\n"
            "  %d  timeout: no answer in time, or sub -W ran out before -C was reached\n"
            "  %d  TLS: the server's certificate did not verify, the handshake failed,\n"
            "     or a certificate or key file could not be used\n"
            "  %d  not supported (yet): MQTT 3.1, some mosquitto options\n",
            EXIT_OK, EXIT_CONN, EXIT_USAGE, EXIT_REFUSED, EXIT_TIMEOUT, EXIT_TLS,
            EXIT_UNSUPPORTED);
}
