#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine with Swift: the C libraries
# from Debian and the Python packages of the offline trainer. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

debs=(librdkafka-dev libopenblas-dev liblz4-dev pkg-config)
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

if [ -f training/requirements.txt ]; then
    if ! python3 -c "import sys; import importlib.metadata as m; [m.version(l.split('==')[0].split('>=')[0].strip()) for l in open('training/requirements.txt') if l.strip() and not l.startswith('#')]" 2>/dev/null; then
        echo "setup: installing Python packages for training/"
        python3 -m pip install -q -r training/requirements.txt
    fi
fi
