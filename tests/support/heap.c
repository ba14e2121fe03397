#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "heap.h"

#define LIVE_MAX 64
static void *live[LIVE_MAX];

void *test_acquire(size_t n)
{
    void *p = calloc(n ? n : 1, 1);
    assert_non_null(p);
    for (size_t i = 0; i < LIVE_MAX; i++) {
        if (!live[i]) {
            live[i] = p;
            return p;
        }
    }
    free(p);
    fail_msg("more than %d live allocations", LIVE_MAX);
    return NULL;
}

void test_release(void *p)
{
    if (!p)
        return;
    for (size_t i = 0; i < LIVE_MAX; i++) {
        if (live[i] == p) {
            live[i] = NULL;
            break;
        }
    }
    free(p);
}

int test_release_all(void **state)
{
    (void)state;
    for (size_t i = 0; i < LIVE_MAX; i++) {
        free(live[i]);
        live[i] = NULL;
    }
    return 0;
}

void *test_heap_copy(const void *p, size_t n)
{
    void *q = test_acquire(n);
    if (n)
        memcpy(q, p, n);
    return q;
}
