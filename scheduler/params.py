"""The tuned parameters of a solve: frozen dataclasses, one per search step, and two presets.

`DAY` is for days with visits that may be left out (a prize-collecting problem: which visits
to serve), `FLEET` for problems where every visit is mandatory (a fixed fleet, as Solomon at
its best-known size); `preset_for(problem)` picks one, and `solve(problem, params=...)` takes
any other. How each value was measured is in `benchmarks/README.md` ("Tuning history").

For experiments, `load_params(path)` (or `SolveParams.from_file(path)`) reads a JSON file of
overrides over a preset::

    {"preset": "day",
     "recreate": {"blink": 0.1},
     "budget": {"restart_nodes": [[0, 20]]},
     "portfolio": {"configs": [{"first_solution": "SAVINGS"},
                               {"first_solution": "PATH_CHEAPEST_ARC", "bandit": true}]}}

Keys are the fields of `SolveParams` and of its step parameters, nested as here; a value not
given keeps the preset's. Tuples are JSON lists; a list replaces the preset's whole tuple (a
configuration given as an object starts from `SearchConfig`'s defaults). "preset" ("day" or
"fleet") may be left out when the caller names the preset to start from (`base`), as
`benchmarks.scheduler --params` does for each problem. An unknown key or a value of the wrong
type is a `ValueError` that names it.
"""

from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scheduler.problem import Problem


@dataclass(frozen=True)
class SearchConfig:
    """One OR-Tools search: a first-solution strategy, a metaheuristic and the moves it may use."""

    first_solution: str
    metaheuristic: str = "GUIDED_LOCAL_SEARCH"
    # Operators ordered by recent success: finds the make-active moves that pay on full days.
    bandit: bool = False
    # Moves that add visits while moving others: unstick full days, at a fifth of the speed.
    activation_moves: bool = False
    # Without the heavy operators: more moves a second, worth more on tight windows.
    light: bool = False
    # OR-Tools' iterated local search (descent, SISR ruins, annealing): best on 20-30 visits.
    iterated: bool = False
    # Share of the run left to our ruin and recreate; None: the budget's `recreate_share`.
    recreate_share: float | None = None

    @property
    def speed(self) -> float:
        """Solutions per second relative to plain GLS (measured on 40-100 node problems)."""
        return (
            (0.2 if self.activation_moves else 1.0)
            * (0.6 if self.bandit else 1.0)
            * (1.5 if self.light else 1.0)
            * (0.8 if self.iterated else 1.0)
        )


@dataclass(frozen=True)
class PortfolioParams:
    """Which OR-Tools configurations the processes run, and how many solutions each may see.

    Process i of P runs configurations i, i + P, i + 2P... so the first ones are the surest.
    """

    configs: tuple[SearchConfig, ...]
    # Iterated local search leads on days up to this many visits and trails above.
    iterated_max_visits: int = 30
    # Solutions a second times nodes on one idle core, so a count, not the clock, ends a run.
    solutions_per_second_node: int = 22000
    min_moves: int = 20
    # Solutions a second with visits for two, relative: the constraints tying their halves
    # are checked by propagation at each move (median 0.5 on township days of 20-40 visits
    # with two pairs). Iterated local search is left out there: its ruins take one half
    # without the other and some runs never reach their count.
    pairs_speed: float = 0.5


@dataclass(frozen=True)
class BudgetParams:
    """How a solve's time limit is shared among runs, and each run among its steps."""

    # Two runs a process (restarts) on problems whose nodes fall in one of these ranges.
    restart_nodes: tuple[tuple[int, int], ...]
    # Share of each run given to ruin and recreate (and the ejection pool) after OR-Tools.
    recreate_share: float
    # Microseconds a round per visit: a count ends a day's run; a fleet's ends early on purpose.
    round_microseconds_per_visit: float
    # Shares (seconds) too short to split: OR-Tools needs all of them for a first plan.
    min_recreate_share: float = 0.3
    # Share of the time limit the processes and the exchange pass may use.
    usable: float = 0.95
    # Seconds kept for choosing among the processes' plans and the exchange pass.
    search_reserve: float = 0.1
    # Seconds before a process starts searching (forking it and building the model).
    startup: float = 0.03
    # Seconds before the time limit's usable end at which the exchange pass stops.
    exchange_reserve: float = 0.03
    # Share of the time limit for OR-Tools' guided local search from the chosen plan, after
    # the processes (days without visits for two or pinned stops; 0: none), when it comes to
    # `min_polish_seconds` at least: below that it mends next to nothing and costs the runs.
    polish_share: float = 0.0
    min_polish_seconds: float = 0.1
    # Share of the time limit for recombining the routes every process priced into the
    # cheapest plan (`search.pool`), after the runs and before the polish (days of two or
    # more workers without visits for two or pinned stops; 0: none), when it comes to
    # `min_recombine_seconds` at least: at 1 s the runs' pools are small and it cost them
    # more than it found, and 5% cost 30-visit days more rounds than it mended.
    recombine_share: float = 0.0
    min_recombine_seconds: float = 0.04
    # A round with visits for two costs this many rounds without (two places tried at once
    # for each, and their halves re-timed): 1.6-3.0 on township days of 30-40 visits with
    # two pairs, so their rounds end on the count, as others do, on an idle machine.
    pairs_round_factor: float = 2.0


