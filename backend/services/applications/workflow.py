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
from backend.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from backend.models import Application, PublicNoticeObjection, Role, StepEscalation, utcnow
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
from backend.versions import ExpectedVersions, hold_version

# Stages in which the office may still ask for missing materials (补正).
SUPPLEMENT_STAGES = ("acceptance", "verification")
_IN_REVIEW = (ApplicationStatus.IN_REVIEW,)
# Objections come from the village, so its coordinator may record them too.
_RECORDS_OBJECTIONS = (Role.COORDINATOR, Role.TOWNSHIP_STAFF)
_RESOLVES_OBJECTIONS = (Role.TOWNSHIP_STAFF,)


@contextmanager
def _move(application_id: int, action: str, *, actor: Actor, topic: str, reason: str,
          expected_versions: ExpectedVersions = None,
          statuses: tuple[ApplicationStatus, ...] = _IN_REVIEW,
          roles: tuple[Role, ...] | None = None) -> Iterator[tuple[Application, workflows.Stage]]:
    """Guard a move, let the verb make it, then save it with its audit row and outbox event.

    The guard checks, in this order: permission and scope, the version the actor decided from
    (when named), the application's status, and that the actor's role holds the stage (or is
    one of ``roles``, for objections). ``topic`` is what the notifications package listens for
    (notifications/templates.py documents them).
    """
    require(actor, "applications.transition")
    with db.atomic():
        application = get_scoped(Application, application_id, Application.area_code, actor)
        hold_version(application, expected_versions)
        if application.status not in statuses:
            label = ("待补正" if application.status == ApplicationStatus.SUPPLEMENT
                     else "已办结或未提交")
            raise Conflict(f"该申请当前{label}，不能{ACTION_LABELS[action]}",
                           code="invalid_in_status")
        stage = workflow_of(application).get(application.stage or "")
        if roles is None:
            _require_stage_role(stage, actor)
        elif actor.role not in roles:
            raise PermissionDenied("无权处理公示异议", code="not_your_stage")
        before = state(application)
        yield application, stage
        application.touch()
        application.save()
        record(application, actor, action, before, reason=reason, topic=topic,
               transition=action, stage=stage.stage)


def _require_stage_role(stage: workflows.Stage, actor: Actor) -> None:
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


def advance_application(application_id: int, command: AdvanceApplication, *, actor: Actor,
                        expected_versions: ExpectedVersions = None) -> Application:
    """Close the current stage and hand the application to the next one (本环节办结)."""
    with _move(application_id, "advance", actor=actor, topic="application.stage_changed",
               reason=command.comment, expected_versions=expected_versions
               ) as (application, stage):
        following = workflow_of(application).after(stage.stage)
        if following is None:
            raise Conflict("已到审批环节，请选择批准或不予批准", code="use_approve_or_reject")
        if stage.stage == "public_notice":
            _check_notice_over(application)
        step(application, actor, "advance", comment=command.comment, to_stage=following.stage)
        enter(application, following, _shared.today())
    return application


def request_supplement(application_id: int, command: RequestSupplement, *, actor: Actor,
                       expected_versions: ExpectedVersions = None) -> Application:
    """Return the application for the listed materials (补正); its clock pauses until then."""
    with _move(application_id, "supplement", actor=actor,
               topic="application.supplement_requested", reason=command.comment,
               expected_versions=expected_versions) as (application, stage):
        if stage.stage not in SUPPLEMENT_STAGES:
            raise Conflict(f"{stage.label}环节不能退回补正", code="supplement_not_allowed")
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


def reject_application(application_id: int, command: RejectApplication, *, actor: Actor,
                       expected_versions: ExpectedVersions = None) -> Application:
    """Refuse the application (不予批准) with the reason the applicant reads; also during 补正."""
    with _move(application_id, "reject", actor=actor, topic="application.decided",
               reason=command.reason, expected_versions=expected_versions,
               statuses=(ApplicationStatus.IN_REVIEW, ApplicationStatus.SUPPLEMENT)
               ) as (application, _):
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


def approve_application(application_id: int, command: ApproveApplication, *, actor: Actor,
                        expected_versions: ExpectedVersions = None) -> Application:
    """Approve at the approval stage (审批): the applicant becomes a client with the benefit."""
    with _move(application_id, "approve", actor=actor, topic="application.decided",
               reason=command.comment, expected_versions=expected_versions
               ) as (application, stage):
        if stage.stage != "approval":
            raise Conflict(f"当前为{stage.label}环节，尚不能审批", code="not_at_approval")
        if _open_objections(application):
            raise Conflict("公示期间有未处理的异议，处理后方可审批", code="objections_unresolved")
        _check_outcome(application, command)
        step(application, actor, "approve", comment=command.comment,
             details={"outcome": command.outcome, "benefit_fen": command.benefit_fen})
        close(application, ApplicationStatus.APPROVED)
        application.decided_at, application.outcome = utcnow(), command.outcome
        application.decision_reason = command.comment or None
        grant_benefit(application, command.benefit_fen, actor)
    return application


def record_objection(application_id: int, command: RecordObjection, *, actor: Actor,
                     expected_versions: ExpectedVersions = None) -> Application:
    """Record an objection raised during the public notice (公示); approval waits for it."""
    with _move(application_id, "record_objection", actor=actor,
               topic="application.objection_recorded", reason=command.content,
               expected_versions=expected_versions,
               roles=_RECORDS_OBJECTIONS) as (application, stage):
        if stage.stage != "public_notice":
            raise Conflict("只有公示期间可以登记异议", code="not_in_public_notice")
        content = command.content.strip()
        if not content:
            raise ValidationFailed("请填写异议内容", code="comment_required",
                                   errors={"comment": ["必填"]})
        objection = PublicNoticeObjection.create(application=application, content=content,
                                                 recorded_by=actor.id)
        step(application, actor, "record_objection", comment=content,
             details={"objection_id": objection.id})
    return application


def resolve_objection(application_id: int, command: ResolveObjection, *, actor: Actor,
                      expected_versions: ExpectedVersions = None) -> Application:
    """Resolve an objection with what was found, so the application may move on."""
    with _move(application_id, "resolve_objection", actor=actor,
               topic="application.objection_resolved", reason=command.resolution,
               expected_versions=expected_versions,
               roles=_RESOLVES_OBJECTIONS) as (application, _):
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
