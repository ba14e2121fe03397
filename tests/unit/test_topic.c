/*
 * test_topic.c - mqtts_topic_name_check, mqtts_topic_filter_check,
 * mqtts_topic_matches and mqtts_utf8_check.
 *
 * The matching cases are the examples of section 4.7 of MQTT 3.1.1 and 5.0
 * (topic wildcards, topics beginning with '$', topic semantics), plus edge
 * cases around empty levels, shared subscriptions ("$share/{name}/{filter}",
 * MQTT 5.0 section 4.8.2) and the 65,535-byte string limit (section 1.5.4).
 *
 * Every string is handed to the library as an exact-size heap copy with no
 * terminating NUL, so AddressSanitizer reports a read past `len`.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "mqtts/error.h"
#include "mqtts/packet.h"

#include "heap.h"


/* ---------------------------------------------------------------------- */
/* Helpers: exact-size copies, no NUL terminator. */

static mqtts_err name_check(const char *s, size_t n)
{
    char *q = test_heap_copy(s, n);
    mqtts_err r = mqtts_topic_name_check(q, n);
    test_release(q);
    return r;
}

static mqtts_err filter_check(const char *s, size_t n)
{
    char *q = test_heap_copy(s, n);
    mqtts_err r = mqtts_topic_filter_check(q, n);
    test_release(q);
    return r;
}

static mqtts_err utf8_check(const char *s, size_t n)
{
    uint8_t *q = (uint8_t *)test_heap_copy(s, n);
    mqtts_err r = mqtts_utf8_check(q, n);
    test_release(q);
    return r;
}

static bool matches(const char *filter, const char *topic)
{
    size_t fl = strlen(filter), tl = strlen(topic);
    /* Preconditions of mqtts_topic_matches(): both valid. */
    assert_int_equal(filter_check(filter, fl), MQTTS_OK);
    assert_int_equal(name_check(topic, tl), MQTTS_OK);
    char *f = test_heap_copy(filter, fl);
    char *t = test_heap_copy(topic, tl);
    bool r = mqtts_topic_matches(f, fl, t, tl);
    test_release(f);
    test_release(t);
    return r;
}

#define NAME(s, err) name_case((s), sizeof(s) - 1, (err), __LINE__)
#define FILTER(s, err) filter_case((s), sizeof(s) - 1, (err), __LINE__)
#define UTF8(s, err) utf8_case((s), sizeof(s) - 1, (err), __LINE__)

static void name_case(const char *s, size_t n, mqtts_err want, int line)
{
    mqtts_err got = name_check(s, n);
    if (got != want)
        print_error("line %d: topic name check: expected %d, got %d\n", line, (int)want,
                    (int)got);
    assert_int_equal(got, want);
}

static void filter_case(const char *s, size_t n, mqtts_err want, int line)
{
    mqtts_err got = filter_check(s, n);
    if (got != want)
        print_error("line %d: topic filter check: expected %d, got %d\n", line, (int)want,
                    (int)got);
    assert_int_equal(got, want);
}

static void utf8_case(const char *s, size_t n, mqtts_err want, int line)
{
    mqtts_err got = utf8_check(s, n);
    if (got != want)
        print_error("line %d: utf8 check: expected %d, got %d\n", line, (int)want, (int)got);
    assert_int_equal(got, want);
}

#define MATCH(f, t) match_case((f), (t), true, __LINE__)
#define NO_MATCH(f, t) match_case((f), (t), false, __LINE__)

static void match_case(const char *f, const char *t, bool want, int line)
{
    bool got = matches(f, t);
    if (got != want)
        print_error("line %d: \"%s\" vs \"%s\": expected %s\n", line, f, t,
                    want ? "match" : "no match");
    assert_true(got == want);
}

/* ---------------------------------------------------------------------- */
/* Section 4.7.1: wildcards. */

static void test_topic_matches_spec_multi_level(void **state)
{
    (void)state;
    /* 4.7.1.2 */
    MATCH("sport/tennis/player1/#", "sport/tennis/player1");
    MATCH("sport/tennis/player1/#", "sport/tennis/player1/ranking");
    MATCH("sport/tennis/player1/#", "sport/tennis/player1/score/wimbledon");
    MATCH("sport/#", "sport");
    MATCH("#", "sport");
    MATCH("#", "sport/tennis/player1");
    NO_MATCH("sport/tennis/player1/#", "sport/tennis/player2");
    NO_MATCH("sport/tennis/player1/#", "sport/tennis");
    NO_MATCH("sport/tennis/player1/#", "sport/tennis/player10");
}

