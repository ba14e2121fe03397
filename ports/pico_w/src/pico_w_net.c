/*
 * pico_w_net.c - the Pico W port's lwIP and mbedTLS side: the transport
 * over lwIP's altcp (TLS through altcp_tls on mbedTLS, or plain TCP), DNS,
 * SNTP, and mbedTLS's clock. include/mqtts/pico_w.h says what it does; this
 * file says why it does it this way.
 *
 *   - lwIP is driven by callbacks. With pico_cyw43_arch_lwip_threadsafe_
 *     background they run in a low-priority interrupt, which cannot run while
 *     the main loop holds the lwIP lock (cyw43_arch_lwip_begin). So: every
 *     lwIP call from the main loop is made under the lock; callbacks only
 *     write the fields the main loop reads under the lock (and wake it).
 *   - A callback may free the connection (the err callback means lwIP has
 *     freed it already). pcb is set to NULL there and tested everywhere.
 *   - altcp_tls never tells the application why a handshake failed; the err
 *     callback runs before lwIP frees the TLS state, so the verification
 *     flags are read there (mbedtls_ssl_get_verify_result) to name the error.
 *   - lwIP's altcp_tls write asserts that mbedTLS takes all it is given in
 *     one record, so send() never offers more than
 *     mbedtls_ssl_get_max_out_record_payload() (MBEDTLS_SSL_OUT_CONTENT_LEN).
 *
 * No pico-sdk header here: ports/pico_w/check.sh compiles this file on a
 * host against Debian's lwIP and mbedTLS headers.
 */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "lwip/opt.h"

#include "lwip/altcp.h"
#include "lwip/altcp_tcp.h"
#include "lwip/altcp_tls.h"
#include "lwip/apps/sntp.h"
#include "lwip/dns.h"
#include "lwip/ip_addr.h"
#include "lwip/netif.h"
#include "lwip/pbuf.h"

#include "mbedtls/platform.h"
#include "mbedtls/platform_time.h"
#include "mbedtls/ssl.h"
#include "mbedtls/version.h"
#include "mbedtls/x509.h"

#include "pico_w_sys.h"

/* What the port needs from lwipopts.h and mbedtls_config.h; each is
 * explained in examples/pico_w_hivemq/. */
#if !LWIP_ALTCP || !LWIP_ALTCP_TLS || !LWIP_TCP || !LWIP_DNS || !LWIP_UDP
#error "mqtts_pico_w needs LWIP_ALTCP, LWIP_ALTCP_TLS, LWIP_TCP, LWIP_UDP and LWIP_DNS in lwipopts.h"
#endif
#if !defined(ALTCP_MBEDTLS_AUTHMODE) || ALTCP_MBEDTLS_AUTHMODE != MBEDTLS_SSL_VERIFY_REQUIRED
#error "lwipopts.h: define ALTCP_MBEDTLS_AUTHMODE MBEDTLS_SSL_VERIFY_REQUIRED (lwIP's default, OPTIONAL, completes handshakes with servers that fail verification)"
#endif
#if !SNTP_SERVER_DNS || !defined(SNTP_SET_SYSTEM_TIME_US)
#error "lwipopts.h: SNTP_SERVER_DNS 1 and SNTP_SET_SYSTEM_TIME_US(sec, us) mqtts_pico_w_sntp_set_time((sec), (us))"
#endif
#if !defined(MBEDTLS_HAVE_TIME_DATE) || !defined(MBEDTLS_PLATFORM_C) || \
    !defined(MBEDTLS_PLATFORM_TIME_ALT)
#error "mbedtls_config.h: MBEDTLS_HAVE_TIME_DATE, MBEDTLS_PLATFORM_C and MBEDTLS_PLATFORM_TIME_ALT (certificate dates, checked against the port's SNTP clock)"
#endif
#if !defined(MBEDTLS_SSL_SERVER_NAME_INDICATION) || !defined(MBEDTLS_X509_CRT_PARSE_C)
#error "mbedtls_config.h: MBEDTLS_SSL_SERVER_NAME_INDICATION and MBEDTLS_X509_CRT_PARSE_C (SNI and the host name check)"
#endif

