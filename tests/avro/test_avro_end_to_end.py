"""Avro input end to end, driven the way an outside team would: real clients written by others.

Records are written by confluent-kafka's ``AvroSerializer`` (or by hand with fastavro and the
Confluent wire format), their schemas registered by its ``SchemaRegistryClient`` in the registry
that ``anomaly-service broker --schema-registry-port`` runs; ``anomaly-service serve`` reads them,
and its predictions and dead letters are read back with a confluent-kafka ``Consumer`` (and
``AvroDeserializer`` for Avro predictions). Every record must be answered exactly once.

The binary is $ANOMALY_SERVICE_BIN when set, else the package's debug or release build; the tests
are skipped when none exists, when confluent-kafka's Avro extras are missing, or when the CSIC 2010
rows (data/.cache/csic2010.jsonl, unpacked by ``python3 -m training.datasets``) are absent.
"""

from __future__ import annotations

import collections
import io
import json
import os
import queue
import re
import shutil
import signal
import socket
import struct
import subprocess
import threading
import time
import uuid

import pytest

pytest.importorskip("confluent_kafka", reason="confluent-kafka not installed (scripts/setup.sh)")
pytest.importorskip("fastavro", reason="confluent-kafka[avro,schemaregistry] not installed (scripts/setup.sh)")
pytest.importorskip("requests", reason="confluent-kafka[avro,schemaregistry] not installed (scripts/setup.sh)")

import fastavro  # noqa: E402
from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition  # noqa: E402
from confluent_kafka.schema_registry import Schema, SchemaRegistryClient  # noqa: E402
from confluent_kafka.schema_registry.avro import AvroDeserializer, AvroSerializer  # noqa: E402
from confluent_kafka.serialization import MessageField, SerializationContext  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
ROWS = os.path.join(REPO, "data", ".cache", "csic2010.jsonl")
SCHEMA_FILE = os.path.join(REPO, "docs", "schemas", "request.avsc")
MODEL = os.path.join(REPO, "models", "default.model")

INPUT, OUTPUT, DEAD_LETTER = "requests", "predictions", "requests.dlq"
PARTITIONS = 4
PREDICTION_KEYS = {"id", "anomalous", "score", "threshold", "model", "source"}
TRACEPARENT = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"
TRACESTATE = "vendor=opaque"


# --- fixtures and helpers ------------------------------------------------------------------------


def service_binary() -> str | None:
    if os.environ.get("ANOMALY_SERVICE_BIN"):
        candidates = [os.environ["ANOMALY_SERVICE_BIN"]]
    else:
        candidates = [os.path.join(REPO, ".build", kind, "anomaly-service") for kind in ("debug", "release")]
    return next((c for c in candidates if os.access(c, os.X_OK)), None)


@pytest.fixture(scope="module")
def binary() -> str:
    path = service_binary()
    if path is None:
        pytest.skip("no anomaly-service binary: set ANOMALY_SERVICE_BIN or build the package")
    return path


@pytest.fixture(scope="module")
def v1_schema() -> str:
    if not os.path.isfile(SCHEMA_FILE):
        pytest.skip(f"reference schema missing: {SCHEMA_FILE}")
    with open(SCHEMA_FILE) as file:
        return file.read()


def v2_of(v1: str) -> str:
    """The v1 schema plus a field with a default: a BACKWARD-compatible second version."""
    schema = json.loads(v1)
    schema["fields"].append({"name": "tenant", "type": "string", "default": "t0"})
    return json.dumps(schema)


@pytest.fixture(scope="module")
def rows() -> list[dict]:
    """~600 CSIC 2010 rows (both labels), in file order."""
    if not os.path.isfile(ROWS):
        pytest.skip(f"data missing: {ROWS} (python3 -m training.datasets unpacks it)")
    normal, attack = [], []
    with open(ROWS) as file:
        for line in file:
            row = json.loads(line)
            (normal if row.get("label") == "normal" else attack).append(row)
            if len(normal) >= 400 and len(attack) >= 200:
                break
    # Interleave so every slice of the list has both kinds.
    mixed = [r for pair in zip(normal[:400:2], normal[1:400:2], attack[:200]) for r in pair]
    assert len(mixed) >= 600, len(mixed)
    return mixed


