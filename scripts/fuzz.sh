#!/usr/bin/env bash
# Fuzzes the request parsers, the Avro decoder and schema parser, and the feature extractor with libFuzzer:
#   scripts/fuzz.sh [RUNS]        # default 1,000,000 executions per target
# Builds fuzz/ with -sanitize=fuzzer,address (linked by lld: gold fails on the fuzzer runtime), seeds each target's corpus from the shipped data
# (data/, unpacked by scripts/setup.sh) and fuzz/corpus/ (the checked-in regression inputs: every crash found so far), then runs
# each target for RUNS executions. A crash, a leak or a failed invariant stops the script non-zero
# and leaves the input in fuzz/artifacts/; add it to fuzz/corpus/ with the fix.
set -euo pipefail
cd "$(dirname "$0")/.."
runs="${1:-1000000}"
scratch="fuzz/.build-fuzz"
(cd fuzz && swift build -c release --scratch-path .build-fuzz \
    -Xswiftc -sanitize=fuzzer,address -Xswiftc -parse-as-library -Xswiftc -use-ld=lld 2>&1 | grep -E 'error|warning: unre|Compiling|Build' | tail -3)
bin="$(cd fuzz && swift build -c release --scratch-path .build-fuzz --show-bin-path)"

# A seed corpus: a few hundred lines of every data set (JSON rows, and the access log's raw CLF
# lines), one file each, refreshed every run; plus the regression inputs.
seeds="$scratch/seeds"
rm -rf "$seeds" && mkdir -p "$seeds"
if python3 -c 'import training.datasets' 2>/dev/null; then
    python3 - "$seeds" <<'PY'
import json, sys, pathlib
from training.datasets import data_file
out = pathlib.Path(sys.argv[1])
for name in ["csic2010", "httpparams", "fwaf_bad", "fuzzdb", "elastic_apache"]:
    path = data_file(name)
    with path.open("rb") as rows:
        for index, line in enumerate(rows):
            if index >= 300:
                break
            (out / f"{name}-{index}.json").write_bytes(line.rstrip(b"\n"))
            if name == "elastic_apache":
                raw = json.loads(line).get("raw")
                if raw:
                    (out / f"{name}-{index}.clf").write_bytes(raw.encode())
PY
fi
cp fuzz/corpus/* "$seeds"/ 2>/dev/null || true
# FuzzAvro's seeds: the same rows as Avro records (AvroRequestSchema.encode and a richer writer)
# and the two schemas' texts, written by the target itself.
avro_seeds="$scratch/seeds-avro"
rm -rf "$avro_seeds" && mkdir -p "$avro_seeds"
"$bin/FuzzAvro" --seeds "$avro_seeds" data/.cache/csic2010.jsonl data/.cache/httpparams.jsonl \
    data/.cache/fwaf_bad.jsonl data/.cache/fuzzdb.jsonl >/dev/null

mkdir -p fuzz/artifacts
status=0
for target in FuzzJSON FuzzCLF FuzzFeatures FuzzAvro; do
    work="$scratch/corpus-$target"
    mkdir -p "$work"
    target_seeds="$seeds"
    [ "$target" = FuzzAvro ] && target_seeds="$avro_seeds"
    start=$(date +%s)
    # Leaks: LeakSanitizer's exit-time scan reports the model loaded once before fuzzing (Data
    # kept in Swift enum payloads whose pointers it cannot see), so it is off; a leak per input
    # still trips -rss_limit_mb (the parser and extractor use fixed memory: ~150 MB under ASan).
    # -max_len covers 1 MB bodies.
    if ASAN_OPTIONS=detect_leaks=0 "$bin/$target" "$work" "$target_seeds" -runs="$runs" -max_len=1100000 \
        -len_control=200 -rss_limit_mb=1024 -timeout=10 -print_final_stats=1 \
        -artifact_prefix="fuzz/artifacts/$target-" >"$scratch/$target.log" 2>&1; then
        execs=$(grep -Eo 'stat::number_of_executed_units: *[0-9]+' "$scratch/$target.log" | grep -Eo '[0-9]+$' || echo "?")
        cover=$(grep -Eo 'cov: [0-9]+' "$scratch/$target.log" | tail -1 || true)
        echo "$target: $execs executions, $cover, no crash ($(($(date +%s) - start)) s)"
    else
        echo "$target: FAILED; see $scratch/$target.log and fuzz/artifacts/"
        grep -E 'ERROR|fatal|Fatal|==[0-9]+==' "$scratch/$target.log" | head -5
        status=1
    fi
done
exit $status
