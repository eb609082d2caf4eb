#!/usr/bin/env python3
"""The seed design, faithfully naive: the Python baseline of the end-to-end benchmark.

N processes (default: one per core), each with one confluent_kafka.Consumer in the same group
(auto-commit), a polling thread that poll()s one message at a time into a bounded queue.Queue,
and a processing thread that takes one message at a time, parses it (JSON object or access-log
line), featurises it with scikit-learn's HashingVectorizer, scores it with SVC.decision_function
on that single row, and produces the prediction JSON (or a dead letter to <input>.dlq) with a
confluent_kafka.Producer. Deliveries are counted across processes in a shared counter; the parent
stops the children when --expect deliveries (predictions + dead letters) are counted, or at
--timeout, and prints ONE JSON line on stdout. Logs go to stderr.

    python3 bench/python_seed/seed_service.py --brokers 127.0.0.1:9092 --model /tmp/python-seed/seed.pkl \\
        --expect 5000 [--processes 2] [--timeout 120] [--input requests] [--output predictions] [--group python-seed]
"""

from __future__ import annotations

import argparse
import ctypes
import json
import logging
import multiprocessing as mp
import os
import queue
import resource
import signal
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
if HERE not in sys.path:
    sys.path.insert(0, HERE)

log = logging.getLogger("python-seed")


class Shared:
    """Counters shared by the parent and every child (multiprocessing.Value, each with its lock)."""

    def __init__(self, processes: int) -> None:
        self.delivered = mp.Value(ctypes.c_int64, 0)
        self.predicted = mp.Value(ctypes.c_int64, 0)
        self.dead_lettered = mp.Value(ctypes.c_int64, 0)
        self.failed = mp.Value(ctypes.c_int64, 0)
        self.first_message = mp.Value(ctypes.c_double, 0.0)  # time.monotonic(), 0 = none yet
        self.last_delivery = mp.Value(ctypes.c_double, 0.0)
        self.cpu_seconds = mp.Value(ctypes.c_double, 0.0)  # each child's, from its first message to exit
        self.support_vectors = mp.Value(ctypes.c_int64, 0)
        self.stop = mp.Event()
        # Every process subscribes only once all have loaded the model, so the group forms in one
        # rebalance instead of the first process consuming alone and being revoked mid-stream.
        self.start = mp.Barrier(processes)


def _cpu_now() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)  # every thread of this process
    return usage.ru_utime + usage.ru_stime


