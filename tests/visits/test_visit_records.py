"""Social workers check in and out, record what they did, and it lands in the case file."""

from __future__ import annotations

import io
from datetime import date, timedelta
from typing import Any

import pytest

from backend.models import CareVisit, Client, ClientCategory
from backend.permissions import SYSTEM
from backend.services.care_plans import generate_due_care_visits, local_today
from backend.services.visits import haversine_m
from tests.conftest import Api
from tests.visits.conftest import VisitDay


@pytest.fixture
def approved_booking(
    api: Api, pending_booking: dict[str, Any], visit_day: VisitDay
) -> dict[str, Any]:
    """The resident's booking, approved for its first preferred date, and that day come."""
    response = api.post(
        f"/api/v1/bookings/{pending_booking['id']}/decision", "ts-a", json={"decision": "approve"}
    )
    assert response.status_code == 200, response.json
    visit_day.day = date.fromisoformat(response.json["scheduled_date"])
    return dict(response.json)


def test_a_visit_record_lands_in_the_case_file(api: Api, approved_booking: dict[str, Any]) -> None:
    client = api.world.clients["a1"]
    check_in = api.post(
        "/api/v1/visits",
        "sw-a1",
        json={"booking_id": approved_booking["id"], "lat": client.lat + 0.001, "lng": client.lng},
    )
    assert check_in.status_code == 201, check_in.json
    assert 105 <= check_in.json["check_in_distance_m"] <= 117  # 0.001° of latitude ≈ 111 m
    done = api.post(
        f"/api/v1/visits/{check_in.json['id']}/check-out",
        "sw-a1",
        json={
            "services": ["emotional_support", "support_network"],
            "notes": "老人身体尚可，联系了邻居帮忙买药",
            "follow_up_needed": True,
        },
    )
    assert done.status_code == 200, done.json
    assert done.json["status"] == "completed"
    assert (
        api.get(f"/api/v1/bookings/{approved_booking['id']}", "res-owner").json["status"] == "done"
    )
    case_file = api.get(f"/api/v1/clients/{client.id}/case-file", "ts-a")
    assert case_file.status_code == 200
    entries = case_file.json["entries"]
    assert [(e["type"], e["id"]) for e in entries] == [
        ("booking", approved_booking["id"]),
        ("visit", check_in.json["id"]),
    ]
    assert entries[1]["detail"]["services"] == ["emotional_support", "support_network"]
    assert entries[1]["detail"]["follow_up_needed"] is True
    assert Client.get_by_id(client.id).usual_worker_id == api.world.staff["sw-a1"].id
    assert api.get(f"/api/v1/clients/{client.id}/case-file", "ts-b").status_code == 404
    assert api.get(f"/api/v1/clients/{client.id}/case-file", "res-owner").status_code == 403


def test_a_completed_care_visit_closes_and_the_next_one_counts_from_it(api: Api) -> None:
    today = local_today()
    (
        ClientCategory.update(since=today - timedelta(days=12))
        .where(ClientCategory.client == api.world.clients["a1"])
        .execute()
    )
    generate_due_care_visits(today, actor=SYSTEM)
    [due] = api.get("/api/v1/care-visits", "sw-a2").json
    visit = api.post("/api/v1/visits", "sw-a2", json={"care_visit_id": due["id"]}).json
    api.post(f"/api/v1/visits/{visit['id']}/check-out", "sw-a2", json={"services": ["other"]})
    assert api.get("/api/v1/care-visits", "sw-a2").json == []
    a1_visits = CareVisit.select().where(CareVisit.client == api.world.clients["a1"])
    generate_due_care_visits(today + timedelta(days=10), actor=SYSTEM)
    assert a1_visits.count() == 1
    generate_due_care_visits(today + timedelta(days=11), actor=SYSTEM)
    assert a1_visits.count() == 2


