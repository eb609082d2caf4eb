"""Exactly-once, proved from the outside: every input answered once in the committed output.

``anomaly-service serve --guarantee exactly-once`` runs as a subprocess against tansu, an
independent Kafka-compatible broker, over loopback TCP. A feeder produces requests with unique ids
(and some malformed ones, which become dead letters) into a partitioned input topic at a steady
rate, while the test disturbs the service: kill -9 at random moments with a restart under the same
transactional id (a), a second instance joining the group and leaving it (b), and the broker
hanging (SIGSTOP) for longer than the group session, then coming back (c). Then the prediction
and dead-letter topics are read with ``committed_reader`` (what a read_committed consumer of a
real Kafka would see: tansu does not isolate aborted transactions itself) and every input, named
by its partition and offset, must be answered exactly once: no input lost, none answered twice,
no transaction left open.

A control runs the same kill -9 scenario with the default at-least-once guarantee: it must lose
nothing, and it shows duplicates, which proves the accounting catches them.

The binary is $ANOMALY_SERVICE_BIN, else the package's debug or release build; the exactly-once
tests are skipped when the binary has no ``--guarantee`` setting. EOS_SCALE multiplies the input
counts (1 by default); EOS_SEED repeats a run's random moments (printed with its report).
"""

from __future__ import annotations

import collections
import dataclasses
import json
import os
import random
import re
import signal
import subprocess
import threading
import time
import uuid

import pytest

pytest.importorskip("confluent_kafka", reason="confluent-kafka not installed (scripts/setup.sh)")

from confluent_kafka import Producer  # noqa: E402
from conftest import REPO, TANSU_LIB, Tansu, create_topics  # noqa: E402

import committed_reader  # noqa: E402

MODEL = os.path.join(REPO, "models", "default.model")
INPUT, OUTPUT, DEAD_LETTER = "requests", "predictions", "requests.dlq"
PARTITIONS = 4
SCALE = float(os.environ.get("EOS_SCALE") or 1)
MALFORMED_EVERY = 53  # one input in 53 is not a request: it must come back as a dead letter


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
def exactly_once(binary) -> str:
    """The binary, when it has the exactly-once mode."""
    help_text = subprocess.run([binary, "serve", "--help"], capture_output=True, text=True, timeout=30).stdout
    if "--guarantee" not in help_text or "--transactional-id" not in help_text:
        pytest.skip(f"{binary} has no --guarantee exactly-once setting")
    return binary


@pytest.fixture
def seed() -> int:
    return int(os.environ.get("EOS_SEED") or random.SystemRandom().randrange(1 << 30))


# --- the service -----------------------------------------------------------------------------------


