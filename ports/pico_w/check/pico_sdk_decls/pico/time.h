/* src/common/pico_time/include/pico/time.h (static inline there: here
 * declared) and hardware/timer.h */
#ifndef CHECK_PICO_TIME_H
#define CHECK_PICO_TIME_H
#include "pico.h"
absolute_time_t get_absolute_time(void);
uint64_t to_us_since_boot(absolute_time_t t);
uint32_t to_ms_since_boot(absolute_time_t t);
absolute_time_t make_timeout_time_ms(uint32_t ms);
void sleep_ms(uint32_t ms);
uint64_t time_us_64(void);
#endif