def child_main(index: int, args: argparse.Namespace, shared: Shared) -> None:
    """One consumer process: polling thread -> bounded queue -> processing thread -> producer."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C reaches the whole group: the parent decides
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # the parent's handler was inherited; terminate() must work
    logging.basicConfig(
        level=args.log_level, stream=sys.stderr, format=f"%(asctime)s seed[{index}] %(message)s", force=True
    )
    from confluent_kafka import Consumer, KafkaError, Producer
    from request_parser import ParseError, parse
    from seed_model import SeedModel, request_text

    model = SeedModel.load(args.model)
    with shared.support_vectors.get_lock():
        shared.support_vectors.value = model.support_vectors
    vectorizer, svc, threshold, model_id = model.vectorizer, model.svc, model.threshold, model.identifier
    dlq_topic = f"{args.input}.dlq"

    consumer = Consumer(
        {
            "bootstrap.servers": args.brokers,
            "group.id": args.group,
            "enable.auto.commit": True,
            "auto.offset.reset": "earliest",
            "session.timeout.ms": 6000,
        }
    )
    producer = Producer({"bootstrap.servers": args.brokers, "linger.ms": 5})
    cpu_start: list[float] = []  # this process's CPU time at its first message
    try:
        shared.start.wait(60)
    except threading.BrokenBarrierError:
        log.error("start barrier broken (another process failed or the parent stopped)")
        consumer.close()
        return

    def rebalance_logger(what: str):
        def callback(consumer, partitions) -> None:
            log.info("%s %s", what, ",".join(f"{p.topic}[{p.partition}]" for p in partitions) or "nothing")

        return callback

    consumer.subscribe(
        [args.input],
        on_assign=rebalance_logger("assigned"),
        on_revoke=rebalance_logger("revoked"),
        on_lost=rebalance_logger("lost"),
    )

    inbox: queue.Queue = queue.Queue(maxsize=1000)
    stopping = threading.Event()

    def on_delivery(err, msg) -> None:
        if err is not None:
            log.warning("delivery to %s failed: %s", msg.topic(), err)
            with shared.failed.get_lock():
                shared.failed.value += 1
            return
        now = time.monotonic()
        kind = shared.dead_lettered if msg.topic() == dlq_topic else shared.predicted
        with kind.get_lock():
            kind.value += 1
        with shared.delivered.get_lock():
            shared.delivered.value += 1
        with shared.last_delivery.get_lock():
            if now > shared.last_delivery.value:
                shared.last_delivery.value = now

    def produce(topic: str, key, value: bytes, headers=None) -> None:
        while True:
            try:
                producer.produce(topic, value=value, key=key, headers=headers, on_delivery=on_delivery)
                return
            except BufferError:  # librdkafka's local queue is full: serve deliveries, retry
                producer.poll(0.1)

    def polling() -> None:
        while not shared.stop.is_set():
            msg = consumer.poll(0.1)
            if msg is None:
                continue
            if msg.error():
                if msg.error().code() != KafkaError._PARTITION_EOF:
                    log.warning("consumer error: %s", msg.error())
                continue
            if not cpu_start:
                cpu_start.append(_cpu_now())
            if shared.first_message.value == 0.0:
                now = time.monotonic()
                with shared.first_message.get_lock():
                    if shared.first_message.value == 0.0:
                        shared.first_message.value = now
            while not shared.stop.is_set():
                try:
                    inbox.put(msg, timeout=0.1)
                    break
                except queue.Full:
                    continue
        stopping.set()

    def processing() -> None:
        while not stopping.is_set():
            try:
                msg = inbox.get(timeout=0.1)
            except queue.Empty:
                producer.poll(0)
                continue
            try:
                request = parse(msg.value())
            except ParseError as e:
                headers = list(msg.headers() or []) + [
                    ("x-anomaly-error", e.code),
                    ("x-anomaly-error-detail", e.detail),
                    ("x-anomaly-source-topic", msg.topic()),
                    ("x-anomaly-source-partition", str(msg.partition())),
                    ("x-anomaly-source-offset", str(msg.offset())),
                ]
                produce(dlq_topic, msg.key(), msg.value() or b"", headers)
                producer.poll(0)
                continue
            text = request_text(request.method, request.path, request.query, request.body)
            x = vectorizer.transform([text])
            score = float(svc.decision_function(x)[0])
            rid = request.id if request.id is not None else f"{msg.topic()}/{msg.partition()}/{msg.offset()}"
            prediction = {
                "id": rid,
                "anomalous": score > threshold,
                "score": score,
                "threshold": threshold,
                "model": model_id,
                "source": {"topic": msg.topic(), "partition": msg.partition(), "offset": msg.offset()},
            }
            produce(args.output, msg.key(), json.dumps(prediction).encode("utf-8"))
            producer.poll(0)

    threads = [
        threading.Thread(target=polling, name=f"seed-poll-{index}"),
        threading.Thread(target=processing, name=f"seed-work-{index}"),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    remaining = producer.flush(10)
    if remaining:
        log.warning("%d messages not delivered at shutdown", remaining)
    consumer.close()
    if cpu_start:
        with shared.cpu_seconds.get_lock():
            shared.cpu_seconds.value += _cpu_now() - cpu_start[0]
    log.info("stopped")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--brokers", required=True, help="bootstrap servers, HOST:PORT")
    parser.add_argument("--input", default="requests", help="input topic (default: %(default)s)")
    parser.add_argument("--output", default="predictions", help="output topic (default: %(default)s)")
    parser.add_argument("--group", default="python-seed", help="consumer group (default: %(default)s)")
    parser.add_argument("--model", required=True, help="pickle written by train_seed_model.py")
    parser.add_argument(
        "--processes", type=int, default=os.cpu_count() or 1, help="consumer processes (default: %(default)s)"
    )
    parser.add_argument("--expect", type=int, required=True, help="stop after this many deliveries, all processes")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds from start to give up (default: 120)")
    parser.add_argument("--log-level", default="INFO", help="stderr log level (default: %(default)s)")
    args = parser.parse_args()
    logging.basicConfig(level=args.log_level, stream=sys.stderr, format="%(asctime)s seed[parent] %(message)s")
    if not os.path.isfile(args.model):
        parser.error(f"--model {args.model}: no such file (run train_seed_model.py)")

    started = time.monotonic()
    shared = Shared(args.processes)
    interrupted = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: interrupted.set())

    children = [
        mp.Process(target=child_main, args=(i, args, shared), name=f"seed-{i}", daemon=False)
        for i in range(args.processes)
    ]
    for child in children:
        child.start()
    log.info("%d processes; waiting for %d deliveries, timeout %.0f s", len(children), args.expect, args.timeout)

    reason = "timeout"
    last_report = started
    while time.monotonic() - started < args.timeout:
        if shared.delivered.value >= args.expect:
            reason = "expected count delivered"
            break
        if interrupted.is_set():
            reason = "interrupted"
            break
        failed = [c for c in children if not c.is_alive() and c.exitcode != 0]
        if failed:
            reason = f"{failed[0].name} exited with {failed[0].exitcode}"
            break
        if not any(child.is_alive() for child in children):
            reason = "every child exited"
            break
        if time.monotonic() - last_report >= 5:
            last_report = time.monotonic()
            log.info("delivered %d / %d", shared.delivered.value, args.expect)
        time.sleep(0.02)
    log.info("stopping: %s", reason)

    shared.stop.set()
    shared.start.abort()  # releases any child still waiting for the others to load
    for child in children:
        child.join(30)
        if child.is_alive():
            log.warning("%s did not stop; terminating it", child.name)
            child.terminate()
            child.join(5)

    first, last = shared.first_message.value, shared.last_delivery.value
    delivered = shared.delivered.value
    seconds = max(last - first, 0.0) if first and last else 0.0
    cpu = shared.cpu_seconds.value
    children_usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = {
        "design": "python-seed",
        "processes": args.processes,
        "count": delivered,
        "expected": args.expect,
        "seconds": round(seconds, 4),
        "throughput_per_s": round(delivered / seconds, 1) if seconds > 0 else 0.0,
        "cpu_seconds": round(cpu, 3),
        "cpu_us_per_request": round(cpu * 1e6 / delivered, 1) if delivered else None,
        "support_vectors": shared.support_vectors.value,
        "first_message_after_s": round(first - started, 3) if first else None,
        "predicted": shared.predicted.value,
        "dead_lettered": shared.dead_lettered.value,
        "delivery_failures": shared.failed.value,
        "cpu_seconds_with_startup": round(children_usage.ru_utime + children_usage.ru_stime, 3),
        "stopped_by": reason,
    }
    print(json.dumps(result), flush=True)
    return 0 if delivered >= args.expect else 1


if __name__ == "__main__":
    sys.exit(main())
