"""The JSON format and the command line, including every Solomon file on disk."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from scheduler import Problem, solomon, solve, solver
from scheduler.cli import main
from scheduler.jsonio import parse_time, problem_from_dict, problem_to_dict
from scheduler.search.chain import Searched

SOLOMON = Path("/work/shared/benchmarks/solomon")
FILES = sorted(SOLOMON.glob("*/*.txt"))
needs_solomon = pytest.mark.skipif(not FILES, reason="Solomon files not present")


def test_times_read_as_seconds_or_clock_strings() -> None:
    assert parse_time("08:30") == 8 * 3600 + 1800
    assert parse_time(3600) == 3600


def test_a_problem_survives_a_json_round_trip(two_worker_day: Problem) -> None:
    again = problem_from_dict(json.loads(json.dumps(problem_to_dict(two_worker_day))))
    assert again == two_worker_day


def test_solve_prints_a_feasible_plan(
    two_worker_day: Problem, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "day.json"
    path.write_text(json.dumps(problem_to_dict(two_worker_day)))
    assert main(["solve", str(path), "--time-limit", "0.5"]) == 0
    plan = json.loads(capsys.readouterr().out)
    assert plan["feasible"] is True
    assert {s["visit_id"] for r in plan["routes"] for s in r["stops"]} >= {"a", "d"}


def test_points_stand_in_for_matrices() -> None:
    data = {
        "points": [[34.40, 113.74], [34.41, 113.75]],
        "workers": [{"id": "w", "start_location": 0, "shift": ["08:00", "17:00"]}],
        "visits": [{"id": "v", "location": 1, "windows": [["09:00", "10:00"]], "service": 600}],
    }
    assert problem_from_dict(data).durations[0][1] > 0


@needs_solomon
@pytest.mark.parametrize("path", FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_every_solomon_file_parses_into_a_problem(path: Path) -> None:
    instance = solomon.parse(path)
    problem = solomon.to_problem(instance, distances="trunc1")
    assert len(problem.visits) == int(path.parent.name)
    assert instance.capacity > 0


@needs_solomon
@pytest.mark.parametrize("name", ["25/C101", "25/R201", "50/RC105", "100/C101"])
def test_solomon_command_prints_one_json_line(
    name: str, capsys: pytest.CaptureFixture[str]
) -> None:
    args = ["solomon", str(SOLOMON / f"{name}.txt"), "--time-limit", "0.3"]
    if name.startswith("100"):
        args += ["--vehicles", "10"]
    assert main([*args, "--distances", "trunc1"]) == 0
    line = json.loads(capsys.readouterr().out)
    assert set(line) == {
        "instance",
        "customers",
        "vehicles",
        "distance",
        "unserved",
        "feasible",
        "seconds",
    }
    assert line["feasible"] is True


def test_c101_with_25_customers_reaches_its_optimum() -> None:
    instance = solomon.parse(SOLOMON / "25" / "C101.txt")
    from scheduler import solve

    plan = solve(solomon.to_problem(instance, distances="trunc1"), time_limit=1.0)
    assert solomon.plan_distance(instance, plan, "trunc1") == pytest.approx(191.3)


@needs_solomon
def test_a_search_that_finds_no_first_solution_still_answers_a_valid_plan(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What a tiny limit on a busy machine does: every OR-Tools run stops before a first plan.
    monkeypatch.setattr(solver, "search_chain", lambda ctx, chain, finish: Searched(
        [None] * len(chain), None))
    problem = solomon.to_problem(solomon.parse(SOLOMON / "50/RC105.txt"), distances="trunc1")
    plan = solve(problem, time_limit=0.5, seed=0, processes=1)
    assert plan.is_feasible(), plan.violations()
    assert len(plan.dropped) + sum(len(r.stops) for r in plan.routes) == len(problem.visits)
