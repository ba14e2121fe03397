/*
 * Request/response over MQTT: a request names where its reply goes and
 * carries a correlation value the reply echoes.
 *
 * MQTT 5 (section 4.10) has properties for both: Response Topic and
 * Correlation Data. MQTT 3.1.1 has none, so mqtts uses a topic convention
 * (docs/request-response.md), the same in the library, the tool and the
 * device runtime:
 *
 *   request   published on  REQUEST_TOPIC/CORR        (responders subscribe
 *                                                      to REQUEST_TOPIC/+)
 *   reply     published on  REQUEST_TOPIC/CORR/reply  (the requester
 *                                                      subscribes to it)
 *
 * CORR is the correlation value in lowercase hex (at most
 * MQTTS_RR_CORRELATION_MAX bytes). The payloads are the application's, in
 * both versions.
 */
#include <string.h>

#include "mqtts/client.h"

#define REPLY_SUFFIX "/reply"

/* The longest topic built here: a topic of up to 192 bytes, "/", the hex,
 * "/reply". It lives on the stack only while the packet is encoded. */
#define TOPIC_MAX (192u + 1u + 2u * MQTTS_RR_CORRELATION_MAX + sizeof REPLY_SUFFIX)

static size_t put_hex(char *out, mqtts_bin b)
{
    static const char digits[] = "0123456789abcdef";
    for (size_t i = 0; i < b.len; i++) {
        out[2 * i] = digits[b.ptr[i] >> 4];
        out[2 * i + 1] = digits[b.ptr[i] & 15u];
    }
    return 2 * b.len;
}

/* topic + "/" + hex(corr) + suffix into buf; 0 when it does not fit. */
static size_t join_topic(char *buf, mqtts_str topic, mqtts_bin corr, const char *suffix)
{
    size_t sl = strlen(suffix);
    if (topic.len > 192u || corr.len == 0 || corr.len > MQTTS_RR_CORRELATION_MAX)
        return 0;
    size_t n = 0;
    memcpy(buf, topic.ptr, topic.len);
    n += topic.len;
    buf[n++] = '/';
    n += put_hex(buf + n, corr);
    memcpy(buf + n, suffix, sl);
    return n + sl;
}

static mqtts_version version_of(const mqtts_client *c)
{
    return c->cfg->session.version;
}

mqtts_err mqtts_client_request(mqtts_client *c, const mqtts_publish *request,
                               mqtts_str response_topic, mqtts_bin correlation,
                               uint16_t *packet_id)
{
    if (!c || !request || correlation.len == 0 || correlation.len > MQTTS_RR_CORRELATION_MAX)
        return MQTTS_ERR_INVALID_ARGUMENT;
    mqtts_publish p = *request;
    if (version_of(c) == MQTTS_V5) {
        if (response_topic.len == 0)
            return MQTTS_ERR_INVALID_ARGUMENT;
        p.props.present |= MQTTS_PROP_BIT(MQTTS_PROP_RESPONSE_TOPIC) |
                           MQTTS_PROP_BIT(MQTTS_PROP_CORRELATION_DATA);
        p.props.response_topic = response_topic;
        p.props.correlation_data = correlation;
        return mqtts_client_publish(c, &p, packet_id);
    }
    /* 3.1.1: the reply topic is implied by the convention above. */
    char topic[TOPIC_MAX];
    size_t n = join_topic(topic, request->topic, correlation, "");
    if (n == 0)
        return MQTTS_ERR_STRING_TOO_LONG;
    p.topic.ptr = topic;
    p.topic.len = n;
    return mqtts_client_publish(c, &p, packet_id);
}

mqtts_err mqtts_reply_topic(mqtts_version v, mqtts_str request_topic, mqtts_bin correlation,
                            char *buf, size_t cap, mqtts_str *out)
{
    if (!buf || !out || v != MQTTS_V311)
        return MQTTS_ERR_INVALID_ARGUMENT;
    char topic[TOPIC_MAX];
    size_t n = join_topic(topic, request_topic, correlation, REPLY_SUFFIX);
    if (n == 0)
        return MQTTS_ERR_STRING_TOO_LONG;
    if (n > cap)
        return MQTTS_ERR_BUFFER_TOO_SMALL;
    memcpy(buf, topic, n);
    out->ptr = buf;
    out->len = n;
    return MQTTS_OK;
}

mqtts_err mqtts_client_respond(mqtts_client *c, const mqtts_publish *request,
                               const mqtts_publish *reply, uint16_t *packet_id)
{
    if (!c || !request || !reply)
        return MQTTS_ERR_INVALID_ARGUMENT;
    mqtts_publish p = *reply;
    if (version_of(c) == MQTTS_V5) {
        const mqtts_props *q = &request->props;
        if (!(q->present & MQTTS_PROP_BIT(MQTTS_PROP_RESPONSE_TOPIC)))
            return MQTTS_ERR_NOT_A_REQUEST;
        p.topic = q->response_topic;
        if (q->present & MQTTS_PROP_BIT(MQTTS_PROP_CORRELATION_DATA)) {
            p.props.present |= MQTTS_PROP_BIT(MQTTS_PROP_CORRELATION_DATA);
            p.props.correlation_data = q->correlation_data;
        }
        return mqtts_client_publish(c, &p, packet_id);
    }
    /* 3.1.1: REQUEST_TOPIC/CORR -> REQUEST_TOPIC/CORR/reply; the last level
     * must look like a correlation (hex) for this to be a request. */
    mqtts_str t = request->topic;
    size_t last = t.len;
    while (last > 0 && t.ptr[last - 1] != '/')
        last--;
    size_t hex = t.len - last;
    if (last == 0 || hex == 0 || hex % 2 || hex > 2 * MQTTS_RR_CORRELATION_MAX)
        return MQTTS_ERR_NOT_A_REQUEST;
    for (size_t i = last; i < t.len; i++) {
        char ch = t.ptr[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return MQTTS_ERR_NOT_A_REQUEST;
    }
    char topic[TOPIC_MAX];
    if (t.len + sizeof REPLY_SUFFIX > sizeof topic)
        return MQTTS_ERR_STRING_TOO_LONG;
    memcpy(topic, t.ptr, t.len);
    memcpy(topic + t.len, REPLY_SUFFIX, sizeof REPLY_SUFFIX - 1);
    p.topic.ptr = topic;
    p.topic.len = t.len + sizeof REPLY_SUFFIX - 1;
    return mqtts_client_publish(c, &p, packet_id);
}

bool mqtts_is_reply(mqtts_version v, const mqtts_publish *m, mqtts_str request_topic,
                    mqtts_bin correlation)
{
    if (!m)
        return false;
    if (v == MQTTS_V5) {
        const mqtts_props *q = &m->props;
        return (q->present & MQTTS_PROP_BIT(MQTTS_PROP_CORRELATION_DATA)) &&
               q->correlation_data.len == correlation.len &&
               (correlation.len == 0 ||
                memcmp(q->correlation_data.ptr, correlation.ptr, correlation.len) == 0);
    }
    char topic[TOPIC_MAX];
    size_t n = join_topic(topic, request_topic, correlation, REPLY_SUFFIX);
    return n > 0 && m->topic.len == n && memcmp(m->topic.ptr, topic, n) == 0;
}
