"""Visits two workers serve together: synchronised starts, drop reasons, the validator, the
search's steps and the OR-Tools model, on days small enough to work out by hand."""

from __future__ import annotations

import copy
import itertools
import json
from dataclasses import replace

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from scheduler import Break, DropReason, Plan, Priority, Problem, TimeWindow, Visit, solve
from scheduler.assemble import assemble
from scheduler.jsonio import problem_from_dict, problem_to_dict
from scheduler.model import search_routes
from scheduler.params import SearchConfig
from scheduler.search import pairs, ruin
from scheduler.search.context import Context
from tests.scheduler.conftest import DAY, HOUR, MakeProblem, road, visit, worker

COUNSEL = frozenset({"counselling"})


def pair(vid: str, location: int, **kwargs: object) -> Visit:
    """A 30-minute visit for two, open all day unless told otherwise."""
    return visit(vid, location, workers_needed=2, **kwargs)


def starts(plan: Plan, vid: str) -> dict[str, int]:
    """Service start of a visit by worker."""
    return {r.worker_id: s.start for r in plan.routes for s in r.stops if s.visit_id == vid}


@pytest.fixture
def waiting_for_w1(make_problem: MakeProblem) -> Problem:
    """w1 must first serve `a` (3 km out, 08:15-09:15), so it reaches `p` (1 km out) at
    09:25; w2 could be there at 08:05. The earliest common start: w2 at 09:20, w1 at 09:25."""
    fixed = TimeWindow(8 * HOUR + 900, 8 * HOUR + 900)
    visits = [
        visit("a", 3, windows=(fixed,), service=HOUR, pinned_worker="w1", priority=Priority.URGENT),
        pair("p", 1, priority=Priority.URGENT, sync_tolerance=300),
    ]
    return make_problem([worker("w1"), worker("w2")], visits)


def test_a_visit_for_two_starts_within_the_tolerance_on_both_routes(
    waiting_for_w1: Problem,
) -> None:
    plan = solve(waiting_for_w1, time_limit=0.5, seed=0, processes=1)

    assert plan.is_feasible(), plan.violations()
    assert starts(plan, "p") == {"w1": 9 * HOUR + 1500, "w2": 9 * HOUR + 1200}
    partners = {r.worker_id: s.partner_worker_id for r in plan.routes for s in r.stops}
    assert partners == {"w1": "w2", "w2": "w1"}  # w1's last stop is p: the dict keeps it
    assert plan.route("w2").start == 9 * HOUR + 900  # leaves as late as still meets w1
    assert plan.to_dict()["routes"][1]["stops"][0]["partner_worker_id"] == "w1"


def test_with_no_tolerance_both_start_at_the_same_second(waiting_for_w1: Problem) -> None:
    problem = replace(
        waiting_for_w1, visits=[*waiting_for_w1.visits[:1], pair("p", 1, sync_tolerance=0)]
    )

    plan = solve(problem, time_limit=0.5, seed=0, processes=1)

    assert starts(plan, "p") == {"w1": 9 * HOUR + 1500, "w2": 9 * HOUR + 1500}
    assert plan.is_feasible(), plan.violations()


def test_the_validator_rejects_starts_further_apart_than_the_tolerance(
    waiting_for_w1: Problem,
) -> None:
    plan = assemble(waiting_for_w1, [["a", "p"], ["p"]])
    assert plan.is_feasible(), plan.violations()
    route = plan.route("w2")
    route.start, early = 8 * HOUR, 8 * HOUR + 300  # there at 08:05, 80 minutes before w1
    route.stops[0] = replace(route.stops[0], arrival=early, start=early, end=early + 1800)

    assert plan.violations() == [
        "p needs two workers together: w1 starts at 33900 and w2 at 29100, 4800 s apart, "
        "more than its tolerance of 300 s"
    ]


def test_the_validator_rejects_both_halves_on_one_worker(waiting_for_w1: Problem) -> None:
    plan = assemble(waiting_for_w1, [["a", "p", "p"], []])

    assert "visit p needs two workers but both halves are on w1" in plan.violations()


