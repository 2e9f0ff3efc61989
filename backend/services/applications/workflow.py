"""The stage engine: staff move an application through its service's workflow, one verb a move.

Workflows come from ``backend.workflows`` (data), never from code here. Every verb runs the same
guard and writes its change, one timeline step, one audit row and its outbox event in one
transaction.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date

from backend import audit, outbox, workflows
from backend.commands.applications import (
    AdvanceApplication,
    ApproveApplication,
    RecordObjection,
    RejectApplication,
    RequestSupplement,
    ResolveObjection,
)
from backend.db import db
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.models import Application, PublicNoticeObjection, StepEscalation, utcnow
from backend.models.applications import RE_REVIEW_OUTCOMES, ApplicationStatus, ReReviewOutcome
from backend.permissions import Actor, get_scoped, require
from backend.services import service_guide
from backend.services.applications import _shared, moves
from backend.services.applications._shared import (
    close,
    enter,
    record,
    state,
    step,
    workflow_of,
)
from backend.services.applications.re_review import grant_benefit
from backend.unit_of_work import unit_of_work


@contextmanager
def _move(application_id: int, action: str, *, actor: Actor, topic: str,
          reason: str) -> Iterator[tuple[Application, workflows.Stage]]:
    """Guard a move, let the verb make it, then save it with its audit row and outbox event.

    Permission and scope first, then ``moves.guard`` (status, role, what the stage allows), the
    same guard ``allowed_moves`` runs. ``topic`` is what the notifications package listens for
    (notifications/templates.py documents them).
    """
    require(actor, "applications.transition")
    with db.atomic():
        application = get_scoped(Application, application_id, Application.area_code, actor)
        stage = moves.guard(application, action, actor)
        before = state(application)
        yield application, stage
        application.touch()
        application.save()
        record(application, actor, action, before, reason=reason, topic=topic,
               transition=action, stage=stage.stage)


def advance_application(application_id: int, command: AdvanceApplication, *,
                        actor: Actor) -> Application:
    """Close the current stage and hand the application to the next one (本环节办结)."""
    with _move(application_id, "advance", actor=actor, topic="application.stage_changed",
               reason=command.comment) as (application, stage):
        following = workflow_of(application).after(stage.stage)
        assert following is not None  # the guard refused the last stage
        step(application, actor, "advance", comment=command.comment, to_stage=following.stage)
        enter(application, following, _shared.today())
    return application


def request_supplement(application_id: int, command: RequestSupplement, *,
                       actor: Actor) -> Application:
    """Return the application for the listed materials (补正); its clock pauses until then."""
    with _move(application_id, "supplement", actor=actor,
               topic="application.supplement_requested",
               reason=command.comment) as (application, _):
        codes = list(command.missing_materials)
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
        step(application, actor, "supplement", comment=command.comment,
             details={"missing_materials": application.requested_materials})
    return application


def reject_application(application_id: int, command: RejectApplication, *,
                       actor: Actor) -> Application:
    """Refuse the application (不予批准) with the reason the applicant reads; also during 补正."""
    with _move(application_id, "reject", actor=actor, topic="application.decided",
               reason=command.reason) as (application, _):
        reason = command.reason.strip()
        if not reason:
            raise ValidationFailed("不予批准须写明理由", code="reason_required",
                                   errors={"comment": ["必填"]})
        step(application, actor, "reject", comment=reason)
        close(application, ApplicationStatus.REJECTED)
        application.decided_at, application.decision_reason = utcnow(), reason
    return application


def _check_outcome(application: Application, command: ApproveApplication) -> None:
    if application.kind == "re_review":
        if command.outcome not in RE_REVIEW_OUTCOMES:
            raise ValidationFailed("复核须选择结果：继续、调整或停止", code="outcome_required")
        if command.outcome == ReReviewOutcome.CHANGE and command.benefit_fen is None:
            raise ValidationFailed("调整待遇须填写新的金额（分）", code="benefit_required")
    elif command.outcome is not None:
        raise ValidationFailed("只有复核有结果选项", code="unexpected_outcome")


def approve_application(application_id: int, command: ApproveApplication, *,
                        actor: Actor) -> Application:
    """Approve at the approval stage (审批): the applicant becomes a client with the benefit."""
    with _move(application_id, "approve", actor=actor, topic="application.decided",
               reason=command.comment) as (application, _):
        _check_outcome(application, command)
        step(application, actor, "approve", comment=command.comment,
             details={"outcome": command.outcome, "benefit_fen": command.benefit_fen})
        close(application, ApplicationStatus.APPROVED)
        application.decided_at, application.outcome = utcnow(), command.outcome
        application.decision_reason = command.comment or None
        grant_benefit(application, command.benefit_fen, actor)
    return application


def record_objection(application_id: int, command: RecordObjection, *,
                     actor: Actor) -> Application:
    """Record an objection raised during the public notice (公示); approval waits for it."""
    with _move(application_id, "record_objection", actor=actor,
               topic="application.objection_recorded",
               reason=command.content) as (application, _):
        content = command.content.strip()
        if not content:
            raise ValidationFailed("请填写异议内容", code="comment_required",
                                   errors={"comment": ["必填"]})
        objection = PublicNoticeObjection.create(application=application, content=content,
                                                 recorded_by=actor.id)
        step(application, actor, "record_objection", comment=content,
             details={"objection_id": objection.id})
    return application


def resolve_objection(application_id: int, command: ResolveObjection, *,
                      actor: Actor) -> Application:
    """Resolve an objection with what was found, so the application may move on."""
    with _move(application_id, "resolve_objection", actor=actor,
               topic="application.objection_resolved",
               reason=command.resolution) as (application, _):
        objection = PublicNoticeObjection.get_or_none(
            PublicNoticeObjection.id == command.objection_id,
            PublicNoticeObjection.application == application)
        if objection is None:
            raise NotFound("未找到该异议", code="objection_not_found")
        if objection.resolved_at is not None:
            raise Conflict("该异议已处理", code="objection_resolved")
        resolution = command.resolution.strip()
        if not resolution:
            raise ValidationFailed("请填写处理结果", code="comment_required",
                                   errors={"comment": ["必填"]})
        objection.resolution, objection.resolved_at = resolution, utcnow()
        objection.resolved_by_id = actor.id
        objection.save()
        step(application, actor, "resolve_objection", comment=resolution,
             details={"objection_id": objection.id})
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