static void test_topic_matches_spec_single_level(void **state)
{
    (void)state;
    /* 4.7.1.3 */
    MATCH("sport/tennis/+", "sport/tennis/player1");
    MATCH("sport/tennis/+", "sport/tennis/player2");
    NO_MATCH("sport/tennis/+", "sport/tennis/player1/ranking");
    NO_MATCH("sport/+", "sport");
    MATCH("sport/+", "sport/");
    MATCH("+/+", "/finance");
    MATCH("/+", "/finance");
    NO_MATCH("+", "/finance");
    MATCH("sport/+/player1", "sport/tennis/player1");
    NO_MATCH("sport/+/player1", "sport/tennis/player2");
    MATCH("+/tennis/#", "sport/tennis/player1/ranking");
    MATCH("+/tennis/#", "sport/tennis");
    NO_MATCH("+/tennis/#", "sport/golf");
}

static void test_topic_matches_dollar_topics(void **state)
{
    (void)state;
    /* 4.7.2 [MQTT-4.7.2-1] */
    NO_MATCH("#", "$SYS/monitor/Clients");
    NO_MATCH("+/monitor/Clients", "$SYS/monitor/Clients");
    MATCH("$SYS/#", "$SYS/monitor/Clients");
    MATCH("$SYS/monitor/+", "$SYS/monitor/Clients");
    MATCH("$SYS/#", "$SYS");
    NO_MATCH("#", "$SYS");
    NO_MATCH("+", "$SYS");
    NO_MATCH("+/#", "$SYS/x");
    /* Only a leading '$' is special. */
    MATCH("#", "a/$SYS");
    MATCH("+/+", "a/$b");
    MATCH("+", "a$");
}

static void test_topic_matches_semantics(void **state)
{
    (void)state;
    /* 4.7.3: case sensitive, spaces allowed, leading '/' is a level. */
    NO_MATCH("ACCOUNTS", "Accounts");
    NO_MATCH("Accounts", "ACCOUNTS");
    MATCH("Accounts payable", "Accounts payable");
    NO_MATCH("/finance", "finance");
    NO_MATCH("finance", "/finance");
    MATCH("/", "/");
    NO_MATCH("/", "a");
    MATCH("finance", "finance");
    NO_MATCH("a/b", "a/b/");
    NO_MATCH("a/b", "a");
    NO_MATCH("a/b", "a/bc");
    NO_MATCH("a/bc", "a/b");
}

static void test_topic_matches_empty_levels(void **state)
{
    (void)state;
    MATCH("a//c", "a//c");
    NO_MATCH("a//c", "a/b/c");
    MATCH("a/+/c", "a//c");
    MATCH("+", "a");
    NO_MATCH("+", "a/");
    MATCH("+/+", "a/");
    MATCH("+/+", "/");
    MATCH("+/#", "/");
    MATCH("#", "/");
    MATCH("//", "//");
    MATCH("+/+/+", "//");
    NO_MATCH("+/+", "//");
    MATCH("/#", "/");
    MATCH("/#", "/a/b");
    NO_MATCH("/#", "a");
    MATCH("a/#", "a/");
    MATCH("a/+/#", "a/b");
    MATCH("a/+/#", "a/b/c/d");
    MATCH("a/+/#", "a/");
    NO_MATCH("a/+/#", "a");
    MATCH("sport/#", "sport/");
}

/* ---------------------------------------------------------------------- */
/* Filter and name validity. */

