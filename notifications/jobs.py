"""The jobs: importable functions taking ids, idempotent, each on its own database connection.

RQ runs them on a worker; without Redis the relay calls the very same functions inline after
commit. ``@job`` gives each run a connection, the job id as its request id, and a logger that
stamps that id on every line.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, timedelta
from typing import Any, ParamSpec, TypeVar

from rq import get_current_job

from backend import outbox, runtime
from backend.db import db
from backend.models import OutboxEvent, Township
from backend.models.base import local_today
from backend.permissions import SYSTEM
from backend.services import messages
from notifications import sender
from notifications.logs import job_logger

P = ParamSpec("P")
R = TypeVar("R")
log = job_logger("notifications.jobs")


@contextmanager
def _connection() -> Iterator[None]:
    # A worker opens its own connection per job; run inline, the request's is reused.
    if db.is_closed():
        with db.connection_context():
            yield
    else:
        yield


def job(func: Callable[P, R]) -> Callable[P, R]:
    """Run a job function with its own connection and its job id stamped on logs and audit."""

    @functools.wraps(func)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        current = get_current_job()
        previous = runtime.request_id()
        runtime.set_request_id(current.id if current else f"inline-{func.__name__}")
        try:
            with _connection():
                return func(*args, **kwargs)
        finally:
            runtime.set_request_id(previous)

    return run


@job
def process_outbox_event(event_id: int) -> str:
    """Handle one outbox event (inbox, pending sends) once, then send its subscribe messages."""
    processed = outbox.process_event(event_id)
    log.info("outbox event %s %s", event_id, "processed" if processed else "was already done")
    _send_all(messages.unfinished_delivery_ids(event_id))
    return "processed" if processed else "already_done"


def _send_all(delivery_ids: list[int]) -> None:
    later: sender.SendLater | None = None
    for delivery_id in delivery_ids:
        try:
            outcome = sender.send_delivery(delivery_id)
            log.info("delivery %s: %s", delivery_id, outcome)
        except sender.SendLater as exc:
            log.warning("%s; will retry", exc)
            later = exc
    if later is not None:
        raise later  # RQ's Retry runs the job again later; finished sends are skipped then


@job
def send_pending_deliveries(limit: int = 200) -> int:
    """Retry sends left pending by a busy WeChat after their event's job gave up."""
    ids = messages.unfinished_delivery_ids(limit=limit)
    with contextlib.suppress(sender.SendLater):  # still busy: the next run tries again
        _send_all(ids)
    return len(ids)


@job
def sweep_outbox(stale_minutes: int = 10) -> int:
    """Hand on events left pending (Redis was down) or whose queued job was lost."""
    from notifications import relay  # the relay enqueues this module's functions

    count = relay.current_relay().sweep(stale_after=timedelta(minutes=stale_minutes))
    log.info("outbox sweep handed on %s events", count)
    return count


@job
def emit_visit_reminders(day: str | None = None) -> int:
    """Emit one ``visit.reminder`` per approved booking on ``day`` (default tomorrow), once."""
    from notifications.recipients import model

    booking_model = model("Booking", "#4")
    target = date.fromisoformat(day) if day else local_today() + timedelta(days=1)
    bookings = booking_model.select(booking_model.id).where(
        (booking_model.status == "approved") & (booking_model.scheduled_date == target))
    emitted = 0
    with db.atomic():
        for booking in bookings:
            payload = {"booking_id": booking.id, "day": target.isoformat()}
            exists = OutboxEvent.select().where((OutboxEvent.topic == "visit.reminder") &
                                                (OutboxEvent.payload == payload)).exists()
            if not exists:  # the job may run twice a day: remind once
                outbox.emit("visit.reminder", **payload)
                emitted += 1
    outbox.flush()
    return emitted


def resolve(path: str) -> Callable[..., Any] | None:
    """The function at a dotted path, or None when its module or name does not exist yet."""
    module_name, _, name = path.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError:
        return None
    found = getattr(module, name, None)
    return found if callable(found) else None


@job
def run_task(path: str, issue: str = "", day_offset: int = 0, **kwargs: Any) -> str:
    """Run a declared domain task, giving it the system actor and the day if it asks for them."""
    func = resolve(path)
    if func is None:
        # A placeholder, on purpose: the task belongs to another issue and is not there yet.
        log.warning("periodic task %s is not implemented yet (issue %s); nothing done",
                    path, issue or "?")
        return "not_implemented"
    params = inspect.signature(func).parameters
    if "actor" in params:
        kwargs.setdefault("actor", SYSTEM)
    for name in ("today", "day"):
        if name in params and name not in kwargs:
            kwargs[name] = local_today() + timedelta(days=day_offset)
    result = func(**kwargs)
    outbox.flush()
    log.info("periodic task %s done: %s", path, result if isinstance(result, int | str) else "ok")
    return "done"


@job
def fan_out_townships(path: str, issue: str = "", queue: str = "planning",
                      day_offset: int = 0) -> int:
    """Enqueue a task once per township, so townships are planned in parallel on many workers."""
    from notifications import relay

    ids = [t.id for t in Township.select(Township.id).order_by(Township.id)]
    for township_id in ids:
        relay.current_relay().enqueue_task(path, queue=queue, issue=issue,
                                           day_offset=day_offset, township_id=township_id)
    return len(ids)
