"""One unit of work for a request, a domain task and a job.

A *scope* is what a piece of work runs in: a database connection (its own, or the caller's when
one is open), the request or job id stamped on audit rows and logs, and the actor. A *unit of
work* is one transaction inside a scope: it commits once, then hands the outbox events it wrote
to the dispatcher; on any error it rolls back and the events go with it. A long or batch job is
several units in one scope, each idempotent, so a crash between them loses nothing done.

Services never open units of work: they use ``db.atomic()``, which nests as a savepoint inside
the unit the edge (request, job, command line) opened.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from backend import outbox, runtime
from backend.db import db
from backend.errors import DomainError
from backend.permissions import Actor


@dataclass
class UnitOfWork:
    """The events one transaction wrote, handed on only once it has committed."""

    actor: Actor | None
    request_id: str
    event_ids: list[int] = field(default_factory=list)


_actor: ContextVar[Actor | None] = ContextVar("unit_of_work_actor", default=None)
_current: ContextVar[UnitOfWork | None] = ContextVar("unit_of_work", default=None)
_in_scope: ContextVar[bool] = ContextVar("unit_of_work_in_scope", default=False)


def current_actor() -> Actor | None:
    """The actor of the scope being served (for logs), if any."""
    return _actor.get()


@contextmanager
def scope(*, request_id: str | None = None, actor: Actor | None = None) -> Iterator[str]:
    """A connection, a request id and an actor for a piece of work; answers the request id.

    Reuses the caller's open connection (a job run inline after a request's commit), otherwise
    opens one and closes it at the end.
    """
    request_id, id_token = runtime.use_request_id(request_id)
    actor_token = _actor.set(actor if actor is not None else _actor.get())
    scope_token = _in_scope.set(True)
    opened = db.is_closed()
    if opened:
        db.connect()
    try:
        yield request_id
    finally:
        if opened and not db.is_closed():
            db.close()
        _in_scope.reset(scope_token)
        _actor.reset(actor_token)
        runtime.reset_request_id(id_token)


@contextmanager
def unit_of_work(*, actor: Actor | None = None, request_id: str | None = None,
                 transaction: bool = True) -> Iterator[UnitOfWork]:
    """One transaction that commits once and hands its events on after the commit.

    Outside a scope it opens one (a connection and a new request id). ``transaction=False`` is
    for reads: each service's own atomic block commits by itself, and whatever events they wrote
    are handed on at the end. A domain error raised with ``keep_writes`` (a refused login that
    must still count) commits what was written before the error is passed on.
    """
    if db.in_transaction() and transaction:
        raise RuntimeError("a unit of work cannot start inside another transaction")
    with _scope_if_needed(request_id, actor):
        unit = UnitOfWork(actor=actor or _actor.get(), request_id=runtime.request_id() or "")
        kept: DomainError | None = None
        with outbox.collecting() as event_ids:
            unit.event_ids = event_ids
            token = _current.set(unit)
            try:
                if transaction:
                    with db.atomic():
                        try:
                            yield unit
                        except DomainError as exc:
                            if not exc.keep_writes:
                                raise
                            kept = exc  # leaving the block normally commits what was written
                else:
                    yield unit
            except BaseException:
                event_ids.clear()  # rolled back with the transaction that wrote them
                raise
            finally:
                _current.reset(token)
        _hand_on(unit)
        if kept is not None:
            raise kept


@contextmanager
def _scope_if_needed(request_id: str | None, actor: Actor | None) -> Iterator[None]:
    if request_id is None and _in_scope.get() and not db.is_closed():
        yield
        return
    with scope(request_id=request_id, actor=actor):
        yield


def _hand_on(unit: UnitOfWork) -> None:
    ids, unit.event_ids = list(unit.event_ids), []
    if ids:
        outbox.dispatch(ids)


def current() -> UnitOfWork | None:
    """The unit of work the caller runs in, if any."""
    return _current.get()
