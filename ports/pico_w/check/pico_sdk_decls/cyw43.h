/* cyw43-driver: src/cyw43.h and src/cyw43_ll.h (lib/cyw43-driver in the
 * SDK); the board header (boards/pico_w.h) for CYW43_WL_GPIO_LED_PIN. */
#ifndef CHECK_CYW43_H
#define CHECK_CYW43_H
#include "pico.h"
#include "lwip/netif.h"
/* cyw43_ll.h */
#define CYW43_AUTH_OPEN (0)
#define CYW43_AUTH_WPA_TKIP_PSK (0x00200002)
#define CYW43_AUTH_WPA2_AES_PSK (0x00400004)
#define CYW43_AUTH_WPA2_MIXED_PSK (0x00400006)
enum {
    CYW43_ITF_STA,
    CYW43_ITF_AP,
};
/* cyw43.h */
#define CYW43_LINK_DOWN (0)
#define CYW43_LINK_JOIN (1)
#define CYW43_LINK_NOIP (2)
#define CYW43_LINK_UP (3)
#define CYW43_LINK_FAIL (-1)
#define CYW43_LINK_NONET (-2)
#define CYW43_LINK_BADAUTH (-3)
typedef struct _cyw43_t {
    bool initted;
    struct netif netif[2];
} cyw43_t;
extern cyw43_t cyw43_state;
static inline bool cyw43_is_initialized(cyw43_t *self)
{
    return self->initted;
}
int cyw43_tcpip_link_status(cyw43_t *self, int itf);
int cyw43_wifi_get_rssi(cyw43_t *self, int32_t *rssi);
/* boards/pico_w.h */
#define CYW43_WL_GPIO_LED_PIN 0
#endif
