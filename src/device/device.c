/*
 * The device runtime: link -> time -> DNS -> TLS -> MQTT -> online, with
 * backoff, driven by mqtts_device_step(). include/mqtts/device.h says what
 * each stage does and where each failure goes back to; this file keeps
 * every stage change in two functions (enter, fail) so that the status
 * callback sees each one.
 *
 * Portable C: no platform header, no heap, only string.h from libc.
 */
#include <string.h>

#include "mqtts/device.h"

#define OR(v, d) ((v) ? (v) : (d))

static const char ONLINE_TEXT[] = "online";
static const char OFFLINE_TEXT[] = "offline";
static const char UNKNOWN_REPLY[] = "error: unknown command";
static const char REPLY_SUFFIX[] = "/reply";

/* Times compare with wrap-around (a uint32_t clock wraps after 49 days). */
static bool due(uint32_t now, uint32_t t)
{
    return (int32_t)(now - t) >= 0;
}

static uint32_t until(uint32_t now, uint32_t t)
{
    int32_t d = (int32_t)(t - now);
    return d > 0 ? (uint32_t)d : 0;
}

static uint32_t min_u32(uint32_t a, uint32_t b)
{
    return a < b ? a : b;
}

/* ---------------------------------------------------------------------- */
/* Names and the build day. */

const char *mqtts_device_stage_name(mqtts_device_stage stage)
{
    switch (stage) {
    case MQTTS_DEVICE_STOPPED:
        return "stopped";
    case MQTTS_DEVICE_LINK:
        return "link";
    case MQTTS_DEVICE_TIME:
        return "time";
    case MQTTS_DEVICE_DNS:
        return "dns";
    case MQTTS_DEVICE_TLS:
        return "tls";
    case MQTTS_DEVICE_MQTT:
        return "mqtt";
    case MQTTS_DEVICE_ONLINE:
        return "online";
    }
    return "?";
}

#ifndef MQTTS_BUILD_EPOCH
/* Days from 1970-01-01 to y-m-d (proleptic Gregorian; H. Hinnant's
 * days_from_civil), for years after 1970. */
