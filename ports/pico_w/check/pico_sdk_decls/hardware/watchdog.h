/* src/rp2_common/hardware_watchdog/include/hardware/watchdog.h */
#ifndef CHECK_HARDWARE_WATCHDOG_H
#define CHECK_HARDWARE_WATCHDOG_H
#include "pico.h"
void watchdog_reboot(uint32_t pc, uint32_t sp, uint32_t delay_ms);
#endif
