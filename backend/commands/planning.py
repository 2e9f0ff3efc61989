"""Commands for daily route plans: staff's changes to a published plan."""

from __future__ import annotations

from dataclasses import dataclass
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
