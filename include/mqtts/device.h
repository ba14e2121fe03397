/*
 * mqtts/device.h - the device runtime: a board that joins its network, sets
 * its clock, connects securely, announces itself, publishes telemetry and
 * obeys commands, and keeps doing so when the network drops.
 *
 * How it runs
 * -----------
 * The runtime is a state machine driven by its owner's main loop, like the
 * session engine: no threads, no heap, no platform header. A port (Linux,
 * Pico W) fills an mqtts_device_platform table and calls
 *
 *     mqtts_device dev;
 *     mqtts_device_init(&dev, &cfg, &platform, &app, &mem);
 *     for (;;) {
 *         uint32_t next = mqtts_device_step(&dev, platform_now_ms());
 *         sleep until `next`, or until the network has something (lwIP
 *         callback, poll() on the transport), whichever comes first;
 *     }
 *
 * mqtts_device_step() never blocks, except in the TLS stage, where the
 * transport's connect() may block up to cfg->connect_timeout_ms (the
 * transport contract, transport.h). Calling it early is always fine.
 *
 * The stages
 * ----------
 *     LINK -> TIME -> DNS -> TLS -> MQTT -> ONLINE
 *
 *   LINK    join the network (platform link_join, then link_status until
 *           up; at most cfg->link_timeout_ms). No link functions: always up.
 *   TIME    make sure the wall clock is set: it must read at least
 *           cfg->time_floor_s (0: the day this runtime was built, see
 *           mqtts_device_build_epoch()). If it already does, nothing to do;
 *           else SNTP (sntp_start, sntp_poll; at most cfg->sntp_timeout_ms),
 *           and the answer, which must itself pass the floor, goes to
 *           wall_set. Without SNTP the stage waits, with backoff, for the
 *           clock to be set by other means (a host's NTP daemon). With TLS
 *           off a failed TIME is reported and the device goes on.
 *   DNS     resolve cfg->host with the platform's dns_start/dns_poll (at
 *           most cfg->dns_timeout_ms); the transport then connects to the
 *           address (a TLS transport must verify cfg->host, see "The
 *           transport"). No DNS functions: the transport resolves, and its
 *           MQTTS_ERR_DNS counts as a DNS failure.
 *   TLS     the transport's connect(): TCP, and the TLS handshake when
 *           cfg->tls (the stage keeps its name without TLS).
 *   MQTT    CONNECT (with the will: cfg offline payload, retained, QoS 1, on
 *           the status topic) until the CONNACK; at most
 *           cfg->connect_timeout_ms.
 *   ONLINE  the CONNACK accepted. On entry: the birth message (cfg online
 *           payload, retained, QoS 1, on the status topic), the command
 *           subscription (once; the engine restores it on a reconnect), the
 *           first telemetry. Then telemetry every cfg->telemetry_period_ms,
 *           and commands as they come.
 *
 * Failures, and where they go back to
 *   a stage fails ............... it is retried after a backoff
 *   the link is lost (any stage after LINK; link_status is polled at least
 *   every MQTTS_DEVICE_LINK_CHECK_MS) ... LINK at once, the connection (if
 *                                 any) dropped without DISCONNECT
 *   TLS: MQTTS_ERR_TLS_CLOCK_NOT_SET ..... TIME, and SNTP is asked even if
 *                                 the clock passes our floor
 *   TLS (other errors), MQTT (refusal, silence, loss), ONLINE (loss) ....
 *                                 DNS: the name is resolved again (a cloud
 *                                 broker's address changes), the link is
 *                                 NOT rejoined
 *
 * Backoff: each stage counts its consecutive failures n; the delay before
 * the retry is d = min(backoff_max, backoff_min * 2^(n-1)), with jitter:
 * uniformly in [d/2, d] (platform random). A stage's count is cleared when
 * the stage succeeds; ONLINE's when the device has stayed online for
 * MQTTS_DEVICE_STABLE_MS (so a broker that accepts and at once drops us does
 * not get a reconnect storm). A lost link is rejoined at once; failed joins
 * back off.
 *
 * Status
 * ------
 * app->on_status is called for every stage entered (err MQTTS_OK) and every
 * failure (err, and where and when it resumes). It never carries a secret.
 * A problem while ONLINE that does not end the connection (the birth
 * message or the command subscription refused) is reported as a failure of
 * ONLINE whose retry_stage is ONLINE and retry_ms 0.
 * The runtime drives the platform LED itself (platform->led, when given):
 *
 *   steady on ........ ONLINE
 *   N short blinks, then a pause ... not online; N is the stage that failed
 *                      last (before any failure: the stage in progress):
 *                      1 LINK (Wi-Fi join, or the link lost),
 *                      2 TIME (SNTP, or a clock nobody sets),
 *                      3 DNS, 4 TLS (TCP or the handshake),
 *                      5 MQTT (refused, or no CONNACK),
 *                      6 ONLINE (the connection was lost; reconnecting)
 *   off .............. stopped
 *
 * Blink timing: MQTTS_DEVICE_BLINK_ON_MS on, MQTTS_DEVICE_BLINK_OFF_MS off,
 * N times, then MQTTS_DEVICE_BLINK_PAUSE_MS off; mqtts_device_led_at()
 * computes it for ports that drive the LED themselves.
 *
 * Commands
 * --------
 * The runtime subscribes to the command topic CMD and to CMD/+ (the MQTT
 * 3.1.1 request convention, docs/request-response.md). A payload "led on"
 * runs the handler named "led" with args "on" (the name is the first word;
 * the args are the rest, surrounding blanks and line ends trimmed). The
 * handler writes its reply into the buffer it is given; the reply goes
 * where the request asked (mqtts_client_respond: v5 Response Topic with the
 * Correlation Data; 3.1.1 CMD/CORR -> CMD/CORR/reply; a request in the 3.1.1
 * convention reaching a v5 device is answered the same way), at the
 * request's QoS (at most 1). A message that asks for no reply still runs
 * its handler. Unknown names get the reply "error: unknown command".
 *
 * The transport
 * -------------
 * The port makes it (platform->transport, called once by init): plain TCP,
 * or TLS over TCP when cfg->tls. When the port resolves names itself
 * (dns_start), connect() is given the address text: a TLS transport must
 * then verify and send as SNI cfg->host (mqtts_tls_config.server_name).
 *
 * Memory
 * ------
 * Everything is in mqtts_device (1,088 bytes on a Cortex-M0+, of which 256
 * are topic text and 212 the engine's state) and in mqtts_device_memory,
 * which the caller sizes:
 *   session  the engine's buffers (session.h). The command subscription
 *            needs sub_count >= 2 and sub_text_size >= 2 * strlen(CMD) + 2;
 *            rx must hold the largest command, tx and store the largest
 *            telemetry or reply plus its topic (and some 20 bytes).
 *   payload  telemetry and command replies are written here before they are
 *            published (and copied into the store or tx): at least 32 bytes.
 * Nothing here allocates; mqtts_device and all it points to must outlive the
 * device.
 */
