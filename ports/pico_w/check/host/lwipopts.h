/*
 * lwipopts.h for host_test.sh: the Pico W example's options, unchanged,
 * plus what a test inside one host process needs: lwIP's loopback
 * interface (127.0.0.1 within lwIP, where the test's TLS server listens)
 * no interrupt protection (one thread), and the host's alignment.
 */
#ifndef MQTTS_PICO_W_HOST_LWIPOPTS_H
#define MQTTS_PICO_W_HOST_LWIPOPTS_H

#include "../../../../examples/pico_w_hivemq/lwipopts.h"

#define LWIP_NETIF_LOOPBACK 1
#define LWIP_HAVE_LOOPIF 1
#define SYS_LIGHTWEIGHT_PROT 0
#define MEMP_NUM_TCP_PCB 8
/* 4 on the RP2040; a 64-bit host aligns pointers to 8. */
#undef MEM_ALIGNMENT
#define MEM_ALIGNMENT 8

#endif
