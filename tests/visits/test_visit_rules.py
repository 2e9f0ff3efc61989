"""Visit rules: check in on the planned day (give or take the configured days), one visit under
way at a time per booking or care visit, photos only while checked in."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from backend import runtime
from backend.config import ConfigurationError, load_settings
from backend.models import CareVisit, Plan, PlanStop
from backend.services.care_plans import local_today
from tests.conftest import Api
from tests.visits.conftest import VisitDay

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


@pytest.fixture
def booked(api: Api, pending_booking: dict[str, Any]) -> dict[str, Any]:
    """The resident's booking, approved for its first preferred date (not today)."""
    answer = api.post(f"/api/v1/bookings/{pending_booking['id']}/decision", "ts-a",
                      json={"decision": "approve"})
    assert answer.status_code == 200, answer.json
    return dict(answer.json)


@pytest.fixture
def tolerance() -> Iterator[Any]:
    """Set the check-in tolerance (days either side) for the length of the test."""
    before = runtime.settings()

    def set_days(days: int) -> None:
        runtime.configure(replace(before, visit_checkin_tolerance_days=days))

    yield set_days
    runtime.configure(before)


def _care_visit(api: Api, earliest: date) -> CareVisit:
    client = api.world.clients["a1"]
    return CareVisit.create(client=client, area_code=client.area_code,
                            township=api.world.townships["a"], rule="left_behind_elder",
                            kind="routine_visit", due_date=earliest + timedelta(days=3),
                            earliest_date=earliest, latest_date=earliest + timedelta(days=8),
                            duration_minutes=30)


def _check_in(api: Api, who: str, **target: int) -> Any:
    return api.post("/api/v1/visits", who, json=target)


def test_a_booked_visit_is_checked_in_on_its_day_only(
    api: Api, booked: dict[str, Any], visit_day: VisitDay, tolerance: Any
) -> None:
    planned = date.fromisoformat(booked["scheduled_date"])
    assert planned > local_today()
    early = _check_in(api, "sw-a1", booking_id=booked["id"])
    assert early.status_code == 409 and early.json["code"] == "not_the_planned_day"
    assert booked["scheduled_date"] in early.json["message"]
    visit_day.day = planned + timedelta(days=1)
    assert _check_in(api, "sw-a1", booking_id=booked["id"]).status_code == 409
    tolerance(1)  # a city that allows a day either side
    visit_day.day = planned - timedelta(days=1)
    on_time = _check_in(api, "sw-a1", booking_id=booked["id"])
    assert on_time.status_code == 201, on_time.json
    again = _check_in(api, "sw-a2", booking_id=booked["id"])
    assert again.status_code == 409 and again.json["code"] == "visit_in_progress"


def test_a_due_care_visit_is_not_checked_in_twice_while_under_way(
    api: Api, visit_day: VisitDay
) -> None:
    care = _care_visit(api, earliest=visit_day.day - timedelta(days=1))
    first = _check_in(api, "sw-a1", care_visit_id=care.id)
    assert first.status_code == 201, first.json
    second = _check_in(api, "sw-a2", care_visit_id=care.id)
    assert second.status_code == 409 and second.json["code"] == "visit_in_progress"
    assert _check_in(api, "sw-a1", care_visit_id=care.id).status_code == 409
    # Nobody was home: the care visit stays due, and a later attempt may check in again.
    missed = api.post(f"/api/v1/visits/{first.json['id']}/missed", "sw-a1",
                      json={"reason": "not_home"})
    assert missed.status_code == 200
    retry = _check_in(api, "sw-a2", care_visit_id=care.id)
    assert retry.status_code == 201, retry.json
    api.post(f"/api/v1/visits/{retry.json['id']}/check-out", "sw-a2", json={"services": ["other"]})
    closed = _check_in(api, "sw-a1", care_visit_id=care.id)
    assert closed.status_code == 409 and closed.json["code"] == "care_visit_closed"


def test_an_unplanned_care_visit_waits_for_its_window_and_a_planned_one_for_its_day(
    api: Api, visit_day: VisitDay
) -> None:
    care = _care_visit(api, earliest=visit_day.day + timedelta(days=2))
    early = _check_in(api, "sw-a1", care_visit_id=care.id)
    assert early.status_code == 409 and early.json["code"] == "not_the_planned_day"

    plan_day = visit_day.day + timedelta(days=4)
    plan = Plan.create(township=api.world.townships["a"], area_code="410184001", day=plan_day,
                       version=1, status="done", requested_by_kind="system")
    PlanStop.create(plan=plan, worker=api.world.staff["sw-a1"], position=0,
                    visit_key=f"care:{care.id}", source="care_visit", source_id=care.id,
                    client=care.client_id, area_code=care.area_code, kind=care.kind,
                    priority="due", lat=34.41, lng=113.75, duration_s=1800)
    visit_day.day = plan_day - timedelta(days=1)  # inside its window, but not the planned day
    assert _check_in(api, "sw-a1", care_visit_id=care.id).json["code"] == "not_the_planned_day"
    visit_day.day = plan_day
    assert _check_in(api, "sw-a1", care_visit_id=care.id).status_code == 201


def test_photos_are_taken_only_while_checked_in(
    api: Api, booked: dict[str, Any], visit_day: VisitDay
) -> None:
    visit_day.day = date.fromisoformat(booked["scheduled_date"])
    visit = _check_in(api, "sw-a1", booking_id=booked["id"]).json
    path = f"/api/v1/visits/{visit['id']}/photos"
    upload = {"file": (io.BytesIO(PNG), "门口.png")}
    assert api.post(path, "sw-a1", data=upload, content_type="multipart/form-data"
                    ).status_code == 201
    api.post(f"/api/v1/visits/{visit['id']}/check-out", "sw-a1", json={"services": ["other"]})
    late = api.post(path, "sw-a1", data={"file": (io.BytesIO(PNG), "后补.png")},
                    content_type="multipart/form-data")
    assert late.status_code == 409 and late.json["code"] == "visit_not_in_progress"


def test_the_tolerance_is_configuration(tmp_path: Path) -> None:
    here = {"INSTANCE_PATH": str(tmp_path)}
    assert load_settings({**here, "VISIT_CHECKIN_TOLERANCE_DAYS": "2"}
                         ).visit_checkin_tolerance_days == 2
    assert load_settings(here).visit_checkin_tolerance_days == 0
    with pytest.raises(ConfigurationError, match="VISIT_CHECKIN_TOLERANCE_DAYS"):
        load_settings({**here, "VISIT_CHECKIN_TOLERANCE_DAYS": "-1"})
