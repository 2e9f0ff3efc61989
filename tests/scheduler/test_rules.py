"""Each solver rule on a small day whose best plan is known by hand."""

from __future__ import annotations

from scheduler import (
    Break,
    CostWeights,
    DropReason,
    Plan,
    Priority,
    Problem,
    TimeWindow,
    solve,
)
from scheduler.assemble import assemble
from scheduler.model import search_routes
from scheduler.params import SearchConfig
from scheduler.search.instance import Instance
from tests.scheduler.conftest import HOUR, MakeProblem, visit, worker

LIMIT = 0.5
NO_BALANCE = CostWeights(balance=0.0)


def plan_of(problem: Problem, **kwargs: float) -> Plan:
    """Solve with a small budget and insist the plan passes our validator."""
    plan = solve(problem, time_limit=kwargs.pop("time_limit", LIMIT), **kwargs)  # type: ignore[arg-type]
    assert plan.violations() == []
    return plan


def order(plan: Plan, worker_id: str) -> list[str]:
    """Visit ids of a worker's route, in order."""
    return [s.visit_id for s in plan.route(worker_id).stops]


def reasons(plan: Plan) -> dict[str, DropReason]:
    """Drop reason by visit id."""
    return {d.visit_id: d.reason for d in plan.dropped}


def test_time_windows_decide_the_order_and_the_worker_waits(make_problem: MakeProblem) -> None:
    late_near = visit("near", 1, windows=(TimeWindow(11 * HOUR, 12 * HOUR),))
    early_far = visit("far", 3, windows=(TimeWindow(8 * HOUR, 9 * HOUR),))
    plan = plan_of(make_problem([worker()], [late_near, early_far]))
    assert order(plan, "w1") == ["far", "near"]
    near = plan.route("w1").stops[1]
    assert near.start == 11 * HOUR
    assert near.waiting == near.start - near.arrival > 0


def test_a_second_time_window_is_used_when_the_first_is_missed(make_problem: MakeProblem) -> None:
    two_windows = (TimeWindow(7 * HOUR, 7 * HOUR + 600), TimeWindow(15 * HOUR, 16 * HOUR))
    plan = plan_of(make_problem([worker()], [visit("v", 2, windows=two_windows)]))
    assert plan.route("w1").stops[0].start == 15 * HOUR


def test_lunch_falls_between_visits_and_delays_the_next(make_problem: MakeProblem) -> None:
    # The lunch must start by 12:10, so it cannot wait until the route is over.
    lunch = Break(TimeWindow(11 * HOUR + 1800, 12 * HOUR + 600), HOUR)
    morning = visit("am", 1, windows=(TimeWindow(11 * HOUR, 11 * HOUR),), service=HOUR)
    noon = visit("pm", 1, windows=(TimeWindow(12 * HOUR, 13 * HOUR + 1800),))
    plan = plan_of(make_problem([worker(lunch=lunch)], [morning, noon]))
    route = plan.route("w1")
    assert route.break_start == 12 * HOUR
    assert [s.start for s in route.stops] == [11 * HOUR, 13 * HOUR]


def test_a_visit_possible_only_over_lunch_is_dropped(make_problem: MakeProblem) -> None:
    lunch = Break(TimeWindow(12 * HOUR, 12 * HOUR), HOUR)
    over_lunch = visit("v", 1, windows=(TimeWindow(11 * HOUR + 2700, 12 * HOUR + 1800),))
    plan = plan_of(make_problem([worker(lunch=lunch)], [over_lunch]))
    assert reasons(plan) == {"v": DropReason.NO_TIME_WINDOW_FITS}


def test_skilled_visits_go_to_the_worker_with_the_skill(make_problem: MakeProblem) -> None:
    workers = [worker("w1"), worker("w2", skills=frozenset({"counselling"}))]
    visits = [
        visit("talk", 1, skills=frozenset({"counselling"})),
        visit("medical", 2, skills=frozenset({"nursing"})),
    ]
    plan = plan_of(make_problem(workers, visits))
    assert order(plan, "w2") == ["talk"]
    assert reasons(plan) == {"medical": DropReason.NO_WORKER_HAS_SKILL}


def test_a_visit_pinned_to_a_worker_stays_with_them(make_problem: MakeProblem) -> None:
    workers = [worker("w1"), worker("w2", start_location=6, end_location=6)]
    plan = plan_of(make_problem(workers, [visit("v", 1, pinned_worker="w2")]))
    assert order(plan, "w2") == ["v"]


def test_pinned_positions_fix_the_head_of_the_route(make_problem: MakeProblem) -> None:
    heading_east = worker("w1", end_location=6)
    visits = [
        visit("p", 2),
        visit("q", 1, pinned_worker="w1", pinned_position=1),
        visit("r", 3, pinned_worker="w1", pinned_position=0),
    ]
    plan = plan_of(make_problem([heading_east], visits))
    assert order(plan, "w1") == ["r", "q", "p"]


def test_replanning_keeps_done_stops_and_fits_an_urgent_visit(make_problem: MakeProblem) -> None:
    done = visit("done", 4, pinned_worker="w1", pinned_position=0)
    urgent = visit("urgent", 2, priority=Priority.URGENT)
    plan = plan_of(make_problem([worker("w1")], [done, visit("due", 1), urgent]))
    assert order(plan, "w1")[0] == "done"
    assert plan.served() == {"done", "due", "urgent"}


