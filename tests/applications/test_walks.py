"""The walks the issue names, end to end through the HTTP API."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from backend.models import (
    Application,
    AuditEntry,
    Client,
    ClientCategory,
    FollowUpTask,
    OutboxEvent,
)
from backend.permissions import SYSTEM
from backend.services import applications
from tests.applications.conftest import PNG, Clock
from tests.conftest import Api

REQUIRED_LOW_INCOME = (
    "application_form",
    "id_card",
    "household_register",
    "income_proof",
    "property_declaration",
    "economic_check_authorization",
)


def _upload(api: Api, app_id: int, who: str, code: str, content: bytes = PNG) -> Any:
    return api.post(
        f"/api/v1/applications/{app_id}/materials?material_code={code}",
        who,
        data={"file": (io.BytesIO(content), f"{code}.png")},
        content_type="multipart/form-data",
    )


def _move(api: Api, app_id: int, who: str, action: str, **body: Any) -> Any:
    return api.post(
        f"/api/v1/applications/{app_id}/transitions", who, json={"action": action, **body}
    )


def test_subsistence_allowance_from_the_phone_through_every_stage_to_its_first_re_review(
    api: Api, clock: Clock, filing: Callable[..., dict[str, Any]]
) -> None:
    filed = api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    assert filed.status_code == 201, filed.json
    app_id = filed.json["id"]
    assert filed.json["stage"] == "acceptance" and filed.json["stage_due_on"] == "2026-03-04"
    assert filed.json["applicant_id_number"].count("*") == 16  # a resident sees first and last
    assert filed.json["household_members"][0]["id_number"].count("*") == 16
    for code in REQUIRED_LOW_INCOME[:3]:
        assert _upload(api, app_id, "res-owner", code).status_code == 201

    # 受理: the window asks for exactly what is missing and the clock stops.
    returned = _move(
        api,
        app_id,
        "ts-a",
        "supplement",
        comment="请补交收入证明",
        missing_materials=["income_proof"],
    )
    assert returned.status_code == 200, returned.json
    assert returned.json["status"] == "supplement" and returned.json["stage_due_on"] is None
    mine = api.get(f"/api/v1/applications/{app_id}", "res-owner").json
    assert mine["requested_materials"] == ["income_proof"]
    assert "income_proof" in [m["code"] for m in mine["missing_materials"]]
    clock.advance(10)  # the paused clock does not run while the resident gathers papers
    early = api.post(f"/api/v1/applications/{app_id}/submit", "res-owner")
    assert early.status_code == 409 and early.json["code"] == "materials_missing"
    assert _upload(api, app_id, "res-owner", "income_proof").status_code == 201
    resumed = api.post(f"/api/v1/applications/{app_id}/submit", "res-owner")
    assert resumed.status_code == 200 and resumed.json["status"] == "in_review"
    assert resumed.json["stage"] == "acceptance" and resumed.json["overdue"] is False

    # 受理 → 核查 → 评议 (the village coordinator) → 公示.
    assert (
        _move(api, app_id, "ts-a", "advance", comment="材料齐全，受理").json["stage"]
        == "verification"
    )
    wrong_role = _move(api, app_id, "co-a1", "advance")
    assert wrong_role.status_code == 403 and wrong_role.json["code"] == "not_your_stage"
    assert (
        _move(api, app_id, "ts-a", "advance", comment="入户核查属实").json["stage"]
        == "deliberation"
    )
    assert _move(api, app_id, "ts-a", "advance").status_code == 403
    notice = _move(api, app_id, "co-a1", "advance", comment="民主评议通过")
    assert notice.json["stage"] == "public_notice"
    assert notice.json["notice_ends_on"] == f"{clock.day.replace(day=clock.day.day + 7)}"

    # 公示: seven days, and an objection must be resolved before the file moves on.
    too_soon = _move(api, app_id, "ts-a", "advance")
    assert too_soon.status_code == 409 and too_soon.json["code"] == "public_notice_running"
    assert (
        _move(
            api, app_id, "co-a1", "record_objection", comment="有村民反映其有一辆货车"
        ).status_code
        == 200
    )
    clock.advance(7)
    blocked = _move(api, app_id, "ts-a", "advance")
    assert blocked.status_code == 409 and blocked.json["code"] == "objections_unresolved"
    objection_id = api.get(f"/api/v1/applications/{app_id}/timeline", "ts-a").json["objections"][0][
        "id"
    ]
    assert (
        _move(
            api,
            app_id,
            "ts-a",
            "resolve_objection",
            objection_id=objection_id,
            comment="经核实货车已报废",
        ).status_code
        == 200
    )
    assert _move(api, app_id, "ts-a", "advance").json["stage"] == "approval"

    # 审批 by the city bureau: the client becomes a 低保 client with the benefit.
    assert _move(api, app_id, "ts-a", "approve").status_code == 403
    approved = _move(api, app_id, "city-admin", "approve", comment="同意", benefit_fen=62_000)
    assert approved.status_code == 200, approved.json
    assert (
        approved.json["status"] == "approved"
        and approved.json["next_re_review_on"] == f"{clock.day.replace(year=clock.day.year + 1)}"
    )
    category = ClientCategory.get(ClientCategory.category == "subsistence_allowance")
    assert category.client.name == "对象a1" and category.benefit_fen == 62_000
    assert category.since == clock.day

    timeline = api.get(f"/api/v1/applications/{app_id}/timeline", "res-owner").json
    actions = [step["action"] for step in timeline["steps"]]
    assert actions[:3] == ["create", "submit", "upload_material"]
    assert actions[-1] == "approve" and "supplement" in actions and "resubmit" in actions
    assert all(step["actor_name"] for step in timeline["steps"])
    transitions = AuditEntry.select().where(
        AuditEntry.entity == "application", AuditEntry.entity_id == str(app_id)
    )
    assert transitions.count() == len(actions)  # one audit row per step
    decided = OutboxEvent.select().where(OutboxEvent.topic == "application.decided")
    assert [event.payload["transition"] for event in decided] == ["approve"]

    # A year on, the periodic job opens the re-review; it runs its own short workflow.
    clock.day = category.since.replace(year=category.since.year + 1)
    opened = applications.open_due_re_reviews(clock.day, actor=SYSTEM)
    assert len(opened) == 1 and applications.open_due_re_reviews(clock.day, actor=SYSTEM) == []
    review_id = opened[0].id
    review = api.get(f"/api/v1/applications/{review_id}", "ts-a").json
    assert review["kind"] == "re_review" and review["stage"] == "verification"
    assert review["reference"].startswith("FH") and review["parent_id"] == app_id
    assert (
        _move(api, review_id, "ts-a", "advance", comment="收入有变化").json["stage"] == "approval"
    )
    no_outcome = _move(api, review_id, "city-admin", "approve")
    assert no_outcome.status_code == 422 and no_outcome.json["code"] == "outcome_required"
    changed = _move(api, review_id, "city-admin", "approve", outcome="change", benefit_fen=48_000)
    assert changed.status_code == 200 and changed.json["outcome"] == "change"
    assert ClientCategory.get_by_id(category.id).benefit_fen == 48_000

    # 好差评: a poor rating gives the township a follow-up with a due date.
    rated = api.post(
        f"/api/v1/applications/{app_id}/evaluation",
        "res-owner",
        json={"rating": 2, "comment": "等待时间太长"},
    )
    assert rated.status_code == 201 and rated.json["follow_up_due_on"]
    task = FollowUpTask.get()
    assert task.area_code == Application.get_by_id(app_id).area_code
    follow_ups = api.get("/api/v1/applications/follow-ups", "ts-a").json
    assert [f["application_id"] for f in follow_ups] == [app_id]
    assert api.get("/api/v1/applications/follow-ups", "ts-b").json == []


def test_special_care_application_skips_the_village_stages(
    api: Api, clock: Clock, filing: Callable[..., dict[str, Any]]
) -> None:
    filed = api.post(
        "/api/v1/applications",
        "res-other",
        json=filing("special_care_rural_veteran_60", n=20, village="b1", submit=True),
    )
    assert filed.status_code == 201, filed.json
    app_id = filed.json["id"]
    assert filed.json["stage"] == "verification"  # no village acceptance or initial review
    timeline = api.get(f"/api/v1/applications/{app_id}/timeline", "res-other").json
    assert [s["stage"] for s in timeline["stages"]] == ["verification", "public_notice", "approval"]
    assert timeline["holder_role"] == "township_staff" and timeline["due_on"]
    assert _move(api, app_id, "co-b1", "advance").status_code == 403
    assert _move(api, app_id, "ts-a", "advance").status_code == 404  # another township
    assert _move(api, app_id, "ts-b", "advance").json["stage"] == "public_notice"
    clock.advance(7)
    assert _move(api, app_id, "ts-b", "advance").json["stage"] == "approval"
    approved = _move(api, app_id, "city-admin", "approve", benefit_fen=30_000)
    assert approved.status_code == 200, approved.json
    client = Client.get(Client.name == "申请人20")
    category = client.categories.get()
    assert (category.category, category.subtype) == ("special_care", "rural_veteran_60")
    assert approved.json["client_id"] == client.id


def test_a_coordinator_files_for_a_resident_of_their_village_who_sees_who_filed(
    api: Api, clock: Clock, filing: Callable[..., dict[str, Any]]
) -> None:
    proxy = {
        "authorised_by": "对象a1",
        "authorised_at": "2026-03-01T02:00:00",
        "method": "signed_form",
        "doorstep": True,
    }
    filed = api.post(
        "/api/v1/applications", "co-a1", json=filing("temporary_relief", proxy=proxy, submit=True)
    )
    assert filed.status_code == 201, filed.json
    assert filed.json["proxy"]["filed_by_name"] == "测试co-a1"
    assert filed.json["proxy"]["doorstep"] is True
    assert filed.json["applicant_id_number"].startswith("410184")  # staff mask
    assert _upload(api, filed.json["id"], "co-a1", "proxy_authorization").status_code == 201
    seen = api.get("/api/v1/applications", "res-owner").json
    assert [a["id"] for a in seen] == [filed.json["id"]]
    assert seen[0]["proxy"]["method"] == "signed_form"
    assert api.get(f"/api/v1/applications/{filed.json['id']}", "res-other").status_code == 404
    assert api.get("/api/v1/applications", "res-other").json == []


def test_a_coordinator_cannot_file_outside_their_village_or_without_authorisation(
    api: Api, filing: Callable[..., dict[str, Any]]
) -> None:
    proxy = {"authorised_by": "某人", "authorised_at": "2026-03-01T02:00:00", "method": "in_person"}
    outside = api.post(
        "/api/v1/applications",
        "co-a1",
        json=filing("temporary_relief", n=7, village="a2", proxy=proxy),
    )
    assert outside.status_code == 404 and outside.json["code"] == "village_out_of_scope"
    unauthorised = api.post("/api/v1/applications", "co-a1", json=filing("temporary_relief", n=7))
    assert unauthorised.status_code == 422 and unauthorised.json["code"] == "proxy_required"
    # Township staff file only at the window (issue 20), with the window's intake recorded.
    at_window = api.post("/api/v1/applications", "ts-a", json=filing(n=7))
    assert at_window.status_code == 422 and at_window.json["code"] == "counter_required"
    assert api.post("/api/v1/applications", "city-admin", json=filing(n=7)).status_code == 403


def test_a_re_review_that_stops_the_benefit_ends_the_category_and_keeps_its_history(
    api: Api, clock: Clock, filing: Callable[..., dict[str, Any]]
) -> None:
    app_id = api.post(
        "/api/v1/applications",
        "res-other",
        json=filing("special_care_martyr_child", n=60, village="b1", submit=True),
    ).json["id"]
    _move(api, app_id, "ts-b", "advance")
    clock.advance(7)
    _move(api, app_id, "ts-b", "advance")
    _move(api, app_id, "city-admin", "approve", benefit_fen=50_000)
    clock.day = clock.day.replace(year=clock.day.year + 1)
    (review,) = applications.open_due_re_reviews(clock.day, actor=SYSTEM)
    _move(api, review.id, "ts-b", "advance", comment="已不符合条件")
    stopped = _move(api, review.id, "city-admin", "approve", outcome="stop", comment="停发")
    assert stopped.status_code == 200 and stopped.json["next_re_review_on"] is None
    category = ClientCategory.get(ClientCategory.category == "special_care")
    assert category.ended_on == clock.day and category.benefit_fen == 50_000
    history = api.get("/api/v1/applications?service_code=special_care_martyr_child", "ts-b").json
    assert [(a["kind"], a["status"]) for a in history] == [
        ("re_review", "approved"),
        ("application", "approved"),
    ]
    assert (
        applications.open_due_re_reviews(clock.day.replace(year=clock.day.year + 2), actor=SYSTEM)
        == []
    )
