#!/usr/bin/env bash
# Soak (reliability scenario 7): the service held at a fixed open-loop rate for a long time, with
# the broker in a process of its own (`anomaly-service broker`) and the service, the traffic
# generator and the observer in another (`anomaly-service demo --brokers`); RSS of both sampled
# every 5 s. Prints RSS and latency per minute and the demo's final JSON line (lost must be 0).
#   scripts/soak.sh [SECONDS] [RATE]     # default 600 s at 20,000 requests/s
# 20,000/s is 80% of 25,000/s, the highest offered rate the open-loop sweep holds on the mock
# broker (bench/RESULTS.md); above it the broker, not the service, saturates.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
rate="${2:-20000}"
bash scripts/setup.sh >/dev/null
swift build -c release --product anomaly-service 2>&1 | tail -1
out="$(mktemp -d)"
port=$((20000 + RANDOM % 20000))
.build/release/anomaly-service broker --port "$port" --partitions 8 >"$out/broker.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null || true' EXIT
sleep 2
.build/release/anomaly-service demo --brokers "127.0.0.1:$port" --seconds "$seconds" --rate "$rate" >"$out/demo.log" 2>&1 &
demo=$!
start=$(date +%s)
while kill -0 "$demo" 2>/dev/null; do
    service=$(awk '/VmRSS/ {print $2}' "/proc/$demo/status" 2>/dev/null || true)
    mock=$(awk '/VmRSS/ {print $2}' "/proc/$broker/status" 2>/dev/null || true)
    [ -n "$service" ] && echo "$(($(date +%s) - start)) $service ${mock:-0}" >>"$out/rss.txt"
    sleep 5
done
wait "$demo"
python3 - "$out" <<'PY'
import collections, re, sys
out = sys.argv[1]
service = collections.defaultdict(int)
broker = collections.defaultdict(int)
for line in open(f"{out}/rss.txt"):
    second, demo_kb, broker_kb = map(int, line.split())
    service[second // 60] = max(service[second // 60], demo_kb)
    broker[second // 60] = max(broker[second // 60], broker_kb)
p99 = collections.defaultdict(float)
rate = collections.defaultdict(list)
final = ""
for line in open(f"{out}/demo.log"):
    match = re.match(r"t=(\d+)s .*rate=(\d+)/s p50=\S+ p99=([\d.]+)ms", line)
    if match:
        second, per_second, latency = int(match[1]), int(match[2]), float(match[3])
        p99[second // 60] = max(p99[second // 60], latency)
        rate[second // 60].append(per_second)
    if line.startswith("{"):
        final = line.strip()
print("| minute | service + generator RSS (MB) | broker RSS (MB) | worst per-second p99 (ms) | mean answered/s |")
print("|---:|---:|---:|---:|---:|")
for minute in sorted(set(service) | set(p99)):
    answered = sum(rate[minute]) / len(rate[minute]) if rate[minute] else 0
    print(f"| {minute + 1} | {service[minute] / 1024:.0f} | {broker[minute] / 1024:.0f} | {p99[minute]:.1f} | {answered:.0f} |")
print(final)
PY
echo "logs: $out"
