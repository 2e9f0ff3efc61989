"""Which workflow moves an actor may make on an application now, and the guard every verb runs.

One table says, per move, the statuses it is made in, who may make it (the role holding the
stage, or named roles for objections) and what the stage must allow. The verbs in ``workflow``
run ``guard`` before changing anything; ``allowed_moves`` runs the same guard for every move
without changing anything, so a page or an API offers exactly the moves the verbs accept.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from backend import workflows
from backend.errors import Conflict, DomainError, PermissionDenied
from backend.models import Application, PublicNoticeObjection, Role
from backend.models.applications import APPLICATION_STATUSES, ApplicationStatus
from backend.permissions import Actor, ActorKind, require
from backend.services.applications import _shared
from backend.services.applications._shared import ACTION_LABELS, get_visible, workflow_of

# Stages in which the office may still ask for missing materials (补正).
SUPPLEMENT_STAGES = ("acceptance", "verification")
_IN_REVIEW = (ApplicationStatus.IN_REVIEW,)
# Objections come from the village, so its coordinator may record them too.
_RECORDS_OBJECTIONS = (Role.COORDINATOR, Role.TOWNSHIP_STAFF)
_RESOLVES_OBJECTIONS = (Role.TOWNSHIP_STAFF,)
# Refusals that pass with time or work (the notice runs out, objections get resolved), as
# opposed to a move that does not belong to this stage at all.
_WAITS = ("public_notice_running", "objections_unresolved")


def open_objections(application: Application) -> int:
    """How many objections to the application's public notice are not resolved yet."""
    return (PublicNoticeObjection.select()
            .where(PublicNoticeObjection.application == application,
                   PublicNoticeObjection.resolved_at.is_null()).count())


def _check_notice_over(application: Application) -> None:
    if application.notice_ends_on and _shared.today() < application.notice_ends_on:
        ends = f"{application.notice_ends_on:%Y-%m-%d}"
        raise Conflict(f"公示期至 {ends} 结束，期满后方可进入下一环节",
                       code="public_notice_running")
    if open_objections(application):
        raise Conflict("公示期间有未处理的异议，处理后方可继续", code="objections_unresolved")


def _advance(application: Application, stage: workflows.Stage) -> None:
    # The urgent track's last post-hoc stage is closed by advancing: the grant came first.
    if workflow_of(application).after(stage.stage) is None and not stage.post_hoc:
        raise Conflict("已到审批环节，请选择批准或不予批准", code="use_approve_or_reject")
    if stage.stage == "public_notice":
        _check_notice_over(application)


def _supplement(application: Application, stage: workflows.Stage) -> None:
    if stage.stage not in SUPPLEMENT_STAGES:
        raise Conflict(f"{stage.label}环节不能退回补正", code="supplement_not_allowed")
    if stage.time_limit_hours is not None:
        raise Conflict("紧急救助先行救助、事后补齐手续，发放前不退回补正",
                       code="urgent_no_supplement")


def _approve(application: Application, stage: workflows.Stage) -> None:
    if stage.stage != "approval":
        raise Conflict(f"当前为{stage.label}环节，尚不能审批", code="not_at_approval")
    if open_objections(application):
        raise Conflict("公示期间有未处理的异议，处理后方可审批", code="objections_unresolved")


def _record_objection(application: Application, stage: workflows.Stage) -> None:
    if stage.stage != "public_notice":
        raise Conflict("只有公示期间可以登记异议", code="not_in_public_notice")


@dataclass(frozen=True)
class _Rule:
    statuses: tuple[ApplicationStatus, ...] = _IN_REVIEW
    roles: tuple[Role, ...] | None = None  # None: the role the stage names for the move
    check: Callable[[Application, workflows.Stage], None] | None = None
    decides: bool = False  # a refusal: the stage's ``reject_role`` holds it, not its actor


RULES: dict[str, _Rule] = {
    "advance": _Rule(check=_advance),
    "approve": _Rule(check=_approve),
    "supplement": _Rule(check=_supplement),
    "reject": _Rule(statuses=(ApplicationStatus.IN_REVIEW, ApplicationStatus.SUPPLEMENT),
                    decides=True),
    "record_objection": _Rule(roles=_RECORDS_OBJECTIONS, check=_record_objection),
    "resolve_objection": _Rule(roles=_RESOLVES_OBJECTIONS),
}


def _require_stage_role(stage: workflows.Stage, actor: Actor, holder: str, says: str) -> None:
    if actor.kind != ActorKind.SYSTEM and actor.role != holder:
        role = workflows.ROLE_LABELS.get(holder, holder)
        raise PermissionDenied(f"当前环节（{stage.label}）{says}{role}办理", code="not_your_stage")


def guard(application: Application, action: str, actor: Actor) -> workflows.Stage:
    """Refuse a move the actor may not make now; answer the stage it is made in.

    Checks, in this order: the application's status, that the actor's role holds the stage
    (for a refusal, the stage's ``reject_role``: a coordinator never refuses; for objections,
    one of the roles the move names), then what the stage must allow.
    """
    rule = RULES[action]
    if application.status not in rule.statuses:
        label = ("待补正" if application.status == ApplicationStatus.SUPPLEMENT
                 else "已办结或未提交")
        raise Conflict(f"该申请当前{label}，不能{ACTION_LABELS[action]}",
                       code="invalid_in_status")
    stage = workflow_of(application).get(application.stage or "")
    if rule.decides:
        _require_stage_role(stage, actor, stage.reject_role, "不予批准由")
    elif rule.roles is None:
        _require_stage_role(stage, actor, stage.actor_role, "由")
    elif actor.role not in rule.roles:
        raise PermissionDenied("无权处理公示异议", code="not_your_stage")
    if rule.check is not None:
        rule.check(application, stage)
    return stage


@dataclass(frozen=True)
class AllowedMoves:
    """What an actor may do with an application now, and why not the rest."""

    actions: tuple[str, ...]  # moves the verbs would accept now, in RULES' order
    next_stage: workflows.Stage | None  # where "advance" leads, when it is allowed
    waiting: dict[str, str] = field(default_factory=dict)  # move -> what it waits for
    refusal: str | None = None  # why no move at all is open to this actor, if none is


def allowed_moves(application_id: int, *, actor: Actor) -> AllowedMoves:
    """The workflow moves this actor may make on the application now (the verbs' own guard)."""
    require(actor, "applications.read")
    application = get_visible(application_id, actor)
    try:
        require(actor, "applications.transition")
    except PermissionDenied as exc:
        return AllowedMoves(actions=(), next_stage=None, refusal=exc.message)
    actions, waiting, refusals = [], {}, list[DomainError]()
    for action in RULES:
        try:
            guard(application, action, actor)
        except DomainError as exc:
            if exc.code in _WAITS:
                waiting[action] = exc.message
            refusals.append(exc)
            continue
        if action != "resolve_objection" or open_objections(application):
            actions.append(action)
    following = (workflow_of(application).after(application.stage)
                 if "advance" in actions and application.stage else None)
    refusal = None if actions or waiting else _why_none(application, refusals)
    return AllowedMoves(actions=tuple(actions), next_stage=following, waiting=waiting,
                        refusal=refusal)


def _why_none(application: Application, refusals: list[DomainError]) -> str | None:
    """One sentence for an actor who can do nothing: the application is closed, or whose it is."""
    if application.status not in RULES["reject"].statuses:
        return f"该申请{APPLICATION_STATUSES[application.status]}，没有可办理的操作"
    role = next((r for r in refusals if isinstance(r, PermissionDenied)), None)
    return (role or refusals[0]).message if refusals else None
