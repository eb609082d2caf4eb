"""What a correct read_committed consumer of a real Kafka would see in a topic, decided by us.

tansu 0.6.0 writes transaction markers (control batches) and holds read_committed fetches at the
last stable offset, but every Fetch response it sends has an empty ``aborted_transactions`` list.
A client consumer filters aborted records only through that list, so on tansu a librdkafka
read_committed consumer shows the records of aborted transactions too. This reader does not trust
the list: it speaks the Kafka protocol itself (Metadata v1 and Fetch v4 with request header v1,
non-flexible versions, plain ``socket`` and ``struct``), parses record batches (magic 2) and decides from the control markers in the log:

- a non-transactional batch's records are kept;
- a transactional batch's records are kept only when the next control marker of the same producer
  id in the same partition, at a higher offset, is COMMIT (control record key type 1); on ABORT
  (type 0) they are dropped;
- only offsets below the partition's last stable offset are delivered, as a read_committed
  consumer would at that moment; the rest of the log (up to the high watermark) is still read so
  that the transactions still open there are reported (``open_transactions``) — a finished run
  must have none, or something was left pending.

CRCs are not checked (tansu and librdkafka check them on the way in). Compressed batches (gzip,
lz4, and snappy or zstd when their Python packages are installed) are inflated: the service
produces with LZ4.

Run as a script for a quick look: ``python3 committed_reader.py HOST:PORT TOPIC``.
"""

from __future__ import annotations

import bisect
import dataclasses
import gzip
import socket
import struct
import sys
import time

API_FETCH, API_METADATA = 1, 3
READ_UNCOMMITTED, READ_COMMITTED = 0, 1
CONTROL_ABORT, CONTROL_COMMIT = 0, 1
NO_PRODUCER = -1


class ProtocolError(Exception):
    """The broker answered with an error code or bytes this reader cannot parse."""


@dataclasses.dataclass(frozen=True)
class Record:
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]
    producer_id: int
    producer_epoch: int
    transactional: bool

    def header(self, name: str) -> bytes | None:
        """The first header of that name (the service writes each of its own once)."""
        return next((v for k, v in self.headers if k == name), None)


@dataclasses.dataclass(frozen=True)
class Marker:
    partition: int
    offset: int
    producer_id: int
    producer_epoch: int
    commit: bool


@dataclasses.dataclass(frozen=True)
class OpenTransaction:
    """Transactional records with no marker after them: a transaction still open in the log."""

    partition: int
    producer_id: int
    first_offset: int
    records: int


@dataclasses.dataclass
class TopicView:
    topic: str
    records: list[Record]  # what a read_committed consumer sees, by partition then offset
    aborted: list[Record]  # transactional records dropped because their marker is ABORT
    open_transactions: list[OpenTransaction]
    markers: list[Marker]
    last_stable: dict[int, int]
    high_watermark: dict[int, int]

    @property
    def settled(self) -> bool:
        """No transaction open anywhere: the last stable offset has caught up with the log."""
        return not self.open_transactions and self.last_stable == self.high_watermark


# --- the wire ------------------------------------------------------------------------------------


class _Writer:
    def __init__(self):
        self.parts: list[bytes] = []

    def int8(self, v): self.parts.append(struct.pack(">b", v)); return self
    def int16(self, v): self.parts.append(struct.pack(">h", v)); return self
    def int32(self, v): self.parts.append(struct.pack(">i", v)); return self
    def int64(self, v): self.parts.append(struct.pack(">q", v)); return self

    def string(self, v: str | None):
        if v is None:
            return self.int16(-1)
        data = v.encode()
        self.int16(len(data))
        self.parts.append(data)
        return self

    def bytes(self) -> bytes:
        return b"".join(self.parts)