class Serve:
    """One incarnation of ``anomaly-service serve``; its output kept in a file for the report."""

    def __init__(self, binary: str, tmp_path, bootstrap: str, group: str, name: str, flags: list[str]):
        self.name = name
        self.log_path = tmp_path / f"serve-{name}.log"
        self.log = open(self.log_path, "wb")
        self.command = [
            binary, "serve", "-b", bootstrap, "--group", group, "--input", INPUT, "--output", OUTPUT,
            "--dead-letter", DEAD_LETTER, "--model", MODEL, "--workers", "2",
            "--kafka-consumer", "session.timeout.ms=6000", "--kafka-consumer", "heartbeat.interval.ms=500",
            *flags,
        ]
        # tansu answers only clients of librdkafka 2.2 or later: the wheel's, put first.
        environment = dict(os.environ, LD_LIBRARY_PATH=TANSU_LIB)
        self.started = time.monotonic()
        self.process = subprocess.Popen(self.command, cwd=REPO, stdout=self.log, stderr=subprocess.STDOUT,
                                        env=environment)

    def wait_for_assignment(self, seconds: float) -> bool:
        """Until the log says at least one partition was assigned (a cooperative rebalance also
        logs "assigned 0 partitions"), or the process ended."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline and self.running():
            if re.search(r" assigned [1-9][0-9]* partitions", self.log_path.read_text(errors="replace")):
                return True
            time.sleep(0.1)
        return False

    def consumed(self) -> int:
        """What the final log line of a graceful stop says this incarnation consumed."""
        found = re.findall(r"stopped: consumed (\d+)", self.log_path.read_text(errors="replace"))
        return int(found[-1]) if found else -1

    def running(self) -> bool:
        return self.process.poll() is None

    def kill9(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
        self.process.wait()
        self.log.close()

    def terminate(self, seconds: float = 60) -> int:
        """SIGTERM, then the exit status (a graceful stop drains and commits, exit 0)."""
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

    def tail(self, lines: int = 25) -> str:
        text = self.log_path.read_text(errors="replace").splitlines()
        return f"--- {self.name}: exit {self.process.poll()} ---\n" + "\n".join(text[-lines:])


# --- the inputs ------------------------------------------------------------------------------------


class Feeder:
    """Produces ``count`` inputs at ``rate`` per second from a thread, with an idempotent producer
    (so the input itself has no duplicates), and records where each one landed. ``stop()`` ends the
    feed early: the inputs are then the ones produced until then."""

    def __init__(self, bootstrap: str, count: int, rate: float, prefix: str):
        self.producer = Producer({"bootstrap.servers": bootstrap, "enable.idempotence": True, "linger.ms": 100,
                                  "message.timeout.ms": 120_000})
        self.bootstrap, self.count, self.rate, self.prefix = bootstrap, count, rate, prefix
        self.where: dict[tuple[int, int], str] = {}  # (partition, offset) -> id or "malformed:<id>"
        self.delivered = 0
        self.failures: list[str] = []
        self.produced = 0
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> "Feeder":
        self.thread.start()
        return self

    def _delivered(self, error, message) -> None:
        if error is not None:
            self.failures.append(f"{message.key()}: {error}")
        else:
            self.delivered += 1

    def _run(self) -> None:
        start = time.monotonic()
        for index in range(self.count):
            if self.stopping.is_set():
                break
            ident, key = f"{self.prefix}-{index}", self.key(index)
            if key.startswith("malformed:"):
                value = b'{"id": "' + ident.encode() + b'", "path": '  # cut short: invalidJSON
            else:
                value = json.dumps({"id": ident, "method": "GET", "path": f"/shop/item/{index % 997}",
                                    "query": f"q={index}&page={index % 7}",
                                    "headers": {"User-Agent": "eos-proof"}}).encode()
            while True:
                try:
                    self.producer.produce(INPUT, key=key, value=value, on_delivery=self._delivered)
                    break
                except BufferError:
                    self.producer.poll(0.1)
            self.produced = index + 1
            self.producer.poll(0)
            delay = start + (index + 1) / self.rate - time.monotonic()
            if delay > 0:
                self.stopping.wait(delay)
        remaining = self.producer.flush(150)
        if remaining:
            self.failures.append(f"{remaining} inputs not delivered")

    def stop(self) -> None:
        """Ends the feed after the input being produced."""
        self.stopping.set()

    def wait(self, seconds: float = 180) -> None:
        """Until every input is delivered; then where each one is, read back from the log.

        Not from the delivery reports: a produce retried across a tansu restart was acknowledged
        with another batch's offsets (partition 2, offsets 0-2, for records that were stored once,
        further on), so the log itself is the truth about where an input is."""
        self.thread.join(seconds)
        assert not self.thread.is_alive(), "the feeder did not finish"
        assert not self.failures, self.failures[:5]
        assert self.delivered == self.produced, (self.delivered, self.produced)
        view = committed_reader.read_committed(self.bootstrap, INPUT)
        self.where = {(r.partition, r.offset): r.key.decode() for r in view.records}
        stored = collections.Counter(self.where.values())
        sent = {self.key(index) for index in range(self.produced)}
        twice = [k for k, n in stored.items() if n > 1]
        assert set(stored) == sent and not twice, f"the input log: missing {sorted(sent - set(stored))[:5]}, twice {twice[:5]}"

    def key(self, index: int) -> str:
        ident = f"{self.prefix}-{index}"
        return f"malformed:{ident}" if index % MALFORMED_EVERY == MALFORMED_EVERY - 1 else ident

    def progress(self) -> float:
        return self.produced / self.count


# --- the accounting --------------------------------------------------------------------------------


@dataclasses.dataclass
class Accounting:
    lost: list[tuple[int, int]]
    duplicated: dict[tuple[int, int], int]
    wrong: list[str]  # answers that do not match their input (another id, a prediction for a malformed one)
    open_transactions: list
    answers: int
    aborted: int
    replayed: int  # inputs with an answer in an aborted transaction and one committed: what the reader saved

    @property
    def exactly_once(self) -> bool:
        return not (self.lost or self.duplicated or self.wrong or self.open_transactions)

    def summary(self, where: dict) -> str:
        def ranges(items) -> str:
            """Offsets by partition as runs: ``1:[987-1203, 1210]``."""
            runs: dict[int, list[list[int]]] = collections.defaultdict(list)
            for p, o in sorted(items):
                if runs[p] and runs[p][-1][1] == o - 1:
                    runs[p][-1][1] = o
                else:
                    runs[p].append([o, o])
            return " ".join(f"{p}:[" + ", ".join(f"{a}-{b}" if a != b else f"{a}" for a, b in r[:12])
                            + (", ..." if len(r) > 12 else "") + "]" for p, r in runs.items())

        examples = [(k, where.get(k), n) for k, n in sorted(self.duplicated.items())[:8]]
        return (f"answers={self.answers} (aborted, dropped by the reader: {self.aborted}, of inputs answered "
                f"again and committed: {self.replayed}); "
                f"lost={len(self.lost)} {ranges(self.lost)}; "
                f"duplicated={len(self.duplicated)} {ranges(self.duplicated)} e.g. {examples}; "
                f"wrong={self.wrong[:10]}; open={self.open_transactions[:5]}")


def account(bootstrap: str, where: dict[tuple[int, int], str]) -> Accounting:
    """Every input named by its (partition, offset): a prediction's ``source`` or a dead letter's
    ``x-anomaly-source-*`` headers (docs/CONTRACT.md)."""
    predictions = committed_reader.read_committed(bootstrap, OUTPUT)
    letters = committed_reader.read_committed(bootstrap, DEAD_LETTER)
    answered: collections.Counter = collections.Counter()
    wrong: list[str] = []
    for record in predictions.records:
        prediction = json.loads(record.value)
        source = prediction["source"]
        assert source["topic"] == INPUT, prediction
        at = (source["partition"], source["offset"])
        answered[at] += 1
        if where.get(at) != prediction["id"]:
            wrong.append(f"prediction {prediction['id']} for input {at}={where.get(at)}")
    for record in letters.records:
        assert record.header("x-anomaly-source-topic") == INPUT.encode(), record
        at = (int(record.header("x-anomaly-source-partition")), int(record.header("x-anomaly-source-offset")))
        answered[at] += 1
        if not (where.get(at) or "").startswith("malformed:") or record.key != where[at].encode():
            wrong.append(f"dead letter {record.key!r} for input {at}={where.get(at)}")
    lost = [at for at in where if at not in answered]
    duplicated = {at: n for at, n in answered.items() if n > 1}
    wrong += [f"answer to {at}, never sent" for at in answered if at not in where]
    aborted_inputs = {(json.loads(r.value)["source"]["partition"], json.loads(r.value)["source"]["offset"])
                      for r in predictions.aborted}
    aborted_inputs |= {(int(r.header("x-anomaly-source-partition")), int(r.header("x-anomaly-source-offset")))
                       for r in letters.aborted}
    return Accounting(lost, duplicated, wrong, predictions.open_transactions + letters.open_transactions,
                      sum(answered.values()), len(predictions.aborted) + len(letters.aborted),
                      len(aborted_inputs & set(answered)))


def wait_until_answered(bootstrap: str, where: dict, seconds: float) -> Accounting:
    """Reads the committed view until every input has an answer (or the time is up)."""
    deadline = time.monotonic() + seconds
    while True:
        result = account(bootstrap, where)
        if not result.lost or time.monotonic() > deadline:
            return result
        time.sleep(2)


class Run:
    """The broker, topics, feeder and service incarnations of one scenario, and its report."""

    def __init__(self, tmp_path, broker: Tansu, seed: int):
        self.tmp_path, self.broker, self.seed = tmp_path, broker, seed
        self.random = random.Random(seed)
        self.group = f"eos-{uuid.uuid4().hex[:8]}"
        self.incarnations: list[Serve] = []
        self.events: list[str] = []
        self.started = time.monotonic()
        create_topics(broker.bootstrap, {INPUT: PARTITIONS, OUTPUT: PARTITIONS, DEAD_LETTER: PARTITIONS})

    def note(self, event: str) -> None:
        self.events.append(f"t={time.monotonic() - self.started:6.1f}s {event}")

    def serve(self, binary: str, name: str, flags: list[str]) -> Serve:
        serve = Serve(binary, self.tmp_path, self.broker.bootstrap, self.group, name, flags)
        self.incarnations.append(serve)
        self.note(f"start {name} (pid {serve.process.pid})")
        return serve

    def report(self, result: Accounting | None, where: dict) -> str:
        lines = [f"seed={self.seed}", *self.events]
        if result is not None:
            lines.append(result.summary(where))
        lines += [s.tail() for s in self.incarnations]
        lines.append(f"--- broker ---\n{self.broker.tail(15)}")
        return "\n".join(lines)

    def said(self, result: Accounting, where: dict) -> None:
        """The run's story, for ``pytest -rP`` (printed output of passing tests)."""
        print("\n".join([f"seed={self.seed}", *self.events, result.summary(where)]))

    def close(self) -> None:
        for serve in self.incarnations:
            if serve.process.poll() is None:
                serve.kill9()