#ifndef MQTTS_DEVICE_H
#define MQTTS_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "mqtts/client.h"
#include "mqtts/error.h"
#include "mqtts/session.h"
#include "mqtts/transport.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Blink timing of the status LED (see "Status" above). */
#define MQTTS_DEVICE_BLINK_ON_MS 200u
#define MQTTS_DEVICE_BLINK_OFF_MS 300u
#define MQTTS_DEVICE_BLINK_PAUSE_MS 1500u
/* Online this long clears ONLINE's failure count (backoff starts again low). */
#define MQTTS_DEVICE_STABLE_MS 30000u
/* How often link_status is asked while past LINK, and async platform calls
 * (join, SNTP, DNS) are polled. */
#define MQTTS_DEVICE_LINK_CHECK_MS 1000u
#define MQTTS_DEVICE_POLL_MS 100u
/* mqtts_device_step() returns a deadline at most this far ahead. */
#define MQTTS_DEVICE_MAX_SLEEP_MS 60000u
/* Room for the topics the runtime builds: base_topic + "/status",
 * "/telemetry", "/cmd" (each only when not given) and CMD + "/+" (always). */
#define MQTTS_DEVICE_TOPICS_SIZE 256
/* Room for a resolved address in text (an IPv6 literal, NUL included). */
#define MQTTS_DEVICE_ADDR_MAX 48

