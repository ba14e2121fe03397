/* src/rp2_common/pico_stdlib/include/pico/stdlib.h (with pico/stdio.h) */
#ifndef CHECK_PICO_STDLIB_H
#define CHECK_PICO_STDLIB_H
#include "pico.h"
#include "pico/time.h"
bool stdio_init_all(void);
#endif
