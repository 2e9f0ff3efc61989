"""What the week's plan says about one day: care visits it placed on another day still to
come stay off the day's routes, those it placed here go to the worker it chose.

A visit placed on a day already past and still due was missed: it is a candidate again. A
township without a week's plan for the day's week is planned as before, day by day.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from backend.models import WeekPlacement, WeekPlan
from backend.models.base import local_today
from backend.services.visits import VisitCandidate


def iso_week(day: date) -> str:
    """The ISO week a day belongs to, as ``2026-W50``."""
    year, week, _ = day.isocalendar()
    return f"{year}-W{week:02d}"


def latest_week(township_id: int, week: str) -> WeekPlan | None:
    """The latest version of a township's week, if it was ever planned."""
    return (WeekPlan.select().where(WeekPlan.township == township_id, WeekPlan.week == week)
            .order_by(WeekPlan.version.desc()).first())


def as_placed(township_id: int, day: date, candidates: dict[str, VisitCandidate]
              ) -> dict[str, VisitCandidate]:
    """The day's candidates as the week placed them (all of them when it has no week plan)."""
    week = latest_week(township_id, iso_week(day))
    if week is None:
        return candidates
    today = local_today()
    placed = {p.visit_key: p for p in WeekPlacement.select().where(
        WeekPlacement.week_plan == week, WeekPlacement.source == "care_visit",
        WeekPlacement.day.is_null(False))}
    kept = {}
    for key, candidate in candidates.items():
        placement = placed.get(key)
        if placement is None:
            kept[key] = candidate  # new since the week was planned, or left out by it
        elif placement.day == day:
            # Placed here: at least due (not an optional extra), with the worker chosen.
            priority = "due" if candidate.priority == "optional" else candidate.priority
            kept[key] = replace(candidate, priority=priority,
                                preferred_worker_id=placement.worker_id)
        elif placement.day is not None and placement.day < today:
            kept[key] = candidate  # its day passed without the visit: back in the running
    return kept
