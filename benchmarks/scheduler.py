"""Benchmark the scheduler against best-known Solomon results, PyVRP and pyvroom.

    python -m benchmarks.scheduler --quick                  # a representative subset
    python -m benchmarks.scheduler --suite solomon100 --time-limit 10
    python -m benchmarks.scheduler --suite township --instances 10,20,40
    python -m benchmarks.scheduler --suite scaling        # solve time against visits
    python -m benchmarks.scheduler --quick --params try.json  # tuned parameters overridden

A whole city's day through the planning service is `python -m benchmarks.city`.

Every plan (ours and theirs) is timed, priced and validated by our own code, so columns
compare like with like. Prints a Markdown table per suite and a summary.
"""

from __future__ import annotations

import argparse
import csv
import dataclasses
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from benchmarks.township import township_day
from scheduler import Plan, Problem, solomon, solve
from scheduler.assemble import assemble
from scheduler.params import load_params, preset_for

SOLOMON = Path("/work/shared/benchmarks/solomon")
QUICK = ["C101", "C201", "R101", "R201", "RC101", "RC201"]
SUITES = {"solomon25": 25, "solomon50": 50, "solomon100": 100}
DEFAULT_LIMITS = {"solomon25": 2.0, "solomon50": 2.0, "solomon100": 10.0, "township": 1.0}
TOWNSHIP_SIZES = [10, 20, 30, 40, 60]
# Solve time against the number of visits: township days of these sizes at these budgets.
SCALING_SIZES = [10, 20, 40, 60, 80, 100]
SCALING_BUDGETS = [0.25, 0.5, 1.0, 2.0, 5.0]
SCALING_TITLE = "\nSolve time against the number of visits (township days, ours):\n"


@dataclass
class Row:
    """One solver on one instance."""

    suite: str
    instance: str
    solver: str
    value: float  # distance (Solomon) or our objective (township)
    unserved: int
    feasible: bool
    seconds: float
    reference: float | None = None  # best known (Solomon)

    @property
    def gap(self) -> float | None:
        """Percentage above the reference, when there is one."""
        return None if self.reference is None else 100 * (self.value / self.reference - 1)


def bks() -> dict[tuple[str, int], tuple[int, float]]:
    """(instance, customers) -> (vehicles, distance) from bks.csv."""
    with open(SOLOMON / "bks.csv") as f:
        return {
            (r["instance"], int(r["customers"])): (int(r["vehicles"]), float(r["distance"]))
            for r in csv.DictReader(f)
        }


Solver = Callable[[Problem, float], list[list[str]] | Plan]


def solvers(competitors: bool, params: Path | None = None) -> dict[str, Solver]:
    """Our solver (with `params`, a file of overrides over each problem's preset) and, unless
    told not to, the two references."""

    def ours(problem: Problem, limit: float) -> Plan:
        tuned = None if params is None else load_params(params, base=preset_for(problem))
        return solve(problem, time_limit=limit, params=tuned)

    found: dict[str, Solver] = {"ours": ours}
    if competitors:
        # Imported here: with --no-competitors the benchmark runs without PyVRP and pyvroom.
        from benchmarks.competitors import pyvrp_routes, vroom_routes

        found |= {"pyvrp": pyvrp_routes, "vroom": vroom_routes}
    return found


def run(problem: Problem, solver: Solver, limit: float) -> tuple[Plan, float]:
    """Solve, time it, and return our Plan of the answer."""
    began = time.perf_counter()
    answer = solver(problem, limit)
    seconds = time.perf_counter() - began
    plan = answer if isinstance(answer, Plan) else assemble(problem, answer)
    return plan, seconds


