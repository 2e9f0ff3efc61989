"""Domain tasks the scheduler runs: importable functions taking ids and days, several units.

A task opens one unit of work per item, so a crash part-way keeps what is done and a second
run skips it; the job runner (``notifications``) gives the task its scope and request id.
"""

from __future__ import annotations

import logging
from datetime import date, timedelta

from backend.errors import Conflict, ValidationFailed
from backend.models import Township
from backend.permissions import SYSTEM
from backend.services import applications, care_plans, grievances, planning
from backend.unit_of_work import unit_of_work

_log = logging.getLogger("backend.tasks")

open_due_re_reviews = applications.open_due_re_reviews
escalate_overdue_steps = applications.escalate_overdue_steps
escalate_late_urgent_stages = applications.escalate_late_urgent_stages
escalate_late_grievances = grievances.escalate_late_grievances
generate_due_care_visits = care_plans.generate_due_care_visits


def plan_next_day(township_id: int | None = None, day: date | str | None = None) -> int:
    """Nightly: plan tomorrow for one township, or for every township (one plan each)."""
    if isinstance(day, str):
        day = date.fromisoformat(day)
    day = day or care_plans.local_today() + timedelta(days=1)
    if township_id is None:
        with unit_of_work(actor=SYSTEM):
            city = planning.plan_city_day(day, actor=SYSTEM)
        return sum(township.queued_now for township in city.townships)
    try:
        with unit_of_work(actor=SYSTEM):
            planning.request_plan(township_id, day, actor=SYSTEM)
    except Conflict:
        _log.info("township %s is already being planned for %s", township_id, day)
        return 0
    return 1


def plan_coming_week(township_id: int | None = None, today: date | None = None) -> int:
    """Nightly: place the coming days' visits (the rest of tomorrow's week and the week after
    today's) again where something changed, keeping what did not, then route tomorrow unless
    that placement already queued it; answer the weeks re-placed.

    Tomorrow is routed here rather than by a second nightly job: that one ran after this and
    planned tomorrow again whenever the placement had changed it, the same data twice.
    """
    today = today or care_plans.local_today()
    tomorrow = today + timedelta(days=1)
    weeks = sorted({planning.iso_week(today + timedelta(days=n)) for n in (1, 7)})
    with unit_of_work(actor=SYSTEM):
        ids = ([township_id] if township_id is not None else
               [t.id for t in Township.select(Township.id).order_by(Township.id)])
    placed = 0
    for township in ids:
        routed = False
        for week in weeks:
            try:
                with unit_of_work(actor=SYSTEM):  # one township's week at a time
                    week_plan = planning.replan_week_if_changed(township, week, actor=SYSTEM)
            except (Conflict, ValidationFailed) as exc:
                _log.info("week %s of township %s not placed: %s", week, township, exc.code)
                continue
            placed += week_plan is not None
            routed |= week_plan is not None and tomorrow.isoformat() in week_plan.day_plans
        if not routed:
            plan_next_day(township, tomorrow)
    return placed


def fail_overrun_plans() -> int:
    """Every minute: plans still computing past any job's time budget are marked failed."""
    with unit_of_work(actor=SYSTEM):
        return planning.fail_overrun_plans(actor=SYSTEM)