@dataclass(frozen=True)
class RuinParams:
    """What a round of ruin and recreate takes out. One draw in [0, 1) a round: below
    `whole_route_below` a whole route, below `string_below` a string of one route, below
    `strings_below` SISR's strings through nearby routes, otherwise a visit's neighbourhood."""

    whole_route_below: float = 0.1
    string_below: float = 0.3
    strings_below: float = 0.6
    # Longest string taken from one route, so a long route loses a stretch, not itself.
    string_length: int = 8
    # Most visits of a neighbourhood (at least 2, at most a third of those served).
    neighbourhood: int = 10
    # SISR's longest string and visits removed on average (Christiaens and Vanden Berghe).
    sisr_string_length: int = 10
    sisr_removed: int = 10


@dataclass(frozen=True)
class RecreateParams:
    """How a round puts visits back."""

    # Share of rounds inserting by regret: pays where every customer must find a place.
    regret_share: float
    # Share of rounds leaving removed optional visits out: tries plans without a visit that fits.
    rest_share: float
    # The k of regret-k insertion, one drawn a round.
    regret_k: tuple[int, ...] = (2, 3)
    # Chance of passing a feasible place over (SISR's blink), or greedy rebuilds its start.
    blink: float = 0.05
    # Chance a left-out visit the ruin did not remove is retried: most fit nowhere on full days.
    retry_left_out: float = 0.5


@dataclass(frozen=True)
class AcceptParams:
    """Which round becomes the next start, and when ruin and recreate stops early."""

    # Margin above the best (share of its cost less mandatory penalties) still accepted, to 0.
    above_best: float = 0.03
    # Rounds without a new best, times the visits squared, before a run stops (small days).
    stall_rounds: int = 20


@dataclass(frozen=True)
class EjectionParams:
    """The ejection pool (fixed fleets): serving the mandatory visits left out by moving others."""

    # Part of the recreate time the pool may take first; 0: no pool.
    share: float = 0.0
    # Ejections a second times visits budgeted: a count ends the pool, the clock caps it.
    per_second_visit: int = 80_000
    # Visits ejected at most to make room for one: each more made ejections slower, not better.
    max_ejected: int = 2
    # Random relocations after each ejection, which keep the pool from cycling.
    relocations: int = 30
    # Of the time ruin and recreate leaves, the share for polishing after a second pool.
    polish_share: float = 0.3


@dataclass(frozen=True)
class ExchangeParams:
    """The exchange pass on the chosen plan (left-out visits inserted or traded in)."""

    # Best-estimated candidates of each kind assembled and validated a move (each costs ms).
    verified: int = 5


@dataclass(frozen=True)
class RefillParams:
    """The descent on which visits are served (`search.refill`), after each run's ruin and
    recreate."""

    # Moves tried at most a run (one served visit, or two, out; the left-out ones in); 0: none.
    moves: int = 0
    # Each served visit is also taken out with each of this many nearest served ones.
    near: int = 6
    # Share of each run's ruin-and-recreate time kept for it (ruin and recreate stops sooner).
    share: float = 0.1
    # Ruin and recreate refills its best plan this many rounds a visit after it last did,
    # when that plan is new, and goes on from the result; 0: only after the run.
    every: int = 0


@dataclass(frozen=True)
class SolveParams:
    """Every tuned value of a solve, step by step."""

    portfolio: PortfolioParams
    budget: BudgetParams
    recreate: RecreateParams
    ruin: RuinParams = field(default_factory=RuinParams)
    accept: AcceptParams = field(default_factory=AcceptParams)
    ejection: EjectionParams = field(default_factory=EjectionParams)
    exchange: ExchangeParams = field(default_factory=ExchangeParams)
    refill: RefillParams = field(default_factory=RefillParams)

    @classmethod
    def from_file(cls, path: str | Path, base: SolveParams | None = None) -> SolveParams:
        """The parameters of a JSON file of overrides (see the module's docstring)."""
        return load_params(path, base)

    def overridden(self, changes: dict[str, Any]) -> SolveParams:
        """These parameters with the nested `changes` (a JSON object's form) applied."""
        return _override(self, changes, "")