def solomon_rows(
    suite: str, names: list[str], limit: float, competitors: bool, params: Path | None = None
) -> list[Row]:
    """Solomon: 25/50 distance-only trunc1 optima; 100 fleet fixed at BKS size, double."""
    customers = SUITES[suite]
    convention = "double" if customers == 100 else "trunc1"
    best = bks()
    rows = []
    for name in names:
        instance = solomon.parse(SOLOMON / str(customers) / f"{name}.txt")
        vehicles, reference = best[(name, customers)]
        fleet = vehicles if customers == 100 else None  # 25/50: the file's limit, distance only
        problem = solomon.to_problem(instance, vehicles=fleet, distances=convention)
        for label, solver in solvers(competitors, params).items():
            plan, seconds = run(problem, solver, limit)
            distance = solomon.plan_distance(instance, plan, convention)
            row = Row(
                suite,
                name,
                label,
                distance,
                len(plan.dropped),
                plan.is_feasible(),
                seconds,
                reference,
            )
            rows.append(row)
            print(_line(row), flush=True)
    return rows


def township_rows(
    sizes: list[int],
    limit: float,
    competitors: bool,
    seed: int,
    reference: float | None,
    params: Path | None = None,
) -> list[Row]:
    """Synthetic township days. The reference is the best feasible plan any solver found in
    this run: at `limit` and, when `reference` is given, also at that many seconds (the
    issue's yardstick is the best plan any solver finds in 30 s)."""
    rows = []
    for n in sizes:
        problem = township_day(n, seed)
        found: list[Row] = []
        longer: list[Row] = []
        for label, solver in solvers(competitors, params).items():
            for budget, into in ((limit, found), (reference, longer)):
                if budget is None:
                    continue
                plan, seconds = run(problem, solver, budget)
                into.append(
                    Row(
                        "township" if into is found else f"township {budget:g} s",
                        f"day{n}",
                        label,
                        plan.cost(),
                        len(plan.dropped),
                        plan.is_feasible(),
                        seconds,
                    )
                )
        best = min((r.value for r in found + longer if r.feasible), default=None)
        for row in found + longer:
            row.reference = best
            rows.append(row)
            print(_line(row), flush=True)
    return rows


def scaling_table(
    sizes: list[int], budgets: list[float], seed: int, params: Path | None = None
) -> list[str]:
    """Ours on township days of growing size at growing budgets: each plan's gap to the best
    of that day's budgets, and the least budget within 0.1% of it (solve time against the
    number of visits)."""
    lines = [
        "| visits | "
        + " | ".join(f"{b:g} s" for b in budgets)
        + " | best cost | within 0.1% from |",
        "|---|" + "---|" * (len(budgets) + 2),
    ]
    for n in sizes:
        problem = township_day(n, seed)
        plans = [run(problem, solvers(False, params)["ours"], budget) for budget in budgets]
        feasible = [plan.cost() for plan, _ in plans if plan.is_feasible()]
        best = min(feasible) if feasible else None
        cells, first = [], "-"
        for budget, (plan, seconds) in zip(budgets, plans, strict=True):
            if best is None or not plan.is_feasible():
                cells.append(f"NO ({seconds:.2f} s)")
                continue
            gap = 100 * (plan.cost() / best - 1)
            cells.append(f"+{gap:.2f}% ({seconds:.2f} s, {len(plan.dropped)} out)")
            if gap <= 0.1 and first == "-":
                first = f"{budget:g} s"
        lines.append(
            f"| {n} | " + " | ".join(cells) + f" | {best if best is not None else '-'} | {first} |"
        )
        print(lines[-1], flush=True)
    return lines


def _line(row: Row) -> str:
    gap = "" if row.gap is None else f"{row.gap:+.2f}%"
    return (
        f"| {row.suite} | {row.instance} | {row.solver} | {row.value:.2f} | {gap} | "
        f"{row.unserved} | {'yes' if row.feasible else 'NO'} | {row.seconds:.2f} |"
    )


