"""The demo's route of the day: the first township's social workers have a planned day to open.

Without it the social worker's page would say "no route yet" until someone plans a day at the
desk. Seeding (and every later ``demo seed``) plans the township's next working day from today
(today itself on a weekday) through the same request and job as the desk's 排线 button.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from backend.errors import Conflict
from backend.models import Plan, StaffAccount, Township
from backend.services import auth, planning, visits
from backend.services.care_plans import local_today
from backend.unit_of_work import unit_of_work

LOOK_AHEAD_DAYS = 7


@dataclass(frozen=True)
class DemoRoute:
    """Which township and day the demo's social workers have a route for, and its status."""

    township: str
    day: date
    status: str  # done | failed | …, or "kept" when a published plan already existed

    def describe(self) -> str:
        """One line for the terminal."""
        when = f"{self.day.month}月{self.day.day}日（周{'一二三四五六日'[self.day.weekday()]}）"
        if self.status in ("done", "kept"):
            return f"社工探访路线：{self.township} {when}已排线。"
        if self.status == "running":
            return f"社工探访路线：{self.township} {when}正在排线。"
        return f"社工探访路线：{self.township} {when}排线未成功，可在工作台“探访路线”重新排线。"


def _working_day(township: Township, today: date) -> date | None:
    for offset in range(LOOK_AHEAD_DAYS):
        day = today + timedelta(days=offset)
        if visits.list_workers_for_day(township.id, day):
            return day
    return None


def plan_demo_route(today: date | None = None) -> DemoRoute | None:
    """Plan the first township's next working day unless it has a plan already."""
    township = Township.select().order_by(Township.code).first()
    if township is None:
        return None
    day = _working_day(township, today or local_today())
    if day is None:
        return None
    if planning.latest_published(township.id, day) is not None:
        return DemoRoute(township.name, day, "kept")
    head = StaffAccount.get_or_none(StaffAccount.township == township,
                                    StaffAccount.role == "township_staff",
                                    StaffAccount.is_head == True)  # noqa: E712
    if head is None:
        return None
    office = auth.actor_for("staff", head.id)
    try:
        with unit_of_work(actor=office):
            plan = planning.request_plan(township.id, day, actor=office)
    except Conflict:  # a plan of that day is being computed right now: it will publish itself
        return DemoRoute(township.name, day, "running")
    planning.run_plan(plan.id)  # already run after the commit when jobs run inline: skipped
    return DemoRoute(township.name, day, Plan.get_by_id(plan.id).status)
