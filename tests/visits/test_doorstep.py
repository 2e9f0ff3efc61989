"""Door-to-door (上门办理): a coordinator books a doorstep visit for an application, also when the
applicant is not a registered client yet, and the visit's record closes the doorstep step."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from backend.models import Application, Booking, Client, InboxMessage, Visit
from backend.services import visits
from backend.services.auth import actor_for
from tests.conftest import Api
from tests.factories import id_number
from tests.visits.conftest import VisitDay

PROXY = {"authorised_by": "申请人本人", "authorised_at": "2026-03-01T02:00:00",
         "method": "in_person", "doorstep": True}


def _filing(api: Api, n: int, **extra: Any) -> dict[str, Any]:
    return {"service_code": "temporary_relief", "applicant_name": f"上门申请人{n}",
            "applicant_id_number": id_number(200 + n), "phone": "13800002222",
            "village_id": api.world.villages["a1"].id, "address": f"A1村3组{n}号",
            "reason": "卧床不能到窗口", "submit": True, **extra}


@pytest.fixture
def applied(api: Api) -> dict[str, Any]:
    """An application the coordinator filed at the door for someone who is not a client."""
    filed = api.post("/api/v1/applications", "co-a1", json=_filing(api, 1, proxy=PROXY))
    assert filed.status_code == 201, filed.json
    assert filed.json["client_id"] is None
    return dict(filed.json)


def _book(api: Api, who: str, day: date, **target: Any) -> Any:
    return api.post("/api/v1/bookings", who, json={
        "kind": "doorstep_service", "reason": "上门核实情况、收取签字材料",
        "preferred": [{"date": day.isoformat(), "window": "morning"}], **target})


def _approve(api: Api, booking_id: int) -> dict[str, Any]:
    answer = api.post(f"/api/v1/bookings/{booking_id}/decision", "ts-a",
                      json={"decision": "approve"})
    assert answer.status_code == 200, answer.json
    return dict(answer.json)


Timeline = Callable[[int], list[str]]


@pytest.fixture
def actions(api: Api) -> Timeline:
    """The action labels on an application's timeline, as staff read them."""
    def read(application_id: int) -> list[str]:
        steps = api.get(f"/api/v1/applications/{application_id}/timeline", "ts-a").json["steps"]
        return [step["action_label"] for step in steps]
    return read


def test_a_doorstep_visit_for_an_applicant_who_is_not_a_client_closes_the_doorstep_step(
    api: Api, applied: dict[str, Any], day1: date, visit_day: VisitDay, actions: Timeline
) -> None:
    booked = _book(api, "co-a1", day1, application_id=applied["id"])
    assert booked.status_code == 201, booked.json
    assert booked.json["client_id"] is None and booked.json["application_id"] == applied["id"]
    assert booked.json["person_name"] == "上门申请人1"
    application = api.get(f"/api/v1/applications/{applied['id']}", "co-a1").json
    assert application["doorstep_status"] == "booked"
    assert "预约上门办理" in actions(applied["id"])

    approved = _approve(api, booked.json["id"])
    assert approved["scheduled_date"] == day1.isoformat()
    # The planner routes it to the applicant's village, like any booked visit.
    planner = actor_for("staff", api.world.staff["ts-a"].id)
    [candidate] = [c for c in visits.list_visit_candidates(api.world.townships["a"].id, day1,
                                                           actor=planner)
                   if c.key == f"booking:{booked.json['id']}"]
    village = api.world.villages["a1"]
    assert candidate.client_id is None
    assert (candidate.lat, candidate.lng) == pytest.approx((village.lat, village.lng), abs=1e-5)
    assert candidate.priority == "urgent" and candidate.area_code == village.code

    visit_day.day = day1
    checked_in = api.post("/api/v1/visits", "sw-a1", json={
        "booking_id": booked.json["id"], "lat": village.lat + 0.001, "lng": village.lng})
    assert checked_in.status_code == 201, checked_in.json
    assert checked_in.json["client_id"] is None
    assert 105 <= checked_in.json["check_in_distance_m"] <= 117
    done = api.post(f"/api/v1/visits/{checked_in.json['id']}/check-out", "sw-a1",
                    json={"services": ["other"], "notes": "已收取签字的申请书和委托书"})
    assert done.status_code == 200, done.json

    closed = api.get(f"/api/v1/applications/{applied['id']}", "co-a1").json
    assert closed["doorstep_status"] == "done" and closed["doorstep_done_at"]
    assert actions(applied["id"])[-1] == "上门办理完成"
    assert Booking.get_by_id(booked.json["id"]).status == "done"
    assert Visit.get_by_id(checked_in.json["id"]).client_id is None
    assert Client.select().count() == 3  # nobody was registered as a client on the way


