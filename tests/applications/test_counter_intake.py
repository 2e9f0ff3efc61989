"""Counter intake (一门受理, issue 20): township staff file for the walk-in applicant at the window.

The ID number is validated, the signed application form is on file before submission, the
applicant gets a receipt (受理回执) as JSON for the mini-program, and in the inbox of their
WeChat account as soon as one is linked, if it was not there before.
"""

from __future__ import annotations

import io
from datetime import UTC
from typing import Any

import pytest

from backend import workflows
from backend.models import Application, AuditEntry, Client, PiiAccess
from backend.models.base import LOCAL_TZ
from fake_wechat import FakeWeChatServer
from tests.applications.conftest import PDF, PNG, Clock, approve_through_workflow
from tests.conftest import Api
from tests.factories import id_number

COUNTER = {"id_document_checked": True}


def _walk_in(api: Api, n: int = 31, **extra: Any) -> dict[str, Any]:
    return {"service_code": "subsistence_allowance", "applicant_name": f"来访人{n}",
            "applicant_id_number": id_number(n), "phone": "13600001234",
            "village_id": api.world.villages["a1"].id, "address": "a1村5组",
            "declared_income_fen": 40_000, "reason": "因病致贫", "counter": COUNTER, **extra}


def _upload(api: Api, app_id: int, code: str, content: bytes = PDF, who: str = "ts-a") -> Any:
    return api.post(f"/api/v1/applications/{app_id}/materials?material_code={code}", who,
                    data={"file": (io.BytesIO(content), f"{code}.pdf")},
                    content_type="multipart/form-data")


@pytest.fixture
def resident(api: Api, fake_wechat: FakeWeChatServer) -> str:
    """A WeChat user (not linked to anyone) standing at the window."""
    answer = api.client.post("/api/v1/auth/wechat", json={"code": "test-walkin"})
    api._tokens["walkin"] = answer.json["access_token"]
    return "walkin"


def _code(api: Api, who: str) -> str:
    return str(api.post("/api/v1/me/link-codes", who).json["code"])


def _inbox(api: Api, who: str) -> list[dict[str, Any]]:
    return list(api.get("/api/v1/me/messages", who).json)


def test_the_window_files_validates_the_id_and_needs_the_signed_form_before_submitting(
    api: Api, clock: Clock
) -> None:
    bad_id = api.post("/api/v1/applications", "ts-a",
                      json=_walk_in(api, applicant_id_number="410184195003010011"))
    assert bad_id.status_code == 422 and bad_id.json["code"] == "invalid_id_number"
    unseen = api.post("/api/v1/applications", "ts-a",
                      json=_walk_in(api, counter={"id_document_checked": False}))
    assert unseen.status_code == 422 and unseen.json["code"] == "id_document_not_checked"
    elsewhere = api.post("/api/v1/applications", "ts-b", json=_walk_in(api))
    assert elsewhere.status_code == 404  # another township's village
    for who in ("co-a1", "res-owner"):
        refused = api.post("/api/v1/applications", who, json=_walk_in(api))
        assert refused.status_code == 422 and refused.json["code"] in (
            "counter_not_allowed", "proxy_required")
    at_once = api.post("/api/v1/applications", "ts-a", json=_walk_in(api, submit=True))
    assert at_once.status_code == 409 and at_once.json["code"] == "materials_missing"
    assert Application.select().count() == 0  # nothing half-filed

    filed = api.post("/api/v1/applications", "ts-a", json=_walk_in(api))
    assert filed.status_code == 201, filed.json
    body = filed.json
    assert (body["channel"], body["channel_label"]) == ("counter", "窗口受理")
    assert body["counter"]["received_by_name"] == "测试ts-a" and body["proxy"] is None
    assert body["possible_duplicate"] is False
    app_id = body["id"]
    early = api.post(f"/api/v1/applications/{app_id}/submit", "ts-a")
    assert early.status_code == 409 and early.json["errors"]["missing_materials"] == [
        "application_form"]
    assert api.get(f"/api/v1/applications/{app_id}/receipt", "ts-a").json["code"] == \
        "not_submitted"
    assert _upload(api, app_id, "application_form").status_code == 201
    assert _upload(api, app_id, "id_card", PNG).status_code == 201
    assert _upload(api, app_id, "id_card", PDF).status_code == 201
    assert api.post(f"/api/v1/applications/{app_id}/submit", "ts-b").status_code == 404
    submitted = api.post(f"/api/v1/applications/{app_id}/submit", "ts-a")
    assert submitted.status_code == 200 and submitted.json["stage"] == "acceptance"
    step = api.get(f"/api/v1/applications/{app_id}/timeline", "ts-a").json["steps"][0]
    assert step["details"] == {"channel": "counter", "id_document_checked": True,
                               "account_linked": False}

    receipt = api.get(f"/api/v1/applications/{app_id}/receipt", "ts-a").json
    assert receipt["reference"] == body["reference"]
    assert receipt["service_name"] == "城乡最低生活保障"
    assert receipt["materials"] == [
        {"code": "application_form", "name": "申请书（申请表）", "count": 1},
        {"code": "id_card", "name": "居民身份证", "count": 2}]
    assert "户口簿" in receipt["missing_materials"]
    assert receipt["time_limit_days"] == 30 and receipt["fee"] == "免费"
    received = Application.get_by_id(app_id).submitted_at.replace(tzinfo=UTC)
    assert receipt["expected_by"] == str(
        workflows.add_working_days(received.astimezone(LOCAL_TZ).date(), 30))
    assert receipt["received_by"] == "测试ts-a" and receipt["township_name"] == "测试A镇"
    assert "我的办件" in receipt["follow_up"] and receipt["complaint_phone"] == "12345"
    assert receipt["applicant_id_number"].startswith("410184")  # staff see the staff mask
    assert api.get(f"/api/v1/applications/{app_id}/receipt", "ts-b").status_code == 404
    assert api.get(f"/api/v1/applications/{app_id}/receipt", "res-other").status_code == 404
    assert api.get(f"/api/v1/applications/{app_id}/receipt", "sw-a1").status_code == 403


