#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine with Swift: the C libraries
# from Debian and the Python packages of the offline trainer. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(librdkafka-dev libopenblas-dev liblz4-dev pkg-config time)
missing=()
for p in "${debs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}"
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
echo "setup: librdkafka $(pkg-config --modversion rdkafka), openblas $(pkg-config --modversion openblas), lz4 $(pkg-config --modversion liblz4)"

# The offline trainer (pyproject.toml, editable) with its pinned packages, unless every declared
# package is already installed at its declared version.
if ! python3 - <<'PY' 2>/dev/null
import importlib.metadata as m, sys, tomllib
project = tomllib.load(open("pyproject.toml", "rb"))["project"]
wanted = [f"{project['name']}=={project['version']}"]
wanted += project["dependencies"] + project["optional-dependencies"]["test"]
for spec in wanted:
    name, version = spec.split("==")
    if m.version(name) != version:
        sys.exit(f"{name} {m.version(name)} != {version}")
PY
then
    echo "setup: installing the trainer (pip install -e '.[test]')"
    python3 -m pip install -q -e '.[test]'
fi

# The shipped training data (data/*.jsonl.xz), unpacked and verified once into data/.cache/.
python3 -m training.datasets >/dev/null