static void test_topic_filter_check_valid(void **state)
{
    (void)state;
    FILTER("#", MQTTS_OK);
    FILTER("+", MQTTS_OK);
    FILTER("+/tennis/#", MQTTS_OK);
    FILTER("sport/+/player1", MQTTS_OK);
    FILTER("sport/tennis/player1/#", MQTTS_OK);
    FILTER("sport/#", MQTTS_OK);
    FILTER("+/+", MQTTS_OK);
    FILTER("/+", MQTTS_OK);
    FILTER("/", MQTTS_OK);
    FILTER("//", MQTTS_OK);
    FILTER("a//b", MQTTS_OK);
    FILTER("/#", MQTTS_OK);
    FILTER("+/#", MQTTS_OK);
    FILTER("$SYS/#", MQTTS_OK);
    FILTER("Accounts payable", MQTTS_OK);
    FILTER("a", MQTTS_OK);
    FILTER("\xC3\xA9/+/\xE2\x82\xAC", MQTTS_OK); /* é/+/€ */
    FILTER("$shared/a", MQTTS_OK);               /* not "$share/" */
    FILTER("$sharex/+", MQTTS_OK);
}

static void test_topic_filter_check_invalid(void **state)
{
    (void)state;
    FILTER("sport/tennis#", MQTTS_ERR_FILTER_INVALID);
    FILTER("sport/tennis/#/ranking", MQTTS_ERR_FILTER_INVALID);
    FILTER("sport+", MQTTS_ERR_FILTER_INVALID);
    FILTER("#/a", MQTTS_ERR_FILTER_INVALID);
    FILTER("a#", MQTTS_ERR_FILTER_INVALID);
    FILTER("+a", MQTTS_ERR_FILTER_INVALID);
    FILTER("a/+b", MQTTS_ERR_FILTER_INVALID);
    FILTER("a/b+/c", MQTTS_ERR_FILTER_INVALID);
    FILTER("##", MQTTS_ERR_FILTER_INVALID);
    FILTER("++", MQTTS_ERR_FILTER_INVALID);
    FILTER("#/", MQTTS_ERR_FILTER_INVALID);
    FILTER("a/#/", MQTTS_ERR_FILTER_INVALID);
    FILTER("a/#b", MQTTS_ERR_FILTER_INVALID);
}

/* A zero-length filter. The header says "non-empty" but names no code for
 * it: TOPIC_EMPTY ("zero-length topic name") and FILTER_INVALID are both
 * readings of the contract, so either is accepted here. */
static void test_topic_filter_check_empty(void **state)
{
    (void)state;
    mqtts_err r = filter_check("", 0);
    assert_true(r == MQTTS_ERR_TOPIC_EMPTY || r == MQTTS_ERR_FILTER_INVALID);
}

static void test_topic_name_check(void **state)
{
    (void)state;
    NAME("sport/tennis/player1", MQTTS_OK);
    NAME("/finance", MQTTS_OK);
    NAME("/", MQTTS_OK);
    NAME("a//b", MQTTS_OK);
    NAME("Accounts payable", MQTTS_OK);
    NAME("$SYS/monitor/Clients", MQTTS_OK);
    NAME("\xC3\xA9\xE2\x82\xAC\xF0\x9D\x84\x9E", MQTTS_OK); /* é€𝄞 */
    NAME("", MQTTS_ERR_TOPIC_EMPTY);
    NAME("+", MQTTS_ERR_TOPIC_WILDCARD);
    NAME("#", MQTTS_ERR_TOPIC_WILDCARD);
    NAME("sport/+", MQTTS_ERR_TOPIC_WILDCARD);
    NAME("sport/#", MQTTS_ERR_TOPIC_WILDCARD);
    NAME("sport+", MQTTS_ERR_TOPIC_WILDCARD);
    NAME("a#b", MQTTS_ERR_TOPIC_WILDCARD);
    NAME("a\0b", MQTTS_ERR_UTF8_NULL);
    NAME("a/\xED\xA0\x80", MQTTS_ERR_UTF8_SURROGATE);
    NAME("\xC0\xAF", MQTTS_ERR_UTF8_OVERLONG);
    NAME("\xF4\x90\x80\x80", MQTTS_ERR_UTF8_TOO_LARGE);
    NAME("a\x80", MQTTS_ERR_UTF8_MALFORMED);
    NAME("\xFF", MQTTS_ERR_UTF8_MALFORMED);
}

static void test_topic_filter_check_utf8(void **state)
{
    (void)state;
    FILTER("a/\0", MQTTS_ERR_UTF8_NULL);
    FILTER("\xED\xBF\xBF/#", MQTTS_ERR_UTF8_SURROGATE);
    FILTER("+/\xE0\x80\xAF", MQTTS_ERR_UTF8_OVERLONG);
    FILTER("\xF4\x90\x80\x80", MQTTS_ERR_UTF8_TOO_LARGE);
    FILTER("a/\xE2\x82", MQTTS_ERR_UTF8_MALFORMED);
}

