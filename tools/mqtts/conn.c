/*
 * conn.c - the connection a subcommand works over.
 *
 * The loop is the tool's own rather than mqtts_client_loop() with a long
 * timeout: it polls the socket together with another descriptor (pub -l
 * reads standard input while the connection lives), and a signal cuts
 * its wait short, so Ctrl-C is prompt. Each step then calls
 * mqtts_client_loop() with a zero timeout to do the protocol work.
 */
#define _GNU_SOURCE /* getrandom */

#include "conn.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>
#include <unistd.h>

#include "tool.h"

#define TX_SIZE (64u * 1024u)
#define QOS2_IN_MIN 128u
#define ALIAS_IN_COUNT 32u
#define ALIAS_OUT_COUNT 16u
#define ALIAS_SLOT 1026u /* a topic of up to 1024 bytes */
#define CONNECT_TIMEOUT_MS 10000u

volatile sig_atomic_t tool_stop;

static void on_signal(int sig)
{
    (void)sig;
    tool_stop = 1;
}

void conn_signals(void)
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal; /* no SA_RESTART: poll() returns at once */
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    sigaction(SIGTERM, &sa, NULL);
}

uint32_t conn_now(void)
{
    return mqtts_posix_now_ms();
}

/* ---------------------------------------------------------------------- */
/* Events: what the tool needs to know, and what it tells the user. */

static bool sent_away(const tool_conn *c);

static void on_event(void *user, const mqtts_event *ev)
{
    tool_conn *c = user;
    const tool_opts *o = c->o;
    switch (ev->type) {
    case MQTTS_EV_CONNECTED:
        if (c->lost)
            tool_notice("reconnected to %s port %u (%s)", o->host, o->port,
                        ev->session_present ? "the broker kept our session"
                                            : "a new session");
        c->connected = true;
        c->ever_connected = true;
        c->lost = false;
        c->refused = false;
        break;
    case MQTTS_EV_CONNECT_REFUSED:
        c->refused = true;
        c->refused_reason = ev->reason;
        break;
    case MQTTS_EV_DISCONNECTED:
        c->connected = false;
        c->last_err = ev->err;
        if (ev->err == MQTTS_ERR_BROKER_DISCONNECT) {
            c->broker_disconnect = true;
            c->disconnect_reason = ev->reason;
        }
        if (c->ever_connected && !c->lost && ev->err != MQTTS_OK && c->params.reconnect &&
            !sent_away(c)) {
            if (ev->err == MQTTS_ERR_BROKER_DISCONNECT)
                tool_notice("the broker closed the connection: %s; reconnecting",
                            mqtts_reason_name(o->version, MQTTS_DISCONNECT, ev->reason));
            else
                tool_notice("connection lost (%s); reconnecting", mqtts_strerror(ev->err));
            c->lost = true;
        }
        break;
    case MQTTS_EV_RECONNECTING:
        if (o->debug) {
            fprintf(stderr, "Reconnecting in %u ms\n", ev->delay_ms);
            fflush(stderr);
        }
        break;
    default:
        break;
    }
    if (c->params.on_event)
        c->params.on_event(c->params.user, ev);
}

/* ---------------------------------------------------------------------- */
/* Set-up. */

static void *zalloc(size_t n)
{
    return calloc(1, n ? n : 1);
}

static int alloc_memory(tool_conn *c)
{
    const tool_opts *o = c->o;
    mqtts_session_memory *m = &c->mem;
    uint16_t aliases = o->topic_alias_maximum_set ? o->topic_alias_maximum : ALIAS_IN_COUNT;
    size_t sub_text = 1;
    for (size_t i = 0; i < o->topics.n; i++)
        sub_text += strlen(o->topics.v[i]);
    m->rx_size = o->max_packet ? o->max_packet : c->params.rx_size;
    m->tx_size = TX_SIZE;
    m->store_size = c->params.store_size;
    m->slot_count = c->params.slots;
    m->qos2_in_count = (uint16_t)(o->receive_maximum > QOS2_IN_MIN ? o->receive_maximum
                                                                    : QOS2_IN_MIN);
    m->alias_count = aliases;
    m->alias_slot_size = ALIAS_SLOT;
    m->out_alias_count = ALIAS_OUT_COUNT;
    m->out_alias_slot_size = ALIAS_SLOT;
    m->sub_count = (uint16_t)(o->topics.n + 1);
    m->sub_text_size = sub_text;
    m->rx = zalloc(m->rx_size);
    m->tx = zalloc(m->tx_size);
    m->store = zalloc(m->store_size);
    m->slots = zalloc(m->slot_count * sizeof *m->slots);
    m->qos2_in = zalloc(m->qos2_in_count * sizeof *m->qos2_in);
    m->alias_text = zalloc((size_t)m->alias_count * m->alias_slot_size);
    m->out_alias_text = zalloc((size_t)m->out_alias_count * m->out_alias_slot_size);
    m->subs = zalloc(m->sub_count * sizeof *m->subs);
    m->sub_text = zalloc(m->sub_text_size);
    if (!m->rx || !m->tx || !m->store || !m->slots || !m->qos2_in || !m->alias_text ||
        !m->out_alias_text || !m->subs || !m->sub_text) {
        tool_error("out of memory");
        return EXIT_CONN;
    }
    return EXIT_OK;
}

