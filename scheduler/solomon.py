"""Solomon VRPTW instances as scheduler problems, and the distance of a plan in their conventions.

Rules: travel time equals Euclidean distance, service must start inside [ready, due], a vehicle
must be back at the depot by the depot's due time, capacity from the file. Times are scaled to
integers: x1000 in double precision (times rounded up, so an integer-feasible plan is feasible
in exact arithmetic), x10 for `trunc1`, where every arc is truncated to one decimal.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from pathlib import Path

from scheduler.plan import Plan
from scheduler.problem import CostWeights, Priority, Problem, TimeWindow, Visit, Worker

SCALES = {"double": 1000, "trunc1": 10}


@dataclass(frozen=True)
class Customer:
    """One row of a Solomon file (row 0 is the depot)."""

    number: int
    x: float
    y: float
    demand: int
    ready: int
    due: int
    service: int


@dataclass(frozen=True)
class Instance:
    """A parsed Solomon file."""

    name: str
    vehicles: int
    capacity: int
    customers: list[Customer]


def parse(path: str | Path) -> Instance:
    """Read a Solomon text file (either line ending)."""
    lines = [ln.split() for ln in Path(path).read_text().splitlines()]
    lines = [ln for ln in lines if ln]
    name = lines[0][0]
    header = next(i for i, ln in enumerate(lines) if ln[0].upper() == "NUMBER")
    vehicles, capacity = int(lines[header + 1][0]), int(lines[header + 1][1])
    rows = [ln for ln in lines[header + 2 :] if ln[0].isdigit()]
    customers = [
        Customer(int(r[0]), float(r[1]), float(r[2]), int(r[3]), int(r[4]), int(r[5]), int(r[6]))
        for r in rows
    ]
    return Instance(name, vehicles, capacity, customers)


def arc(a: Customer, b: Customer, convention: str) -> float:
    """Euclidean distance between two customers in the chosen convention."""
    d = math.hypot(a.x - b.x, a.y - b.y)
    return math.floor(d * 10) / 10 if convention == "trunc1" else d


def to_problem(
    instance: Instance, *, vehicles: int | None = None, distances: str = "double"
) -> Problem:
    """The instance as a Problem: every customer mandatory, `vehicles` identical workers."""
    scale = SCALES[distances]
    points = instance.customers
    matrix = [[math.ceil(round(arc(a, b, distances) * scale, 6)) for b in points] for a in points]
    depot = points[0]
    shift = TimeWindow(depot.ready * scale, depot.due * scale)
    workers = [
        Worker(f"v{k}", 0, 0, shift, capacity=instance.capacity)
        for k in range(vehicles or instance.vehicles)
    ]
    visits = [
        Visit(
            str(c.number),
            i,
            (TimeWindow(c.ready * scale, c.due * scale),),
            c.service * scale,
            priority=Priority.URGENT,
            load=c.demand,
        )
        for i, c in enumerate(points)
        if i > 0
    ]
    # Distance is the only objective: no balance, no drop weights beyond the mandatory ones.
    weights = CostWeights(balance=0.0, not_preferred_worker=0.0)
    return Problem(workers, visits, matrix, matrix, weights)


def plan_distance(instance: Instance, plan: Plan, distances: str = "double") -> float:
    """Total distance of the plan's routes, recomputed in the convention (not from the scaling)."""
    by_number = {str(c.number): c for c in instance.customers}
    depot = instance.customers[0]
    total = 0.0
    for route in plan.routes:
        path = [depot, *(by_number[s.visit_id] for s in route.stops), depot]
        if len(path) > 2:
            total += sum(arc(a, b, distances) for a, b in itertools.pairwise(path))
    return total
