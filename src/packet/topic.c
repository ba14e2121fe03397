/*
 * Topic names, topic filters and matching (MQTT 5.0 section 4.7, 3.1.1
 * section 4.7). Matching walks both strings level by level without copying,
 * so it costs nothing but the comparison itself.
 */
#include "wire.h"

static bool has_wildcard(const char *s, size_t len)
{
    return memchr(s, '+', len) != NULL || memchr(s, '#', len) != NULL;
}

mqtts_err mqtts__check_topic_name(const char *t, size_t len, bool allow_empty)
{
    if (len == 0)
        return allow_empty ? MQTTS_OK : MQTTS_ERR_TOPIC_EMPTY;
    mqtts_err e = mqtts__check_string(t, len);
    if (e != MQTTS_OK)
        return e;
    return has_wildcard(t, len) ? MQTTS_ERR_TOPIC_WILDCARD : MQTTS_OK;
}

mqtts_err mqtts_topic_name_check(const char *topic, size_t len)
{
    return mqtts__check_topic_name(topic, len, false);
}

static const char share_prefix[] = "$share/";
#define SHARE_PREFIX_LEN (sizeof share_prefix - 1)

static bool is_shared(const char *f, size_t len)
{
    return len >= SHARE_PREFIX_LEN && memcmp(f, share_prefix, SHARE_PREFIX_LEN) == 0;
}

/* Length of "$share/{name}/" when f is a shared subscription, else 0. Sets
 * *bad when the share name is not acceptable. */
static size_t share_skip(const char *f, size_t len, bool *bad)
{
    *bad = false;
    if (!is_shared(f, len))
        return 0;
    const char *name = f + SHARE_PREFIX_LEN;
    size_t rest = len - SHARE_PREFIX_LEN;
    const char *slash = memchr(name, '/', rest);
    size_t name_len = slash ? (size_t)(slash - name) : rest;
    /* [MQTT-4.8.2-1], [MQTT-4.8.2-2]: non-empty, no wildcards, and a filter follows. */
    if (name_len == 0 || has_wildcard(name, name_len) || !slash || name_len + 1 == rest) {
        *bad = true;
        return 0;
    }
    return SHARE_PREFIX_LEN + name_len + 1;
}

mqtts_err mqtts_topic_filter_check(const char *filter, size_t len)
{
    if (len == 0)
        return MQTTS_ERR_TOPIC_EMPTY;
    mqtts_err e = mqtts__check_string(filter, len);
    if (e != MQTTS_OK)
        return e;
    bool bad;
    size_t skip = share_skip(filter, len, &bad);
    if (bad)
        return MQTTS_ERR_SHARE_NAME_INVALID;
    for (size_t i = skip; i < len; i++) {
        char c = filter[i];
        if (c != '+' && c != '#')
            continue;
        bool starts_level = i == skip || filter[i - 1] == '/';
        bool ends_level = i + 1 == len || filter[i + 1] == '/';
        if (!starts_level || !ends_level || (c == '#' && i + 1 != len))
            return MQTTS_ERR_FILTER_INVALID;
    }
    return MQTTS_OK;
}

bool mqtts_topic_matches(const char *filter, size_t flen, const char *topic, size_t tlen)
{
    bool bad;
    size_t skip = share_skip(filter, flen, &bad);
    if (bad)
        return false;
    filter += skip;
    flen -= skip;
    /* [MQTT-4.7.2-1]: wildcards at the first level do not match $-topics. */
    if (tlen > 0 && topic[0] == '$' && flen > 0 && (filter[0] == '+' || filter[0] == '#'))
        return false;

    size_t f = 0, t = 0;
    for (;;) {
        if (f < flen && filter[f] == '#')
            return true; /* matches this level and everything below, incl. the parent */
        if (f < flen && filter[f] == '+') {
            f++;
            while (t < tlen && topic[t] != '/')
                t++;
        } else {
            while (f < flen && t < tlen && filter[f] != '/' && filter[f] == topic[t]) {
                f++;
                t++;
            }
            bool f_end = f == flen || filter[f] == '/';
            bool t_end = t == tlen || topic[t] == '/';
            if (!f_end || !t_end)
                return false;
        }
        /* Both are at a level boundary. */
        if (f == flen && t == tlen)
            return true;
        if (f == flen)
            return false;
        if (t == tlen) {
            /* "sport/#" matches "sport": the filter may end in "/#". */
            return flen - f == 2 && filter[f] == '/' && filter[f + 1] == '#';
        }
        f++; /* both on '/' */
        t++;
    }
}
