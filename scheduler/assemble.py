"""A Plan from ordered visit ids per worker: exact times, drop reasons and the objective.

The edge where routes become a plan: times come from `schedule.time_route` and the plan is
later checked by `validate`, neither of which shares the search's fast code. A visit two
workers serve together is on both routes, each stop naming the other worker.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from scheduler.plan import Dropped, DropReason, Plan, Route
from scheduler.problem import Problem, Visit, Worker
from scheduler.rules import COST_SCALE, allowed_workers, drop_penalties, teams
from scheduler.schedule import synchronise, time_route


def assemble(
    problem: Problem, routes: list[list[str]], sync: Mapping[str, int] | None = None
) -> Plan:
    """A Plan from ordered visit ids per worker: exact times, drop reasons, objective parts.

    `sync` gives the common start window of visits for two (`schedule.sync_windows`), as
    the search chose it; those it leaves out are found by `schedule.synchronise`.
    """
    if problem.has_pairs:
        sync = synchronise(problem, routes, sync)
    timed = [
        time_route(problem, w, ids, sync)[0] for w, ids in zip(problem.workers, routes, strict=True)
    ]
    if problem.has_pairs:
        _name_partners(problem, timed)
    served = {vid for ids in routes for vid in ids}
    dropped = [Dropped(v.id, drop_reason(problem, v)) for v in problem.visits if v.id not in served]
    return Plan(timed, dropped, objective(problem, timed, dropped), problem)


def _name_partners(problem: Problem, routes: list[Route]) -> None:
    """Each stop of a visit for two names the other worker serving it (when there is one)."""
    workers: dict[str, list[str]] = {}
    for r in routes:
        for s in r.stops:
            workers.setdefault(s.visit_id, []).append(r.worker_id)
    for r in routes:
        for p, s in enumerate(r.stops):
            others = [w for w in workers[s.visit_id] if w != r.worker_id]
            if others and problem.visit(s.visit_id).needs_two:
                r.stops[p] = replace(s, partner_worker_id=others[0])


def drop_reason(problem: Problem, visit: Visit) -> DropReason:
    """Why a visit could not be served: no skilled worker, nobody to go with (a visit for
    two), no window reachable, or no time left."""
    allowed = allowed_workers(problem, visit)
    if not allowed:
        return DropReason.NO_WORKER_HAS_SKILL
    if visit.needs_two:
        pairs = teams(problem, visit)
        if not pairs:
            return DropReason.NO_PARTNER
        if not any(_team_fits(problem, visit, a, b) for a, b in pairs):
            return DropReason.NO_TIME_WINDOW_FITS
        return DropReason.NO_TIME_LEFT
    if not any(time_route(problem, w, [visit.id])[1] for w in allowed):
        return DropReason.NO_TIME_WINDOW_FITS
    return DropReason.NO_TIME_LEFT


def _team_fits(problem: Problem, visit: Visit, first: Worker, second: Worker) -> bool:
    """Whether two workers with nothing else to do could serve a visit for two together."""
    routes = [[visit.id] if w in (first, second) else [] for w in problem.workers]
    sync = synchronise(problem, routes)
    timed = [time_route(problem, w, [visit.id], sync) for w in (first, second)]
    starts = [route.stops[0].start for route, _ in timed]
    return all(ok for _, ok in timed) and abs(starts[0] - starts[1]) <= visit.sync_tolerance


def objective(problem: Problem, routes: list[Route], dropped: list[Dropped]) -> dict[str, float]:
    """The objective's parts recomputed from the plan, in the weights' units."""
    w = problem.weights
    travel = sum(w.travel_second * r.travel_time + w.travel_metre * r.distance for r in routes)
    not_preferred = _not_preferred(problem, routes)
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


def _not_preferred(problem: Problem, routes: list[Route]) -> int:
    """Visits served without their preferred worker: a visit for two is with that worker
    when either of its two is."""
    if not problem.has_pairs:
        return sum(
            1
            for r in routes
            for s in r.stops
            if problem.visit(s.visit_id).preferred_worker not in (None, r.worker_id)
        )
    served_by: dict[str, set[str]] = {}
    for r in routes:
        for s in r.stops:
            served_by.setdefault(s.visit_id, set()).add(r.worker_id)
    return sum(
        1
        for vid, workers in served_by.items()
        if problem.visit(vid).preferred_worker not in (None, *workers)
    )
