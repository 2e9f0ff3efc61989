"""When a social worker may check in: on the visit's planned day, once at a time.

A booked visit is planned for the date the township gave it; a care visit for the day of the
latest published plan that routes it, or, while no plan has, from the first day it may count
(a late care visit must still be made). ``visit_checkin_tolerance_days`` (configuration) lets a
check-in fall that many days either side. One visit can be under way per booking or care visit.
"""

from __future__ import annotations

from datetime import date, timedelta

from backend import runtime
from backend.errors import Conflict
from backend.models import Booking, CareVisit, Plan, PlanStop
from backend.models.base import local_today


def visit_day() -> date:
    """The city's day for check-ins; tests replace this to move time."""
    return local_today()


def planned_day(booking: Booking | None, care_visit: CareVisit | None) -> date | None:
    """The day a visit is planned for, or None for a care visit no published plan routes yet."""
    if booking is not None:
        return booking.scheduled_date
    assert care_visit is not None
    stop = (PlanStop.select(PlanStop, Plan).join(Plan)
            .where(PlanStop.source == "care_visit", PlanStop.source_id == care_visit.id,
                   PlanStop.worker.is_null(False), Plan.status == "done")
            .order_by(Plan.day.desc(), Plan.version.desc()).first())
    return stop.plan.day if stop is not None else None


def check_day(booking: Booking | None, care_visit: CareVisit | None) -> None:
    """Refuse a check-in away from the visit's planned day (beyond the configured tolerance)."""
    today, slack = visit_day(), timedelta(days=runtime.settings().visit_checkin_tolerance_days)
    planned = planned_day(booking, care_visit)
    if planned is not None:
        if abs(today - planned) > slack:
            raise Conflict(f"该探访安排在 {planned:%Y-%m-%d}，只能当天签到",
                           code="not_the_planned_day", errors={"planned_day": str(planned)})
        return
    assert care_visit is not None
    if today < care_visit.earliest_date - slack:
        raise Conflict(f"该探访自 {care_visit.earliest_date:%Y-%m-%d} 起方可进行",
                       code="not_the_planned_day",
                       errors={"planned_day": str(care_visit.earliest_date)})


def open_key(booking: Booking | None, care_visit: CareVisit | None) -> str:
    """The key one visit under way holds, so a second check-in for the same visit is refused."""
    if booking is not None:
        return f"booking:{booking.id}"
    assert care_visit is not None
    return f"care:{care_visit.id}"


def already_under_way() -> Conflict:
    """The refusal of a second check-in while the first is open."""
    return Conflict("该探访已签到，正在进行中，不能重复签到", code="visit_in_progress")
