"""A running worker outlives its Redis: killed and started again, Redis finds the same worker
process delivering, with nobody touching it."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from redis import Redis

from backend.models import OutboxEvent, SubscriptionCredit
from notifications import context, relay
from notifications.worker import ForkingWorker, InProcessWorker, PromptUnsubscribe
from tests.conftest import require_service

from .test_worker_process import _worker_env

pytestmark = pytest.mark.redis
Emit = Callable[..., int]
DOWN_FOR_S = 15  # long enough for RQ's own reconnect attempts and the cron's loop to give up


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class OwnRedis:
    """A Redis server of this test's own, on its own port, that the test may kill."""

    def __init__(self, folder: Path) -> None:
        self.port, self.folder = _free_port(), folder
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        """Where it listens."""
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        """Start it (empty: it keeps nothing on disk) and wait until it answers."""
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.folder)],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        client = Redis.from_url(self.url)
        for _ in range(100):
            try:
                client.ping()
                return
            except Exception:  # not up yet
                time.sleep(0.05)
        raise RuntimeError("own Redis did not start")

    def kill(self) -> None:
        """SIGKILL it, as a crash would."""
        assert self.process is not None
        self.process.kill()
        self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path: Path) -> Iterator[OwnRedis]:
    """A killable Redis (never the shared one)."""
    if shutil.which("redis-server") is None:
        require_service("redis-server", "not installed")
    server = OwnRedis(tmp_path)
    server.start()
    yield server
    if server.process is not None and server.process.poll() is None:
        server.kill()


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.2)
    return condition()


def test_a_worker_delivers_again_after_its_redis_was_killed_and_restarted(
    wire: Callable[..., context.Services],
    test_topic: str,
    emit_notice: Emit,
    grant: Callable[..., SubscriptionCredit],
    own_redis: OwnRedis,
    fake_wechat: object,
    tmp_path: Path,
) -> None:
    grant(count=2)
    wire(redis_url=own_redis.url)
    with (tmp_path / "worker.log").open("w") as stderr:
        worker = subprocess.Popen(
            [sys.executable, "-m", "notifications", "worker", "--simple"],
            cwd=Path(__file__).resolve().parents[2],
            env=_worker_env(own_redis.url, fake_wechat.base_url, tmp_path),  # type: ignore[attr-defined]
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=stderr)
    def handled(event_id: int) -> Callable[[], bool]:
        return lambda: OutboxEvent.get_by_id(event_id).status == "done"

    try:
        first = emit_notice(1)
        assert _wait_for(handled(first), 60), "the worker never handled the first event"

        own_redis.kill()
        second = emit_notice(2)  # the request succeeds; its event waits, pending
        time.sleep(DOWN_FOR_S)
        assert worker.poll() is None, "the worker died with Redis"
        assert OutboxEvent.get_by_id(second).status == "pending"

        own_redis.start()  # back, and empty: whatever was queued is gone with its data
        assert relay.current_relay().sweep() == 1  # what the cron's sweep does each minute
        assert _wait_for(handled(second), 60), "the same worker never handled the second"
        assert worker.poll() is None
    finally:
        _stop(worker)


def _stop(worker: subprocess.Popen[bytes]) -> None:
    """SIGTERM, a warm shutdown's time, then SIGKILL so nothing outlives the test."""
    if worker.poll() is not None:
        return
    os.killpg(worker.pid, signal.SIGTERM)
    try:
        worker.wait(timeout=20)
    except subprocess.TimeoutExpired:
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(timeout=10)
        pytest.fail("the worker did not stop within 20 s of SIGTERM")


@pytest.mark.parametrize("worker_class", [InProcessWorker, ForkingWorker])
def test_a_warm_shutdown_does_not_wait_for_the_command_listener_to_subscribe_again(
    worker_class: type[PromptUnsubscribe], own_redis: OwnRedis,
) -> None:
    # The state a restarted Redis leaves behind: RQ's command listener runs but holds no
    # subscription, so nothing RQ sends on shutdown wakes its minute-long wait.
    worker = worker_class(["default"], connection=Redis.from_url(own_redis.url))
    worker.pubsub = worker.connection.pubsub()
    worker.pubsub_thread = worker.pubsub.run_in_thread(  # type: ignore[assignment]
        sleep_time=60, daemon=True)
    started = time.monotonic()
    worker.unsubscribe()
    assert time.monotonic() - started < 5
