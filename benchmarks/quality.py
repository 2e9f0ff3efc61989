"""The solver's quality as a distribution (issue 25, item 3): each township day solved over
many seeds at the production budget, every plan judged against the best any run found.

    nice -n 15 python -m benchmarks.quality --quick            # 1 day a size, 4 seeds
    nice -n 15 python -m benchmarks.quality                    # 3 days a size, 24 seeds
    nice -n 15 python -m benchmarks.quality --sizes 20 --days 5 --seeds 24 --time-limit 1

Per size it prints: solves, the share within 0.1% of the best plan found for that day, the
mean and worst gap to it, infeasible plans, and the median solve time. Plans are priced and
validated by our own code (``Plan.cost``, ``Plan.is_feasible``). "Best found" is the best of
the runs here. With ``--proven`` each 20-visit day is also solved by the exact CP-SAT model
(``benchmarks.cpsat_day``): a second table gives per day the proven optimum (or CP-SAT's best
plan, its bound and status when the limit ends the proof), our best and median, each seed's
gap to it, and the share of our solves at the optimum; CP-SAT's plan then joins "best found".

    nice -n 15 python -m benchmarks.quality --sizes 20 --proven --proven-time 120
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from benchmarks.cpsat_day import ExactDay, solve_day
from benchmarks.township import township_day
from scheduler import Plan, Problem, solve
from scheduler.rules import COST_SCALE

WITHIN = 0.001  # "within 0.1% of the best plan any run found"
SIZES = [20, 30, 40]
PRODUCTION_BUDGET_S = 1.0  # the target budget (the job's default is larger)
PROVEN_SIZE = 20  # the exact reference; CP-SAT proves some of these days, not all
AT_OPTIMUM = 1e-6  # relative: float sums of the same integer parts, not a tolerance of quality


@dataclass
class Solve:
    """One seed on one day."""

    size: int
    day: int
    seed: int
    cost: float
    feasible: bool
    seconds: float
    # Kept for the proven size only: the best of a day starts CP-SAT's search (`--proven`).
    plan: Plan | None = field(default=None, repr=False, compare=False)


def run(sizes: list[int], days: int, seeds: int, limit: float) -> list[Solve]:
    """Every day of every size, solved once per seed."""
    found = []
    for size in sizes:
        for day in range(1, days + 1):
            problem = township_day(size, seed=day)
            for seed in range(seeds):
                found.append(_solve(problem, size, day, seed, limit))
    return found


def _solve(problem: Problem, size: int, day: int, seed: int, limit: float) -> Solve:
    began = time.perf_counter()
    plan = solve(problem, time_limit=limit, seed=seed)
    return Solve(size, day, seed, plan.cost(), plan.is_feasible(), time.perf_counter() - began,
                 plan if size == PROVEN_SIZE else None)


def references(solves: list[Solve], limit: float) -> list[Solve]:
    """One longer solve a day (seed 0): it joins "the best any run found", not the counts."""
    days = sorted({(s.size, s.day) for s in solves})
    return [_solve(township_day(size, seed=day), size, day, 0, limit) for size, day in days]


def gaps(solves: list[Solve], longer: Sequence[Solve] = ()
         ) -> dict[tuple[int, int], list[float]]:
    """Each day's relative gaps of its solves to the best feasible cost any run found."""
    best: dict[tuple[int, int], float] = {}
    for s in [*solves, *longer]:
        if s.feasible:
            best[s.size, s.day] = min(best.get((s.size, s.day), s.cost), s.cost)
    found: dict[tuple[int, int], list[float]] = {}
    for s in solves:
        low = best[s.size, s.day]
        found.setdefault((s.size, s.day), []).append((s.cost - low) / low if low else 0.0)
    return found


def exact(solves: list[Solve], limit: float, workers: int) -> dict[int, ExactDay]:
    """CP-SAT's proof of each 20-visit day (its plan checked and priced by our code), started
    from our best feasible plan of the day."""
    proofs = {}
    for day in sorted({s.day for s in solves if s.size == PROVEN_SIZE}):
        ours = [s.plan for s in solves if s.size == PROVEN_SIZE and s.day == day and s.feasible]
        hint = min((p for p in ours if p is not None), key=Plan.cost, default=None)
        proofs[day] = solve_day(township_day(PROVEN_SIZE, seed=day), limit, workers, hint=hint)
    return proofs


def as_solves(proofs: dict[int, ExactDay]) -> list[Solve]:
    """CP-SAT's plans as yardstick solves: they join "the best any run found"."""
    return [Solve(PROVEN_SIZE, day, -1, e.cost, True, e.seconds)
            for day, e in proofs.items() if e.cost is not None]


