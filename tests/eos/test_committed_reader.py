"""The committed-view reader against tansu, with transactions written by confluent-kafka.

Each test writes a known mix of committed, aborted, open and non-transactional records, with the
Python transactional producer (librdkafka 2.x from confluent-kafka's wheel), and checks that the
reader keeps exactly the committed and non-transactional ones. One test documents why the reader
exists: a librdkafka read_committed consumer on tansu also shows the aborted records.
"""

from __future__ import annotations

import struct
import time
import uuid

import pytest

pytest.importorskip("confluent_kafka", reason="confluent-kafka not installed (scripts/setup.sh)")

from confluent_kafka import OFFSET_BEGINNING, Consumer, Producer, TopicPartition  # noqa: E402
from conftest import create_topics, unique  # noqa: E402

import committed_reader  # noqa: E402


def transactional(bootstrap: str, **extra) -> Producer:
    producer = Producer({"bootstrap.servers": bootstrap, "transactional.id": unique("tx"), "linger.ms": 5, **extra})
    producer.init_transactions(30)
    return producer


def in_transaction(producer: Producer, topic: str, keys: list[str], partitions: int, commit: bool) -> None:
    producer.begin_transaction()
    for index, key in enumerate(keys):
        producer.produce(topic, key=key, value=key.encode(), partition=index % partitions)
    producer.flush(30)
    (producer.commit_transaction if commit else producer.abort_transaction)(30)


def keys_of(records) -> set[str]:
    return {r.key.decode() for r in records}


def test_reader_keeps_committed_and_plain_records_and_drops_aborted_ones(tansu):
    topic, partitions = unique("mixed"), 3
    create_topics(tansu.bootstrap, {topic: partitions})
    # Two transactional producers whose transactions interleave in the same partitions, so a
    # marker must be matched to its own producer; one compresses (the service produces LZ4).
    first = transactional(tansu.bootstrap)
    second = transactional(tansu.bootstrap, **{"compression.codec": "lz4"})
    plain = Producer({"bootstrap.servers": tansu.bootstrap})
    committed, aborted, loose = [], [], []
    for round_ in range(4):
        keys = [f"c{round_}-{i}" for i in range(7)]
        in_transaction(first, topic, keys, partitions, commit=True)
        committed += keys
        keys = [f"a{round_}-{i}" for i in range(5)]
        in_transaction(second, topic, keys, partitions, commit=False)
        aborted += keys
        keys = [f"n{round_}-{i}" for i in range(3)]
        for index, key in enumerate(keys):
            plain.produce(topic, key=key, value=b"plain", partition=index % partitions)
        plain.flush(30)
        loose += keys
    # Both open at once, records interleaved, then one commits and the other aborts.
    first.begin_transaction()
    second.begin_transaction()
    for index in range(6):
        first.produce(topic, key=f"x-commit-{index}", value=b"x", partition=index % partitions)
        second.produce(topic, key=f"x-abort-{index}", value=b"x", partition=index % partitions)
        first.flush(30)
        second.flush(30)
    first.commit_transaction(30)
    second.abort_transaction(30)
    committed += [f"x-commit-{i}" for i in range(6)]
    aborted += [f"x-abort-{i}" for i in range(6)]

    view = committed_reader.read_committed(tansu.bootstrap, topic)

    assert keys_of(view.records) == set(committed) | set(loose)
    assert len(view.records) == len(committed) + len(loose), "a record delivered twice"
    assert keys_of(view.aborted) == set(aborted)
    assert view.settled, (view.open_transactions, view.last_stable, view.high_watermark)
    assert {r.transactional for r in view.records if r.key.decode() in loose} == {False}
    assert sum(m.commit for m in view.markers) == 5 * partitions  # one per transaction and partition
    assert sum(not m.commit for m in view.markers) == 5 * partitions
    for record in view.records:
        assert record.value == (b"plain" if record.key.decode() in loose else b"x" if record.key.startswith(b"x-")
                                else record.key)


