"""A township's week: which day (and worker) each due care visit and booking is placed on,
versioned like the day's plans; each day is then routed by the day's plan."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import StaffAccount
from backend.models.base import BaseModel, JSONField, TimestampedModel
from backend.models.clients import Client
from backend.models.geography import Township

# Why a visit was given no day of the week (scheduler.week.UnplacedReason).
UNPLACED_REASONS = {
    "no_day_in_window": "探访期限内无社工在岗",
    "no_worker_has_skill": "在岗社工无所需技能",
    "no_partner": "须两名社工同行，但无两人同时在岗",
    "no_time_left": "期限内各天工作量已满",
    "next_week": "本周已满，顺延至下周（期限未到）",
}
# Why a placed visit sits on its day: staff pinned it, or the nightly re-plan kept it there.
PLACEMENT_HELD = {"pinned": "已固定日期", "kept": "沿用上一版安排", "booking": "预约日期"}


class WeekPlan(TimestampedModel):
    """One version of a township's week: its placement's outcome and staff's pins."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        township_id: int
        placements: pw.ModelSelect[WeekPlacement]

    township = pw.ForeignKeyField(Township, backref="week_plans", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)  # the township's code, for scoping
    week = pw.CharField(max_length=8)  # ISO week, "2026-W50"
    monday = pw.DateField()
    version = pw.IntegerField()
    # {visit_key: "YYYY-MM-DD"} staff pinned; carried to every later version.
    pins = JSONField(default=dict)
    requested_by_kind = pw.CharField(max_length=10)  # staff | system
    requested_by_id = pw.IntegerField(null=True)
    keep_placements = pw.BooleanField(default=False)  # only what changed was placed anew
    placed_count = pw.IntegerField(default=0)
    unplaced_count = pw.IntegerField(default=0)
    optimal = pw.BooleanField(default=False)
    solve_seconds = pw.FloatField(default=0.0)
    # What the placement was computed from: the nightly job skips a week that has not changed.
    fingerprint = pw.CharField(max_length=64)
    # {"YYYY-MM-DD": plan_id} of the day plans this version asked for (days it changed).
    day_plans = JSONField(default=dict)

    class Meta:
        table_name = "week_plan"
        indexes = ((("township", "week", "version"), True),)


class WeekPlacement(BaseModel):
    """A visit of the week: the day and worker(s) it was placed on, or why it was not."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        week_plan_id: int
        worker_id: int | None
        partner_worker_id: int | None
        client_id: int | None

    week_plan = pw.ForeignKeyField(WeekPlan, backref="placements", on_delete="CASCADE")
    visit_key = pw.CharField(max_length=30)  # "booking:12" / "care:5", as the day's plan
    source = pw.CharField(max_length=12)  # booking | care_visit
    source_id = pw.IntegerField()
    client = pw.ForeignKeyField(Client, null=True, backref="week_placements",
                                on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    kind = pw.CharField(max_length=20)
    priority = pw.CharField(max_length=10)  # scheduler.Priority
    earliest = pw.DateField()  # the window of days it may go on, inside the week
    latest = pw.DateField()
    duration_s = pw.IntegerField()
    workers_needed = pw.IntegerField(default=1)
    day = pw.DateField(null=True)  # null: not placed this week
    worker = pw.ForeignKeyField(StaffAccount, null=True, backref="week_placements",
                                on_delete="SET NULL")
    partner_worker = pw.ForeignKeyField(StaffAccount, null=True,
                                        backref="week_partner_placements", on_delete="SET NULL")
    held = pw.CharField(max_length=10, null=True)  # PLACEMENT_HELD
    reason = pw.CharField(max_length=24, null=True)  # UNPLACED_REASONS

    class Meta:
        table_name = "week_placement"
        indexes = ((("week_plan", "visit_key"), True),)
