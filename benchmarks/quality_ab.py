"""Candidates side by side on township days: one solve at a time, interleaved, same days and
seeds, so that a shared machine's load falls on every candidate alike (issue 25, item 3).

    nice -n 15 python -m benchmarks.quality_ab A=/tmp/main-copy B=. --sizes 30,40 --seeds 12
    nice -n 15 python -m benchmarks.quality_ab A=. B=.:tried.json C=.:tried.json@2

A candidate is NAME=TREE[:PARAMS][@SECONDS]: a checkout of this repository (its
`scheduler` is the one solving; `git worktree add` or `git archive` one), optionally a
`--params` file of overrides and a time limit of its own. Each candidate runs in a process
of its own that stays up (the code is imported once), and for every day and seed the
candidates solve in turn, the first one rotating with the seed. Every gap is against the
best feasible plan any candidate found for that day. `--out FILE` appends one JSON line a
solve (cost, served and dropped visits, routes, seconds, the load average at its start) for
a closer look at which visits the worse plans leave out.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from typing import IO, Any

from benchmarks.quality import gap_cells

# What each candidate's process runs: solve requests in, results out, one JSON line each.
WORKER = """
import json, os, sys, time
sys.path.insert(0, os.getcwd())
from benchmarks.township import township_day
from scheduler import solve
from scheduler.params import load_params, preset_for
days = {}
for line in sys.stdin:
    job = json.loads(line)
    key = job["size"], job["day"]
    problem = days.get(key) or days.setdefault(key, township_day(*key))
    params = load_params(job["params"], base=preset_for(problem)) if job["params"] else None
    load = os.getloadavg()[0]
    began = time.perf_counter()
    plan = solve(problem, time_limit=job["limit"], seed=job["seed"], params=params)
    print(json.dumps(dict(job, cost=plan.cost(), feasible=plan.is_feasible(),
                          seconds=time.perf_counter() - began, load=load,
                          dropped=sorted(d.visit_id for d in plan.dropped),
                          routes=[[s.visit_id for s in r.stops] for r in plan.routes])),
          flush=True)
"""


class Candidate:
    """A code tree, its parameters and time limit, and the process that solves for it."""

    def __init__(self, spec: str, limit: float) -> None:
        self.name, rest = spec.split("=", 1)
        rest, _, seconds = rest.partition("@")
        tree, _, params = rest.partition(":")
        self.params = os.path.abspath(params) if params else None
        self.limit = float(seconds) if seconds else limit
        self.process = subprocess.Popen(
            [sys.executable, "-c", WORKER], cwd=os.path.abspath(tree),
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )

    def solve(self, size: int, day: int, seed: int) -> dict[str, Any]:
        """One solve in the candidate's process."""
        job = dict(size=size, day=day, seed=seed, limit=self.limit, params=self.params)
        stdin, stdout = self.process.stdin, self.process.stdout
        assert stdin is not None and stdout is not None
        stdin.write(json.dumps(job) + "\n")
        stdin.flush()
        return dict(json.loads(stdout.readline()), candidate=self.name)

    def close(self) -> None:
        """End its process."""
        assert self.process.stdin is not None
        self.process.stdin.close()
        self.process.wait()


def run(candidates: list[Candidate], sizes: list[int], days: list[int], seeds: int,
        out: IO[str] | None) -> list[dict[str, Any]]:
    """Every day and seed, each candidate in turn (the first one rotating with the seed)."""
    found = []
    for size in sizes:
        for day in days:
            for seed in range(seeds):
                turn = seed % len(candidates)
                for candidate in candidates[turn:] + candidates[:turn]:
                    result = candidate.solve(size, day, seed)
                    found.append(result)
                    if out is not None:
                        out.write(json.dumps(result) + "\n")
                        out.flush()
            print(f"# day {size}/{day} done, load average {os.getloadavg()[0]:.1f}",
                  file=sys.stderr, flush=True)
    return found


def table(results: list[dict[str, Any]], names: list[str]) -> list[str]:
    """A Markdown table, one row per size and candidate, gaps against the best of them all."""
    best: dict[tuple[int, int], float] = {}
    for r in results:
        if r["feasible"]:
            key = r["size"], r["day"]
            best[key] = min(best.get(key, r["cost"]), r["cost"])
    lines = ["| visits | candidate | solves | within 0.1% | mean gap | worst gap | infeasible "
             "| median s | load |", "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for size in sorted({r["size"] for r in results}):
        for name in names:
            mine = [r for r in results if r["size"] == size and r["candidate"] == name]
            gaps = [(r["cost"] - best[size, r["day"]]) / best[size, r["day"]] for r in mine]
            lines.append(
                f"| {size} | {name} | {len(mine)} | "
                + gap_cells(gaps, sum(not r["feasible"] for r in mine),
                            [r["seconds"] for r in mine])
                + f" | {statistics.mean(r['load'] for r in mine):.1f} |")
    return lines


def main(argv: list[str] | None = None) -> int:
    """Run the candidates and print the table."""
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("candidates", nargs="+", help="NAME=TREE[:PARAMS][@SECONDS]")
    parser.add_argument("--sizes", default="20,30,40")
    parser.add_argument("--days", default="1,2,3", help="township generator seeds")
    parser.add_argument("--seeds", type=int, default=24, help="solver seeds 0..N-1")
    parser.add_argument("--time-limit", type=float, default=1.0)
    parser.add_argument("--out", help="append one JSON line a solve to this file")
    args = parser.parse_args(argv)
    candidates = [Candidate(spec, args.time_limit) for spec in args.candidates]
    out = open(args.out, "a") if args.out else None  # noqa: SIM115 (closed below)
    try:
        results = run(candidates, [int(n) for n in args.sizes.split(",")],
                      [int(d) for d in args.days.split(",")], args.seeds, out)
    finally:
        for candidate in candidates:
            candidate.close()
        if out is not None:
            out.close()
    print("\n".join(table(results, [c.name for c in candidates])))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