#ifdef MQTTS_TOOL_TLS
static void tls_log(void *user, mqtts_tls_log_level level, const char *line)
{
    tool_conn *c = user;
    if (level == MQTTS_TLS_LOG_WARNING) {
        tool_warning("%s", line);
    } else if (c->o->debug) {
        fprintf(stderr, "%s\n", line);
        fflush(stderr);
    }
}

static int init_tls(tool_conn *c)
{
    const tool_opts *o = c->o;
    mqtts_tls_config tc;
    memset(&tc, 0, sizeof tc);
    if (o->alpn.n > MQTTS_TLS_ALPN_MAX) {
        tool_error("--tls-alpn: at most %d protocols", MQTTS_TLS_ALPN_MAX);
        return EXIT_USAGE;
    }
    for (size_t i = 0; i < o->alpn.n; i++)
        c->alpn[i] = o->alpn.v[i];
    tc.ca_file = o->cafile;
    tc.ca_dir = o->capath;
    tc.cert_file = o->cert;
    tc.key_file = o->key;
    /* An encrypted key's password: from the environment only, so that it
     * shows neither in ps nor in shell history. */
    tc.key_password = getenv("MQTTS_KEY_PASSWORD");
    tc.alpn = o->alpn.n ? c->alpn : NULL;
    tc.insecure = o->insecure;
    tc.log = tls_log;
    tc.user = c;
    mqtts_err e = mqtts_tls_init(&c->tls, &tc, &c->tcp_t, &c->tls_t);
    if (e != MQTTS_OK) {
        tool_error("TLS set-up failed: %s: %s", mqtts_strerror(e), mqtts_tls_error_detail(&c->tls));
        return EXIT_TLS;
    }
    c->tls_on = true;
    c->top = c->tls_t;
    return EXIT_OK;
}
#endif

/* WebSocket on top of TCP or TLS. The buffer holds one outgoing frame
 * (the client hands over at most this much per send) and the upgrade. */
#define WS_BUF_SIZE 16384

static int init_ws(tool_conn *c)
{
    const tool_opts *o = c->o;
    c->ws_buf = malloc(WS_BUF_SIZE);
    if (!c->ws_buf) {
        tool_error("out of memory");
        return EXIT_CONN;
    }
    mqtts_ws_config wc;
    memset(&wc, 0, sizeof wc);
    wc.path = o->ws_path;
    wc.secure = o->tls;
    wc.buf = c->ws_buf;
    wc.buf_size = WS_BUF_SIZE;
    mqtts_transport below = c->top;
    mqtts_err e = mqtts_ws_init(&c->ws, &wc, &below, &c->ws_t);
    if (e != MQTTS_OK) {
        tool_error("WebSocket set-up failed: %s: %s", mqtts_strerror(e),
                   mqtts_ws_error_detail(&c->ws));
        return EXIT_USAGE;
    }
    c->ws_on = true;
    c->top = c->ws_t;
    return EXIT_OK;
}

static uint32_t seed(void)
{
    uint32_t s = 0;
    if (getrandom(&s, sizeof s, 0) != (ssize_t)sizeof s)
        s = (uint32_t)time(NULL) ^ (uint32_t)getpid() << 16;
    return s;
}

