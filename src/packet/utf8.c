/*
 * MQTT's UTF-8 rules (MQTT 5.0 section 1.5.4, 3.1.1 section 1.5.3): well-formed
 * UTF-8 per RFC 3629 and no U+0000. Each kind of fault has its own error, so a
 * log says which one a broker (or a caller) sent. Control characters and
 * non-characters are only "SHOULD NOT" in the spec and are accepted.
 */
#include "wire.h"

mqtts_err mqtts_utf8_check(const uint8_t *s, size_t len)
{
    size_t i = 0;
    while (i < len) {
        uint8_t b = s[i];
        if (b < 0x80u) {
            if (b == 0)
                return MQTTS_ERR_UTF8_NULL;
            i++;
            continue;
        }
        size_t n;
        uint32_t cp;
        if ((b & 0xE0u) == 0xC0u) {
            n = 2;
            cp = b & 0x1Fu;
        } else if ((b & 0xF0u) == 0xE0u) {
            n = 3;
            cp = b & 0x0Fu;
        } else if ((b & 0xF8u) == 0xF0u) {
            n = 4;
            cp = b & 0x07u;
        } else {
            return MQTTS_ERR_UTF8_MALFORMED; /* continuation byte or 0xF8..0xFF */
        }
        if (len - i < n)
            return MQTTS_ERR_UTF8_MALFORMED;
        for (size_t k = 1; k < n; k++) {
            if ((s[i + k] & 0xC0u) != 0x80u)
                return MQTTS_ERR_UTF8_MALFORMED;
            cp = (cp << 6) | (s[i + k] & 0x3Fu);
        }
        static const uint32_t min_for_len[5] = {0, 0, 0x80u, 0x800u, 0x10000u};
        if (cp < min_for_len[n])
            return MQTTS_ERR_UTF8_OVERLONG;
        if (cp >= 0xD800u && cp <= 0xDFFFu)
            return MQTTS_ERR_UTF8_SURROGATE;
        if (cp > 0x10FFFFu)
            return MQTTS_ERR_UTF8_TOO_LARGE;
        i += n;
    }
    return MQTTS_OK;
}

mqtts_err mqtts__check_string(const void *p, size_t len)
{
    if (len > 65535u)
        return MQTTS_ERR_STRING_TOO_LONG;
    if (len > 0 && p == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    return mqtts_utf8_check((const uint8_t *)p, len);
}

mqtts_err mqtts__check_binary(const void *p, size_t len)
{
    if (len > 65535u)
        return MQTTS_ERR_STRING_TOO_LONG;
    return (len > 0 && p == NULL) ? MQTTS_ERR_INVALID_ARGUMENT : MQTTS_OK;
}
