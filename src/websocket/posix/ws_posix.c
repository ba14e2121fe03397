/*
 * ws_posix.c - the POSIX defaults of mqtts_ws_config's entropy and now_ms
 * (see websocket.h). Not portable, so not beside the framing code:
 * src/websocket/CMakeLists.txt compiles it only with MQTTS_BUILD_POSIX and
 * then tells ws.c (MQTTS_WS_POSIX) to use it for a NULL callback; the size
 * report of the portable part never sees it.
 *
 * Entropy: getrandom() on Linux (glibc 2.25, the kernel's CSPRNG, blocks
 * only before the pool is first seeded at boot), getentropy() elsewhere
 * (macOS, the BSDs); at most 256 bytes per call either way, which is more
 * than a key (16) or a mask (4) takes.
 */
#define _DEFAULT_SOURCE 1 /* glibc: getentropy in unistd.h */
#if defined(__APPLE__)
#define _DARWIN_C_SOURCE 1
#endif

#include <errno.h>
#include <time.h>
#include <unistd.h>

#if defined(__linux__)
#include <sys/random.h>
#elif defined(__APPLE__)
#include <sys/random.h>
#endif

#include "mqtts/websocket.h"

int mqtts_ws_posix_entropy(void *user, uint8_t *out, size_t len)
{
    size_t done = 0;

    (void)user;
    while (done < len) {
        size_t want = len - done > 256 ? 256 : len - done;
#if defined(__linux__)
        ssize_t n = getrandom(out + done, want, 0);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            return -1;
        }
        done += (size_t)n;
#else
        if (getentropy(out + done, want) != 0)
            return -1;
        done += want;
#endif
    }
    return 0;
}

uint32_t mqtts_ws_posix_now_ms(void *user)
{
    struct timespec ts;

    (void)user;
    (void)clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint32_t)((uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u);
}