def test_mandatory_visits_are_kept_when_time_runs_short(make_problem: MakeProblem) -> None:
    one_visit_only = worker(max_visits=1)
    for priority in (Priority.URGENT, Priority.OVERDUE):
        visits = [visit("must", 6, priority=priority), visit("cheap", 1, priority=Priority.DUE)]
        plan = plan_of(make_problem([one_visit_only], visits))
        assert plan.served() == {"must"}
        assert reasons(plan) == {"cheap": DropReason.NO_TIME_LEFT}


def test_urgent_wins_over_overdue_when_only_one_fits(make_problem: MakeProblem) -> None:
    visits = [
        visit("overdue", 1, priority=Priority.OVERDUE),
        visit("urgent", 6, priority=Priority.URGENT),
    ]
    plan = plan_of(make_problem([worker(max_visits=1)], visits))
    assert plan.served() == {"urgent"}


def test_due_visits_win_over_optional_ones(make_problem: MakeProblem) -> None:
    visits = [visit("optional", 1, priority=Priority.OPTIONAL), visit("due", 3)]
    plan = plan_of(make_problem([worker(max_visits=1)], visits))
    assert plan.served() == {"due"}


def test_an_impossible_window_drops_even_an_urgent_visit(make_problem: MakeProblem) -> None:
    before_shift = (TimeWindow(6 * HOUR, 7 * HOUR),)
    visits = [visit("u", 1, priority=Priority.URGENT, windows=before_shift), visit("ok", 2)]
    plan = plan_of(make_problem([worker()], visits))
    assert reasons(plan) == {"u": DropReason.NO_TIME_WINDOW_FITS}
    assert plan.served() == {"ok"}


def test_the_preferred_worker_is_kept_when_it_costs_little(make_problem: MakeProblem) -> None:
    weights = CostWeights(not_preferred_worker=900, balance=0.0)
    workers = [worker("w1"), worker("w2", start_location=3, end_location=3)]
    plan = plan_of(make_problem(workers, [visit("v", 1, preferred_worker="w2")], weights))
    assert order(plan, "w2") == ["v"]  # 600 s more travel than w1, less than the 900 wish
    assert plan.objective["not_preferred_worker"] == 0


def test_the_preferred_worker_yields_when_far_away(make_problem: MakeProblem) -> None:
    weights = CostWeights(not_preferred_worker=900, balance=0.0)
    workers = [worker("w1"), worker("w2", start_location=8, end_location=8)]
    plan = plan_of(make_problem(workers, [visit("v", 1, preferred_worker="w2")], weights))
    assert order(plan, "w1") == ["v"]
    assert plan.objective["not_preferred_worker"] == 900


def test_balance_splits_a_heavy_day_between_the_workers(make_problem: MakeProblem) -> None:
    visits = [visit(f"v{i}", 1, service=HOUR) for i in range(4)]
    plan = plan_of(make_problem([worker("w1"), worker("w2")], visits))
    assert sorted(len(r.stops) for r in plan.routes) == [2, 2]


def test_without_balance_one_worker_takes_the_whole_cluster(make_problem: MakeProblem) -> None:
    visits = [visit(f"v{i}", 1, service=HOUR) for i in range(4)]
    plan = plan_of(make_problem([worker("w1"), worker("w2")], visits, NO_BALANCE))
    assert sorted(len(r.stops) for r in plan.routes) == [0, 4]


def test_capacity_splits_loads_between_workers(make_problem: MakeProblem) -> None:
    workers = [worker("w1", capacity=10), worker("w2", capacity=10)]
    visits = [visit(f"v{i}", 1, load=5) for i in range(3)]
    plan = plan_of(make_problem(workers, visits, NO_BALANCE))
    assert sorted(len(r.stops) for r in plan.routes) == [1, 2]


def test_fixed_cost_keeps_a_second_worker_home(make_problem: MakeProblem) -> None:
    weights = CostWeights(balance=1.0)
    workers = [worker("w1"), worker("w2", fixed_cost=100_000)]
    visits = [visit(f"v{i}", 1, service=HOUR) for i in range(4)]
    plan = plan_of(make_problem(workers, visits, weights))
    assert plan.route("w2").stops == []


def test_the_same_input_gives_the_same_plan(two_worker_day: Problem) -> None:
    first = solve(two_worker_day, time_limit=1.0, seed=3).to_dict()
    second = solve(two_worker_day, time_limit=1.0, seed=3).to_dict()
    assert first["routes"] == second["routes"]
    assert first["dropped"] == second["dropped"]


def test_the_everyday_day_is_feasible_and_serves_the_mandatory(two_worker_day: Problem) -> None:
    plan = plan_of(two_worker_day)
    mandatory = {v.id for v in two_worker_day.visits if v.priority.mandatory}
    assert mandatory <= plan.served()
    assert "b" in {s.visit_id for s in plan.route("w1").stops}


def test_or_tools_iterated_local_search_gives_a_valid_plan(two_worker_day: Problem) -> None:
    config = SearchConfig("LOCAL_CHEAPEST_INSERTION", iterated=True)

    routes = search_routes(two_worker_day, config, time_limit=0.5, moves=200)

    assert routes is not None
    plan = assemble(two_worker_day, Instance(two_worker_day).to_ids(routes))
    assert plan.is_feasible()
    assert {"a", "d"} <= plan.served()  # urgent and overdue


def test_a_day_without_visits_gives_empty_routes(make_problem: MakeProblem) -> None:
    plan = plan_of(make_problem([worker("w1"), worker("w2")], []))

    assert [r.stops for r in plan.routes] == [[], []]
    assert plan.dropped == []
