/*
 * mqtts/config.h - compile-time options, each with its default and what it
 * costs. Override one with -D on the compiler command line (or a CMake cache
 * variable of the same name); never edit this file for a build.
 */
#ifndef MQTTS_CONFIG_H
#define MQTTS_CONFIG_H

/* MQTTS_CONFIG_NAMES: 1 (default) compiles in the human-readable names:
 * mqtts_strerror(), mqtts_reason_name() and mqtts_prop_name() return the
 * specification's text. 0 drops that text (about 3.5 KB of flash on a
 * Cortex-M0+, see scripts/size-report.sh) for firmware that reports status
 * without printing: the three functions then return "?" for every value
 * (mqtts_prop_name still returns NULL for an undefined identifier), and
 * error codes and reason codes are unchanged. Range: 0 or 1. */
#ifndef MQTTS_CONFIG_NAMES
#define MQTTS_CONFIG_NAMES 1
#endif

#if MQTTS_CONFIG_NAMES != 0 && MQTTS_CONFIG_NAMES != 1
#error "MQTTS_CONFIG_NAMES must be 0 or 1"
#endif

#endif /* MQTTS_CONFIG_H */
