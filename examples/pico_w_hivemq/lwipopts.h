/*
 * lwipopts.h - lwIP for the Pico W example: NO_SYS (raw API, callbacks),
 * TCP with altcp and altcp_tls on mbedTLS, DNS, DHCP and SNTP. Every value
 * that is not lwIP's default says why it is what it is; the mqtts port
 * (ports/pico_w) refuses to compile without the ones it relies on.
 *
 * Sizes are for one MQTT connection over TLS. RAM they take (Cortex-M0+):
 * PBUF_POOL about 16 x 1.5 KB = 24 KB, MEM_SIZE 16 KB; docs/pico-w.md has
 * the whole budget.
 */
#ifndef MQTTS_EXAMPLE_LWIPOPTS_H
#define MQTTS_EXAMPLE_LWIPOPTS_H

#include <stdint.h>

/* ---- System: no OS, lwIP's raw API, driven by pico_cyw43_arch ---- */
#define NO_SYS 1
#define LWIP_SOCKET 0
#define LWIP_NETCONN 0
/* threadsafe_background runs lwIP in an interrupt, where the C library's
 * malloc must not be called: lwIP keeps its own heap then. */
#if defined(PICO_CYW43_ARCH_POLL) && PICO_CYW43_ARCH_POLL
#define MEM_LIBC_MALLOC 1
#else
#define MEM_LIBC_MALLOC 0
#endif
#define MEM_ALIGNMENT 4
/* lwIP's heap: TCP send data waiting for its ACK (up to TCP_SND_BUF), the
 * altcp_tls configuration (mbedtls_ssl_config, the CA's mbedtls_x509_crt,
 * the shared entropy and CTR_DRBG contexts) and each connection's TLS state
 * (mbedtls_ssl_context). mbedTLS's own allocations (record buffers,
 * handshake, parsed certificates) use the C heap, not this. */
#define MEM_SIZE (16 * 1024)

/* ---- Interface: the CYW43 Wi-Fi netif ---- */
#define LWIP_ARP 1
#define LWIP_ETHERNET 1
#define LWIP_ICMP 1
#define LWIP_RAW 1
#define LWIP_IPV4 1
#define LWIP_IPV6 0
#define LWIP_DHCP 1
#define DHCP_DOES_ARP_CHECK 0
#define LWIP_DHCP_DOES_ACD_CHECK 0 /* lwIP 2.2; ignored by 2.1 */
#define LWIP_NETIF_HOSTNAME 1      /* the driver names its netif */
#define LWIP_NETIF_STATUS_CALLBACK 1
#define LWIP_NETIF_LINK_CALLBACK 1
#define LWIP_NETIF_TX_SINGLE_PBUF 1
#define LWIP_CHKSUM_ALGORITHM 3
#define MEMP_NUM_ARP_QUEUE 10

/* ---- TCP ---- */
#define LWIP_TCP 1
#define LWIP_TCP_KEEPALIVE 1
#define TCP_MSS 1460
/* A TLS record is decrypted only when all of it has arrived, and brokers
 * send records of up to 16 KB (MBEDTLS_SSL_IN_CONTENT_LEN in
 * mbedtls_config.h): the receive window must hold a whole record plus its
 * header, or the connection stalls. 16 x 1460 = 23,360 bytes. */
#define TCP_WND (16 * TCP_MSS)
/* What we send is small (MQTT packets, TLS records of at most 2 KB):
 * a few segments in flight are plenty. */
#define TCP_SND_BUF (4 * TCP_MSS)
#define TCP_SND_QUEUELEN ((4 * (TCP_SND_BUF) + (TCP_MSS - 1)) / (TCP_MSS))
#define MEMP_NUM_TCP_SEG 32
/* Received segments wait in PBUF_POOL until altcp_tls copies them into
 * mbedTLS's record buffer. lwIP's own sanity check wants the pool to be
 * able to hold TCP_WND: 16 buffers of TCP_MSS fit it exactly. */
#define PBUF_POOL_SIZE 16

/* ---- UDP, DNS, SNTP ---- */
#define LWIP_UDP 1
#define LWIP_DNS 1
#define SNTP_SERVER_DNS 1      /* the port names the SNTP server (pool.ntp.org) */
#define SNTP_STARTUP_DELAY 0   /* ask at once: TLS waits for the clock */
#define SNTP_RECV_TIMEOUT 3000 /* retry a lost answer within the runtime's 15 s */
#define SNTP_UPDATE_DELAY (60 * 60 * 1000) /* then every hour, for the clock's drift */
/* lwIP's SNTP hands the time to the port, which keeps the clock mbedTLS
 * checks certificate dates against (ports/pico_w, mqtts/pico_w.h). */
void mqtts_pico_w_sntp_set_time(uint32_t sec, uint32_t us);
#define SNTP_SET_SYSTEM_TIME_US(sec, us) mqtts_pico_w_sntp_set_time((sec), (us))
/* SNTP's timer on top of lwIP's own (DHCP, ARP, TCP, DNS). */
#define MEMP_NUM_SYS_TIMEOUT (LWIP_NUM_SYS_TIMEOUT_INTERNAL + 2)

/* ---- altcp and TLS ---- */
#define LWIP_ALTCP 1
#define LWIP_ALTCP_TLS 1
#define LWIP_ALTCP_TLS_MBEDTLS 1
/* lwIP's default is MBEDTLS_SSL_VERIFY_OPTIONAL, which completes a
 * handshake with a server whose certificate fails verification. The port
 * checks the result too; this makes mbedTLS itself refuse. */
#define ALTCP_MBEDTLS_AUTHMODE MBEDTLS_SSL_VERIFY_REQUIRED

/* ---- Statistics and debugging: off ---- */
#define MEM_STATS 0
#define SYS_STATS 0
#define MEMP_STATS 0
#define LINK_STATS 0
#define LWIP_STATS 0

#endif /* MQTTS_EXAMPLE_LWIPOPTS_H */
