"""PyVRP and pyvroom on the same problems, read back as visit orders so that OUR code times,
validates and prices their plans exactly like our own.

What each can express: pyvroom has skills, breaks, several windows, priorities and max tasks;
PyVRP 0.14 has no skills, breaks or per-visit worker wishes, so its township plans are judged
on the rules it could not see (the validator says when they break one).
"""

from __future__ import annotations

from datetime import timedelta

import pyvrp
import vroom
from pyvrp.stop import MaxRuntime

from scheduler.problem import Problem
from scheduler.rules import COST_SCALE, drop_penalties

Routes = list[list[str]]


def pyvrp_routes(problem: Problem, time_limit: float, seed: int = 0) -> Routes:
    """Visit ids per worker from PyVRP (one depot per location used by a worker)."""
    m = pyvrp.Model()
    used = sorted(
        {w.start_location for w in problem.workers}
        | {w.end_location for w in problem.workers}
        | {v.location for v in problem.visits}
    )
    locs = {loc: m.add_location(x=0, y=0) for loc in used}
    for a in used:
        for b in used:
            d = problem.durations[a][b]
            m.add_edge(locs[a], locs[b], distance=d, duration=d)
    depot_locs = sorted(
        {w.start_location for w in problem.workers} | {w.end_location for w in problem.workers}
    )
    depots = {loc: m.add_depot(locs[loc]) for loc in depot_locs}
    for w in problem.workers:
        m.add_vehicle_type(
            1,
            capacity=[w.capacity or 0] if problem.has_loads else [],
            start_depot=depots[w.start_location],
            end_depot=depots[w.end_location],
            tw_early=w.shift.start,
            # No breaks in PyVRP: keep the lunch hour free by ending the shift that much earlier.
            tw_late=w.shift.end - (w.lunch.duration if w.lunch else 0),
            fixed_cost=round(w.fixed_cost),
            name=w.id,
        )
    penalties = drop_penalties(problem)
    for v in problem.visits:
        window = min(v.windows, key=lambda tw: tw.start)  # PyVRP takes one window per client
        mandatory = v.priority.mandatory
        m.add_client(
            locs[v.location],
            delivery=[v.load] if problem.has_loads else [],
            service_duration=v.service,
            tw_early=window.start,
            tw_late=window.end,
            required=mandatory,
            prize=0 if mandatory else penalties[v.priority.value] // COST_SCALE,
            name=v.id,
        )
    result = m.solve(stop=MaxRuntime(time_limit), seed=seed, display=False)
    routes: Routes = [[] for _ in problem.workers]
    for route in result.best.routes():
        # A client activity's idx counts clients only (depots are numbered apart).
        routes[route.vehicle_type()] = [problem.visits[c].id for c in _clients(route)]
    return routes


VROOM_PRIORITY = {"urgent": 100, "overdue": 80, "due": 40, "optional": 10}


def vroom_routes(problem: Problem, time_limit: float) -> Routes:
    """Visit ids per worker from pyvroom (exploration level 5, 2 threads, the same budget)."""
    skill_ids = {s: i for i, s in enumerate(sorted({s for v in problem.visits for s in v.skills}))}
    inp = vroom.Input()
    inp.set_durations_matrix("car", problem.durations)
    for k, w in enumerate(problem.workers):
        breaks = []
        if w.lunch:
            window = vroom.TimeWindow(w.lunch.window.start, w.lunch.window.end)
            breaks = [vroom.Break(id=k, time_windows=[window], service=w.lunch.duration)]
        inp.add_vehicle(
            vroom.Vehicle(
                id=k,
                start=w.start_location,
                end=w.end_location,
                capacity=vroom.Amount([w.capacity or 0] if problem.has_loads else []),
                skills={skill_ids[s] for s in w.skills if s in skill_ids},
                time_window=vroom.TimeWindow(w.shift.start, w.shift.end),
                breaks=breaks,
                max_tasks=w.max_visits if w.max_visits is not None else 10**6,
            )
        )
    for i, v in enumerate(problem.visits):
        inp.add_job(
            vroom.Job(
                id=i,
                location=v.location,
                default_service=v.service,
                delivery=vroom.Amount([v.load] if problem.has_loads else []),
                skills={skill_ids[s] for s in v.skills},
                priority=VROOM_PRIORITY[v.priority.value],
                time_windows=[vroom.TimeWindow(tw.start, tw.end) for tw in v.windows],
            )
        )
    solution = inp.solve(exploration_level=5, nb_threads=2, timeout=timedelta(seconds=time_limit))
    routes: Routes = [[] for _ in problem.workers]
    steps = solution.routes
    for row in steps.itertuples():
        if row.type == "job":
            routes[int(row.vehicle_id)].append(problem.visits[int(row.id)].id)
    return routes


def _clients(route: pyvrp.Route) -> list[int]:
    """Client indices of a PyVRP 0.14 route, whose iteration yields scheduled activities."""
    return [int(a.idx) for a in route if a.is_client()]