def test_reader_stops_at_an_open_transaction_and_reports_it(tansu):
    topic = unique("open")
    create_topics(tansu.bootstrap, {topic: 1})
    producer = transactional(tansu.bootstrap)
    in_transaction(producer, topic, ["before-0", "before-1"], 1, commit=True)
    producer.begin_transaction()
    producer.produce(topic, key="pending-0", value=b"p", partition=0)
    producer.produce(topic, key="pending-1", value=b"p", partition=0)
    producer.flush(30)
    # A plain record after the open transaction began: past the last stable offset, so a
    # read_committed consumer does not get it before the transaction ends.
    plain = Producer({"bootstrap.servers": tansu.bootstrap})
    plain.produce(topic, key="after", value=b"a", partition=0)
    plain.flush(30)

    view = committed_reader.read_committed(tansu.bootstrap, topic)
    assert keys_of(view.records) == {"before-0", "before-1"}
    assert not view.settled
    [pending] = view.open_transactions
    assert (pending.partition, pending.first_offset, pending.records) == (0, 3, 2), pending
    assert view.last_stable == {0: 3} and view.high_watermark == {0: 6}, (view.last_stable, view.high_watermark)

    producer.commit_transaction(30)
    view = committed_reader.read_committed(tansu.bootstrap, topic)
    assert keys_of(view.records) == {"before-0", "before-1", "pending-0", "pending-1", "after"}
    assert view.settled


def test_reader_decides_by_the_marker_of_the_records_own_producer():
    """Offline: batches built by hand, a foreign producer's COMMIT between a batch and its ABORT."""

    def batch(base, producer, keys, transactional=True, control=None):
        records = [(base + i, k.encode(), b"v", ()) for i, k in enumerate(keys)]
        if control is not None:
            records = [(base, struct.pack(">hh", 0, control), b"", ())]
        return committed_reader.Batch(base, records[-1][0], producer, 0, transactional, control is not None, records)

    batches = [
        batch(0, 7, ["p7-a", "p7-b"]),
        batch(2, 8, ["p8-a"]),
        batch(3, 8, [], control=committed_reader.CONTROL_COMMIT),
        batch(4, -1, ["plain"], transactional=False),
        batch(5, 7, [], control=committed_reader.CONTROL_ABORT),
        batch(6, 7, ["p7-c"]),
        batch(7, 7, [], control=committed_reader.CONTROL_COMMIT),
        batch(8, 8, ["p8-open"]),
    ]
    kept, aborted, markers, opened = committed_reader.decide(0, batches, stable=8)
    assert [r.key for r in kept] == [b"p8-a", b"plain", b"p7-c"]
    assert [r.key for r in aborted] == [b"p7-a", b"p7-b"]
    assert [(m.offset, m.producer_id, m.commit) for m in markers] == [(3, 8, True), (5, 7, False), (7, 7, True)]
    assert opened == [committed_reader.OpenTransaction(0, 8, 8, 1)]


def test_a_librdkafka_read_committed_consumer_on_tansu_shows_aborted_records(tansu):
    """Why the reader exists: tansu's Fetch responses list no aborted transactions, so librdkafka
    (which skips aborted records only through that list) delivers them under read_committed."""
    topic = unique("isolation")
    create_topics(tansu.bootstrap, {topic: 1})
    producer = transactional(tansu.bootstrap)
    in_transaction(producer, topic, [f"kept-{i}" for i in range(3)], 1, commit=True)
    in_transaction(producer, topic, [f"dropped-{i}" for i in range(3)], 1, commit=False)
    in_transaction(producer, topic, [f"kept-{i}" for i in range(3, 5)], 1, commit=True)

    consumer = Consumer({"bootstrap.servers": tansu.bootstrap, "group.id": f"check-{uuid.uuid4()}",
                         "isolation.level": "read_committed", "enable.auto.commit": False})
    consumer.assign([TopicPartition(topic, 0, OFFSET_BEGINNING)])
    seen: list[str] = []
    deadline = time.monotonic() + 20
    while len(seen) < 8 and time.monotonic() < deadline:
        seen += [m.key().decode() for m in consumer.consume(100, 0.5) if m.error() is None]
    consumer.close()

    view = committed_reader.read_committed(tansu.bootstrap, topic)
    assert keys_of(view.records) == {f"kept-{i}" for i in range(5)}
    assert keys_of(view.aborted) == {f"dropped-{i}" for i in range(3)}
    # If this fails, tansu now isolates aborted transactions itself: the reader is still right,
    # and docs/RELIABILITY.md's note on tansu's limits should be updated.
    assert sorted(seen) == sorted([f"kept-{i}" for i in range(5)] + [f"dropped-{i}" for i in range(3)]), seen
