/* A monotonic millisecond clock for POSIX hosts; wraps every 49 days, which
 * the engine's wrap-safe comparisons allow. */
#define _POSIX_C_SOURCE 200809L
#include <time.h>

#include "mqtts/client.h"

uint32_t mqtts_posix_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}
