/*
 * mqtts - the command-line tool.
 *
 * For now it knows its version and its usage. The subcommands arrive with
 * their issues, one file each; until then they are listed, honestly, as not
 * yet available.
 *
 * Exit status: 0 success, 2 usage error (unknown command or option, or a
 * command this version does not have yet).
 */
#include <stdio.h>
#include <string.h>

#include "mqtts/version.h"

enum { EXIT_OK = 0, EXIT_USAGE = 2 };

typedef struct command {
    const char *name;
    const char *summary;
} command;

/* Planned subcommands, in the order the usage lists them. */
static const command planned[] = {
    {"pub", "publish a message"},
    {"sub", "subscribe and print the messages that arrive"},
    {"rpc", "send an MQTT 5 request and wait for the response"},
    {"cert", "inspect a broker's certificate chain"},
    {"doctor", "check a connection step by step: DNS, TCP, TLS, MQTT"},
    {"device", "run the virtual device: link, time, TLS, MQTT, online"},
};

#define PLANNED_COUNT (sizeof planned / sizeof planned[0])

static void usage(FILE *out)
{
    size_t i;

    fputs("Usage: mqtts <command> [options]\n"
          "       mqtts --help | --version\n"
          "\n"
          "Commands:\n"
          "  help      show this help\n",
          out);
    for (i = 0; i < PLANNED_COUNT; i++)
        fprintf(out, "  %-8s  %s (not yet available)\n", planned[i].name, planned[i].summary);
    fputs("\n"
          "Options:\n"
          "  -h, --help     show this help and exit\n"
          "  -V, --version  print the version and exit\n"
          "\n"
          "Exit status: 0 success, 2 usage error.\n",
          out);
}

static const command *find_planned(const char *name)
{
    size_t i;

    for (i = 0; i < PLANNED_COUNT; i++) {
        if (strcmp(planned[i].name, name) == 0)
            return &planned[i];
    }
    return NULL;
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "mqtts: %s '%s'\nTry 'mqtts --help'.\n", what, arg);
    return EXIT_USAGE;
}

int main(int argc, char **argv)
{
    const char *arg;

    if (argc < 2) {
        fputs("mqtts: no command given\n\n", stderr);
        usage(stderr);
        return EXIT_USAGE;
    }
    arg = argv[1];

    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0 || strcmp(arg, "help") == 0) {
        if (argc > 2)
            return usage_error("unexpected argument", argv[2]);
        usage(stdout);
        return EXIT_OK;
    }
    if (strcmp(arg, "--version") == 0 || strcmp(arg, "-V") == 0) {
        if (argc > 2)
            return usage_error("unexpected argument", argv[2]);
        printf("mqtts %s\n", MQTTS_VERSION_STRING);
        return EXIT_OK;
    }
    if (arg[0] == '-')
        return usage_error("unknown option", arg);
    if (find_planned(arg) != NULL) {
        fprintf(stderr, "mqtts: '%s' is not yet available in mqtts %s\n", arg,
                MQTTS_VERSION_STRING);
        return EXIT_USAGE;
    }
    return usage_error("unknown command", arg);
}