def test_the_validator_rejects_a_visit_for_two_half_served(waiting_for_w1: Problem) -> None:
    plan = assemble(waiting_for_w1, [["a", "p"], []])

    assert plan.violations() == ["visit p needs two workers but only w1 serves it"]


def test_the_validator_rejects_half_served_and_half_dropped(waiting_for_w1: Problem) -> None:
    served = assemble(waiting_for_w1, [["a", "p"], ["p"]])
    half = Plan(copy.deepcopy(served.routes), [], served.objective, waiting_for_w1)
    del half.routes[1].stops[0]
    half.dropped.append(replace(assemble(waiting_for_w1, [["a"], []]).dropped[0]))

    assert (
        "visit p needs two workers but only w1 serves it and is also dropped" in half.violations()
    )


def test_the_validator_rejects_a_wrong_partner_and_missing_skills(
    make_problem: MakeProblem,
) -> None:
    workers = [worker("w1", skills=COUNSEL), worker("w2"), worker("w3")]
    problem = make_problem(workers, [pair("p", 1, skills=COUNSEL)])
    plan = assemble(problem, [[], ["p"], ["p"]])
    route = plan.route("w2")
    route.stops[0] = replace(route.stops[0], partner_worker_id="w1")

    assert plan.violations() == [
        "w2 and w3 lack the skills for p: one needs ['counselling'], the other []",
        "w2's stop at p names partner w1, but w3 serves it with w2",
    ]


def test_a_visit_for_two_is_dropped_for_want_of_a_partner_with_one_worker_on_duty(
    make_problem: MakeProblem,
) -> None:
    problem = make_problem([worker("w1")], [pair("p", 1, priority=Priority.URGENT), visit("a", 2)])

    plan = solve(problem, time_limit=0.5, seed=0, processes=1)

    assert [(d.visit_id, d.reason) for d in plan.dropped] == [("p", DropReason.NO_PARTNER)]
    assert plan.served() == {"a"}
    assert plan.is_feasible(), plan.violations()


def test_a_visit_for_two_is_dropped_when_no_second_worker_has_the_partner_skill(
    make_problem: MakeProblem,
) -> None:
    # A crisis visit: a certified counsellor and a second counsellor; only w1 is certified.
    workers = [worker("w1", skills=COUNSEL), worker("w2")]
    problem = make_problem(workers, [pair("p", 1, skills=COUNSEL, partner_skills=COUNSEL)])

    plan = solve(problem, time_limit=0.5, seed=0, processes=1)

    assert [(d.visit_id, d.reason) for d in plan.dropped] == [("p", DropReason.NO_PARTNER)]


def test_a_visit_for_two_whose_workers_never_meet_has_no_window(make_problem: MakeProblem) -> None:
    morning, afternoon = TimeWindow(8 * HOUR, 12 * HOUR), TimeWindow(13 * HOUR, 17 * HOUR)
    workers = [worker("w1", shift=morning), worker("w2", shift=afternoon)]
    problem = make_problem(workers, [pair("p", 1)])

    plan = solve(problem, time_limit=0.5, seed=0, processes=1)

    assert [(d.visit_id, d.reason) for d in plan.dropped] == [("p", DropReason.NO_TIME_WINDOW_FITS)]


def test_a_certified_counsellor_and_any_worker_go_together(make_problem: MakeProblem) -> None:
    workers = [worker("w1"), worker("w2", skills=COUNSEL), worker("w3")]
    problem = make_problem(workers, [pair("p", 1, skills=COUNSEL, priority=Priority.URGENT)])

    plan = solve(problem, time_limit=0.5, seed=0, processes=1)

    assert "w2" in starts(plan, "p") and len(starts(plan, "p")) == 2
    assert plan.is_feasible(), plan.violations()


