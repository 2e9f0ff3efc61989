"""Commands for route plans: staff's changes to a published day plan, pins on a week's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Literal

AdjustmentAction = Literal["move", "lock", "unlock"]


@dataclass(frozen=True)
class Adjustment:
    """Move a visit to a worker and lock it there, lock it with its (or a given) worker, or
    unlock it; ``worker_id`` None means the worker it has now."""

    visit_key: str
    action: AdjustmentAction
    worker_id: int | None = None


@dataclass(frozen=True)
class AdjustPlan:
    """The changes to apply to a published plan before it is re-optimised as a new version."""

    adjustments: tuple[Adjustment, ...]


@dataclass(frozen=True)
class WeekPin:
    """Pin a visit of the week to a day, or (``day`` None) take its pin away."""

    visit_key: str
    day: date | None


@dataclass(frozen=True)
class PinWeek:
    """Staff's pins to apply to the week's latest plan before it is placed again."""

    pins: tuple[WeekPin, ...]
