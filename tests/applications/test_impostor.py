"""The impostor walk (issue 20): someone files with another person's ID number.

A fresh WeChat user files for client a1 (the real resident, ``res-owner``, has a booking, an
application with a material and an inbox). Before and after the impostor's application is
approved, every route that bears the client's records gives the impostor nothing; only a
verified link does.
"""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest

from backend.models import ClientContact
from backend.services.care_plans import local_today
from fake_wechat import FakeWeChatServer
from tests.applications.conftest import PDF, Clock, approve_through_workflow
from tests.conftest import Api
from tests.factories import id_number


def _working_day() -> str:
    day = local_today() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


def _filing(**extra: Any) -> dict[str, Any]:
    return {"service_code": "temporary_relief", "applicant_name": "对象a1",
            "applicant_id_number": id_number(1), "phone": "13912345678",
            "village_id": 0, "address": "a1村1组1号", "reason": "突发困难", **extra}


@pytest.fixture
def victim(api: Api) -> dict[str, int]:
    """The real resident's records for client a1: a booking and an application with a file."""
    client = api.world.clients["a1"]
    booking = api.post("/api/v1/bookings", "res-owner", json={
        "client_id": client.id, "kind": "routine_visit", "reason": "想请社工上门",
        "contact_name": "业主", "contact_phone": "13800001111",
        "preferred": [{"date": _working_day(), "window": "morning"}]})
    assert booking.status_code == 201, booking.json
    filed = api.post("/api/v1/applications", "res-owner", json=_filing(
        service_code="subsistence_allowance", village_id=api.world.villages["a1"].id,
        submit=True))
    assert filed.status_code == 201, filed.json
    upload = api.post(
        f"/api/v1/applications/{filed.json['id']}/materials?material_code=id_card", "res-owner",
        data={"file": (io.BytesIO(PDF), "id.pdf")}, content_type="multipart/form-data")
    assert upload.status_code == 201
    return {"client": client.id, "booking": booking.json["id"],
            "application": filed.json["id"], "material": upload.json["id"]}


def _impostor(api: Api, fake: FakeWeChatServer) -> str:
    answer = api.client.post("/api/v1/auth/wechat", json={"code": "test-impostor"})
    api._tokens["impostor"] = answer.json["access_token"]
    return "impostor"


def _sees_nothing_of_the_client(api: Api, who: str, victim: dict[str, int]) -> None:
    """Every client-bearing route answers 404, 403 or an empty list."""
    application, booking = victim["application"], victim["booking"]
    assert api.get("/api/v1/me", who).json["clients"] == []
    assert api.get("/api/v1/me/links", who).json == []
    assert api.get("/api/v1/bookings", who).json == []
    assert api.get(f"/api/v1/bookings?client_id={victim['client']}", who).json == []
    assert api.get(f"/api/v1/bookings/{booking}", who).status_code == 404
    assert api.post(f"/api/v1/bookings/{booking}/cancel", who, json={}).status_code == 404
    assert api.post(f"/api/v1/bookings/{booking}/proposal-response", who,
                    json={"accept": True}).status_code == 404
    assert api.post("/api/v1/bookings", who, json={
        "client_id": victim["client"], "kind": "routine_visit", "reason": "x",
        "contact_name": "x", "preferred": [{"date": _working_day(), "window": "morning"}],
    }).status_code == 404
    assert api.get(f"/api/v1/clients/{victim['client']}", who).status_code == 403
    assert api.get(f"/api/v1/clients/{victim['client']}/case-file", who).status_code == 403
    assert api.get(f"/api/v1/clients/{victim['client']}/links", who).status_code == 403
    for path in ("", "/timeline", "/receipt", f"/materials/{victim['material']}"):
        assert api.get(f"/api/v1/applications/{application}{path}", who).status_code == 404
    assert api.post(f"/api/v1/applications/{application}/withdraw", who,
                    json={}).status_code == 404
    mine = api.get("/api/v1/applications", who).json
    assert application not in [a["id"] for a in mine]
    assert all(a["client_id"] is None for a in mine)
    for message in api.get("/api/v1/me/messages", who).json:
        assert message["topic"].startswith("application.")  # their own filing's notices only
        assert f"id={application}" not in (message["page"] or "")


def test_an_impostor_files_with_someone_elses_id_number_and_gets_nothing_of_theirs(
    api: Api, clock: Clock, fake_wechat: FakeWeChatServer, victim: dict[str, int]
) -> None:
    who = _impostor(api, fake_wechat)
    filed = api.post("/api/v1/applications", who, json=_filing(
        village_id=api.world.villages["a1"].id, submit=True))
    assert filed.status_code == 201, filed.json
    own = filed.json["id"]
    assert filed.json["client_id"] is None  # the application is theirs; the client is not
    assert api.get(f"/api/v1/applications/{own}", "ts-a").json["client_id"] == victim["client"]
    _sees_nothing_of_the_client(api, who, victim)

    # Staff take the filing through every stage of its workflow to approval.
    moved = approve_through_workflow(api, own, clock)
    assert moved.json["status"] == "approved"
    impostor_id = api.get("/api/v1/me", who).json["id"]
    assert not ClientContact.select().where(ClientContact.resident == impostor_id).exists()
    _sees_nothing_of_the_client(api, who, victim)
    detail = api.get(f"/api/v1/applications/{own}", who).json
    assert detail["status"] == "approved" and detail["client_id"] is None

    # The real resident sees their own records as before.
    assert [b["id"] for b in api.get("/api/v1/bookings", "res-owner").json] == [
        victim["booking"]]
    assert api.get("/api/v1/me", "res-owner").json["clients"][0]["id"] == victim["client"]


def test_only_a_verified_link_opens_the_clients_records(
    api: Api, fake_wechat: FakeWeChatServer, victim: dict[str, int]
) -> None:
    who = _impostor(api, fake_wechat)
    # The impostor's own phone cannot match the phone on the client's record.
    refused = api.post("/api/v1/me/links", who, json={
        "phone_code": fake_wechat.state.phone_code("13912345678"), "name": "对象a1",
        "id_number": id_number(1)})
    assert refused.status_code == 422 and refused.json["code"] == "identity_mismatch"
    _sees_nothing_of_the_client(api, who, victim)
    # The client's own phone (WeChat vouches for it) does.
    linked = api.post("/api/v1/me/links", who, json={
        "phone_code": fake_wechat.state.phone_code("13800000001"), "name": "对象a1",
        "id_number": id_number(1)})
    assert linked.status_code == 201
    assert [b["id"] for b in api.get("/api/v1/bookings", who).json] == [victim["booking"]]
    assert api.get(f"/api/v1/applications/{victim['application']}", who).status_code == 200
