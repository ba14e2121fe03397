/* src/rp2_common/hardware_adc/include/hardware/adc.h (static inline there) */
#ifndef CHECK_HARDWARE_ADC_H
#define CHECK_HARDWARE_ADC_H
#include "pico.h"
void adc_init(void);
void adc_select_input(uint input);
void adc_set_temp_sensor_enabled(bool enable);
uint16_t adc_read(void);
#endif
