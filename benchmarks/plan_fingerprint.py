"""A deterministic fingerprint of the plans the scheduler makes, to prove a refactor kept them.

    python -m benchmarks.plan_fingerprint > before.txt
    ... change the code ...
    python -m benchmarks.plan_fingerprint > after.txt && diff before.txt after.txt

Solves a fixed set of problems (township days 10-40 of seeds 1-3 as `benchmarks.scheduler`
generates them, and Solomon 25 instances, both at the file's fleet and at one vehicle below
the best-known one, so that the ejection pool and the exchange pass have visits to serve)
with fixed solver seeds, and prints every plan's routes, drop reasons and objective parts
(`repr`, so a changed last digit shows).

Why the clock is frozen: a solve stops each search on a count (OR-Tools' solution limit,
ruin-and-recreate rounds, ejections), but the clock is a hard cap and ruin and recreate's
acceptance margin falls with the rounds *or* the clock, whichever is further along, so even
a run its count ends reads the clock. Here `time.perf_counter` and `time.time` return
constants while a plan is made: every Python-side stop is a count, and a time limit of
`TIME_LIMIT` seconds only sets the counts (as it does in production). OR-Tools keeps its
own clock, so its solution limit is set low (`MAX_MOVES`) to end its runs well before that
clock on any machine. The scheduler must read the clock as `time.perf_counter()` and
`time.time()` for this to hold.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Iterator
from contextlib import contextmanager

from benchmarks.scheduler import SOLOMON, bks
from benchmarks.township import township_day
from scheduler import Plan, Problem, solomon, solve

TIME_LIMIT = 2.0
MAX_MOVES = 30
SOLVER_SEEDS = (0, 1)
TOWNSHIP = [(seed, n) for seed in (1, 2, 3) for n in (10, 20, 30, 40)]
SOLOMON_25 = ["C101", "R101", "RC101", "R201"]
# One vehicle below the best-known fleet: some customer is left out at first.
TIGHT_25 = ["R101", "RC101"]


@contextmanager
def frozen_clock() -> Iterator[None]:
    """`time.perf_counter` and `time.time` standing still (see the module's docstring)."""
    saved = time.perf_counter, time.time
    time.perf_counter = lambda: 1000.0
    time.time = lambda: 2_000_000_000.0
    try:
        yield
    finally:
        time.perf_counter, time.time = saved


def problems() -> Iterator[tuple[str, Problem]]:
    """The fixed set of problems, by name."""
    for seed, n in TOWNSHIP:
        yield f"township day{n} seed {seed}", township_day(n, seed)
    best = bks()
    for name in SOLOMON_25:
        instance = solomon.parse(SOLOMON / "25" / f"{name}.txt")
        yield f"solomon25 {name}", solomon.to_problem(instance, distances="trunc1")
    for name in TIGHT_25:
        instance = solomon.parse(SOLOMON / "25" / f"{name}.txt")
        fleet = best[(name, 25)][0] - 1
        yield f"solomon25 {name} fleet {fleet}", solomon.to_problem(instance, vehicles=fleet)


def fingerprint(plan: Plan) -> list[str]:
    """Routes, drop reasons and objective parts, one line each."""
    lines = [f"  {r.worker_id}: {' '.join(s.visit_id for s in r.stops)}" for r in plan.routes]
    lines += [f"  dropped {d.visit_id} {d.reason.value}" for d in plan.dropped]
    lines += [f"  {part} {value!r}" for part, value in plan.objective.items()]
    lines.append(f"  feasible {plan.is_feasible()}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Print the fingerprint of every plan."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args(argv)
    for name, problem in problems():
        for seed in SOLVER_SEEDS:
            with frozen_clock():
                plan = solve(
                    problem,
                    time_limit=TIME_LIMIT,
                    seed=seed,
                    processes=args.processes,
                    max_moves=MAX_MOVES,
                )
            print(f"{name}, solver seed {seed}", flush=True)
            print("\n".join(fingerprint(plan)), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