enum { NET_IDLE, NET_CONNECTING, NET_UP, NET_FAILED };
enum { DNS_IDLE, DNS_PENDING, DNS_DONE, DNS_FAILED };

/* The poll callback's interval, in TCP coarse timer ticks (500 ms). */
#define POLL_INTERVAL 2

mqtts_pico_w *mqtts_pico_w_instance;

static void lock(void)
{
    mqtts_pico_w_sys_lwip_begin();
}

static void unlock(void)
{
    mqtts_pico_w_sys_lwip_end();
}

static size_t min_size(size_t a, size_t b)
{
    return a < b ? a : b;
}

/* ---------------------------------------------------------------------- */
/* The wall clock. Written by the main loop under the lock; read anywhere. */

int64_t mqtts_pico_w_net_clock(const mqtts_pico_w *p)
{
    if (!p->clock_set)
        return 0;
    uint64_t since = mqtts_pico_w_sys_now_us() - p->clock_base_us;
    return p->clock_base_s + (int64_t)(since / 1000000u);
}

void mqtts_pico_w_net_clock_set(mqtts_pico_w *p, int64_t unix_s)
{
    p->clock_base_s = unix_s;
    p->clock_base_us = mqtts_pico_w_sys_now_us();
    p->clock_set = true;
}

/* The SNTP answer held, as unix seconds now. */
static int64_t sntp_now(const mqtts_pico_w *p)
{
    uint64_t since = mqtts_pico_w_sys_now_us() - p->sntp_at_us + p->sntp_us;
    return (int64_t)p->sntp_sec + (int64_t)(since / 1000000u);
}

void mqtts_pico_w_net_fold_sntp(mqtts_pico_w *p)
{
    uint32_t count = p->sntp_count;
    if (!p->clock_set || count == p->sntp_folded)
        return;
    p->sntp_folded = count;
    int64_t t = sntp_now(p);
    if (t >= p->time_floor_s) /* a server that says 1970 is ignored */
        mqtts_pico_w_net_clock_set(p, t);
}

/* lwIP's SNTP (SNTP_SET_SYSTEM_TIME_US), inside lwIP. */
void mqtts_pico_w_sntp_set_time(uint32_t sec, uint32_t us)
{
    mqtts_pico_w *p = mqtts_pico_w_instance;
    if (p == NULL)
        return;
    p->sntp_sec = sec;
    p->sntp_us = us;
    p->sntp_at_us = mqtts_pico_w_sys_now_us();
    p->sntp_count = p->sntp_count + 1;
    mqtts_pico_w_sys_wake();
}

mqtts_err mqtts_pico_w_net_sntp_start(void *ctx)
{
    mqtts_pico_w *p = ctx;
    const char *server = p->cfg.sntp_server ? p->cfg.sntp_server : MQTTS_PICO_W_SNTP_SERVER;
    lock();
    /* Stopping and starting again sends a request now (the runtime asks
     * again after a timeout, or when TLS found the clock wrong). */
    if (sntp_enabled())
        sntp_stop();
    sntp_setoperatingmode(SNTP_OPMODE_POLL);
    sntp_setservername(0, server);
    p->sntp_taken = p->sntp_count;
    sntp_init();
    unlock();
    return MQTTS_OK;
}

mqtts_err mqtts_pico_w_net_sntp_poll(void *ctx, int64_t *unix_s)
{
    mqtts_pico_w *p = ctx;
    mqtts_err e = MQTTS_NEED_MORE;
    lock();
    uint32_t count = p->sntp_count;
    if (count != p->sntp_taken) {
        *unix_s = sntp_now(p);
        p->sntp_folded = count; /* the runtime checks it and sets the clock */
        e = MQTTS_OK;
    }
    unlock();
    return e;
}

/* mbedTLS's clock: certificate dates are checked against the SNTP clock.
 * It runs inside lwIP (the handshake), so it takes no lock. */
