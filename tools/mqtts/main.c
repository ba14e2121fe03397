/*
 * mqtts - the command-line tool: `mqtts COMMAND [options]`.
 *
 * This file only dispatches. Each subcommand lives in its own file and
 * shares the option table (opts.c), URLs (url.c), the config file
 * (config.c), the connection (conn.c), the -d trace (trace.c) and the
 * output formats (output.c). Subcommands that are planned but not written
 * yet are listed, honestly, as not yet available.
 */
#include <stdio.h>
#include <string.h>

#include "mqtts/version.h"
#include "tool.h"

typedef struct command {
    const char *name;
    const char *summary;
    int (*run)(int argc, char **argv); /* NULL: not yet available */
} command;

static const command commands[] = {
    {"pub", "publish a message", cmd_pub},
    {"sub", "subscribe and print the messages that arrive", cmd_sub},
    {"rpc", "send an MQTT 5 request and wait for the response", cmd_rpc},
    {"cert", "inspect a broker's certificate chain", cmd_cert},
    {"doctor", "check a connection step by step: DNS, TCP, TLS, MQTT", cmd_doctor},
    {"device", "run the virtual device: link, time, TLS, MQTT, online", cmd_device},
};

#define COMMAND_COUNT (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
    fputs("Usage: mqtts <command> [options]\n"
          "       mqtts help <command> | --help | --version\n"
          "\n"
          "Commands:\n",
          out);
    for (size_t i = 0; i < COMMAND_COUNT; i++)
        fprintf(out, "  %-8s  %s%s\n", commands[i].name, commands[i].summary,
                commands[i].run ? "" : " (not yet available)");
    fputs("  help      show this help, or a command's (mqtts help pub)\n"
          "\n"
          "Options:\n"
          "  -h, --help     show this help and exit\n"
          "  -V, --version  print the version and exit\n"
          "\n"
          "Run 'mqtts <command> --help' for a command's options.\n\n",
          out);
    exit_codes_help(out);
}

static const command *find_command(const char *name)
{
    for (size_t i = 0; i < COMMAND_COUNT; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

static int usage_error(const char *what, const char *arg)
{
    fprintf(stderr, "mqtts: %s '%s'\nTry 'mqtts --help'.\n", what, arg);
    return EXIT_USAGE;
}

static int not_yet(const command *c)
{
    fprintf(stderr, "mqtts: '%s' is not yet available in mqtts %s\n", c->name,
            MQTTS_VERSION_STRING);
    return EXIT_USAGE;
}

/* mqtts help [COMMAND] */
static int help(int argc, char **argv)
{
    if (argc == 2) {
        usage(stdout);
        return EXIT_OK;
    }
    if (argc > 3)
        return usage_error("unexpected argument", argv[3]);
    const command *c = find_command(argv[2]);
    if (!c)
        return usage_error("unknown command", argv[2]);
    if (!c->run)
        return not_yet(c);
    char *args[] = {argv[2], "--help", NULL};
    return c->run(2, args);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fputs("mqtts: no command given\n\n", stderr);
        usage(stderr);
        return EXIT_USAGE;
    }
    const char *arg = argv[1];
    if (strcmp(arg, "help") == 0)
        return help(argc, argv);
    if (strcmp(arg, "--help") == 0 || strcmp(arg, "-h") == 0) {
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
    const command *c = find_command(arg);
    if (!c)
        return usage_error("unknown command", arg);
    if (!c->run)
        return not_yet(c);
    return c->run(argc - 1, argv + 1);
}
