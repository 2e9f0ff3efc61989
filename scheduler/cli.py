"""Command line: solve a JSON problem, or a Solomon VRPTW instance."""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from scheduler import jsonio, solomon
from scheduler.solver import solve


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status."""
    args = _parser().parse_args(argv)
    return int(args.run(args))


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m scheduler", description=__doc__)
    commands = parser.add_subparsers(required=True)
    solve_cmd = commands.add_parser("solve", help="solve a JSON problem, print the plan as JSON")
    solve_cmd.add_argument("problem", type=Path)
    solve_cmd.set_defaults(run=_solve)
    sol = commands.add_parser("solomon", help="solve a Solomon VRPTW file, print one JSON line")
    sol.add_argument("file", type=Path)
    sol.add_argument("--vehicles", type=int, help="fix the fleet (default: the file's limit)")
    sol.add_argument("--distances", choices=sorted(solomon.SCALES), default="double")
    sol.set_defaults(run=_solomon)
    for cmd in (solve_cmd, sol):
        cmd.add_argument("--time-limit", type=float, required=True, help="seconds")
        cmd.add_argument("--seed", type=int, default=0)
    return parser


def _solve(args: argparse.Namespace) -> int:
    problem = jsonio.problem_from_dict(json.loads(args.problem.read_text()))
    plan = solve(problem, time_limit=args.time_limit, seed=args.seed)
    json.dump(plan.to_dict(), sys.stdout, ensure_ascii=False, indent=2)
    print()
    return 0 if plan.is_feasible() else 1


def _solomon(args: argparse.Namespace) -> int:
    began = time.perf_counter()
    instance = solomon.parse(args.file)
    problem = solomon.to_problem(instance, vehicles=args.vehicles, distances=args.distances)
    plan = solve(problem, time_limit=args.time_limit, seed=args.seed)
    line = {
        "instance": instance.name,
        "customers": len(instance.customers) - 1,
        "vehicles": sum(1 for r in plan.routes if r.stops),
        "distance": round(solomon.plan_distance(instance, plan, args.distances), 2),
        "unserved": len(plan.dropped),
        "feasible": plan.is_feasible(),
        "seconds": round(time.perf_counter() - began, 2),
    }
    print(json.dumps(line))
    return 0 if line["feasible"] else 1
