"""A Plan from ordered visit ids per worker: exact times, drop reasons and the objective.

The edge where routes become a plan: times come from `schedule.time_route` and the plan is
later checked by `validate`, neither of which shares the search's fast code.
"""

from __future__ import annotations

from scheduler.plan import Dropped, DropReason, Plan, Route
from scheduler.problem import Problem, Visit
from scheduler.rules import COST_SCALE, allowed_workers, drop_penalties
from scheduler.schedule import time_route


def assemble(problem: Problem, routes: list[list[str]]) -> Plan:
    """A Plan from ordered visit ids per worker: exact times, drop reasons, objective parts."""
    timed = [time_route(problem, w, ids)[0] for w, ids in zip(problem.workers, routes, strict=True)]
    served = {vid for ids in routes for vid in ids}
    dropped = [Dropped(v.id, drop_reason(problem, v)) for v in problem.visits if v.id not in served]
    return Plan(timed, dropped, objective(problem, timed, dropped), problem)


def drop_reason(problem: Problem, visit: Visit) -> DropReason:
    """Why a visit could not be served: no skilled worker, no window reachable, or no time left."""
    allowed = allowed_workers(problem, visit)
    if not allowed:
        return DropReason.NO_WORKER_HAS_SKILL
    if not any(time_route(problem, w, [visit.id])[1] for w in allowed):
        return DropReason.NO_TIME_WINDOW_FITS
    return DropReason.NO_TIME_LEFT


def objective(problem: Problem, routes: list[Route], dropped: list[Dropped]) -> dict[str, float]:
    """The objective's parts recomputed from the plan, in the weights' units."""
    w = problem.weights
    travel = sum(w.travel_second * r.travel_time + w.travel_metre * r.distance for r in routes)
    not_preferred = sum(
        1
        for r in routes
        for s in r.stops
        if problem.visit(s.visit_id).preferred_worker not in (None, r.worker_id)
    )
    work = [r.travel_time + sum(s.end - s.start for s in r.stops) for r in routes if r.stops]
    balance = w.balance * max(work) if work and len(problem.workers) > 1 else 0.0
    fixed = sum(problem.worker(r.worker_id).fixed_cost for r in routes if r.stops)
    penalties = drop_penalties(problem)
    drops = sum(penalties[problem.visit(d.visit_id).priority.value] for d in dropped) / COST_SCALE
    return {
        "travel": travel,
        "not_preferred_worker": w.not_preferred_worker * not_preferred,
        "balance": balance,
        "fixed": fixed,
        "dropped": drops,
    }
