"""Our search steps: exact timing, ruin and recreate, insertion, and the exchange pass."""

from __future__ import annotations

import functools
import gc
import itertools
import random
import time

from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scheduler import Break, Priority, Problem, TimeWindow, solve
from scheduler.assemble import assemble
from scheduler.params import RuinParams
from scheduler.schedule import time_route
from scheduler.search import refill, ruin
from scheduler.search.context import Context
from scheduler.search.cost import DayCost, RouteBounds
from scheduler.search.exchange import exchange_dropped
from scheduler.search.instance import Instance
from scheduler.search.recreate import candidates, insert, insert_by_regret, places
from scheduler.search.ruin import _strings
from scheduler.search.timing import Timer
from tests.scheduler.conftest import DAY, HOUR, MakeProblem, on_ids, road, visit, worker

ruin_and_recreate = functools.partial(on_ids, ruin.ruin_and_recreate)


def test_its_timing_agrees_with_the_schedule_on_every_short_order(
    two_worker_day: Problem,
) -> None:
    timer = Timer(Instance(two_worker_day))
    ids = [v.id for v in two_worker_day.visits]
    for k, w in enumerate(two_worker_day.workers):
        for size in range(5):
            for order in itertools.permutations(range(len(ids)), size):
                expected = time_route(two_worker_day, w, [ids[i] for i in order])[1]
                assert timer.feasible(k, list(order)) == expected, (w.id, order)


def test_a_due_visit_replaces_an_optional_one_when_only_one_fits(
    make_problem: MakeProblem,
) -> None:
    short_day = worker(shift=TimeWindow(8 * HOUR, 9 * HOUR))
    visits = [
        visit("optional", 1, priority=Priority.OPTIONAL),
        visit("due", 2, priority=Priority.DUE),
    ]
    problem = make_problem([short_day], visits)
    worse = assemble(problem, [["optional"]])
    better = exchange_dropped(Context.of(problem), worse, deadline=float("inf"))
    assert better.served() == {"due"}
    assert better.is_feasible()
    assert better.cost() < worse.cost()


def test_a_left_out_visit_that_fits_is_inserted(make_problem: MakeProblem) -> None:
    problem = make_problem([worker()], [visit("a", 1), visit("b", 2)])
    plan = exchange_dropped(Context.of(problem), assemble(problem, [["b"]]), float("inf"))
    assert [s.visit_id for s in plan.route("w1").stops] == ["a", "b"]


def test_a_visit_moves_to_the_other_worker_to_make_room(make_problem: MakeProblem) -> None:
    early = worker("w1", shift=TimeWindow(8 * HOUR, 9 * HOUR))
    far_away = worker("w2", start_location=6, end_location=6)
    visits = [visit("x", 1), visit("y", 1, windows=(TimeWindow(8 * HOUR, 8 * HOUR + 600),))]
    problem = make_problem([early, far_away], visits)
    plan = exchange_dropped(Context.of(problem), assemble(problem, [["x"], []]), float("inf"))
    assert [s.visit_id for s in plan.route("w1").stops] == ["y"]
    assert [s.visit_id for s in plan.route("w2").stops] == ["x"]
    assert plan.is_feasible()


def test_refill_trades_a_served_visit_for_two_left_out_that_fit_in_its_place(
    make_problem: MakeProblem,
) -> None:
    short_day = worker(shift=TimeWindow(8 * HOUR, 9 * HOUR + 1800))
    visits = [
        visit("long", 1, priority=Priority.DUE, service=80 * 60),
        visit("short", 1, priority=Priority.DUE),
        visit("extra", 1, priority=Priority.OPTIONAL),
    ]
    problem = make_problem([short_day], visits)
    start = [["long"]]
    routes = on_ids(refill.refill, problem, start, moves=10, near=2, deadline=float("inf"))
    before, after = assemble(problem, start), assemble(problem, routes)
    assert after.served() == {"short", "extra"}
    assert after.is_feasible() and after.cost() < before.cost()
    # The exchange pass trades only for a visit of lower priority: it keeps the long visit.
    assert exchange_dropped(Context.of(problem), before, float("inf")).served() == {"long"}


def test_a_solve_in_the_callers_process_leaves_the_garbage_collector_on(
    two_worker_day: Problem,
) -> None:
    # The search turns the collector off while it runs (`chain.search_chain`).
    assert gc.isenabled()
    solve(two_worker_day, time_limit=0.3, seed=0, processes=1)
    assert gc.isenabled()


def test_ruin_and_recreate_never_returns_worse_routes(two_worker_day: Problem) -> None:
    start = [["a", "b"], ["d"]]
    routes = ruin_and_recreate(two_worker_day, start, seed=1, iterations=50, deadline=float("inf"))
    before, after = assemble(two_worker_day, start), assemble(two_worker_day, routes)
    assert after.is_feasible()
    assert after.cost() <= before.cost()
    assert after.served() > before.served()