static mbedtls_time_t tls_time(mbedtls_time_t *timer)
{
    const mqtts_pico_w *p = mqtts_pico_w_instance;
    mbedtls_time_t t = (mbedtls_time_t)(p ? mqtts_pico_w_net_clock(p) : 0);
    if (timer != NULL)
        *timer = t;
    return t;
}

#if MBEDTLS_VERSION_NUMBER >= 0x03000000 && defined(MBEDTLS_PLATFORM_MS_TIME_ALT)
/* mbedTLS 3.x wants a millisecond clock too, and has none on bare metal
 * (platform_util.c: "No mbedtls_ms_time available"). Weak: an application
 * or SDK that brings its own keeps it. */
__attribute__((weak)) mbedtls_ms_time_t mbedtls_ms_time(void)
{
    return (mbedtls_ms_time_t)(mqtts_pico_w_sys_now_us() / 1000u);
}
#endif

void mqtts_pico_w_net_init(mqtts_pico_w *p)
{
    mqtts_pico_w_instance = p;
    (void)mbedtls_platform_set_time(tls_time);
}

/* ---------------------------------------------------------------------- */
/* DNS. */

static void on_dns(const char *name, const ip_addr_t *ipaddr, void *arg)
{
    mqtts_pico_w *p = arg;
    (void)name;
    if (p == NULL || p->dns_state != DNS_PENDING)
        return; /* an answer nobody waits for any more */
    if (ipaddr != NULL && ipaddr_ntoa_r(ipaddr, p->dns_text, (int)sizeof p->dns_text) != NULL)
        p->dns_state = DNS_DONE;
    else
        p->dns_state = DNS_FAILED;
    mqtts_pico_w_sys_wake();
}

mqtts_err mqtts_pico_w_net_dns_start(void *ctx, const char *host)
{
    mqtts_pico_w *p = ctx;
    ip_addr_t addr;
    lock();
    p->dns_host = host;
    p->dns_state = DNS_PENDING;
    err_t err = dns_gethostbyname(host, &addr, on_dns, p);
    if (err == ERR_OK) { /* an address, or a name in lwIP's cache */
        if (ipaddr_ntoa_r(&addr, p->dns_text, (int)sizeof p->dns_text) != NULL)
            p->dns_state = DNS_DONE;
        else
            p->dns_state = DNS_FAILED;
    } else if (err != ERR_INPROGRESS) {
        p->dns_state = DNS_FAILED; /* a bad name, or no DNS server (DHCP gave none) */
    }
    uint8_t state = p->dns_state;
    unlock();
    return state == DNS_FAILED ? MQTTS_ERR_DNS : MQTTS_OK;
}

mqtts_err mqtts_pico_w_net_dns_poll(void *ctx, char *addr, size_t cap)
{
    mqtts_pico_w *p = ctx;
    mqtts_err e;
    lock();
    switch (p->dns_state) {
    case DNS_PENDING:
        e = MQTTS_NEED_MORE;
        break;
    case DNS_DONE:
        if (strlen(p->dns_text) < cap) {
            memcpy(addr, p->dns_text, strlen(p->dns_text) + 1);
            e = MQTTS_OK;
        } else {
            e = MQTTS_ERR_DNS;
        }
        break;
    default:
        e = MQTTS_ERR_DNS;
        break;
    }
    unlock();
    return e;
}

/* ---------------------------------------------------------------------- */
/* The receive ring, fed from rx_chain. Under the lock (or in a callback). */

/* Moves what fits from rx_chain into the ring, freeing the pbufs emptied. */
static void pump(mqtts_pico_w *p)
{
    while (p->rx_chain != NULL && p->ring_len < sizeof p->ring) {
        size_t tail = (p->ring_head + p->ring_len) % sizeof p->ring;
        size_t n = min_size(sizeof p->ring - p->ring_len, sizeof p->ring - tail);
        n = min_size(n, p->rx_chain->tot_len);
        u16_t got = pbuf_copy_partial(p->rx_chain, p->ring + tail, (u16_t)n, 0);
        if (got == 0)
            break;
        p->ring_len += got;
        p->rx_chain = pbuf_free_header(p->rx_chain, got);
    }
}