/* The stages, in order; the number of a failing stage is its LED blink
 * count. */
typedef enum mqtts_device_stage {
    MQTTS_DEVICE_STOPPED = 0, /* before the first step, and after mqtts_device_stop() */
    MQTTS_DEVICE_LINK = 1,    /* joining the network (Wi-Fi) */
    MQTTS_DEVICE_TIME = 2,    /* setting the wall clock (SNTP) */
    MQTTS_DEVICE_DNS = 3,     /* resolving the broker's name */
    MQTTS_DEVICE_TLS = 4,     /* connecting: TCP, and the TLS handshake */
    MQTTS_DEVICE_MQTT = 5,    /* CONNECT sent, waiting for the CONNACK */
    MQTTS_DEVICE_ONLINE = 6,  /* connected, announced, subscribed */
} mqtts_device_stage;

/* What on_status receives. Views are valid during the call only. */
typedef struct mqtts_device_status {
    mqtts_device_stage stage;       /* the stage entered, or the one that failed */
    mqtts_err err;                  /* MQTTS_OK: entered; else why it failed */
    uint8_t reason;                 /* MQTT reason code when err is MQTTS_ERR_REFUSED
                                     * or MQTTS_ERR_BROKER_DISCONNECT (else 0) */
    mqtts_device_stage retry_stage; /* failure: the stage that comes next */
    uint32_t retry_ms;              /* failure: after this long (0: at once) */
    uint32_t failures;              /* failure: consecutive failures of `stage` */
} mqtts_device_status;

struct mqtts_device;

/* A command handler: args are the words after the name (may be empty).
 * Writes its reply (text, not NUL-terminated) into reply[0..cap) and
 * returns its length (0: an empty reply). */
typedef size_t (*mqtts_device_command_fn)(void *user, struct mqtts_device *dev, mqtts_str args,
                                          char *reply, size_t cap);

typedef struct mqtts_device_command {
    const char *name;            /* matched exactly against the first word */
    mqtts_device_command_fn fn;
    void *user;
} mqtts_device_command;

/* The application's side: callbacks and command handlers. Any may be NULL
 * (count 0). */
typedef struct mqtts_device_app {
    /* Telemetry: fill buf[0..cap) and return the length; 0 publishes
     * nothing this period. */
    size_t (*telemetry)(void *user, struct mqtts_device *dev, uint8_t *buf, size_t cap);
    void (*on_status)(void *user, const mqtts_device_status *status);
    const mqtts_device_command *commands;
    size_t command_count;
    void *user; /* for telemetry and on_status */
} mqtts_device_app;

/* What a device is told: a port reads it from a config file (Linux) or from
 * git-ignored secrets and CMake variables (Pico W). Strings are NUL-
 * terminated and must outlive the device; 0 / NULL means the default. */
typedef struct mqtts_device_config {
    const char *host;            /* the broker's name (required) */
    uint16_t port;               /* 0: 8883 with TLS, 1883 without */
    bool tls;                    /* the port makes a TLS transport; TIME is required */
    mqtts_version version;       /* 0: MQTTS_V5 */
    const char *client_id;       /* NULL: generated (3.1.1) or assigned (v5) */
    const char *username;        /* NULL: none */
    const char *password;        /* NULL: none. Never logged, never in a status */
    uint16_t keep_alive_s;       /* 0: 60 */
    bool keep_session;           /* false: clean start on every connection */
    uint32_t session_expiry_s;   /* v5, with keep_session */

    /* Topics: each NULL one is base_topic + "/status", "/telemetry", "/cmd". */
    const char *base_topic;      /* "devices/pico1" */
    const char *status_topic;    /* birth ("online") and will ("offline"), retained */
    const char *telemetry_topic;
    const char *command_topic;
    const char *online_payload;  /* NULL: "online" */
    const char *offline_payload; /* NULL: "offline" */

    uint32_t telemetry_period_ms; /* 0: no telemetry */
    uint8_t telemetry_qos;        /* 0 or 1 */

    uint32_t backoff_min_ms;     /* 0: 1000 */
    uint32_t backoff_max_ms;     /* 0: 60000 */
    uint32_t link_timeout_ms;    /* 0: 30000 */
    uint32_t sntp_timeout_ms;    /* 0: 15000 */
    uint32_t dns_timeout_ms;     /* 0: 10000 */
    uint32_t connect_timeout_ms; /* transport connect, and CONNECT to CONNACK; 0: 10000 */
    int64_t time_floor_s;        /* 0: mqtts_device_build_epoch() */
} mqtts_device_config;

