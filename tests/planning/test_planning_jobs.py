"""Planning as jobs: the planning queue on a real Redis, progress while solving, a whole city."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Any

import pytest
import redis
from flask import Flask
from rq import Queue, SimpleWorker

import notifications
import scheduler
from backend import runtime
from backend.models import OutboxEvent, Plan
from notifications import relay
from tests.conftest import Api
from tests.planning.conftest import TownshipDay


def _work_off(connection: redis.Redis) -> None:
    queue = Queue("planning", connection=connection)
    SimpleWorker([queue], connection=connection).work(burst=True)


def test_with_redis_a_plan_waits_on_the_planning_queue_until_a_worker_runs_it(
    api: Api, township_day: TownshipDay, redis_planner: redis.Redis
) -> None:
    body = {"township_id": township_day.township_id, "date": township_day.day.isoformat()}
    created = api.post("/api/v1/plans", "ts-a", json=body)
    assert created.status_code == 201, created.json
    assert (created.json["status"], created.json["progress"]) == ("queued", "queued")
    plan_id = created.json["id"]
    assert Queue("planning", connection=redis_planner).job_ids == [f"plan-{plan_id}"]
    waiting = api.get(f"/api/v1/plans/{plan_id}", "ts-a").json
    assert (waiting["plan"]["progress"], waiting["routes"], waiting["dropped"]) == (
        "queued",
        [],
        [],
    )
    busy = api.post("/api/v1/plans", "ts-a", json=body)
    assert busy.status_code == 409 and busy.json["code"] == "plan_in_progress"
    _work_off(redis_planner)
    detail = api.get(f"/api/v1/plans/{plan_id}", "ts-a").json
    assert (detail["plan"]["status"], detail["plan"]["feasible"]) == ("done", True)
    assert detail["plan"]["visit_count"] >= 15


def test_a_city_day_enqueues_one_job_per_township(
    api: Api, township_day: TownshipDay, redis_planner: redis.Redis
) -> None:
    response = api.post(
        "/api/v1/plans/city", "city-admin", json={"date": township_day.day.isoformat()}
    )
    assert response.status_code == 202, response.json
    plans = [township["plan"] for township in response.json["townships"]]
    assert sorted(p["township_id"] for p in plans) == sorted(
        t.id for t in api.world.townships.values()
    )
    queued = Queue("planning", connection=redis_planner).job_ids
    assert sorted(queued) == sorted(f"plan-{p['id']}" for p in plans)
    _work_off(redis_planner)
    assert {Plan.get_by_id(p["id"]).status for p in plans} == {"done"}
    assert (
        api.post(
            "/api/v1/plans/city", "ts-a", json={"date": township_day.day.isoformat()}
        ).status_code
        == 403
    )


def test_a_plan_requested_while_redis_is_unreachable_waits_and_runs_once_it_is_back(
    api: Api, township_day: TownshipDay, redis_planner: redis.Redis
) -> None:
    queued = runtime.settings()
    down = replace(queued, redis_url="redis://127.0.0.1:1/0")  # nothing listens on port 1
    notifications.install(down)
    try:
        created = api.post(
            "/api/v1/plans",
            "ts-a",
            json={"township_id": township_day.township_id, "date": township_day.day.isoformat()},
        )
    finally:
        notifications.install(queued)  # Redis is back
    assert created.status_code == 201
    assert (created.json["status"], created.json["error"]) == ("queued", None)
    [event] = OutboxEvent.select().where(OutboxEvent.topic == "plan.requested")
    assert event.status == "pending"
    assert relay.current_relay().sweep() >= 1  # the periodic sweep, once Redis answers again
    assert Queue("planning", connection=redis_planner).job_ids == [f"plan-{created.json['id']}"]
    _work_off(redis_planner)
    assert Plan.get_by_id(created.json["id"]).status == "done"
    assert OutboxEvent.get_by_id(event.id).status == "done"


def test_progress_is_visible_while_the_solver_runs(
    api: Api, township_day: TownshipDay, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen: list[tuple[str, str]] = []
    solve = scheduler.solve

    def watched(problem: scheduler.Problem, **kwargs: Any) -> scheduler.Plan:
        plan = Plan.get(Plan.township == township_day.township_id)
        seen.append((plan.status, plan.progress))
        return solve(problem, **kwargs)

    monkeypatch.setattr(scheduler, "solve", watched)
    created = api.post(
        "/api/v1/plans",
        "ts-a",
        json={"township_id": township_day.township_id, "date": township_day.day.isoformat()},
    )
    # The answer is the plan as committed; without Redis its job ran right after the commit.
    done = api.get(f"/api/v1/plans/{created.json['id']}", "ts-a").json["plan"]
    assert seen == [("running", "solving")]
    assert (done["status"], done["progress"]) == ("done", "done")


def test_ten_staff_planning_the_same_day_at_once_get_one_plan_and_nine_409s(
    app: Flask, api: Api, township_day: TownshipDay, redis_planner: redis.Redis
) -> None:
    from tests.visits.test_capacity_races import race

    body = {"township_id": township_day.township_id, "date": township_day.day.isoformat()}
    token = api.token("ts-a")
    statuses = race(app, [("/api/v1/plans", token, body)] * 10)
    assert statuses == Counter({201: 1, 409: 9})
    assert Plan.select().where(Plan.township == township_day.township_id).count() == 1
    assert len(Queue("planning", connection=redis_planner).job_ids) == 1