/* ---------------------------------------------------------------------- */
/* Shared subscriptions. */

static void test_topic_filter_check_shared(void **state)
{
    (void)state;
    FILTER("$share/g/a/+", MQTTS_OK);
    FILTER("$share/g/#", MQTTS_OK);
    FILTER("$share/g/+", MQTTS_OK);
    FILTER("$share/group-1/sport/tennis/#", MQTTS_OK);
    FILTER("$share/g//", MQTTS_OK);
    FILTER("$share/g/$SYS/#", MQTTS_OK);
    FILTER("$share/\xC3\xA9/a", MQTTS_OK);
    /* A bad ShareName: empty, or with '+', '#' [MQTT-4.8.2-2]. */
    FILTER("$share//a", MQTTS_ERR_SHARE_NAME_INVALID);
    FILTER("$share/g+/a", MQTTS_ERR_SHARE_NAME_INVALID);
    FILTER("$share/+/a", MQTTS_ERR_SHARE_NAME_INVALID);
    FILTER("$share/g#/a", MQTTS_ERR_SHARE_NAME_INVALID);
    FILTER("$share/#/a", MQTTS_ERR_SHARE_NAME_INVALID);
    FILTER("$share/", MQTTS_ERR_SHARE_NAME_INVALID);
    /* "The ShareName ... MUST be followed by a '/' character"
     * [MQTT-4.8.2-2]: a name with nothing after it is a ShareName fault. */
    FILTER("$share/g", MQTTS_ERR_SHARE_NAME_INVALID);
    /* A good name and '/', but the filter after it is bad. */
    FILTER("$share/g/a#", MQTTS_ERR_FILTER_INVALID);
    FILTER("$share/g/#/a", MQTTS_ERR_FILTER_INVALID);
    FILTER("$share/g/a+", MQTTS_ERR_FILTER_INVALID);
    FILTER("$share/g/+a", MQTTS_ERR_FILTER_INVALID);
}

/* "$share/g/": name and '/' fine, filter zero-length. [MQTT-4.8.2-2] puts
 * "This '/' character MUST be followed by a Topic Filter" in the ShareName
 * rule, but the header's SHARE_NAME_INVALID says "a bad name" and the name
 * is fine; TOPIC_EMPTY and FILTER_INVALID are also readings. Any of the
 * three is accepted; it must be rejected. */
static void test_topic_filter_check_shared_empty_filter(void **state)
{
    (void)state;
    mqtts_err r = filter_check("$share/g/", 9);
    assert_true(r == MQTTS_ERR_SHARE_NAME_INVALID || r == MQTTS_ERR_FILTER_INVALID ||
                r == MQTTS_ERR_TOPIC_EMPTY);
}

static void test_topic_matches_shared(void **state)
{
    (void)state;
    MATCH("$share/g/a/+", "a/b");
    NO_MATCH("$share/g/a/+", "a/b/c");
    NO_MATCH("$share/g/a/+", "b/b");
    NO_MATCH("$share/g/a/+", "a");
    MATCH("$share/g/#", "a/b/c");
    MATCH("$share/g/#", "x");
    NO_MATCH("$share/g/#", "$SYS/x");
    MATCH("$share/g/$SYS/#", "$SYS/x");
    MATCH("$share/group-1/sport/tennis/+", "sport/tennis/player1");
    /* The share prefix is not part of what is matched. */
    NO_MATCH("$share/g/a/+", "$share/g/a/b");
    NO_MATCH("$share/g/x", "g/x");
}

/* ---------------------------------------------------------------------- */
/* Lengths: a UTF-8 string is at most 65,535 bytes [MQTT-1.5.4]. */

static void test_topic_name_check_length(void **state)
{
    (void)state;
    char *s = test_acquire(65536 + 1);
    assert_non_null(s);
    memset(s, 'a', 65536);
    assert_int_equal(name_check(s, 65535), MQTTS_OK);
    assert_int_equal(name_check(s, 65536), MQTTS_ERR_STRING_TOO_LONG);
    s[0] = '/';
    s[65534] = '/';
    assert_int_equal(name_check(s, 65535), MQTTS_OK);
    /* 21,845 euro signs of 3 bytes: 65,535 bytes. */
    for (size_t i = 0; i + 3 <= 65535; i += 3)
        memcpy(s + i, "\xE2\x82\xAC", 3);
    assert_int_equal(name_check(s, 65535), MQTTS_OK);
    test_release(s);
}

