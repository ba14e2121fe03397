/*
 * output.h - how `mqtts sub` prints a message: the payload alone, -v
 * (topic and payload), -F FORMAT (mosquitto_sub's format language) or
 * --json (one object per line). Also the JSON and base64 writers the
 * rest of the tool shares.
 */
#ifndef MQTTS_TOOL_OUTPUT_H
#define MQTTS_TOOL_OUTPUT_H

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

#include "mqtts/packet.h"
#include "opts.h"

typedef struct out_cfg {
    out_mode mode;
    const char *format; /* OUT_FORMAT */
    bool newline;       /* false with -N */
} out_cfg;

/* Prints m (props: its v5 properties, or NULL) received at `when` (wall
 * clock). Returns 0, or -1 when a %J payload is not JSON (said on stderr;
 * nothing printed). */
int output_message(FILE *f, const out_cfg *cfg, const mqtts_publish *m, const mqtts_props *props,
                   const struct timespec *when);

/* Whether fmt is a valid -F format; if not, why in err. */
bool format_check(const char *fmt, char *err, size_t errlen);

/* Whether s is UTF-8 (U+0000 allowed: JSON can carry it). */
bool utf8_valid(const uint8_t *s, size_t len);
/* s as a JSON string, quotes included; invalid UTF-8 becomes U+FFFD. */
void json_string(FILE *f, const uint8_t *s, size_t len);
void base64_write(FILE *f, const uint8_t *s, size_t len);
/* Whether s is one JSON value (for %J). */
bool json_valid(const uint8_t *s, size_t len);

#endif /* MQTTS_TOOL_OUTPUT_H */
