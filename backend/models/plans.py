"""Daily route plans: one versioned plan per township and date, and its stops (or drops)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import StaffAccount
from backend.models.base import BaseModel, JSONField, Labelled, TimestampedModel
from backend.models.clients import Client
from backend.models.geography import Township


class PlanStatus(Labelled):
    """A plan version's job: waiting, computing, published or failed."""

    QUEUED = "queued", "排队中"
    RUNNING = "running", "计算中"
    DONE = "done", "已发布"
    FAILED = "failed", "失败"


class PlanProgress(Labelled):
    """What a plan's job is doing now, shown while it runs."""

    QUEUED = "queued", "等待计算"
    GATHERING = "gathering", "收集探访与排班"
    SOLVING = "solving", "计算路线"
    STORING = "storing", "保存并发布"
    DONE = "done", "已完成"
    FAILED = "failed", "计算失败"


PLAN_STATUSES = PlanStatus.labels()
PLAN_PROGRESS = PlanProgress.labels()
# Why a stop is held in place when the day is re-planned.
STOP_FIXED = {"finished": "已完成", "started": "已签到", "locked": "已锁定"}
# Where a plan's travel times came from.
TRAVEL_SOURCES = {
    "osrm": "道路网络（OSRM）",
    "straight_line": "直线距离估算",
    "straight_line_fallback": "直线距离估算（OSRM 不可用）",
}
# Why a plan fell back to straight lines: OsrmError's code (OSRM's own or the failure's kind),
# said for people; any other code reads as "道路服务返回错误（code）".
TRAVEL_FALLBACK_REASONS = {
    "unreachable": "无法连接道路服务",
    "TooBig": "探访点数超过道路服务上限",
    "NoTable": "道路服务未返回行程表",
    "bad_table": "道路服务返回的行程表不完整",
}
DROP_REASONS = {
    "no_worker_has_skill": "无社工具备所需技能",
    "no_time_window_fits": "时间窗口无法满足",
    "no_time_left": "社工当日时间不足",
    "no_partner": "须两名社工同行，但无可同行的社工",
}


class Plan(TimestampedModel):
    """One version of a township's plan for a date: its job's status, progress and outcome."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        township_id: int
        based_on_id: int | None
        successors: pw.ModelSelect[Plan]
        stops: pw.ModelSelect[PlanStop]

    township = pw.ForeignKeyField(Township, backref="plans", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)  # the township's code, for scoping
    day = pw.DateField()
    version = pw.IntegerField()
    status = pw.CharField(max_length=10, default="queued", index=True)  # PLAN_STATUSES
    progress = pw.CharField(max_length=12, default="queued")  # PLAN_PROGRESS
    based_on = pw.ForeignKeyField("self", null=True, backref="successors", on_delete="SET NULL")
    # {visit_key: worker_id} that staff locked or moved; carried to every later version.
    locks = JSONField(default=dict)
    requested_by_kind = pw.CharField(max_length=10)  # staff | system
    requested_by_id = pw.IntegerField(null=True)
    job_id = pw.CharField(max_length=60, null=True)
    error = pw.TextField(null=True)
    # [{worker_id, start, end, break_start, travel_time, distance}] in seconds and metres.
    routes = JSONField(default=list)
    objective = JSONField(default=dict)
    feasible = pw.BooleanField(null=True)
    visit_count = pw.IntegerField(default=0)
    dropped_count = pw.IntegerField(default=0)
    solve_seconds = pw.FloatField(null=True)
    travel_source = pw.CharField(max_length=24, null=True)  # TRAVEL_SOURCES; null until solved
    # OsrmError's code when travel_source is straight_line_fallback (TRAVEL_FALLBACK_REASONS).
    travel_fallback_reason = pw.CharField(max_length=32, null=True)
    started_at = pw.DateTimeField(null=True)
    finished_at = pw.DateTimeField(null=True)

    @property
    def travel_source_label(self) -> str | None:
        """Where the plan's travel times came from, and why not the roads when OSRM failed."""
        if self.travel_source is None:
            return None  # not solved yet
        label = TRAVEL_SOURCES.get(self.travel_source, self.travel_source)
        reason = self.travel_fallback_reason
        if self.travel_source != "straight_line_fallback" or not reason:
            return label
        said = TRAVEL_FALLBACK_REASONS.get(reason, f"道路服务返回错误（{reason}）")
        return f"直线距离估算（OSRM 不可用：{said}）"

    class Meta:
        table_name = "plan"
        # Two requests racing for the next version: one wins, the other gets a 409.
        indexes = ((("township", "day", "version"), True),)


class PlanStop(BaseModel):
    """A visit in a plan: a worker's n-th stop with its times, or dropped with the reason; a
    visit for two workers has a stop on each one's route."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        plan_id: int
        worker_id: int | None
        partner_worker_id: int | None
        client_id: int | None

    plan = pw.ForeignKeyField(Plan, backref="stops", on_delete="CASCADE")
    worker = pw.ForeignKeyField(StaffAccount, null=True, backref="plan_stops",
                                on_delete="SET NULL")
    position = pw.IntegerField(null=True)  # 0-based order in the worker's route
    visit_key = pw.CharField(max_length=30)  # "booking:12" / "care:5", as #4 names candidates
    source = pw.CharField(max_length=12)  # booking | care_visit
    source_id = pw.IntegerField()
    # NULL for a doorstep visit to an applicant who is not a registered client yet.
    client = pw.ForeignKeyField(Client, null=True, backref="plan_stops", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    kind = pw.CharField(max_length=20)
    priority = pw.CharField(max_length=10)
    lat = pw.DoubleField()
    lng = pw.DoubleField()
    windows = JSONField(default=list)  # [[start_s, end_s], ...] seconds since local midnight
    duration_s = pw.IntegerField()
    required_skills = JSONField(default=list)
    arrival_s = pw.IntegerField(null=True)
    start_s = pw.IntegerField(null=True)
    end_s = pw.IntegerField(null=True)
    travel_s = pw.IntegerField(null=True)  # the leg that leads here
    distance_m = pw.IntegerField(null=True)
    fixed = pw.CharField(max_length=10, null=True)  # STOP_FIXED
    drop_reason = pw.CharField(max_length=24, null=True)  # DROP_REASONS
    # A visit two workers make together is a stop on both routes, each naming the other.
    workers_needed = pw.IntegerField(default=1)
    partner_worker = pw.ForeignKeyField(StaffAccount, null=True, backref="partner_stops",
                                        on_delete="SET NULL")

    class Meta:
        table_name = "plan_stop"
        indexes = ((("plan", "visit_key", "worker"), True),)
