/*
 * main.c - a Raspberry Pi Pico W that talks to HiveMQ Cloud (or any MQTT
 * broker over TLS) through the mqtts device runtime.
 *
 * It joins Wi-Fi, sets its clock by SNTP, connects with TLS (verified
 * against the ISRG roots built into mqtts: Let's Encrypt), and then
 *   - publishes "online" (retained) on BASE/status, with "offline" as its
 *     will;
 *   - publishes telemetry on BASE/telemetry every 30 s:
 *       {"uptime_s":123,"temp_c":24.6,"rssi_dbm":-58}
 *     (temp_c from the RP2040's internal sensor, ADC input 4);
 *   - obeys commands sent to BASE/cmd and replies where the request asks
 *     (MQTT 5 response topic, or the 3.1.1 convention of `mqtts rpc`):
 *       ping            -> pong
 *       led on|off|auto -> forces the LED, or gives it back to the status
 *       status          -> stage, uptime, address, signal, temperature, time
 *       reboot          -> "rebooting": publishes "offline", disconnects,
 *                          and restarts through the watchdog.
 * When something fails the LED blinks the number of the stage that failed
 * (docs/pico-w.md), and the runtime retries with growing delays; a lost
 * Wi-Fi association is rejoined.
 *
 * Credentials come from secrets.h (copy secrets.h.example; git ignores
 * secrets.h) or from CMake variables (-DWIFI_SSID=... see CMakeLists.txt).
 */
#include <stdio.h>
#include <string.h>

#include "hardware/adc.h"
#include "hardware/watchdog.h"
#include "pico/cyw43_arch.h"
#include "pico/stdlib.h"
#include "pico/unique_id.h"

#include "lwip/ip4_addr.h"
#include "lwip/netif.h"

#include "mqtts/device.h"
#include "mqtts/error.h"
#include "mqtts/pico_w.h"

#include "secrets.h"

#ifndef MQTT_PORT
#define MQTT_PORT 8883
#endif
#ifndef MQTT_CLIENT_ID
#define MQTT_CLIENT_ID "" /* "": pico-<board id> */
#endif
#ifndef MQTT_BASE_TOPIC
#define MQTT_BASE_TOPIC "" /* "": devices/<client id> */
#endif
#ifndef TELEMETRY_PERIOD_MS
#define TELEMETRY_PERIOD_MS 30000
#endif

/* The RP2040's temperature sensor input (pico-sdk 2.x names it; RP2040: 4). */
#ifndef ADC_TEMPERATURE_CHANNEL_NUM
#define ADC_TEMPERATURE_CHANNEL_NUM 4
#endif

/* ---------------------------------------------------------------------- */
/* Memory: everything the runtime and its MQTT session use, sized here. */

/* The largest packet accepted (a command with its v5 response topic and
 * correlation data; also the Maximum Packet Size announced to the broker). */
static uint8_t rx_buf[1024];
/* Control packets and QoS 0 messages waiting to go out. */
static uint8_t tx_buf[512];
/* QoS 1 messages until the broker acknowledges them (birth, telemetry,
 * command replies), and what is published while offline. */
static uint8_t store_buf[2048];
static mqtts_session_slot slots[16];
/* QoS 2 messages received and not yet released (v5 Receive Maximum). */
static uint16_t qos2_in[8];
/* The command subscriptions (BASE/cmd and BASE/cmd/+), kept for a
 * reconnect that finds no session. */
static mqtts_session_sub subs[4];
static char sub_text[192];
/* Telemetry and command replies are written here first. */
static uint8_t payload_buf[256];

static mqtts_pico_w port;
static mqtts_device_platform platform;
static mqtts_device device;
static mqtts_device_config config;
static mqtts_device_memory memory; /* the runtime keeps pointers to it */
static char client_id[24];
static char base_topic[64];
static bool reboot_requested;

/* ---------------------------------------------------------------------- */
/* Readings. */

/* Tenths of a degree Celsius (the datasheet's formula; about +-2 C). */
static int32_t temperature_tenths(void)
{
    adc_select_input(ADC_TEMPERATURE_CHANNEL_NUM);
    float volts = (float)adc_read() * 3.3f / 4096.0f;
    float celsius = 27.0f - (volts - 0.706f) / 0.001721f;
    return (int32_t)(celsius * 10.0f + (celsius >= 0.0f ? 0.5f : -0.5f));
}

static int32_t rssi_dbm(void)
{
    int32_t rssi = 0;
    if (cyw43_wifi_get_rssi(&cyw43_state, &rssi) != 0)
        return 0;
    return rssi;
}

