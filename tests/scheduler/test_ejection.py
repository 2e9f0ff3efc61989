"""The ejection pool: on a fixed fleet, a visit that fits nowhere is served by moving others."""

from __future__ import annotations

import functools

from scheduler import Priority, TimeWindow, Visit
from scheduler.assemble import assemble
from scheduler.search import ejection
from tests.scheduler.conftest import HOUR, MakeProblem, on_ids, visit, worker

serve_left_out = functools.partial(on_ids, ejection.serve_left_out)


def test_a_visit_that_fits_nowhere_is_served_by_ejecting_one_that_fits_elsewhere(
    make_problem: MakeProblem,
) -> None:
    # p needs w1's skill and w1 can make one visit, already spent on q, which w2 could make:
    # no insertion serves p, one ejection (q out of w1, p in, q to w2) serves both.
    workers = [
        worker("w1", max_visits=1, skills=frozenset({"counselling"})),
        worker("w2", max_visits=1),
    ]
    visits = [
        visit("p", 1, priority=Priority.URGENT, skills=frozenset({"counselling"})),
        visit("q", 2, priority=Priority.URGENT),
    ]
    problem = make_problem(workers, visits)

    routes = serve_left_out(problem, [["q"], []], seed=0, iterations=50, deadline=float("inf"))

    assert routes == [["p"], ["q"]]
    assert assemble(problem, routes).is_feasible()


def test_ejections_serve_every_visit_when_windows_leave_one_slot_each(
    make_problem: MakeProblem,
) -> None:
    # Four urgent visits at fixed times, two in the morning and two at 14:00; b needs w1's
    # skill, and the start gives w1 the other 14:00 visit, d: b goes in only once d has
    # been ejected to w2, whose afternoon is free.
    morning, afternoon = TimeWindow(9 * HOUR, 9 * HOUR), TimeWindow(14 * HOUR, 14 * HOUR)
    grief = frozenset({"grief"})
    visits = [
        visit(v, loc, priority=Priority.URGENT, windows=(w,), service=2 * HOUR, skills=skills)
        for v, loc, w, skills in (
            ("a", 1, morning, frozenset()),
            ("b", 2, afternoon, grief),
            ("c", 3, morning, frozenset()),
            ("d", 4, afternoon, frozenset()),
        )
    ]
    problem = make_problem([worker("w1", skills=grief), worker("w2")], visits)
    start = [["a", "d"], ["c"]]
    assert assemble(problem, start).is_feasible()

    runs = [
        serve_left_out(problem, start, seed=7, iterations=100, deadline=float("inf"))
        for _ in range(2)
    ]

    assert runs[0] == runs[1]  # the same seed gives the same routes
    plan = assemble(problem, runs[0])
    assert plan.is_feasible()
    assert plan.served() == {"a", "b", "c", "d"}


def test_a_visit_no_worker_can_serve_alone_leaves_the_routes_as_they_were(
    make_problem: MakeProblem,
) -> None:
    # z's window closes before anyone can get 20 km out (6000 s from an 8:00 start).
    late = TimeWindow(8 * HOUR, 8 * HOUR + 600)
    visits = [
        visit("a", 1, priority=Priority.URGENT),
        visit("z", 20, windows=(late,), priority=Priority.URGENT),
    ]
    problem = make_problem([worker("w1")], visits)

    routes = serve_left_out(problem, [["a"]], seed=0, iterations=100, deadline=float("inf"))

    assert routes == [["a"]]


def test_an_ejection_frees_capacity_by_taking_out_a_visit_heavy_enough(
    make_problem: MakeProblem,
) -> None:
    # w1 carries 3 of 3 (a: 2, b: 1); p needs w1's skill and 2 of room. Ejecting b frees only
    # 1, so a must go (to w2, which has room); b may follow it in the random relocations.
    skill = frozenset({"counselling"})
    visits = [
        visit("a", 1, priority=Priority.URGENT, load=2),
        visit("b", 2, priority=Priority.URGENT, load=1),
        visit("p", 3, priority=Priority.URGENT, load=2, skills=skill),
    ]
    problem = make_problem(
        [worker("w1", capacity=3, skills=skill), worker("w2", capacity=5)], visits
    )

    routes = serve_left_out(problem, [["a", "b"], []], seed=0, iterations=50, deadline=float("inf"))

    plan = assemble(problem, routes)
    assert plan.is_feasible()
    assert plan.served() == {"a", "b", "p"}
    assert "p" in routes[0] and "a" in routes[1]


def test_an_ejection_before_the_new_visit_makes_its_fixed_time_reachable(
    make_problem: MakeProblem,
) -> None:
    # x fills w1's 9:00-11:00; p needs w1's skill at exactly 10:00, so x, which comes before
    # p's place, is the one to eject, and w2 takes it.
    skill = frozenset({"grief"})
    x = visit("x", 1, priority=Priority.URGENT, windows=(TimeWindow(9 * HOUR, 9 * HOUR),))
    p = visit(
        "p",
        2,
        priority=Priority.URGENT,
        windows=(TimeWindow(10 * HOUR, 10 * HOUR),),
        skills=skill,
    )
    x = Visit(x.id, x.location, x.windows, 2 * HOUR, x.priority)
    problem = make_problem([worker("w1", skills=skill), worker("w2")], [x, p])

    routes = serve_left_out(problem, [["x"], []], seed=0, iterations=50, deadline=float("inf"))

    assert routes == [["p"], ["x"]]
    assert assemble(problem, routes).is_feasible()