def test_ruin_and_recreate_is_deterministic_for_a_seed(two_worker_day: Problem) -> None:
    runs = [
        ruin_and_recreate(two_worker_day, [["a"], []], seed=7, iterations=30, deadline=float("inf"))
        for _ in range(2)
    ]
    assert runs[0] == runs[1]


def test_ruin_and_recreate_stops_once_no_round_finds_a_better_plan(
    two_worker_day: Problem,
) -> None:
    # Without the stall this would run a billion rounds or a minute, whichever came first.
    deadline = time.perf_counter() + 60
    start = [["a"], []]
    routes = ruin_and_recreate(two_worker_day, start, seed=7, iterations=10**9, deadline=deadline)
    assert time.perf_counter() < deadline
    after = assemble(two_worker_day, routes)
    assert after.is_feasible() and after.cost() < assemble(two_worker_day, start).cost()


def test_regret_insertion_serves_first_the_visit_with_one_place_left(
    make_problem: MakeProblem,
) -> None:
    # One visit each; only w1 can counsel. Taken in the order [q, p], cheapest insertion puts
    # q with w1 (4 km out and back against 4 km with w2: w1 comes first on a tie) and then
    # has nowhere for p. Regret-2 sees that p fits only with w1 (regret: no second route)
    # while q loses nothing by going to w2, so p goes to w1 and q to w2: both served.
    workers = [
        worker("w1", max_visits=1, skills=frozenset({"counselling"})),
        worker("w2", max_visits=1),
    ]
    visits = [visit("p", 1, skills=frozenset({"counselling"})), visit("q", 2)]
    problem = make_problem(workers, visits)
    ctx = Context.of(problem)
    day = ctx.day
    p, q = ctx.instance.index["p"], ctx.instance.index["q"]

    greedy: list[list[int]] = [[], []]
    for i in (q, p):
        insert(ctx, greedy, i)
    assert greedy == [[q], []]

    for k_regret in (2, 3):
        routes: list[list[int]] = [[], []]
        insert_by_regret(ctx, routes, [q, p], k_regret)
        assert routes == [[p], [q]]
        plan = assemble(problem, [[v.id for v in (problem.visits[i] for i in o)] for o in routes])
        assert plan.is_feasible()
        assert plan.served() == {"p", "q"}
        assert day.cost(routes) < day.cost(greedy)


def test_ruin_and_recreate_on_a_fixed_fleet_is_deterministic_and_never_worse(
    make_problem: MakeProblem,
) -> None:
    # Every visit mandatory: the rounds that re-insert by regret run too.
    workers = [worker("w1", max_visits=3), worker("w2", max_visits=3)]
    visits = [visit(v, loc, priority=Priority.URGENT) for loc, v in enumerate("abcdef", 1)]
    problem = make_problem(workers, visits)
    start = [["f", "a", "e"], ["b", "d", "c"]]
    runs = [
        ruin_and_recreate(problem, start, seed=3, iterations=60, deadline=float("inf"))
        for _ in range(2)
    ]
    assert runs[0] == runs[1]
    before, after = assemble(problem, start), assemble(problem, runs[0])
    assert after.is_feasible()
    assert after.served() == before.served()
    assert after.cost() < before.cost()


def test_an_optional_visit_whose_detour_costs_more_than_its_penalty_stays_out(
    make_problem: MakeProblem,
) -> None:
    # 10 km out and back is 6000 s of travel; an optional visit's drop penalty is 1800.
    visits = [
        visit("near", 1, priority=Priority.OPTIONAL),
        visit("far", 10, priority=Priority.OPTIONAL),
        visit("far_urgent", 10, priority=Priority.URGENT),
    ]
    problem = make_problem([worker("w1")], visits)
    ctx = Context.of(problem)
    index = ctx.instance.index
    routes: list[list[int]] = [[]]

    assert insert(ctx, routes, index["near"])
    assert not insert(ctx, routes, index["far"])
    assert routes == [[index["near"]]]
    assert insert(ctx, routes, index["far_urgent"])  # mandatory: in wherever it fits


def test_string_removal_takes_one_stretch_from_each_route_near_a_visit() -> None:
    routes = [[0, 1, 2, 3, 4], [5, 6, 7, 8, 9], [10, 11, 12, 13, 14]]
    served = {i for order in routes for i in order}
    near = [sorted(served, key=lambda j, i=i: (abs(i - j), j)) for i in range(15)]
    for seed in range(50):
        removed = _strings(routes, near, served, random.Random(seed), RuinParams())
        assert removed
        for order in routes:
            taken = [p for p, i in enumerate(order) if i in removed]
            if taken:  # one unbroken stretch, no longer than the average route (5)
                assert taken == list(range(taken[0], taken[-1] + 1))
                assert len(taken) <= 5


