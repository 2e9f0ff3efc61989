"""The stage engine: staff move an application through its service's workflow, one verb a move.

Workflows come from ``backend.workflows`` (data), never from code here. Every verb runs the same
guard and writes its change, one timeline step, one audit row and its outbox event in one
transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from backend import workflows
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
from backend.models import Application, PublicNoticeObjection, utcnow
from backend.models.applications import RE_REVIEW_OUTCOMES, ApplicationStatus, ReReviewOutcome
from backend.permissions import Actor, get_scoped, require
from backend.services import service_guide
from backend.services.applications import _shared, moves, urgent
from backend.services.applications._shared import (
    close,
    enter,
    record,
    state,
    step,
    workflow_of,
)
from backend.services.applications.re_review import grant_benefit
from backend.versions import ExpectedVersions, hold_version

Topic = str | Callable[[Application], str]


@contextmanager
def _move(application_id: int, action: str, *, actor: Actor, topic: Topic, reason: str,
          expected_versions: ExpectedVersions) -> Iterator[tuple[Application, workflows.Stage]]:
    """Guard a move, let the verb make it, then save it with its audit row and outbox event.

    Permission and scope first, then the version the actor decided from (when named, ``If-Match``),
    then ``moves.guard`` (status, role, what the stage allows), the same guard
    ``allowed_moves`` runs. ``topic`` is what the notifications package listens for
    (notifications/templates.py documents them).
    """
    require(actor, "applications.transition")
    with db.atomic():
        application = get_scoped(Application, application_id, Application.area_code, actor)
        hold_version(application, expected_versions)
        stage = moves.guard(application, action, actor)
        before = state(application)
        yield application, stage
        application.touch()
        application.save()
        record(application, actor, action, before, reason=reason,
               topic=topic if isinstance(topic, str) else topic(application),
               transition=action, stage=stage.stage)


def _decided_topic(application: Application) -> str:
    return ("application.decided" if application.status == ApplicationStatus.APPROVED
            else "application.stage_changed")


def _propose(application: Application, stage: workflows.Stage, benefit_fen: int | None) -> None:
    if benefit_fen is None:
        return
    if stage.stage != "verification":
        raise ValidationFailed("救助金额建议在核查环节办结时提出", code="proposal_not_here",
                               errors={"proposed_benefit_fen": ["仅核查环节可填"]})
    application.proposed_benefit_fen = benefit_fen


def advance_application(application_id: int, command: AdvanceApplication, *, actor: Actor,
                        expected_versions: ExpectedVersions = None) -> Application:
    """Close the current stage and hand the application to the next one (本环节办结).

    After the last post-hoc stage of the urgent track, closing it completes the application
    (补齐手续，办结): the grant was made already.
    """
    with _move(application_id, "advance", actor=actor, topic=_decided_topic,
               reason=command.comment, expected_versions=expected_versions) as (application, stage):
        _propose(application, stage, command.proposed_benefit_fen)
        following = workflow_of(application).after(stage.stage)
        if following is None:  # the guard let only a post-hoc stage through
            step(application, actor, "complete_post_hoc", comment=command.comment)
            close(application, ApplicationStatus.APPROVED)
            application.decided_at = utcnow()
            return application
        details = ({"proposed_benefit_fen": command.proposed_benefit_fen}
                   if command.proposed_benefit_fen is not None else None)
        step(application, actor, "advance", comment=command.comment, to_stage=following.stage,
             details=details)
        enter(application, following, _shared.today())
    return application


def request_supplement(application_id: int, command: RequestSupplement, *, actor: Actor,
                       expected_versions: ExpectedVersions = None) -> Application:
    """Return the application for the listed materials (补正); its clock pauses until then."""
    with _move(application_id, "supplement", actor=actor,
               topic="application.supplement_requested",
               reason=command.comment, expected_versions=expected_versions) as (application, _):
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
               reason=command.reason, expected_versions=expected_versions) as (application, _):
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
    """Approve at the approval stage (审批): the applicant becomes a client with the benefit.

    On the urgent track approval is the grant made first (先行救助); verification follows.
    """
    with _move(application_id, "approve", actor=actor, topic=_granted_topic,
               reason=command.comment, expected_versions=expected_versions) as (application, stage):
        _check_outcome(application, command)
        following = workflow_of(application).after(stage.stage)
        application.outcome = command.outcome
        application.decision_reason = command.comment or None
        if following is not None:  # the urgent track: grant now, verify afterwards
            grant_benefit(application, command.benefit_fen, actor)
            urgent.grant_first(application, actor, command.comment, following)
            return application
        step(application, actor, "approve", comment=command.comment,
             details={"outcome": command.outcome, "benefit_fen": command.benefit_fen})
        close(application, ApplicationStatus.APPROVED)
        application.decided_at = utcnow()
        grant_benefit(application, command.benefit_fen, actor)
    return application


def _granted_topic(application: Application) -> str:
    return ("application.granted" if application.status == ApplicationStatus.IN_REVIEW
            else "application.decided")


def record_objection(application_id: int, command: RecordObjection, *, actor: Actor,
                     expected_versions: ExpectedVersions = None) -> Application:
    """Record an objection raised during the public notice (公示); approval waits for it."""
    with _move(application_id, "record_objection", actor=actor,
               topic="application.objection_recorded",
               reason=command.content, expected_versions=expected_versions) as (application, _):
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
               topic="application.objection_resolved",
               reason=command.resolution, expected_versions=expected_versions) as (application, _):
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
