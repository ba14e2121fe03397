/*
 * mqtts/pico_w.h - the Raspberry Pi Pico W port of the device runtime
 * (mqtts/device.h), for pico-sdk 2.x.
 *
 * What it gives the runtime (one mqtts_device_platform table):
 *   link      Wi-Fi through the CYW43 driver: cyw43_arch_wifi_connect_async()
 *             to join, cyw43_tcpip_link_status() for the state (up = joined
 *             and given an address by DHCP).
 *   clock     to_ms_since_boot(get_absolute_time()); entropy: get_rand_32()
 *             (pico_rand: the ROSC and more).
 *   wall      a software clock set from SNTP (lwIP's apps/sntp); it is also
 *             mbedTLS's clock (MBEDTLS_PLATFORM_TIME_ALT), so certificate
 *             dates are checked against it.
 *   DNS       lwIP's dns_gethostbyname(), asynchronous.
 *   transport TCP or TLS through lwIP's altcp: altcp_tls_new() on a client
 *             configuration with the built-in ISRG roots (or your CA);
 *             mbedtls_ssl_set_hostname() on every new connection (SNI and
 *             the host name check), verification required.
 *   LED       the on-board LED (CYW43_WL_GPIO_LED_PIN), driven by the
 *             runtime's status patterns (device.h, "Status").
 *
 * Use
 * ---
 *     static mqtts_pico_w port;
 *     static mqtts_device_platform pf;
 *     static mqtts_device dev;
 *     mqtts_pico_w_config pc = { .wifi_ssid = ..., .wifi_password = ... };
 *     if (mqtts_pico_w_init(&port, &pc, &pf) != MQTTS_OK) ...   // cyw43 up
 *     mqtts_device_init(&dev, &cfg, &pf, &app, &mem);          // cfg.tls = true
 *     for (;;) {
 *         uint32_t next = mqtts_device_step(&dev, pf.now_ms());
 *         mqtts_pico_w_wait(&port, next);   // sleeps; wakes early on network events
 *     }
 *
 * The pico-sdk side
 * -----------------
 * Link the CMake target mqtts_pico_w (ports/pico_w/CMakeLists.txt) together
 * with ONE of pico_cyw43_arch_lwip_threadsafe_background (lwIP runs in a
 * low-priority interrupt; every lwIP call the port makes from your code is
 * wrapped in cyw43_arch_lwip_begin/end) or pico_cyw43_arch_lwip_poll (lwIP
 * runs inside mqtts_pico_w_wait() and the blocking connect, through
 * cyw43_arch_poll()). FreeRTOS (NO_SYS=0) is not supported.
 *
 * Your lwipopts.h needs LWIP_ALTCP, LWIP_ALTCP_TLS, LWIP_ALTCP_TLS_MBEDTLS,
 * LWIP_DNS, SNTP_SERVER_DNS, ALTCP_MBEDTLS_AUTHMODE MBEDTLS_SSL_VERIFY_REQUIRED
 * and the SNTP hook:
 *
 *     void mqtts_pico_w_sntp_set_time(uint32_t sec, uint32_t us);
 *     #define SNTP_SET_SYSTEM_TIME_US(sec, us) mqtts_pico_w_sntp_set_time((sec), (us))
 *
 * and your mbedtls_config.h MBEDTLS_HAVE_TIME_DATE, MBEDTLS_PLATFORM_C,
 * MBEDTLS_PLATFORM_TIME_ALT (the port installs its clock with
 * mbedtls_platform_set_time()) and, for mbedTLS 3.x, MBEDTLS_PLATFORM_MS_TIME_ALT
 * (the port supplies a weak mbedtls_ms_time()). The port refuses to compile
 * without the first three. examples/pico_w_hivemq/ has both files, explained.
 *
 * Verification
 * ------------
 * Every TLS connection verifies the chain up to the trust given (the
 * built-in ISRG Root X1 and X2 unless cfg->ca or cfg->roots say otherwise),
 * the dates against the SNTP clock, and the host name (cfg->host of the
 * device, sent as SNI too). ALTCP_MBEDTLS_AUTHMODE makes mbedTLS fail the
 * handshake; independently, the port checks mbedtls_ssl_get_verify_result()
 * when the handshake ends and drops a connection with any flag set before a
 * byte of MQTT (the password) is sent: a lwipopts.h with lwIP's default
 * (VERIFY_OPTIONAL) still cannot connect to a wrong server. connect()
 * refuses to start while the clock is not set (MQTTS_ERR_TLS_CLOCK_NOT_SET:
 * the runtime goes back to its TIME stage).
 *
 * Receiving
 * ---------
 * lwIP hands decrypted data to a callback (altcp_recv). The callback queues
 * the pbufs and copies what fits into a receive ring of
 * MQTTS_PICO_W_RX_RING bytes, freeing the pbufs it has emptied (they come
 * from PBUF_POOL, which the Wi-Fi driver needs too); recv() reads the ring.
 * The TCP window is reopened (altcp_recved) only for bytes recv() has taken,
 * so a slow reader holds at most TCP_WND bytes. The transport has no wait()
 * (transport.h: callback-driven): mqtts_pico_w_wait() is what sleeps, and
 * every callback (data, sent, error, DNS, SNTP) wakes it.
 *
 * Threading: one mqtts_pico_w per program (the SNTP hook and mbedTLS's
 * clock reach it through a static pointer); call its functions from one
 * thread (core 0's main loop). Nothing here allocates: lwIP and mbedTLS
 * do (the TLS configuration at init, each connection's TLS state at
 * connect), see docs/pico-w.md for how much.
 */