class _Reader:
    def __init__(self, data: bytes, position: int = 0):
        self.data, self.position = data, position

    def _take(self, fmt: str):
        (value,) = struct.unpack_from(fmt, self.data, self.position)
        self.position += struct.calcsize(fmt)
        return value

    def int8(self): return self._take(">b")
    def int16(self): return self._take(">h")
    def int32(self): return self._take(">i")
    def int64(self): return self._take(">q")
    def uint32(self): return self._take(">I")

    def raw(self, length: int) -> bytes:
        if length < 0 or self.position + length > len(self.data):
            raise ProtocolError(f"{length} bytes wanted at {self.position} of {len(self.data)}")
        chunk = self.data[self.position:self.position + length]
        self.position += length
        return chunk

    def string(self) -> str | None:
        length = self.int16()
        return None if length < 0 else self.raw(length).decode()

    def nullable_bytes(self) -> bytes | None:
        length = self.int32()
        return None if length < 0 else self.raw(length)

    def array(self, item):
        count = self.int32()
        return [] if count < 0 else [item() for _ in range(count)]

    def varint(self) -> int:
        """A zigzag varint (records use them for lengths, deltas and counts)."""
        shift = result = 0
        while True:
            if self.position >= len(self.data):
                raise ProtocolError("varint past the end")
            byte = self.data[self.position]
            self.position += 1
            result |= (byte & 0x7F) << shift
            if not byte & 0x80:
                return (result >> 1) ^ -(result & 1)
            shift += 7
            if shift > 63:
                raise ProtocolError("varint too long")

    def varbytes(self) -> bytes | None:
        length = self.varint()
        return None if length < 0 else self.raw(length)

    @property
    def remaining(self) -> int:
        return len(self.data) - self.position


class Connection:
    """One TCP connection to a broker; requests one at a time."""

    def __init__(self, bootstrap: str, timeout: float = 10.0, client_id: str = "committed-reader"):
        host, port = bootstrap.rsplit(":", 1)
        self.socket = socket.create_connection((host, int(port)), timeout=timeout)
        self.client_id = client_id
        self.correlation = 0

    def close(self) -> None:
        self.socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def request(self, api_key: int, version: int, body: bytes) -> _Reader:
        self.correlation += 1
        header = _Writer().int16(api_key).int16(version).int32(self.correlation).string(self.client_id).bytes()
        message = header + body
        self.socket.sendall(struct.pack(">i", len(message)) + message)
        (size,) = struct.unpack(">i", self._receive(4))
        reader = _Reader(self._receive(size))
        correlation = reader.int32()
        if correlation != self.correlation:
            raise ProtocolError(f"correlation id {correlation}, expected {self.correlation}")
        return reader

    def _receive(self, count: int) -> bytes:
        chunks, wanted = [], count
        while wanted:
            chunk = self.socket.recv(min(wanted, 1 << 20))
            if not chunk:
                raise ProtocolError("the broker closed the connection")
            chunks.append(chunk)
            wanted -= len(chunk)
        return b"".join(chunks)

    # Metadata v1: the partitions of one topic.
    def partitions(self, topic: str) -> list[int]:
        body = _Writer().int32(1).string(topic).bytes()
        reader = self.request(API_METADATA, 1, body)
        reader.array(lambda: (reader.int32(), reader.string(), reader.int32(), reader.string()))  # brokers
        reader.int32()  # controller
        found = None

        def partition():
            error, index = reader.int16(), reader.int32()
            reader.int32()  # leader
            reader.array(reader.int32)
            reader.array(reader.int32)
            return error, index

        for _ in range(reader.int32()):
            error, name = reader.int16(), reader.string()
            reader.int8()  # internal
            parts = reader.array(partition)
            if name == topic:
                if error:
                    raise ProtocolError(f"Metadata for {topic}: error {error}")
                found = sorted(index for _, index in parts)
        if not found:
            raise ProtocolError(f"Metadata: no partitions for {topic}")
        return found

    # Fetch v4: the raw record-batch bytes of one partition from an offset, with the partition's
    # high watermark and last stable offset.
    def fetch(self, topic: str, partition: int, offset: int, isolation: int,
              max_bytes: int = 8 << 20) -> tuple[bytes, int, int, list]:
        body = (_Writer().int32(-1).int32(100).int32(1).int32(max_bytes).int8(isolation)
                .int32(1).string(topic).int32(1).int32(partition).int64(offset).int32(max_bytes).bytes())
        reader = self.request(API_FETCH, 4, body)
        reader.int32()  # throttle
        for _ in range(reader.int32()):
            reader.string()
            for _ in range(reader.int32()):
                index, error = reader.int32(), reader.int16()
                high, stable = reader.int64(), reader.int64()
                aborted = reader.array(lambda: (reader.int64(), reader.int64()))
                records = reader.nullable_bytes() or b""
                if index == partition:
                    if error:
                        raise ProtocolError(f"Fetch {topic}/{partition}@{offset}: error {error}")
                    return records, high, stable, aborted
        raise ProtocolError(f"Fetch {topic}/{partition}: partition missing from the response")


