"""Events written in the same transaction as their change, handed on only after commit.

A service calls ``emit`` inside its transaction. The unit of work that committed calls
``flush`` afterwards, which passes the new event ids to the installed dispatcher: inline
handlers when there is no Redis, an RQ relay otherwise (#6). ``sweep`` picks up anything a
crash or an outage left pending, so no event is lost.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any, Protocol

from backend.db import db
from backend.models import OutboxEvent, utcnow

_log = logging.getLogger(__name__)
_new_events: ContextVar[tuple[int, ...]] = ContextVar("new_outbox_events", default=())

Handler = Callable[[OutboxEvent], None]
_handlers: dict[str, list[Handler]] = defaultdict(list)


class Dispatcher(Protocol):
    """Something that hands committed events on."""

    def dispatch(self, event_ids: list[int]) -> None:
        """Hand these committed events on."""


def subscribe(topic: str, handler: Handler) -> None:
    """Run ``handler`` for every event of ``topic`` (``*`` for all) when it is processed."""
    if handler not in _handlers[topic]:
        _handlers[topic].append(handler)


def emit(topic: str, **payload: Any) -> OutboxEvent:
    """Write an event in the current transaction; payload holds ids, never personal data."""
    if not db.in_transaction():
        raise RuntimeError("outbox.emit must run inside the transaction of its change")
    event = OutboxEvent.create(topic=topic, payload=payload)
    _new_events.set((*_new_events.get(), event.id))
    return event


def take_new_event_ids() -> list[int]:
    """The ids emitted in this context since the last call, clearing the list."""
    ids = list(_new_events.get())
    _new_events.set(())
    return ids


def process_event(event_id: int) -> bool:
    """Run the handlers of one event once; answer False when it was already done."""
    with db.atomic():
        event = OutboxEvent.get_or_none(OutboxEvent.id == event_id)
        if event is None or event.status == "done":
            return False
        event.attempts += 1
        for handler in [*_handlers.get(event.topic, []), *_handlers.get("*", [])]:
            handler(event)
        event.status, event.dispatched_at, event.last_error = "done", utcnow(), None
        event.save()
    return True


class InlineDispatcher:
    """Without Redis: process each event in-process right after commit."""

    def dispatch(self, event_ids: list[int]) -> None:
        """Process events one by one; a failing one stays pending for the sweep."""
        for event_id in event_ids:
            try:
                process_event(event_id)
            except Exception as exc:  # a handler's failure must not fail the committed request
                _log.exception("outbox event %s failed inline", event_id)
                OutboxEvent.update(last_error=type(exc).__name__).where(
                    OutboxEvent.id == event_id).execute()


_dispatcher: Dispatcher = InlineDispatcher()


def install_dispatcher(dispatcher: Dispatcher) -> None:
    """Choose how committed events are handed on (inline, or the RQ relay)."""
    global _dispatcher
    _dispatcher = dispatcher


def flush() -> None:
    """After commit: hand this context's new events to the dispatcher."""
    ids = take_new_event_ids()
    if ids and not db.in_transaction():
        _dispatcher.dispatch(ids)


def pending_ids(limit: int = 500) -> list[int]:
    """Events not yet handed on, oldest first."""
    query = (OutboxEvent.select(OutboxEvent.id).where(OutboxEvent.status == "pending")
             .order_by(OutboxEvent.id).limit(limit))
    return [row.id for row in query]


def sweep(limit: int = 500) -> int:
    """Hand on whatever is still pending (after a crash or an outage); answer how many."""
    ids = pending_ids(limit)
    if ids:
        _dispatcher.dispatch(ids)
    return len(ids)