#ifndef MQTTS_PICO_W_H
#define MQTTS_PICO_W_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/device.h"
#include "mqtts/error.h"
#include "mqtts/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bytes of decrypted data staged between lwIP's callback and recv(). More
 * than the largest MQTT packet is not needed (the session's rx buffer
 * assembles packets); less only costs more callbacks. */
#ifndef MQTTS_PICO_W_RX_RING
#define MQTTS_PICO_W_RX_RING 2048
#endif

/* The SNTP server when the configuration names none. */
#define MQTTS_PICO_W_SNTP_SERVER "pool.ntp.org"

typedef struct mqtts_pico_w_config {
    const char *wifi_ssid;       /* required */
    const char *wifi_password;   /* NULL or "": an open network */
    uint32_t wifi_auth;          /* 0: CYW43_AUTH_WPA2_AES_PSK (with a password) */
    uint32_t country;            /* 0: PICO_CYW43_ARCH_DEFAULT_COUNTRY_CODE (worldwide) */
    const char *sntp_server;     /* NULL: MQTTS_PICO_W_SNTP_SERVER; kept, not copied */

    /* Trust for TLS. ca/ca_len: your CA, PEM (NUL-terminated, ca_len counts
     * the NUL; one or many certificates) or one DER certificate; parsed at
     * init, not kept. Else roots: names of roots built into mqtts
     * (mqtts_tls_builtin_roots(): "ISRG Root X1", "Amazon Root CA 1", ...),
     * NULL-terminated. Both NULL: ISRG Root X1 and ISRG Root X2 (Let's
     * Encrypt: HiveMQ Cloud and most hosted brokers). */
    const void *ca;
    size_t ca_len;
    const char *const *roots;
} mqtts_pico_w_config;

struct altcp_pcb;
struct altcp_tls_config;
struct pbuf;

