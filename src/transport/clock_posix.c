/* A monotonic millisecond clock for POSIX hosts (it wraps every 49 days,
 * which the engine's wrap-safe comparisons allow) and a sleep. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <time.h>

#include "mqtts/client.h"

uint32_t mqtts_posix_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}

void mqtts_posix_sleep_ms(uint32_t ms)
{
    struct timespec left = {(time_t)(ms / 1000u), (long)(ms % 1000u) * 1000000L};
    while (nanosleep(&left, &left) != 0 && errno == EINTR)
        ;
}