def proven_table(solves: list[Solve], proofs: dict[int, ExactDay]) -> list[str]:
    """A Markdown table, one row per 20-visit day: our solves against CP-SAT's optimum."""
    lines = ["Gap = (our cost − CP-SAT's plan) / CP-SAT's plan, its optimum when the status is "
             "OPTIMAL; \"≤ CP-SAT\" counts our solves with no gap.\n",
             "| day | CP-SAT | status | bound | CP-SAT s | our best | our median "
             "| ≤ CP-SAT | gaps by seed |", "|---:|---:|---|---:|---:|---:|---:|---:|---|"]
    at_optimum = total = 0
    for day, proof in proofs.items():
        costs = [s.cost for s in solves if s.size == PROVEN_SIZE and s.day == day and s.feasible]
        reference = proof.cost
        if reference is None or not costs:
            lines.append(f"| {day} | – | {proof.status} | {proof.bound / COST_SCALE:.1f} "
                         f"| {proof.seconds:.1f} | – | – | – | |")
            continue
        day_gaps = [(c - reference) / reference if reference else 0.0 for c in costs]
        hits = sum(g <= AT_OPTIMUM for g in day_gaps)
        if proof.proven:
            at_optimum, total = at_optimum + hits, total + len(costs)
        lines.append(
            f"| {day} | {reference:.1f} | {proof.status} | {proof.bound / COST_SCALE:.1f} "
            f"| {proof.seconds:.1f} | {min(costs):.1f} | {statistics.median(costs):.1f} "
            f"| {hits}/{len(costs)} | {' '.join(f'{g:.2%}' for g in day_gaps)} |")
    proven = sum(p.proven for p in proofs.values())
    share = f" ({at_optimum / total:.0%})" if total else ""
    lines.append(f"\nDays proven: {proven} of {len(proofs)}; our solves at the proven optimum: "
                 f"{at_optimum}/{total}{share}.")
    return lines


def table(solves: list[Solve], limit: float, longer: list[Solve]) -> list[str]:
    """A Markdown table, one row per size."""
    by_day = gaps(solves, longer)
    yardstick = "best of the runs"
    if any(s.seed >= 0 for s in longer):
        seconds = next(s.seconds for s in longer if s.seed >= 0)
        yardstick += f" and of a {seconds:.0f} s solve a day"
    if any(s.seed < 0 for s in longer):
        yardstick += " and of CP-SAT's plan (20 visits)"
    lines = [f"Budget {limit:g} s a solve; gap = (cost − {yardstick}) / best.\n",
             "| visits | days | solves | within 0.1% | mean gap | worst gap | infeasible "
             "| median s |", "|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for size in sorted({s.size for s in solves}):
        mine = [g for (n, _), values in by_day.items() if n == size for g in values]
        runs = [s for s in solves if s.size == size]
        lines.append(f"| {size} | {len({s.day for s in runs})} | {len(runs)} | "
                     + gap_cells(mine, sum(not s.feasible for s in runs),
                                 [s.seconds for s in runs]) + " |")
    return lines


def gap_cells(gaps: list[float], infeasible: int, seconds: list[float]) -> str:
    """The table's cells for a set of solves: within 0.1%, mean and worst gap, infeasible,
    median seconds."""
    within = sum(g <= WITHIN for g in gaps) / len(gaps)
    return (f"{within:.0%} | {statistics.mean(gaps):.3%} | {max(gaps):.3%} | {infeasible} "
            f"| {statistics.median(seconds):.2f}")


def main(argv: list[str] | None = None) -> int:
    """Run and print the table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)),
                        help="comma-separated visits per day")
    parser.add_argument("--days", type=int, default=3, help="township days per size")
    parser.add_argument("--seeds", type=int, default=24, help="solver seeds per day")
    parser.add_argument("--time-limit", type=float, default=PRODUCTION_BUDGET_S)
    parser.add_argument("--reference-time", type=float,
                        help="also solve each day once with this budget, for the yardstick")
    parser.add_argument("--proven", action="store_true",
                        help=f"also prove each {PROVEN_SIZE}-visit day's optimum with CP-SAT")
    parser.add_argument("--proven-time", type=float, default=120.0,
                        help="CP-SAT's time limit a day, seconds")
    parser.add_argument("--proven-workers", type=int, default=2, help="CP-SAT search workers")
    parser.add_argument("--quick", action="store_true", help="1 day a size, 4 seeds")
    args = parser.parse_args(argv)
    days, seeds = (1, 4) if args.quick else (args.days, args.seeds)
    solves = run([int(n) for n in args.sizes.split(",")], days, seeds, args.time_limit)
    longer = references(solves, args.reference_time) if args.reference_time else []
    proofs = exact(solves, args.proven_time, args.proven_workers) if args.proven else {}
    print("\n".join(table(solves, args.time_limit, [*longer, *as_solves(proofs)])))
    if proofs:
        print()
        print("\n".join(proven_table(solves, proofs)))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
