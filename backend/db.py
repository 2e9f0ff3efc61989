"""The database handle: one proxy, bound when an app or worker starts."""

from __future__ import annotations

import select
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import peewee as pw
from playhouse.db_url import connect, register_database
from playhouse.pool import PooledPostgresqlDatabase

db = pw.DatabaseProxy()
# Per process, when nothing says otherwise (gunicorn.conf.py sets DB_POOL_SIZE from its
# threads): more than the request threads and inline jobs a process runs at once.
POOL_SIZE = 20


class CheckedPool(PooledPostgresqlDatabase):
    """peewee's PostgreSQL pool, checking an idle connection without a round trip.

    peewee's pool runs ``SELECT 1`` on every check-out of an idle connection to find one the
    server has closed: a round trip on every request, as long as a whole query of a small read.
    A connection the server ended (restart, ``pg_terminate_backend``, an idle timeout) has
    already been sent its termination message or EOF, so its socket is readable while an
    idle healthy one has nothing to read: looking at the socket finds it without asking the
    server. peewee offers no hook for this but ``_is_closed``, hence the subclass.
    """

    def _is_closed(self, conn: Any) -> bool:
        if conn.closed:
            return True
        status = self._adapter.txn_status(conn)
        if status != self._adapter.txn_idle:  # unknown (broken) or left in a transaction
            return bool(super()._is_closed(conn))
        readable, _, _ = select.select([conn.fileno()], [], [], 0)
        return bool(readable)


register_database(CheckedPool, "postgres+checkedpool", "postgresql+checkedpool")

# WAL lets the API read while a worker writes; foreign keys are off by default in SQLite;
# the busy timeout turns short lock waits into waits instead of "database is locked".
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}


def open_database(url: str, *, pooled: bool = True, pool_size: int = POOL_SIZE) -> pw.Database:
    """Create a peewee database for a URL (sqlite:///path or postgresql://...), bind the proxy.

    ``pooled=False`` for processes that fork (RQ's work horses): a pooled connection inherited
    across fork would share its socket between parent and child.
    """
    if url.startswith("sqlite"):
        # IMMEDIATE: a transaction takes the write lock when it begins, so two writers queue on the
        # busy timeout instead of one failing when it upgrades its read lock (SQLITE_BUSY).
        database = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                           lock_type="IMMEDIATE", timeout=10)
    else:
        # A pooled connection: each request and job "closes" its connection back into the pool
        # instead of paying PostgreSQL's connection set-up (several milliseconds) every time.
        scheme, _, rest = url.partition("://")
        # Past pool_size, a request waits for a connection (up to 10 s) instead of failing.
        if pooled:
            database = connect(f"{scheme.split('+')[0]}+checkedpool://{rest}",
                               max_connections=pool_size, stale_timeout=300, timeout=10)
        else:
            database = connect(f"{scheme.split('+')[0]}://{rest}")
    db.initialize(database)
    return database


def is_postgres() -> bool:
    """True when the bound database is PostgreSQL."""
    return isinstance(db.obj, pw.PostgresqlDatabase)


@contextmanager
def connection() -> Iterator[None]:
    """Hold a connection for a unit of work outside a request (jobs, CLI)."""
    with db.connection_context():
        yield


def change_stamp() -> str | None:
    """A value that differs after any write anywhere in the database, or None where the
    database keeps none (SQLite).

    PostgreSQL's current snapshot: when a transaction that wrote ends, either it leaves the
    snapshot's list of transactions in progress or the snapshot's upper bound (one past the
    latest ended) moves past it, while reads assign no transaction id and change nothing. So
    two equal stamps mean nothing was committed in between, by any path that writes (services,
    nightly jobs, bulk seeds, a hand-run SQL fix), not only the audited ones.
    """
    if not is_postgres():
        return None
    row = db.execute_sql("SELECT pg_current_snapshot()::text").fetchone()
    return str(row[0])
