/* src/rp2_common/pico_cyw43_arch/include/pico/cyw43_arch.h */
#ifndef CHECK_PICO_CYW43_ARCH_H
#define CHECK_PICO_CYW43_ARCH_H
#include "pico.h"
#include "cyw43.h"
int cyw43_arch_init(void);
int cyw43_arch_init_with_country(uint32_t country);
void cyw43_arch_enable_sta_mode(void);
int cyw43_arch_wifi_connect_async(const char *ssid, const char *pw, uint32_t auth);
void cyw43_arch_gpio_put(uint wl_gpio, bool value);
void cyw43_arch_poll(void);
void cyw43_arch_wait_for_work_until(absolute_time_t until);
/* static inline there, calling cyw43_thread_enter()/exit() */
void cyw43_arch_lwip_begin(void);
void cyw43_arch_lwip_end(void);
#endif
