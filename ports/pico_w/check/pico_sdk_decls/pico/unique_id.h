/* src/rp2_common/pico_unique_id/include/pico/unique_id.h */
#ifndef CHECK_PICO_UNIQUE_ID_H
#define CHECK_PICO_UNIQUE_ID_H
#include "pico.h"
#define PICO_UNIQUE_BOARD_ID_SIZE_BYTES 8
void pico_get_unique_board_id_string(char *id_out, uint len);
#endif
