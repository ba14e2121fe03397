#!/usr/bin/env bash
# syscalls.sh - socket reads and writes per message: mqtts (bench/pub_burst)
# beside mosquitto_pub, both publishing the same burst to one mosquitto on
# loopback (issue 3, "fast by construction").
#
#   bench/syscalls.sh [--pub-burst PATH] [-n N] [--payload BYTES] [--check]
#                     [--max-writes W] [--max-reads R] [--keep]
#
#   --pub-burst PATH  the pub_burst binary (default: $PUB_BURST, else the
#                     newest build/*/bench/pub_burst)
#   -n N              messages per run (default 1000)
#   --payload BYTES   payload size (default 16)
#   --check           exit 1 unless every mqtts QoS 1 run (3.1.1, 5, store=1)
#                     makes at most W socket writes and R socket reads per message
#   --max-writes W, --max-reads R   the goals (default 2 and 4: what
#                     mosquitto_pub makes per QoS 1 message)
#   --keep            keep the temp dir (broker config, logs, strace logs)
#
# How it counts. Each client runs under
#     strace -f -yy -e trace=write,writev,sendto,sendmsg,read,readv,recvfrom,recvmsg
# and the log is split by what each fd is (-yy decodes it): TCP sockets
# ("net"), other sockets ("wake": libmosquitto's socketpair that wakes its
# loop thread), and everything else (stdin, shared libraries), which is not
# counted. `strace -c` would count stdin reads of `mosquitto_pub -l` as
# network reads, hence the log. "EAGAIN" are reads that found nothing (part
# of "rd"). Connect and disconnect are included, spread over N messages.
# The counts do not depend on the CPU's speed except through batching:
# under strace each call is slower, so replies gather and batch more.
#
# mqtts is run with a store for all N messages (the whole burst is queued,
# then sent as the window allows), and with a store of one message
# ("store=1": publish, wait for the PUBACK, next), which is what
# `mosquitto_pub --repeat` does. mosquitto_pub is run two ways: -l (one
# message per stdin line, a burst with its default in-flight window of 20)
# and --repeat N -m (one message, wait for its PUBACK, next: stop-and-wait).
# libmosquitto reads a packet in three read()s (type byte, length, rest)
# and writes a byte to its socketpair for each message queued.
#
# A mosquitto is started on a free port of 127.0.0.1 with a generated config
# in a private temp dir and stopped by its PID on exit. Needs mosquitto,
# mosquitto_pub and strace (scripts/install-deps.sh). If strace cannot trace
# (ptrace denied in a container), this fails: it never passes silently.
set -euo pipefail

cd "$(dirname "$0")/.."

n=1000
payload=16
check=0
keep=0
max_wr=2
max_rd=4
pub_burst=${PUB_BURST:-}

usage() {
    sed -n '5,17p' "$0" | sed 's/^# \{0,1\}//' >&2
    exit 2
}

while [ $# -gt 0 ]; do
    case $1 in
    --pub-burst) pub_burst=${2:?}; shift 2 ;;
    -n) n=${2:?}; shift 2 ;;
    --payload) payload=${2:?}; shift 2 ;;
    --check) check=1; shift ;;
    --max-writes) max_wr=${2:?}; shift 2 ;;
    --max-reads) max_rd=${2:?}; shift 2 ;;
    --keep) keep=1; shift ;;
    *) usage ;;
    esac
done
for v in "$n" "$payload" "$max_wr" "$max_rd"; do
    [[ $v =~ ^[0-9]+$ ]] || usage
done
[ "$n" -gt 0 ] || usage

fail() {
    echo "syscalls: FAIL: $*" >&2
    exit 1
}