/* ---------------------------------------------------------------------- */
/* The platform interface: what a port implements. ctx is the port's own.
 * Asynchronous operations are a start call and a poll that returns MQTTS_OK
 * (done), MQTTS_NEED_MORE (still going) or a negative mqtts_err (failed);
 * the runtime polls every MQTTS_DEVICE_POLL_MS and enforces the timeouts. */
typedef struct mqtts_device_platform {
    void *ctx;

    /* Required. A monotonic millisecond clock (the one step's now_ms comes
     * from; wraps after 49 days, which is fine). */
    uint32_t (*now_ms)(void);
    /* Required. 32 random bits (the RP2040's ROSC, getrandom): backoff
     * jitter and the engine's seed. */
    uint32_t (*random)(void *ctx);
    /* Required. Make the transport (TCP, or TLS over TCP when cfg->tls) into
     * *t; its context must outlive the device. */
    mqtts_err (*transport)(void *ctx, const mqtts_device_config *cfg, mqtts_transport *t);
    /* Where the configuration comes from when init is given none (a config
     * file, secrets compiled in). NULL: init must be given cfg. */
    const mqtts_device_config *(*config)(void *ctx);

    /* The network link. Both NULL: always up (a host). link_join starts
     * joining (again); link_status: MQTTS_OK up, MQTTS_NEED_MORE joining,
     * negative when down or the join failed (MQTTS_ERR_NOT_CONNECTED down,
     * MQTTS_ERR_UNREACHABLE no such network, MQTTS_ERR_REFUSED bad
     * credentials, ...). */
    mqtts_err (*link_join)(void *ctx);
    mqtts_err (*link_status)(void *ctx);

    /* The wall clock, seconds since 1970 UTC. wall_get NULL: the clock is
     * taken as not set until SNTP sets it. wall_set NULL: SNTP's answer is
     * not stored (the port's SNTP sets the clock itself). */
    int64_t (*wall_get)(void *ctx);
    void (*wall_set)(void *ctx, int64_t unix_s);
    /* SNTP, both or neither: start a request, then poll for *unix_s. */
    mqtts_err (*sntp_start)(void *ctx);
    mqtts_err (*sntp_poll)(void *ctx, int64_t *unix_s);

    /* DNS, both or neither: start resolving host, then poll for the address
     * as text (NUL-terminated, at most cap bytes with the NUL). Errors:
     * MQTTS_ERR_DNS. */
    mqtts_err (*dns_start)(void *ctx, const char *host);
    mqtts_err (*dns_poll)(void *ctx, char *addr, size_t cap);

    /* The status LED; NULL: none. Called only when it changes. */
    void (*led)(void *ctx, bool on);
} mqtts_device_platform;

typedef struct mqtts_device_memory {
    mqtts_session_memory session; /* see "Memory" above */
    uint8_t *payload;             /* telemetry and replies, >= 32 bytes */
    size_t payload_size;
} mqtts_device_memory;

