"""A doorstep visit (上门办理) to an applicant who is not a client yet is planned like any booked
visit: at the applicant's village, shown with the applicant's name, checked in on its day."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from backend.models import Application, PlanStop
from tests.conftest import Api
from tests.factories import id_number
from tests.planning.conftest import TownshipDay, planned, worker_name

PROXY = {"authorised_by": "申请人本人", "authorised_at": "2026-03-01T02:00:00",
         "method": "in_person", "doorstep": True}


def _doorstep_booking(api: Api, day: date) -> tuple[int, int]:
    village = api.world.villages["a2"]
    filed = api.post("/api/v1/applications", "co-a2", json={
        "service_code": "home_care", "applicant_name": "王桂兰",
        "applicant_id_number": id_number(300), "village_id": village.id,
        "address": "A2村5组8号", "proxy": PROXY, "submit": True})
    assert filed.status_code == 201, filed.json
    booked = api.post("/api/v1/bookings", "co-a2", json={
        "application_id": filed.json["id"], "kind": "doorstep_service",
        "preferred": [{"date": day.isoformat(), "window": "afternoon"}]})
    assert booked.status_code == 201, booked.json
    decided = api.post(f"/api/v1/bookings/{booked.json['id']}/decision", "ts-a",
                       json={"decision": "approve"})
    assert decided.status_code == 200, decided.json
    return int(filed.json["id"]), int(booked.json["id"])


def _stops(detail: dict[str, Any]) -> list[dict[str, Any]]:
    return [stop for route in detail["routes"] for stop in route["stops"]]


def test_the_applicants_doorstep_visit_is_routed_to_their_village_and_closes_the_step(
    api: Api, township_day: TownshipDay, on_the_plan_day: date
) -> None:
    application_id, booking_id = _doorstep_booking(api, township_day.day)
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    [stop] = [s for s in _stops(detail) if s["visit_key"] == f"booking:{booking_id}"]
    village = api.world.villages["a2"]
    assert stop["client"] == {"id": None, "name": "王桂兰", "phone": None, "categories": []}
    assert stop["address"] == "A2村5组8号" and stop["priority"] == "urgent"
    assert (stop["lat"], stop["lng"]) == pytest.approx((village.lat, village.lng), abs=1e-5)
    assert PlanStop.get(PlanStop.visit_key == f"booking:{booking_id}").client_id is None

    who = worker_name(api, stop["worker_id"])
    route = api.get(f"/api/v1/me/route?date={township_day.day.isoformat()}", who).json
    assert "王桂兰" in [s["client"]["name"] for s in route["stops"]]
    visit = api.post("/api/v1/visits", who, json={"booking_id": booking_id})
    assert visit.status_code == 201, visit.json
    api.post(f"/api/v1/visits/{visit.json['id']}/check-out", who, json={"services": ["other"]})
    assert Application.get_by_id(application_id).doorstep_status == "done"

    # Re-planning keeps the finished doorstep stop where it was.
    again = planned(api, "ts-a", township_day.township_id, township_day.day)
    [kept] = [s for s in _stops(again) if s["visit_key"] == f"booking:{booking_id}"]
    assert kept["fixed"] == "finished" and kept["client"]["name"] == "王桂兰"
