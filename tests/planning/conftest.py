"""Fixtures for planning: a township day of two social workers and about twenty visits.

The solver gets a short budget on one process so the end-to-end tests stay quick; the Redis
fixture points the planner at a real Redis (database 14, flushed around each test).
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import pytest
import redis
from flask import Flask

import notifications
from backend import runtime
from backend.commands.clients import CategoryEntry, RegisterClient
from backend.models import CareVisit, Client
from backend.permissions import SYSTEM
from backend.services import clients, visit_rules
from backend.services.care_plans import local_today
from backend.services.planning.placed import iso_week
from tests.conftest import Api, redis_test_url, require_service
from tests.factories import id_number
from tests.visits.conftest import booking_body, working_day

CARE_VISITS = 18


@pytest.fixture(autouse=True)
def quick_planner(app: Flask) -> Iterator[None]:
    """One solver process and a one-second budget: enough for twenty visits."""
    before = runtime.settings()
    runtime.configure(
        replace(before, planning_processes=1,
                extra={**before.extra, "planning_time_limit": 1.0})
    )
    yield
    runtime.configure(before)


@pytest.fixture
def plan_day() -> date:
    """A working day soon, so nothing is clipped to "now"."""
    return working_day(2)


@dataclass
class TownshipDay:
    """Township A's day: its candidates' keys and the approved bookings among them."""

    township_id: int
    day: date
    care_keys: list[str] = field(default_factory=list)
    booking_ids: list[int] = field(default_factory=list)

    @property
    def keys(self) -> set[str]:
        """Every candidate's key."""
        return {*self.care_keys, *(f"booking:{b}" for b in self.booking_ids)}


def approve_booking(api: Api, who: str, client_id: int, day: date, window: str) -> int:
    """Book and approve a visit for ``day`` through the API; answer its id."""
    booked = api.post("/api/v1/bookings", who, json=booking_body(client_id, day, window=window))
    assert booked.status_code == 201, booked.json
    decided = api.post(
        f"/api/v1/bookings/{booked.json['id']}/decision", "ts-a", json={"decision": "approve"}
    )
    assert decided.status_code == 200, decided.json
    return int(booked.json["id"])


def _care_visit(client: Client, township_id: int, day: date, n: int) -> CareVisit:
    # Overdue, due and optional visits; a few need the counsellor or a woman (sw-a1).
    due = day + timedelta(days=(-9, 0, 0, 3)[n % 4])
    skills = [["counselling"], ["female"], [], [], [], []][n % 6]
    return CareVisit.create(
        client=client,
        area_code=client.area_code,
        township=township_id,
        rule="left_behind_elder",
        kind="routine_visit",
        due_date=due,
        earliest_date=due - timedelta(days=3),
        latest_date=due + timedelta(days=5),
        duration_minutes=30,
        required_skills=skills,
    )


@pytest.fixture
def township_day(api: Api, plan_day: date) -> TownshipDay:
    """Township A with eighteen care visits around the office and one approved booking."""
    world = api.world
    township = world.townships["a"]
    rng = random.Random(5)
    result = TownshipDay(township_id=township.id, day=plan_day)
    for n in range(CARE_VISITS):
        village = world.villages[f"a{n % 2 + 1}"]
        client = clients.create_client(
            RegisterClient(
                name=f"探访对象{n}",
                id_number=id_number(100 + n),
                village_id=village.id,
                address=f"{village.name}{n}号",
                phone=f"1390000{n:04d}",
                lat=township.lat + rng.uniform(-0.015, 0.015),
                lng=township.lng + rng.uniform(-0.02, 0.02),
                categories=(CategoryEntry("left_behind_elder"),),
            ),
            actor=SYSTEM,
        )
        result.care_keys.append(f"care:{_care_visit(client, township.id, plan_day, n).id}")
    result.booking_ids.append(
        approve_booking(api, "res-owner", world.clients["a1"].id, plan_day, "morning")
    )
    return result


@pytest.fixture
def on_the_plan_day(monkeypatch: pytest.MonkeyPatch, township_day: TownshipDay) -> date:
    """The planned day has come: social workers check in on it."""
    monkeypatch.setattr(visit_rules, "visit_day", lambda: township_day.day)
    return township_day.day