static void ip_text(char *out, int cap)
{
    cyw43_arch_lwip_begin();
    const ip4_addr_t *a = netif_ip4_addr(&cyw43_state.netif[CYW43_ITF_STA]);
    if (ip4addr_ntoa_r(a, out, cap) == NULL)
        out[0] = '\0';
    cyw43_arch_lwip_end();
}

/* "24.6" from 246, "-3.5" from -35. */
static const char *tenths_text(int32_t t, char *out, size_t cap)
{
    int32_t a = t < 0 ? -t : t;
    snprintf(out, cap, "%s%ld.%ld", t < 0 ? "-" : "", (long)(a / 10), (long)(a % 10));
    return out;
}

/* Length written, or 0 when it did not fit (nothing is published then). */
static size_t fitted(int n, size_t cap)
{
    return n > 0 && (size_t)n < cap ? (size_t)n : 0;
}

/* ---------------------------------------------------------------------- */
/* The application's side of the runtime. */

static size_t telemetry(void *user, mqtts_device *dev, uint8_t *buf, size_t cap)
{
    char temp[16];
    (void)user;
    (void)dev;
    int n = snprintf((char *)buf, cap, "{\"uptime_s\":%lu,\"temp_c\":%s,\"rssi_dbm\":%ld}",
                     (unsigned long)(to_ms_since_boot(get_absolute_time()) / 1000u),
                     tenths_text(temperature_tenths(), temp, sizeof temp), (long)rssi_dbm());
    return fitted(n, cap);
}

static size_t cmd_ping(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    (void)user;
    (void)dev;
    (void)args;
    return fitted(snprintf(reply, cap, "pong"), cap);
}

static bool args_are(mqtts_str args, const char *word)
{
    return args.len == strlen(word) && memcmp(args.ptr, word, args.len) == 0;
}

static size_t cmd_led(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    (void)user;
    (void)dev;
    if (args_are(args, "on"))
        mqtts_pico_w_led_override(&port, 1);
    else if (args_are(args, "off"))
        mqtts_pico_w_led_override(&port, 0);
    else if (args_are(args, "auto"))
        mqtts_pico_w_led_override(&port, -1);
    else
        return fitted(snprintf(reply, cap, "error: led on|off|auto"), cap);
    return fitted(snprintf(reply, cap, "led %.*s", (int)args.len, args.ptr), cap);
}

static size_t cmd_status(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    char ip[16], temp[16];
    (void)user;
    (void)args;
    ip_text(ip, (int)sizeof ip);
    int n = snprintf(reply, cap, "stage=%s uptime_s=%lu ip=%s rssi_dbm=%ld temp_c=%s time=%lld",
                     mqtts_device_stage_name(mqtts_device_stage_of(dev)),
                     (unsigned long)(to_ms_since_boot(get_absolute_time()) / 1000u), ip,
                     (long)rssi_dbm(), tenths_text(temperature_tenths(), temp, sizeof temp),
                     (long long)mqtts_pico_w_unix_time(&port));
    return fitted(n, cap);
}

static size_t cmd_reboot(void *user, mqtts_device *dev, mqtts_str args, char *reply, size_t cap)
{
    (void)user;
    (void)dev;
    (void)args;
    reboot_requested = true; /* after this reply has gone: see main() */
    return fitted(snprintf(reply, cap, "rebooting"), cap);
}

static const mqtts_device_command commands[] = {
    {"ping", cmd_ping, NULL},
    {"led", cmd_led, NULL},
    {"status", cmd_status, NULL},
    {"reboot", cmd_reboot, NULL},
};

static void on_status(void *user, const mqtts_device_status *st)
{
    (void)user;
    unsigned long now = (unsigned long)to_ms_since_boot(get_absolute_time());
    if (st->err == MQTTS_OK) {
        printf("[%8lu] %s\n", now, mqtts_device_stage_name(st->stage));
        return;
    }
    printf("[%8lu] %s failed: %s", now, mqtts_device_stage_name(st->stage),
           mqtts_strerror(st->err));
    if (st->reason != 0)
        printf(" (reason 0x%02x)", st->reason);
    if (st->err == MQTTS_ERR_TLS_UNTRUSTED || st->err == MQTTS_ERR_TLS_NAME_MISMATCH ||
        st->err == MQTTS_ERR_TLS_EXPIRED || st->err == MQTTS_ERR_TLS_NOT_YET_VALID ||
        st->err == MQTTS_ERR_TLS_BAD_CERT)
        printf(" (mbedTLS flags 0x%05lx)", (unsigned long)mqtts_pico_w_tls_verify_flags(&port));
    printf("; %s again in %lu ms (failure %lu)\n", mqtts_device_stage_name(st->retry_stage),
           (unsigned long)st->retry_ms, (unsigned long)st->failures);
}