static void test_topic_filter_check_length(void **state)
{
    (void)state;
    char *s = test_acquire(65536 + 1);
    assert_non_null(s);
    memset(s, 'a', 65536);
    assert_int_equal(filter_check(s, 65535), MQTTS_OK);
    assert_int_equal(filter_check(s, 65536), MQTTS_ERR_STRING_TOO_LONG);
    /* "aaa.../#", 65,535 bytes. */
    s[65533] = '/';
    s[65534] = '#';
    assert_int_equal(filter_check(s, 65535), MQTTS_OK);
    /* 65,536 bytes of "+/+/.../+/" then '+' ... : too long. */
    for (size_t i = 0; i < 65536; i++)
        s[i] = (i % 2) ? '/' : '+';
    assert_int_equal(filter_check(s, 65535), MQTTS_OK); /* ends with '+' */
    assert_int_equal(filter_check(s, 65536), MQTTS_ERR_STRING_TOO_LONG);
    test_release(s);
}

static void test_topic_matches_long(void **state)
{
    (void)state;
    char *t = test_acquire(65535);
    assert_non_null(t);
    memset(t, 'a', 65535);
    t[1] = '/';
    char *tc = test_heap_copy(t, 65535);
    assert_true(mqtts_topic_matches("a/#", 3, tc, 65535));
    assert_true(mqtts_topic_matches("+/+", 3, tc, 65535));
    assert_false(mqtts_topic_matches("+", 1, tc, 65535));
    assert_true(mqtts_topic_matches(tc, 65535, tc, 65535));
    test_release(tc);
    test_release(t);
}

/* ---------------------------------------------------------------------- */
/* UTF-8 (section 1.5.4; Unicode 3.9 table 3-7 well-formed sequences). */

static void test_utf8_check_valid(void **state)
{
    (void)state;
    assert_int_equal(mqtts_utf8_check((const uint8_t *)"", 0), MQTTS_OK);
    UTF8("plain ASCII", MQTTS_OK);
    UTF8("\xC3\xA9", MQTTS_OK);             /* é U+00E9 */
    UTF8("\xE2\x82\xAC", MQTTS_OK);         /* € U+20AC */
    UTF8("\xF0\x9D\x84\x9E", MQTTS_OK);     /* 𝄞 U+1D11E */
    UTF8("\xEF\xBF\xBF", MQTTS_OK);         /* U+FFFF, a non-character */
    UTF8("\xEF\xBF\xBE", MQTTS_OK);         /* U+FFFE, a non-character */
    UTF8("\xF4\x8F\xBF\xBF", MQTTS_OK);     /* U+10FFFF, the last code point */
    UTF8("\xEF\xBB\xBF", MQTTS_OK);         /* U+FEFF, not stripped [MQTT-1.5.4-3] */
    UTF8("\xC2\x80", MQTTS_OK);             /* U+0080, smallest 2-byte */
    UTF8("\xDF\xBF", MQTTS_OK);             /* U+07FF, largest 2-byte */
    UTF8("\xE0\xA0\x80", MQTTS_OK);         /* U+0800, smallest 3-byte */
    UTF8("\xED\x9F\xBF", MQTTS_OK);         /* U+D7FF, just below surrogates */
    UTF8("\xEE\x80\x80", MQTTS_OK);         /* U+E000, just above surrogates */
    UTF8("\xF0\x90\x80\x80", MQTTS_OK);     /* U+10000, smallest 4-byte */
    UTF8("\x01\x1F\x7F", MQTTS_OK);         /* control characters: allowed by the
                                              * header's contract (the spec says a
                                              * receiver MAY reject them) */
    UTF8("\xC2\x9F", MQTTS_OK);             /* U+009F */
    UTF8("a\xC3\xA9" "b\xE2\x82\xAC" "c\xF0\x9D\x84\x9E" "d", MQTTS_OK);
}

