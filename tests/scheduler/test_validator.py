"""Our validator catches hand-broken plans that OR-Tools never sees."""

from __future__ import annotations

import copy
from dataclasses import replace

import pytest

from scheduler import Dropped, DropReason, Plan, Problem, solve


@pytest.fixture
def plan(two_worker_day: Problem) -> Plan:
    """A feasible plan of the everyday day to break by hand."""
    solved = solve(two_worker_day, time_limit=0.5)
    assert solved.is_feasible()
    return solved


def broken(plan: Plan) -> Plan:
    """A deep copy to break (the problem stays shared)."""
    return Plan(copy.deepcopy(plan.routes), list(plan.dropped), plan.objective, plan.problem)


def busy_route(plan: Plan) -> int:
    """Index of a route with at least two stops."""
    return next(i for i, r in enumerate(plan.routes) if len(r.stops) >= 2)


def test_a_start_outside_every_window_is_caught(plan: Plan) -> None:
    bad = broken(plan)
    route = bad.routes[busy_route(bad)]
    stop = route.stops[-1]
    route.stops[-1] = replace(stop, start=stop.start + 20 * 3600, end=stop.end + 20 * 3600)
    assert any("outside its time windows" in v for v in bad.violations())


def test_a_visit_served_twice_is_caught(plan: Plan) -> None:
    bad = broken(plan)
    served = bad.routes[busy_route(bad)].stops[0].visit_id
    bad.dropped.append(Dropped(served, DropReason.NO_TIME_LEFT))
    assert any("appears 2 times" in v for v in bad.violations())


def test_a_forgotten_visit_is_caught(plan: Plan) -> None:
    bad = broken(plan)
    del bad.routes[busy_route(bad)].stops[-1]
    assert any("neither served nor dropped" in v for v in bad.violations())


def test_a_stop_of_an_unknown_visit_is_reported_not_raised(plan: Plan) -> None:
    bad = broken(plan)
    route = bad.routes[busy_route(bad)]
    route.stops[0] = replace(route.stops[0], visit_id="nobody")
    assert "unknown visit nobody" in bad.violations()


def test_a_visit_is_found_after_the_list_changed(two_worker_day: Problem) -> None:
    first = two_worker_day.visits[0]
    assert two_worker_day.visit(first.id) is first
    moved = replace(first, service=first.service + 60)
    two_worker_day.visits[0] = moved
    two_worker_day.visits.reverse()
    assert two_worker_day.visit(first.id) is moved
    with pytest.raises(KeyError):
        two_worker_day.visit("nobody")


def test_a_worker_without_the_skill_is_caught(plan: Plan) -> None:
    bad = broken(plan)
    w1, w2 = bad.route("w1"), bad.route("w2")
    w2.worker_id, w1.worker_id = "w1", "w2"
    assert any("lacks skills" in v for v in bad.violations())


def test_a_lunch_over_a_visit_is_caught(plan: Plan) -> None:
    bad = broken(plan)
    route = bad.routes[busy_route(bad)]
    route.break_start = route.stops[0].start
    assert any("lunch" in v for v in bad.violations())


def test_misreported_travel_is_caught(plan: Plan) -> None:
    bad = broken(plan)
    bad.routes[0].travel_time += 1
    assert any("recomputed" in v for v in bad.violations())


def test_swapped_stops_break_the_timing(plan: Plan) -> None:
    bad = broken(plan)
    route = bad.routes[busy_route(bad)]
    route.stops[0], route.stops[1] = route.stops[1], route.stops[0]
    assert bad.violations()