/* The device. Fields are private: read them through the functions below. */
typedef struct mqtts_device {
    mqtts_client client;
    mqtts_client_config client_cfg;
    mqtts_broker_address broker;
    mqtts_will will;
    mqtts_transport transport;
    const mqtts_device_config *cfg;
    const mqtts_device_platform *pf;
    const mqtts_device_app *app;
    uint8_t *payload;
    size_t payload_size;
    mqtts_str status_topic, telemetry_topic, command_topic, command_filter;
    int64_t time_floor_s;
    uint32_t since_ms;         /* the current stage began (for its timeout) */
    uint32_t wait_until_ms;    /* waiting: the retry is due */
    uint32_t next_telemetry_ms;
    uint32_t online_since_ms;
    uint32_t led_epoch_ms;     /* the current blink pattern began */
    uint32_t failures[MQTTS_DEVICE_ONLINE + 1]; /* consecutive, per stage */
    uint32_t transitions;      /* stage entries and failures so far */
    uint8_t stage;             /* mqtts_device_stage */
    uint8_t fail_stage;        /* the last stage that failed since ONLINE, 0: none */
    uint8_t led_blinks;        /* the pattern shown (0: steady) */
    uint8_t refusal;           /* the last CONNACK refusal or DISCONNECT reason */
    mqtts_err lost_err;        /* why the current connection ended */
    uint16_t sub_id;           /* the command SUBSCRIBE's packet id */
    bool waiting;              /* backing off before (re)entering `stage` */
    bool started;              /* the stage's asynchronous call is under way */
    bool force_sntp;           /* TLS said the clock is not set */
    bool subscribed;           /* the command subscription was made */
    bool connected_event;      /* CONNACK accepted during the last client loop */
    bool led_on;
    bool stopping;
    char addr[MQTTS_DEVICE_ADDR_MAX];
    char topics[MQTTS_DEVICE_TOPICS_SIZE];
} mqtts_device;

/* Prepare dev. cfg NULL: platform->config(ctx). Asks the platform for the
 * transport. Nothing runs until the first mqtts_device_step().
 * Returns MQTTS_OK; MQTTS_ERR_INVALID_ARGUMENT (a required pointer or
 * function missing, no host, no topics, too little memory, telemetry QoS
 * above 1, SNTP or DNS functions only half given); MQTTS_ERR_STRING_TOO_LONG
 * (built topics over MQTTS_DEVICE_TOPICS_SIZE, a client id over 47 bytes);
 * the platform's transport error; the engine's init errors. */
mqtts_err mqtts_device_init(mqtts_device *dev, const mqtts_device_config *cfg,
                            const mqtts_device_platform *platform, const mqtts_device_app *app,
                            const mqtts_device_memory *mem);

/* Do what is due at now_ms (the platform's now_ms()): advance the stages,
 * move bytes, publish telemetry, run commands, drive the LED. Returns when
 * to call again at the latest (absolute, same clock; at most
 * MQTTS_DEVICE_MAX_SLEEP_MS ahead). */
uint32_t mqtts_device_step(mqtts_device *dev, uint32_t now_ms);

/* Stop: when online, publish the offline payload (retained) and DISCONNECT
 * (which discards the will); the connection closes in the following steps
 * (keep calling mqtts_device_step() until mqtts_device_stopped(); it gives
 * up after connect_timeout_ms). Then the device stays STOPPED (LED off);
 * mqtts_device_init() starts it afresh. */
void mqtts_device_stop(mqtts_device *dev);
/* Whether the device is STOPPED and its connection closed. */
bool mqtts_device_stopped(const mqtts_device *dev);

mqtts_device_stage mqtts_device_stage_of(const mqtts_device *dev);
/* "stopped", "link", "time", "dns", "tls", "mqtt", "online". */
const char *mqtts_device_stage_name(mqtts_device_stage stage);
/* The client, to publish or subscribe beyond what the runtime does (while
 * ONLINE). */
mqtts_client *mqtts_device_client(mqtts_device *dev);

/* The LED blink count shown now: 0 means steady (on when ONLINE, off when
 * STOPPED). */
uint8_t mqtts_device_blinks(const mqtts_device *dev);
/* Whether the LED is on ms_into into a pattern of `blinks` blinks (0:
 * always on), and in *ms_to_change (may be NULL) how long it stays so
 * (UINT32_MAX: for ever). The pattern repeats. */
bool mqtts_device_led_at(uint8_t blinks, uint32_t ms_into, uint32_t *ms_to_change);

/* The day this runtime was built, in seconds since 1970 (midnight UTC; the
 * compiler's __DATE__, which gcc and clang take from SOURCE_DATE_EPOCH when
 * set; or -DMQTTS_BUILD_EPOCH=<seconds>): the default sanity floor of the
 * wall clock. */
int64_t mqtts_device_build_epoch(void);

#ifdef __cplusplus
}
#endif

#endif /* MQTTS_DEVICE_H */