# --- record batches ------------------------------------------------------------------------------


@dataclasses.dataclass
class Batch:
    base_offset: int
    last_offset: int
    producer_id: int
    producer_epoch: int
    transactional: bool
    control: bool
    records: list[tuple[int, bytes | None, bytes | None, tuple]]  # (offset, key, value, headers)


def _inflate(codec: int, data: bytes) -> bytes:
    if codec == 0:
        return data
    if codec == 1:
        return gzip.decompress(data)
    if codec == 3:
        import lz4.frame  # a dependency of the trainer (pyproject.toml)
        return lz4.frame.decompress(data)
    if codec == 2:
        import snappy  # optional: nothing here produces snappy
        if data.startswith(b"\x82SNAPPY\x00"):  # xerial framing, as the Java client writes it
            out, position = [], 16
            while position < len(data):
                (length,) = struct.unpack_from(">i", data, position)
                out.append(snappy.decompress(data[position + 4:position + 4 + length]))
                position += 4 + length
            return b"".join(out)
        return snappy.decompress(data)
    if codec == 4:
        import zstandard  # optional: nothing here produces zstd
        return zstandard.ZstdDecompressor().decompressobj().decompress(data)
    raise ProtocolError(f"compression codec {codec}")


def parse_batches(data: bytes) -> list[Batch]:
    """Every complete record batch (magic 2) in a Fetch response's records; a batch cut off at
    the end of the response (the broker may send a partial one) is left for the next fetch."""
    batches, position = [], 0
    while len(data) - position >= 12:
        base_offset, length = struct.unpack_from(">qi", data, position)
        end = position + 12 + length
        if end > len(data):
            break
        reader = _Reader(data[:end], position + 12)
        reader.int32()  # partition leader epoch
        magic = reader.int8()
        if magic != 2:
            raise ProtocolError(f"record batch magic {magic} at offset {base_offset}")
        reader.uint32()  # crc32c
        attributes = reader.int16()
        last_delta = reader.int32()
        reader.int64(), reader.int64()  # base and max timestamp
        producer_id, producer_epoch = reader.int64(), reader.int16()
        reader.int32()  # base sequence
        count = reader.int32()
        payload = _Reader(_inflate(attributes & 0x07, reader.raw(end - reader.position)))
        records = []
        for _ in range(count):
            size = payload.varint()
            record = _Reader(payload.raw(size))
            record.int8()  # attributes
            record.varint()  # timestamp delta
            offset_delta = record.varint()
            key, value = record.varbytes(), record.varbytes()
            headers = []
            for _ in range(record.varint()):
                name = record.varbytes()
                headers.append((name.decode() if name is not None else "", record.varbytes()))
            records.append((base_offset + offset_delta, key, value, tuple(headers)))
        batches.append(Batch(base_offset, base_offset + last_delta, producer_id, producer_epoch,
                             bool(attributes & 0x10), bool(attributes & 0x20), records))
        position = end
    return batches


def control_type(key: bytes | None) -> int:
    """A control record's type from its key (int16 version, int16 type)."""
    if key is None or len(key) < 4:
        raise ProtocolError(f"control record key {key!r}")
    return struct.unpack(">hh", key[:4])[1]


# --- the committed view --------------------------------------------------------------------------


def _read_partition(connection: Connection, topic: str, partition: int, until: int, isolation: int,
                    start: int = 0, deadline: float | None = None) -> list[Batch]:
    """The batches covering [start, until)."""
    batches, offset = [], start
    while offset < until:
        data, high, stable, _ = connection.fetch(topic, partition, offset, isolation)
        parsed = [b for b in parse_batches(data) if b.last_offset >= offset]
        if not parsed:
            # read_committed stops at the LSO even when asked past it: nothing more to read.
            limit = stable if isolation == READ_COMMITTED else high
            if offset >= limit:
                break
            if deadline is not None and time.monotonic() > deadline:
                raise ProtocolError(f"Fetch {topic}/{partition}@{offset}: no progress below {limit}")
            time.sleep(0.05)
            continue
        batches.extend(parsed)
        offset = parsed[-1].last_offset + 1
    return batches


