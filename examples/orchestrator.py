#!/usr/bin/python3
"""orchestrator.py - the PC side of a device, in Python with paho-mqtt.

Talks to a device run by mqtts (`mqtts device`, or the Pico W firmware)
through any broker: waits for its retained "online" birth, prints some
telemetry, sends commands as MQTT 5 requests (Response Topic + Correlation
Data) and prints the replies, sends one more in the MQTT 3.1.1 topic
convention (BASE/cmd/CORR -> BASE/cmd/CORR/reply), and - when it may kill
the device (--device-pid) - shows the broker delivering its will.

    /usr/bin/python3 examples/orchestrator.py --host localhost --port 8883 \\
        --cafile ca.pem --base-topic devices/dev1 --device-pid 1234

    # HiveMQ Cloud (the system's CA store; the password from the environment)
    ORCHESTRATOR_PASSWORD=... /usr/bin/python3 examples/orchestrator.py \\
        --host abc123.s1.eu.hivemq.cloud --port 8883 --username pc \\
        --base-topic devices/pico1

Exits 0 when every step worked, 1 (after saying which step) otherwise.
Written for Debian 12's python3-paho-mqtt (1.6); works with 2.x too.
"""
import argparse
import json
import os
import queue
import signal
import sys
import time

import paho.mqtt.client as mqtt
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties


def say(text):
    print(f"orchestrator: {text}", flush=True)


class Failed(Exception):
    pass