def test_with_three_workers_the_pair_goes_to_the_two_that_make_the_plan_cheapest(
    make_problem: MakeProblem,
) -> None:
    # Offices at 0, 4 and 9 km; the pair at 3 km, a lone visit at 8 km. By enumeration of
    # every assignment and order: w1 and w2 take the pair, w3 the lone visit.
    workers = [
        worker("w1"),
        worker("w2", start_location=4, end_location=4),
        worker("w3", start_location=9, end_location=9),
    ]
    problem = make_problem(workers, [pair("p", 3), visit("s", 8)])
    best = min(
        (plan for plan in _every_plan(problem) if plan.is_feasible()), key=lambda p: p.cost()
    )

    plan = solve(problem, time_limit=0.5, seed=0, processes=1)

    assert set(starts(plan, "p")) == set(starts(best, "p")) == {"w1", "w2"}
    assert plan.cost() == pytest.approx(best.cost())


def _every_plan(problem: Problem) -> list[Plan]:
    """Every plan serving `p` by two workers and `s` by one, in every order."""
    ids = [w.id for w in problem.workers]
    plans = []
    for team in itertools.permutations(range(len(ids)), 2):
        for lone in range(len(ids)):
            routes: list[list[str]] = [[] for _ in ids]
            for k in team:
                routes[k].append("p")
            for order in itertools.permutations(routes[lone] + ["s"]):
                trial = [list(r) for r in routes]
                trial[lone] = list(order)
                plans.append(assemble(problem, trial))
    return plans


def test_two_workers_tied_by_two_pairs_serve_both(make_problem: MakeProblem) -> None:
    visits = [pair("p", 2, priority=Priority.OVERDUE), pair("q", 5), visit("a", 1), visit("b", 6)]
    problem = make_problem([worker("w1"), worker("w2")], visits)

    plan = solve(problem, time_limit=0.5, seed=0, processes=1)

    assert plan.served() == {"p", "q", "a", "b"}
    assert plan.is_feasible(), plan.violations()


def test_or_tools_serves_both_halves_on_different_workers_within_the_tolerance(
    waiting_for_w1: Problem,
) -> None:
    routes = search_routes(waiting_for_w1, SearchConfig("PATH_CHEAPEST_ARC"), 0.5, 50)

    assert routes is not None
    # Node 1 is p's first half, node 2 its second (after the visits).
    assert sorted(i for order in routes for i in order) == [0, 1, 2]
    assert [1 in order and 2 in order for order in routes] == [False, False]
    ctx = Context.of(waiting_for_w1)
    synchronised = pairs.synchronise(ctx, routes)
    plan = assemble(
        waiting_for_w1, ctx.instance.to_ids(synchronised), ctx.instance.sync_of(synchronised)
    )
    assert plan.is_feasible(), plan.violations()


def test_ruin_and_recreate_keeps_the_halves_together(make_problem: MakeProblem) -> None:
    lunch = Break(TimeWindow(11 * HOUR + 1800, 13 * HOUR), 3600)
    workers = [worker("w1", lunch=lunch), worker("w2", lunch=lunch), worker("w3")]
    visits = [pair("p", 2), pair("q", 7, sync_tolerance=0)]
    visits += [visit(f"v{i}", 1 + i % 8, service=2700) for i in range(9)]
    problem = make_problem(workers, visits)
    ctx = Context.of(problem)
    start = pairs.synchronise(ctx, ctx.instance.to_indices([["p", "v0"], ["p", "v1"], []]))

    routes = ruin.ruin_and_recreate(ctx, start, seed=4, iterations=300, deadline=float("inf"))

    plan = assemble(problem, ctx.instance.to_ids(routes), ctx.instance.sync_of(routes))
    assert plan.is_feasible(), plan.violations()
    assert {"p", "q"} <= plan.served()
    assert plan.cost() < assemble(problem, ctx.instance.to_ids(start)).cost()