def test_a_missed_doorstep_visit_leaves_the_step_open_to_book_again(
    api: Api, applied: dict[str, Any], day1: date, day2: date, visit_day: VisitDay,
    actions: Timeline
) -> None:
    first = _approve(api, _book(api, "co-a1", day1, application_id=applied["id"]).json["id"])
    visit_day.day = day1
    visit = api.post("/api/v1/visits", "sw-a2", json={"booking_id": first["id"]}).json
    api.post(f"/api/v1/visits/{visit['id']}/missed", "sw-a2", json={"reason": "not_home"})
    assert Application.get_by_id(applied["id"]).doorstep_status == "missed"
    assert actions(applied["id"])[-1] == "上门未遇"
    again = _book(api, "co-a1", day2, application_id=applied["id"])
    assert again.status_code == 201, again.json
    assert Application.get_by_id(applied["id"]).doorstep_status == "booked"


def test_the_resident_who_filed_sees_the_doorstep_visit_and_hears_when_it_is_set(
    api: Api, day1: date
) -> None:
    filed = api.post("/api/v1/applications", "res-other", json=_filing(api, 2)).json
    booked = _book(api, "co-a1", day1, application_id=filed["id"]).json
    assert [b["id"] for b in api.get("/api/v1/bookings", "res-other").json] == [booked["id"]]
    assert api.get("/api/v1/bookings", "res-owner").json == []
    _approve(api, booked["id"])
    inbox = InboxMessage.select().where(
        InboxMessage.recipient_kind == "resident",
        InboxMessage.recipient_id == api.world.residents["res-other"].id,
        InboxMessage.topic == "booking.approved")
    assert [message.body for message in inbox] == [
        f"您为上门申请人2预约的上门办理已安排在{day1.year}年{day1.month}月{day1.day}日上午。"]


def test_a_doorstep_booking_for_an_application_of_a_client_names_the_client(
    api: Api, day1: date
) -> None:
    client = api.world.clients["a1"]
    filed = api.post("/api/v1/applications", "co-a1", json={
        **_filing(api, 3, proxy=PROXY), "applicant_id_number": id_number(1),
        "applicant_name": client.name})
    assert filed.status_code == 201 and filed.json["client_id"] == client.id
    booked = _book(api, "co-a1", day1, application_id=filed.json["id"])
    assert booked.status_code == 201 and booked.json["client_id"] == client.id


@pytest.mark.parametrize(
    ("who", "change", "status", "code"),
    [
        ("res-owner", {}, 403, "doorstep_by_coordinator"),
        ("co-a2", {}, 404, None),
        ("co-a1", {"kind": "routine_visit"}, 422, "doorstep_kind_required"),
        ("co-a1", {"client_id": 1}, 422, "booking_target_required"),
        ("co-a1", {"application_id": None}, 422, "booking_target_required"),
    ],
)
def test_a_doorstep_booking_is_a_coordinators_for_an_application_of_their_village(
    api: Api, applied: dict[str, Any], day1: date, who: str, change: dict[str, Any],
    status: int, code: str | None
) -> None:
    body = {"kind": "doorstep_service", "application_id": applied["id"],
            "preferred": [{"date": day1.isoformat(), "window": "morning"}], **change}
    answer = api.post("/api/v1/bookings", who, json=body)
    assert answer.status_code == status, answer.json
    assert code is None or answer.json["code"] == code


def test_one_doorstep_booking_at_a_time_and_none_after_the_decision(
    api: Api, applied: dict[str, Any], day1: date
) -> None:
    assert _book(api, "co-a1", day1, application_id=applied["id"]).status_code == 201
    twice = _book(api, "co-a1", day1, application_id=applied["id"])
    assert twice.status_code == 409 and twice.json["code"] == "booking_active"
    other = api.post("/api/v1/applications", "co-a1", json=_filing(api, 4, proxy=PROXY)).json
    for action in ("advance", "reject"):
        api.post(f"/api/v1/applications/{other['id']}/transitions", "ts-a",
                 json={"action": action, "comment": "不符合条件"})
    decided = _book(api, "co-a1", day1, application_id=other["id"])
    assert decided.status_code == 409 and decided.json["code"] == "already_decided"
