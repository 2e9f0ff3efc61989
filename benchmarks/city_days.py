"""The city's own days at several budgets: what one process a solve and a shorter budget cost.

    INSTANCE_PATH=… nice -n 15 python -m benchmarks.city_days \\
        --database-url postgresql://…/county --day 2026-12-08 \\
        --configs 1:2,1:1,0.5:1 --seeds 3 [--townships 20] [--reference 5:2]

Gathers each township's day as the planning job does (`planning.gather_day`: the week's
placement when the week is planned, as `benchmarks.city` leaves it) without writing anything,
then solves it once per seed for each configuration ``budget:processes`` (budget in seconds,
``job`` for the job's own `time_limit_for` of the day) and once at the reference. Prints per
configuration the share of solves within 0.1% of the best any run found for that day, the mean
and worst gap to it, infeasible plans, the mean solve time and its sum over the townships (one
seed): the CPU a city's night costs at that budget, times the processes.
"""

from __future__ import annotations

import argparse
import os
import statistics
from dataclasses import dataclass
from datetime import date
from pathlib import Path

WITHIN = 0.001


@dataclass(frozen=True)
class Config:
    """A budget (seconds, or None for the job's own) and the processes a solve runs."""

    budget: float | None
    processes: int

    @property
    def label(self) -> str:
        """How the table names it."""
        return f"{'job' if self.budget is None else f'{self.budget:g} s'}, {self.processes} proc"


def parse_config(text: str) -> Config:
    """``1:2`` = 1 s on 2 processes; ``job:1`` = the job's budget on one."""
    budget, processes = text.split(":")
    return Config(None if budget == "job" else float(budget), int(processes))


def run(database_url: str, day: date, configs: list[Config], seeds: int, townships: int,
        reference: Config | None) -> str:
    """Solve every township's day per configuration and seed; answer the table."""
    import scheduler
    from backend.models import Plan, Township
    from backend.services import planning
    from miniprogram_api import create_app

    create_app({"instance_path": Path(os.environ.get("INSTANCE_PATH", "instance")),
                "database_url": database_url, "redis_url": ""})
    days = []
    for township in Township.select().order_by(Township.id).limit(townships):
        unsaved = Plan(township=township, area_code=township.code, day=day, locks={})
        days.append(planning.gather_day(unsaved).problem)

    def budget_of(config: Config, problem: scheduler.Problem) -> float:
        return (planning.time_limit_for(len(problem.visits)) if config.budget is None
                else config.budget)

    costs: dict[Config, list[list[tuple[float, bool, float]]]] = {c: [] for c in configs}
    best: list[float] = []
    for problem in days:
        day_best = float("inf")
        if reference is not None:
            plan = scheduler.solve(problem, time_limit=budget_of(reference, problem),
                                   processes=reference.processes)
            day_best = plan.cost()
        for config in configs:
            found = []
            for seed in range(seeds):
                plan = scheduler.solve(problem, time_limit=budget_of(config, problem), seed=seed,
                                       processes=config.processes)
                found.append((plan.cost(), plan.is_feasible(), plan.solve_seconds))
                day_best = min(day_best, plan.cost())
            costs[config].append(found)
        best.append(day_best)

    sizes = [len(p.visits) for p in days]
    lines = [f"{len(days)} township days of {day.isoformat()}, visits asked median "
             f"{statistics.median(sizes):g} (min {min(sizes)}, max {max(sizes)}), {seeds} seeds",
             "", "| budget | solves | within 0.1% | mean gap | worst gap | infeasible | "
             "mean s | city s (sum, one seed) |", "|---|---:|---:|---:|---:|---:|---:|---:|"]
    for config in configs:
        gaps, seconds, infeasible = [], [], 0
        for day_best, found in zip(best, costs[config], strict=True):
            for cost, feasible, took in found:
                gaps.append((cost - day_best) / day_best if day_best else 0.0)
                seconds.append(took)
                infeasible += not feasible
        within = sum(g <= WITHIN for g in gaps) / len(gaps)
        lines.append(f"| {config.label} | {len(gaps)} | {within:.0%} | "
                     f"{statistics.mean(gaps):.3%} | {max(gaps):.3%} | {infeasible} | "
                     f"{statistics.mean(seconds):.2f} | {sum(seconds) / seeds:.1f} |")
    if reference is not None:
        lines.append(f"\nBest found includes one solve a day at {reference.label}.")
    return "\n".join(lines)


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--day", type=date.fromisoformat, required=True)
    parser.add_argument("--configs", default="job:2,1:2,1:1,0.5:1",
                        help="budget:processes, comma-separated (budget 'job': time_limit_for)")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--townships", type=int, default=20, help="the first N townships")
    parser.add_argument("--reference", default="5:2", help="one longer solve a day ('' none)")
    args = parser.parse_args()
    configs = [parse_config(c) for c in args.configs.split(",")]
    reference = parse_config(args.reference) if args.reference else None
    print(run(args.database_url, args.day, configs, args.seeds, args.townships, reference))


if __name__ == "__main__":
    main()
