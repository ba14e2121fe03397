/*
 * text.c - the words of the TLS transport: the detail buffer, log lines,
 * dates, hex and alert names. Dates are computed here (days from the civil
 * calendar and back) rather than with gmtime(): a device's libc may have
 * none, and the same arithmetic serves the certificates' dates.
 */
#include <stdio.h>
#include <string.h>

#include <mbedtls/error.h>

#include "tls/tls_internal.h"

void tls_detail_raw(mqtts_tls *tls, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(tls->detail, sizeof tls->detail, fmt, ap);
    va_end(ap);
}

void tls_detail(tls_engine *e, const char *fmt, ...)
{
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(e->owner->detail, sizeof e->owner->detail, fmt, ap);
    va_end(ap);
}

void tls_append(char *out, size_t cap, const char *fmt, ...)
{
    size_t used = strlen(out);
    va_list ap;

    if (used + 1 >= cap)
        return;
    va_start(ap, fmt);
    (void)vsnprintf(out + used, cap - used, fmt, ap);
    va_end(ap);
}

void tls_log(const tls_engine *e, mqtts_tls_log_level level, const char *fmt, ...)
{
    char line[MQTTS_TLS_DETAIL_MAX];
    va_list ap;

    va_start(ap, fmt);
    (void)vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    if (e->cfg.log != NULL)
        e->cfg.log(e->cfg.user, level, line);
    else if (level == MQTTS_TLS_LOG_WARNING)
        (void)fprintf(stderr, "mqtts: %s\n", line);
}

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * days_from_civil). */
static int64_t days_from_civil(int64_t y, int64_t m, int64_t d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

int64_t tls_x509_time_to_epoch(const mbedtls_x509_time *t)
{
    return days_from_civil(t->year, t->mon, t->day) * 86400 + (int64_t)t->hour * 3600 +
           (int64_t)t->min * 60 + t->sec;
}

void tls_format_time(int64_t t, char *out, size_t cap)
{
    int64_t days = t >= 0 ? t / 86400 : (t - 86399) / 86400;
    int64_t secs = t - days * 86400;
    /* civil_from_days */
    int64_t z = days + 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    int64_t d = doy - (153 * mp + 2) / 5 + 1;
    int64_t m = mp + (mp < 10 ? 3 : -9);
    int64_t y = yoe + era * 400 + (m <= 2);

    (void)snprintf(out, cap, "%04lld-%02lld-%02lld %02lld:%02lld:%02lld UTC", (long long)y,
                   (long long)m, (long long)d, (long long)(secs / 3600),
                   (long long)(secs / 60 % 60), (long long)(secs % 60));
}

void tls_hex(const uint8_t *in, size_t len, char *out, size_t cap)
{
    static const char digits[] = "0123456789abcdef";
    size_t i;

    if (cap == 0)
        return;
    for (i = 0; i < len && 2 * i + 2 < cap; i++) {
        out[2 * i] = digits[in[i] >> 4];
        out[2 * i + 1] = digits[in[i] & 15];
    }
    out[2 * i] = '\0';
}

const char *tls_alert_name(int alert)
{
    switch (alert) {
    case 0: return "close_notify";
    case 10: return "unexpected_message";
    case 20: return "bad_record_mac";
    case 22: return "record_overflow";
    case 40: return "handshake_failure";
    case 42: return "bad_certificate";
    case 43: return "unsupported_certificate";
    case 44: return "certificate_revoked";
    case 45: return "certificate_expired";
    case 46: return "certificate_unknown";
    case 47: return "illegal_parameter";
    case 48: return "unknown_ca";
    case 49: return "access_denied";
    case 50: return "decode_error";
    case 51: return "decrypt_error";
    case 70: return "protocol_version";
    case 71: return "insufficient_security";
    case 80: return "internal_error";
    case 86: return "inappropriate_fallback";
    case 90: return "user_canceled";
    case 109: return "missing_extension";
    case 110: return "unsupported_extension";
    case 112: return "unrecognized_name";
    case 113: return "bad_certificate_status_response";
    case 115: return "unknown_psk_identity";
    case 116: return "certificate_required";
    case 120: return "no_application_protocol";
    default: return "unknown alert";
    }
}

void tls_mbedtls_words(int rc, char *out, size_t cap)
{
#if defined(MBEDTLS_ERROR_C)
    mbedtls_strerror(rc, out, cap);
#else
    (void)rc;
    if (cap > 0)
        out[0] = '\0';
#endif
}
