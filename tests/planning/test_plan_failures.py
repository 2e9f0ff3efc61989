"""Plans never hang: a planning job that dies marks its plan failed with the reason, the day
can be planned again at once, and the operators' retry really runs the plan again."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
import redis
from rq import Queue, SimpleWorker

import scheduler
from backend import tasks
from backend.config import PROJECT_ROOT
from backend.models import AuditEntry, OutboxEvent, Plan, utcnow
from fake_wechat import FakeWeChatServer
from notifications import periodic, relay
from notifications.worker import make_worker
from tests.conftest import Api, redis_test_url
from tests.notifications.test_worker_process import _worker_env
from tests.planning.conftest import TownshipDay

pytestmark = pytest.mark.redis


def _wait_for(condition: Callable[[], bool], seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _children(pid: int) -> list[int]:
    text = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    return [int(child) for child in text.split()]


def _plan_body(township_day: TownshipDay) -> dict[str, Any]:
    return {"township_id": township_day.township_id, "date": township_day.day.isoformat()}


def _failure(plan_id: int) -> AuditEntry:
    return AuditEntry.get((AuditEntry.entity == "plan") & (AuditEntry.entity_id == str(plan_id))
                          & (AuditEntry.action == "plan.failed"))


@pytest.fixture
def worker_process(
    tmp_path: Path, fake_wechat: FakeWeChatServer
) -> Iterator[Callable[..., subprocess.Popen[bytes]]]:
    """Start ``python -m notifications worker --burst`` on the planning queue (killed after)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(*options: str) -> subprocess.Popen[bytes]:
        process = subprocess.Popen(
            [sys.executable, "-m", "notifications", "worker", "--burst",
             "--queues", relay.PLANNING_QUEUE, *options],
            cwd=PROJECT_ROOT, env=_worker_env(redis_test_url(1), fake_wechat.base_url, tmp_path),
            start_new_session=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        started.append(process)
        return process

    yield start
    for process in started:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)


def test_a_work_horse_killed_mid_solve_fails_its_plan_and_the_day_is_planned_again_at_once(
    api: Api, township_day: TownshipDay, redis_planner: redis.Redis,
    worker_process: Callable[..., subprocess.Popen[bytes]],
) -> None:
    created = api.post("/api/v1/plans", "ts-a", json=_plan_body(township_day))
    plan_id = created.json["id"]
    worker = worker_process()  # RQ's forking worker: the job runs in a work horse
    assert _wait_for(lambda: Plan.get_by_id(plan_id).progress == "solving", 90), \
        "the worker never started solving"
    [horse] = _children(worker.pid)
    os.killpg(horse, signal.SIGKILL)  # the horse and the solver processes it started
    # The worker itself lives on, fails the job and ends (RQ may take a minute to let go of
    # its pub/sub thread).
    assert worker.wait(timeout=150) == 0

    plan = api.get(f"/api/v1/plans/{plan_id}", "ts-a").json["plan"]
    assert (plan["status"], plan["progress"]) == ("failed", "failed")
    assert "意外终止" in plan["error"]
    assert _failure(plan_id).reason == "work_horse_killed"
    [failed] = api.get("/api/v1/operations/failed-jobs", "city-admin").json
    assert failed["id"] == f"plan-{plan_id}" and "terminated unexpectedly" in failed["error"]
    [event] = OutboxEvent.select().where(OutboxEvent.topic == "plan.requested")
    assert event.status == "done"  # handled: its plan failed, nothing for the sweep to redo

    again = api.post("/api/v1/plans", "ts-a", json=_plan_body(township_day))
    assert again.status_code == 201, again.json
    assert again.json["version"] == 2
    retried = api.post(f"/api/v1/operations/failed-jobs/plan-{plan_id}/retry", "city-admin")
    assert retried.status_code == 409 and retried.json["code"] == "plan_superseded"
    worker_process().wait(timeout=150)
    assert Plan.get_by_id(again.json["id"]).status == "done"