def eos_flags(transactional_id: str) -> list[str]:
    return ["--guarantee", "exactly-once", "--transactional-id", transactional_id]


def kill_and_restart(run: Run, binary: str, kills: int, flags, name: str) -> Serve:
    """kill -9 ``kills`` times, each at a random moment 0.5-3 s after the incarnation got its
    partitions (so the kill lands while it answers and commits, not during its start-up), each
    followed by a restart with the same flags (the same transactional id)."""
    serve = run.serve(binary, f"{name}-0", flags)
    for number in range(1, kills + 1):
        assert serve.wait_for_assignment(60), run.report(None, {})
        time.sleep(run.random.uniform(0.5, 3))
        serve.kill9()
        run.note(f"kill -9 {serve.name}")
        serve = run.serve(binary, f"{name}-{number}", flags)
    return serve


def scaled(count: int) -> int:
    return max(200, int(count * SCALE))


# --- a. kill -9 under load ---------------------------------------------------------------------------


def test_kill9_restarts_answer_every_input_exactly_once(exactly_once, tmp_path, seed):
    broker = Tansu(tmp_path)
    run = Run(tmp_path, broker, seed)
    result, feeder = None, None
    try:
        feeder = Feeder(broker.bootstrap, scaled(20_000), 500, "a").start()
        serve = kill_and_restart(run, exactly_once, 4, eos_flags("eos-a"), "a")
        feeder.wait()
        run.note("all inputs produced")
        result = wait_until_answered(broker.bootstrap, feeder.where, 90)
        status = serve.terminate()
        run.note(f"SIGTERM {serve.name}: exit {status}")
        result = account(broker.bootstrap, feeder.where)
        assert result.exactly_once, run.report(result, feeder.where)
        assert status == 0, run.report(result, feeder.where)
        run.said(result, feeder.where)
    finally:
        run.close()
        broker.close()