DAY = SolveParams(
    # Days are led by insertion in penalty order with bandit-ordered moves.
    portfolio=PortfolioParams(
        (
            SearchConfig("LOCAL_CHEAPEST_INSERTION", bandit=True),
            SearchConfig("LOCAL_CHEAPEST_INSERTION", iterated=True, recreate_share=0.3),
            SearchConfig("SAVINGS"),
            SearchConfig("PARALLEL_CHEAPEST_INSERTION", bandit=True),
            SearchConfig("SEQUENTIAL_CHEAPEST_INSERTION", bandit=True),
            SearchConfig("LOCAL_CHEAPEST_COST_INSERTION"),
            SearchConfig("PATH_CHEAPEST_ARC"),
        )
    ),
    # Small days and days of 30-40 visits gain from a second start; 20 visits need every round.
    budget=BudgetParams(
        restart_nodes=((0, 20), (30, 50)), recreate_share=0.7, round_microseconds_per_visit=4.2,
        polish_share=0.05, recombine_share=0.02,
    ),
    recreate=RecreateParams(regret_share=0.0, rest_share=0.3),
    # Which visits are served decides most of a day's cost: a descent on that after each run
    # and, from its best plan, within ruin and recreate.
    refill=RefillParams(moves=2000, near=12, every=4),
)
FLEET = SolveParams(
    # All-mandatory fleets are led by savings and by parallel insertion with the fast moves.
    portfolio=PortfolioParams(
        (
            SearchConfig("SAVINGS"),
            SearchConfig("PARALLEL_CHEAPEST_INSERTION", light=True),
            SearchConfig("LOCAL_CHEAPEST_INSERTION"),
            SearchConfig("PARALLEL_CHEAPEST_INSERTION"),
        )
    ),
    # Small fleets gain from a second start; 75 nodes (Solomon 50) do better with one run.
    budget=BudgetParams(
        restart_nodes=((0, 60),), recreate_share=0.75, round_microseconds_per_visit=10.0
    ),
    recreate=RecreateParams(regret_share=0.3, rest_share=0.0),
    ejection=EjectionParams(share=0.7),
)
PRESETS = {"day": DAY, "fleet": FLEET}


def preset_for(problem: Problem) -> SolveParams:
    """`FLEET` when every visit is mandatory, `DAY` otherwise."""
    return FLEET if all(v.priority.mandatory for v in problem.visits) else DAY


def load_params(path: str | Path, base: SolveParams | None = None) -> SolveParams:
    """The parameters of a JSON file of overrides over its "preset", or over `base`."""
    changes = json.loads(Path(path).read_text())
    if not isinstance(changes, dict):
        raise ValueError(f"{path}: parameters must be a JSON object")
    name = changes.pop("preset", None)
    if name is not None:
        if name not in PRESETS:
            raise ValueError(f"{path}: unknown preset {name!r} (known: {', '.join(PRESETS)})")
        base = PRESETS[name]
    if base is None:
        raise ValueError(f"{path}: names no preset and none was given")
    try:
        return base.overridden(changes)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc


def _override(current: Any, changes: object, where: str) -> Any:
    """The dataclass `current` with the fields in `changes` replaced, nested ones recursively."""
    if not isinstance(changes, dict):
        raise ValueError(f"{where or 'the parameters'} must be an object")
    hints = typing.get_type_hints(type(current))
    replaced = {}
    for key, value in changes.items():
        path = f"{where}.{key}" if where else key
        if key not in hints:
            raise ValueError(f"unknown parameter {path!r}")
        old = getattr(current, key)
        if dataclasses.is_dataclass(old):
            replaced[key] = _override(old, value, path)
        else:
            replaced[key] = _convert(value, hints[key], path)
    return dataclasses.replace(current, **replaced)


def _convert(value: object, hint: Any, where: str) -> Any:
    """A JSON value as the type `hint` (lists as tuples), or a ValueError naming `where`."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None and type(None) in args:
            return None
        (hint,) = [a for a in args if a is not type(None)]
        return _convert(value, hint, where)
    if origin is tuple:
        if not isinstance(value, list):
            raise ValueError(f"{where} must be a list, not {value!r}")
        if len(args) == 2 and args[1] is Ellipsis:
            args = (args[0],) * len(value)
        elif len(args) != len(value):
            raise ValueError(f"{where} must have {len(args)} items, not {len(value)}")
        return tuple(
            _convert(v, a, f"{where}[{i}]")
            for i, (v, a) in enumerate(zip(value, args, strict=True))
        )
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, where)
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint in (int, str, bool) and type(value) is hint:
        return value
    raise ValueError(f"{where} must be of type {getattr(hint, '__name__', hint)}, not {value!r}")


def _build(cls: Any, value: object, where: str) -> Any:
    """A new dataclass `cls` from its defaults and a JSON object."""
    if not isinstance(value, dict):
        raise ValueError(f"{where} must be an object, not {value!r}")
    hints = typing.get_type_hints(cls)
    unknown = [key for key in value if key not in hints]
    if unknown:
        raise ValueError(f"unknown parameter {where + '.' + unknown[0]!r}")
    given = {key: _convert(v, hints[key], f"{where}.{key}") for key, v in value.items()}
    missing = [
        f.name
        for f in dataclasses.fields(cls)
        if f.name not in given
        and f.default is dataclasses.MISSING
        and f.default_factory is dataclasses.MISSING
    ]
    if missing:
        raise ValueError(f"{where} lacks {', '.join(missing)}")
    return cls(**given)
