"""The nightly jobs at the size of a seeded county or city: time and peak memory of each.

``python -m benchmarks.nightly --database-url URL [--day YYYY-MM-DD]`` runs, on a database
seeded by ``flask demo seed --scale city`` (same ``INSTANCE_PATH``), each nightly job as the
scheduler does: care visits falling due, re-reviews opening, escalation of overdue stages,
tomorrow's visit reminders. The first run does the night's work (wall time); the second, with
``tracemalloc``, finds it done and shows the memory a job's reading needs (peak of Python
allocations) and what a rerun costs. The jobs change the database: a later measurement on the
same data needs a later ``--day``. Events are left in the outbox (no relay is installed), so
what is measured is the job's own work, not the notifications it causes.
"""

from __future__ import annotations

import argparse
import time
import tracemalloc
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any


def _jobs(day: date) -> list[tuple[str, Callable[[], Any]]]:
    from backend import tasks
    from backend.permissions import SYSTEM
    from notifications import periodic

    return [
        ("care visits falling due", lambda: tasks.generate_due_care_visits(day, actor=SYSTEM)),
        ("re-reviews opening", lambda: len(tasks.open_due_re_reviews(day, actor=SYSTEM))),
        ("escalation of overdue stages",
         lambda: tasks.escalate_overdue_steps(day, actor=SYSTEM)),
        ("visit reminders for the next day",
         lambda: periodic.emit_visit_reminders((day + timedelta(days=1)).isoformat())),
    ]


def _timed(call: Callable[[], Any]) -> tuple[Any, float]:
    start = time.perf_counter()
    result = call()
    return result, time.perf_counter() - start


def run(database_url: str, day: date) -> str:
    """Run every job twice, answer the table."""
    from backend import runtime
    from backend.config import load_settings
    from backend.db import db, open_database
    from backend.models import Client, Township

    runtime.configure(load_settings(overrides={"database_url": database_url, "redis_url": ""}))
    open_database(database_url)
    with db.connection_context():
        size = f"{Township.select().count()} townships, {Client.select().count()} clients"
    lines = [f"Nightly jobs for {day.isoformat()} on {size} (PostgreSQL).", "",
             "| job | done | wall s | rerun s (traced) | peak MiB (traced rerun) |",
             "|---|---|---|---|---|"]
    for label, job in _jobs(day):
        with db.connection_context():
            done, seconds = _timed(job)
            tracemalloc.start()
            _, again = _timed(job)
            peak = tracemalloc.get_traced_memory()[1] / 2**20
            tracemalloc.stop()
        lines.append(f"| {label} | {done} | {seconds:.1f} | {again:.1f} | {peak:.1f} |")
    return "\n".join(lines)


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--day", type=date.fromisoformat, default=None,
                        help="the night's day (default today in Asia/Shanghai)")
    args = parser.parse_args()
    from backend.models.base import local_today

    print(run(args.database_url, args.day or local_today()))


if __name__ == "__main__":
    main()
