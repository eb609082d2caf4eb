#!/usr/bin/env python3
"""Produce N requests in the input contract to a topic (a helper for trying the seed service).

Rows are drawn at random (seeded) from CSIC 2010 and sent as JSON objects with id, method, path,
query, headers {user-agent} and body, keyed by their id; every --log-every-th row is sent as a
Combined Log Format line instead (its prediction id is then <topic>/<partition>/<offset>).
--garbage K appends K unparseable messages (keys garbage-0..K-1) that must end on the dead-letter
topic. Prints one JSON line: {"produced": n, "json": ..., "log_lines": ..., "garbage": ..., "seconds": ...}.

    python3 bench/python_seed/preload.py --brokers 127.0.0.1:9092 --count 5000 [--topic requests] [--garbage 2]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import sys
import time

DEFAULT_DATA = os.path.normpath(
    os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "..", "shared", "data", "csic2010.jsonl")
)
GARBAGE = [b'{"path": "/a", "query": ', b"not a log line", b'["array"]', b'{"path": 3}', b"\xff\xfe\x00"]


def sample_rows(path: str, count: int, seed: int) -> list[dict]:
    with open(path, encoding="utf-8") as f:
        lines = [line for line in f if line.strip()]
    rng = random.Random(seed)
    picks = [rng.randrange(len(lines)) for _ in range(count)]
    return [json.loads(lines[i]) for i in picks]


def as_json(row: dict, rid: str) -> bytes:
    agent = (row.get("headers") or {}).get("user-agent")
    message = {
        "id": rid,
        "method": row.get("method"),
        "path": row.get("path"),
        "query": row.get("query"),
        "headers": {"user-agent": agent} if agent else {},
        "body": row.get("body"),
    }
    return json.dumps(message).encode("utf-8")


def as_log_line(row: dict) -> bytes:
    target = (row.get("path") or "/") + (f"?{row['query']}" if row.get("query") else "")
    agent = ((row.get("headers") or {}).get("user-agent") or "-").replace('"', '\\"')
    target = target.replace('"', '\\"')
    method = row.get("method") or "GET"
    line = f'127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "{method} {target} HTTP/1.1" 200 512 "-" "{agent}"'
    return line.encode("utf-8")


def messages(rows: list[dict], log_every: int, garbage: int) -> list[tuple[bytes, bytes]]:
    """(key, value) pairs in production order."""
    out = []
    for n, row in enumerate(rows):
        rid = f"seed-{n}"
        value = as_log_line(row) if log_every and n % log_every == log_every - 1 else as_json(row, rid)
        out.append((rid.encode(), value))
    for g in range(garbage):
        out.append((f"garbage-{g}".encode(), GARBAGE[g % len(GARBAGE)]))
    return out


def produce(brokers: str, topic: str, pairs: list[tuple[bytes, bytes]]) -> None:
    from confluent_kafka import Producer

    failures: list[str] = []

    def on_delivery(err, msg) -> None:
        if err is not None:
            failures.append(str(err))

    producer = Producer({"bootstrap.servers": brokers, "linger.ms": 5})
    for key, value in pairs:
        while True:
            try:
                producer.produce(topic, value=value, key=key, on_delivery=on_delivery)
                break
            except BufferError:
                producer.poll(0.1)
        producer.poll(0)
    if producer.flush(30) or failures:
        raise RuntimeError(f"preload: {len(failures)} delivery failures, e.g. {failures[:1]}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brokers", required=True)
    parser.add_argument("--topic", default="requests")
    parser.add_argument("--count", type=int, required=True, help="requests from the data set")
    parser.add_argument("--garbage", type=int, default=0, help="unparseable messages appended (default: 0)")
    parser.add_argument("--log-every", type=int, default=10, help="every n-th request as a log line (0: none)")
    parser.add_argument("--data", default=DEFAULT_DATA)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    start = time.perf_counter()
    pairs = messages(sample_rows(args.data, args.count, args.seed), args.log_every, args.garbage)
    produce(args.brokers, args.topic, pairs)
    log_lines = args.count // args.log_every if args.log_every else 0
    print(
        json.dumps(
            {
                "produced": len(pairs),
                "json": args.count - log_lines,
                "log_lines": log_lines,
                "garbage": args.garbage,
                "seconds": round(time.perf_counter() - start, 2),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
