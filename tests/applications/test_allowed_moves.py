"""The moves offered to a user are exactly the moves the verbs accept, at every stage."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from backend.commands import applications as commands
from backend.db import db
from backend.errors import Conflict, NotFound, PermissionDenied
from backend.models import PublicNoticeObjection
from backend.permissions import Actor
from backend.services import applications, auth
from tests.applications.conftest import PNG, Clock
from tests.conftest import Api

WHO = ("ts-a", "co-a1", "city-admin")


def _actor(api: Api, who: str) -> Actor:
    return auth.actor_for("staff", api.world.staff[who].id)


def _command(action: str, application_id: int) -> Any:
    """A well-formed command of each move, so only the guard can refuse it."""
    open_objection = PublicNoticeObjection.get_or_none(
        PublicNoticeObjection.application == application_id,
        PublicNoticeObjection.resolved_at.is_null())
    return {
        "advance": commands.AdvanceApplication(),
        "supplement": commands.RequestSupplement(missing_materials=("income_proof",)),
        "reject": commands.RejectApplication(reason="家庭收入超过标准"),
        "approve": commands.ApproveApplication(benefit_fen=50_000),
        "record_objection": commands.RecordObjection(content="有村民反映其家中有车"),
        "resolve_objection": commands.ResolveObjection(
            objection_id=open_objection.id if open_objection else None,
            resolution="经核实车辆已于去年出售"),
    }[action]


def _accepted(application_id: int, action: str, actor: Actor) -> bool:
    """Whether the verb makes the move (tried in a transaction that is rolled back)."""
    command = _command(action, application_id)
    with db.atomic() as transaction:
        try:
            applications.VERBS[type(command)](application_id, command, actor=actor)
        except (Conflict, PermissionDenied, NotFound):
            accepted = False
        else:
            accepted = True
        transaction.rollback()
    return accepted


def _agree(api: Api, application_id: int) -> dict[str, tuple[str, ...]]:
    """Each user's offered moves, after checking every move against its verb."""
    offered = {}
    for who in WHO:
        actor = _actor(api, who)
        moves = applications.allowed_moves(application_id, actor=actor)
        accepted = tuple(a for a in applications.moves.RULES
                         if _accepted(application_id, a, actor))
        assert moves.actions == accepted, (who, moves)
        offered[who] = moves.actions
    return offered


def _do(api: Api, application_id: int, who: str, action: str) -> None:
    command = _command(action, application_id)
    applications.VERBS[type(command)](application_id, command, actor=_actor(api, who))


def test_each_stage_offers_its_holder_exactly_what_the_verbs_accept(
    api: Api, clock: Clock, filing: Callable[..., dict[str, Any]]
) -> None:
    filed = api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    app_id = filed.json["id"]
    assert _agree(api, app_id) == {"ts-a": ("advance", "supplement", "reject"),
                                   "co-a1": (), "city-admin": ()}
    _do(api, app_id, "ts-a", "supplement")
    assert _agree(api, app_id)["ts-a"] == ("reject",)  # waiting for the resident's papers
    uploaded = api.post(f"/api/v1/applications/{app_id}/materials?material_code=income_proof",
                        "res-owner", data={"file": (io.BytesIO(PNG), "proof.png")},
                        content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.json
    assert api.post(f"/api/v1/applications/{app_id}/submit", "res-owner").status_code == 200
    assert _agree(api, app_id)["ts-a"] == ("advance", "supplement", "reject")
    _do(api, app_id, "ts-a", "advance")  # → 核查
    assert _agree(api, app_id)["ts-a"] == ("advance", "supplement", "reject")
    _do(api, app_id, "ts-a", "advance")  # → 评议, the village's
    # The village deliberates, but a refusal there is the township's (issue 20: never a
    # coordinator's).
    assert _agree(api, app_id) == {"ts-a": ("reject",), "co-a1": ("advance",),
                                   "city-admin": ()}
    _do(api, app_id, "co-a1", "advance")  # → 公示
    offered = _agree(api, app_id)
    assert offered == {"ts-a": ("reject", "record_objection"), "co-a1": ("record_objection",),
                       "city-admin": ()}
    running = applications.allowed_moves(app_id, actor=_actor(api, "ts-a"))
    assert "公示期至" in running.waiting["advance"]
    _do(api, app_id, "co-a1", "record_objection")
    clock.advance(8)
    assert _agree(api, app_id)["ts-a"] == ("reject", "record_objection", "resolve_objection")
    _do(api, app_id, "ts-a", "resolve_objection")
    assert _agree(api, app_id)["ts-a"] == ("advance", "reject", "record_objection")
    _do(api, app_id, "ts-a", "advance")  # → 审批, the city's
    assert _agree(api, app_id) == {"ts-a": (), "co-a1": (), "city-admin": ("approve", "reject")}
    _do(api, app_id, "city-admin", "approve")
    assert _agree(api, app_id) == {"ts-a": (), "co-a1": (), "city-admin": ()}


def test_a_user_who_can_do_nothing_is_told_why(
    api: Api, clock: Clock, filing: Callable[..., dict[str, Any]]
) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json["id"]
    city = applications.allowed_moves(app_id, actor=_actor(api, "city-admin"))
    assert city.actions == () and city.refusal == "当前环节（受理）由乡镇民政工作人员办理"
    desk = applications.allowed_moves(app_id, actor=_actor(api, "ts-a"))
    assert desk.next_stage is not None and desk.next_stage.label == "核查"
    assert desk.refusal is None
    with pytest.raises(NotFound):
        applications.allowed_moves(app_id, actor=_actor(api, "ts-b"))
    reason = commands.RejectApplication(reason="不符合条件")
    applications.reject_application(app_id, reason, actor=_actor(api, "ts-a"))
    closed = applications.allowed_moves(app_id, actor=_actor(api, "ts-a"))
    assert closed.actions == () and closed.refusal == "该申请未批准，没有可办理的操作"
