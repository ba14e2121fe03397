/*
 * pico_w_board.c - the Pico W port's pico-sdk side: the CYW43 chip (Wi-Fi
 * link, LED), the clocks, entropy, the lwIP lock, sleeping and waking, and
 * mqtts_pico_w_init(), which fills the runtime's platform table.
 *
 * Every pico-sdk and cyw43-driver function used here is declared in these
 * headers of pico-sdk 2.x (and listed, with where it was checked, in
 * docs/pico-w.md):
 *   pico/cyw43_arch.h  cyw43_arch_init, cyw43_arch_init_with_country,
 *                      cyw43_arch_enable_sta_mode, cyw43_arch_wifi_connect_async,
 *                      cyw43_arch_gpio_put, cyw43_arch_lwip_begin/end,
 *                      cyw43_arch_poll, cyw43_arch_wait_for_work_until;
 *                      through it cyw43.h: cyw43_state, cyw43_is_initialized,
 *                      cyw43_tcpip_link_status, CYW43_LINK_*; cyw43_ll.h:
 *                      CYW43_ITF_STA, CYW43_AUTH_*; the board header:
 *                      CYW43_WL_GPIO_LED_PIN
 *   pico/time.h        get_absolute_time, to_ms_since_boot, to_us_since_boot,
 *                      make_timeout_time_ms
 *   pico/rand.h        get_rand_32
 *   pico/sem.h         semaphore_t, sem_init, sem_release, sem_try_acquire,
 *                      sem_acquire_block_until
 */
#include <string.h>

#include "pico/cyw43_arch.h"
#include "pico/rand.h"
#include "pico/sem.h"
#include "pico/time.h"

#include "pico_w_sys.h"

#if !defined(CYW43_LWIP) || !CYW43_LWIP
#error "mqtts_pico_w needs lwIP: link pico_cyw43_arch_lwip_threadsafe_background or pico_cyw43_arch_lwip_poll"
#endif
#if !defined(PICO_CYW43_ARCH_THREADSAFE_BACKGROUND) && !defined(PICO_CYW43_ARCH_POLL)
#error "mqtts_pico_w supports pico_cyw43_arch_lwip_threadsafe_background and pico_cyw43_arch_lwip_poll (NO_SYS=1), not FreeRTOS"
#endif

/* Released by lwIP's callbacks (an interrupt with threadsafe_background,
 * which may release a semaphore), taken by the sleeping main loop. */
static semaphore_t wake_sem;
static bool wake_ready;

/* ---------------------------------------------------------------------- */
/* What pico_w_net.c needs (pico_w_sys.h). */

void mqtts_pico_w_sys_lwip_begin(void)
{
    cyw43_arch_lwip_begin();
}

void mqtts_pico_w_sys_lwip_end(void)
{
    cyw43_arch_lwip_end();
}

void mqtts_pico_w_sys_wake(void)
{
    if (wake_ready)
        (void)sem_release(&wake_sem);
}

uint32_t mqtts_pico_w_sys_now_ms(void)
{
    return to_ms_since_boot(get_absolute_time());
}

uint64_t mqtts_pico_w_sys_now_us(void)
{
    return to_us_since_boot(get_absolute_time());
}

void mqtts_pico_w_sys_wait(uint32_t until_ms)
{
    int32_t left = (int32_t)(until_ms - mqtts_pico_w_sys_now_ms());
#if defined(PICO_CYW43_ARCH_POLL) && PICO_CYW43_ARCH_POLL
    /* lwIP and the driver run here, in this thread: their callbacks release
     * the semaphore while cyw43_arch_poll() runs them. */
    cyw43_arch_poll();
    if (left <= 0 || sem_try_acquire(&wake_sem))
        return;
    cyw43_arch_wait_for_work_until(make_timeout_time_ms((uint32_t)left));
    cyw43_arch_poll();
    (void)sem_try_acquire(&wake_sem);
#else
    /* lwIP runs in the background; its callbacks wake us. */
    if (left > 0)
        (void)sem_acquire_block_until(&wake_sem, make_timeout_time_ms((uint32_t)left));
#endif
}

/* ---------------------------------------------------------------------- */
/* The platform table (device.h). */

static uint32_t pf_now_ms(void)
{
    return mqtts_pico_w_sys_now_ms();
}

static uint32_t pf_random(void *ctx)
{
    (void)ctx;
    return get_rand_32();
}

static mqtts_err pf_link_join(void *ctx)
{
    mqtts_pico_w *p = ctx;
    const char *pw = p->cfg.wifi_password;
    uint32_t auth = CYW43_AUTH_OPEN;
    if (pw != NULL && pw[0] != '\0')
        auth = p->cfg.wifi_auth != 0 ? p->cfg.wifi_auth : CYW43_AUTH_WPA2_AES_PSK;
    else
        pw = NULL;
    /* Starts (or restarts, after a disassociation) joining; the state comes
     * from cyw43_tcpip_link_status(). */
    return cyw43_arch_wifi_connect_async(p->cfg.wifi_ssid, pw, auth) == 0 ? MQTTS_OK
                                                                          : MQTTS_ERR_IO;
}

