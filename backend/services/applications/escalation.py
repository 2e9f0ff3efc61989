"""Late stages reported to the township office's head, once each: by the day, and by the hour.

The policy holds the responsible person to account when a step is late. Ordinary stages are due
on a date and checked nightly; the urgent track's stages (紧急救助程序) are due at a time and
checked every few minutes, so a late urgent stage is escalated within the hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime

from backend import audit, outbox
from backend.models import Application, StepEscalation
from backend.models.applications import ApplicationStatus
from backend.permissions import Actor, require
from backend.services.applications import _shared
from backend.unit_of_work import unit_of_work


def escalate_overdue_steps(today: date, *, actor: Actor) -> int:
    """Report every stage past its due date to its township office's head, once; a periodic job.

    Each overdue stage (per application, stage and due date) is escalated exactly once, however
    often this runs.
    """
    require(actor, "applications.escalate")
    overdue = (Application.select()
               .where(Application.status == ApplicationStatus.IN_REVIEW,
                      Application.stage_due_on < today)
               .order_by(Application.stage_due_on, Application.id))
    return _escalate_each(overdue, actor)


def escalate_late_urgent_stages(*, actor: Actor, now: datetime | None = None) -> int:
    """Report every urgent-track stage past its due hour, once; a periodic job every few minutes."""
    require(actor, "applications.escalate")
    moment = now or _shared.now()
    late = (Application.select()
            .where(Application.status == ApplicationStatus.IN_REVIEW,
                   Application.stage_due_at < moment)
            .order_by(Application.stage_due_at, Application.id))
    return _escalate_each(late, actor)


def _escalate_each(applications: Iterable[Application], actor: Actor) -> int:
    escalated = 0
    for application in applications:
        with unit_of_work(actor=actor):  # one unit each: a second run skips what is done
            escalated += _escalate(application, actor)
    return escalated


def _escalate(application: Application, actor: Actor) -> int:
    _, created = StepEscalation.get_or_create(
        application=application, stage=application.stage, due_on=application.stage_due_on,
        defaults={"area_code": application.area_code, "due_at": application.stage_due_at})
    if not created:
        return 0
    due = application.stage_due_at or application.stage_due_on
    audit.record(actor=actor, action="application.escalate", entity="application",
                 entity_id=application.id, changes={"escalated": [None, application.stage]},
                 reason=f"{application.stage} 环节已超过 {due}", area_code=application.area_code)
    due_at = application.stage_due_at.isoformat() if application.stage_due_at else None
    outbox.emit("application.escalated", application_id=application.id,
                stage=application.stage, due_on=str(application.stage_due_on), due_at=due_at)
    return 1
