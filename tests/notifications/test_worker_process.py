"""A real worker process: killed in the middle of a send, and measured for throughput."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from redis import Redis
from rq import Queue, SimpleWorker

from backend import outbox, runtime
from backend.config import PROJECT_ROOT
from backend.models import MessageDelivery, SubscriptionCredit
from fake_wechat import FakeWeChatServer
from notifications import context, relay

from .conftest import SlowSends

pytestmark = pytest.mark.redis
Emit = Callable[..., int]
Grant = Callable[..., SubscriptionCredit]


def _worker_env(redis_url: str, wechat_base: str, instance: Path) -> dict[str, str]:
    settings = runtime.settings()
    return {
        **os.environ,
        "APP_ENV": "test",
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": settings.database_url,
        "REDIS_URL": redis_url,
        "WECHAT_API_BASE": wechat_base,
        "WECHAT_APPID": settings.wechat_appid,
        "WECHAT_SECRET": "test-secret",
        "SECRET_KEY": settings.secret_key,
        "DATA_KEY": settings.data_key,
        "PYTHONPATH": str(PROJECT_ROOT),
    }


def test_a_worker_killed_in_the_middle_of_a_send_delivers_exactly_one_message(
    wire: Callable[..., context.Services],
    emit_notice: Emit,
    grant: Grant,
    slow_fake: tuple[FakeWeChatServer, SlowSends],
    redis_url: str,
    redis_conn: Redis,
    tmp_path: Path,
) -> None:
    fake, slow = slow_fake
    wire(redis_url=redis_url, wechat_api_base=fake.base_url)
    grant(count=2)
    event_id = emit_notice(1)  # queued as job outbox-<id>
    outbox.process_event(event_id)  # inbox and pending send filed; the worker sends it
    slow.delay = 3.0

    worker = subprocess.Popen(
        # --simple: the job runs in the worker process itself, so SIGKILL stops the send
        # (RQ's forked work horse would start its own session and outlive a group kill).
        [sys.executable, "-m", "notifications", "worker", "--burst", "--simple"],
        cwd=PROJECT_ROOT,
        env=_worker_env(redis_url, fake.base_url, tmp_path),
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert slow.arrived.wait(timeout=60), "the worker never reached WeChat"
    finally:
        os.killpg(worker.pid, signal.SIGKILL)  # mid-send
        worker.wait(timeout=10)
    time.sleep(slow.delay + 0.5)  # WeChat finishes the request the dead worker made
    assert len(fake.state.sent) == 1
    assert MessageDelivery.get().status == "sending"

    # What a live worker does once the dead one's heartbeat lapses: the job is retried.
    queue = Queue(relay.NOTIFICATIONS_QUEUE, connection=redis_conn)
    queue.started_job_registry.cleanup(timestamp=time.time() + 3600)
    scheduled = queue.scheduled_job_registry
    for job_id in scheduled.get_job_ids():
        redis_conn.zadd(scheduled.key, {job_id: 0})  # its retry interval has passed
    for lock in redis_conn.keys("rq:scheduler-lock:*"):
        redis_conn.delete(lock)  # the dead worker's scheduler lock has lapsed
    slow.delay = 0.0
    SimpleWorker([queue], connection=redis_conn).work(burst=True, with_scheduler=True)

    delivery = MessageDelivery.get()
    assert delivery.status == "unknown"  # not sent again: WeChat may well have it
    assert len(fake.state.sent) == 1
    assert queue.finished_job_registry.get_job_ids() == [f"outbox-{event_id}"]


def test_messages_per_second_through_one_worker(
    queued: context.Services,
    emit_notice: Emit,
    grant: Grant,
    redis_conn: Redis,
    fake_wechat: FakeWeChatServer,
) -> None:
    count = 200
    grant(count=count)
    for n in range(count):
        emit_notice(n)
    started = time.perf_counter()
    SimpleWorker([relay.NOTIFICATIONS_QUEUE], connection=redis_conn).work(burst=True)
    elapsed = time.perf_counter() - started
    assert len(fake_wechat.state.sent) == count
    print(
        f"\n{count} events -> {count} inbox messages + WeChat sends in {elapsed:.2f} s: "
        f"{count / elapsed:.0f} messages/s through one in-process worker"
    )
