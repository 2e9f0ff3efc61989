"""The relay on real Redis: one job per event, nothing lost while Redis is down, none twice."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue, SimpleWorker
from rq.job import Job

from backend import tasks
from backend.models import InboxMessage, OutboxEvent, SubscriptionCredit
from fake_wechat import FakeWeChatServer
from notifications import context, periodic, relay
from tests.conftest import Api
from tests.factories import id_number

from .conftest import UNREACHABLE_REDIS_URL

pytestmark = pytest.mark.redis
Emit = Callable[..., int]
Grant = Callable[..., SubscriptionCredit]


def _work(redis: Redis) -> None:
    SimpleWorker([relay.NOTIFICATIONS_QUEUE], connection=redis).work(burst=True)


def _statuses(topic: str = "test.notice") -> dict[str, int]:
    counts: dict[str, int] = {}
    for event in OutboxEvent.select().where(OutboxEvent.topic == topic):
        counts[event.status] = counts.get(event.status, 0) + 1
    return counts


def test_an_event_becomes_one_job_named_after_it_with_growing_retries(
    queued: context.Services, emit_notice: Emit, redis_conn: Redis
) -> None:
    event_id = emit_notice(1)
    job = Job.fetch(f"outbox-{event_id}", connection=redis_conn)
    assert job.func_name == "notifications.jobs.process_outbox_event"
    assert job.args == (event_id,)
    assert job.retries_left == 5 and job.retry_intervals == [10, 30, 60, 300, 900]
    assert OutboxEvent.get_by_id(event_id).status == "enqueued"


def test_handing_an_event_on_twice_queues_it_once(
    queued: context.Services, emit_notice: Emit, redis_conn: Redis
) -> None:
    event_id = emit_notice(1)
    relay.current_relay().dispatch([event_id])
    OutboxEvent.update(status="pending").where(OutboxEvent.id == event_id).execute()
    relay.current_relay().sweep()
    job_ids = Queue(relay.NOTIFICATIONS_QUEUE, connection=redis_conn).job_ids
    assert job_ids == [f"outbox-{event_id}"]


def test_the_worker_delivers_and_marks_the_event_done(
    queued: context.Services,
    emit_notice: Emit,
    grant: Grant,
    redis_conn: Redis,
    fake_wechat: FakeWeChatServer,
) -> None:
    grant()
    event_id = emit_notice(1)
    assert InboxMessage.select().count() == 0  # nothing happens in the request itself
    _work(redis_conn)
    assert OutboxEvent.get_by_id(event_id).status == "done"
    assert InboxMessage.select().count() == 1
    assert len(fake_wechat.state.sent) == 1


def test_a_request_succeeds_while_redis_is_down_and_its_event_waits(
    api: Api, wire: Callable[..., context.Services]
) -> None:
    wire(redis_url=UNREACHABLE_REDIS_URL)
    OutboxEvent.delete().execute()
    answer = api.post(
        "/api/v1/clients",
        "ts-a",
        json={
            "name": "新对象",
            "id_number": id_number(77),
            "village_id": api.world.villages["a1"].id,
            "address": "a1村2组",
        },
    )
    assert answer.status_code == 201
    assert _statuses("client.created") == {"pending": 1}


def test_hundred_events_written_while_redis_is_down_are_delivered_once_it_is_back(
    wire: Callable[..., context.Services],
    test_topic: str,
    emit_notice: Emit,
    grant: Grant,
    redis_url: str,
    redis_conn: Redis,
    fake_wechat: FakeWeChatServer,
) -> None:
    grant(count=100)
    wire(redis_url=UNREACHABLE_REDIS_URL)
    for n in range(100):
        emit_notice(n)
    assert _statuses() == {"pending": 100}

    wire(redis_url=redis_url)  # Redis is back
    assert relay.current_relay().sweep() == 100
    _work(redis_conn)
    relay.current_relay().sweep()  # a second sweep and worker change nothing
    _work(redis_conn)

    sent = [int(m["data"]["number2"]["value"]) for m in fake_wechat.state.sent]
    assert sorted(sent) == list(range(100))
    assert _statuses() == {"done": 100}
    assert InboxMessage.select().count() == 100


def test_a_lost_job_is_enqueued_again_by_the_sweep(
    queued: context.Services, emit_notice: Emit, redis_conn: Redis
) -> None:
    event_id = emit_notice(1)
    redis_conn.flushdb()  # Redis lost its data (restart without persistence)
    assert relay.current_relay().sweep(stale_after=timedelta(0)) == 1
    assert Job.fetch(f"outbox-{event_id}", connection=redis_conn) is not None


def test_the_periodic_sweep_is_a_job_too(
    queued: context.Services, emit_notice: Emit, redis_conn: Redis
) -> None:
    OutboxEvent.update(status="done").execute()
    left = OutboxEvent.create(topic="test.notice", payload={"resident_id": 1, "n": 1})
    assert periodic.sweep_outbox() == 1
    assert OutboxEvent.get_by_id(left.id).status == "enqueued"


def test_operations_show_queues_and_failed_jobs_and_retry_them(
    api: Api, queued: context.Services, redis_conn: Redis
) -> None:
    queue = Queue(relay.DEFAULT_QUEUE, connection=redis_conn)
    queue.enqueue(
        periodic.run_task,
        kwargs={"task": tasks.plan_next_day, "no_such_argument": 1},
        job_id="broken-task",
    )
    SimpleWorker([queue], connection=redis_conn).work(burst=True)

    overview = api.get("/api/v1/operations/queues", "city-admin").json
    assert overview["mode"] == "redis"
    assert {q["name"]: q["failed"] for q in overview["queues"]}["default"] == 1
    [failed] = api.get("/api/v1/operations/failed-jobs", "city-admin").json
    assert failed["id"] == "broken-task" and "TypeError" in failed["error"]

    answer = api.post("/api/v1/operations/failed-jobs/broken-task/retry", "city-admin")
    assert answer.status_code == 200 and answer.json["status"] == "queued"
    assert queue.count == 1
    assert (
        api.post("/api/v1/operations/failed-jobs/broken-task/retry", "city-admin").status_code
        == 404
    )
    assert api.post("/api/v1/operations/failed-jobs/nope/retry", "city-admin").status_code == 404
    assert api.get("/api/v1/operations/queues", "ts-a").status_code == 403


def test_operations_answer_503_while_redis_is_down(
    api: Api, wire: Callable[..., context.Services]
) -> None:
    wire(redis_url=UNREACHABLE_REDIS_URL)
    answer = api.get("/api/v1/operations/queues", "city-admin")
    assert answer.status_code == 503
    assert answer.json["code"] == "queue_unavailable"


def test_in_the_demo_inline_jobs_run_after_the_request_on_a_thread_of_their_own(
    api: Api, wire: Callable[..., context.Services]
) -> None:
    import time

    wire(redis_url="", inline_jobs_in_background=True)
    answer = api.post(
        "/api/v1/clients",
        "ts-a",
        json={"name": "后台对象", "id_number": id_number(78),
              "village_id": api.world.villages["a1"].id, "address": "a1村3组"},
    )
    assert answer.status_code == 201
    [event] = [e for e in OutboxEvent.select().where(OutboxEvent.topic == "client.created")
               if e.payload["client_id"] == answer.json["id"]]
    deadline = time.monotonic() + 10
    while OutboxEvent.get_by_id(event.id).status != "done" and time.monotonic() < deadline:
        time.sleep(0.05)
    assert OutboxEvent.get_by_id(event.id).status == "done"