def worker_name(api: Api, worker_id: int) -> str:
    """The username of a staff member of the small city."""
    return next(name for name, staff in api.world.staff.items() if staff.id == worker_id)


def planned(api: Api, who: str, township_id: int, day: date) -> dict[str, Any]:
    """Plan a day through the API (inline: done on return) and read the plan."""
    created = api.post(
        "/api/v1/plans", who, json={"township_id": township_id, "date": day.isoformat()}
    )
    assert created.status_code == 201, created.json
    detail = api.get(f"/api/v1/plans/{created.json['id']}", who)
    assert detail.status_code == 200, detail.json
    return dict(detail.json)


@pytest.fixture
def redis_planner() -> Iterator[redis.Redis]:
    """The planner on a real Redis: jobs go to the planning queue instead of running inline."""
    connection = redis.Redis.from_url(redis_test_url(1))
    try:
        connection.ping()
    except redis.exceptions.ConnectionError as exc:
        require_service("Redis", str(exc))
    connection.flushdb()
    before = runtime.settings()
    queued = replace(before, redis_url=redis_test_url(1))
    runtime.configure(queued)
    notifications.install(queued)
    yield connection
    runtime.configure(before)
    notifications.install(before)
    connection.flushdb()
    connection.close()


# The week's plan (issue 25): township A's next week.


@pytest.fixture
def quick_days(app: Flask) -> Iterator[None]:
    """Each day the week changes is routed inline: a short budget keeps five of them quick."""
    before = runtime.settings()
    runtime.configure(replace(before, planning_processes=1,
                              extra={**before.extra, "planning_time_limit": 0.1,
                                     "week_planning_time_limit": 0.5}))
    yield
    runtime.configure(before)


def next_monday() -> date:
    """The Monday of next week: every day of it lies ahead."""
    today = local_today()
    return today + timedelta(days=7 - today.weekday())


@dataclass
class Week:
    """Township A's next week: care visits with wide and narrow windows, one booking."""

    township_id: int
    week: str
    monday: date
    wide: list[str]  # may go on any weekday (the window runs into the week after)
    narrow: list[str]  # must go on Monday or Tuesday
    booking: str

    def body(self) -> dict[str, Any]:
        """The request that plans this week."""
        return {"township_id": self.township_id, "week": self.week}


def client_in_a(api: Api, n: int, category: str = "left_behind_elder") -> Client:
    """A client of township A in the category (a left-behind child has a guardian)."""
    township, village = api.world.townships["a"], api.world.villages[f"a{n % 2 + 1}"]
    guardian = {"guardian_name": "王奶奶"} if category == "left_behind_child" else {}
    return clients.create_client(RegisterClient(
        name=f"周安排对象{n}", id_number=id_number(200 + n), village_id=village.id,
        address=f"{village.name}{n}号", lat=township.lat + 0.003 * (n % 5 - 2),
        lng=township.lng + 0.004 * (n % 3 - 1), categories=(CategoryEntry(category),),
        **guardian), actor=SYSTEM)


def care_visit(client: Client, earliest: date, latest: date) -> str:
    """A due care visit of the client with this window; answer its key."""
    visit = CareVisit.create(
        client=client, area_code=client.area_code, township=client.village.township_id,
        rule="left_behind_elder", kind="routine_visit", due_date=latest, earliest_date=earliest,
        latest_date=latest, duration_minutes=40, required_skills=[])
    return f"care:{visit.id}"


@pytest.fixture
def week(api: Api, quick_days: None) -> Week:
    """Eight care visits free over two weeks, two due by Tuesday, a booking on Monday."""
    monday = next_monday()
    wide = [care_visit(client_in_a(api, n), monday, monday + timedelta(days=13)) for n in range(8)]
    narrow = [care_visit(client_in_a(api, n), monday, monday + timedelta(days=1))
              for n in range(8, 10)]
    booking = approve_booking(api, "res-owner", api.world.clients["a1"].id, monday, "morning")
    return Week(api.world.townships["a"].id, iso_week(monday), monday, wide, narrow,
                f"booking:{booking}")
