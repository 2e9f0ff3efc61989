"""Problem data: plain dataclasses that describe one planning day, free of any solver type.

Times are integer seconds since midnight, durations integer seconds, distances integer metres.
Locations are indices into the problem's travel matrices.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

# Seconds two workers serving a visit together may arrive apart, unless the visit says.
SYNC_TOLERANCE = 300


class Priority(StrEnum):
    """How much a visit matters; `urgent` and `overdue` are never dropped if they can be served."""

    URGENT = "urgent"
    OVERDUE = "overdue"
    DUE = "due"
    OPTIONAL = "optional"

    @property
    def mandatory(self) -> bool:
        """True for priorities the solver serves whenever any feasible plan can."""
        return self in (Priority.URGENT, Priority.OVERDUE)


@dataclass(frozen=True)
class TimeWindow:
    """An interval [start, end] in which a visit's service may *start*."""

    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"time window ends before it starts: {self}")

    def contains(self, t: int) -> bool:
        """True when t lies inside the window, bounds included."""
        return self.start <= t <= self.end


@dataclass(frozen=True)
class Break:
    """A break (lunch) of `duration` seconds that must start inside `window`."""

    window: TimeWindow
    duration: int


@dataclass(frozen=True)
class Worker:
    """A social worker (vehicle): where the day starts and ends, shift, lunch, skills and limits.

    `capacity` is only used when visits carry a load; `max_visits` of None means no limit;
    `fixed_cost` is paid once if the worker is given at least one visit.
    """

    id: str
    start_location: int
    end_location: int
    shift: TimeWindow
    lunch: Break | None = None
    skills: frozenset[str] = frozenset()
    max_visits: int | None = None
    capacity: int | None = None
    fixed_cost: float = 0.0


@dataclass(frozen=True)
class Visit:
    """A home visit: where, when (one or more windows for the service start), how long, how urgent.

    `preferred_worker` is a soft wish (continuity of care). `pinned_worker` and `pinned_position`
    are hard rules; a pinned position p means "the (p+1)-th stop of its worker's route", which
    is how re-planning keeps finished and started stops at the head of a route.

    A visit with `workers_needed` 2 (a minor's home, a safety risk, a crisis with a certified
    counsellor) is served by two different workers together: both start within
    `sync_tolerance` seconds of each other and stay the whole `service`. One of them needs
    `skills` (and is the pinned worker, if any), the other `partner_skills`; each carries
    `load`. Such a visit cannot be pinned to a position.
    """

    id: str
    location: int
    windows: tuple[TimeWindow, ...]
    service: int
    priority: Priority = Priority.DUE
    skills: frozenset[str] = frozenset()
    preferred_worker: str | None = None
    pinned_worker: str | None = None
    pinned_position: int | None = None
    load: int = 0
    workers_needed: int = 1
    partner_skills: frozenset[str] = frozenset()
    sync_tolerance: int = SYNC_TOLERANCE

    def __post_init__(self) -> None:
        if not self.windows:
            raise ValueError(f"visit {self.id} has no time window")
        if self.service < 0 or self.load < 0:
            raise ValueError(f"visit {self.id} has a negative service time or load")
        if self.workers_needed not in (1, 2):
            raise ValueError(f"visit {self.id} needs {self.workers_needed} workers: 1 or 2 only")
        if self.sync_tolerance < 0:
            raise ValueError(f"visit {self.id} has a negative synchronisation tolerance")
        if self.needs_two and self.pinned_position is not None:
            raise ValueError(f"visit {self.id} needs two workers and cannot be pinned in place")
        if self.partner_skills and not self.needs_two:
            raise ValueError(f"visit {self.id} has partner skills but needs one worker")

    @property
    def needs_two(self) -> bool:
        """True when two workers serve the visit together."""
        return self.workers_needed > 1


@dataclass(frozen=True)
class CostWeights:
    """Weights of the objective, in 'seconds of travel' so that the parts can be compared.

    A mandatory (urgent/overdue) visit's penalty is not a weight: the solver derives one larger
    than every other cost together, so it is dropped only when no feasible plan serves it.
    """

    travel_second: float = 1.0
    travel_metre: float = 0.0
    drop_due: float = 7200.0
    drop_optional: float = 1800.0
    not_preferred_worker: float = 600.0
    # Cost per second of the busiest worker's working time (travel + service): evens out days.
    balance: float = 0.2


@dataclass
class Problem:
    """One planning day: workers, visits and the travel matrices (seconds, metres) by location."""

    workers: list[Worker]
    visits: list[Visit]
    durations: list[list[int]]
    distances: list[list[int]]
    weights: CostWeights = field(default_factory=CostWeights)

    def __post_init__(self) -> None:
        self.check()

    def check(self) -> None:
        """Raise ValueError when the data is inconsistent (ids, matrix shape, locations, pins)."""
        n = len(self.durations)
        if (
            any(len(row) != n for row in self.durations)
            or len(self.distances) != n
            or any(len(row) != n for row in self.distances)
        ):
            raise ValueError("travel matrices must be square and of the same size")
        if not self.workers:
            raise ValueError("a problem needs at least one worker")
        worker_ids = [w.id for w in self.workers]
        visit_ids = [v.id for v in self.visits]
        if len(set(worker_ids)) != len(worker_ids) or len(set(visit_ids)) != len(visit_ids):
            raise ValueError("worker ids and visit ids must be unique")
        for w in self.workers:
            if not (0 <= w.start_location < n and 0 <= w.end_location < n):
                raise ValueError(f"worker {w.id} has a location outside the matrix")
            if w.lunch and w.lunch.window.end + w.lunch.duration > w.shift.end:
                raise ValueError(f"worker {w.id}'s lunch can end after the shift")
        for v in self.visits:
            if not 0 <= v.location < n:
                raise ValueError(f"visit {v.id} has a location outside the matrix")
            for wid in (v.pinned_worker, v.preferred_worker):
                if wid is not None and wid not in worker_ids:
                    raise ValueError(f"visit {v.id} names unknown worker {wid}")
            if v.pinned_position is not None and v.pinned_position < 0:
                raise ValueError(f"visit {v.id} has a negative pinned position")

    def worker(self, worker_id: str) -> Worker:
        """The worker with this id."""
        return next(w for w in self.workers if w.id == worker_id)

    def visit(self, visit_id: str) -> Visit:
        """The visit with this id."""
        # Timing and validating a plan look up every stop (a scan made them O(n^2): 6 of the
        # 8.5 ms of assembling a 100-visit plan). The positions are checked on each use, so
        # a list changed since they were taken is indexed afresh, never misread.
        positions = self.__dict__.get("_visit_positions")
        at = positions.get(visit_id) if positions is not None else None
        if at is None or at >= len(self.visits) or self.visits[at].id != visit_id:
            positions = {v.id: i for i, v in enumerate(self.visits)}
            self.__dict__["_visit_positions"] = positions
            at = positions.get(visit_id)
            if at is None:
                raise KeyError(f"no visit {visit_id}")
        return self.visits[at]

    @property
    def has_pairs(self) -> bool:
        """True when some visit needs two workers."""
        return any(v.workers_needed > 1 for v in self.visits)

    @property
    def has_pins(self) -> bool:
        """True when some visit is pinned to a worker or to a position on its route."""
        return any(v.pinned_worker or v.pinned_position is not None for v in self.visits)

    @property
    def has_loads(self) -> bool:
        """True when any visit carries a load, i.e. capacity matters."""
        return any(v.load for v in self.visits)