static void init_session(tool_conn *c)
{
    const tool_opts *o = c->o;
    mqtts_session_config *s = &c->cfg.session;
    s->version = o->version;
    s->client_id = mqtts_cstr(o->id);
    if (o->username)
        s->username = mqtts_cstr(o->username);
    if (o->password)
        s->password = mqtts_bytes(o->password, strlen(o->password));
    if (o->will_topic) {
        c->will.topic = mqtts_cstr(o->will_topic);
        if (o->will_payload)
            c->will.payload = mqtts_bytes(o->will_payload, strlen(o->will_payload));
        c->will.qos = o->will_qos;
        c->will.retain = o->will_retain;
        if (o->version == MQTTS_V5)
            c->will.props = o->props[PSET_WILL].props;
        s->will = &c->will;
    }
    s->clean_start = !o->persistent;
    s->keep_alive_s = o->keepalive;
    if (o->version == MQTTS_V5) {
        s->session_expiry_s = o->session_expiry;
        s->receive_maximum = o->receive_maximum;
        s->topic_alias_maximum = o->topic_alias_maximum;
        s->request_response_info = o->request_response_info;
        s->connect_user = o->props[PSET_CONNECT].props.user;
        s->connect_user_count = o->props[PSET_CONNECT].props.user_count;
    }
    s->connect_timeout_ms = CONNECT_TIMEOUT_MS;
    s->reconnect_min_ms = 1000;
    s->reconnect_max_ms = 30000;
    s->no_reconnect = !c->params.reconnect;
    s->offline_qos0 = c->params.queue_qos0 ? MQTTS_QOS0_QUEUE : MQTTS_QOS0_DROP;
    s->seed = seed();
    s->on_event = on_event;
    s->user = c;
}

int conn_init(tool_conn *c, const tool_opts *o, const conn_params *p)
{
    memset(c, 0, sizeof *c);
    c->o = o;
    c->params = *p;
    int rc = alloc_memory(c);
    if (rc != EXIT_OK)
        return rc;
    mqtts_tcp_init(&c->tcp, &c->tcp_t);
    c->top = c->tcp_t;
#ifdef MQTTS_TOOL_TLS
    if (o->tls && (rc = init_tls(c)) != EXIT_OK)
        return rc;
#endif
    if (o->ws && (rc = init_ws(c)) != EXIT_OK)
        return rc;
    if (o->debug) {
        mqtts_transport below = c->top;
        c->tr = trace_new(&below, &c->top, stderr, &c->client, o->version, c->tcp.peer, o->tls);
        if (!c->tr) {
            tool_error("out of memory");
            return EXIT_CONN;
        }
    }
    c->addr.host = o->host;
    c->addr.port = o->port;
    c->cfg.brokers = &c->addr;
    c->cfg.broker_count = 1;
    c->cfg.connect_timeout_ms = CONNECT_TIMEOUT_MS;
    c->cfg.now_ms = mqtts_posix_now_ms;
    c->cfg.sleep_ms = NULL; /* conn_step() waits itself */
    init_session(c);
    mqtts_err e = mqtts_client_init(&c->client, &c->cfg, &c->mem, &c->top);
    if (e != MQTTS_OK) {
        tool_error("cannot set up the client: %s", mqtts_strerror(e));
        return EXIT_USAGE;
    }
    c->client_ready = true;
    return EXIT_OK;
}

/* ---------------------------------------------------------------------- */
/* Running. */

/* Refusals that will not go away by trying again. */
static bool refused_for_good(const tool_conn *c)
{
    if (!c->refused)
        return false;
    if (c->o->version == MQTTS_V311)
        return c->refused_reason != MQTTS_V311_CONNACK_SERVER_UNAVAILABLE;
    switch (c->refused_reason) {
    case MQTTS_RC_SERVER_UNAVAILABLE:
    case MQTTS_RC_SERVER_BUSY:
    case MQTTS_RC_SERVER_SHUTTING_DOWN:
    case MQTTS_RC_QUOTA_EXCEEDED:
    case MQTTS_RC_CONNECTION_RATE_EXCEEDED:
        return false;
    default:
        return true;
    }
}

/* A broker DISCONNECT that says: do not come back (reconnecting after a
 * takeover would take the session back, and so on for ever). */
static bool sent_away(const tool_conn *c)
{
    if (!c->broker_disconnect)
        return false;
    switch (c->disconnect_reason) {
    case MQTTS_RC_SESSION_TAKEN_OVER:
    case MQTTS_RC_ADMINISTRATIVE_ACTION:
    case MQTTS_RC_USE_ANOTHER_SERVER:
    case MQTTS_RC_SERVER_MOVED:
        return true;
    default:
        return false;
    }
}

/* TLS failures that a retry will not cure: the server's certificate or
 * ours. A handshake cut short (alert, timeout) may be transient. */