static size_t ring_take(mqtts_pico_w *p, uint8_t *buf, size_t cap)
{
    size_t done = 0;
    while (done < cap && p->ring_len > 0) {
        size_t n = min_size(cap - done, min_size(p->ring_len, sizeof p->ring - p->ring_head));
        memcpy(buf + done, p->ring + p->ring_head, n);
        p->ring_head = (p->ring_head + n) % sizeof p->ring;
        p->ring_len -= n;
        done += n;
    }
    if (p->ring_len == 0)
        p->ring_head = 0;
    return done;
}

static void ring_clear(mqtts_pico_w *p)
{
    if (p->rx_chain != NULL)
        (void)pbuf_free(p->rx_chain);
    p->rx_chain = NULL;
    p->ring_head = 0;
    p->ring_len = 0;
}

/* ---------------------------------------------------------------------- */
/* Errors. */

static mqtts_err verify_error(uint32_t flags)
{
    if (flags & MBEDTLS_X509_BADCERT_NOT_TRUSTED)
        return MQTTS_ERR_TLS_UNTRUSTED;
    if (flags & MBEDTLS_X509_BADCERT_EXPIRED)
        return MQTTS_ERR_TLS_EXPIRED;
    if (flags & MBEDTLS_X509_BADCERT_FUTURE)
        return MQTTS_ERR_TLS_NOT_YET_VALID;
    if (flags & MBEDTLS_X509_BADCERT_CN_MISMATCH)
        return MQTTS_ERR_TLS_NAME_MISMATCH;
    if (flags & (MBEDTLS_X509_BADCERT_KEY_USAGE | MBEDTLS_X509_BADCERT_EXT_KEY_USAGE |
                 MBEDTLS_X509_BADCERT_BAD_MD | MBEDTLS_X509_BADCERT_BAD_PK |
                 MBEDTLS_X509_BADCERT_BAD_KEY))
        return MQTTS_ERR_TLS_BAD_CERT;
    return MQTTS_ERR_TLS_UNTRUSTED;
}

/* The verification flags of the handshake on pcb; 0: none, or none known. */
static uint32_t verify_flags(struct altcp_pcb *pcb)
{
    mbedtls_ssl_context *ssl = altcp_tls_context(pcb);
    if (ssl == NULL)
        return 0;
    uint32_t flags = mbedtls_ssl_get_verify_result(ssl);
    return flags == UINT32_MAX ? 0 : flags; /* UINT32_MAX: no session to ask */
}

/* What lwIP's err (the connection is gone) means, and when. */
static mqtts_err lwip_error(const mqtts_pico_w *p, err_t err)
{
    if (p->net_state == NET_CONNECTING) {
        if (p->verify_flags != 0)
            return verify_error(p->verify_flags);
        switch (err) {
        case ERR_RST:
            return MQTTS_ERR_CONNECT_REFUSED;
        case ERR_CLSD: /* altcp_tls: mbedtls_ssl_handshake() failed */
            return MQTTS_ERR_TLS_HANDSHAKE;
        case ERR_ABRT: /* closed during the handshake, or the SYN never answered */
            return p->tls ? MQTTS_ERR_TLS_HANDSHAKE : MQTTS_ERR_TIMEOUT;
        case ERR_RTE:
            return MQTTS_ERR_UNREACHABLE;
        default:
            return MQTTS_ERR_IO;
        }
    }
    switch (err) {
    case ERR_RST:
    case ERR_CLSD:
        return MQTTS_ERR_CLOSED;
    case ERR_ABRT: /* lwIP gave up retransmitting */
        return MQTTS_ERR_TIMEOUT;
    default:
        return MQTTS_ERR_IO;
    }
}