# --- the control: the same, at least once -------------------------------------------------------------


def test_at_least_once_under_kill9_loses_nothing_and_duplicates_are_detected(binary, tmp_path, seed):
    """Without transactions a kill -9 replays what was answered but not yet committed: nothing
    may be lost, and the accounting must see the duplicates (else it could not fail the proof)."""
    broker = Tansu(tmp_path)
    run = Run(tmp_path, broker, seed)
    result, feeder = None, None
    try:
        feeder = Feeder(broker.bootstrap, scaled(10_000), 500, "control").start()
        serve = kill_and_restart(run, binary, 3, [], "control")
        feeder.wait()
        result = wait_until_answered(broker.bootstrap, feeder.where, 90)
        status = serve.terminate()
        run.note(f"SIGTERM {serve.name}: exit {status}")
        result = account(broker.bootstrap, feeder.where)
        assert not result.lost and not result.wrong, run.report(result, feeder.where)
        assert result.duplicated, "three kill -9 under load and no duplicate: " + run.report(result, feeder.where)
        assert not result.exactly_once
        run.said(result, feeder.where)
    finally:
        run.close()
        broker.close()


# --- b. a rebalance: a second instance joins, then leaves ---------------------------------------------


def test_an_instance_joining_and_leaving_keeps_every_input_answered_exactly_once(exactly_once, tmp_path, seed):
    broker = Tansu(tmp_path)
    run = Run(tmp_path, broker, seed)
    result, feeder = None, None
    try:
        feeder = Feeder(broker.bootstrap, scaled(12_000), 500, "b").start()
        first = run.serve(exactly_once, "b-first", eos_flags("eos-b-first"))
        assert first.wait_for_assignment(60), run.report(None, feeder.where)
        while feeder.progress() < 0.15:
            time.sleep(0.05)
        second = run.serve(exactly_once, "b-second", eos_flags("eos-b-second"))
        # tansu takes several rebalance rounds to hand partitions over: the second instance
        # leaves only after it has had some for a while, so the handover is both ways.
        assert second.wait_for_assignment(60), run.report(None, feeder.where)
        run.note(f"b-second assigned at {feeder.produced} inputs produced")
        settled = time.monotonic() + 5
        while feeder.progress() < 0.75 or time.monotonic() < settled:
            time.sleep(0.05)
        status = second.terminate()
        run.note(f"SIGTERM b-second: exit {status}, consumed {second.consumed()}")
        assert status == 0, run.report(None, feeder.where)
        assert second.consumed() > 0, run.report(None, feeder.where)
        feeder.wait()
        result = wait_until_answered(broker.bootstrap, feeder.where, 90)
        status = first.terminate()
        run.note(f"SIGTERM b-first: exit {status}")
        result = account(broker.bootstrap, feeder.where)
        assert result.exactly_once, run.report(result, feeder.where)
        assert status == 0, run.report(result, feeder.where)
        run.said(result, feeder.where)
    finally:
        run.close()
        broker.close()


