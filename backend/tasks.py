"""Domain jobs: importable functions taking ids, run by RQ workers or inline, each a unit of work.

Each opens its own database connection when the worker has none and stamps the job id on the
audit rows it writes (``runtime.request_id``).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, timedelta

from backend import runtime
from backend.db import db
from backend.errors import Conflict
from backend.permissions import SYSTEM

_log = logging.getLogger("backend.tasks")


@contextmanager
def _unit_of_work(name: str) -> Iterator[None]:
    """A connection (a worker's own, or the caller's when run inline) and a request id."""
    from rq import get_current_job

    job = get_current_job()
    previous = runtime.request_id()
    runtime.set_request_id(job.id if job else f"inline-{name}")
    try:
        if db.is_closed():
            with db.connection_context():
                yield
        else:
            yield
    finally:
        runtime.set_request_id(previous)


def plan_township_day(township_id: int, day_iso: str, plan_id: int) -> str:
    """Compute one queued plan (the planning queue's job); answer done, failed or skipped."""
    from backend.services import planning

    with _unit_of_work("plan_township_day"):
        outcome = planning.run_plan(plan_id)
    _log.info("plan %s (township %s, %s): %s", plan_id, township_id, day_iso, outcome)
    return outcome


def plan_next_day(township_id: int | None = None, day: date | str | None = None) -> int:
    """Nightly: plan tomorrow for one township here, or for every township (one job each)."""
    from backend.services import care_plans, planning

    if isinstance(day, str):
        day = date.fromisoformat(day)
    day = day or care_plans.local_today() + timedelta(days=1)
    with _unit_of_work("plan_next_day"):
        if township_id is None:
            return len(planning.plan_city_day(day, actor=SYSTEM))
        try:
            planning.request_plan(township_id, day, actor=SYSTEM)
        except Conflict:
            _log.info("township %s is already being planned for %s", township_id, day)
            return 0
    return 1
