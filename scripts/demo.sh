#!/usr/bin/env bash
# The main job from a fresh clone: set-up, a release build, then `anomaly-service demo` (embedded
# broker + service + traffic generator). Extra arguments go to the demo, e.g. --rate 5000 --seconds 30.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
swift build -c release --product anomaly-service
exec .build/release/anomaly-service demo "$@"