/* send/recv on a connection that is not up. */
static int32_t not_up(const mqtts_pico_w *p)
{
    if (p->net_state == NET_FAILED)
        return p->net_err != MQTTS_OK ? p->net_err : MQTTS_ERR_CLOSED;
    return MQTTS_ERR_NOT_CONNECTED;
}

/* ---------------------------------------------------------------------- */
/* lwIP's callbacks. arg is the port, NULL after close. */

static err_t on_recv(void *arg, struct altcp_pcb *pcb, struct pbuf *pb, err_t err)
{
    mqtts_pico_w *p = arg;
    (void)pcb;
    if (pb == NULL) { /* the peer closed (TCP FIN; with TLS, after its close_notify) */
        if (p != NULL) {
            p->peer_closed = true;
            mqtts_pico_w_sys_wake();
        }
        return ERR_OK;
    }
    if (p == NULL || err != ERR_OK) {
        (void)pbuf_free(pb);
        return ERR_OK;
    }
    if (p->rx_chain != NULL) {
        /* A pbuf chain counts its length in 16 bits. The TCP window bounds
         * what can be waiting here; should it not, lwIP keeps pb and offers
         * it again (poll). */
        if ((uint32_t)p->rx_chain->tot_len + pb->tot_len > 0xFFFFu)
            return ERR_MEM;
        pbuf_cat(p->rx_chain, pb);
    } else {
        p->rx_chain = pb;
    }
    pump(p);
    mqtts_pico_w_sys_wake();
    return ERR_OK;
}

static err_t on_sent(void *arg, struct altcp_pcb *pcb, u16_t len)
{
    (void)pcb;
    (void)len;
    if (arg != NULL)
        mqtts_pico_w_sys_wake(); /* room to send again */
    return ERR_OK;
}

/* Its presence matters more than what it does: altcp_tls retries handing
 * over decrypted data (when PBUF_POOL ran dry) from lwIP's poll. */
static err_t on_poll(void *arg, struct altcp_pcb *pcb)
{
    mqtts_pico_w *p = arg;
    (void)pcb;
    if (p != NULL && (p->ring_len > 0 || p->rx_chain != NULL))
        mqtts_pico_w_sys_wake();
    return ERR_OK;
}

/* lwIP has freed the connection, or is about to (altcp_tls calls this
 * before it frees its state, so the handshake can still be asked why). */
static void on_err(void *arg, err_t err)
{
    mqtts_pico_w *p = arg;
    if (p == NULL)
        return;
    if (p->tls && p->pcb != NULL && p->net_state == NET_CONNECTING && p->verify_flags == 0)
        p->verify_flags = verify_flags(p->pcb);
    if (p->net_err == MQTTS_OK)
        p->net_err = lwip_error(p, err);
    p->pcb = NULL;
    p->net_state = NET_FAILED;
    mqtts_pico_w_sys_wake();
}

/* TCP connected; with TLS, the handshake is done. */
static err_t on_connected(void *arg, struct altcp_pcb *pcb, err_t err)
{
    mqtts_pico_w *p = arg;
    if (p == NULL)
        return ERR_OK;
    if (err != ERR_OK) {
        p->net_err = MQTTS_ERR_IO;
        altcp_abort(pcb); /* on_err marks the connection failed */
        return ERR_ABRT;
    }
    if (p->tls) {
        /* Whatever ALTCP_MBEDTLS_AUTHMODE says: no MQTT byte (and so no
         * password) goes to a server that failed verification. */
        mbedtls_ssl_context *ssl = altcp_tls_context(pcb);
        uint32_t flags = ssl != NULL ? mbedtls_ssl_get_verify_result(ssl) : UINT32_MAX;
        if (flags != 0) {
            p->verify_flags = flags;
            p->net_err = flags == UINT32_MAX ? MQTTS_ERR_TLS_HANDSHAKE : verify_error(flags);
            altcp_abort(pcb);
            return ERR_ABRT;
        }
    }
    p->net_state = NET_UP;
    mqtts_pico_w_sys_wake();
    return ERR_OK;
}

