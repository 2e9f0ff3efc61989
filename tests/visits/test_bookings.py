"""Booking a home visit, the township's decision, proposals, cancelling, and who sees what."""

from __future__ import annotations

from datetime import date
from typing import Any

from backend.models import VisitCapacity
from backend.permissions import SYSTEM
from backend.services.visits import list_visit_candidates
from tests.conftest import Api
from tests.visits.conftest import booking_body


def test_resident_books_staff_propose_resident_accepts_and_the_visit_becomes_a_candidate(
    api: Api, pending_booking: dict[str, Any], day2: date
) -> None:
    assert pending_booking["status"] == "pending"
    assert pending_booking["contact_phone"] == "138****1111"
    proposal = api.post(
        f"/api/v1/bookings/{pending_booking['id']}/decision",
        "ts-a",
        json={
            "decision": "propose",
            "date": day2.isoformat(),
            "window": "afternoon",
            "reason": "上午社工外出培训",
        },
    )
    assert proposal.status_code == 200, proposal.json
    assert proposal.json["status"] == "proposed"
    accepted = api.post(
        f"/api/v1/bookings/{pending_booking['id']}/proposal-response",
        "res-owner",
        json={"accept": True},
    )
    assert accepted.status_code == 200, accepted.json
    assert accepted.json["status"] == "approved"
    assert accepted.json["scheduled_date"] == day2.isoformat()
    candidates = list_visit_candidates(api.world.townships["a"].id, day2, actor=SYSTEM)
    [candidate] = [c for c in candidates if c.source == "booking"]
    assert candidate.source_id == pending_booking["id"]
    assert candidate.priority == "urgent"
    assert candidate.windows == ((13 * 3600 + 1800, 17 * 3600 + 1800),)
    assert candidate.duration_s == 30 * 60
    assert candidate.lat == api.world.clients["a1"].lat


def test_a_resident_sees_the_booking_and_staff_of_another_township_do_not(
    api: Api, pending_booking: dict[str, Any]
) -> None:
    path = f"/api/v1/bookings/{pending_booking['id']}"
    assert api.get(path, "res-owner").status_code == 200
    assert api.get(path, "ts-a").status_code == 200
    assert api.get(path, "co-a1").status_code == 200
    assert api.get(path, "res-other").status_code == 404
    assert api.get(path, "ts-b").status_code == 404
    assert api.get(path, "co-a2").status_code == 404
    assert api.get("/api/v1/bookings", "res-other").json == []
    assert [b["id"] for b in api.get("/api/v1/bookings", "res-owner").json] == [
        pending_booking["id"]
    ]


def test_a_second_active_booking_of_the_same_kind_is_refused(
    api: Api, pending_booking: dict[str, Any], day1: date
) -> None:
    again = api.post(
        "/api/v1/bookings", "res-owner", json=booking_body(api.world.clients["a1"].id, day1)
    )
    assert again.status_code == 409 and again.json["code"] == "booking_active"
    other_kind = api.post(
        "/api/v1/bookings",
        "res-owner",
        json=booking_body(api.world.clients["a1"].id, day1, "counselling"),
    )
    assert other_kind.status_code == 201


def test_a_cancelled_booking_frees_the_kind_and_the_place(
    api: Api, pending_booking: dict[str, Any], day1: date
) -> None:
    approved = api.post(
        f"/api/v1/bookings/{pending_booking['id']}/decision", "ts-a", json={"decision": "approve"}
    )
    assert approved.status_code == 200 and approved.json["scheduled_date"] == day1.isoformat()
    township = api.world.townships["a"].id
    before = _free(api, township, day1, "morning")
    cancelled = api.post(
        f"/api/v1/bookings/{pending_booking['id']}/cancel",
        "res-owner",
        json={"reason": "孩子回来了"},
    )
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert _free(api, township, day1, "morning") == before + 1
    assert (
        api.post(
            f"/api/v1/bookings/{pending_booking['id']}/cancel", "res-owner", json={}
        ).status_code
        == 409
    )
    rebooked = api.post(
        "/api/v1/bookings", "res-owner", json=booking_body(api.world.clients["a1"].id, day1)
    )
    assert rebooked.status_code == 201


