"""Who may move an application at each stage: every service's stages × every role × every move.

The expectations are written out from the policy, not read from the guide, so a guide edit that
hands a decision to the wrong role fails here: a stage is advanced by the role that holds it;
a refusal (不予批准) belongs to the township office, or to the city bureau at its own approval,
never to a village coordinator; only the approval stage approves, by the service's approver;
补正 is asked for in 受理 and 核查 only, by their holder.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend import workflows
from backend.models import Application
from backend.services.applications import _shared
from tests.applications.conftest import Clock
from tests.conftest import Api

ROLES = {"coordinator": "co-a1", "township_staff": "ts-a", "city_admin": "city-admin",
         "social_worker": "sw-a1", "resident": "res-owner"}
# Who approves each service (审批): the city bureau, except 养老院入住, which the township decides.
APPROVER = {code: "city_admin" for code in workflows.guide()["services"]}
APPROVER["nursing_home_admission"] = "township_staff"
# Who holds each stage: the township office, except the village's 评议 (民主评议).
HOLDER = {"acceptance": "township_staff", "verification": "township_staff",
          "deliberation": "coordinator", "public_notice": "township_staff"}
MOVES = ("advance", "reject", "approve", "supplement")

Filing = Callable[..., dict[str, Any]]


def expected_movers(service: str, stage: str, *, urgent: bool = False) -> dict[str, set[str]]:
    """The roles the policy lets make each move in a stage (others are refused with 403)."""
    holder = HOLDER.get(stage) or APPROVER[service]
    if urgent and stage == "approval":
        holder = "township_staff"  # 先行救助: the township grants first
    return {"advance": {holder},
            "reject": {APPROVER[service] if stage == "approval" and not urgent
                       else "township_staff"},
            "approve": {holder},
            "supplement": {holder}}


def _body(service: str, move: str) -> dict[str, Any]:
    first_material = workflows.service(service)["materials"][0]["code"]
    return {"advance": {}, "reject": {"comment": "经核查不符合条件"},
            "approve": {"comment": "同意", "benefit_fen": 30_000},
            "supplement": {"missing_materials": [first_material], "comment": "请补交"}}[move]


def _place(application_id: int, stage: workflows.Stage) -> dict[str, Any]:
    """Put the application in a stage (test set-up) and answer its row to restore it from."""
    application = Application.get_by_id(application_id)
    _shared.enter(application, stage, _shared.today())
    application.save()
    return dict(Application.get_by_id(application_id).__data__)


def _walk(api: Api, application_id: int, service: str, wf: workflows.Workflow,
          urgent: bool) -> list[tuple[str, str, str, int]]:
    """Every stage × role × move; answer what differed from the policy (empty when none)."""
    wrong = []
    for stage in wf.stages:
        snapshot = _place(application_id, stage)
        allowed = expected_movers(service, stage.stage, urgent=urgent)
        for role, who in ROLES.items():
            for move in MOVES:
                answer = api.post(f"/api/v1/applications/{application_id}/transitions", who,
                                  json={"action": move, **_body(service, move)})
                permitted = role in allowed[move]
                if permitted != (answer.status_code != 403) or answer.status_code >= 500:
                    wrong.append((stage.stage, role, move, answer.status_code))
                Application.update(**snapshot).where(Application.id == application_id).execute()
    return wrong


@pytest.mark.parametrize("service", list(workflows.guide()["services"]))
def test_every_stage_of_every_service_is_moved_only_by_the_roles_the_policy_names(
    api: Api, clock: Clock, filing: Filing, service: str
) -> None:
    filed = api.post("/api/v1/applications", "res-owner", json=filing(service, submit=True))
    assert filed.status_code == 201, filed.json
    wf = workflows.workflow(service)
    assert _walk(api, filed.json["id"], service, wf, urgent=False) == []


def test_the_urgent_track_is_moved_only_by_the_township(
    api: Api, clock: Clock, filing: Filing
) -> None:
    body = filing("temporary_relief", submit=True, urgent=True, urgent_cause="accident")
    filed = api.post("/api/v1/applications", "res-owner", json=body)
    assert filed.status_code == 201, filed.json
    wf = workflows.urgent_workflow("temporary_relief")
    assert [s.stage for s in wf.stages] == ["acceptance", "approval", "verification"]
    assert _walk(api, filed.json["id"], "temporary_relief", wf, urgent=True) == []


def test_a_coordinator_cannot_refuse_at_deliberation_but_the_township_can(
    api: Api, clock: Clock, filing: Filing
) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json["id"]
    for _ in ("acceptance", "verification"):
        api.post(f"/api/v1/applications/{app_id}/transitions", "ts-a", json={"action": "advance"})
    assert api.get(f"/api/v1/applications/{app_id}", "ts-a").json["stage"] == "deliberation"

    refused = api.post(f"/api/v1/applications/{app_id}/transitions", "co-a1",
                       json={"action": "reject", "comment": "评议未通过"})
    assert refused.status_code == 403 and refused.json["code"] == "not_your_stage"
    assert "乡镇民政工作人员" in refused.json["message"]
    assert api.get(f"/api/v1/applications/{app_id}", "ts-a").json["status"] == "in_review"

    rejected = api.post(f"/api/v1/applications/{app_id}/transitions", "ts-a",
                        json={"action": "reject", "comment": "民主评议未通过，经乡镇审核不予批准"})
    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"


def test_guide_data_that_hands_a_refusal_to_a_coordinator_is_refused() -> None:
    raw = {"stage": "deliberation", "label": "评议", "actor_role": "coordinator",
           "reject_role": "coordinator", "level": "village", "time_limit_days": 3,
           "description": ""}
    with pytest.raises(ValueError, match="不予批准"):
        workflows._check_deciders("subsistence_allowance", (workflows._stage(raw),))


def test_the_timeline_names_who_may_refuse_in_each_stage(
    api: Api, clock: Clock, filing: Filing
) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json["id"]
    stages = api.get(f"/api/v1/applications/{app_id}/timeline", "res-owner").json["stages"]
    assert {s["stage"]: s["reject_role"] for s in stages} == {
        "acceptance": "township_staff", "verification": "township_staff",
        "deliberation": "township_staff", "public_notice": "township_staff",
        "approval": "city_admin"}