static void test_utf8_check_null(void **state)
{
    (void)state;
    UTF8("\0", MQTTS_ERR_UTF8_NULL);
    UTF8("a\0b", MQTTS_ERR_UTF8_NULL);
    UTF8("abc\0", MQTTS_ERR_UTF8_NULL);
    /* Only the first len bytes count. */
    assert_int_equal(utf8_check("a\0", 1), MQTTS_OK);
}

static void test_utf8_check_surrogate(void **state)
{
    (void)state;
    UTF8("\xED\xA0\x80", MQTTS_ERR_UTF8_SURROGATE);             /* U+D800 */
    UTF8("\xED\xAF\xBF", MQTTS_ERR_UTF8_SURROGATE);             /* U+DBFF */
    UTF8("\xED\xB0\x80", MQTTS_ERR_UTF8_SURROGATE);             /* U+DC00 */
    UTF8("\xED\xBF\xBF", MQTTS_ERR_UTF8_SURROGATE);             /* U+DFFF */
    UTF8("\xED\xA0\xBD\xED\xB8\x80", MQTTS_ERR_UTF8_SURROGATE); /* CESU-8 pair */
    UTF8("ok\xED\xA0\x80", MQTTS_ERR_UTF8_SURROGATE);
}

static void test_utf8_check_overlong(void **state)
{
    (void)state;
    UTF8("\xC0\xAF", MQTTS_ERR_UTF8_OVERLONG);         /* '/' in 2 bytes */
    UTF8("\xC1\xBF", MQTTS_ERR_UTF8_OVERLONG);         /* U+007F in 2 bytes */
    UTF8("\xE0\x80\xAF", MQTTS_ERR_UTF8_OVERLONG);     /* '/' in 3 bytes */
    UTF8("\xE0\x9F\xBF", MQTTS_ERR_UTF8_OVERLONG);     /* U+07FF in 3 bytes */
    UTF8("\xF0\x80\x80\xAF", MQTTS_ERR_UTF8_OVERLONG); /* '/' in 4 bytes */
    UTF8("\xF0\x8F\xBF\xBF", MQTTS_ERR_UTF8_OVERLONG); /* U+FFFF in 4 bytes */
    UTF8("a\xC0\xAF" "b", MQTTS_ERR_UTF8_OVERLONG);
}

/* U+0000 written overlong ("modified UTF-8"): it is both overlong and a
 * null; the header orders neither, so either is accepted - but it must be
 * rejected. */
static void test_utf8_check_overlong_null(void **state)
{
    (void)state;
    mqtts_err r = utf8_check("\xC0\x80", 2);
    assert_true(r == MQTTS_ERR_UTF8_OVERLONG || r == MQTTS_ERR_UTF8_NULL);
    r = utf8_check("\xE0\x80\x80", 3);
    assert_true(r == MQTTS_ERR_UTF8_OVERLONG || r == MQTTS_ERR_UTF8_NULL);
}

static void test_utf8_check_too_large(void **state)
{
    (void)state;
    UTF8("\xF4\x90\x80\x80", MQTTS_ERR_UTF8_TOO_LARGE); /* U+110000 */
    UTF8("\xF4\xBF\xBF\xBF", MQTTS_ERR_UTF8_TOO_LARGE); /* U+13FFFF */
    UTF8("a\xF4\x90\x80\x80", MQTTS_ERR_UTF8_TOO_LARGE);
    /* Lead bytes F5..F7 can only start values above U+10FFFF; whether that
     * is "too large" or "not UTF-8" the header leaves open. */
    mqtts_err r = utf8_check("\xF5\x80\x80\x80", 4);
    assert_true(r == MQTTS_ERR_UTF8_TOO_LARGE || r == MQTTS_ERR_UTF8_MALFORMED);
    r = utf8_check("\xF7\xBF\xBF\xBF", 4);
    assert_true(r == MQTTS_ERR_UTF8_TOO_LARGE || r == MQTTS_ERR_UTF8_MALFORMED);
}

