#!/usr/bin/env bash
# compat.sh PORT CLOSED_PORT - a script written for mosquitto_pub and
# mosquitto_sub, with the flags people use. test_tool runs it twice against
# the same broker: once as it is, once with mosquitto_pub and mosquitto_sub
# on the PATH being `mqtts pub` and `mqtts sub`, and wants the same output.
# It never sleeps to wait for a subscriber: a persistent session (-c) holds
# the messages until the reader comes back, as the broker promises.
set -u
port=$1
closed=$2
h="-h 127.0.0.1 -p $port"
b=compat
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
printf 'from a file\n' > "$tmp/payload"

echo "== retained"
mosquitto_pub $h -t "$b/status/a" -m online -r -q 1
mosquitto_pub $h -t "$b/status/b" -m offline -r -k 30
mosquitto_sub $h -t "$b/status/#" -v -C 2 -W 5 | sort
echo "status: ${PIPESTATUS[0]}"
mosquitto_sub $h -t "$b/status/a" -C 1 -N -W 5
echo
mosquitto_sub $h -t "$b/status/#" -T "$b/status/b" -v -C 1 -W 5
if mosquitto_sub $h -t "$b/status/a" -R -W 1 2>/dev/null; then echo "stale printed"; else echo "no fresh message"; fi

echo "== queued for a persistent session (3.1.1)"
# One QoS per reader: MQTT orders messages within a QoS level only (and
# libmosquitto hands a QoS 2 message over at PUBREL, mqtts at PUBLISH).
mosquitto_sub $h -c -i compat-reader -q 1 -t "$b/queue/#" -E
echo "subscribed: $?"
printf 'one\ntwo\n\nthree' | mosquitto_pub $h -t "$b/queue/lines" -l -q 1
mosquitto_pub $h -t "$b/queue/file" -f "$tmp/payload" -q 1
mosquitto_pub $h -t "$b/queue/null" -n -q 1
printf 'all of\nstdin' | mosquitto_pub $h -t "$b/queue/stdin" -s -q 1 -V mqttv311
mosquitto_pub $h -t "$b/queue/again" -m again --repeat 2 -q 1
mosquitto_sub $h -c -i compat-reader -q 1 -t "$b/queue/#" -C 9 -W 5 -F '%t|%q|%r|%l|%p'
echo "read: $?"
mosquitto_sub $h -i compat-reader -t "$b/none" -E   # a clean session ends the old one

echo "== QoS 2"
mosquitto_sub $h -c -i compat-reader2 -q 2 -t "$b/q2" -E
for n in 1 2 3; do mosquitto_pub $h -t "$b/q2" -m "exactly once $n" -q 2; done
mosquitto_sub $h -c -i compat-reader2 -q 2 -t "$b/q2" -C 3 -W 5 -v
echo "q2: $?"
mosquitto_sub $h -i compat-reader2 -t "$b/none" -E

echo "== MQTT 5"
mosquitto_sub $h -V mqttv5 -c -i compat-reader5 -q 1 -t "$b/v5/#" -E -x 60
mosquitto_pub $h -V mqttv5 -t "$b/v5/props" -m '{"t":21.5}' -q 1 \
    -D publish user-property unit celsius -D publish content-type application/json \
    -D publish response-topic "$b/v5/reply" -D publish correlation-data abc
mosquitto_sub $h -V mqttv5 -c -i compat-reader5 -q 1 -t "$b/v5/#" -C 1 -W 5 \
    -F '%t %q %P %C %R %D %p'
echo "v5: $?"
mosquitto_sub $h -V mqttv5 -i compat-reader5 -t "$b/none" -E

echo "== errors"
mosquitto_pub $h -t "$b/bad/+" -m x 2>/dev/null || echo "wildcard topic refused"
mosquitto_pub -h 127.0.0.1 -p "$closed" -t "$b/x" -m x 2>/dev/null || echo "no broker, failed"
mosquitto_sub $h 2>/dev/null || echo "no topic, failed"

mosquitto_pub $h -t "$b/status/a" -r -n
mosquitto_pub $h -t "$b/status/b" -r -n
echo "== done"