def to_record(row: dict, ident: str, index: int) -> dict:
    """One CSIC row in the reference schema's fields."""

    def text(value):
        return None if value is None else str(value)

    headers = row.get("headers") or {}
    return {
        "id": ident,
        "ts": 1_764_072_000_000 + index,
        "method": text(row.get("method")),
        "path": str(row.get("path") or "/"),
        "query": text(row.get("query")) or None,
        "protocol": text((row.get("meta") or {}).get("http_version")),
        "headers": {str(k): str(v) for k, v in headers.items()} if headers else None,
        "body": text(row.get("body")) or None,
        "remote_addr": f"10.0.{index // 250 % 250}.{index % 250 + 1}",
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Broker:
    """``anomaly-service broker`` in a process of its own; its bootstrap address and registry URL."""

    def __init__(self, binary: str, registry_port: int | None = 0):
        command = [
            binary, "broker", "--port", "0", "--partitions", str(PARTITIONS),
            "--topics", f"{INPUT},{OUTPUT},{DEAD_LETTER}",
        ]
        if registry_port is not None:
            command += ["--schema-registry-port", str(registry_port)]
        if shutil.which("stdbuf"):  # the broker's stdout is block-buffered when it is a pipe
            command = ["stdbuf", "-oL"] + command
        self.command = command
        self.lines: list[str] = []
        self.process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        output: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(output,), daemon=True).start()
        self.bootstrap: str | None = None
        self.registry: str | None = None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.bootstrap and (registry_port is None or self.registry):
                break
            try:
                line = output.get(timeout=0.2)
            except queue.Empty:
                if self.process.poll() is not None:
                    break
                continue
            if line is None:
                break
            if line.startswith("bootstrap:"):
                self.bootstrap = line.split(":", 1)[1].strip()
            elif "registry" in line.lower() and (url := re.search(r"https?://[^\s,)]+", line)):
                self.registry = url.group(0).rstrip("/")
        if not self.bootstrap or (registry_port is not None and not self.registry):
            self.stop()
            printed = "".join(self.lines)
            raise AssertionError(f"{' '.join(command)}: no bootstrap address or registry URL in\n{printed}")

    def _pump(self, output: queue.Queue) -> None:
        for line in self.process.stdout:
            self.lines.append(line)
            output.put(line)
        output.put(None)

    def kill(self) -> None:
        """A crash: SIGKILL, no goodbye."""
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait(10)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Serve:
    """``anomaly-service serve`` as a subprocess; its stderr kept in a file for failure reports."""

    def __init__(self, binary: str, tmp_path, bootstrap: str, *flags: str):
        self.log_path = tmp_path / f"serve-{uuid.uuid4().hex[:8]}.log"
        self.log = open(self.log_path, "wb")
        self.command = [
            binary, "serve", "-b", bootstrap, "--group", f"avro-e2e-{uuid.uuid4()}",
            "--input", INPUT, "--output", OUTPUT, "--dead-letter", DEAD_LETTER, "--model", MODEL,
            "--workers", "2",
            "--kafka-consumer", "session.timeout.ms=6000", "--kafka-consumer", "heartbeat.interval.ms=500",
            *flags,
        ]
        self.process = subprocess.Popen(self.command, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT)

    def tail(self, lines: int = 40) -> str:
        self.log.flush()
        text = self.log_path.read_text(errors="replace").splitlines()
        return f"$ {' '.join(self.command)}\n(exit {self.process.poll()})\n" + "\n".join(text[-lines:])

    def running(self) -> bool:
        return self.process.poll() is None

    def terminate(self, seconds: float = 40) -> int:
        """SIGTERM, then the exit status (a graceful stop drains, commits and exits 0)."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
        try:
            return self.process.wait(seconds)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            return -9
        finally:
            self.log.close()

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        if not self.log.closed:
            self.log.close()


@pytest.fixture
def cleanup():
    """Objects with a ``stop``/``close`` to end whatever happens, newest first."""
    things: list = []
    yield things
    for thing in reversed(things):
        try:
            (getattr(thing, "close", None) or thing.stop)()
        except Exception:  # noqa: BLE001 - clean-up must reach every object
            pass


class TopicReader:
    """Every message of one topic, all partitions from the beginning, read as they come."""

    def __init__(self, bootstrap: str, topic: str):
        self.topic = topic
        self.consumer = Consumer({
            "bootstrap.servers": bootstrap, "group.id": f"check-{uuid.uuid4()}", "enable.auto.commit": False,
        })
        partitions = self.consumer.list_topics(topic, timeout=10).topics[topic].partitions
        self.consumer.assign([TopicPartition(topic, p, OFFSET_BEGINNING) for p in partitions])
        self.messages: list = []

    def poll(self, seconds: float) -> list:
        deadline = time.monotonic() + seconds
        while True:
            for msg in self.consumer.consume(500, timeout=min(0.3, max(0.0, deadline - time.monotonic()))):
                if msg.error() is None:
                    self.messages.append(msg)
            if time.monotonic() >= deadline:
                return self.messages

    def until(self, done, seconds: float) -> list:
        """Reads until ``done(messages)`` or the deadline."""
        deadline = time.monotonic() + seconds
        while not done(self.messages) and time.monotonic() < deadline:
            self.poll(0.3)
        return self.messages

    def close(self) -> None:
        self.consumer.close()


class Sent:
    """Produced records by key: value, headers, and where they landed."""

    def __init__(self):
        self.value: dict[str, bytes] = {}
        self.headers: dict[str, list] = {}
        self.where: dict[str, tuple[int, int]] = {}

    def produce(self, producer: Producer, key: str, value: bytes, headers: list | None = None) -> None:
        def delivered(error, msg):
            assert error is None, error
            self.where[msg.key().decode()] = (msg.partition(), msg.offset())

        self.value[key] = value
        self.headers[key] = headers or []
        while True:
            try:
                producer.produce(INPUT, key=key.encode(), value=value, headers=headers, on_delivery=delivered)
                break
            except BufferError:
                producer.poll(0.05)
        producer.poll(0)

    def flush(self, producer: Producer) -> None:
        assert producer.flush(20) == 0, "records left unsent"
        assert set(self.where) == set(self.value), "delivery reports missing"


def wire(schema_id: int, body: bytes) -> bytes:
    """The Confluent wire format: magic byte 0, the schema id big-endian, the Avro body."""
    return b"\x00" + struct.pack(">I", schema_id) + body


def avro_body(schema: str, record: dict) -> bytes:
    out = io.BytesIO()
    fastavro.schemaless_writer(out, fastavro.parse_schema(json.loads(schema)), record)
    return out.getvalue()


def by_key(messages: list) -> dict[str, list]:
    answers: dict[str, list] = collections.defaultdict(list)
    for msg in messages:
        answers[msg.key().decode() if msg.key() is not None else None].append(msg)
    return answers


def json_predictions(messages: list) -> dict[str, list[dict]]:
    return {key: [json.loads(m.value()) for m in msgs] for key, msgs in by_key(messages).items()}


def check_prediction(prediction: dict, key: str, sent: Sent) -> None:
    assert set(prediction) >= PREDICTION_KEYS, prediction
    assert prediction["id"] == key
    assert isinstance(prediction["anomalous"], bool)
    for field in ("score", "threshold"):  # a JSON number may print without a fraction
        assert isinstance(prediction[field], (int, float)) and not isinstance(prediction[field], bool), prediction
    assert prediction["anomalous"] == (prediction["score"] > prediction["threshold"]), prediction
    assert isinstance(prediction["model"], str) and prediction["model"]
    source = prediction["source"]
    assert (source["topic"], source["partition"], source["offset"]) == (INPUT, *sent.where[key]), prediction


def accounting(expected: set[str], answered: dict[str, list]) -> tuple[set[str], dict[str, int], set[str]]:
    """Lost keys, duplicated keys with their counts, and answers to keys never sent."""
    lost = expected - set(answered)
    duplicates = {k: len(v) for k, v in answered.items() if len(v) > 1}
    strangers = set(answered) - expected
    return lost, duplicates, strangers


def explain(serve: Serve, **figures) -> str:
    shown = ", ".join(f"{k}={(sorted(v)[:5] if isinstance(v, (set, dict)) else v)}" for k, v in figures.items())
    return f"{shown}\n--- serve output (tail) ---\n{serve.tail()}"


# --- a. every record answered ----------------------------------------------------------------------


def test_every_avro_record_is_answered(binary, rows, v1_schema, tmp_path, cleanup):
    broker = Broker(binary)
    cleanup.append(broker)
    registry = SchemaRegistryClient({"url": broker.registry})
    context = SerializationContext(INPUT, MessageField.VALUE)
    v1 = AvroSerializer(registry, v1_schema)
    v2_schema = v2_of(v1_schema)
    v2 = AvroSerializer(registry, v2_schema)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    sent = Sent()
    first, second = 500, 100
    traced = set()
    for index, row in enumerate(rows[:first]):
        key = f"a-v1-{index}"
        headers = None
        if index % 5 == 0:
            headers = [("traceparent", TRACEPARENT.encode()), ("tracestate", TRACESTATE.encode()),
                       ("x-tenant", b"acme"), ("x-not-carried", b"1")]
            traced.add(key)
        sent.produce(producer, key, v1(to_record(row, key, index), context), headers)
    sent.flush(producer)

    serve = Serve(binary, tmp_path, broker.bootstrap, "--input-format", "avro", "--schema-registry", broker.registry,
                  "--carry-headers", "x-tenant")
    cleanup.append(serve)
    predictions = TopicReader(broker.bootstrap, OUTPUT)
    cleanup.append(predictions)
    predictions.until(lambda m: len(m) >= first, 45)

    # The second writer version, registered by the serializer under the same subject, afterwards.
    for index, row in enumerate(rows[first:first + second]):
        key = f"a-v2-{index}"
        record = to_record(row, key, first + index) | {"tenant": f"t{index % 3}"}
        sent.produce(producer, key, v2(record, context))
    sent.flush(producer)
    versions = registry.get_versions(f"{INPUT}-value")
    assert len(versions) == 2, versions
    ids = {struct.unpack(">I", sent.value[k][1:5])[0] for k in ("a-v1-0", "a-v2-0")}
    assert len(ids) == 2, f"both versions written with one schema id: {ids}"

    expected = set(sent.value)
    messages = predictions.until(lambda m: len(m) >= len(expected), 30)
    predictions.poll(1)  # a duplicate would come now
    answered = by_key(messages)
    lost, duplicates, strangers = accounting(expected, answered)
    dead = TopicReader(broker.bootstrap, DEAD_LETTER)
    cleanup.append(dead)
    dead_letters = dead.poll(2)
    assert not lost and not duplicates and not strangers and not dead_letters, explain(
        serve, lost=lost, duplicates=duplicates, strangers=strangers,
        dead=[(m.key(), dict(m.headers() or [])) for m in dead_letters[:5]], answered=len(answered))
    for key, [msg] in answered.items():
        check_prediction(json.loads(msg.value()), key, sent)
        headers = dict(msg.headers() or [])
        if key in traced:
            assert headers.get("traceparent") == TRACEPARENT.encode(), headers
            assert headers.get("tracestate") == TRACESTATE.encode(), headers
            assert headers.get("x-tenant") == b"acme", headers
            assert "x-not-carried" not in headers, headers
        else:
            assert "traceparent" not in headers and "x-tenant" not in headers, headers
    assert serve.terminate() == 0, serve.tail()


# --- b. malformed records --------------------------------------------------------------------------


def test_malformed_records_are_dead_lettered(binary, rows, v1_schema, tmp_path, cleanup):
    broker = Broker(binary)
    cleanup.append(broker)
    registry = SchemaRegistryClient({"url": broker.registry})
    schema_id = registry.register_schema(f"{INPUT}-value", Schema(v1_schema, "AVRO"))
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    sent = Sent()
    good = [f"b-good-{i}" for i in range(60)]
    for index, key in enumerate(good):
        sent.produce(producer, key, wire(schema_id, avro_body(v1_schema, to_record(rows[index], key, index))))
    whole = wire(schema_id, avro_body(v1_schema, to_record(rows[100], "b-truncated", 100)))
    assert len(whole) > 40
    bad = {
        # A registered id, the body cut in the middle.
        "b-truncated": (whole[: len(whole) // 2], "avroMalformed", schema_id),
        # A registered id, a varint that never ends (union index).
        "b-garbage": (wire(schema_id, b"\xff" * 12), "avroMalformed", schema_id),
        # A registered id, a negative string length (id: union index 1, then zigzag -64).
        "b-negative-length": (wire(schema_id, b"\x02\x7f"), "avroMalformed", schema_id),
        # An id the registry does not have.
        "b-unknown": (wire(9999, avro_body(v1_schema, to_record(rows[101], "b-unknown", 101))), "unknownSchema", 9999),
        # JSON text where Avro is required.
        "b-json": (json.dumps({"id": "b-json", "method": "GET", "path": "/x"}).encode(), "notAvro", None),
    }
    for key, (value, _, _) in bad.items():
        sent.produce(producer, key, value, [("traceparent", TRACEPARENT.encode())])
    sent.flush(producer)

    serve = Serve(binary, tmp_path, broker.bootstrap, "--input-format", "avro", "--schema-registry", broker.registry)
    cleanup.append(serve)
    predictions = TopicReader(broker.bootstrap, OUTPUT)
    dead = TopicReader(broker.bootstrap, DEAD_LETTER)
    cleanup += [predictions, dead]
    dead.until(lambda m: len(m) >= len(bad), 45)
    predictions.until(lambda m: len(m) >= len(good), 20)
    predictions.poll(1)
    dead.poll(1)

    lost, duplicates, strangers = accounting(set(good), by_key(predictions.messages))
    assert not lost and not duplicates and not strangers, explain(serve, lost=lost, duplicates=duplicates,
                                                                  strangers=strangers)
    for key, [msg] in by_key(predictions.messages).items():
        check_prediction(json.loads(msg.value()), key, sent)
    letters = by_key(dead.messages)
    assert set(letters) == set(bad), explain(serve, dead=set(letters), expected=set(bad))
    for key, (value, code, wanted_id) in bad.items():
        [msg] = letters[key]
        headers = dict(msg.headers() or [])
        context = f"{key}: {headers}"
        assert msg.value() == value, context  # the original bytes, untouched
        assert headers.get("x-anomaly-error") == code.encode(), context
        assert headers.get("x-anomaly-error-detail"), context
        assert headers.get("x-anomaly-source-topic") == INPUT.encode(), context
        partition, offset = sent.where[key]
        assert headers.get("x-anomaly-source-partition") == str(partition).encode(), context
        assert headers.get("x-anomaly-source-offset") == str(offset).encode(), context
        if wanted_id is None:
            assert "x-anomaly-schema-id" not in headers, context
        else:
            assert headers.get("x-anomaly-schema-id") == str(wanted_id).encode(), context
    assert serve.terminate() == 0, serve.tail()


def test_wire_format_without_a_registry_is_dead_lettered(binary, rows, v1_schema, tmp_path, cleanup):
    """``--input-format auto`` and no registry: JSON is answered, a wire-format record cannot be."""
    broker = Broker(binary, registry_port=None)
    cleanup.append(broker)
    producer = Producer({"bootstrap.servers": broker.bootstrap})
    sent = Sent()
    avro = wire(1, avro_body(v1_schema, to_record(rows[0], "c-avro", 0)))
    sent.produce(producer, "c-avro", avro)
    sent.produce(producer, "c-json", json.dumps({"id": "c-json", "path": "/index.jsp"}).encode())
    sent.flush(producer)
    serve = Serve(binary, tmp_path, broker.bootstrap)
    cleanup.append(serve)
    predictions = TopicReader(broker.bootstrap, OUTPUT)
    dead = TopicReader(broker.bootstrap, DEAD_LETTER)
    cleanup += [predictions, dead]
    dead.until(lambda m: len(m) >= 1, 40)
    predictions.until(lambda m: len(m) >= 1, 10)
    assert [m.key() for m in predictions.messages] == [b"c-json"], serve.tail()
    [letter] = dead.messages
    headers = dict(letter.headers() or [])
    assert letter.key() == b"c-avro" and letter.value() == avro, headers
    assert headers.get("x-anomaly-error") == b"noSchemaRegistry", headers
    assert headers.get("x-anomaly-schema-id") == b"1", headers
    assert serve.terminate() == 0, serve.tail()


# --- c. the registry goes away and comes back ------------------------------------------------------


def test_registry_outage_loses_nothing(binary, rows, v1_schema, tmp_path, cleanup):
    cluster = Broker(binary, registry_port=None)
    cleanup.append(cluster)
    port = free_port()
    v2_schema = v2_of(v1_schema)

    def start_registry() -> tuple[Broker, int, int]:
        process = Broker(binary, registry_port=port)
        cleanup.append(process)
        assert process.registry.endswith(f":{port}"), process.registry
        client = SchemaRegistryClient({"url": process.registry})
        ids = [client.register_schema(f"{INPUT}-value", Schema(s, "AVRO")) for s in (v1_schema, v2_schema)]
        return process, ids[0], ids[1]

    registry, v1_id, v2_id = start_registry()
    assert v1_id != v2_id
    producer = Producer({"bootstrap.servers": cluster.bootstrap, "linger.ms": 5})
    sent = Sent()

    def produce(prefix: str, count: int, schema: str, schema_id: int, start: int, extra: dict | None = None):
        keys = []
        for index in range(count):
            key = f"{prefix}-{index}"
            record = to_record(rows[(start + index) % len(rows)], key, start + index) | (extra or {})
            sent.produce(producer, key, wire(schema_id, avro_body(schema, record)))
            keys.append(key)
        sent.flush(producer)
        return keys

    before = produce("o-v1a", 200, v1_schema, v1_id, 0)
    serve = Serve(binary, tmp_path, cluster.bootstrap, "--input-format", "avro", "--schema-registry", registry.registry,
                  "--schema-registry-timeout-ms", "1000")
    cleanup.append(serve)
    predictions = TopicReader(cluster.bootstrap, OUTPUT)
    dead = TopicReader(cluster.bootstrap, DEAD_LETTER)
    cleanup += [predictions, dead]
    predictions.until(lambda m: len(m) >= len(before), 40)
    lost, duplicates, _ = accounting(set(before), by_key(predictions.messages))
    assert not lost and not duplicates, explain(serve, lost=lost, duplicates=duplicates)

    registry.kill()
    during_v2 = produce("o-v2", 200, v2_schema, v2_id, 200, {"tenant": "t1"})
    during_v1 = produce("o-v1b", 100, v1_schema, v1_id, 400)
    time.sleep(5)
    predictions.poll(0.5)
    dead.poll(0.5)
    early = {k for k in by_key(predictions.messages) if k in set(during_v2)}
    assert not early, explain(serve, answered_without_schema=early)
    assert not dead.messages, explain(serve, dead=[(m.key(), dict(m.headers() or [])) for m in dead.messages[:5]])
    assert serve.running(), serve.tail()

    registry, again_v1, again_v2 = start_registry()
    assert (again_v1, again_v2) == (v1_id, v2_id), "the restarted registry gave the schemas other ids"
    expected = set(before) | set(during_v2) | set(during_v1)
    predictions.until(lambda m: len(m) >= len(expected), 40)
    predictions.poll(1)
    dead.poll(0.5)
    answered = by_key(predictions.messages)
    lost, duplicates, strangers = accounting(expected, answered)
    assert not lost and not duplicates and not strangers and not dead.messages, explain(
        serve, lost=lost, duplicates=duplicates, strangers=strangers, dead=len(dead.messages))
    for key, [msg] in answered.items():
        check_prediction(json.loads(msg.value()), key, sent)
    status = serve.terminate()
    assert status == 0, serve.tail()


# --- d. Avro predictions ---------------------------------------------------------------------------


def test_avro_predictions_round_trip(binary, rows, v1_schema, tmp_path, cleanup):
    broker = Broker(binary)
    cleanup.append(broker)
    registry = SchemaRegistryClient({"url": broker.registry})
    serializer = AvroSerializer(registry, v1_schema)
    context = SerializationContext(INPUT, MessageField.VALUE)
    producer = Producer({"bootstrap.servers": broker.bootstrap, "linger.ms": 5})
    sent = Sent()
    count = 150
    for index, row in enumerate(rows[:count]):
        key = f"d-{index}"
        sent.produce(producer, key, serializer(to_record(row, key, index), context),
                     [("traceparent", TRACEPARENT.encode())])
    sent.flush(producer)

    serve = Serve(binary, tmp_path, broker.bootstrap, "--input-format", "avro", "--output-format", "avro",
                  "--schema-registry", broker.registry)
    cleanup.append(serve)
    predictions = TopicReader(broker.bootstrap, OUTPUT)
    cleanup.append(predictions)
    predictions.until(lambda m: len(m) >= count, 45)
    predictions.poll(1)
    answered = by_key(predictions.messages)
    lost, duplicates, strangers = accounting(set(sent.value), answered)
    assert not lost and not duplicates and not strangers, explain(serve, lost=lost, duplicates=duplicates)

    assert f"{OUTPUT}-value" in registry.get_subjects()
    registered = registry.get_latest_version(f"{OUTPUT}-value")
    assert registered.schema.schema_type == "AVRO"
    deserializer = AvroDeserializer(registry)
    out_context = SerializationContext(OUTPUT, MessageField.VALUE)
    for key, [msg] in answered.items():
        value = msg.value()
        assert value[0] == 0, f"{key}: not the Confluent wire format: {value[:8]!r}"
        assert struct.unpack(">I", value[1:5])[0] == registered.schema_id
        prediction = deserializer(value, out_context)
        check_prediction(prediction, key, sent)
        assert dict(msg.headers() or []).get("traceparent") == TRACEPARENT.encode()
    assert serve.terminate() == 0, serve.tail()