class Orchestrator:
    def __init__(self, args):
        self.args = args
        self.base = args.base_topic.rstrip("/")
        self.status_topic = f"{self.base}/status"
        self.telemetry_topic = f"{self.base}/telemetry"
        self.cmd_topic = f"{self.base}/cmd"
        self.client_id = f"orchestrator-{os.getpid()}"
        self.reply_topic = f"orchestrator/{self.client_id}/replies"
        self.inbox = queue.Queue()
        self.connected = queue.Queue()
        kwargs = {}
        if hasattr(mqtt, "CallbackAPIVersion"):  # paho-mqtt 2.x
            kwargs["callback_api_version"] = mqtt.CallbackAPIVersion.VERSION1
        self.client = mqtt.Client(client_id=self.client_id, protocol=mqtt.MQTTv5, **kwargs)
        if args.username:
            self.client.username_pw_set(args.username, args.password)
        if not args.no_tls:
            # Verified: the CA given, else the system's store (HiveMQ Cloud).
            self.client.tls_set(ca_certs=args.cafile)
        self.client.on_connect = self._on_connect
        self.client.on_message = self._on_message

    def _on_connect(self, _c, _u, _flags, rc, _props=None):
        self.connected.put(rc)

    def _on_message(self, _c, _u, msg):
        self.inbox.put(msg)

    def next_message(self, want, timeout, what):
        """The next message for which want(msg) is true; others are put aside."""
        end = time.monotonic() + timeout
        while True:
            left = end - time.monotonic()
            if left <= 0:
                raise Failed(f"no {what} within {timeout:.0f} s")
            try:
                msg = self.inbox.get(timeout=left)
            except queue.Empty:
                continue
            if want(msg):
                return msg

    def connect(self):
        a = self.args
        say(f"connecting to {a.host}:{a.port} ({'plain TCP' if a.no_tls else 'TLS'}, MQTT 5)")
        self.client.connect(a.host, a.port, keepalive=30)
        self.client.loop_start()
        try:
            rc = self.connected.get(timeout=a.timeout)
        except queue.Empty:
            raise Failed("no CONNACK from the broker")
        if rc != 0:
            raise Failed(f"the broker refused us: {rc}")
        self.client.subscribe([(self.status_topic, 1), (self.telemetry_topic, 0),
                               (self.reply_topic, 1), (f"{self.cmd_topic}/+/reply", 1)])

    def wait_online(self):
        say(f"waiting for the device's birth on {self.status_topic}")
        msg = self.next_message(
            lambda m: m.topic == self.status_topic and m.payload == b"online",
            self.args.timeout, '"online" birth message')
        how = "retained, it was online before we came" if msg.retain else "live"
        say(f'  device is online ("online" on {msg.topic}, {how})')

    def show_telemetry(self):
        n = self.args.telemetry
        say(f"reading {n} telemetry messages from {self.telemetry_topic}")
        for i in range(n):
            msg = self.next_message(lambda m: m.topic == self.telemetry_topic,
                                    self.args.timeout, "telemetry")
            try:
                t = json.loads(msg.payload)
            except ValueError:
                raise Failed(f"telemetry is not JSON: {msg.payload!r}")
            say(f"  telemetry {i + 1}: uptime {t.get('uptime_s')} s, load {t.get('load')}, "
                f"count {t.get('count')}  {msg.payload.decode()}")

    def request_v5(self, command):
        corr = os.urandom(8)
        props = Properties(PacketTypes.PUBLISH)
        props.ResponseTopic = self.reply_topic
        props.CorrelationData = corr
        say(f"request {command!r} (MQTT 5: response topic {self.reply_topic}, "
            f"correlation {corr.hex()})")
        self.client.publish(self.cmd_topic, command.encode(), qos=1, properties=props)

        def is_reply(m):
            return (m.topic == self.reply_topic and
                    getattr(m.properties, "CorrelationData", None) == corr)
        msg = self.next_message(is_reply, self.args.timeout, f"reply to {command!r}")
        reply = msg.payload.decode()
        say(f"  reply: {reply}")
        return reply

    def request_311(self, command):
        corr = os.urandom(4).hex()
        topic = f"{self.cmd_topic}/{corr}"
        say(f"request {command!r} (MQTT 3.1.1 convention: on {topic}, reply on {topic}/reply)")
        self.client.publish(topic, command.encode(), qos=1)
        msg = self.next_message(lambda m: m.topic == f"{topic}/reply", self.args.timeout,
                                f"3.1.1 reply to {command!r}")
        reply = msg.payload.decode()
        say(f"  reply: {reply}")
        return reply

    def commands(self):
        expect(self.request_v5("ping") == "pong", "ping did not answer pong")
        expect(self.request_v5("led on") == "led on", "led on was not confirmed")
        status = self.request_v5("status")
        try:
            s = json.loads(status)
        except ValueError:
            raise Failed(f"status is not JSON: {status!r}")
        expect(s.get("stage") == "online", f"status says stage {s.get('stage')!r}")
        expect(s.get("led") == "on", "status does not show the LED on")
        expect(self.request_311("ping") == "pong", "the 3.1.1 ping did not answer pong")

    def kill_and_will(self, pid):
        say(f"killing the device (pid {pid}) with SIGKILL: no DISCONNECT, so the broker "
            "must publish its will")
        os.kill(pid, signal.SIGKILL)
        msg = self.next_message(
            lambda m: m.topic == self.status_topic and m.payload == b"offline",
            self.args.timeout, 'will ("offline")')
        say(f'  the broker delivered the will: "offline" on {msg.topic} '
            f"(retained: {'yes' if msg.retain else 'no, live delivery'})")

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def expect(ok, why):
    if not ok:
        raise Failed(why)


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--host", default="localhost")
    p.add_argument("--port", type=int, default=8883)
    p.add_argument("--username")
    p.add_argument("--password", help="default: $ORCHESTRATOR_PASSWORD")
    p.add_argument("--cafile", help="CA to trust (default: the system's store)")
    p.add_argument("--no-tls", action="store_true", help="plain TCP (not for the internet)")
    p.add_argument("--base-topic", default="devices/dev1")
    p.add_argument("--telemetry", type=int, default=3, help="telemetry messages to show")
    p.add_argument("--device-pid", type=int,
                   help="the device's process: killed at the end to show the will")
    p.add_argument("--timeout", type=float, default=15, help="seconds per step")
    args = p.parse_args()
    if args.password is None:
        args.password = os.environ.get("ORCHESTRATOR_PASSWORD")

    o = Orchestrator(args)
    step = "connect"
    try:
        o.connect()
        step = "birth"
        o.wait_online()
        step = "telemetry"
        o.show_telemetry()
        step = "commands"
        o.commands()
        if args.device_pid:
            step = "will"
            o.kill_and_will(args.device_pid)
        else:
            say("no --device-pid: not killing the device (the will step is skipped)")
    except (Failed, OSError) as e:
        say(f"FAILED at step {step}: {e}")
        return 1
    finally:
        o.close()
    say("all steps passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
