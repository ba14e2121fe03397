/*
 * Exact-size heap copies for tests, so that ASan sees any read past the end
 * of an input. Every allocation goes through test_acquire()/test_release();
 * a failed assertion leaves a test by longjmp, and test_release_all(), the
 * per-test teardown, frees what is left, so a failure is reported without a
 * leak report on top of it.
 */
#ifndef MQTTS_TEST_HEAP_H
#define MQTTS_TEST_HEAP_H

#include <stddef.h>

/* n zeroed bytes (gcc 12 warns when fresh malloc memory reaches a const
 * pointer); fails the test when out of memory or slots. */
void *test_acquire(size_t n);
void test_release(void *p);
/* A cmocka teardown: frees everything still acquired. */
int test_release_all(void **state);
/* An exact-size copy of p[0..n). */
void *test_heap_copy(const void *p, size_t n);

#endif
