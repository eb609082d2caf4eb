#!/usr/bin/env bash
# tansu, an independent Kafka-compatible broker, for `e2e-bench transport --tansu`: a measurement
# set-up (in memory, one process, loopback), not a deployment.
#
#   bench/tansu.sh start PORT [PARTITIONS]   fresh tansu on 127.0.0.1:PORT (0: a free port) with
#                                            requests, predictions and requests.dlq of PARTITIONS
#                                            (default 64); prints `pid: N` and `bootstrap: HOST:PORT`
#   bench/tansu.sh stop PORT                 stops the tansu that `start PORT` left
#
# State (pid and log files) lives in .build-tansu/run/. Kafka clients talking to tansu need
# librdkafka >= 2.2: run them with LD_LIBRARY_PATH=.build-tansu/lib (scripts/setup.sh links it).
set -euo pipefail
cd "$(dirname "$0")/.."
command="${1:-}"
port="${2:-}"
[ -n "$command" ] && [ -n "$port" ] || { echo "usage: bench/tansu.sh start PORT [PARTITIONS] | stop PORT" >&2; exit 2; }
run=.build-tansu/run
mkdir -p "$run"

case "$command" in
start)
    partitions="${3:-64}"
    [ -x .build-tansu/bin/tansu ] || bash scripts/setup.sh >&2
    if [ "$port" = 0 ]; then
        port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
    fi
    url="tcp://127.0.0.1:$port"
    # tansu outlives this script: give it none of the caller's descriptors beyond 0-2, or a caller
    # that waits for them to close (Foundation's Process does) waits for tansu to exit.
    for fd in /proc/$$/fd/*; do
        fd="${fd##*/}"
        if [ "$fd" -gt 2 ] 2>/dev/null; then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    nohup .build-tansu/bin/tansu broker --listener-url "$url" --advertised-listener-url "$url" \
        --storage-engine memory://tansu/ >"$run/tansu-$port.log" 2>&1 &
    pid=$!
    echo "$pid" >"$run/tansu-$port.pid"
    # Up once it accepts a connection (about a second).
    for _ in $(seq 1 100); do
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "tansu exited at start; see $run/tansu-$port.log:" >&2
            tail -5 "$run/tansu-$port.log" >&2
            exit 1
        fi
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
        sleep 0.1
    done
    for topic in requests predictions requests.dlq; do
        .build-tansu/bin/tansu topic create --broker "$url" --partitions "$partitions" "$topic" >>"$run/tansu-$port.log" 2>&1
    done
    echo "pid: $pid"
    echo "bootstrap: 127.0.0.1:$port"
    ;;
stop)
    file="$run/tansu-$port.pid"
    [ -f "$file" ] || { echo "no tansu started on port $port ($file missing)" >&2; exit 1; }
    pid=$(cat "$file")
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
    rm -f "$file" "$run/tansu-$port.log"
    ;;
*)
    echo "usage: bench/tansu.sh start PORT [PARTITIONS] | stop PORT" >&2
    exit 2
    ;;
esac