# --- c. the broker goes away mid-transaction -----------------------------------------------------------


def test_a_hung_broker_keeps_every_input_answered_exactly_once(exactly_once, tmp_path, seed):
    """tansu frozen (SIGSTOP) under load for longer than the session timeout, then thawed: every
    request in flight hangs, the transaction open at that moment cannot end in time, the group
    session expires and the partitions are lost and reassigned. A crash with a restart is not
    used: tansu loses acknowledged writes across its own crash (docs/RELIABILITY.md)."""
    broker = Tansu(tmp_path)
    run = Run(tmp_path, broker, seed)
    result, feeder = None, None
    try:
        feeder = Feeder(broker.bootstrap, scaled(8_000), 500, "c").start()
        serve = run.serve(exactly_once, "c", eos_flags("eos-c"))
        while feeder.progress() < run.random.uniform(0.3, 0.5):
            time.sleep(0.05)
        broker.freeze()
        run.note(f"broker SIGSTOP at {feeder.produced} inputs produced")
        time.sleep(8)
        broker.thaw()
        run.note("broker SIGCONT")
        feeder.wait(240)
        result = wait_until_answered(broker.bootstrap, feeder.where, 120)
        assert serve.running(), run.report(result, feeder.where)
        status = serve.terminate()
        run.note(f"SIGTERM c: exit {status}")
        result = account(broker.bootstrap, feeder.where)
        assert result.exactly_once, run.report(result, feeder.where)
        assert status == 0, run.report(result, feeder.where)
        run.said(result, feeder.where)
    finally:
        run.close()
        broker.close()