/* ---------------------------------------------------------------------- */
/* The transport (transport.h; wait is NULL: lwIP is callback driven). */

/* Lets go of a connection lwIP still owns, without more callbacks to us.
 * When the interface's link is down (the runtime drops the connection
 * because Wi-Fi went away) the connection is aborted: a FIN that cannot
 * leave would keep its PCB retransmitting for minutes, and a few quick
 * Wi-Fi losses could use up MEMP_NUM_TCP_PCB. */
static void release_pcb(mqtts_pico_w *p, bool polite)
{
    struct altcp_pcb *pcb = p->pcb;
    p->pcb = NULL;
    if (pcb == NULL)
        return;
    altcp_arg(pcb, NULL);
    altcp_recv(pcb, NULL);
    altcp_sent(pcb, NULL);
    altcp_err(pcb, NULL);
    if (netif_default != NULL && !netif_is_link_up(netif_default)) {
        altcp_abort(pcb);
        return;
    }
    if (polite && p->tls) {
        mbedtls_ssl_context *ssl = altcp_tls_context(pcb);
        if (ssl != NULL)
            (void)mbedtls_ssl_close_notify(ssl); /* queued; tcp_close sends it with the FIN */
    }
    if (altcp_close(pcb) != ERR_OK)
        altcp_abort(pcb);
}

static void tr_close(void *ctx)
{
    mqtts_pico_w *p = ctx;
    if (p == NULL)
        return;
    lock();
    release_pcb(p, p->net_state == NET_UP);
    ring_clear(p);
    p->peer_closed = false;
    p->net_state = NET_IDLE;
    unlock();
}

/* host: an address, or a name to resolve now (the runtime resolves in its
 * DNS stage and passes the address; mqtts_client alone passes the name). */
static mqtts_err resolve(mqtts_pico_w *p, const char *host, ip_addr_t *addr, uint32_t start,
                         uint32_t timeout_ms)
{
    if (ipaddr_aton(host, addr))
        return MQTTS_OK;
    mqtts_err e = mqtts_pico_w_net_dns_start(p, host);
    while (e == MQTTS_OK) {
        char text[MQTTS_DEVICE_ADDR_MAX];
        e = mqtts_pico_w_net_dns_poll(p, text, sizeof text);
        if (e == MQTTS_OK)
            return ipaddr_aton(text, addr) ? MQTTS_OK : MQTTS_ERR_DNS;
        if (e != MQTTS_NEED_MORE)
            return e;
        if (mqtts_pico_w_sys_now_ms() - start >= timeout_ms)
            return MQTTS_ERR_TIMEOUT;
        mqtts_pico_w_sys_wait(start + timeout_ms);
        e = MQTTS_OK;
    }
    return e;
}

/* A new connection to addr:port, connecting. */
static mqtts_err open_pcb(mqtts_pico_w *p, const ip_addr_t *addr, uint16_t port,
                          const char *host)
{
    mqtts_err e = MQTTS_OK;
    lock();
    u8_t type = (u8_t)IP_GET_TYPE(addr);
    struct altcp_pcb *pcb = p->tls ? altcp_tls_new(p->tls_conf, type) : altcp_tcp_new_ip_type(type);
    if (pcb == NULL) {
        unlock();
        return p->tls ? MQTTS_ERR_TLS_SETUP : MQTTS_ERR_IO; /* out of memory */
    }
    if (p->tls) {
        /* On every connection: SNI, and the name the certificate must carry. */
        mbedtls_ssl_context *ssl = altcp_tls_context(pcb);
        const char *name = p->server_name != NULL ? p->server_name : host;
        if (ssl == NULL || mbedtls_ssl_set_hostname(ssl, name) != 0) {
            if (altcp_close(pcb) != ERR_OK)
                altcp_abort(pcb);
            unlock();
            return MQTTS_ERR_INVALID_ARGUMENT; /* a name over 255 bytes */
        }
    }
    ring_clear(p);
    p->pcb = pcb;
    p->net_state = NET_CONNECTING;
    p->net_err = MQTTS_OK;
    p->verify_flags = 0;
    p->peer_closed = false;
    altcp_arg(pcb, p);
    altcp_recv(pcb, on_recv);
    altcp_sent(pcb, on_sent);
    altcp_err(pcb, on_err);
    altcp_poll(pcb, on_poll, POLL_INTERVAL);
    altcp_nagle_disable(pcb); /* MQTT packets are small; send each at once */
    err_t err = altcp_connect(pcb, addr, port, on_connected);
    if (err != ERR_OK) {
        release_pcb(p, false);
        p->net_state = NET_IDLE;
        e = err == ERR_RTE ? MQTTS_ERR_UNREACHABLE : MQTTS_ERR_IO;
    }
    unlock();
    return e;
}

