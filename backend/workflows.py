"""Per-service workflows as data: which stages apply, who acts at each, and how long it may take.

The stages, roles and limits come from ``fixtures/service_guide.json`` (its README documents the
shape); nothing about a service's procedure is written in code, so a city changes the data.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
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
KINDS = {"application": "申请", "re_review": "复核"}


@dataclass(frozen=True)
class Stage:
    """One step of a workflow that applies to a service."""

    stage: str
    label: str
    actor_role: str
    level: str
    time_limit_days: int
    description: str


@dataclass(frozen=True)
class Workflow:
    """The applicable stages of a service's application or re-review, in order."""

    service_code: str
    kind: str  # application | re_review
    stages: tuple[Stage, ...]
    public_notice_days: int

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
                 level=raw["level"], time_limit_days=raw["time_limit_days"],
                 description=raw["description"])


@cache
def workflow(service_code: str, kind: str = "application") -> Workflow:
    """The workflow of a service: its application stages, or its re-review stages."""
    entry = service(service_code)
    raw = entry["workflow"] if kind == "application" else entry.get("re_review_workflow")
    if raw is None:
        raise NotFound("该服务事项没有定期复核", code="no_re_review")
    stages = tuple(_stage(s) for s in raw["stages"] if s.get("applies", True))
    return Workflow(service_code=service_code, kind=kind, stages=stages,
                    public_notice_days=entry["workflow"].get("public_notice_days", 7))


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