def _free(api: Api, township_id: int, day: date, window: str) -> int:
    response = api.get(f"/api/v1/townships/{township_id}/available-dates", "res-owner")
    assert response.status_code == 200, response.json
    for item in response.json:
        if item["date"] == day.isoformat():
            return sum(w["free"] for w in item["windows"] if w["window"] == window)
    return 0


def test_available_dates_come_from_shifts_and_skip_weekends(api: Api) -> None:
    response = api.get(
        f"/api/v1/townships/{api.world.townships['a'].id}/available-dates",
        "res-owner",
        query_string={"days": 14},
    )
    assert response.status_code == 200
    days = [date.fromisoformat(item["date"]) for item in response.json]
    assert days and all(day.weekday() < 5 for day in days)
    # Two social workers, three 70-minute places each per half day.
    assert {w["capacity"] for item in response.json for w in item["windows"]} == {6}


def test_rejecting_needs_a_reason_and_ends_the_booking(
    api: Api, pending_booking: dict[str, Any]
) -> None:
    path = f"/api/v1/bookings/{pending_booking['id']}/decision"
    no_reason = api.post(path, "ts-a", json={"decision": "reject"})
    assert no_reason.status_code == 422 and no_reason.json["code"] == "reason_required"
    rejected = api.post(path, "ts-a", json={"decision": "reject", "reason": "不属于服务对象范围"})
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    assert api.post(path, "ts-a", json={"decision": "approve"}).status_code == 409


def test_declining_a_proposal_ends_the_booking(
    api: Api, pending_booking: dict[str, Any], day2: date
) -> None:
    api.post(
        f"/api/v1/bookings/{pending_booking['id']}/decision",
        "ts-a",
        json={"decision": "propose", "date": day2.isoformat(), "window": "morning"},
    )
    declined = api.post(
        f"/api/v1/bookings/{pending_booking['id']}/proposal-response",
        "res-owner",
        json={"accept": False},
    )
    assert declined.status_code == 200 and declined.json["status"] == "cancelled"
    again = api.post(
        f"/api/v1/bookings/{pending_booking['id']}/proposal-response",
        "res-owner",
        json={"accept": True},
    )
    assert again.status_code == 409 and again.json["code"] == "no_proposal"


def test_a_coordinator_books_for_a_client_of_their_village_only(api: Api, day1: date) -> None:
    own = api.post(
        "/api/v1/bookings",
        "co-a1",
        json=booking_body(api.world.clients["a1"].id, day1, "doorstep_service"),
    )
    assert own.status_code == 201
    other = api.post(
        "/api/v1/bookings", "co-a1", json=booking_body(api.world.clients["a2"].id, day1)
    )
    assert other.status_code == 404


def test_booking_requests_with_a_retry_key_create_one_booking(api: Api, day1: date) -> None:
    body = booking_body(api.world.clients["a1"].id, day1)
    headers = {"Idempotency-Key": "booking-1"}
    first = api.post("/api/v1/bookings", "res-owner", json=body, headers=headers)
    second = api.post("/api/v1/bookings", "res-owner", json=body, headers=headers)
    assert first.status_code == second.status_code == 201
    assert first.json["id"] == second.json["id"]
    assert second.headers["Idempotent-Replayed"] == "true"


def test_approving_without_a_date_takes_the_first_preference_with_a_place(
    api: Api, day1: date, day2: date
) -> None:
    VisitCapacity.create(
        township=api.world.townships["a"], day=day1, window="morning", capacity=1, used=1
    )
    body = {
        **booking_body(api.world.clients["a1"].id, day1),
        "preferred": [
            {"date": day1.isoformat(), "window": "morning"},
            {"date": day2.isoformat(), "start": "14:00", "end": "15:00"},
        ],
    }
    booking = api.post("/api/v1/bookings", "res-owner", json=body).json
    approved = api.post(
        f"/api/v1/bookings/{booking['id']}/decision", "ts-a", json={"decision": "approve"}
    )
    assert approved.status_code == 200, approved.json
    assert (
        approved.json["scheduled_date"],
        approved.json["scheduled_window"],
        approved.json["scheduled_start"],
    ) == (day2.isoformat(), "afternoon", "14:00:00")
    other = api.post(
        "/api/v1/bookings", "res-owner", json={**body, "kind": "emotional_support"}
    ).json
    propose = api.post(
        f"/api/v1/bookings/{other['id']}/decision", "ts-a", json={"decision": "propose"}
    )
    assert propose.status_code == 422 and propose.json["code"] == "date_required"
