/*
 * pico_w_sys.h - what the port's two halves give each other.
 *
 *   pico_w_board.c  the pico-sdk side: CYW43 (link, LED), clocks, entropy,
 *                   the lwIP lock, sleeping and waking, init
 *   pico_w_net.c    the lwIP and mbedTLS side: the altcp transport (TCP,
 *                   TLS), DNS, SNTP, mbedTLS's clock hooks
 *   pico_w_roots.c  the built-in roots as PEM for altcp_tls
 *
 * pico_w_net.c and pico_w_roots.c include no pico-sdk header, so that ports/pico_w/check.sh
 * can compile it on a host against Debian's lwIP and mbedTLS headers.
 */
#ifndef MQTTS_PICO_W_SYS_H
#define MQTTS_PICO_W_SYS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/pico_w.h"

/* pico_w_board.c */

/* cyw43_arch_lwip_begin() / cyw43_arch_lwip_end(): around every lwIP call
 * made outside an lwIP callback. Recursive: safe inside a callback too. */
void mqtts_pico_w_sys_lwip_begin(void);
void mqtts_pico_w_sys_lwip_end(void);
/* Wake mqtts_pico_w_wait() (and the blocking connect); callable from lwIP
 * callbacks, which run in an interrupt with threadsafe_background. */
void mqtts_pico_w_sys_wake(void);
/* Sleep until until_ms or a wake-up; in poll mode, run lwIP meanwhile. */
void mqtts_pico_w_sys_wait(uint32_t until_ms);
uint32_t mqtts_pico_w_sys_now_ms(void);
uint64_t mqtts_pico_w_sys_now_us(void);

/* pico_w_roots.c */

/* The named built-in roots (NULL: ISRG Root X1 and X2) as one PEM text,
 * malloc'd, NUL-terminated; *len counts the NUL. NULL on failure, with *err
 * MQTTS_ERR_INVALID_ARGUMENT (no root of a name) or MQTTS_ERR_TLS_SETUP. */
unsigned char *mqtts_pico_w_roots_pem(const char *const *names, size_t *len, mqtts_err *err);

/* pico_w_net.c */

/* The instance the lwIP and mbedTLS hooks reach (set by init). */
extern mqtts_pico_w *mqtts_pico_w_instance;

/* Installs mbedTLS's clock (mbedtls_platform_set_time). */
void mqtts_pico_w_net_init(mqtts_pico_w *p);
/* The platform's transport factory (device.h), DNS and SNTP functions. */
mqtts_err mqtts_pico_w_net_transport(void *ctx, const mqtts_device_config *cfg,
                                     mqtts_transport *t);
mqtts_err mqtts_pico_w_net_dns_start(void *ctx, const char *host);
mqtts_err mqtts_pico_w_net_dns_poll(void *ctx, char *addr, size_t cap);
mqtts_err mqtts_pico_w_net_sntp_start(void *ctx);
mqtts_err mqtts_pico_w_net_sntp_poll(void *ctx, int64_t *unix_s);
/* Applies an SNTP answer that came after the clock was set (lwIP asks
 * again every SNTP_UPDATE_DELAY); call under the lwIP lock. */
void mqtts_pico_w_net_fold_sntp(mqtts_pico_w *p);
/* The wall clock without taking the lock (mbedTLS's hook runs inside lwIP). */
int64_t mqtts_pico_w_net_clock(const mqtts_pico_w *p);
void mqtts_pico_w_net_clock_set(mqtts_pico_w *p, int64_t unix_s);

#endif /* MQTTS_PICO_W_SYS_H */