static const mqtts_device_app app = {
    .telemetry = telemetry,
    .on_status = on_status,
    .commands = commands,
    .command_count = sizeof commands / sizeof commands[0],
    .user = NULL,
};

/* ---------------------------------------------------------------------- */

static void halt(const char *what, mqtts_err e)
{
    printf("%s: %s; restarting in 10 s\n", what, mqtts_strerror(e));
    watchdog_reboot(0, 0, 10000);
    for (;;)
        sleep_ms(1000);
}

/* Say goodbye (retained "offline", DISCONNECT: the will is not sent), then
 * restart. At most 3 s. */
static void reboot_now(void)
{
    uint32_t give_up = platform.now_ms() + 3000u;
    mqtts_device_stop(&device);
    while (!mqtts_device_stopped(&device) && (int32_t)(give_up - platform.now_ms()) > 0) {
        uint32_t next = mqtts_device_step(&device, platform.now_ms());
        mqtts_pico_w_wait(&port, (int32_t)(next - give_up) < 0 ? next : give_up);
    }
    watchdog_reboot(0, 0, 10);
    for (;;)
        tight_loop_contents();
}

static void configure(void)
{
    if (MQTT_CLIENT_ID[0] != '\0') {
        snprintf(client_id, sizeof client_id, "%s", MQTT_CLIENT_ID);
    } else {
        char id[2 * PICO_UNIQUE_BOARD_ID_SIZE_BYTES + 1];
        pico_get_unique_board_id_string(id, sizeof id);
        snprintf(client_id, sizeof client_id, "pico-%s", id);
    }
    if (MQTT_BASE_TOPIC[0] != '\0')
        snprintf(base_topic, sizeof base_topic, "%s", MQTT_BASE_TOPIC);
    else
        snprintf(base_topic, sizeof base_topic, "devices/%s", client_id);

    config.host = MQTT_HOST;
    config.port = MQTT_PORT;
    config.tls = true;
    config.version = MQTTS_V5;
    config.client_id = client_id;
    config.username = MQTT_USER[0] != '\0' ? MQTT_USER : NULL;
    config.password = MQTT_PASSWORD[0] != '\0' ? MQTT_PASSWORD : NULL;
    config.keep_alive_s = 60;
    config.base_topic = base_topic;
    config.telemetry_period_ms = TELEMETRY_PERIOD_MS;
    config.telemetry_qos = 1;
}

int main(void)
{
    stdio_init_all();
    adc_init();
    adc_set_temp_sensor_enabled(true);

    mqtts_pico_w_config pc;
    memset(&pc, 0, sizeof pc);
    pc.wifi_ssid = WIFI_SSID;
    pc.wifi_password = WIFI_PASSWORD;
    mqtts_err e = mqtts_pico_w_init(&port, &pc, &platform);
    if (e != MQTTS_OK)
        halt("the Wi-Fi chip did not start", e);

    configure();
    mqtts_device_memory *mem = &memory;
    mem->session.rx = rx_buf;
    mem->session.rx_size = sizeof rx_buf;
    mem->session.tx = tx_buf;
    mem->session.tx_size = sizeof tx_buf;
    mem->session.store = store_buf;
    mem->session.store_size = sizeof store_buf;
    mem->session.slots = slots;
    mem->session.slot_count = (uint16_t)(sizeof slots / sizeof slots[0]);
    mem->session.qos2_in = qos2_in;
    mem->session.qos2_in_count = (uint16_t)(sizeof qos2_in / sizeof qos2_in[0]);
    mem->session.subs = subs;
    mem->session.sub_count = (uint16_t)(sizeof subs / sizeof subs[0]);
    mem->session.sub_text = sub_text;
    mem->session.sub_text_size = sizeof sub_text;
    mem->payload = payload_buf;
    mem->payload_size = sizeof payload_buf;
    e = mqtts_device_init(&device, &config, &platform, &app, mem);
    if (e != MQTTS_OK)
        halt("mqtts_device_init", e); /* MQTTS_ERR_TLS_CA_FILE: the trust did not parse */

    printf("mqtts on a Pico W: %s as %s, topics %s/...\n", config.host, client_id, base_topic);
    for (;;) {
        uint32_t next = mqtts_device_step(&device, platform.now_ms());
        if (reboot_requested)
            reboot_now();
        mqtts_pico_w_wait(&port, next);
    }
}
