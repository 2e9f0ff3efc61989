"""Reading applications: lists, one application, its timeline, the work queue, late stages."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any, cast

import peewee as pw

from backend import workflows
from backend.models import (
    Application,
    ApplicationStep,
    PublicNoticeObjection,
    Role,
    StepEscalation,
    Township,
)
from backend.models.applications import ApplicationStatus
from backend.permissions import Actor, require, scoped
from backend.services.applications import _shared, urgent
from backend.services.applications._shared import get_visible, visible, workflow_of


@dataclass(frozen=True)
class ApplicationFilter:
    """What an application list can be narrowed by."""

    service_code: str | None = None
    status: str | None = None
    stage: str | None = None
    kind: str | None = None


def list_applications(filters: ApplicationFilter, *,
                      actor: Actor) -> pw.ModelSelect[Application]:
    """Applications the actor may see, newest first (a query to paginate)."""
    require(actor, "applications.read")
    query = visible(actor)
    for field, value in (("service_code", filters.service_code), ("status", filters.status),
                         ("stage", filters.stage), ("kind", filters.kind)):
        if value is not None:
            query = query.where(getattr(Application, field) == value)
    return query.order_by(Application.id.desc())


def get_application(application_id: int, *, actor: Actor) -> Application:
    """One application the actor may see."""
    require(actor, "applications.read")
    return get_visible(application_id, actor)


def is_overdue(application: Application) -> bool:
    """True when the current stage's clock has run past its due date (or hour, if timed so)."""
    if application.status != ApplicationStatus.IN_REVIEW:
        return False
    if application.stage_due_at is not None:
        return bool(application.stage_due_at < _shared.now())
    return application.stage_due_on is not None and application.stage_due_on < _shared.today()


def timeline(application_id: int, *, actor: Actor) -> dict[str, Any]:
    """Every step with who, when and why; the current stage, who holds it and its due date."""
    require(actor, "applications.read")
    application = get_visible(application_id, actor)
    stage = (workflow_of(application).get(application.stage)
             if application.stage_role and application.stage else None)
    steps = list(application.steps.order_by(ApplicationStep.created_at, ApplicationStep.id))
    return {
        "application": application, "steps": steps,
        "current_stage": stage.stage if stage else None,
        "current_stage_label": stage.label if stage else None,
        "holder_role": stage.actor_role if stage else None,
        "holder_label": workflows.ROLE_LABELS.get(stage.actor_role) if stage else None,
        "due_on": application.stage_due_on, "due_at": application.stage_due_at,
        "overdue": is_overdue(application),
        "paused": application.status == ApplicationStatus.SUPPLEMENT,
        "stages": [{"stage": s.stage, "label": s.label, "actor_role": s.actor_role,
                    "reject_role": s.reject_role, "time_limit_days": s.time_limit_days,
                    "time_limit_hours": s.time_limit_hours, "post_hoc": s.post_hoc}
                   for s in workflow_of(application).stages],
        "track": urgent.track_view(application),
        "objections": list(application.objections.order_by(PublicNoticeObjection.id)),
    }


@dataclass(frozen=True)
class QueueFilter:
    """What the work queue can be narrowed by: service, stage and the stage's due date."""

    service_code: str | None = None
    stage: str | None = None
    overdue_only: bool = False
    due_from: date | None = None  # due on or after
    due_to: date | None = None  # due on or before
    due_within_days: int | None = None  # due from today up to this many days ahead


def _waiting(actor: Actor) -> pw.ModelSelect[Application]:
    waits_on_me = Application.stage_role == actor.role
    if actor.role == Role.CITY_ADMIN:  # and stages late past the city threshold (责任追究)
        waits_on_me |= Application.id.in_(_escalated_to_city())
    return scoped(Application.select(), Application.area_code, actor).where(
        Application.status == ApplicationStatus.IN_REVIEW, waits_on_me)


def _escalated_to_city() -> pw.ModelSelect[StepEscalation]:
    """Applications whose current stage went on to the city bureau."""
    return (StepEscalation.select(StepEscalation.application).join(Application)
            .where(StepEscalation.city_escalated_on.is_null(False),
                   StepEscalation.stage == Application.stage,
                   StepEscalation.due_on == Application.stage_due_on))


def work_queue(filters: QueueFilter | None = None, *,
               actor: Actor) -> pw.ModelSelect[Application]:
    """Applications waiting on the actor's role in their scope, soonest due first."""
    require(actor, "applications.queue")
    wanted, query = filters or QueueFilter(), _waiting(actor)
    if wanted.service_code is not None:
        query = query.where(Application.service_code == wanted.service_code)
    if wanted.stage is not None:
        query = query.where(Application.stage == wanted.stage)
    if wanted.overdue_only:
        query = query.where(Application.stage_due_on < _shared.today())
    if wanted.due_from is not None:
        query = query.where(Application.stage_due_on >= wanted.due_from)
    if wanted.due_to is not None:
        query = query.where(Application.stage_due_on <= wanted.due_to)
    if wanted.due_within_days is not None:
        today = _shared.today()
        query = query.where(Application.stage_due_on.between(
            today, today + timedelta(days=wanted.due_within_days)))
    return query.order_by(Application.stage_due_on, Application.id)


def queue_summary(*, actor: Actor) -> list[dict[str, Any]]:
    """The work queue by stage, in workflow order: how many wait, how many are late, when the
    soonest falls due."""
    require(actor, "applications.queue")
    late = pw.fn.SUM(pw.Case(None, [(Application.stage_due_on < _shared.today(), 1)], 0))
    query = (_waiting(actor)
             .select(Application.stage, pw.fn.COUNT(Application.id), late,
                     pw.fn.MIN(Application.stage_due_on))
             .group_by(Application.stage).tuples())
    rows = cast(Iterable[tuple[str, int, int | None, date | None]], query)
    order = [*workflows.STAGE_LABELS, None]
    return [{"stage": stage, "stage_label": workflows.STAGE_LABELS.get(stage, stage),
             "waiting": waiting, "overdue": int(overdue or 0), "next_due": next_due}
            for stage, waiting, overdue, next_due in sorted(
                rows, key=lambda r: order.index(r[0] if r[0] in order else None))]


def overdue_report(*, actor: Actor) -> list[dict[str, Any]]:
    """Open applications and late ones per township and stage, for the city's supervision."""
    require(actor, "applications.report")
    day, rows = _shared.today(), dict[tuple[str, str], dict[str, int]]()
    query = scoped(Application.select(Application.area_code, Application.stage,
                                      Application.stage_due_on),
                   Application.area_code, actor).where(
        Application.status == ApplicationStatus.IN_REVIEW)
    for app in query:
        key = (app.area_code[:9], app.stage or "")
        row = rows.setdefault(key, {"open": 0, "overdue": 0})
        row["open"] += 1
        row["overdue"] += int(app.stage_due_on is not None and app.stage_due_on < day)
    names = {t.code: t.name for t in Township.select(Township.code, Township.name)}
    return [{"township_code": code, "township_name": names.get(code, ""), "stage": stage,
             "stage_label": workflows.STAGE_LABELS.get(stage, stage), "open_count": r["open"],
             "overdue_count": r["overdue"]}
            for (code, stage), r in sorted(rows.items())]
