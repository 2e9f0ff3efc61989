"""The stage engine: staff move an application through its service's workflow.

Workflows come from ``backend.workflows`` (data), never from code here. Each move writes its
change, one timeline step, one audit row and its outbox event in one transaction.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from backend import audit, outbox, workflows
from backend.db import db
from backend.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from backend.models import Application, PublicNoticeObjection, StepEscalation, utcnow
from backend.models.accounts import Role
from backend.models.applications import RE_REVIEW_OUTCOMES, ApplicationStatus, ReReviewOutcome
from backend.permissions import Actor, ActorKind, get_scoped, require
from backend.services import service_guide
from backend.services.applications import _shared
from backend.services.applications._shared import (
    ACTION_LABELS,
    close,
    enter,
    record,
    state,
    step,
    workflow_of,
)
from backend.services.applications.re_review import grant_benefit
from backend.unit_of_work import unit_of_work

STAFF_ACTIONS = ("advance", "supplement", "reject", "approve", "record_objection",
                 "resolve_objection")
# Topics the notifications package listens for (notifications/templates.py documents them).
TOPICS = {"advance": "application.stage_changed", "supplement": "application.supplement_requested",
          "reject": "application.decided", "approve": "application.decided",
          "record_objection": "application.objection_recorded",
          "resolve_objection": "application.objection_resolved"}
# Stages in which the office may still ask for missing materials (补正).
SUPPLEMENT_STAGES = ("acceptance", "verification")


def _require_stage_role(application: Application, stage: workflows.Stage, actor: Actor) -> None:
    if actor.kind != ActorKind.SYSTEM and actor.role != stage.actor_role:
        role = workflows.ROLE_LABELS.get(stage.actor_role, stage.actor_role)
        raise PermissionDenied(f"当前环节（{stage.label}）由{role}办理", code="not_your_stage")


def _open_objections(application: Application) -> int:
    return (PublicNoticeObjection.select()
            .where(PublicNoticeObjection.application == application,
                   PublicNoticeObjection.resolved_at.is_null()).count())


def _check_notice_over(application: Application) -> None:
    if application.notice_ends_on and _shared.today() < application.notice_ends_on:
        ends = f"{application.notice_ends_on:%Y-%m-%d}"
        raise Conflict(f"公示期至 {ends} 结束，期满后方可进入下一环节",
                       code="public_notice_running")
    if _open_objections(application):
        raise Conflict("公示期间有未处理的异议，处理后方可继续", code="objections_unresolved")


def _advance(application: Application, stage: workflows.Stage, data: dict[str, Any],
             actor: Actor) -> None:
    following = workflow_of(application).after(stage.stage)
    if following is None:
        raise Conflict("已到审批环节，请选择批准或不予批准", code="use_approve_or_reject")
    if stage.stage == "public_notice":
        _check_notice_over(application)
    step(application, actor, "advance", comment=data.get("comment", ""),
         to_stage=following.stage)
    enter(application, following, _shared.today())


def _supplement(application: Application, stage: workflows.Stage, data: dict[str, Any],
                actor: Actor) -> None:
    if stage.stage not in SUPPLEMENT_STAGES:
        raise Conflict(f"{stage.label}环节不能退回补正", code="supplement_not_allowed")
    codes = data.get("missing_materials") or []
    known = {m["code"] for m in service_guide.materials_of(application.service_code)}
    if not codes or any(code not in known for code in codes):
        raise ValidationFailed("请逐项列明本事项材料目录中需要补正的材料",
                               code="invalid_missing_materials",
                               errors={"missing_materials": sorted(set(codes) - known)})
    application.status = ApplicationStatus.SUPPLEMENT
    application.requested_materials = list(dict.fromkeys(codes))
    day = _shared.today()
    application.paused_days_left = max(workflows.working_days_between(
        day, application.stage_due_on or day), 1)
    application.stage_due_on = None
    step(application, actor, "supplement", comment=data.get("comment", ""),
         details={"missing_materials": application.requested_materials})


def _reject(application: Application, stage: workflows.Stage, data: dict[str, Any],
            actor: Actor) -> None:
    reason = (data.get("comment") or "").strip()
    if not reason:
        raise ValidationFailed("不予批准须写明理由", code="reason_required",
                               errors={"comment": ["必填"]})
    step(application, actor, "reject", comment=reason)
    close(application, ApplicationStatus.REJECTED)
    application.decided_at, application.decision_reason = utcnow(), reason


def _approve(application: Application, stage: workflows.Stage, data: dict[str, Any],
             actor: Actor) -> None:
    if stage.stage != "approval":
        raise Conflict(f"当前为{stage.label}环节，尚不能审批", code="not_at_approval")
    if _open_objections(application):
        raise Conflict("公示期间有未处理的异议，处理后方可审批", code="objections_unresolved")
    outcome = data.get("outcome")
    if application.kind == "re_review":
        if outcome not in RE_REVIEW_OUTCOMES:
            raise ValidationFailed("复核须选择结果：继续、调整或停止", code="outcome_required")
        if outcome == ReReviewOutcome.CHANGE and data.get("benefit_fen") is None:
            raise ValidationFailed("调整待遇须填写新的金额（分）", code="benefit_required")
    elif outcome is not None:
        raise ValidationFailed("只有复核有结果选项", code="unexpected_outcome")
    step(application, actor, "approve", comment=data.get("comment", ""),
         details={"outcome": outcome, "benefit_fen": data.get("benefit_fen")})
    close(application, ApplicationStatus.APPROVED)
    application.decided_at, application.outcome = utcnow(), outcome
    application.decision_reason = data.get("comment") or None
    grant_benefit(application, data.get("benefit_fen"), actor)


def _record_objection(application: Application, stage: workflows.Stage, data: dict[str, Any],
                      actor: Actor) -> None:
    if stage.stage != "public_notice":
        raise Conflict("只有公示期间可以登记异议", code="not_in_public_notice")
    content = (data.get("comment") or "").strip()
    if not content:
        raise ValidationFailed("请填写异议内容", code="comment_required",
                               errors={"comment": ["必填"]})
    objection = PublicNoticeObjection.create(application=application, content=content,
                                             recorded_by=actor.id)
    step(application, actor, "record_objection", comment=content,
         details={"objection_id": objection.id})


def _resolve_objection(application: Application, stage: workflows.Stage, data: dict[str, Any],
                       actor: Actor) -> None:
    objection = PublicNoticeObjection.get_or_none(
        PublicNoticeObjection.id == data.get("objection_id"),
        PublicNoticeObjection.application == application)
    if objection is None:
        raise NotFound("未找到该异议", code="objection_not_found")
    if objection.resolved_at is not None:
        raise Conflict("该异议已处理", code="objection_resolved")
    resolution = (data.get("comment") or "").strip()
    if not resolution:
        raise ValidationFailed("请填写处理结果", code="comment_required",
                               errors={"comment": ["必填"]})
    objection.resolution, objection.resolved_at = resolution, utcnow()
    objection.resolved_by_id = actor.id
    objection.save()
    step(application, actor, "resolve_objection", comment=resolution,
         details={"objection_id": objection.id})


_HANDLERS = {"advance": _advance, "supplement": _supplement, "reject": _reject,
             "approve": _approve, "record_objection": _record_objection,
             "resolve_objection": _resolve_objection}
# Objections come from the village, so its coordinator may record them too.
_OBJECTION_ROLES = {"record_objection": (Role.COORDINATOR, Role.TOWNSHIP_STAFF),
                    "resolve_objection": (Role.TOWNSHIP_STAFF,)}


def transition(application_id: int, data: dict[str, Any], *, actor: Actor) -> Application:
    """Move an application through its workflow: advance, 补正, reject, approve, objections."""
    require(actor, "applications.transition")
    action = data["action"]
    with db.atomic():
        application = get_scoped(Application, application_id, Application.area_code, actor)
        allowed_status = ((ApplicationStatus.IN_REVIEW, ApplicationStatus.SUPPLEMENT)
                          if action == "reject" else (ApplicationStatus.IN_REVIEW,))
        if application.status not in allowed_status:
            label = ("待补正" if application.status == ApplicationStatus.SUPPLEMENT
                     else "已办结或未提交")
            raise Conflict(f"该申请当前{label}，不能{ACTION_LABELS[action]}",
                           code="invalid_in_status")
        stage = workflow_of(application).get(application.stage or "")
        if action in _OBJECTION_ROLES:
            if actor.role not in _OBJECTION_ROLES[action]:
                raise PermissionDenied("无权处理公示异议", code="not_your_stage")
        else:
            _require_stage_role(application, stage, actor)
        before = state(application)
        _HANDLERS[action](application, stage, data, actor)
        application.touch()
        application.save()
        record(application, actor, action, before, reason=data.get("comment"),
               topic=TOPICS[action], transition=action, stage=stage.stage)
    return application


# Late stages --------------------------------------------------------------------------------


def escalate_overdue_steps(today: date, *, actor: Actor) -> int:
    """Report every stage past its due date to its township office's head, once; a periodic job.

    The policy holds the responsible person to account when a step is late: each overdue stage
    (per application, stage and due date) is escalated exactly once, however often this runs.
    """
    require(actor, "applications.escalate")
    overdue = (Application.select()
               .where(Application.status == ApplicationStatus.IN_REVIEW,
                      Application.stage_due_on < today)
               .order_by(Application.stage_due_on, Application.id))
    escalated = 0
    for application in overdue:
        with unit_of_work(actor=actor):  # one unit each: a second run skips what is done
            _, created = StepEscalation.get_or_create(
                application=application, stage=application.stage,
                due_on=application.stage_due_on, defaults={"area_code": application.area_code})
            if not created:
                continue
            audit.record(actor=actor, action="application.escalate", entity="application",
                         entity_id=application.id,
                         changes={"escalated": [None, application.stage]},
                         reason=f"{application.stage} 环节已超过 {application.stage_due_on}")
            outbox.emit("application.escalated", application_id=application.id,
                        stage=application.stage, due_on=str(application.stage_due_on))
        escalated += 1
    return escalated
