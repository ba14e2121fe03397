/* src/common/pico_sync/include/pico/sem.h */
#ifndef CHECK_PICO_SEM_H
#define CHECK_PICO_SEM_H
#include "pico.h"
typedef struct semaphore {
    int16_t permits;
    int16_t max_permits;
} semaphore_t;
void sem_init(semaphore_t *sem, int16_t initial_permits, int16_t max_permits);
bool sem_release(semaphore_t *sem);
bool sem_try_acquire(semaphore_t *sem);
bool sem_acquire_block_until(semaphore_t *sem, absolute_time_t until);
#endif
