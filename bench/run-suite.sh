#!/usr/bin/env bash
# The whole benchmark suite, one command from a fresh clone:
#   bench/run-suite.sh
# 1. micro-benchmarks (ordo-one/benchmark) checked against bench/Thresholds: a regression fails;
# 2. end to end on the embedded broker, in one invocation: a drain of 10^6 preloaded requests
#    (service vs the zero-cost echo pipeline, alternating, 3 repetitions), the Python seed design
#    on the same broker, and an open-loop latency sweep (HDR histograms, no coordinated omission)
#    up to half the measured maximum rate; 3. Avro input: the decode micro-benchmark and a drain
#    of Avro records against JSON and the echo ceiling (5 x 10^5 requests, AVRO_COUNT); 4. exactly-once
#    against at-least-once: drain (5 x 10^5, EOS_COUNT) and latency at 1,000 and 5,000/s; 5. the
#    latency budget: one stepped open-loop run (1k/s up to the broker's ceiling and back) under
#    --latency-budget-ms 10 and at fixed max-batch 16, 64 and 256; 6. against the transport (separate
#    processes): the service, a bare librdkafka loop (bench/Sources/BareLoop), the echo pipeline and
#    the Python seed, on the embedded broker and on tansu, and on one core and two.
# Writes bench/results/<UTC time>/ (micro.txt, e2e.txt, e2e.json, e2e.svg, e2e-eos.*, e2e-budget.*) and
# copies the JSON and the charts to bench/e2e-latest.{json,svg} and bench/latency-budget.svg. Build
# time is not part of the 15-minute budget.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh >/dev/null
bash bench/python_seed/setup.sh >/dev/null
out="bench/results/$(date -u +%Y%m%dT%H%M%SZ)"
mkdir -p "$out"
(cd bench && swift build -c release --scratch-path .build-lead 2>&1 | tail -1)

start=$(date +%s)
echo "== micro-benchmarks against bench/Thresholds"
set +e
(cd bench && swift package --scratch-path .build-lead benchmark thresholds check --target Micro \
    --format markdown) 2>&1 | grep -v 'ETA:' | tee "$out/micro.txt"
micro=${PIPESTATUS[0]}
set -e
case "$micro" in
    0 | 4) echo "micro: within thresholds (exit $micro)" ;;
    *) echo "micro: REGRESSION or failure (exit $micro); see $out/micro.txt" ;;
esac

echo "== end to end"
bench/.build-lead/release/e2e-bench drain python latency --count "${COUNT:-1000000}" --partitions 64 --reps 3 \
    --rates 1000,5000,10000,25000 --seconds 10 --model models/default.model \
    --json "$out/e2e.json" --svg "$out/e2e.svg" 2>&1 | tee "$out/e2e.txt"
echo "== Avro input: decode micro-benchmark (our decoder, JSON, libavro) and the drain (echo and service, JSON and Avro)"
bench/.build-lead/release/avro-bench 2>&1 | tee "$out/avro-micro.txt"
bench/.build-lead/release/e2e-bench drain --input-format avro --count "${AVRO_COUNT:-500000}" --partitions 64 --reps 3 \
    --model models/default.model --json "$out/e2e-avro.json" 2>&1 | tee "$out/e2e-avro.txt"
echo "== exactly-once against at-least-once: drain (3 repetitions, alternating) and open-loop latency at 1,000 and 5,000/s"
bench/.build-lead/release/e2e-bench eos --count "${EOS_COUNT:-500000}" --partitions 64 --reps 3 --eos-rates 1000,5000 \
    --seconds 10 --model models/default.model --json "$out/e2e-eos.json" 2>&1 | tee "$out/e2e-eos.txt"
echo "== latency budget: stepped open-loop rate, the budget against fixed micro-batch sizes (about 3 minutes)"
bench/.build-lead/release/e2e-bench budget --budget-ms 10 --step-seconds 3 --fixed-batches 16,64,256 \
    --model models/default.model --json "$out/e2e-budget.json" --budget-svg "$out/latency-budget.svg" 2>&1 |
    tee "$out/e2e-budget.txt"
echo "== against the transport: the service, a bare librdkafka loop, the echo pipeline and the seed as separate processes"
swift build -c release --product anomaly-service 2>&1 | tail -1
bench/.build-lead/release/e2e-bench transport --count "${TRANSPORT_COUNT:-500000}" --partitions 64 --reps 3 --seed \
    --json "$out/transport.json" 2>&1 | tee "$out/transport.txt"
echo "== the same on tansu (an independent Kafka-compatible broker; librdkafka 2.16 at run time, a measurement set-up)"
# tansu throttles clients that poll it with fetch.wait.max.ms=1 (bench/RESULTS.md): 10 ms on every consumer.
LD_LIBRARY_PATH="$PWD/.build-tansu/lib" bench/.build-lead/release/e2e-bench transport --tansu \
    --count "${TRANSPORT_COUNT:-500000}" --partitions 64 --reps 3 --subject-consumer fetch.wait.max.ms=10 \
    --harness-consumer fetch.wait.max.ms=10 --json "$out/transport-tansu.json" 2>&1 | tee "$out/transport-tansu.txt"
echo "== open-loop latency against the transport: bare loop and service, tansu and the embedded broker"
LD_LIBRARY_PATH="$PWD/.build-tansu/lib" bench/.build-lead/release/e2e-bench transport-latency --tansu \
    --rates 1000,5000,20000,40000 --half-of "${TANSU_MAX:-125000}" --seconds 10 \
    --subject-consumer fetch.wait.max.ms=10 --harness-consumer fetch.wait.max.ms=10 \
    --json "$out/latency-tansu.json" --svg "$out/transport-latency-tansu.svg" 2>&1 | tee "$out/latency-tansu.txt"
bench/.build-lead/release/e2e-bench transport-latency --rates 1000,5000,20000,40000 --half-of "${EMBEDDED_MAX:-177000}" \
    --seconds 10 --json "$out/latency-embedded.json" --svg "$out/transport-latency-embedded.svg" 2>&1 |
    tee "$out/latency-embedded.txt"
bench/.build-lead/release/e2e-bench engine-cost --seconds 3 2>&1 | tee "$out/engine-cost.txt"
echo "== the service on one core and on two (taskset), against the bare loop on the same cores"
for cpus in 0 0,1; do
    bench/.build-lead/release/e2e-bench transport --subjects bare,service --subject-cpus "$cpus" \
        --count "${TRANSPORT_COUNT:-500000}" --partitions 64 --reps 3 --json "$out/transport-cpus-$cpus.json" 2>&1 |
        tee "$out/transport-cpus-$cpus.txt"
done
cp "$out/latency-budget.svg" bench/latency-budget.svg
cp "$out/e2e.json" bench/e2e-latest.json
cp "$out/e2e.svg" bench/e2e-latest.svg
echo "suite: $(($(date +%s) - start)) s (without the build); results in $out"
[ "$micro" -eq 0 ] || [ "$micro" -eq 4 ]