static mqtts_err wait_connected(mqtts_pico_w *p, uint32_t start, uint32_t timeout_ms)
{
    for (;;) {
        lock();
        uint8_t state = p->net_state;
        mqtts_err why = p->net_err;
        unlock();
        if (state == NET_UP)
            return MQTTS_OK;
        if (state != NET_CONNECTING) {
            tr_close(p);
            return why != MQTTS_OK ? why : MQTTS_ERR_IO;
        }
        if (mqtts_pico_w_sys_now_ms() - start >= timeout_ms) {
            lock();
            if (p->pcb != NULL && p->net_state == NET_CONNECTING) {
                p->net_err = MQTTS_ERR_TIMEOUT;
                altcp_abort(p->pcb); /* on_err: failed, pcb NULL */
            }
            unlock();
            continue; /* the state says what happened */
        }
        mqtts_pico_w_sys_wait(start + timeout_ms);
    }
}

static mqtts_err tr_connect(void *ctx, const char *host, uint16_t port, uint32_t timeout_ms)
{
    mqtts_pico_w *p = ctx;
    if (p == NULL || host == NULL || host[0] == '\0' || port == 0)
        return MQTTS_ERR_INVALID_ARGUMENT;
    tr_close(p);
    if (p->tls) {
        if (p->tls_conf == NULL)
            return MQTTS_ERR_TLS_SETUP;
        lock();
        mqtts_pico_w_net_fold_sntp(p);
        int64_t now = mqtts_pico_w_net_clock(p);
        unlock();
        if (now < p->time_floor_s)
            return MQTTS_ERR_TLS_CLOCK_NOT_SET; /* no certificate date could be checked */
    }
    if (timeout_ms == 0)
        return MQTTS_ERR_TIMEOUT;
    uint32_t start = mqtts_pico_w_sys_now_ms();
    ip_addr_t addr;
    mqtts_err e = resolve(p, host, &addr, start, timeout_ms);
    if (e == MQTTS_OK)
        e = open_pcb(p, &addr, port, host);
    if (e == MQTTS_OK)
        e = wait_connected(p, start, timeout_ms);
    return e;
}

static int32_t tr_send(void *ctx, const uint8_t *buf, size_t len)
{
    mqtts_pico_w *p = ctx;
    if (p == NULL || (buf == NULL && len > 0))
        return MQTTS_ERR_INVALID_ARGUMENT;
    int32_t r = 0;
    lock();
    if (p->net_state != NET_UP || p->pcb == NULL) {
        r = not_up(p);
    } else if (len > 0) {
        size_t n = min_size(len, altcp_sndbuf(p->pcb));
        if (p->tls) {
            mbedtls_ssl_context *ssl = altcp_tls_context(p->pcb);
            int max = ssl != NULL ? mbedtls_ssl_get_max_out_record_payload(ssl) : 0;
            if (max > 0)
                n = min_size(n, (size_t)max);
        }
        if (n > 0) {
            err_t err = altcp_write(p->pcb, buf, (u16_t)n, TCP_WRITE_FLAG_COPY);
            if (err == ERR_OK) {
                (void)altcp_output(p->pcb);
                r = (int32_t)n;
            } else if (err != ERR_MEM) { /* ERR_MEM: no room now, nothing taken */
                r = MQTTS_ERR_IO;
            }
        }
    }
    unlock();
    return r;
}

