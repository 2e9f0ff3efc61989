"""Re-planning the current day: what is left never starts in the past; jobs run once."""

from __future__ import annotations

import random

import pytest

from backend.commands.clients import CategoryEntry, RegisterClient
from backend.models import Plan, PlanStop
from backend.permissions import SYSTEM
from backend.services import clients, planning
from backend.services.care_plans import local_today
from backend.unit_of_work import unit_of_work
from tests.conftest import Api
from tests.factories import id_number
from tests.planning.conftest import _care_visit

ELEVEN = 11 * 3600


@pytest.fixture
def today_visits(api: Api) -> int:
    """Township A with ten care visits due today (a working day, else the test is moot)."""
    today = local_today()
    if today.weekday() >= 5:
        pytest.skip("social workers are off today (weekend)")
    township = api.world.townships["a"]
    rng = random.Random(7)
    for n in range(10):
        client = clients.create_client(
            RegisterClient(
                name=f"今日对象{n}",
                id_number=id_number(300 + n),
                village_id=api.world.villages["a1"].id,
                address=f"今日{n}号",
                lat=township.lat + rng.uniform(-0.01, 0.01),
                lng=township.lng + rng.uniform(-0.01, 0.01),
                categories=(CategoryEntry("left_behind_elder"),),
            ),
            actor=SYSTEM,
        )
        _care_visit(client, township.id, today, 2 + n % 2)  # due today: no skills needed
    return township.id


def test_re_planning_today_schedules_nothing_before_now(
    api: Api, today_visits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning.problem, "_now_seconds", lambda: ELEVEN)
    with unit_of_work(actor=SYSTEM):  # the plan's job runs after the commit
        requested = planning.request_plan(today_visits, local_today(), actor=SYSTEM)
    plan = Plan.get_by_id(requested.id)
    assert plan.status == "done" and plan.feasible
    starts = [
        s.start_s
        for s in PlanStop.select().where(PlanStop.plan == plan, PlanStop.worker.is_null(False))
    ]
    assert starts and min(starts) >= ELEVEN


def test_a_plan_job_that_runs_twice_does_its_work_once(
    api: Api, today_visits: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(planning.problem, "_now_seconds", lambda: ELEVEN)
    with unit_of_work(actor=SYSTEM):
        plan = planning.request_plan(today_visits, local_today(), actor=SYSTEM)
    stops = PlanStop.select().where(PlanStop.plan == plan).count()
    assert planning.run_plan(plan.id) == "skipped"
    assert PlanStop.select().where(PlanStop.plan == plan).count() == stops
    assert Plan.get_by_id(plan.id).status == "done"
