"""Events written in the same transaction as their change, handed on only after commit.

A service calls ``emit`` inside its transaction. The unit of work that committed it hands the
new event ids to the installed dispatcher (``notifications`` installs its relay, which routes
each topic to a job and a queue, or runs that job in-process when there is no Redis). An event
written outside any unit of work stays pending until the relay's sweep, so none is lost.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from typing import Any, Protocol

from backend.db import db
from backend.models import OutboxEvent, utcnow


class EventStatus(StrEnum):
    """Where an event is on its way: written, handed to a queue, handled."""

    PENDING = "pending"
    ENQUEUED = "enqueued"
    DONE = "done"


Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)
_collecting: ContextVar[list[int] | None] = ContextVar("outbox_collecting", default=None)


class Dispatcher(Protocol):
    """Something that hands committed events on."""

    def dispatch(self, event_ids: list[int]) -> None:
        """Hand these committed events on."""


class _Undispatched:
    """Before a process installs its relay: events wait for the sweep."""

    def dispatch(self, event_ids: list[int]) -> None:
        """Leave the events pending."""


_dispatcher: Dispatcher = _Undispatched()


def subscribe(topic: str, handler: Handler) -> None:
    """Run ``handler`` for every event of ``topic`` when it is processed."""
    if handler not in _handlers[topic]:
        _handlers[topic].append(handler)


def has_handlers(topic: str) -> bool:
    """True when processing an event of this topic does something in-process."""
    return bool(_handlers.get(topic))


def emit(topic: str, **payload: Any) -> OutboxEvent:
    """Write an event in the current transaction; payload holds ids, never personal data."""
    if not db.in_transaction():
        raise RuntimeError("outbox.emit must run inside the transaction of its change")
    event = OutboxEvent.create(topic=topic, payload=payload)
    collected = _collecting.get()
    if collected is not None:
        collected.append(event.id)
    return event


@contextmanager
def collecting() -> Iterator[list[int]]:
    """Collect the ids of events emitted inside the block (the unit of work's list)."""
    ids: list[int] = []
    token = _collecting.set(ids)
    try:
        yield ids
    finally:
        _collecting.reset(token)


def process_event(event_id: int) -> bool:
    """Run the in-process handlers of one event once; answer False when it was already done."""
    with db.atomic():
        event = OutboxEvent.get_or_none(OutboxEvent.id == event_id)
        if event is None or event.status == EventStatus.DONE:
            return False
        event.attempts += 1
        for handler in _handlers.get(event.topic, []):
            handler(event)
        mark_done(event)
    return True


def mark_done(event: OutboxEvent) -> None:
    """Record that an event has been handled (inside the handling transaction)."""
    event.status, event.dispatched_at, event.last_error = EventStatus.DONE, utcnow(), None
    event.save()


def install_dispatcher(dispatcher: Dispatcher) -> None:
    """Choose how committed events are handed on (the relay of ``notifications``)."""
    global _dispatcher
    _dispatcher = dispatcher


def dispatch(event_ids: list[int]) -> None:
    """Hand committed events to the installed dispatcher (called by the unit of work)."""
    _dispatcher.dispatch(event_ids)


def pending_ids(limit: int = 500) -> list[int]:
    """Events not yet handed on, oldest first."""
    query = (OutboxEvent.select(OutboxEvent.id).where(OutboxEvent.status == EventStatus.PENDING)
             .order_by(OutboxEvent.id).limit(limit))
    return [row.id for row in query]
