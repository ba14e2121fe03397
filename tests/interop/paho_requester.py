#!/usr/bin/python3
"""paho_requester.py PORT VERSION: the PC orchestrator's side of
request/response, written with Debian's paho-mqtt (1.6) as a user would.

VERSION 5: a request on devices/dev1/cmd with Response Topic and
Correlation Data; VERSION 311: the topic convention of
docs/request-response.md. Checks each reply (topic, correlation, payload)
and exits 0, or prints what went wrong and exits 1. Gives up after 10 s.
"""
import os
import sys
import threading

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

port = int(sys.argv[1])
version = sys.argv[2]
v5 = version == "5"
done = threading.Event()
problems = []
want = {}  # correlation (bytes) -> expected reply payload

client = mqtt.Client(client_id=f"paho-orchestrator-{version}-{os.getpid()}",
                     protocol=mqtt.MQTTv5 if v5 else mqtt.MQTTv311)
REPLY_TOPIC = "orchestrator/replies"


def on_message(_c, _u, msg):
    if v5:
        corr = getattr(msg.properties, "CorrelationData", None)
        if msg.topic != REPLY_TOPIC:
            problems.append(f"reply on {msg.topic!r}, not {REPLY_TOPIC!r}")
    else:
        parts = msg.topic.split("/")
        if parts[-1] != "reply" or "/".join(parts[:-2]) != "devices/dev1/cmd":
            problems.append(f"reply on unexpected topic {msg.topic!r}")
        corr = bytes.fromhex(parts[-2])
    if corr not in want:
        problems.append(f"reply with unknown correlation {corr!r}")
    elif msg.payload != want.pop(corr):
        problems.append(f"reply payload {msg.payload!r}")
    if not want:
        done.set()


client.on_message = on_message
client.connect("127.0.0.1", port)
client.loop_start()
requests = [(os.urandom(4), b"ping"), (os.urandom(8), b"status")]
if v5:
    client.subscribe(REPLY_TOPIC, qos=1)
else:
    client.subscribe("devices/dev1/cmd/+/reply", qos=1)
for corr, payload in requests:
    want[corr] = b"pong:" + payload
    if v5:
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = REPLY_TOPIC
        props.CorrelationData = corr
        client.publish("devices/dev1/cmd", payload, qos=1, properties=props).wait_for_publish()
    else:
        client.publish(f"devices/dev1/cmd/{corr.hex()}", payload, qos=1).wait_for_publish()
ok = done.wait(10)
client.loop_stop()
client.disconnect()
if not ok:
    problems.append(f"no reply for {len(want)} request(s) within 10 s")
for p in problems:
    print(f"paho_requester (MQTT {version}): {p}", file=sys.stderr)
sys.exit(1 if problems else 0)
