/*
 * props.h - MQTT 5 properties on the command line (-D CMD NAME VALUE, as
 * mosquitto_pub/sub spell them) and their names in output (--json, -F %j,
 * -d).
 */
#ifndef MQTTS_TOOL_PROPS_H
#define MQTTS_TOOL_PROPS_H

#include <stdint.h>

#include "opts.h"

/* The command-line name of a property ("content-type"), or NULL. */
const char *prop_key(uint8_t id);

/* -D CMD NAME VALUE [VALUE2] (VALUE2 only for user-property). Returns
 * EXIT_OK or an exit code, with the message printed. */
int props_apply(tool_opts *o, const char *cmd, const char *name, const char *value,
                const char *value2);

/* Hooks the user property arrays into the mqtts_props (call once the
 * arrays stop growing). */
void props_finish(tool_opts *o);
void props_free(tool_opts *o);

#endif /* MQTTS_TOOL_PROPS_H */