static int32_t days_from_civil(int32_t y, int32_t m, int32_t d)
{
    y -= m <= 2;
    int32_t era = y / 400;
    int32_t yoe = y - era * 400;
    int32_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int32_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int32_t digit(char c)
{
    return c >= '0' && c <= '9' ? c - '0' : 0;
}
#endif

int64_t mqtts_device_build_epoch(void)
{
#ifdef MQTTS_BUILD_EPOCH
    int64_t e = (int64_t)MQTTS_BUILD_EPOCH;
    return e - e % 86400;
#else
    static const char months[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    static const char date[] = __DATE__; /* "Mmm dd yyyy", day space-padded */
    int32_t m = 0;
    while (m < 12 && memcmp(months + 3 * m, date, 3) != 0)
        m++;
    int32_t day = digit(date[4]) * 10 + digit(date[5]);
    int32_t year = digit(date[7]) * 1000 + digit(date[8]) * 100 + digit(date[9]) * 10 +
                   digit(date[10]);
    return (int64_t)days_from_civil(year, m + 1, day) * 86400;
#endif
}

/* ---------------------------------------------------------------------- */
/* Status: every stage change goes through enter() or fail(). */

static void report(mqtts_device *d, uint8_t stage, mqtts_err err, uint8_t retry,
                   uint32_t retry_ms, uint32_t failures)
{
    d->transitions++;
    if (!d->app->on_status)
        return;
    mqtts_device_status st;
    memset(&st, 0, sizeof st);
    st.stage = (mqtts_device_stage)stage;
    st.err = err;
    if (err == MQTTS_ERR_REFUSED || err == MQTTS_ERR_BROKER_DISCONNECT)
        st.reason = d->refusal;
    st.retry_stage = (mqtts_device_stage)retry;
    st.retry_ms = retry_ms;
    st.failures = failures;
    d->app->on_status(d->app->user, &st);
}

static void enter(mqtts_device *d, uint8_t stage, uint32_t now)
{
    d->stage = stage;
    d->waiting = false;
    d->started = false;
    d->since_ms = now;
    report(d, stage, MQTTS_OK, stage, 0, 0);
}

/* The stage succeeded: its failure count starts again, the next one begins. */
static void succeed(mqtts_device *d, uint8_t stage, uint8_t next, uint32_t now)
{
    d->failures[stage] = 0;
    enter(d, next, now);
}

/* min(max, min * 2^(n-1)), then uniformly in its upper half. */
static uint32_t backoff(const mqtts_device *d, uint32_t n)
{
    uint32_t lo = OR(d->cfg->backoff_min_ms, 1000u);
    uint32_t hi = OR(d->cfg->backoff_max_ms, 60000u);
    if (hi < lo)
        hi = lo;
    uint32_t c = lo;
    for (uint32_t i = 1; i < n && c < hi; i++)
        c = c > hi / 2 ? hi : c * 2;
    return c / 2 + d->pf->random(d->pf->ctx) % (c / 2 + 1);
}

/* `stage` failed with err: back off, then resume at `retry`. */
static void fail(mqtts_device *d, uint8_t stage, mqtts_err err, uint8_t retry, uint32_t now)
{
    uint32_t n = d->failures[stage] < UINT32_MAX ? ++d->failures[stage] : UINT32_MAX;
    uint32_t delay = backoff(d, n);
    d->fail_stage = stage;
    d->stage = retry;
    d->waiting = true;
    d->started = false;
    d->wait_until_ms = now + delay;
    report(d, stage, err, retry, delay, n);
}

/* A problem while ONLINE that does not end the connection (the birth
 * message or the command subscription refused): reported, nothing more. */
static void complain(mqtts_device *d, mqtts_err err)
{
    report(d, MQTTS_DEVICE_ONLINE, err, MQTTS_DEVICE_ONLINE, 0, 0);
}

/* ---------------------------------------------------------------------- */
/* The connection. */

static bool conn_up(const mqtts_device *d)
{
    return mqtts_session_state_of(&d->client.session) != MQTTS_STATE_IDLE;
}

/* Drop the connection without a DISCONNECT (the link is gone, or a stop
 * took too long): what the client does when its transport fails. */
static void conn_abort(mqtts_device *d, mqtts_err why, uint32_t now)
{
    (void)now;
    if (conn_up(d))
        mqtts_client_abort(&d->client, why);
}

static mqtts_err publish_text(mqtts_device *d, mqtts_str topic, const char *text, bool retain)
{
    mqtts_publish p;
    memset(&p, 0, sizeof p);
    p.topic = topic;
    p.payload = mqtts_bytes(text, strlen(text));
    p.qos = 1;
    p.retain = retain;
    return mqtts_client_publish(&d->client, &p, NULL);
}

static void go_online(mqtts_device *d, uint32_t now)
{
    d->fail_stage = 0;
    d->online_since_ms = now;
    d->next_telemetry_ms = now;
    succeed(d, MQTTS_DEVICE_MQTT, MQTTS_DEVICE_ONLINE, now);
    mqtts_err e = publish_text(d, d->status_topic, OR(d->cfg->online_payload, ONLINE_TEXT), true);
    if (e != MQTTS_OK)
        complain(d, e);
    if (!d->subscribed) {
        /* Once: the engine remembers it and restores it after a reconnect
         * that finds no session. */
        mqtts_subscription subs[2];
        memset(subs, 0, sizeof subs);
        subs[0].filter = d->command_topic;
        subs[0].qos = 1;
        subs[1].filter = d->command_filter;
        subs[1].qos = 1;
        e = mqtts_client_subscribe(&d->client, subs, 2, &d->sub_id);
        if (e == MQTTS_OK)
            d->subscribed = true;
        else
            complain(d, e);
    }
}

static void telemetry(mqtts_device *d, uint32_t now)
{
    uint32_t period = d->cfg->telemetry_period_ms;
    if (!period || !d->app->telemetry || !due(now, d->next_telemetry_ms))
        return;
    d->next_telemetry_ms += period;
    if (due(now, d->next_telemetry_ms)) /* late by a period or more: skip */
        d->next_telemetry_ms = now + period;
    size_t n = d->app->telemetry(d->app->user, d, d->payload, d->payload_size);
    if (n == 0 || n > d->payload_size)
        return;
    mqtts_publish p;
    memset(&p, 0, sizeof p);
    p.topic = d->telemetry_topic;
    p.payload = mqtts_bytes(d->payload, n);
    p.qos = d->cfg->telemetry_qos;
    (void)mqtts_client_publish(&d->client, &p, NULL); /* a full store drops this one */
}

/* ---------------------------------------------------------------------- */
/* Commands. */

static bool blank(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static mqtts_str trim(const char *p, size_t n)
{
    while (n > 0 && blank(p[0])) {
        p++;
        n--;
    }
    while (n > 0 && blank(p[n - 1]))
        n--;
    mqtts_str s = {p, n};
    return s;
}

/* CMD itself, or CMD/level (one level: the 3.1.1 request convention). */
static bool is_command_topic(const mqtts_device *d, mqtts_str t)
{
    mqtts_str c = d->command_topic;
    if (t.len < c.len || memcmp(t.ptr, c.ptr, c.len) != 0)
        return false;
    if (t.len == c.len)
        return true;
    return t.ptr[c.len] == '/' && t.len > c.len + 1 &&
           !memchr(t.ptr + c.len + 1, '/', t.len - c.len - 1);
}

static const mqtts_device_command *find_command(const mqtts_device *d, mqtts_str name)
{
    for (size_t i = 0; i < d->app->command_count; i++) {
        const mqtts_device_command *k = &d->app->commands[i];
        if (k->name && k->fn && strlen(k->name) == name.len &&
            memcmp(k->name, name.ptr, name.len) == 0)
            return k;
    }
    return NULL;
}

/* A request in the 3.1.1 convention (CMD/<lowercase hex>) that reached a v5
 * device, without a Response Topic: answered on CMD/<hex>/reply, as a
 * 3.1.1 device would. */
static void respond_by_topic(mqtts_device *d, const mqtts_publish *m, const mqtts_publish *reply)
{
    mqtts_str t = m->topic;
    if (t.len <= d->command_topic.len + 1)
        return;
    size_t hex = t.len - d->command_topic.len - 1;
    if (hex % 2 || hex > 2 * MQTTS_RR_CORRELATION_MAX)
        return;
    for (size_t i = t.len - hex; i < t.len; i++) {
        char ch = t.ptr[i];
        if (!((ch >= '0' && ch <= '9') || (ch >= 'a' && ch <= 'f')))
            return;
    }
    char topic[MQTTS_DEVICE_TOPICS_SIZE];
    if (t.len + sizeof REPLY_SUFFIX > sizeof topic)
        return;
    memcpy(topic, t.ptr, t.len);
    memcpy(topic + t.len, REPLY_SUFFIX, sizeof REPLY_SUFFIX - 1);
    mqtts_publish p = *reply;
    p.topic.ptr = topic;
    p.topic.len = t.len + sizeof REPLY_SUFFIX - 1;
    (void)mqtts_client_publish(&d->client, &p, NULL);
}

static void on_command(mqtts_device *d, const mqtts_publish *m)
{
    if (!is_command_topic(d, m->topic))
        return;
    const char *p = m->payload.len ? (const char *)m->payload.ptr : "";
    mqtts_str text = trim(p, m->payload.len);
    size_t k = 0;
    while (k < text.len && !blank(text.ptr[k]))
        k++;
    mqtts_str name = {text.ptr, k};
    mqtts_str args = trim(text.ptr + k, text.len - k);

    char *out = (char *)d->payload;
    size_t n;
    const mqtts_device_command *cmd = find_command(d, name);
    if (cmd) {
        n = cmd->fn(cmd->user, d, args, out, d->payload_size);
        if (n > d->payload_size)
            n = d->payload_size;
    } else {
        n = sizeof UNKNOWN_REPLY - 1; /* payload_size >= 32, checked by init */
        memcpy(out, UNKNOWN_REPLY, n);
    }
    mqtts_publish reply;
    memset(&reply, 0, sizeof reply);
    reply.qos = m->qos ? 1 : 0;
    reply.payload = mqtts_bytes(out, n);
    bool v5 = d->client_cfg.session.version == MQTTS_V5;
    if (!v5 && m->topic.len == d->command_topic.len)
        return; /* 3.1.1 on CMD itself: no correlation, no reply */
    mqtts_err e = mqtts_client_respond(&d->client, m, &reply, NULL);
    if (e == MQTTS_ERR_NOT_A_REQUEST && v5 && m->topic.len > d->command_topic.len)
        respond_by_topic(d, m, &reply);
}

static void on_event(void *user, const mqtts_event *ev)
{
    mqtts_device *d = user;
    switch (ev->type) {
    case MQTTS_EV_CONNECTED:
        d->connected_event = true;
        break;
    case MQTTS_EV_CONNECT_REFUSED:
        d->refusal = ev->reason;
        break;
    case MQTTS_EV_DISCONNECTED:
        d->lost_err = ev->err;
        if (ev->err == MQTTS_ERR_BROKER_DISCONNECT)
            d->refusal = ev->reason;
        break;
    case MQTTS_EV_SUBACK:
        for (size_t i = 0; ev->packet_id == d->sub_id && i < ev->reasons.len; i++) {
            if (ev->reasons.ptr[i] >= 0x80) {
                d->refusal = ev->reasons.ptr[i];
                complain(d, MQTTS_ERR_REFUSED);
                break;
            }
        }
        break;
    case MQTTS_EV_MESSAGE:
        on_command(d, ev->message);
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------------- */
/* The stages. Each runs when its stage is current and no backoff is due. */

static void run_link(mqtts_device *d, uint32_t now)
{
    const mqtts_device_platform *pf = d->pf;
    if (!pf->link_status) {
        succeed(d, MQTTS_DEVICE_LINK, MQTTS_DEVICE_TIME, now);
        return;
    }
    mqtts_err e;
    if (!d->started) {
        if (pf->link_status(pf->ctx) == MQTTS_OK) {
            succeed(d, MQTTS_DEVICE_LINK, MQTTS_DEVICE_TIME, now);
            return;
        }
        e = pf->link_join(pf->ctx);
        if (e < 0) {
            fail(d, MQTTS_DEVICE_LINK, e, MQTTS_DEVICE_LINK, now);
            return;
        }
        d->started = true;
    }
    e = pf->link_status(pf->ctx);
    if (e == MQTTS_OK)
        succeed(d, MQTTS_DEVICE_LINK, MQTTS_DEVICE_TIME, now);
    else if (e < 0)
        fail(d, MQTTS_DEVICE_LINK, e, MQTTS_DEVICE_LINK, now);
    else if (due(now, d->since_ms + OR(d->cfg->link_timeout_ms, 30000u)))
        fail(d, MQTTS_DEVICE_LINK, MQTTS_ERR_TIMEOUT, MQTTS_DEVICE_LINK, now);
}

/* Without TLS the clock matters to no one but the application: a failure
 * is reported and the device goes on. */
static void time_failed(mqtts_device *d, mqtts_err e, uint32_t now)
{
    if (d->cfg->tls) {
        fail(d, MQTTS_DEVICE_TIME, e, MQTTS_DEVICE_TIME, now);
        return;
    }
    report(d, MQTTS_DEVICE_TIME, e, MQTTS_DEVICE_DNS, 0, 0);
    enter(d, MQTTS_DEVICE_DNS, now);
}

static void time_set(mqtts_device *d, uint32_t now)
{
    d->force_sntp = false;
    succeed(d, MQTTS_DEVICE_TIME, MQTTS_DEVICE_DNS, now);
}

static void run_time(mqtts_device *d, uint32_t now)
{
    const mqtts_device_platform *pf = d->pf;
    mqtts_err e;
    if (!d->started) {
        bool set = pf->wall_get && pf->wall_get(pf->ctx) >= d->time_floor_s;
        if (set && (!d->force_sntp || !pf->sntp_start)) {
            time_set(d, now);
            return;
        }
        if (!pf->sntp_start) {
            time_failed(d, MQTTS_ERR_TLS_CLOCK_NOT_SET, now);
            return;
        }
        e = pf->sntp_start(pf->ctx);
        if (e < 0) {
            time_failed(d, e, now);
            return;
        }
        d->started = true;
    }
    int64_t t = 0;
    e = pf->sntp_poll(pf->ctx, &t);
    if (e == MQTTS_OK) {
        if (t < d->time_floor_s) { /* a server that says 1970 is no help */
            time_failed(d, MQTTS_ERR_TLS_CLOCK_NOT_SET, now);
            return;
        }
        if (pf->wall_set)
            pf->wall_set(pf->ctx, t);
        time_set(d, now);
    } else if (e < 0) {
        time_failed(d, e, now);
    } else if (due(now, d->since_ms + OR(d->cfg->sntp_timeout_ms, 15000u))) {
        time_failed(d, MQTTS_ERR_TIMEOUT, now);
    }
}

static void run_dns(mqtts_device *d, uint32_t now)
{
    const mqtts_device_platform *pf = d->pf;
    mqtts_err e;
    if (!pf->dns_start) {
        d->broker.host = d->cfg->host; /* the transport resolves */
        succeed(d, MQTTS_DEVICE_DNS, MQTTS_DEVICE_TLS, now);
        return;
    }
    if (!d->started) {
        e = pf->dns_start(pf->ctx, d->cfg->host);
        if (e < 0) {
            fail(d, MQTTS_DEVICE_DNS, e, MQTTS_DEVICE_DNS, now);
            return;
        }
        d->started = true;
    }
    d->addr[0] = '\0';
    e = pf->dns_poll(pf->ctx, d->addr, sizeof d->addr);
    if (e == MQTTS_OK && d->addr[0] != '\0') {
        d->addr[sizeof d->addr - 1] = '\0';
        d->broker.host = d->addr;
        succeed(d, MQTTS_DEVICE_DNS, MQTTS_DEVICE_TLS, now);
    } else if (e < 0 || e == MQTTS_OK) {
        fail(d, MQTTS_DEVICE_DNS, e < 0 ? e : MQTTS_ERR_DNS, MQTTS_DEVICE_DNS, now);
    } else if (due(now, d->since_ms + OR(d->cfg->dns_timeout_ms, 10000u))) {
        fail(d, MQTTS_DEVICE_DNS, MQTTS_ERR_TIMEOUT, MQTTS_DEVICE_DNS, now);
    }
}

static void run_tls(mqtts_device *d, uint32_t now)
{
    d->lost_err = MQTTS_OK;
    d->connected_event = false;
    mqtts_err e = mqtts_client_connect(&d->client); /* may block: transport.h */
    if (e == MQTTS_OK) {
        succeed(d, MQTTS_DEVICE_TLS, MQTTS_DEVICE_MQTT, now);
    } else if (e == MQTTS_ERR_TLS_CLOCK_NOT_SET) {
        d->force_sntp = true;
        fail(d, MQTTS_DEVICE_TLS, e, MQTTS_DEVICE_TIME, now);
    } else if (e == MQTTS_ERR_DNS) {
        fail(d, MQTTS_DEVICE_DNS, e, MQTTS_DEVICE_DNS, now);
    } else {
        fail(d, MQTTS_DEVICE_TLS, e, MQTTS_DEVICE_DNS, now);
    }
}

/* MQTT and ONLINE: move bytes, notice the CONNACK and the end. */
static void run_conn(mqtts_device *d, uint32_t now)
{
    if (d->stage == MQTTS_DEVICE_ONLINE) {
        telemetry(d, now);
        if (d->failures[MQTTS_DEVICE_ONLINE] &&
            due(now, d->online_since_ms + MQTTS_DEVICE_STABLE_MS))
            d->failures[MQTTS_DEVICE_ONLINE] = 0;
    }
    mqtts_err e = mqtts_client_loop(&d->client, 0);
    if (d->connected_event) {
        d->connected_event = false;
        go_online(d, now); /* the next round sends what it queued */
    }
    if (!conn_up(d)) {
        mqtts_err why = d->lost_err != MQTTS_OK ? d->lost_err : e;
        fail(d, d->stage, why != MQTTS_OK ? why : MQTTS_ERR_CLOSED, MQTTS_DEVICE_DNS, now);
    }
}

/* Past LINK, a lost link sends everything back to it at once. */
static bool link_lost(mqtts_device *d, uint32_t now)
{
    const mqtts_device_platform *pf = d->pf;
    if (!pf->link_status || d->stage <= MQTTS_DEVICE_LINK)
        return false;
    mqtts_err e = pf->link_status(pf->ctx);
    if (e == MQTTS_OK)
        return false;
    if (e > 0)
        e = MQTTS_ERR_NOT_CONNECTED;
    conn_abort(d, e, now);
    d->fail_stage = MQTTS_DEVICE_LINK;
    report(d, MQTTS_DEVICE_LINK, e, MQTTS_DEVICE_LINK, 0, d->failures[MQTTS_DEVICE_LINK]);
    enter(d, MQTTS_DEVICE_LINK, now);
    return true;
}

static void run_once(mqtts_device *d, uint32_t now)
{
    if (link_lost(d, now))
        return;
    if (d->waiting) {
        if (due(now, d->wait_until_ms))
            enter(d, d->stage, now);
        return;
    }
    switch (d->stage) {
    case MQTTS_DEVICE_LINK:
        run_link(d, now);
        break;
    case MQTTS_DEVICE_TIME:
        run_time(d, now);
        break;
    case MQTTS_DEVICE_DNS:
        run_dns(d, now);
        break;
    case MQTTS_DEVICE_TLS:
        run_tls(d, now);
        break;
    case MQTTS_DEVICE_MQTT:
    case MQTTS_DEVICE_ONLINE:
        run_conn(d, now);
        break;
    default:
        break;
    }
}

/* ---------------------------------------------------------------------- */
/* The LED. */

bool mqtts_device_led_at(uint8_t blinks, uint32_t ms_into, uint32_t *ms_to_change)
{
    uint32_t to;
    bool on;
    if (blinks == 0) {
        to = UINT32_MAX;
        on = true;
    } else {
        const uint32_t one = MQTTS_DEVICE_BLINK_ON_MS + MQTTS_DEVICE_BLINK_OFF_MS;
        uint32_t lit = blinks * one - MQTTS_DEVICE_BLINK_OFF_MS; /* the last blink ends */
        uint32_t period = blinks * one + MQTTS_DEVICE_BLINK_PAUSE_MS;
        uint32_t t = ms_into % period;
        uint32_t k = t % one;
        if (t < lit && k < MQTTS_DEVICE_BLINK_ON_MS) {
            on = true;
            to = MQTTS_DEVICE_BLINK_ON_MS - k;
        } else if (t < lit) {
            on = false;
            to = one - k;
        } else {
            on = false;
            to = period - t; /* the last off and the pause are one dark stretch */
        }
    }
    if (ms_to_change)
        *ms_to_change = to;
    return on;
}

uint8_t mqtts_device_blinks(const mqtts_device *d)
{
    if (d->stage == MQTTS_DEVICE_STOPPED || d->stage == MQTTS_DEVICE_ONLINE)
        return 0;
    return d->fail_stage ? d->fail_stage : d->stage;
}

/* Sets the LED as the pattern says now; returns ms until it changes. */
static uint32_t led_update(mqtts_device *d, uint32_t now)
{
    uint8_t blinks = mqtts_device_blinks(d);
    if (blinks != d->led_blinks) {
        d->led_blinks = blinks;
        d->led_epoch_ms = now;
    }
    uint32_t to = UINT32_MAX;
    bool on = d->stage != MQTTS_DEVICE_STOPPED &&
              mqtts_device_led_at(blinks, now - d->led_epoch_ms, &to);
    if (d->stage == MQTTS_DEVICE_STOPPED)
        to = UINT32_MAX;
    if (d->pf->led && on != d->led_on) {
        d->led_on = on;
        d->pf->led(d->pf->ctx, on);
    }
    return d->pf->led ? to : UINT32_MAX;
}

/* ---------------------------------------------------------------------- */
/* Step. */

static uint32_t next_wait(const mqtts_device *d, uint32_t now)
{
    uint32_t w = MQTTS_DEVICE_MAX_SLEEP_MS;
    if (d->pf->link_status && d->stage > MQTTS_DEVICE_LINK)
        w = MQTTS_DEVICE_LINK_CHECK_MS;
    if (d->waiting)
        return min_u32(w, until(now, d->wait_until_ms));
    switch (d->stage) {
    case MQTTS_DEVICE_LINK:
    case MQTTS_DEVICE_TIME:
    case MQTTS_DEVICE_DNS:
    case MQTTS_DEVICE_TLS:
        return min_u32(w, MQTTS_DEVICE_POLL_MS);
    case MQTTS_DEVICE_MQTT:
        w = min_u32(w, MQTTS_DEVICE_POLL_MS);
        break;
    case MQTTS_DEVICE_ONLINE:
        if (d->cfg->telemetry_period_ms && d->app->telemetry)
            w = min_u32(w, until(now, d->next_telemetry_ms));
        break;
    default:
        if (!conn_up(d))
            return w; /* stopped */
        w = min_u32(w, MQTTS_DEVICE_POLL_MS);
        break;
    }
    uint32_t s = mqtts_session_deadline(&d->client.session);
    if (s != UINT32_MAX)
        w = min_u32(w, until(now, s));
    return w;
}

/* STOPPED with the connection still closing: let the client send the
 * offline message and DISCONNECT, and close. */
static void run_stopping(mqtts_device *d, uint32_t now)
{
    if (!conn_up(d))
        return;
    (void)mqtts_client_loop(&d->client, 0);
    if (due(now, d->since_ms + OR(d->cfg->connect_timeout_ms, 10000u)))
        conn_abort(d, MQTTS_ERR_TIMEOUT, now);
}

uint32_t mqtts_device_step(mqtts_device *d, uint32_t now)
{
    if (d->stage == MQTTS_DEVICE_STOPPED && !d->stopping)
        enter(d, MQTTS_DEVICE_LINK, now); /* the first step */
    if (d->stage == MQTTS_DEVICE_STOPPED) {
        run_stopping(d, now);
    } else {
        /* Go on while stages change (each at most a few times): a device
         * whose link is up and clock set gets to TLS in one step. */
        for (int round = 0; round < 16; round++) {
            uint32_t before = d->transitions;
            run_once(d, now);
            if (d->transitions == before || d->stage == MQTTS_DEVICE_STOPPED)
                break;
        }
    }
    uint32_t w = min_u32(next_wait(d, now), led_update(d, now));
    return now + w;
}

void mqtts_device_stop(mqtts_device *d)
{
    uint32_t now = d->pf->now_ms();
    if (d->stage == MQTTS_DEVICE_ONLINE)
        (void)publish_text(d, d->status_topic, OR(d->cfg->offline_payload, OFFLINE_TEXT), true);
    mqtts_session_state st = mqtts_session_state_of(&d->client.session);
    if (st == MQTTS_STATE_CONNECTED || st == MQTTS_STATE_CONNECTING)
        (void)mqtts_session_disconnect(&d->client.session, 0);
    d->stopping = true;
    d->fail_stage = 0;
    enter(d, MQTTS_DEVICE_STOPPED, now);
}

/* ---------------------------------------------------------------------- */
/* Init. */

/* A topic given, or base + suffix built into dev->topics. */
static mqtts_err topic(mqtts_device *d, size_t *used, const char *given, mqtts_str base,
                       const char *suffix, mqtts_str *out)
{
    if (given) {
        *out = mqtts_cstr(given);
        return out->len ? MQTTS_OK : MQTTS_ERR_INVALID_ARGUMENT;
    }
    if (base.len == 0)
        return MQTTS_ERR_INVALID_ARGUMENT;
    size_t sl = strlen(suffix);
    if (base.len + sl > sizeof d->topics - *used)
        return MQTTS_ERR_STRING_TOO_LONG;
    char *at = d->topics + *used;
    memcpy(at, base.ptr, base.len);
    memcpy(at + base.len, suffix, sl);
    out->ptr = at;
    out->len = base.len + sl;
    *used += out->len;
    return MQTTS_OK;
}

static mqtts_err make_topics(mqtts_device *d, const mqtts_device_config *cfg)
{
    size_t used = 0;
    mqtts_str base = mqtts_cstr(cfg->base_topic);
    mqtts_err e = topic(d, &used, cfg->status_topic, base, "/status", &d->status_topic);
    if (e == MQTTS_OK)
        e = topic(d, &used, cfg->telemetry_topic, base, "/telemetry", &d->telemetry_topic);
    if (e == MQTTS_OK)
        e = topic(d, &used, cfg->command_topic, base, "/cmd", &d->command_topic);
    if (e == MQTTS_OK) /* CMD/+ : 3.1.1 requests, CMD/CORR */
        e = topic(d, &used, NULL, d->command_topic, "/+", &d->command_filter);
    return e;
}

static bool both_or_neither(const void *a, const void *b)
{
    return (a == NULL) == (b == NULL);
}

static bool platform_ok(const mqtts_device_platform *pf)
{
    return pf->now_ms && pf->random && pf->transport &&
           both_or_neither((const void *)pf->link_join, (const void *)pf->link_status) &&
           both_or_neither((const void *)pf->sntp_start, (const void *)pf->sntp_poll) &&
           both_or_neither((const void *)pf->dns_start, (const void *)pf->dns_poll);
}

static void session_config(mqtts_device *d, const mqtts_device_config *cfg)
{
    mqtts_session_config *s = &d->client_cfg.session;
    s->version = OR(cfg->version, MQTTS_V5);
    s->client_id = mqtts_cstr(cfg->client_id);
    s->username = mqtts_cstr(cfg->username);
    if (cfg->password)
        s->password = mqtts_bytes(cfg->password, strlen(cfg->password));
    d->will.topic = d->status_topic;
    d->will.payload = mqtts_bytes(OR(cfg->offline_payload, OFFLINE_TEXT),
                                  strlen(OR(cfg->offline_payload, OFFLINE_TEXT)));
    d->will.qos = 1;
    d->will.retain = true;
    s->will = &d->will;
    s->clean_start = !cfg->keep_session;
    s->keep_alive_s = OR(cfg->keep_alive_s, 60);
    s->session_expiry_s = cfg->keep_session ? cfg->session_expiry_s : 0;
    s->connect_timeout_ms = OR(cfg->connect_timeout_ms, 10000u);
    s->no_reconnect = true; /* reconnecting is this runtime's decision */
    s->seed = d->pf->random(d->pf->ctx);
    s->on_event = on_event;
    s->user = d;
}

mqtts_err mqtts_device_init(mqtts_device *d, const mqtts_device_config *cfg,
                            const mqtts_device_platform *pf, const mqtts_device_app *app,
                            const mqtts_device_memory *mem)
{
    static const mqtts_device_app no_app;
    if (!d || !pf || !mem || !platform_ok(pf))
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (!cfg && pf->config)
        cfg = pf->config(pf->ctx);
    if (!cfg || !cfg->host || !*cfg->host || cfg->telemetry_qos > 1 || !mem->payload ||
        mem->payload_size < 32 || (app && app->command_count && !app->commands))
        return MQTTS_ERR_INVALID_ARGUMENT;
    memset(d, 0, sizeof *d);
    d->cfg = cfg;
    d->pf = pf;
    d->app = app ? app : &no_app;
    d->payload = mem->payload;
    d->payload_size = mem->payload_size;
    d->time_floor_s = cfg->time_floor_s ? cfg->time_floor_s : mqtts_device_build_epoch();
    d->led_blinks = 0xFF; /* no pattern shown yet */
    mqtts_err e = make_topics(d, cfg);
    if (e != MQTTS_OK)
        return e;
    /* Both command filters must fit in the engine's memory of
     * subscriptions, or a reconnect would lose them. */
    if (mem->session.sub_count < 2 || !mem->session.subs || !mem->session.sub_text ||
        mem->session.sub_text_size < d->command_topic.len + d->command_filter.len)
        return MQTTS_ERR_INVALID_ARGUMENT;
    if (cfg->client_id && strlen(cfg->client_id) >= sizeof d->client.session.client_id)
        return MQTTS_ERR_STRING_TOO_LONG;

    session_config(d, cfg);
    d->broker.host = cfg->host;
    d->broker.port = OR(cfg->port, (uint16_t)(cfg->tls ? 8883 : 1883));
    d->client_cfg.brokers = &d->broker;
    d->client_cfg.broker_count = 1;
    d->client_cfg.connect_timeout_ms = OR(cfg->connect_timeout_ms, 10000u);
    d->client_cfg.now_ms = pf->now_ms;
    d->client_cfg.sleep_ms = NULL; /* never wait inside the client */
    e = pf->transport(pf->ctx, cfg, &d->transport);
    if (e != MQTTS_OK)
        return e;
    e = mqtts_client_init(&d->client, &d->client_cfg, &mem->session, &d->transport);
    if (e != MQTTS_OK)
        return e;
    d->stage = MQTTS_DEVICE_STOPPED;
    return MQTTS_OK;
}

bool mqtts_device_stopped(const mqtts_device *d)
{
    return d->stage == MQTTS_DEVICE_STOPPED && d->stopping && !conn_up(d);
}

mqtts_device_stage mqtts_device_stage_of(const mqtts_device *d)
{
    return (mqtts_device_stage)d->stage;
}

mqtts_client *mqtts_device_client(mqtts_device *d)
{
    return &d->client;
}