static void test_utf8_check_malformed(void **state)
{
    (void)state;
    UTF8("\x80", MQTTS_ERR_UTF8_MALFORMED);             /* lone continuation */
    UTF8("\xBF", MQTTS_ERR_UTF8_MALFORMED);             /* lone continuation */
    UTF8("a\x80" "b", MQTTS_ERR_UTF8_MALFORMED);        /* continuation after ASCII */
    UTF8("\xC3\xA9\xA9", MQTTS_ERR_UTF8_MALFORMED);     /* one continuation too many */
    UTF8("\xC3", MQTTS_ERR_UTF8_MALFORMED);             /* truncated 2-byte at end */
    UTF8("\xE2\x82", MQTTS_ERR_UTF8_MALFORMED);         /* truncated 3-byte at end */
    UTF8("\xF0\x9D\x84", MQTTS_ERR_UTF8_MALFORMED);     /* truncated 4-byte at end */
    UTF8("\xE2\x82" "a", MQTTS_ERR_UTF8_MALFORMED);     /* truncated before ASCII */
    UTF8("\xC3" "a", MQTTS_ERR_UTF8_MALFORMED);         /* lead then ASCII */
    UTF8("\xE2\x28\xA1", MQTTS_ERR_UTF8_MALFORMED);     /* bad 2nd byte */
    UTF8("\xF0\x9D\x28\x9E", MQTTS_ERR_UTF8_MALFORMED); /* bad 3rd byte */
    UTF8("\xFF", MQTTS_ERR_UTF8_MALFORMED);
    UTF8("\xFE", MQTTS_ERR_UTF8_MALFORMED);
    UTF8("abc\xFF", MQTTS_ERR_UTF8_MALFORMED);
    UTF8("\xC3\xA9\xFF", MQTTS_ERR_UTF8_MALFORMED);
}

/* Sequences cut at the end of the buffer, one byte at a time: the check
 * must stop at len (ASan catches a look at the next byte). */
static void test_utf8_check_prefixes(void **state)
{
    static const char *full[] = {
        "\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9D\x84\x9E", "\xF4\x8F\xBF\xBF",
    };
    (void)state;
    for (size_t i = 0; i < sizeof full / sizeof full[0]; i++) {
        size_t n = strlen(full[i]);
        assert_int_equal(utf8_check(full[i], n), MQTTS_OK);
        for (size_t k = 1; k < n; k++)
            assert_int_equal(utf8_check(full[i], k), MQTTS_ERR_UTF8_MALFORMED);
    }
}

int main(void)
{
    static const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_topic_matches_spec_multi_level, test_release_all),
        cmocka_unit_test_teardown(test_topic_matches_spec_single_level, test_release_all),
        cmocka_unit_test_teardown(test_topic_matches_dollar_topics, test_release_all),
        cmocka_unit_test_teardown(test_topic_matches_semantics, test_release_all),
        cmocka_unit_test_teardown(test_topic_matches_empty_levels, test_release_all),
        cmocka_unit_test_teardown(test_topic_filter_check_valid, test_release_all),
        cmocka_unit_test_teardown(test_topic_filter_check_invalid, test_release_all),
        cmocka_unit_test_teardown(test_topic_filter_check_empty, test_release_all),
        cmocka_unit_test_teardown(test_topic_name_check, test_release_all),
        cmocka_unit_test_teardown(test_topic_filter_check_utf8, test_release_all),
        cmocka_unit_test_teardown(test_topic_filter_check_shared, test_release_all),
        cmocka_unit_test_teardown(test_topic_filter_check_shared_empty_filter, test_release_all),
        cmocka_unit_test_teardown(test_topic_matches_shared, test_release_all),
        cmocka_unit_test_teardown(test_topic_name_check_length, test_release_all),
        cmocka_unit_test_teardown(test_topic_filter_check_length, test_release_all),
        cmocka_unit_test_teardown(test_topic_matches_long, test_release_all),
        cmocka_unit_test_teardown(test_utf8_check_valid, test_release_all),
        cmocka_unit_test_teardown(test_utf8_check_null, test_release_all),
        cmocka_unit_test_teardown(test_utf8_check_surrogate, test_release_all),
        cmocka_unit_test_teardown(test_utf8_check_overlong, test_release_all),
        cmocka_unit_test_teardown(test_utf8_check_overlong_null, test_release_all),
        cmocka_unit_test_teardown(test_utf8_check_too_large, test_release_all),
        cmocka_unit_test_teardown(test_utf8_check_malformed, test_release_all),
        cmocka_unit_test_teardown(test_utf8_check_prefixes, test_release_all),
    };
    return cmocka_run_group_tests_name("topic", tests, NULL, NULL);
}