static mqtts_err pf_link_status(void *ctx)
{
    (void)ctx;
    switch (cyw43_tcpip_link_status(&cyw43_state, CYW43_ITF_STA)) {
    case CYW43_LINK_UP: /* joined, and DHCP gave an address */
        return MQTTS_OK;
    case CYW43_LINK_JOIN: /* joined, no address yet */
    case CYW43_LINK_NOIP:
        return MQTTS_NEED_MORE;
    case CYW43_LINK_NONET: /* no such network in range */
        return MQTTS_ERR_UNREACHABLE;
    case CYW43_LINK_BADAUTH: /* wrong password */
        return MQTTS_ERR_REFUSED;
    case CYW43_LINK_FAIL:
        return MQTTS_ERR_IO;
    default: /* CYW43_LINK_DOWN: not joined, or the access point let us go */
        return MQTTS_ERR_NOT_CONNECTED;
    }
}

static int64_t pf_wall_get(void *ctx)
{
    mqtts_pico_w *p = ctx;
    mqtts_pico_w_sys_lwip_begin();
    mqtts_pico_w_net_fold_sntp(p);
    int64_t t = mqtts_pico_w_net_clock(p);
    mqtts_pico_w_sys_lwip_end();
    return t;
}

static void pf_wall_set(void *ctx, int64_t unix_s)
{
    mqtts_pico_w *p = ctx;
    /* Under the lock: mbedTLS reads the clock inside lwIP. */
    mqtts_pico_w_sys_lwip_begin();
    mqtts_pico_w_net_clock_set(p, unix_s);
    mqtts_pico_w_sys_lwip_end();
}

static void led_apply(const mqtts_pico_w *p)
{
    bool on = p->led_override < 0 ? p->led_status : p->led_override != 0;
    cyw43_arch_gpio_put(CYW43_WL_GPIO_LED_PIN, on);
}

static void pf_led(void *ctx, bool on)
{
    mqtts_pico_w *p = ctx;
    p->led_status = on;
    led_apply(p);
}

/* ---------------------------------------------------------------------- */
/* The port's API (mqtts/pico_w.h). */

mqtts_err mqtts_pico_w_init(mqtts_pico_w *p, const mqtts_pico_w_config *cfg,
                            mqtts_device_platform *pf)
{
    if (p == NULL || cfg == NULL || pf == NULL || cfg->wifi_ssid == NULL ||
        cfg->wifi_ssid[0] == '\0')
        return MQTTS_ERR_INVALID_ARGUMENT;
    memset(p, 0, sizeof *p);
    p->cfg = *cfg;
    p->time_floor_s = mqtts_device_build_epoch();
    p->led_override = -1;
    if (!wake_ready) {
        sem_init(&wake_sem, 0, 1);
        wake_ready = true;
    }
    if (!cyw43_is_initialized(&cyw43_state)) {
        int r = cfg->country != 0 ? cyw43_arch_init_with_country(cfg->country) : cyw43_arch_init();
        if (r != 0)
            return MQTTS_ERR_IO;
    }
    cyw43_arch_enable_sta_mode();
    mqtts_pico_w_net_init(p);

    memset(pf, 0, sizeof *pf);
    pf->ctx = p;
    pf->now_ms = pf_now_ms;
    pf->random = pf_random;
    pf->transport = mqtts_pico_w_net_transport;
    pf->link_join = pf_link_join;
    pf->link_status = pf_link_status;
    pf->wall_get = pf_wall_get;
    pf->wall_set = pf_wall_set;
    pf->sntp_start = mqtts_pico_w_net_sntp_start;
    pf->sntp_poll = mqtts_pico_w_net_sntp_poll;
    pf->dns_start = mqtts_pico_w_net_dns_start;
    pf->dns_poll = mqtts_pico_w_net_dns_poll;
    pf->led = pf_led;
    return MQTTS_OK;
}

void mqtts_pico_w_wait(mqtts_pico_w *p, uint32_t until_ms)
{
    /* A newer SNTP answer (lwIP asks every SNTP_UPDATE_DELAY) corrects the
     * clock's drift. */
    mqtts_pico_w_sys_lwip_begin();
    mqtts_pico_w_net_fold_sntp(p);
    mqtts_pico_w_sys_lwip_end();
    mqtts_pico_w_sys_wait(until_ms);
}

void mqtts_pico_w_led_override(mqtts_pico_w *p, int mode)
{
    p->led_override = (int8_t)(mode < 0 ? -1 : mode > 0 ? 1 : 0);
    led_apply(p);
}

int64_t mqtts_pico_w_unix_time(mqtts_pico_w *p)
{
    return pf_wall_get(p);
}