if [ -z "$pub_burst" ]; then
    for f in build/*/bench/pub_burst; do
        if [ -x "$f" ] && { [ -z "$pub_burst" ] || [ "$f" -nt "$pub_burst" ]; }; then
            pub_burst=$f
        fi
    done
fi
if [ -z "$pub_burst" ] || [ ! -x "$pub_burst" ]; then
    fail "no pub_burst binary (build it, or give --pub-burst PATH)"
fi
for tool in /usr/sbin/mosquitto mosquitto_pub strace; do
    command -v "$tool" >/dev/null || fail "$tool is not installed (scripts/install-deps.sh)"
done

# strace must work here, or every count below would be zero.
if ! err=$(strace -qq -o /dev/null -e trace=write true 2>&1); then
    fail "strace cannot trace processes here (ptrace denied? in a container it needs
    CAP_SYS_PTRACE and a seccomp profile allowing ptrace; kernel.yama.ptrace_scope=$(cat /proc/sys/kernel/yama/ptrace_scope 2>/dev/null || echo '?')):
    $err"
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/mqtts-syscalls-XXXXXX")
broker_pid=
# shellcheck disable=SC2317 # called by the trap
cleanup() {
    if [ -n "$broker_pid" ]; then
        kill -TERM "$broker_pid" 2>/dev/null || true
        wait "$broker_pid" 2>/dev/null || true
    fi
    if [ "$keep" -eq 1 ]; then
        echo "syscalls: kept $tmp" >&2
    else
        rm -rf "$tmp"
    fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

port_open() {
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# A free port: a random one nobody listens on, retried when mosquitto
# cannot bind it after all.
start_broker() {
    local port _
    for _ in $(seq 1 20); do
        port=$((20000 + RANDOM % 40000))
        port_open "$port" && continue
        cat >"$tmp/mosquitto.conf" <<EOF
listener $port 127.0.0.1
allow_anonymous true
user root
persistence false
log_dest file $tmp/mosquitto.log
log_type error
log_type warning
EOF
        /usr/sbin/mosquitto -c "$tmp/mosquitto.conf" >"$tmp/mosquitto.out" 2>&1 &
        broker_pid=$!
        for _ in $(seq 1 100); do
            if ! kill -0 "$broker_pid" 2>/dev/null; then
                wait "$broker_pid" 2>/dev/null || true
                broker_pid=
                break
            fi
            if port_open "$port"; then
                broker_port=$port
                return 0
            fi
            sleep 0.05
        done
        if [ -n "$broker_pid" ]; then
            kill -TERM "$broker_pid" 2>/dev/null || true
            wait "$broker_pid" 2>/dev/null || true
            broker_pid=
        fi
    done
    fail "mosquitto did not start: $(tail -5 "$tmp/mosquitto.out" "$tmp/mosquitto.log" 2>/dev/null)"
}

# count LOG: "net_wr net_rd net_rd_eagain wake_wr wake_rd" from an strace -f -yy log.
count() {
    awk '
    {
        pid = $1
        line = $0
        sub(/^[0-9]+ +/, "", line)
        if (line ~ /^<\.\.\. [a-z0-9_]+ resumed>/) {
            k = pend[pid]
            pend[pid] = ""
            if (k != "" && line ~ /= -1 EAGAIN/)
                eagain[k]++
            next
        }
        if (line !~ /^[a-z0-9_]+\([0-9]+</)
            next
        name = substr(line, 1, index(line, "(") - 1)
        desc = substr(line, index(line, "<") + 1)
        if (desc ~ /^TCP/)
            kind = "net"
        else if (desc ~ /^(UNIX|socket:|UDP|NETLINK)/)
            kind = "wake"
        else
            next
        if (name ~ /^(write|writev|sendto|sendmsg)$/)
            k = kind "_wr"
        else if (name ~ /^(read|readv|recvfrom|recvmsg)$/)
            k = kind "_rd"
        else
            next
        calls[k]++
        if (line ~ /<unfinished \.\.\.>$/)
            pend[pid] = k
        else if (line ~ /= -1 EAGAIN/)
            eagain[k]++
    }
    END {
        printf "%d %d %d %d %d\n", calls["net_wr"], calls["net_rd"], eagain["net_rd"],
            calls["wake_wr"], calls["wake_rd"]
    }' "$1"
}

# shellcheck disable=SC2054 # the commas belong to -e trace=
TRACE=(strace -f -yy -qq -e trace=write,writev,sendto,sendmsg,read,readv,recvfrom,recvmsg)
# LeakSanitizer cannot run under ptrace; an ASan build of pub_burst would
# abort at exit under strace without this.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0

rows=()
row() { # row LABEL LOG
    local c
    c=$(count "$2")
    rows+=("$1|$c")
    echo "$c"
}

# trace LABEL LOG CMD...: run CMD under strace, stdin from $tmp/lines.
trace() {
    local label=$1 log=$2
    shift 2
    if ! "${TRACE[@]}" -o "$log" "$@" <"$tmp/lines" >"$log.out" 2>&1; then
        fail "$label failed: $(tail -5 "$log.out")"
    fi
    grep -h '^pub_burst:' "$log.out" || true
    row "$label" "$log" >/dev/null
}

start_broker
echo "syscalls: mosquitto $broker_port (pid $broker_pid), $n messages of $payload bytes, pub_burst $pub_burst"
msg=$(head -c "$payload" /dev/zero | tr '\0' x)
yes "$msg" | head -n "$n" >"$tmp/lines" || true
[ "$(wc -l <"$tmp/lines")" -eq "$n" ] || fail "could not write $n lines"

# Untraced, for its rate only.
"$pub_burst" "$broker_port" "$n" 1 "$payload" 311 || fail "pub_burst (untraced) failed"

trace "mqtts v3.1.1 QoS 1" "$tmp/m311q1" "$pub_burst" "$broker_port" "$n" 1 "$payload" 311
trace "mqtts v5 QoS 1" "$tmp/m5q1" "$pub_burst" "$broker_port" "$n" 1 "$payload" 5
trace "mqtts v3.1.1 QoS 1 store=1" "$tmp/m311q1s1" "$pub_burst" "$broker_port" "$n" 1 "$payload" 311 1
trace "mqtts v3.1.1 QoS 0" "$tmp/m311q0" "$pub_burst" "$broker_port" "$n" 0 "$payload" 311
mp=(mosquitto_pub -h 127.0.0.1 -p "$broker_port" -t bench/burst)
trace "mosquitto_pub -l QoS 1" "$tmp/p311q1" "${mp[@]}" -q 1 -l
trace "mosquitto_pub -l -V 5 QoS 1" "$tmp/p5q1" "${mp[@]}" -q 1 -l -V mqttv5
trace "mosquitto_pub --repeat QoS 1" "$tmp/prq1" "${mp[@]}" -q 1 -m "$msg" --repeat "$n"
trace "mosquitto_pub -l QoS 0" "$tmp/p311q0" "${mp[@]}" -q 0 -l

per() { awk -v a="$1" -v n="$n" 'BEGIN { printf "%.3f", a / n }'; }

echo
echo "per message, $n messages (net = TCP socket; wake = libmosquitto's socketpair;"
echo "writes = write/writev/sendto/sendmsg, reads = read/readv/recvfrom/recvmsg; stdin and files not counted)"
printf '%-30s %9s %9s %9s %9s %9s | %8s %8s\n' client net_wr net_rd "(EAGAIN)" wake_wr wake_rd \
    writes reads
for r in "${rows[@]}"; do
    IFS='|' read -r label c <<<"$r"
    read -r nw nr ne ww wr <<<"$c"
    printf '%-30s %9s %9s %9s %9s %9s | %8s %8s\n' "$label" "$(per "$nw")" "$(per "$nr")" \
        "$(per "$ne")" "$(per "$ww")" "$(per "$wr")" "$(per $((nw + ww)))" "$(per $((nr + wr)))"
done
echo "(totals: writes = net_wr + wake_wr, reads = net_rd + wake_rd; raw counts:"
for r in "${rows[@]}"; do
    IFS='|' read -r label c <<<"$r"
    echo "   $label: $c"
done
echo ")"

[ "$check" -eq 1 ] || exit 0
status=0
for r in "${rows[@]}"; do
    IFS='|' read -r label c <<<"$r"
    case $label in "mqtts "*"QoS 1"*) ;; *) continue ;; esac
    read -r nw nr ne ww wr <<<"$c"
    wr_total=$((nw + ww))
    rd_total=$((nr + wr))
    what="$label: $wr_total socket writes, $rd_total socket reads for $n messages (goal: <= $max_wr and <= $max_rd per message)"
    if [ "$wr_total" -eq 0 ] || [ "$rd_total" -eq 0 ]; then
        echo "syscalls: FAIL: $what: nothing counted, strace output not understood" >&2
        status=1
    elif [ "$wr_total" -gt $((max_wr * n)) ] || [ "$rd_total" -gt $((max_rd * n)) ]; then
        echo "syscalls: FAIL: $what" >&2
        status=1
    else
        echo "syscalls: ok: $what"
    fi
done
exit "$status"