def test_insertions_try_one_empty_route_per_kind_of_worker(make_problem: MakeProblem) -> None:
    # w1-w3 are alike; w4 has a skill and w5 a wish pointing at it, so each is its own kind.
    skill = frozenset({"grief"})
    workers = [worker(w) for w in ("w1", "w2", "w3")]
    workers += [worker("w4", skills=skill), worker("w5")]
    visits = [visit("a", 1), visit("b", 2, preferred_worker="w5")]
    problem = make_problem(workers, visits)
    instance = Instance(problem)

    assert candidates(instance, [[], [], [], [], []], {0, 1, 2, 3, 4}) == [0, 3, 4]
    assert candidates(instance, [[], [0], [], [], []], {0, 1, 2, 3, 4}) == [0, 1, 3, 4]
    assert candidates(instance, [[0], [], [], [], []], {1, 2}) == [1]


@st.composite
def _routes_to_insert_into(draw: st.DrawFn) -> tuple[Problem, list[int]]:
    """One worker (a shift ending 13-17 h, a lunch break or not, a visit cap, a capacity),
    visits with one or two windows along the road, and a feasible order of some of them."""
    lunch, earliest_end = None, 13
    if draw(st.booleans()):
        start = draw(st.integers(10, 13)) * HOUR + draw(st.sampled_from((0, 1800)))
        lunch = Break(TimeWindow(start, start + draw(st.sampled_from((0, 1800, 3600)))), 3600)
        earliest_end = -(-(lunch.window.end + lunch.duration) // HOUR)
    the_worker = worker(
        shift=TimeWindow(8 * HOUR, draw(st.integers(earliest_end, 17)) * HOUR),
        lunch=lunch,
        max_visits=draw(st.none() | st.integers(2, 6)),
        capacity=draw(st.none() | st.integers(2, 8)),
    )
    windows = st.integers(8, 16).flatmap(
        lambda h: st.sampled_from(
            (
                (DAY,),
                (TimeWindow(h * HOUR, h * HOUR + 3600),),
                (TimeWindow(h * HOUR, h * HOUR + 1800), TimeWindow(15 * HOUR, 16 * HOUR)),
            )
        )
    )
    visits = [
        visit(
            f"v{n}",
            draw(st.integers(1, 8)),
            windows=draw(windows),
            service=draw(st.sampled_from((900, 1800, 2700))),
            load=draw(st.integers(0, 3)),
        )
        for n in range(draw(st.integers(2, 9)))
    ]
    durations, distances = road(9)
    problem = Problem([the_worker], visits, durations, distances)
    # Long orders: the places that need lunch several stops later are what the bounds get
    # wrong if anything.
    size = draw(st.integers(0, len(visits) - 1) | st.just(len(visits) - 1))
    order = draw(st.permutations(range(len(visits))))[:size]
    return problem, order


def _bounded(case: tuple[Problem, list[int]]) -> tuple[Context, RouteBounds]:
    """The search's context and the order's bounds of a drawn case whose order is feasible."""
    problem, order = case
    ctx = Context.of(problem)
    assume(ctx.timer.feasible(0, order))
    return ctx, ctx.day.bounds(0, order)


@given(_routes_to_insert_into())
@settings(max_examples=400, deadline=None)
def test_the_places_offered_for_a_visit_are_exactly_the_feasible_ones(
    case: tuple[Problem, list[int]],
) -> None:
    problem, order = case
    ctx, bounds = _bounded(case)
    timer = ctx.timer
    for new in set(range(len(problem.visits))) - set(order):
        offered = sorted(p for _, p, _ in places(ctx, 0, new, bounds))
        feasible = [
            p for p in range(len(order) + 1) if timer.feasible(0, [*order[:p], new, *order[p:]])
        ]
        assert offered == feasible, (order, new)


@given(_routes_to_insert_into())
@settings(max_examples=400, deadline=None)
def test_bounds_grown_by_an_insertion_equal_bounds_computed_afresh(
    case: tuple[Problem, list[int]],
) -> None:
    problem, order = case
    ctx, bounds = _bounded(case)
    day = ctx.day
    for new in set(range(len(problem.visits))) - set(order):
        for _, p, _ in places(ctx, 0, new, bounds):
            grown = [*order[:p], new, *order[p:]]
            afresh = DayCost(ctx.instance, ctx.timer).bounds(0, grown)
            assert day.bounds(0, grown, (p, bounds))._replace(places={}) == afresh, (order, new, p)


def test_the_acceptance_margin_leaves_out_only_mandatory_penalties(
    two_worker_day: Problem,
) -> None:
    ctx = Context.of(two_worker_day)
    day, penalty = ctx.day, ctx.instance.penalty
    a, d, e = (ctx.instance.index[v] for v in ("a", "d", "e"))  # urgent, overdue, optional
    routes: list[list[int]] = [[], [e]]

    assert day.mandatory_left_out(routes) == penalty[a] + penalty[d]
    assert day.mandatory_left_out([[a], [d, e]]) == 0