static bool tls_for_good(mqtts_err e)
{
    switch (e) {
    case MQTTS_ERR_TLS_UNTRUSTED:
    case MQTTS_ERR_TLS_NAME_MISMATCH:
    case MQTTS_ERR_TLS_EXPIRED:
    case MQTTS_ERR_TLS_NOT_YET_VALID:
    case MQTTS_ERR_TLS_CLOCK_NOT_SET:
    case MQTTS_ERR_TLS_PIN_MISMATCH:
    case MQTTS_ERR_TLS_CLIENT_CERT_REQUIRED:
    case MQTTS_ERR_TLS_CLIENT_CERT_REJECTED:
    case MQTTS_ERR_TLS_BAD_CERT:
        return true;
    default:
        return false;
    }
}

static bool transport_up(const tool_conn *c)
{
    return c->tcp.fd >= 0;
}

mqtts_err conn_step(tool_conn *c, int extra_fd, uint32_t max_ms, bool *extra_ready)
{
    mqtts_session *s = &c->client.session;
    uint32_t now = conn_now();
    uint32_t deadline = mqtts_session_deadline(s);
    uint32_t wait = max_ms;
    if (deadline != UINT32_MAX) {
        int32_t d = (int32_t)(deadline - now);
        wait = d <= 0 ? 0 : ((uint32_t)d < wait ? (uint32_t)d : wait);
    }
    struct pollfd pf[2];
    nfds_t n = 0;
    int extra_at = -1;
    if (transport_up(c)) {
        size_t len = 0;
        bool want_write = mqtts_session_tx_buf(s, &len) && len > 0;
        /* TLS may hold decrypted bytes poll() cannot see. */
        if (c->top.wait && c->top.wait(c->top.ctx, false, 0) > 0)
            wait = 0;
        pf[n].fd = c->tcp.fd;
        pf[n].events = (short)(POLLIN | (want_write ? POLLOUT : 0));
        n++;
    }
    if (extra_fd >= 0) {
        extra_at = (int)n;
        pf[n].fd = extra_fd;
        pf[n].events = POLLIN;
        n++;
    }
    if (extra_ready)
        *extra_ready = false;
    if (!tool_stop) {
        int r = poll(pf, n, (int)wait);
        if (r > 0 && extra_at >= 0 && extra_ready)
            *extra_ready = (pf[extra_at].revents & (POLLIN | POLLHUP | POLLERR)) != 0;
    }
    mqtts_err e = mqtts_client_loop(&c->client, 0);
    if (tls_for_good(e))
        c->tls_err = e;
    return e;
}

int conn_check(tool_conn *c)
{
    if (refused_for_good(c))
        return conn_fail(c, MQTTS_ERR_REFUSED);
    if (sent_away(c))
        return conn_fail(c, MQTTS_ERR_BROKER_DISCONNECT);
    if (c->tls_err)
        return conn_fail(c, c->tls_err);
    if (mqtts_session_state_of(&c->client.session) == MQTTS_STATE_IDLE) {
        tool_error("the connection is lost");
        return conn_fail(c, c->last_err ? c->last_err : MQTTS_ERR_CLOSED);
    }
    return EXIT_OK;
}

bool conn_idle(tool_conn *c)
{
    size_t len = 0;
    /* Offline, QoS 0 messages may wait in the store, where only a
     * connection shows them (tx_buf): not idle until connected. */
    if (!c->connected || mqtts_session_pending(&c->client.session) > 0)
        return false;
    return !(mqtts_session_tx_buf(&c->client.session, &len) && len > 0);
}

int conn_open(tool_conn *c)
{
    mqtts_err e = mqtts_client_connect(&c->client);
    if (e != MQTTS_OK)
        return conn_fail(c, e);
    /* Until a CONNACK has accepted us once: a connection lost right after
     * it (in the same step) is for the reconnect logic, not a failure to
     * connect. */
    while (!c->ever_connected) {
        if (tool_stop) {
            tool_error("interrupted while connecting");
            return EXIT_CONN;
        }
        e = conn_step(c, -1, 1000, NULL);
        if (c->ever_connected)
            break;
        if (c->refused)
            return conn_fail(c, MQTTS_ERR_REFUSED);
        if (e != MQTTS_OK)
            return conn_fail(c, e);
    }
    return EXIT_OK;
}

