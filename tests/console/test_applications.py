"""An application at the desk: only the moves open now, each a form that says what went wrong
where; materials shown inline under the API's scope; the timeline in Chinese."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import Application, AuditEntry, PublicNoticeObjection
from tests.applications.conftest import PNG, Clock
from tests.conftest import Api
from tests.console.casework import file_application, resubmit, upload


@pytest.fixture
def application_id(api: Api) -> int:
    """A submitted 养老院入住 application of the owner's, at 受理 in township A."""
    return file_application(api)


def _act(browser: Any, application_id: int, action: str, **form: Any) -> Any:
    browser.get(f"/console/applications/{application_id}")
    return browser.post(f"/console/applications/{application_id}/actions/{action}", form)


def test_the_page_offers_the_clerk_only_the_moves_open_at_this_stage(
    signed_in: Any, application_id: int
) -> None:
    page = signed_in("ts-a").get(f"/console/applications/{application_id}")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "推进到核查" in text and "退回补正" in text and "不予批准" in text
    assert "actions/approve" not in text and "actions/record_objection" not in text
    assert "提交申请" in text and "：submit" not in text  # the timeline speaks Chinese
    assert "近期体检报告" in text and "未上传" in text  # the catalogue, with what is missing


def test_someone_else_s_stage_shows_why_and_no_form(signed_in: Any, api: Api,
                                                    application_id: int) -> None:
    text = signed_in("city-admin").get(f"/console/applications/{application_id}").get_data(
        as_text=True)
    assert "当前环节（受理）由乡镇民政工作人员办理" in text and "/actions/" not in text


def test_supplement_lists_what_is_missing_and_the_resident_s_papers_bring_it_back(
    signed_in: Any, api: Api, application_id: int
) -> None:
    browser = signed_in("ts-a")
    sent = _act(browser, application_id, "supplement", missing_materials="health_check",
                comment="请补交近三个月的体检报告")
    assert sent.status_code == 302
    confirmed = browser.get(sent.headers["Location"]).get_data(as_text=True)
    assert "已退回补正，待申请人补交：近期体检报告" in confirmed and "补正要求" in confirmed
    application = Application.get_by_id(application_id)
    assert (application.status, application.requested_materials) == ("supplement",
                                                                      ["health_check"])
    upload(api, application_id, "health_check", pdf=True)
    resubmit(api, application_id)
    assert "推进到核查" in browser.get(f"/console/applications/{application_id}").get_data(
        as_text=True)


def test_a_supplement_without_a_material_is_refused_beside_the_checkboxes(
    signed_in: Any, application_id: int
) -> None:
    refused = _act(signed_in("ts-a"), application_id, "supplement", comment="缺材料")
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "请更正以下问题" in text
    assert 'id="supplement-missing_materials-error"' in text and "请逐项列明" in text
    assert 'href="#supplement-missing_materials"' in text and "缺材料" in text  # kept as typed
    assert Application.get_by_id(application_id).status == "in_review"


def test_a_rejection_needs_its_reason(signed_in: Any, application_id: int) -> None:
    browser = signed_in("ts-a")
    refused = _act(browser, application_id, "reject", reason="  ")
    assert refused.status_code == 422 and "不予批准须写明理由" in refused.get_data(as_text=True)
    done = _act(browser, application_id, "reject", reason="不符合入住条件")
    assert done.status_code == 302
    application = Application.get_by_id(application_id)
    assert (application.status, application.decision_reason) == ("rejected", "不符合入住条件")


def test_approval_takes_the_benefit_in_yuan_and_stores_fen(signed_in: Any,
                                                          application_id: int) -> None:
    browser = signed_in("ts-a")
    for _ in range(2):  # 受理 → 核查 → 审批
        assert _act(browser, application_id, "advance", comment="材料齐全").status_code == 302
    bad = _act(browser, application_id, "approve", benefit="12.345")
    assert bad.status_code == 422 and "金额应为元" in bad.get_data(as_text=True)
    assert 'aria-invalid="true"' in bad.get_data(as_text=True)
    done = _act(browser, application_id, "approve", benefit="¥1,234.5", comment="同意入住")
    assert done.status_code == 302
    assert "已批准，每月待遇 ¥1,234.50" in browser.get(done.headers["Location"]).get_data(
        as_text=True)
    application = Application.get_by_id(application_id)
    assert (application.status, application.benefit_fen) == ("approved", 123_450)
    assert AuditEntry.select().where(AuditEntry.action == "application.approve").count() == 1


def test_objections_are_recorded_by_the_village_and_resolved_by_the_office(
    signed_in: Any, api: Api, clock: Clock
) -> None:
    app_id = file_application(api, "subsistence_allowance")
    office = signed_in("ts-a")
    for _ in range(2):  # 受理 → 核查 → 评议
        assert _act(office, app_id, "advance").status_code == 302
    village = signed_in("co-a1")
    assert _act(village, app_id, "advance", comment="评议通过").status_code == 302  # → 公示
    assert _act(village, app_id, "record_objection", content="有村民反映其子女有车").status_code \
        == 302
    office = signed_in("ts-a")
    clock.advance(8)
    page = office.get(f"/console/applications/{app_id}").get_data(as_text=True)
    assert "有村民反映其子女有车" in page and "记录处理结果" in page and "推进到" not in page
    objection = PublicNoticeObjection.get()
    done = office.post(f"/console/applications/{app_id}/actions/resolve_objection",
                       {"objection_id": objection.id, "resolution": "经核实车辆已出售"})
    assert done.status_code == 302
    assert "推进到审批" in office.get(f"/console/applications/{app_id}").get_data(as_text=True)


def test_materials_open_inline_for_those_who_may_read_the_application(
    signed_in: Any, api: Api, application_id: int
) -> None:
    material = upload(api, application_id, "id_card")
    browser = signed_in("ts-a")
    page = browser.get(f"/console/applications/{application_id}").get_data(as_text=True)
    url = f"/console/applications/{application_id}/materials/{material}"
    assert f'<img src="{url}"' in page
    with browser.client.get(url) as shown:
        assert shown.status_code == 200 and shown.mimetype == "image/png"
        assert shown.get_data() == PNG
        assert shown.headers["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in shown.headers["Cache-Control"]
        assert "inline" in shown.headers["Content-Disposition"]
    assert browser.get(f"/console/applications/{application_id}/materials/999").status_code \
        == 404


def test_a_move_made_from_a_page_someone_else_outdated_is_refused(
    signed_in: Any, application_id: int
) -> None:
    seen = Application.get_by_id(application_id).version  # both clerks' pages show this
    first = signed_in("ts-a")
    first.get(f"/console/applications/{application_id}")
    assert first.post(f"/console/applications/{application_id}/actions/advance",
                      {"version": str(seen)}).status_code == 302
    second = signed_in("ts-a")
    second.get(f"/console/applications/{application_id}")
    stale = second.post(f"/console/applications/{application_id}/actions/advance",
                        {"version": str(seen)})
    assert stale.status_code == 412 and "已被他人修改" in stale.get_data(as_text=True)
    assert Application.get_by_id(application_id).stage == "verification"  # moved once
