"""The receipt (受理回执) the window prints: A4, in Chinese, scoped like the application."""

from __future__ import annotations

import io
from typing import Any

import pytest

from tests.applications.conftest import PDF
from tests.conftest import Api
from tests.factories import id_number

CALLERS = {"ts-a": 200, "ts-b": 404, "city-admin": 200, "co-a1": 200, "co-a2": 404,
           "sw-a1": 403}


@pytest.fixture
def window_application(api: Api) -> dict[str, Any]:
    """A walk-in's application filed, signed form uploaded and submitted at township a's window."""
    filed = api.post("/api/v1/applications", "ts-a", json={
        "service_code": "temporary_relief", "applicant_name": "来访人",
        "applicant_id_number": id_number(41), "phone": "13600001234",
        "village_id": api.world.villages["a1"].id, "address": "a1村5组",
        "counter": {"id_document_checked": True}})
    assert filed.status_code == 201, filed.json
    app_id = filed.json["id"]
    api.post(f"/api/v1/applications/{app_id}/materials?material_code=application_form", "ts-a",
             data={"file": (io.BytesIO(PDF), "form.pdf")}, content_type="multipart/form-data")
    assert api.post(f"/api/v1/applications/{app_id}/submit", "ts-a").status_code == 200
    return dict(filed.json)


@pytest.mark.parametrize(("who", "status"), CALLERS.items())
def test_the_receipt_page_follows_the_applications_scope(
    signed_in: Any, window_application: dict[str, Any], who: str, status: int
) -> None:
    page = signed_in(who).get(f"/console/applications/{window_application['id']}/receipt")
    assert page.status_code == status


def test_the_receipt_says_what_was_received_the_time_limit_and_where_to_follow(
    signed_in: Any, window_application: dict[str, Any]
) -> None:
    page = signed_in("ts-a").get(f"/console/applications/{window_application['id']}/receipt")
    text = page.get_data(as_text=True)
    assert "受理回执" in text and window_application["reference"] in text
    assert "临时救助" in text and "申请书（申请表）" in text and "窗口受理" in text
    assert "10 个工作日" in text and "我的办件" in text and "测试A镇民政办" in text
    assert "size: A4" in text and "测试ts-a" in text
    assert id_number(41) not in text and "410184********" in text


def test_a_draft_has_no_receipt_yet(signed_in: Any, api: Api) -> None:
    draft = api.post("/api/v1/applications", "res-owner", json={
        "service_code": "temporary_relief", "applicant_name": "业主",
        "applicant_id_number": id_number(1), "village_id": api.world.villages["a1"].id,
        "address": "a1村1组1号"}).json["id"]
    page = signed_in("ts-a").get(f"/console/applications/{draft}/receipt")
    assert page.status_code == 409 and "尚未提交" in page.get_data(as_text=True)