static int32_t tr_recv(void *ctx, uint8_t *buf, size_t cap)
{
    mqtts_pico_w *p = ctx;
    if (p == NULL || (buf == NULL && cap > 0))
        return MQTTS_ERR_INVALID_ARGUMENT;
    cap = min_size(cap, INT32_MAX);
    size_t got = 0;
    int32_t r;
    lock();
    while (got < cap) {
        size_t n = ring_take(p, buf + got, cap - got);
        if (n == 0)
            break;
        got += n;
        pump(p);
    }
    /* The window reopens for what the application has taken. */
    for (size_t left = got; left > 0 && p->pcb != NULL;) {
        u16_t k = (u16_t)min_size(left, 0xFFFFu);
        altcp_recved(p->pcb, k);
        left -= k;
    }
    if (got > 0)
        r = (int32_t)got;
    else if (p->net_state != NET_UP)
        r = not_up(p);
    else if (p->peer_closed)
        r = MQTTS_ERR_CLOSED;
    else
        r = 0;
    unlock();
    return r;
}

/* The TLS configuration: the trust, parsed once. */
static mqtts_err make_tls_conf(mqtts_pico_w *p)
{
    struct altcp_tls_config *conf;
    if (p->cfg.ca != NULL) {
        lock();
        conf = altcp_tls_create_config_client((const u8_t *)p->cfg.ca, p->cfg.ca_len);
        unlock();
    } else {
        size_t len = 0;
        mqtts_err e = MQTTS_OK;
        unsigned char *pem = mqtts_pico_w_roots_pem(p->cfg.roots, &len, &e);
        if (pem == NULL)
            return e;
        lock();
        conf = altcp_tls_create_config_client(pem, len);
        unlock();
        free(pem);
    }
    if (conf == NULL)
        return MQTTS_ERR_TLS_CA_FILE; /* the trust does not parse (or no memory) */
    p->tls_conf = conf;
    return MQTTS_OK;
}

mqtts_err mqtts_pico_w_transport(mqtts_pico_w *p, bool tls, const char *server_name,
                                 mqtts_transport *t)
{
    if (p == NULL || t == NULL)
        return MQTTS_ERR_INVALID_ARGUMENT;
    p->tls = tls;
    p->server_name = server_name;
    if (tls && p->tls_conf == NULL) {
        mqtts_err e = make_tls_conf(p);
        if (e != MQTTS_OK)
            return e;
    }
    memset(t, 0, sizeof *t);
    t->ctx = p;
    t->connect = tr_connect;
    t->send = tr_send;
    t->recv = tr_recv;
    t->wait = NULL; /* callback driven: mqtts_pico_w_wait() sleeps */
    t->close = tr_close;
    return MQTTS_OK;
}

mqtts_err mqtts_pico_w_net_transport(void *ctx, const mqtts_device_config *cfg,
                                     mqtts_transport *t)
{
    mqtts_pico_w *p = ctx;
    if (cfg->time_floor_s != 0)
        p->time_floor_s = cfg->time_floor_s;
    /* The runtime resolves in its DNS stage and connects to the address:
     * the name to verify is the configured host. */
    return mqtts_pico_w_transport(p, cfg->tls, cfg->host, t);
}

uint32_t mqtts_pico_w_tls_verify_flags(const mqtts_pico_w *p)
{
    return p->verify_flags;
}

void mqtts_pico_w_free(mqtts_pico_w *p)
{
    if (p == NULL)
        return;
    tr_close(p);
    lock();
    if (p->tls_conf != NULL)
        altcp_tls_free_config(p->tls_conf);
    p->tls_conf = NULL;
    if (sntp_enabled())
        sntp_stop();
    p->dns_state = DNS_IDLE;
    unlock();
    if (mqtts_pico_w_instance == p)
        mqtts_pico_w_instance = NULL;
}
