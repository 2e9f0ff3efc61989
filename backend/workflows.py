"""Per-service workflows as data: which stages apply, who acts at each, and how long it may take.

The stages, roles and limits come from ``fixtures/service_guide.json`` (its README documents the
shape); nothing about a service's procedure is written in code, so a city changes the data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, replace
from datetime import date, timedelta
from functools import cache
from pathlib import Path
from typing import Any

from backend.errors import NotFound

GUIDE_PATH = Path(__file__).resolve().parent / "fixtures" / "service_guide.json"
STAGE_LABELS = {"acceptance": "受理", "verification": "核查", "deliberation": "评议",
                "public_notice": "公示", "approval": "审批"}
ROLE_LABELS = {"coordinator": "村（居）民政协管员", "township_staff": "乡镇民政工作人员",
               "city_admin": "市民政局"}
# The roles a final decision (批准、不予批准) may belong to: never a village coordinator.
DECIDING_ROLES = frozenset({"township_staff", "city_admin"})
KINDS = {"application": "申请", "re_review": "复核"}
TRACKS = {"normal": "一般程序", "urgent": "紧急救助程序"}


@dataclass(frozen=True)
class Stage:
    """One step of a workflow that applies to a service."""

    stage: str
    label: str
    actor_role: str  # who advances it (and approves, at the approval stage)
    reject_role: str  # who may refuse the application in it: a DECIDING_ROLES role
    level: str
    time_limit_days: int
    description: str
    time_limit_hours: int | None = None  # urgent track: the stage's clock runs in hours
    post_hoc: bool = False  # urgent track: completed after the grant (事后补齐手续)


@dataclass(frozen=True)
class Workflow:
    """The applicable stages of a service's application or re-review, in order."""

    service_code: str
    kind: str  # application | re_review
    stages: tuple[Stage, ...]
    public_notice_days: int
    track: str = "normal"  # TRACKS
    time_limit_hours: int | None = None  # urgent track: from submission to the grant

    def first(self) -> Stage:
        """The stage an application enters when it is submitted."""
        return self.stages[0]

    def get(self, stage: str) -> Stage:
        """A stage by code (it must apply to this workflow)."""
        return next(s for s in self.stages if s.stage == stage)

    def after(self, stage: str) -> Stage | None:
        """The stage following ``stage``, or None after the last."""
        codes = [s.stage for s in self.stages]
        index = codes.index(stage)
        return self.stages[index + 1] if index + 1 < len(codes) else None


@cache
def guide() -> dict[str, Any]:
    """The shipped service guide (parsed once; treat it as read-only)."""
    data: dict[str, Any] = json.loads(GUIDE_PATH.read_text(encoding="utf-8"))
    return data


def service(code: str) -> dict[str, Any]:
    """A shipped service entry, or NotFound."""
    services = guide()["services"]
    if code not in services:
        raise NotFound("未找到该服务事项", code="service_not_found")
    entry: dict[str, Any] = services[code]
    return entry


def _stage(raw: dict[str, Any]) -> Stage:
    return Stage(stage=raw["stage"], label=raw["label"], actor_role=raw["actor_role"],
                 reject_role=raw["reject_role"], level=raw["level"],
                 time_limit_days=raw["time_limit_days"], description=raw["description"])


@cache
def workflow(service_code: str, kind: str = "application") -> Workflow:
    """The workflow of a service: its application stages, or its re-review stages."""
    entry = service(service_code)
    raw = entry["workflow"] if kind == "application" else entry.get("re_review_workflow")
    if raw is None:
        raise NotFound("该服务事项没有定期复核", code="no_re_review")
    stages = tuple(_stage(s) for s in raw["stages"] if s.get("applies", True))
    _check_deciders(service_code, stages)
    return Workflow(service_code=service_code, kind=kind, stages=stages,
                    public_notice_days=entry["workflow"].get("public_notice_days", 7))


def _check_deciders(service_code: str, stages: tuple[Stage, ...]) -> None:
    """Refuse guide data that hands a final decision to a role that may not take one."""
    for stage in stages:
        decider = stage.actor_role if stage.stage == "approval" else stage.reject_role
        if decider not in DECIDING_ROLES or stage.reject_role not in DECIDING_ROLES:
            raise ValueError(f"{service_code}: {stage.stage} 的审批或不予批准角色须为"
                             f"乡镇民政工作人员或市民政局，而不是 {decider}")


def urgent_track(service_code: str) -> dict[str, Any] | None:
    """The service's urgent track (紧急救助程序) as the guide publishes it, or None."""
    track: dict[str, Any] | None = service(service_code)["workflow"].get("urgent_track")
    return track


@cache
def urgent_workflow(service_code: str) -> Workflow:
    """The urgent track as a workflow: its stages by the hour, then the post-hoc ones.

    The stages named in the track run at once, each with its hours and under the track's own
    roles (the township grants first, 先行救助); the post-hoc stages follow the grant with
    their ordinary limits in working days.
    """
    track = urgent_track(service_code)
    if track is None:
        raise NotFound("该服务事项没有紧急救助程序", code="no_urgent_track")
    by_code = {s.stage: s for s in workflow(service_code).stages}
    roles, hours = track.get("stage_roles", {}), track["stage_time_limit_hours"]
    stages = [replace(by_code[code], actor_role=roles.get(code, by_code[code].actor_role),
                      reject_role=roles.get(code, by_code[code].reject_role),
                      time_limit_hours=hours[code]) for code in track["stages"]]
    stages += [replace(by_code[code], post_hoc=True) for code in track["post_hoc_stages"]]
    _check_deciders(service_code, tuple(stages))
    return Workflow(service_code=service_code, kind="application", stages=tuple(stages),
                    public_notice_days=workflow(service_code).public_notice_days,
                    track="urgent", time_limit_hours=track["time_limit_hours"])


def add_working_days(start: date, days: int) -> date:
    """The date ``days`` working days (Monday to Friday) after ``start``."""
    current, left = start, days
    while left > 0:
        current += timedelta(days=1)
        if current.weekday() < 5:
            left -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end is not later)."""
    count, current = 0, start
    while current < end:
        current += timedelta(days=1)
        if current.weekday() < 5:
            count += 1
    return count


def stage_due(stage: Stage, start: date, public_notice_days: int) -> date:
    """When a stage entered on ``start`` falls due; the public notice runs in calendar days."""
    if stage.stage == "public_notice":
        return start + timedelta(days=public_notice_days)
    return add_working_days(start, stage.time_limit_days)
