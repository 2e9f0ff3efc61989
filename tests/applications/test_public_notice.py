"""The published public notice (公示): anyone reads a village's running notices, names masked;
a resident objects while it runs, and the application waits until staff resolve it."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend.models import AuditEntry, PublicNoticeObjection, Township
from tests.applications.conftest import Clock
from tests.conftest import Api

Filing = Callable[..., dict[str, Any]]


def _move(api: Api, app_id: int, who: str, action: str, **body: Any) -> Any:
    return api.post(f"/api/v1/applications/{app_id}/transitions", who,
                    json={"action": action, **body})


def _to_notice(api: Api, filing: Filing, n: int, village: str = "a1", name: str | None = None,
               proposed: int | None = 62_000) -> int:
    """File a 低保 application and walk it into its public notice; answer its id."""
    body = filing(n=n, village=village, submit=True)
    if name:
        body["applicant_name"] = name
    filed = api.post("/api/v1/applications", "res-owner", json=body)
    assert filed.status_code == 201, filed.json
    app_id, staff, coordinator = filed.json["id"], f"ts-{village[0]}", f"co-{village}"
    _move(api, app_id, staff, "advance")
    extra = {} if proposed is None else {"proposed_benefit_fen": proposed}
    assert _move(api, app_id, staff, "advance", **extra).json["stage"] == "deliberation"
    assert _move(api, app_id, coordinator, "advance").json["stage"] == "public_notice"
    return int(app_id)


@pytest.fixture
def township_phone(api: Api) -> str:
    """The office landline township A publishes."""
    Township.update(phone="0371-62345678").where(
        Township.id == api.world.townships["a"].id).execute()
    return "0371-62345678"


def test_an_anonymous_caller_sees_only_the_running_notices_of_a_village_masked(
    api: Api, clock: Clock, filing: Filing, township_phone: str
) -> None:
    village = api.world.villages["a1"].id
    ended = _to_notice(api, filing, 1, name="王小红")
    clock.advance(7)  # the first notice has run its seven days
    running = _to_notice(api, filing, 2, name="张三明")
    unpriced = _to_notice(api, filing, 3, name="李四", proposed=None)
    _to_notice(api, filing, 4, village="a2", name="赵六")  # another village's board
    in_acceptance = api.post("/api/v1/applications", "res-owner",
                             json=filing(n=5, submit=True)).json["id"]

    answer = api.get("/api/v1/notices", query_string={"village_id": village})
    assert answer.status_code == 200, answer.json
    notices = answer.json
    assert [n["id"] for n in notices] == [running, unpriced]
    assert ended not in [n["id"] for n in notices] and in_acceptance not in notices
    first = notices[0]
    assert first["name"] == "张*明" and notices[1]["name"] == "李*"
    assert first["service_name"] == "城乡最低生活保障" and first["household_size"] == 2
    assert first["proposed_benefit_fen"] == 62_000 and notices[1]["proposed_benefit_fen"] is None
    assert first["started_on"] == "2026-03-09" and first["ends_on"] == "2026-03-15"
    assert first["township_phone"] == township_phone and first["village_name"] == "A1村"
    text = answer.get_data(as_text=True)
    for full_name in ("张三明", "李四", "王小红", "赵六"):
        assert full_name not in text
    assert "applicant_id_number" not in text and "address" not in text

    clock.advance(7)  # the last day has passed: the board is empty
    assert api.get("/api/v1/notices", query_string={"village_id": village}).json == []


def test_the_notice_list_needs_a_known_village(api: Api, clock: Clock) -> None:
    missing = api.get("/api/v1/notices")
    assert missing.status_code == 422 and "village_id" in str(missing.json["errors"])
    unknown = api.get("/api/v1/notices", query_string={"village_id": 999_999})
    assert unknown.status_code == 404 and unknown.json["code"] == "village_not_found"


def test_a_residents_objection_holds_the_application_until_staff_resolve_it(
    api: Api, clock: Clock, filing: Filing
) -> None:
    app_id = _to_notice(api, filing, 1, name="张三明")
    path = f"/api/v1/notices/{app_id}/objections"
    assert api.post(path, json={"reason": "他家有货车"}).status_code == 401
    assert api.post(path, "ts-a", json={"reason": "他家有货车"}).status_code == 403
    blank = api.post(path, "res-other", json={"reason": "   "})
    assert blank.status_code == 422 and blank.json["code"] == "reason_required"
    objected = api.post(path, "res-other", json={"reason": "他家有一辆货车在跑运输"})
    assert objected.status_code == 201, objected.json
    assert objected.json["notice_id"] == app_id and objected.json["resolved"] is False
    again = api.post(path, "res-other", json={"reason": "再说一遍"})
    assert again.status_code == 409 and again.json["code"] == "objection_pending"
    objection = PublicNoticeObjection.get_by_id(objected.json["id"])
    assert objection.raised_by_resident_id == api.world.residents["res-other"].id
    audit = AuditEntry.get(AuditEntry.action == "application.record_objection")
    assert audit.actor_kind == "resident" and audit.entity_id == str(app_id)

    # The applicant reads the objection, never who raised it.
    timeline = api.get(f"/api/v1/applications/{app_id}/timeline", "res-owner").json
    step = timeline["steps"][-1]
    assert step["action"] == "record_objection" and step["actor_name"] == "公示异议人"
    assert "他人" not in str(timeline) and timeline["objections"][0]["resolution"] is None

    clock.advance(7)
    late = api.post(path, "res-other", json={"reason": "公示已经结束了"})
    assert late.status_code == 404 and late.json["code"] == "notice_not_running"
    blocked = _move(api, app_id, "ts-a", "advance")
    assert blocked.status_code == 409 and blocked.json["code"] == "objections_unresolved"
    resolved = _move(api, app_id, "ts-a", "resolve_objection", objection_id=objection.id,
                     comment="经入户核实，货车登记在其子女名下且已分户")
    assert resolved.status_code == 200, resolved.json
    assert _move(api, app_id, "ts-a", "advance").json["stage"] == "approval"
    approved = _move(api, app_id, "city-admin", "approve", benefit_fen=62_000)
    assert approved.status_code == 200 and approved.json["status"] == "approved"


def test_an_objection_raised_at_approval_also_waits_for_staff(
    api: Api, clock: Clock, filing: Filing
) -> None:
    app_id = _to_notice(api, filing, 1)
    api.post(f"/api/v1/notices/{app_id}/objections", "res-other", json={"reason": "收入不实"})
    clock.advance(7)
    objection = PublicNoticeObjection.get()
    _move(api, app_id, "ts-a", "resolve_objection", objection_id=objection.id, comment="已核实")
    _move(api, app_id, "ts-a", "advance")
    # A staff-recorded objection at approval (an old one reopened, say) blocks the approval too.
    PublicNoticeObjection.create(application=app_id, content="又有人反映")
    refused = _move(api, app_id, "city-admin", "approve", benefit_fen=62_000)
    assert refused.status_code == 409 and refused.json["code"] == "objections_unresolved"


def test_only_verification_proposes_the_amount(api: Api, clock: Clock, filing: Filing) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json["id"]
    early = _move(api, app_id, "ts-a", "advance", proposed_benefit_fen=50_000)
    assert early.status_code == 422 and early.json["code"] == "proposal_not_here"
    assert _move(api, app_id, "ts-a", "advance").json["stage"] == "verification"
    proposed = _move(api, app_id, "ts-a", "advance", proposed_benefit_fen=50_000)
    assert proposed.json["proposed_benefit_fen"] == 50_000


def test_the_village_board_prints_its_notices_on_a4_without_a_login(
    api: Api, clock: Clock, filing: Filing, township_phone: str
) -> None:
    _to_notice(api, filing, 1, name="张三明")
    village = api.world.villages["a1"]
    page = api.client.get(f"/console/notices/village/{village.id}/print")
    assert page.status_code == 200 and page.mimetype == "text/html"
    html = page.get_data(as_text=True)
    assert "张*明" in html and "张三明" not in html
    assert "城乡最低生活保障" in html and "620.00" in html and township_phone in html
    assert "2026年3月2日至2026年3月8日" in html and "notice-board.css" in html
    with api.client.get("/console/static/notice-board.css") as stylesheet:
        assert "size: A4" in stylesheet.get_data(as_text=True)
    empty = api.client.get(f"/console/notices/village/{api.world.villages['b1'].id}/print")
    assert "当前没有正在公示的事项" in empty.get_data(as_text=True)
    assert api.client.get("/console/notices/village/999999/print").status_code == 404
    # The rest of the console still asks for a login.
    assert api.client.get("/console/desk").status_code == 302
