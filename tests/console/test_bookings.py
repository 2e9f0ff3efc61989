"""The booking inbox: a clerk approves, rejects (a reason is required, said beside the field)
and proposes another date, beside the calendar of places."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import Booking
from tests.conftest import Api
from tests.factories import id_number
from tests.visits.conftest import booking_body, working_day


@pytest.fixture
def booking_id(api: Api) -> int:
    """A pending booking the owner asked for, for client a1."""
    asked = api.post("/api/v1/bookings", "res-owner",
                     json=booking_body(api.world.clients["a1"].id, working_day(2)))
    assert asked.status_code == 201, asked.json
    return int(asked.json["id"])


def test_a_clerk_sees_the_inbox_with_its_calendar_and_approves(
    signed_in: Any, booking_id: int
) -> None:
    browser = signed_in("ts-a")
    page = browser.get("/console/bookings")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "对象a1" in text and "未来两周可约名额" in text
    done = browser.post(f"/console/bookings/{booking_id}/decision", {"decision": "approve"})
    assert done.status_code == 302
    booking = Booking.get_by_id(booking_id)
    assert booking.status == "approved" and booking.scheduled_date == working_day(2)


def test_a_rejection_without_a_reason_is_said_beside_its_field(
    signed_in: Any, booking_id: int
) -> None:
    browser = signed_in("ts-a")
    browser.get("/console/bookings")
    refused = browser.post(f"/console/bookings/{booking_id}/decision", {"decision": "reject"})
    assert refused.status_code == 422 and "不予安排须说明原因" in refused.get_data(as_text=True)
    assert Booking.get_by_id(booking_id).status == "pending"
    browser.post(f"/console/bookings/{booking_id}/decision",
                 {"decision": "propose", "date": working_day(4).isoformat(),
                  "window": "afternoon"})
    assert Booking.get_by_id(booking_id).status == "proposed"


def test_the_inbox_follows_scope_and_roles(signed_in: Any, booking_id: int) -> None:
    other = signed_in("ts-b")
    other.get("/console/bookings")  # the form's page, where its CSRF token comes from
    assert other.post(f"/console/bookings/{booking_id}/decision",
                      {"decision": "approve"}).status_code == 404
    assert Booking.get_by_id(booking_id).status == "pending"


def test_a_social_worker_cannot_decide(signed_in: Any, booking_id: int) -> None:
    assert signed_in("sw-a1").get("/console/bookings").status_code == 403


def test_a_doorstep_visit_for_an_applicant_shows_the_applicants_name(
    api: Api, signed_in: Any
) -> None:
    proxy = {"authorised_by": "本人", "authorised_at": "2026-03-01T02:00:00",
             "method": "in_person", "doorstep": True}
    filed = api.post("/api/v1/applications", "co-a1", json={
        "service_code": "temporary_relief", "applicant_name": "刘上门",
        "applicant_id_number": id_number(400), "village_id": api.world.villages["a1"].id,
        "address": "A1村9组1号", "proxy": proxy})
    assert filed.status_code == 201, filed.json
    asked = api.post("/api/v1/bookings", "co-a1", json={
        "application_id": filed.json["id"], "kind": "doorstep_service",
        "preferred": [{"date": working_day(2).isoformat(), "window": "morning"}]})
    assert asked.status_code == 201, asked.json
    browser = signed_in("ts-a")
    page = browser.get("/console/bookings").get_data(as_text=True)
    assert "刘上门" in page and "上门办理" in page
    done = browser.post(f"/console/bookings/{asked.json['id']}/decision", {"decision": "approve"})
    assert done.status_code == 302
    assert "刘上门" in browser.get("/console/bookings").get_data(as_text=True)
