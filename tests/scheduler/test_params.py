"""Tuned parameters: the presets, and files of overrides for experiments."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from scheduler import Priority, SolveParams, solve
from scheduler.params import DAY, FLEET, SearchConfig, load_params, preset_for
from tests.scheduler.conftest import MakeProblem, visit, worker


def written(tmp_path: Path, content: Any) -> Path:
    """A JSON file holding `content`."""
    path = tmp_path / "params.json"
    path.write_text(json.dumps(content))
    return path


def test_a_file_overriding_one_value_changes_that_value_and_nothing_else(tmp_path: Path) -> None:
    path = written(tmp_path, {"preset": "day", "recreate": {"blink": 0.1}})

    loaded = load_params(path)

    assert loaded.recreate.blink == 0.1
    assert loaded == dataclasses.replace(DAY, recreate=dataclasses.replace(DAY.recreate, blink=0.1))
    assert SolveParams.from_file(path) == loaded


def test_an_unknown_key_is_an_error_that_names_it(tmp_path: Path) -> None:
    for content, name in (
        ({"preset": "day", "recreate": {"blinkk": 0.1}}, "recreate.blinkk"),
        ({"preset": "fleet", "ruinn": {}}, "ruinn"),
        (
            {"preset": "day", "portfolio": {"configs": [{"first_solution": "SAVINGS", "x": 1}]}},
            "portfolio.configs[0].x",
        ),
    ):
        with pytest.raises(ValueError, match=re.escape(f"unknown parameter '{name}'")):
            load_params(written(tmp_path, content))


def test_a_value_of_the_wrong_type_is_an_error_that_names_it(tmp_path: Path) -> None:
    path = written(tmp_path, {"preset": "day", "budget": {"recreate_share": "most"}})

    with pytest.raises(ValueError, match=re.escape("budget.recreate_share")):
        load_params(path)


def test_overrides_apply_to_the_base_given_when_the_file_names_no_preset(tmp_path: Path) -> None:
    path = written(tmp_path, {"ejection": {"relocations": 10}})

    assert load_params(path, base=FLEET).ejection.relocations == 10
    assert load_params(path, base=FLEET).budget == FLEET.budget
    with pytest.raises(ValueError, match="names no preset"):
        load_params(path)


def test_lists_in_the_file_become_the_tuples_of_the_parameters(tmp_path: Path) -> None:
    content = {
        "preset": "day",
        "budget": {"restart_nodes": [[0, 20]]},
        "portfolio": {"configs": [{"first_solution": "SAVINGS", "bandit": True}]},
    }

    loaded = load_params(written(tmp_path, content))

    assert loaded.budget.restart_nodes == ((0, 20),)
    assert loaded.portfolio.configs == (SearchConfig("SAVINGS", bandit=True),)
    assert loaded.portfolio.iterated_max_visits == DAY.portfolio.iterated_max_visits


def test_every_visit_mandatory_picks_the_fleet_preset(make_problem: MakeProblem) -> None:
    fleet = make_problem([worker()], [visit("a", 1, priority=Priority.URGENT)])
    day = make_problem([worker()], [visit("a", 1, priority=Priority.URGENT), visit("b", 2)])

    assert preset_for(fleet) is FLEET
    assert preset_for(day) is DAY


def test_a_solve_takes_parameters(make_problem: MakeProblem) -> None:
    problem = make_problem([worker()], [visit("a", 1), visit("b", 2)])
    one_config = dataclasses.replace(
        DAY, portfolio=dataclasses.replace(DAY.portfolio, configs=(SearchConfig("SAVINGS"),))
    )

    plan = solve(problem, time_limit=0.5, processes=1, params=one_config)

    assert plan.is_feasible()
    assert plan.served() == {"a", "b"}
