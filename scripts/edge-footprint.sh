#!/usr/bin/env bash
# The edge profile's footprint: binary size of a release build with the Swift runtime
# linked statically (as built, and stripped as a gateway would ship it), and the RSS of `serve --profile edge` alone (the broker and the load generator
# run as other processes) at idle and at a fixed rate.
#   scripts/edge-footprint.sh [RATE] [SECONDS]     # default 1,000 requests/s for 60 s
# The broker has 16 partitions: the mock keeps about 5 MiB per partition and drops the rest, and
# 60,000 requests of ~300 bytes would overflow 4 partitions (the answers stop at ~56,000).
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${1:-1000}"
seconds="${2:-60}"
bash scripts/setup.sh >/dev/null
python3 -c "import confluent_kafka" 2>/dev/null || python3 -m pip install -q -r bench/python_seed/requirements.txt
swift build -c release --product anomaly-service --static-swift-stdlib --scratch-path .build-static 2>&1 | tail -1
binary=.build-static/release/anomaly-service
out="$(mktemp -d)"
# The size a gateway would ship: a stripped copy (the build keeps its symbols for backtraces).
strip -o "$out/anomaly-service.stripped" "$binary"
stripped=$(stat -c %s "$out/anomaly-service.stripped")
port=$((20000 + RANDOM % 20000))
metrics=$((port + 1))
.build-static/release/anomaly-service broker --port "$port" --partitions 16 >"$out/broker.log" 2>&1 &
broker=$!
trap 'kill $broker $service 2>/dev/null || true' EXIT
sleep 2
"$binary" demo --emit 20000 >"$out/requests.jsonl"
MALLOC_ARENA_MAX=2 "$binary" serve --bootstrap-server "127.0.0.1:$port" --profile "${PROFILE:-edge}" --metrics-port "$metrics" --no-pin \
    --log-level warning >"$out/serve.log" 2>&1 &
service=$!
rss() { awk '/VmRSS/ {print $2}' "/proc/$service/status"; }
for _ in $(seq 1 60); do curl -sf "localhost:$metrics/readyz" >/dev/null && break; sleep 0.5; done
sleep 5
idle=$(rss)
python3 - "$port" "$rate" "$seconds" "$out/requests.jsonl" <<'PY' &
import sys, time
from confluent_kafka import Producer
port, rate, seconds, path = sys.argv[1], float(sys.argv[2]), float(sys.argv[3]), sys.argv[4]
lines = open(path, "rb").read().splitlines()
producer = Producer({"bootstrap.servers": f"127.0.0.1:{port}", "linger.ms": 1})
start = time.monotonic()
sent = 0
while True:
    due = start + sent / rate
    now = time.monotonic()
    if due - start >= seconds:
        break
    if due > now:
        time.sleep(due - now)
    producer.produce("requests", lines[sent % len(lines)], key=str(sent))
    producer.poll(0)
    sent += 1
left = producer.flush(30)
print(f"sent {sent}, undelivered {left}", file=sys.stderr)
PY
load=$!
: >"$out/rss.txt"
while kill -0 "$load" 2>/dev/null; do rss >>"$out/rss.txt"; sleep 1; done
wait "$load"
sent=$((${rate%.*} * ${seconds%.*}))
for _ in $(seq 1 60); do
    answered=$(curl -s "localhost:$metrics/metrics" | awk '/^anomaly_acknowledged_total/ {print $2}')
    [ "${answered:-0}" -ge "$sent" ] && break
    sleep 0.5
done
# p99 from the latency histogram's cumulative buckets, interpolated within its bucket as
# Prometheus's histogram_quantile does (in the +Inf bucket: the last finite bound).
p99=$(curl -s "localhost:$metrics/metrics" | awk -v q=0.99 '
    /^anomaly_latency_seconds_bucket[{]/ {
        match($0, /le="[^"]*"/)
        n++; bound[n] = substr($0, RSTART + 4, RLENGTH - 5); count[n] = $NF
    }
    END {
        if (n == 0 || count[n] == 0) { print 0; exit }
        rank = q * count[n]
        for (i = 1; i < n && count[i] < rank; i++) {}
        if (bound[i] == "+Inf") { print (i > 1 ? bound[i - 1] : 0); exit }
        lower = i > 1 ? bound[i - 1] : 0; below = i > 1 ? count[i - 1] : 0
        print lower + (bound[i] - lower) * (rank - below) / (count[i] - below)
    }')
sort -n "$out/rss.txt" | awk -v idle="$idle" -v size="$(stat -c %s "$binary")" -v stripped="$stripped" -v answered="$answered" -v p99="$p99" -v rate="$rate" -v seconds="$seconds" '
    { v[NR] = $1 } END {
        printf "binary (release, static Swift runtime, unstripped): %.1f MB\n", size / 1048576
        printf "binary (release, static Swift runtime, stripped): %.1f MB\n", stripped / 1048576
        printf "RSS idle: %.1f MB\n", idle / 1024
        printf "RSS at %d requests/s: median %.1f MB, max %.1f MB (%d samples)\n", rate, v[int((NR + 1) / 2)] / 1024, v[NR] / 1024, NR
        printf "answered %s of %d; service p99 (receipt to hand-off to librdkafka, from the histogram) %.2f ms\n", answered, rate * seconds, p99 * 1000
    }'
curl -s "localhost:$metrics/metrics" | grep -E '^anomaly_(consumed|predicted|dead_lettered|acknowledged)_total|^anomaly_consumer_lag' >"$out/final-metrics.txt" || true
echo "logs: $out"