static const char *refusal_hint(const tool_conn *c)
{
    uint8_t r = c->refused_reason;
    bool v5 = c->o->version == MQTTS_V5;
    if ((v5 && r == MQTTS_RC_BAD_USER_NAME_OR_PASSWORD) ||
        (!v5 && r == MQTTS_V311_CONNACK_BAD_USERNAME_OR_PASSWORD))
        return "; check -u/-P, MQTTS_USERNAME/MQTTS_PASSWORD or the --profile section";
    if ((v5 && r == MQTTS_RC_NOT_AUTHORIZED) || (!v5 && r == MQTTS_V311_CONNACK_NOT_AUTHORIZED))
        return "; the broker wants other credentials (or a client certificate)";
    if ((v5 && r == MQTTS_RC_UNSUPPORTED_PROTOCOL_VERSION) ||
        (!v5 && r == MQTTS_V311_CONNACK_BAD_PROTOCOL_VERSION))
        return "; try the other MQTT version (-V 311 or -V 5)";
    return "";
}

int conn_fail(tool_conn *c, mqtts_err e)
{
    const tool_opts *o = c->o;
    if (e == MQTTS_ERR_REFUSED || c->refused) {
        uint8_t r = c->refused_reason;
        const char *name = mqtts_reason_name(o->version, MQTTS_CONNACK, r);
        if (o->version == MQTTS_V5)
            tool_error("%s port %u refused the connection: %s (reason code 0x%02X)%s", o->host,
                       o->port, name, r, refusal_hint(c));
        else
            tool_error("%s port %u refused the connection: %s (return code %u)%s", o->host,
                       o->port, name, r, refusal_hint(c));
        return EXIT_REFUSED;
    }
    if (e <= MQTTS_ERR_TLS_UNTRUSTED && e >= MQTTS_ERR_TLS_PROTOCOL) {
#ifdef MQTTS_TOOL_TLS
        const char *detail = c->tls_on ? mqtts_tls_error_detail(&c->tls) : "";
#else
        const char *detail = "";
#endif
        tool_error("TLS with %s port %u failed: %s%s%s", o->host, o->port, mqtts_strerror(e),
                   detail[0] ? "\n  " : "", detail);
        return EXIT_TLS;
    }
    /* Anything that ends a WebSocket connection before its first CONNACK
     * (a TLS port spoken to in plain HTTP closes at once) is told as such. */
    if ((e <= MQTTS_ERR_WS_HTTP_STATUS && e >= MQTTS_ERR_WS_ENTROPY) ||
        (c->ws_on && !c->ever_connected && e != MQTTS_ERR_DNS && e != MQTTS_ERR_CONNECT_REFUSED &&
         !(e <= MQTTS_ERR_TLS_UNTRUSTED && e >= MQTTS_ERR_TLS_PROTOCOL))) {
        const char *detail = c->ws_on ? mqtts_ws_error_detail(&c->ws) : "";
        tool_error("WebSocket with %s port %u failed: %s%s%s", o->host, o->port,
                   mqtts_strerror(e), detail[0] ? "\n  " : "", detail);
        return EXIT_CONN;
    }
    switch (e) {
    case MQTTS_ERR_BROKER_DISCONNECT:
        tool_error("%s port %u closed the connection: %s (reason code 0x%02X)", o->host, o->port,
                   mqtts_reason_name(o->version, MQTTS_DISCONNECT, c->disconnect_reason),
                   c->disconnect_reason);
        return EXIT_CONN;
    case MQTTS_ERR_DNS:
        tool_error("cannot resolve host name '%s'", o->host);
        return EXIT_CONN;
    case MQTTS_ERR_CONNECT_REFUSED:
        tool_error("%s port %u: connection refused (is the broker running, on this port?)",
                   o->host, o->port);
        return EXIT_CONN;
    case MQTTS_ERR_TIMEOUT:
        tool_error("%s port %u did not answer in time", o->host, o->port);
        return EXIT_TIMEOUT;
    default:
        tool_error("%s port %u: %s", o->host, o->port, mqtts_strerror(e));
        return EXIT_CONN;
    }
}

void conn_close(tool_conn *c, uint32_t timeout_ms)
{
    if (c->client_ready)
        (void)mqtts_client_disconnect(&c->client, timeout_ms);
}

void conn_free(tool_conn *c)
{
    if (c->client_ready && transport_up(c))
        c->top.close(c->top.ctx);
#ifdef MQTTS_TOOL_TLS
    if (c->tls_on)
        mqtts_tls_free(&c->tls);
#endif
    trace_free(c->tr);
    free(c->ws_buf);
    free(c->mem.rx);
    free(c->mem.tx);
    free(c->mem.store);
    free(c->mem.slots);
    free(c->mem.qos2_in);
    free(c->mem.alias_text);
    free(c->mem.out_alias_text);
    free(c->mem.subs);
    free(c->mem.sub_text);
    memset(c, 0, sizeof *c);
}