def test_the_receipt_reaches_the_inbox_of_the_account_shown_at_the_window(
    api: Api, clock: Clock, resident: str
) -> None:
    filed = api.post("/api/v1/applications", "ts-a", json=_walk_in(
        api, counter={**COUNTER, "link_code": _code(api, resident)}))
    assert filed.status_code == 201, filed.json
    app_id = filed.json["id"]
    assert [a["id"] for a in api.get("/api/v1/applications", resident).json] == [app_id]
    assert _upload(api, app_id, "application_form").status_code == 201
    assert api.post(f"/api/v1/applications/{app_id}/submit", "ts-a").status_code == 200
    receipts = [m for m in _inbox(api, resident) if m["topic"] == "application.receipt_issued"]
    assert len(receipts) == 1 and receipts[0]["title"] == "受理回执"
    assert filed.json["reference"] in receipts[0]["body"]
    assert "申请书（申请表）" in receipts[0]["body"]
    assert receipts[0]["page"] == f"pages/applications/receipt?id={app_id}"
    # The applicant reads the receipt as a resident: their ID number masked to first and last.
    mine = api.get(f"/api/v1/applications/{app_id}/receipt", resident).json
    assert mine["applicant_id_number"].count("*") == 16
    # An account on an application is not a link to any client's records.
    assert api.get("/api/v1/me", resident).json["clients"] == []


def test_a_client_filed_for_at_the_window_gets_the_receipt_when_an_account_is_linked(
    api: Api, clock: Clock, resident: str
) -> None:
    client = api.world.clients["a2"]  # nobody's account is linked to a2 yet
    filed = api.post("/api/v1/applications", "ts-a", json=_walk_in(
        api, n=2, applicant_name="对象a2", village_id=api.world.villages["a2"].id))
    app_id = filed.json["id"]
    assert _upload(api, app_id, "application_form").status_code == 201
    assert api.post(f"/api/v1/applications/{app_id}/submit", "ts-a").status_code == 200
    assert _inbox(api, resident) == []
    linked = api.post(f"/api/v1/clients/{client.id}/links", "ts-a", json={
        "link_code": _code(api, resident), "relation": "self", "id_document_checked": True})
    assert linked.status_code == 201
    topics = sorted(m["topic"] for m in _inbox(api, resident))
    assert topics == ["application.receipt_issued", "client.linked"]
    assert api.get(f"/api/v1/applications/{app_id}", resident).json["client_id"] == client.id


def test_an_applicant_who_is_no_client_gets_the_account_attached_later_once(
    api: Api, clock: Clock, resident: str
) -> None:
    filed = api.post("/api/v1/applications", "ts-a", json=_walk_in(api, n=33))
    app_id = filed.json["id"]
    _upload(api, app_id, "application_form")
    api.post(f"/api/v1/applications/{app_id}/submit", "ts-a")
    path = f"/api/v1/applications/{app_id}/applicant-account"
    unseen = api.post(path, "ts-a", json={"link_code": _code(api, resident),
                                          "id_document_checked": False})
    assert unseen.status_code == 422
    assert api.post(path, "ts-b", json={"link_code": _code(api, resident),
                                        "id_document_checked": True}).status_code == 404
    attached = api.post(path, "ts-a", json={"link_code": _code(api, resident),
                                            "id_document_checked": True})
    assert attached.status_code == 200, attached.json
    assert [m["topic"] for m in _inbox(api, resident)] == ["application.receipt_issued"]
    again = api.post(path, "ts-a", json={"link_code": _code(api, resident),
                                         "id_document_checked": True})
    assert again.status_code == 409 and again.json["code"] == "applicant_account_exists"
    assert AuditEntry.select().where(AuditEntry.action == "application.link_applicant").count() == 1
    timeline = api.get(f"/api/v1/applications/{app_id}/timeline", resident).json
    assert timeline["steps"][-1]["action_label"] == "关联申请人微信账号"


def test_approval_carries_a_phone_taken_at_the_window_to_the_new_clients_record_only(
    api: Api, clock: Clock, fake_wechat: FakeWeChatServer, resident: str
) -> None:
    window = api.post("/api/v1/applications", "ts-a", json=_walk_in(
        api, n=34, service_code="temporary_relief")).json["id"]
    _upload(api, window, "application_form")
    api.post(f"/api/v1/applications/{window}/submit", "ts-a")
    online = api.post("/api/v1/applications", "res-other", json={
        key: value for key, value in _walk_in(api, n=35, service_code="temporary_relief",
                                              submit=True).items() if key != "counter"})
    for app_id in (window, online.json["id"]):
        approve_through_workflow(api, app_id, clock, benefit_fen=50_000)
    assert Client.get(Client.name == "来访人34").phone_masked == "136****1234"
    assert Client.get(Client.name == "来访人35").phone_masked is None  # typed online: unproven
    assert PiiAccess.select().where(PiiAccess.field == "phone").count() == 1
    # The walk-in can now link themselves with the phone the window took down.
    linked = api.post("/api/v1/me/links", resident, json={
        "phone_code": fake_wechat.state.phone_code("13600001234"), "name": "来访人34",
        "id_number": id_number(34)})
    assert linked.status_code == 201, linked.json
    assert api.get("/api/v1/me", "res-other").json["clients"] == []  # approval linked nobody