/* All the port's state. Fields are private. */
typedef struct mqtts_pico_w {
    mqtts_pico_w_config cfg;
    int64_t time_floor_s;        /* a wall clock below this is "not set" */

    /* The transport. */
    bool tls;
    const char *server_name;     /* verified and sent as SNI */
    struct altcp_tls_config *tls_conf;
    struct altcp_pcb *pcb;
    struct pbuf *rx_chain;       /* data lwIP gave us that the ring has no room for */
    uint8_t net_state;           /* private enum in pico_w_net.c */
    bool peer_closed;            /* FIN (or close_notify) received */
    mqtts_err net_err;           /* why the connection failed */
    uint32_t verify_flags;       /* mbedTLS's verification flags of the last handshake */
    size_t ring_head;            /* first byte in the ring */
    size_t ring_len;             /* bytes in the ring */
    uint8_t ring[MQTTS_PICO_W_RX_RING];

    /* DNS. */
    uint8_t dns_state;
    const char *dns_host;
    char dns_text[MQTTS_DEVICE_ADDR_MAX];

    /* The wall clock: unix time clock_base_s at monotonic clock_base_us. */
    bool clock_set;
    int64_t clock_base_s;
    uint64_t clock_base_us;
    /* The last SNTP answer (written by lwIP's SNTP, read by the main loop). */
    volatile uint32_t sntp_count;
    uint32_t sntp_sec;
    uint32_t sntp_us;
    uint64_t sntp_at_us;
    uint32_t sntp_taken;         /* sntp_count when sntp_start() asked */
    uint32_t sntp_folded;        /* sntp_count last applied to the clock */

    /* The LED. */
    int8_t led_override;         /* -1: the runtime's status; 0 off; 1 on */
    bool led_status;             /* what the runtime wants shown */
} mqtts_pico_w;

/* Brings up the CYW43 chip (cyw43_arch_init_with_country(), unless it is
 * already initialised) in station mode, installs mbedTLS's clock, and
 * fills *platform (ctx = p) for mqtts_device_init(). Does not join the
 * network yet: the runtime's LINK stage does. cfg is copied; its strings
 * and ca must stay valid (ca only until the device's init, which parses
 * it). Returns MQTTS_OK, MQTTS_ERR_INVALID_ARGUMENT (no SSID), or
 * MQTTS_ERR_IO (the CYW43 chip did not start). */
mqtts_err mqtts_pico_w_init(mqtts_pico_w *p, const mqtts_pico_w_config *cfg,
                            mqtts_device_platform *platform);

/* The transport alone, for mqtts_client without the device runtime: TLS
 * (tls true: server_name is verified and sent as SNI; NULL: the host given
 * to connect()) or plain TCP. The TLS configuration (trust) is made here.
 * Returns MQTTS_OK, MQTTS_ERR_TLS_CA_FILE (the trust does not parse),
 * MQTTS_ERR_TLS_SETUP (no memory). The device runtime calls it through
 * platform->transport. */
mqtts_err mqtts_pico_w_transport(mqtts_pico_w *p, bool tls, const char *server_name,
                                 mqtts_transport *t);

/* Sleep until until_ms (the clock of platform->now_ms) or until the network
 * has news (data, a connection's end, a DNS or SNTP answer), whichever
 * comes first. In poll mode it runs lwIP meanwhile (cyw43_arch_poll()). */
void mqtts_pico_w_wait(mqtts_pico_w *p, uint32_t until_ms);

/* The LED: -1 shows the runtime's status (the default), 0 forces it off,
 * 1 forces it on (a "led on|off" command). */
void mqtts_pico_w_led_override(mqtts_pico_w *p, int mode);

/* Unix time in seconds, 0 while the clock is not set. */
int64_t mqtts_pico_w_unix_time(mqtts_pico_w *p);

/* mbedTLS's verification flags (MBEDTLS_X509_BADCERT_*) of the last
 * handshake that failed verification, 0 when none did. */
uint32_t mqtts_pico_w_tls_verify_flags(const mqtts_pico_w *p);

/* Closes the connection and frees the TLS configuration. */
void mqtts_pico_w_free(mqtts_pico_w *p);

/* lwIP's SNTP calls this (SNTP_SET_SYSTEM_TIME_US in lwipopts.h) with the
 * server's time; not for applications. */
void mqtts_pico_w_sntp_set_time(uint32_t sec, uint32_t us);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_PICO_W_H */
