"""Late stages reported to the township office's head, once each: by the day, and by the hour;
and on to the city bureau once late past the standards' threshold (强化责任追究). Each report
names the stage's holder and the head it went to.

The policy holds the responsible person to account when a step is late. Ordinary stages are due
on a date and checked nightly; the urgent track's stages (紧急救助程序) are due at a time and
checked every few minutes, so a late urgent stage is escalated within the hour.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta

from backend import audit, outbox
from backend.models import Application, StepEscalation
from backend.models.applications import ApplicationStatus
from backend.permissions import Actor, require
from backend.services import staff_admin, stage_holders
from backend.services.applications import _shared
from backend.services.supervision.compliance import standards_book
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
    return _escalate_each(overdue, actor, today) + _escalate_to_city(today, actor)


def escalate_late_urgent_stages(*, actor: Actor, now: datetime | None = None) -> int:
    """Report every urgent-track stage past its due hour, once; a periodic job every few minutes."""
    require(actor, "applications.escalate")
    moment = now or _shared.now()
    late = (Application.select()
            .where(Application.status == ApplicationStatus.IN_REVIEW,
                   Application.stage_due_at < moment)
            .order_by(Application.stage_due_at, Application.id))
    return _escalate_each(late, actor, _shared.today())


def _escalate_each(applications: Iterable[Application], actor: Actor, today: date) -> int:
    escalated = 0
    for application in applications:
        with unit_of_work(actor=actor):  # one unit each: a second run skips what is done
            escalated += _escalate(application, actor, today)
    return escalated


def _escalate(application: Application, actor: Actor, today: date) -> int:
    holding = stage_holders.hold_current_stage(application)
    head = staff_admin.township_head_of(application.area_code[:9])
    escalation, created = StepEscalation.get_or_create(
        application=application, stage=application.stage, due_on=application.stage_due_on,
        defaults={"area_code": application.area_code, "due_at": application.stage_due_at,
                  "escalated_on": today, "holder": holding.holder_id if holding else None,
                  "head": head.id if head else None})
    if not created:
        return 0
    due = application.stage_due_at or application.stage_due_on
    audit.record(actor=actor, action="application.escalate", entity="application",
                 entity_id=application.id, changes={"escalated": [None, application.stage],
                                                    "holder": [None, escalation.holder_id],
                                                    "head": [None, escalation.head_id]},
                 reason=f"{application.stage} 环节已超过 {due}", area_code=application.area_code)
    due_at = application.stage_due_at.isoformat() if application.stage_due_at else None
    outbox.emit("application.escalated", application_id=application.id,
                stage=application.stage, due_on=str(application.stage_due_on), due_at=due_at,
                level="township", holder_id=escalation.holder_id)
    return 1


def _escalate_to_city(today: date, actor: Actor) -> int:
    """Stages reported to the head and still open the standards' number of days later go on to
    the city bureau, once each."""
    days = standards_book().on(today).stage_city_escalation_days
    late = (StepEscalation.select(StepEscalation, Application).join(Application)
            .where(StepEscalation.city_escalated_on.is_null(),
                   StepEscalation.escalated_on <= today - timedelta(days=days),
                   Application.status == ApplicationStatus.IN_REVIEW,
                   Application.stage == StepEscalation.stage,
                   Application.stage_due_on == StepEscalation.due_on)
            .order_by(StepEscalation.due_on, StepEscalation.id))
    escalated = 0
    for escalation in late:
        with unit_of_work(actor=actor):  # one unit each: a second run skips what is done
            if not (StepEscalation.update(city_escalated_on=today)
                    .where(StepEscalation.id == escalation.id,
                           StepEscalation.city_escalated_on.is_null()).execute()):
                continue  # a concurrent run took it
            escalated += 1
            application = escalation.application
            audit.record(actor=actor, action="application.escalate_to_city",
                         entity="application", entity_id=application.id,
                         changes={"escalated_to_city": [None, escalation.stage]},
                         reason=f"{escalation.stage} 环节上报乡镇负责人 {days} 日后仍未办结，"
                                "报市民政局",
                         area_code=application.area_code)
            outbox.emit("application.escalated", application_id=application.id,
                        stage=escalation.stage, due_on=str(escalation.due_on), due_at=None,
                        level="city", holder_id=escalation.holder_id)
    return escalated