# --- d. a zombie: the old incarnation wakes up after its successor took over ---------------------------


def test_a_paused_instance_woken_after_its_successor_took_over_adds_nothing_committed(exactly_once, tmp_path, seed):
    """The classic zombie: an instance stops (SIGSTOP) in the middle of its work for longer than
    the session, a successor starts under the same transactional id and takes the partitions, and
    then the old one runs again (SIGCONT). Its producer epoch is stale: nothing it does after waking
    may reach the committed output.

    The feed goes on until the woken zombie's producer has met the successor's epoch. Frozen with a
    transaction open, it meets it when it commits or aborts that one; frozen between two
    transactions, only when it answers inputs of the partitions it takes back after rejoining the
    group, so a feed that ended before that left nothing to show (a CI run failed so). It is then
    killed: tansu answers an EndTxn with a stale epoch by closing the connection instead of
    PRODUCER_FENCED, so an abort retries until librdkafka's timeout while the zombie holds
    partitions it cannot answer (docs/RELIABILITY.md, scenario 15); the successor takes them over
    and everything fed must be answered exactly once."""
    broker = Tansu(tmp_path)
    run = Run(tmp_path, broker, seed)
    result, feeder = None, None
    try:
        # 500/s for at most 120 s; stopped once the fencing shows (about 30 s in).
        feeder = Feeder(broker.bootstrap, scaled(60_000), 500, "d").start()
        zombie = run.serve(exactly_once, "d-zombie", eos_flags("eos-d"))
        assert zombie.wait_for_assignment(60), run.report(None, feeder.where)
        time.sleep(run.random.uniform(1, 3))
        zombie.process.send_signal(signal.SIGSTOP)
        run.note(f"SIGSTOP d-zombie at {feeder.produced} inputs produced")
        successor = run.serve(exactly_once, "d-successor", eos_flags("eos-d"))
        assert successor.wait_for_assignment(60), run.report(None, feeder.where)
        time.sleep(2)
        zombie.process.send_signal(signal.SIGCONT)
        run.note(f"SIGCONT d-zombie at {feeder.produced} inputs produced")

        # librdkafka says so when the broker answers PRODUCER_FENCED; when the zombie's first call
        # after waking is its EndTxn, tansu closes the connection instead, and only its log shows it.
        def fenced():
            client = "fences the current one" in zombie.log_path.read_text(errors="replace")
            return client or any("ProducerFenced" in open(path, errors="replace").read() for path in broker.logs)

        deadline = time.monotonic() + 60
        while not fenced() and time.monotonic() < deadline:
            time.sleep(0.5)
        was_fenced = fenced()
        state = "running" if zombie.running() else f"exited {zombie.process.returncode}"
        run.note(f"d-zombie {'fenced' if was_fenced else 'NOT fenced'}, {state}; kill -9")
        zombie.kill9()
        feeder.stop()
        feeder.wait()
        run.note(f"feed stopped: {len(feeder.where)} inputs")
        result = wait_until_answered(broker.bootstrap, feeder.where, 90)
        status = successor.terminate()
        run.note(f"SIGTERM d-successor: exit {status}")
        result = account(broker.bootstrap, feeder.where)
        assert result.exactly_once, run.report(result, feeder.where)
        assert status == 0, run.report(result, feeder.where)
        # The scenario happened: the woken zombie's producer met the successor's epoch.
        assert was_fenced, run.report(result, feeder.where)
        run.said(result, feeder.where)
    finally:
        run.close()
        broker.close()