def test_a_problem_for_two_survives_a_json_round_trip(waiting_for_w1: Problem) -> None:
    problem = replace(
        waiting_for_w1,
        visits=[
            pair("p", 1, skills=COUNSEL, partner_skills=frozenset({"female"}), sync_tolerance=60)
        ],
    )
    again = problem_from_dict(json.loads(json.dumps(problem_to_dict(problem))))
    assert again == problem


def test_a_visit_for_two_cannot_be_pinned_in_place_nor_one_for_one_have_a_partner() -> None:
    with pytest.raises(ValueError, match="cannot be pinned in place"):
        pair("p", 1, pinned_position=0)
    with pytest.raises(ValueError, match="partner skills but needs one worker"):
        visit("v", 1, partner_skills=COUNSEL)
    with pytest.raises(ValueError, match="1 or 2 only"):
        visit("v", 1, workers_needed=3)


@st.composite
def _days_with_pairs(draw: st.DrawFn) -> Problem:
    """Two or three workers (a lunch or not, a skill or not) and three to eight visits along
    the road, one or two of them for two, windows of an hour or the whole day."""
    lunch = Break(TimeWindow(11 * HOUR + 1800, 13 * HOUR), 3600)
    workers = [
        worker(
            f"w{k}",
            start_location=draw(st.sampled_from((0, 0, 4))),
            lunch=lunch if draw(st.booleans()) else None,
            skills=COUNSEL if draw(st.booleans()) else frozenset(),
        )
        for k in range(draw(st.integers(2, 3)))
    ]
    workers = [replace(w, end_location=w.start_location) for w in workers]
    windows = st.integers(8, 15).map(lambda h: (TimeWindow(h * HOUR, h * HOUR + HOUR),))
    n_pairs = draw(st.integers(1, 2))
    visits = [
        visit(
            f"v{n}",
            draw(st.integers(1, 8)),
            windows=draw(st.just((DAY,)) | windows),
            service=draw(st.sampled_from((900, 1800, 2700))),
            priority=draw(st.sampled_from(list(Priority))),
            skills=COUNSEL if draw(st.integers(0, 4)) == 0 else frozenset(),
            workers_needed=2 if n < n_pairs else 1,
            sync_tolerance=draw(st.sampled_from((0, 300, 900))),
        )
        for n in range(draw(st.integers(3, 8)))
    ]
    durations, distances = road(9)
    return Problem(workers, visits, durations, distances)


@given(_days_with_pairs(), st.integers(0, 3))
@settings(max_examples=15, deadline=None)
def test_random_days_with_pairs_give_plans_the_validator_accepts(
    problem: Problem, seed: int
) -> None:
    plan = solve(problem, time_limit=0.25, seed=seed, processes=1)

    assert plan.is_feasible(), (plan.violations(), plan.summary())
    for v in problem.visits:
        if v.needs_two and v.id in plan.served():
            assert len(starts(plan, v.id)) == 2


@given(_days_with_pairs(), st.data())
@settings(max_examples=150, deadline=None)
def test_a_pair_inserted_into_feasible_routes_keeps_them_feasible(
    problem: Problem, data: st.DataObject
) -> None:
    ctx = Context.of(problem)
    singles = [i for i, v in enumerate(problem.visits) if not v.needs_two]
    shuffled = data.draw(st.permutations(singles))
    cuts = sorted(data.draw(st.lists(st.integers(0, len(singles)), min_size=2, max_size=2)))
    routes = [shuffled[: cuts[0]], shuffled[cuts[0] : cuts[1]], shuffled[cuts[1] :]]
    routes = routes[: len(problem.workers)]
    allowed = ctx.instance.allowed
    assume(all(k in allowed[i] for k, order in enumerate(routes) for i in order))
    assume(all(ctx.timer.feasible(k, order) for k, order in enumerate(routes)))

    if pairs.insert(ctx, routes, 0):
        assert all(ctx.timer.feasible(k, order) for k, order in enumerate(routes))
        plan = assemble(problem, ctx.instance.to_ids(routes), ctx.instance.sync_of(routes))
        assert plan.is_feasible(), plan.violations()
        assert len(starts(plan, "v0")) == 2
