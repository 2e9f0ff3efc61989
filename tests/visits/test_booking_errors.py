"""Every booking route's error cases answer a documented 4xx in the one envelope."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest
from flask import Flask

from backend.models import VisitCapacity, WorkerDayOff
from backend.services.care_plans import local_today
from tests.conftest import Api
from tests.visits.conftest import booking_body


def _documented(app: Flask, path: str, method: str) -> set[int]:
    spec = app.test_client().get("/api/openapi.json").json
    return {int(status) for status in spec["paths"][path][method]["responses"]}


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"kind": "house_cleaning"}, 422),
        ({"preferred": []}, 422),
        ({"client_id": "1"}, 422),
        ({"surprise": True}, 422),
        ({"client_id": 999_999}, 404),
    ],
)
def test_bad_booking_requests_are_refused(
    api: Api, day1: date, change: dict[str, Any], code: int
) -> None:
    body = {**booking_body(api.world.clients["a1"].id, day1), **change}
    response = api.post("/api/v1/bookings", "res-owner", json=body)
    assert response.status_code == code, response.json
    assert set(response.json) == {"code", "status", "message", "errors"}


def test_dates_must_lie_ahead_and_windows_must_make_sense(api: Api, day1: date) -> None:
    client_id = api.world.clients["a1"].id
    for preferred in (
        {"date": local_today().isoformat(), "window": "morning"},
        {"date": (local_today() + timedelta(days=90)).isoformat(), "window": "morning"},
        {"date": day1.isoformat()},
        {"date": day1.isoformat(), "start": "15:00", "end": "14:00"},
    ):
        response = api.post(
            "/api/v1/bookings",
            "res-owner",
            json={"client_id": client_id, "kind": "routine_visit", "preferred": [preferred]},
        )
        assert response.status_code == 422, (preferred, response.json)
    custom = api.post(
        "/api/v1/bookings",
        "res-owner",
        json={
            "client_id": client_id,
            "kind": "routine_visit",
            "preferred": [{"date": day1.isoformat(), "start": "14:00", "end": "15:00"}],
        },
    )
    assert custom.status_code == 201
    assert custom.json["preferred"][0]["window"] == "afternoon"


def test_only_linked_residents_and_village_coordinators_may_book(api: Api, day1: date) -> None:
    body = booking_body(api.world.clients["a1"].id, day1)
    assert api.post("/api/v1/bookings", "res-other", json=body).status_code == 404
    assert api.post("/api/v1/bookings", "ts-a", json=body).status_code == 403
    assert api.post("/api/v1/bookings", json=body).status_code == 401


def test_condolence_visits_are_only_for_special_care_clients(api: Api, day1: date) -> None:
    response = api.post(
        "/api/v1/bookings",
        "res-owner",
        json=booking_body(api.world.clients["a1"].id, day1, "condolence_visit"),
    )
    assert response.status_code == 422
    assert response.json["code"] == "condolence_needs_special_care"


def test_decisions_are_for_township_staff_in_scope(
    api: Api, pending_booking: dict[str, Any]
) -> None:
    path = f"/api/v1/bookings/{pending_booking['id']}/decision"
    assert api.post(path, "res-owner", json={"decision": "approve"}).status_code == 403
    assert api.post(path, "ts-b", json={"decision": "approve"}).status_code == 404
    assert api.post(path, "ts-a", json={"decision": "maybe"}).status_code == 422
    past = api.post(
        path,
        "ts-a",
        json={"decision": "propose", "date": local_today().isoformat(), "window": "morning"},
    )
    assert past.status_code == 422
    assert (
        api.post(
            "/api/v1/bookings/999999/decision", "ts-a", json={"decision": "approve"}
        ).status_code
        == 404
    )


def test_a_full_day_refuses_approval_with_409(
    api: Api, pending_booking: dict[str, Any], day1: date
) -> None:
    VisitCapacity.create(
        township=api.world.townships["a"], day=day1, window="morning", capacity=2, used=2
    )
    response = api.post(
        f"/api/v1/bookings/{pending_booking['id']}/decision", "ts-a", json={"decision": "approve"}
    )
    assert response.status_code == 409 and response.json["code"] == "capacity_full"
    assert api.get(f"/api/v1/bookings/{pending_booking['id']}", "ts-a").json["status"] == "pending"
    dates = api.get(
        f"/api/v1/townships/{api.world.townships['a'].id}/available-dates", "res-owner"
    ).json
    [entry] = [d for d in dates if d["date"] == day1.isoformat()]
    assert [w["window"] for w in entry["windows"]] == ["afternoon"]


def test_available_dates_errors(api: Api) -> None:
    assert api.get("/api/v1/townships/999999/available-dates", "res-owner").status_code == 404
    township = api.world.townships["a"].id
    assert (
        api.get(
            f"/api/v1/townships/{township}/available-dates",
            "res-owner",
            query_string={"kind": "nap"},
        ).status_code
        == 422
    )
    assert (
        api.get(
            f"/api/v1/townships/{township}/available-dates", "res-owner", query_string={"days": 99}
        ).status_code
        == 422
    )
    assert api.get(f"/api/v1/townships/{township}/available-dates").status_code == 401


def test_counselling_is_only_offered_when_a_certified_worker_is_on_duty(api: Api) -> None:
    township = api.world.townships["a"].id
    dates = api.get(
        f"/api/v1/townships/{township}/available-dates",
        "res-owner",
        query_string={"kind": "counselling"},
    ).json
    first = date.fromisoformat(dates[0]["date"])
    WorkerDayOff.create(worker=api.world.staff["sw-a1"], day=first, reason="培训")
    again = api.get(
        f"/api/v1/townships/{township}/available-dates",
        "res-owner",
        query_string={"kind": "counselling"},
    ).json
    assert first.isoformat() not in [d["date"] for d in again]


def test_proposal_answers_and_cancels_refuse_strangers(
    api: Api, pending_booking: dict[str, Any]
) -> None:
    base = f"/api/v1/bookings/{pending_booking['id']}"
    assert (
        api.post(f"{base}/proposal-response", "res-owner", json={"accept": True}).status_code == 409
    )
    assert (
        api.post(f"{base}/proposal-response", "res-other", json={"accept": True}).status_code == 404
    )
    assert api.post(f"{base}/proposal-response", "res-owner", json={}).status_code == 422
    assert api.post(f"{base}/cancel", "ts-a", json={}).status_code == 403
    assert api.post(f"{base}/cancel", "co-a2", json={}).status_code == 404


@pytest.mark.parametrize(
    ("path", "method", "statuses"),
    [
        ("/api/v1/bookings", "post", {401, 403, 404, 409, 422}),
        ("/api/v1/bookings/{booking_id}/decision", "post", {401, 403, 404, 409, 422}),
        ("/api/v1/bookings/{booking_id}/proposal-response", "post", {401, 403, 404, 409, 422}),
        ("/api/v1/bookings/{booking_id}/cancel", "post", {401, 403, 404, 409, 422}),
        ("/api/v1/townships/{township_id}/available-dates", "get", {401, 403, 404, 422}),
        ("/api/v1/visits", "post", {401, 403, 404, 409, 422}),
        ("/api/v1/visits/{visit_id}/check-out", "post", {401, 403, 404, 409, 422}),
        ("/api/v1/clients/{client_id}/case-file", "get", {401, 403, 404}),
    ],
)
def test_error_statuses_are_documented(
    app: Flask, path: str, method: str, statuses: set[int]
) -> None:
    assert statuses <= _documented(app, path, method)


def test_a_day_off_takes_the_workers_places_away(
    api: Api, pending_booking: dict[str, Any], day1: date
) -> None:
    api.post(
        f"/api/v1/bookings/{pending_booking['id']}/decision", "ts-a", json={"decision": "approve"}
    )
    worker = api.world.staff["sw-a2"].id
    path = f"/api/v1/social-workers/{worker}/days-off"
    added = api.post(path, "ts-a", json={"day": day1.isoformat(), "reason": "培训"})
    assert added.status_code == 201, added.json
    row = VisitCapacity.get(VisitCapacity.day == day1, VisitCapacity.window == "morning")
    assert (row.capacity, row.used) == (3, 1)
    assert api.post(path, "ts-a", json={"day": day1.isoformat()}).status_code == 409
    assert api.post(path, "ts-b", json={"day": day1.isoformat()}).status_code == 404
    assert api.post(path, "sw-a2", json={"day": day1.isoformat()}).status_code == 403
    not_a_worker = f"/api/v1/social-workers/{api.world.staff['co-a1'].id}/days-off"
    assert api.post(not_a_worker, "ts-a", json={"day": day1.isoformat()}).status_code == 404


def test_shifts_set_the_hours_a_day_offers(api: Api) -> None:
    township = api.world.townships["a"].id
    for who in ("sw-a1", "sw-a2"):
        for weekday in range(5):
            response = api.call(
                "PUT",
                f"/api/v1/social-workers/{api.world.staff[who].id}/shifts/{weekday}",
                "ts-a",
                json={"start": "09:00", "end": "12:30", "lunch_start": None, "lunch_end": None},
            )
            assert response.status_code == 200, response.json
    dates = api.get(f"/api/v1/townships/{township}/available-dates", "res-owner").json
    # Mornings only now: 09:00–12:00 gives each worker two 70-minute places, afternoons none.
    assert {(w["window"], w["capacity"]) for d in dates for w in d["windows"]} == {("morning", 4)}
    path = f"/api/v1/social-workers/{api.world.staff['sw-a1'].id}/shifts"
    bad = api.call("PUT", f"{path}/1", "ts-a", json={"start": "17:00", "end": "09:00"})
    assert bad.status_code == 422
    assert (
        api.call("PUT", f"{path}/9", "ts-a", json={"start": "08:00", "end": "09:00"}).status_code
        == 422
    )
