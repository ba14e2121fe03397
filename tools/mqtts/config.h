/*
 * config.h - the config file and the credential environment variables.
 *
 * $XDG_CONFIG_HOME/mqtts/config (default ~/.config/mqtts/config), INI:
 *
 *     # keys before any section, and in [default], apply to every run
 *     [hivemq]                 # selected with --profile hivemq
 *     host = abc123.s1.eu.hivemq.cloud
 *     port = 8883
 *     username = device-7
 *     password = "  spaces kept inside quotes  "
 *
 * Keys are the config keys of the option table (opts.c: host, port,
 * version, id, keepalive, username, password, cafile, capath, cert, key,
 * insecure, tls-alpn, tls-use-os-certs). A file that group or others may
 * read gets a warning: it may hold passwords.
 */
#ifndef MQTTS_TOOL_CONFIG_H
#define MQTTS_TOOL_CONFIG_H

#include "opts.h"

/* Applies the config file (if any) and MQTTS_USERNAME/MQTTS_PASSWORD to o,
 * under what the command line set. Returns EXIT_OK or an exit code. */
int config_load(tool_opts *o);

#endif /* MQTTS_TOOL_CONFIG_H */
