/* src/rp2_common/pico_rand/include/pico/rand.h */
#ifndef CHECK_PICO_RAND_H
#define CHECK_PICO_RAND_H
#include "pico.h"
uint32_t get_rand_32(void);
uint64_t get_rand_64(void);
#endif
