"""Audited writes under concurrency: one hash chain for the city against a chain per township.

``python -m benchmarks.audit_writes --database-url postgresql://... [--threads 16]
[--seconds 5] [--rounds 3] [--hold-ms 0]`` migrates the database and runs two modes in turn,
``--seconds`` each, ``--rounds`` times: every thread appends audit rows on a connection of its
own, one row per transaction, as the change of a township of its own.

- *one chain*: every thread's change names the same township, so every append queues on one
  advisory lock and reads one chain's last row, as every audited write did before the trail
  had chains (the mode lives here only: the trail itself has no such switch);
- *chain per township*: each thread's township has its chain and its lock.

``--hold-ms`` keeps each transaction open that long after its audit row, as a request's other
writes would (the chain's lock is held until the commit). Prints a Markdown table per round,
then the medians over the rounds and their ratio, then checks every chain. Use a scratch
database: audit rows are append-only, the benchmark's stay. Without ``--database-url`` it
runs on a temporary SQLite file, which lets one writer in at a time whatever the chains.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

CITY = "410184"
MODES = ("one chain", "chain per township")


@dataclass(frozen=True)
class Run:
    """What one mode did in one round."""

    mode: str
    rows: int
    seconds: float
    p50_ms: float
    p99_ms: float

    @property
    def rows_per_second(self) -> float:
        """Appends committed per second, all threads together."""
        return self.rows / self.seconds


def _village(township: int) -> str:
    return f"{CITY}{township:03d}201"


def _append_for(seconds: float, area_code: str, hold: float, start: threading.Barrier,
                latencies: list[float]) -> None:
    """One thread: append a row per transaction on its own connection for a while."""
    from backend import audit
    from backend.db import db
    from backend.permissions import SYSTEM

    with db.connection_context():
        start.wait()
        deadline, n = time.perf_counter() + seconds, 0
        while time.perf_counter() < deadline:
            began = time.perf_counter()
            with db.atomic():
                audit.record(actor=SYSTEM, action="benchmark.append", entity="benchmark",
                             entity_id=n, changes={"n": [n, n + 1]}, area_code=area_code)
                if hold:
                    time.sleep(hold)
            latencies.append((time.perf_counter() - began) * 1000)
            n += 1


def run_mode(mode: str, threads: int, seconds: float, hold_ms: float) -> Run:
    """Run one mode with every thread started at once; answer its throughput and latencies."""
    start = threading.Barrier(threads + 1)
    per_thread: list[list[float]] = [[] for _ in range(threads)]
    workers = [
        threading.Thread(target=_append_for, args=(
            seconds, _village(1 if mode == MODES[0] else n + 1), hold_ms / 1000, start,
            per_thread[n]))
        for n in range(threads)
    ]
    for worker in workers:
        worker.start()
    start.wait()
    began = time.perf_counter()
    for worker in workers:
        worker.join()
    elapsed = time.perf_counter() - began
    latencies = sorted(ms for thread in per_thread for ms in thread)
    if not latencies:
        raise RuntimeError(f"{mode}: no row was appended")
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    return Run(mode, len(latencies), elapsed, statistics.median(latencies), p99)


def _table(runs: list[tuple[int, Run]], threads: int) -> str:
    lines = ["| round | mode | threads | rows | rows/s | p50 ms | p99 ms |",
             "|---|---|---|---|---|---|---|"]
    lines += [f"| {n} | {r.mode} | {threads} | {r.rows} | {r.rows_per_second:.0f} | "
              f"{r.p50_ms:.2f} | {r.p99_ms:.2f} |" for n, r in runs]
    return "\n".join(lines)


def _medians(runs: list[Run]) -> str:
    lines = ["| mode | median rows/s | median p50 ms | median p99 ms |", "|---|---|---|---|"]
    rates = {}
    for mode in MODES:
        mine = [r for r in runs if r.mode == mode]
        rates[mode] = statistics.median(r.rows_per_second for r in mine)
        lines.append(f"| {mode} | {rates[mode]:.0f} | "
                     f"{statistics.median(r.p50_ms for r in mine):.2f} | "
                     f"{statistics.median(r.p99_ms for r in mine):.2f} |")
    lines.append("")
    lines.append(f"{MODES[1]} / {MODES[0]}: {rates[MODES[1]] / rates[MODES[0]]:.1f}x rows/s")
    return "\n".join(lines)


def main() -> None:
    """Parse the arguments, run the rounds, print the tables."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="a scratch database (default: temporary SQLite)")
    parser.add_argument("--threads", type=int, default=16)
    parser.add_argument("--seconds", type=float, default=5.0, help="per mode and round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--hold-ms", type=float, default=0.0,
                        help="keep each transaction open this long after its audit row")
    args = parser.parse_args()

    from backend import audit, migrate
    from backend.db import db, open_database

    url = args.database_url or f"sqlite:///{Path(tempfile.mkdtemp()) / 'audit-bench.db'}"
    database = open_database(url, pooled=False)  # a connection per thread, held for the run
    migrate.upgrade(database)
    runs: list[tuple[int, Run]] = []
    for n in range(1, args.rounds + 1):
        order = MODES if n % 2 else MODES[::-1]  # alternate, so drift of a busy machine evens out
        runs += [(n, run_mode(mode, args.threads, args.seconds, args.hold_ms)) for mode in order]
    print(f"{args.threads} threads, {args.seconds:g} s a run, {args.hold_ms:g} ms held after "
          f"the audit row, {url.partition('://')[0]}\n")
    print(_table(runs, args.threads) + "\n")
    print(_medians([run for _, run in runs]) + "\n")
    with db.connection_context():
        report = audit.verify_chain()
    print(f"audit verify: {'ok' if report.ok else f'BROKEN at id={report.first_broken_id}'}, "
          f"{report.rows_checked} rows in {report.chains_checked} chains")


if __name__ == "__main__":
    main()
