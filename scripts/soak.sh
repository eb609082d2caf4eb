#!/usr/bin/env bash
# Soak (reliability scenario 7): the demo pipeline (embedded broker, service, generator) held at
# a fixed open-loop rate for a long time, with RSS sampled every 5 s; prints RSS and latency per
# minute and the demo's final JSON line (lost must be 0).
#   scripts/soak.sh [SECONDS] [RATE]     # default 600 s at 20,000 requests/s
# 20,000/s is 80% of 25,000/s, the highest offered rate the open-loop sweep holds on the embedded
# broker (bench/RESULTS.md); above it the broker, not the service, saturates.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-600}"
rate="${2:-20000}"
bash scripts/setup.sh >/dev/null
swift build -c release --product anomaly-service 2>&1 | tail -1
out="$(mktemp -d)"
.build/release/anomaly-service demo --seconds "$seconds" --rate "$rate" >"$out/demo.log" 2>&1 &
pid=$!
start=$(date +%s)
while kill -0 "$pid" 2>/dev/null; do
    rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
    [ -n "$rss" ] && echo "$(($(date +%s) - start)) $rss" >>"$out/rss.txt"
    sleep 5
done
wait "$pid"
python3 - "$out" <<'PY'
import collections, re, sys
out = sys.argv[1]
rss = collections.defaultdict(int)
for line in open(f"{out}/rss.txt"):
    second, kb = map(int, line.split())
    rss[second // 60] = max(rss[second // 60], kb)
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
print("| minute | peak RSS (MB) | worst per-second p99 (ms) | mean answered/s |")
print("|---:|---:|---:|---:|")
for minute in sorted(set(rss) | set(p99)):
    answered = sum(rate[minute]) / len(rate[minute]) if rate[minute] else 0
    print(f"| {minute + 1} | {rss[minute] / 1024:.0f} | {p99[minute]:.1f} | {answered:.0f} |")
print(final)
PY
echo "logs: $out"