def test_a_worker_lost_mid_solve_is_found_abandoned_and_the_admin_retry_runs_the_plan_again(
    api: Api, township_day: TownshipDay, redis_planner: redis.Redis,
    worker_process: Callable[..., subprocess.Popen[bytes]],
) -> None:
    plan_id = api.post("/api/v1/plans", "ts-a", json=_plan_body(township_day)).json["id"]
    worker = worker_process("--simple")  # the job runs in the worker process itself
    assert _wait_for(lambda: Plan.get_by_id(plan_id).progress == "solving", 90), \
        "the worker never started solving"
    os.killpg(worker.pid, signal.SIGKILL)  # the machine went away: nobody reports anything
    worker.wait(timeout=10)
    assert Plan.get_by_id(plan_id).status == "running"

    # What any live worker does once the dead one's heartbeat has lapsed.
    queue = Queue(relay.PLANNING_QUEUE, connection=redis_planner)
    queue.started_job_registry.cleanup(timestamp=time.time() + 3600)
    failed = api.get(f"/api/v1/plans/{plan_id}", "ts-a").json["plan"]
    assert failed["status"] == "failed" and "工作进程已停止" in failed["error"]
    assert _failure(plan_id).reason == "worker_lost"

    answer = api.post(f"/api/v1/operations/failed-jobs/plan-{plan_id}/retry", "city-admin")
    assert answer.status_code == 200, answer.json
    assert answer.json == {"id": f"plan-{plan_id}", "queue": "planning", "status": "queued"}
    waiting = api.get(f"/api/v1/plans/{plan_id}", "ts-a").json["plan"]
    assert (waiting["status"], waiting["error"], waiting["version"]) == ("queued", None, 1)
    assert queue.job_ids == [f"plan-{plan_id}"]
    assert AuditEntry.get(AuditEntry.action == "plan.retried").entity_id == str(plan_id)
    make_worker(SimpleWorker, [relay.PLANNING_QUEUE], redis_planner).work(burst=True)
    assert Plan.get_by_id(plan_id).status == "done"
    again = api.post(f"/api/v1/operations/failed-jobs/plan-{plan_id}/retry", "city-admin")
    assert again.status_code == 404


def test_a_plan_past_its_time_limit_fails_saying_so_and_is_planned_again_at_once(
    api: Api, township_day: TownshipDay, redis_planner: redis.Redis,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    route = relay.ROUTES["plan.requested"]
    monkeypatch.setitem(relay.ROUTES, "plan.requested", replace(route, timeout=1))
    solve = scheduler.solve

    def stuck(problem: scheduler.Problem, **kwargs: Any) -> scheduler.Plan:
        time.sleep(5)  # RQ's SIGALRM interrupts this after a second
        return solve(problem, **kwargs)

    monkeypatch.setattr(scheduler, "solve", stuck)
    plan_id = api.post("/api/v1/plans", "ts-a", json=_plan_body(township_day)).json["id"]
    make_worker(SimpleWorker, [relay.PLANNING_QUEUE], redis_planner).work(burst=True)
    failed = api.get(f"/api/v1/plans/{plan_id}", "ts-a").json["plan"]
    assert failed["status"] == "failed" and "超过时限" in failed["error"]
    assert _failure(plan_id).reason == "JobTimedOut"

    monkeypatch.setattr(scheduler, "solve", solve)
    again = api.post("/api/v1/plans", "ts-a", json=_plan_body(township_day))
    assert again.status_code == 201 and again.json["version"] == 2


def test_the_sweep_fails_plans_running_past_their_budget_and_leaves_live_ones(
    api: Api, township_day: TownshipDay,
) -> None:
    world = api.world
    now = utcnow()
    common = {"area_code": world.townships["a"].code, "day": township_day.day,
              "requested_by_kind": "system", "status": "running", "progress": "solving"}
    lost = Plan.create(township=world.townships["a"], version=1,
                       started_at=now - timedelta(minutes=14), **common)
    live = Plan.create(township=world.townships["b"], version=1,
                       started_at=now - timedelta(minutes=2),
                       **{**common, "area_code": world.townships["b"].code})

    assert periodic.run_task(tasks.fail_overrun_plans) == "done"

    assert Plan.get_by_id(live.id).status == "running"
    failed = api.get(f"/api/v1/plans/{lost.id}", "city-admin").json["plan"]
    assert failed["status"] == "failed" and "仍未完成" in failed["error"]
    assert _failure(lost.id).reason == "overrun"
    again = api.post("/api/v1/plans", "ts-a", json=_plan_body(township_day))
    assert again.status_code == 201 and again.json["version"] == 2