def test_a_missed_visit_keeps_its_reason(api: Api, approved_booking: dict[str, Any]) -> None:
    visit = api.post("/api/v1/visits", "sw-a2", json={"booking_id": approved_booking["id"]})
    missed = api.post(
        f"/api/v1/visits/{visit.json['id']}/missed",
        "sw-a2",
        json={"reason": "not_home", "notes": "敲门无人应答"},
    )
    assert missed.status_code == 200 and missed.json["missed_reason"] == "not_home"
    assert (
        api.get(f"/api/v1/bookings/{approved_booking['id']}", "res-owner").json["status"]
        == "missed"
    )
    again = api.post(f"/api/v1/visits/{visit.json['id']}/check-out", "sw-a2", json={})
    assert again.status_code == 409 and again.json["code"] == "visit_closed"


def test_visit_record_errors_answer_documented_statuses(
    api: Api, approved_booking: dict[str, Any], pending_booking: dict[str, Any], day1: date
) -> None:
    other = api.post(
        "/api/v1/bookings",
        "res-owner",
        json={
            "client_id": api.world.clients["a1"].id,
            "kind": "counselling",
            "preferred": [{"date": day1.isoformat(), "window": "morning"}],
        },
    )
    assert (
        api.post("/api/v1/visits", "sw-a1", json={"booking_id": other.json["id"]}).status_code
        == 409
    )
    assert api.post("/api/v1/visits", "sw-a1", json={}).status_code == 422
    assert (
        api.post(
            "/api/v1/visits",
            "sw-a1",
            json={"booking_id": approved_booking["id"], "care_visit_id": 1},
        ).status_code
        == 422
    )
    assert (
        api.post("/api/v1/visits", "sw-b1", json={"booking_id": approved_booking["id"]}).status_code
        == 404
    )
    assert (
        api.post("/api/v1/visits", "ts-a", json={"booking_id": approved_booking["id"]}).status_code
        == 403
    )
    assert api.post("/api/v1/visits", json={"booking_id": 1}).status_code == 401
    visit = api.post("/api/v1/visits", "sw-a1", json={"booking_id": approved_booking["id"]})
    path = f"/api/v1/visits/{visit.json['id']}"
    assert api.post(f"{path}/check-out", "sw-a2", json={}).status_code == 404
    assert api.post(f"{path}/check-out", "sw-a1", json={"services": ["magic"]}).status_code == 422
    assert api.post(f"{path}/missed", "sw-a1", json={"reason": "asleep"}).status_code == 422
    assert api.get(path, "ts-a").status_code == 200
    assert api.get(path, "ts-b").status_code == 404
    assert api.get("/api/v1/visits", "sw-a1").json[0]["id"] == visit.json["id"]


def test_haversine_matches_a_known_distance() -> None:
    # Beijing Tiananmen to Zhengzhou railway station: about 622 km great-circle.
    assert abs(haversine_m(39.9087, 116.3975, 34.7466, 113.6583) - 622_000) < 5_000


def _png() -> bytes:
    return b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64


def test_a_worker_adds_photos_to_their_visit_within_the_limits(
    api: Api, approved_booking: dict[str, Any], small_uploads: int
) -> None:
    visit = api.post("/api/v1/visits", "sw-a1", json={"booking_id": approved_booking["id"]})
    path = f"/api/v1/visits/{visit.json['id']}/photos"
    photo = api.post(
        path,
        "sw-a1",
        data={"file": (io.BytesIO(_png()), "门口.png")},
        content_type="multipart/form-data",
    )
    assert photo.status_code == 201, photo.json
    assert photo.json["content_type"] == "image/png"
    assert api.get(f"/api/v1/visits/{visit.json['id']}", "ts-a").json["photo_ids"] == [
        photo.json["id"]
    ]
    text = api.post(
        path,
        "sw-a1",
        data={"file": (io.BytesIO(b"hello"), "a.png")},
        content_type="multipart/form-data",
    )
    assert text.status_code == 415
    huge = api.post(
        path,
        "sw-a1",
        data={"file": (io.BytesIO(_png() + b"\x00" * small_uploads), "b.png")},
        content_type="multipart/form-data",
    )
    assert huge.status_code == 413
    assert (
        api.post(
            path,
            "sw-a2",
            data={"file": (io.BytesIO(_png()), "c.png")},
            content_type="multipart/form-data",
        ).status_code
        == 404
    )
    assert api.post(path, "sw-a1", data={}, content_type="multipart/form-data").status_code == 422