def read_committed(bootstrap: str, topic: str, timeout: float = 60.0) -> TopicView:
    """The topic as a read_committed consumer of a real Kafka sees it now, and what is still open."""
    deadline = time.monotonic() + timeout
    with Connection(bootstrap) as connection:
        partitions = connection.partitions(topic)
        stable, high = {}, {}
        for p in partitions:
            # From a Fetch response, not ListOffsets: tansu 0.6.0 answers ListOffsets "latest" with
            # the newest batch's base offset + 1, and with 0 under read_committed while a
            # transaction is open; its Fetch carries the real high watermark and LSO.
            _, high[p], stable[p], _ = connection.fetch(topic, p, 0, READ_COMMITTED, max_bytes=1)
        records, aborted, markers, open_transactions = [], [], [], []
        for p in partitions:
            # Below the LSO, read as a read_committed consumer would; beyond it, read the rest of
            # the log uncommitted, only to find the markers and the transactions still open.
            below = _read_partition(connection, topic, p, stable[p], READ_COMMITTED, deadline=deadline)
            resume = below[-1].last_offset + 1 if below else 0
            beyond = _read_partition(connection, topic, p, high[p], READ_UNCOMMITTED, start=resume, deadline=deadline)
            kept, dropped, found, pending = decide(p, below + beyond, stable[p])
            records += kept
            aborted += dropped
            markers += found
            open_transactions += pending
    return TopicView(topic, records, aborted, open_transactions, markers, stable, high)


def decide(partition: int, batches: list[Batch], stable: int):
    """Splits one partition's batches by the rule above: (kept, aborted, markers, open)."""
    # Each producer's markers in offset order, to find the first one after a given offset.
    markers: list[Marker] = []
    for batch in batches:
        if batch.control:
            for offset, key, _, _ in batch.records:
                kind = control_type(key)
                if kind not in (CONTROL_ABORT, CONTROL_COMMIT):
                    raise ProtocolError(f"control record type {kind} at {partition}@{offset}")
                markers.append(Marker(partition, offset, batch.producer_id, batch.producer_epoch,
                                      kind == CONTROL_COMMIT))
    by_producer: dict[int, list[Marker]] = {}
    for marker in sorted(markers, key=lambda m: m.offset):
        by_producer.setdefault(marker.producer_id, []).append(marker)
    offsets = {producer: [m.offset for m in found] for producer, found in by_producer.items()}

    def next_marker(producer: int, offset: int) -> Marker | None:
        """The producer's first marker after ``offset``."""
        index = bisect.bisect_right(offsets.get(producer, []), offset)
        return by_producer[producer][index] if index < len(offsets.get(producer, [])) else None

    kept, aborted = [], []
    pending: dict[int, list[int]] = {}
    seen: set[int] = set()
    for batch in batches:
        if batch.control:
            continue
        marker = next_marker(batch.producer_id, batch.last_offset) if batch.transactional else None
        for offset, key, value, headers in batch.records:
            if offset in seen:  # a batch fetched twice (fetch offsets inside a batch)
                continue
            seen.add(offset)
            record = Record(partition, offset, key, value, headers, batch.producer_id, batch.producer_epoch,
                            batch.transactional)
            if batch.transactional and marker is None:
                pending.setdefault(batch.producer_id, []).append(offset)
            elif offset >= stable:
                continue  # beyond the last stable offset: not delivered yet
            elif not batch.transactional or marker.commit:
                kept.append(record)
            else:
                aborted.append(record)
    opened = [OpenTransaction(partition, producer, min(offsets), len(offsets)) for producer, offsets in pending.items()]
    return kept, aborted, markers, opened


def main(argv: list[str]) -> int:
    if len(argv) != 3:
        print(__doc__.strip().splitlines()[-1], file=sys.stderr)
        return 2
    view = read_committed(argv[1], argv[2])
    print(f"{view.topic}: {len(view.records)} committed, {len(view.aborted)} aborted, "
          f"{len(view.markers)} markers ({sum(m.commit for m in view.markers)} commit), "
          f"open {view.open_transactions}, LSO {view.last_stable}, HWM {view.high_watermark}")
    for record in view.records[:20]:
        print(f"  {record.partition}@{record.offset} key={record.key!r} txn={record.transactional}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