def summary(rows: list[Row]) -> list[str]:
    """Per suite and solver: mean and max gap, instances within 0.1% of the reference, with
    everything served, feasible, and the mean time."""
    lines = [
        "| suite | solver | n | mean gap | max gap | within 0.1% | all served | feasible "
        "| mean s |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    keys = sorted({(r.suite, r.solver) for r in rows})
    for suite, solver in keys:
        group = [r for r in rows if (r.suite, r.solver) == (suite, solver)]
        gaps = [r.gap for r in group if r.gap is not None and r.feasible]
        within = sum(r.gap is not None and r.feasible and r.gap <= 0.1 for r in group)
        lines.append(
            f"| {suite} | {solver} | {len(group)} | "
            f"{statistics.mean(gaps):.2f}% | {max(gaps):.2f}% | {within}/{len(group)} | "
            if gaps
            else f"| {suite} | {solver} | {len(group)} | - | - | - | "
        )
        lines[-1] += (
            f"{sum(r.unserved == 0 for r in group)}/{len(group)} | "
            f"{sum(r.feasible for r in group)}/{len(group)} | "
            f"{statistics.mean(r.seconds for r in group):.2f} |"
        )
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the chosen suites and print the tables."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--quick", action="store_true", help=f"only {', '.join(QUICK)}; township 10-40"
    )
    parser.add_argument(
        "--suite",
        default="solomon25,solomon50,solomon100,township,scaling",
        help="scaling: ours on township days of 10-100 visits at budgets of 0.25-5 s",
    )
    parser.add_argument("--instances", help="comma-separated names (Solomon) or sizes (township)")
    parser.add_argument("--time-limit", type=float, help="seconds per solve (default per suite)")
    parser.add_argument("--no-competitors", action="store_true")
    parser.add_argument(
        "--seeds", default="1", help="township generator seeds, comma-separated (default 1)"
    )
    parser.add_argument(
        "--reference-time",
        type=float,
        help="township: also solve every day with this budget (the issue's 30 s) and measure "
        "gaps against the best plan of either budget",
    )
    parser.add_argument(
        "--params",
        type=Path,
        help="a JSON file of parameter overrides over each problem's preset "
        "(format: scheduler/params.py; README 'Parameters for experiments')",
    )
    args = parser.parse_args(argv)
    if args.params is not None:
        load_params(args.params, base=preset_for(township_day(1, 1)))  # fail before solving
    rows: list[Row] = []
    scaling: list[str] = []
    print("| suite | instance | solver | distance/cost | gap | unserved | feasible | s |")
    print("|---|---|---|---|---|---|---|---|")
    for suite in args.suite.split(","):
        if suite == "scaling":
            print(SCALING_TITLE)
            sizes = [n for n in SCALING_SIZES if n <= 40] if args.quick else SCALING_SIZES
            seed = int(args.seeds.split(",")[0])
            scaling = scaling_table(sizes, SCALING_BUDGETS, seed, args.params)
            continue
        limit = args.time_limit or DEFAULT_LIMITS[suite]
        if suite == "township":
            sizes = (
                [int(x) for x in args.instances.split(",")] if args.instances else TOWNSHIP_SIZES
            )
            sizes = [n for n in sizes if n <= 40] if args.quick else sizes
            for seed in (int(x) for x in args.seeds.split(",")):
                rows += [
                    dataclasses.replace(r, suite=f"{r.suite} seed {seed}")
                    for r in township_rows(
                        sizes,
                        limit,
                        not args.no_competitors,
                        seed,
                        args.reference_time,
                        args.params,
                    )
                ]
            continue
        names = (
            args.instances.split(",")
            if args.instances
            else QUICK
            if args.quick
            else sorted(p.stem for p in (SOLOMON / str(SUITES[suite])).glob("*.txt"))
        )
        rows += solomon_rows(suite, names, limit, not args.no_competitors, args.params)
    print()
    if rows:
        print("\n".join(summary(rows)))
    if scaling:
        print(SCALING_TITLE)
        print("\n".join(scaling))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
