"""Fixtures for home visits: working days ahead, and a booking waiting for a decision."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest

from backend import runtime
from backend.services import visit_rules
from backend.services.care_plans import local_today
from tests.conftest import Api


def working_day(after: int = 1) -> date:
    """The first Monday–Friday at least ``after`` days from today (city time)."""
    day = local_today() + timedelta(days=after)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


@pytest.fixture
def day1() -> date:
    """A working day soon."""
    return working_day(2)


@pytest.fixture
def day2(day1: date) -> date:
    """Another working day, after day1."""
    return working_day((day1 - local_today()).days + 1)


def booking_body(
    client_id: int, day: date, kind: str = "routine_visit", window: str = "morning"
) -> dict[str, Any]:
    """A booking request for one preferred date."""
    return {
        "client_id": client_id,
        "kind": kind,
        "reason": "老人独居，想请社工上门看看",
        "contact_name": "业主",
        "contact_phone": "13800001111",
        "preferred": [{"date": day.isoformat(), "window": window}],
    }


@pytest.fixture
def pending_booking(api: Api, day1: date) -> dict[str, Any]:
    """A routine-visit booking the resident made for client a1."""
    response = api.post(
        "/api/v1/bookings", "res-owner", json=booking_body(api.world.clients["a1"].id, day1)
    )
    assert response.status_code == 201, response.json
    return dict(response.json)


@dataclass
class VisitDay:
    """The day social workers check in on, as the visit rules see it."""

    day: date


@pytest.fixture
def visit_day(monkeypatch: pytest.MonkeyPatch) -> VisitDay:
    """Today, until the test sets the day it checks in on."""
    current = VisitDay(local_today())
    monkeypatch.setattr(visit_rules, "visit_day", lambda: current.day)
    return current


@pytest.fixture
def small_uploads() -> Iterator[int]:
    """Uploads limited to 2 KiB for the length of the test (small files stay in memory)."""
    settings = runtime.settings()
    runtime.configure(replace(settings, max_upload_bytes=2048))
    yield 2048
    runtime.configure(settings)
