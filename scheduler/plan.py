"""The result of a solve: plain objects, checked by `scheduler.validate`, never by OR-Tools."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from enum import StrEnum
from typing import Any

from scheduler.problem import Problem
from scheduler.validate import violations


class DropReason(StrEnum):
    """Why a visit is not in the plan."""

    NO_WORKER_HAS_SKILL = "no_worker_has_skill"
    NO_TIME_WINDOW_FITS = "no_time_window_fits"
    NO_TIME_LEFT = "no_time_left"
    # A visit for two with nobody to go with: one worker on duty, or no second has the skill.
    NO_PARTNER = "no_partner"


@dataclass(frozen=True)
class Stop:
    """One served visit: arrival, service start and end, and the wait before the start; for a
    visit two workers serve together, the other worker (each has the visit on its route)."""

    visit_id: str
    arrival: int
    start: int
    end: int
    partner_worker_id: str | None = None

    @property
    def waiting(self) -> int:
        """Seconds spent waiting between arrival and the service start."""
        return self.start - self.arrival


@dataclass
class Route:
    """A worker's day: departure, ordered stops, return, optional lunch start, travel totals."""

    worker_id: str
    start: int
    end: int
    stops: list[Stop] = field(default_factory=list)
    break_start: int | None = None
    travel_time: int = 0
    distance: int = 0


@dataclass(frozen=True)
class Dropped:
    """A visit left out of the plan, with the reason."""

    visit_id: str
    reason: DropReason


@dataclass
class Plan:
    """Routes, dropped visits and the objective's parts (in the weights' units)."""

    routes: list[Route]
    dropped: list[Dropped]
    objective: dict[str, float]
    problem: Problem = field(repr=False, compare=False)
    solve_seconds: float = 0.0

    def cost(self) -> float:
        """Total objective value: the sum of its parts."""
        return sum(self.objective.values())

    def violations(self) -> list[str]:
        """Every broken hard rule, recomputed from the problem's matrices; empty when feasible."""
        return violations(self.problem, self)

    def is_feasible(self) -> bool:
        """True when our own validator finds no broken hard rule."""
        return not self.violations()

    def summary(self) -> str:
        """A few human-readable lines: per-route stops and totals, dropped visits, cost."""
        lines = []
        for r in self.routes:
            ids = " ".join(_stop_name(s) for s in r.stops) or "(idle)"
            lines.append(
                f"{r.worker_id}: {len(r.stops)} visits, travel {r.travel_time} s, "
                f"{r.distance} m, {_hhmm(r.start)}-{_hhmm(r.end)}: {ids}"
            )
        for d in self.dropped:
            lines.append(f"dropped {d.visit_id}: {d.reason.value}")
        lines.append(f"cost {self.cost():.1f}")
        return "\n".join(lines)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict of the plan (waiting made explicit on every stop)."""
        routes = []
        for r in self.routes:
            route = asdict(r)
            for stop, s in zip(route["stops"], r.stops, strict=True):
                stop["waiting"] = s.waiting
            routes.append(route)
        return {
            "routes": routes,
            "dropped": [{"visit_id": d.visit_id, "reason": d.reason.value} for d in self.dropped],
            "objective": self.objective,
            "cost": self.cost(),
            "feasible": self.is_feasible(),
            "solve_seconds": round(self.solve_seconds, 3),
        }

    def served(self) -> set[str]:
        """Ids of the visits in some route."""
        return {s.visit_id for r in self.routes for s in r.stops}

    def route(self, worker_id: str) -> Route:
        """The route of this worker."""
        return next(r for r in self.routes if r.worker_id == worker_id)

    def visit_ids(self, worker_ids: list[str]) -> list[list[str]]:
        """Each worker's visit ids in route order, workers in the order given (none: [])."""
        by_worker = {r.worker_id: [s.visit_id for s in r.stops] for r in self.routes}
        return [by_worker.get(w, []) for w in worker_ids]


def _stop_name(stop: Stop) -> str:
    if stop.partner_worker_id is None:
        return stop.visit_id
    return f"{stop.visit_id}(+{stop.partner_worker_id})"


def _hhmm(t: int) -> str:
    return f"{t // 3600:02d}:{t % 3600 // 60:02d}"
