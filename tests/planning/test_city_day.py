"""The city's day: planned after the answer, every township shown, none skipped unseen."""

from __future__ import annotations

import time
from collections.abc import Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
import redis
from rq import Queue, SimpleWorker

import notifications
from backend import runtime, tasks
from backend.models import Plan, utcnow
from notifications import periodic, relay
from tests.conftest import Api
from tests.planning.conftest import TownshipDay


@pytest.fixture
def jobs_after_the_answer() -> Iterator[None]:
    """No Redis, jobs on a thread of their own after the response (the demo's set-up)."""
    before = runtime.settings()
    demo = replace(before, redis_url="", inline_jobs_in_background=True)
    runtime.configure(demo)
    notifications.install(demo)
    yield
    background = relay.current_relay()
    if isinstance(background, relay.InlineRelay):
        background.wait()
    runtime.configure(before)
    notifications.install(before)


def _by_name(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {township["township_name"]: township for township in body["townships"]}


def _city(api: Api, who: str, township_day: TownshipDay) -> dict[str, Any]:
    answer = api.get(f"/api/v1/plans/city?date={township_day.day.isoformat()}", who)
    assert answer.status_code == 200, answer.json
    return dict(answer.json)


def test_without_redis_the_city_answers_202_at_once_and_plans_every_township_afterwards(
    api: Api, township_day: TownshipDay, jobs_after_the_answer: None
) -> None:
    body = {"date": township_day.day.isoformat()}
    answer = api.post("/api/v1/plans/city", "city-admin", json=body,
                      headers={"Idempotency-Key": "city-1"})
    assert answer.status_code == 202, answer.json
    # Nothing was solved inside the request: every township waits, each queued by it.
    assert [(t["status"], t["queued_now"]) for t in answer.json["townships"]] == [
        ("queued", True), ("queued", True)]
    assert answer.json["counts"] == {"queued": 2, "running": 0, "done": 0, "failed": 0,
                                     "not_planned": 0}
    replayed = api.post("/api/v1/plans/city", "city-admin", json=body,
                        headers={"Idempotency-Key": "city-1"})
    assert (replayed.status_code, replayed.headers["Idempotent-Replayed"]) == (202, "true")

    deadline = time.monotonic() + 60
    while _city(api, "city-admin", township_day)["counts"]["done"] < 2:
        assert time.monotonic() < deadline, _city(api, "city-admin", township_day)
        time.sleep(0.2)
    city = _city(api, "city-admin", township_day)
    assert [(t["status"], t["queued_now"]) for t in city["townships"]] == [
        ("done", False), ("done", False)]
    assert all(t["published_plan_id"] == t["plan"]["id"] for t in city["townships"])


def test_a_township_already_being_planned_is_shown_in_the_answer_not_skipped(
    api: Api, township_day: TownshipDay, redis_planner: redis.Redis
) -> None:
    world = api.world
    day = township_day.day.isoformat()
    first = api.post("/api/v1/plans", "ts-a", json={"township_id": township_day.township_id,
                                                    "date": day})
    answer = api.post("/api/v1/plans/city", "city-admin", json={"date": day})
    assert answer.status_code == 202
    townships = _by_name(answer.json)
    a, b = townships[world.townships["a"].name], townships[world.townships["b"].name]
    assert (a["status"], a["queued_now"], a["plan"]["id"]) == ("queued", False, first.json["id"])
    assert (b["status"], b["queued_now"]) == ("queued", True)
    assert len(Queue(relay.PLANNING_QUEUE, connection=redis_planner).job_ids) == 2

    SimpleWorker([relay.PLANNING_QUEUE], connection=redis_planner).work(burst=True)
    city = _city(api, "city-admin", township_day)
    assert city["counts"]["done"] == 2
    only_a = _city(api, "ts-a", township_day)  # a township's staff see their own township
    assert [t["township_id"] for t in only_a["townships"]] == [township_day.township_id]
    assert api.post("/api/v1/plans/city", "ts-a", json={"date": day}).status_code == 403


def test_a_failed_township_shows_its_reason_and_is_planned_again_by_the_next_city_request(
    api: Api, township_day: TownshipDay
) -> None:
    world = api.world
    Plan.create(township=world.townships["a"], area_code=world.townships["a"].code,
                day=township_day.day, version=1, requested_by_kind="system",
                status="running", progress="solving",
                started_at=utcnow() - timedelta(hours=1))
    periodic.run_task(tasks.fail_overrun_plans)  # its job was lost long ago

    city = _by_name(_city(api, "city-admin", township_day))
    a, b = city[world.townships["a"].name], city[world.townships["b"].name]
    assert a["status"] == "failed" and "仍未完成" in a["plan"]["error"]
    assert (b["status"], b["plan"], b["published_plan_id"]) == ("not_planned", None, None)

    answer = api.post("/api/v1/plans/city", "city-admin",
                      json={"date": township_day.day.isoformat()})
    assert answer.status_code == 202
    a = _by_name(answer.json)[world.townships["a"].name]
    assert (a["queued_now"], a["plan"]["version"]) == (True, 2)


def test_the_city_shows_each_townships_latest_version_and_the_latest_it_published(
    api: Api, township_day: TownshipDay
) -> None:
    a = api.world.townships["a"]
    made = {}
    for version, status in enumerate(("done", "done", "failed", "queued"), start=1):
        made[version] = Plan.create(township=a, area_code=a.code, day=township_day.day,
                                    version=version, requested_by_kind="system",
                                    status=status, progress=status).id

    shown = _by_name(_city(api, "city-admin", township_day))[a.name]
    assert (shown["status"], shown["plan"]["id"], shown["plan"]["version"]) == (
        "queued", made[4], 4)
    assert shown["published_plan_id"] == made[2]  # what workers follow while 4 is computed
