/* pico.h (pico-sdk 2.x: src/common/pico_base_headers/include/pico.h,
 * pico/types.h, pico/platform.h): only what the port and example use. */
#ifndef CHECK_PICO_H
#define CHECK_PICO_H
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
typedef unsigned int uint; /* pico/types.h */
/* pico/types.h with PICO_OPAQUE_ABSOLUTE_TIME_T: a struct, so that it
 * cannot be used as a number by mistake. */
typedef struct {
    uint64_t _private_us_since_boot;
} absolute_time_t;
/* pico/platform.h */
static inline void tight_loop_contents(void) {}
#endif
