#!/usr/bin/env bash
# Installs the Python seed baseline's packages (requirements.txt beside this file) and trains its
# model if the model file is missing. Idempotent: a second run only checks. Prints the model path.
#   bench/python_seed/setup.sh [MODEL_PATH]     (default: $TMPDIR/python-seed/seed.pkl)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
python="${PYTHON:-python3}"

# Pinned versions, not just presence: a different scikit-learn cannot unpickle the model.
if ! "$python" - "$here/requirements.txt" <<'PY' 2>/dev/null
import sys, importlib.metadata as m
for line in open(sys.argv[1]):
    line = line.split("#")[0].strip()
    if line:
        name, version = line.split("==")
        if m.version(name) != version:
            sys.exit(1)
PY
then
    echo "setup: installing Python packages for bench/python_seed" >&2
    "$python" -m pip install -q -r "$here/requirements.txt" >&2
fi
echo "setup: confluent-kafka $("$python" -c 'import confluent_kafka as c; print(c.version()[0], "librdkafka", c.libversion()[0])')" >&2

model="${1:-${TMPDIR:-/tmp}/python-seed/seed.pkl}"
if [ ! -s "$model" ]; then
    echo "setup: training the seed model into $model" >&2
    "$python" "$here/train_seed_model.py" --out "$model" >&2
fi
echo "$model"
