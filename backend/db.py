"""The database handle: one proxy, bound when an app or worker starts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import peewee as pw
from playhouse.db_url import connect

db = pw.DatabaseProxy()
POOL_SIZE = 20  # per process: more than the request threads or job a process runs at once

# WAL lets the API read while a worker writes; foreign keys are off by default in SQLite;
# the busy timeout turns short lock waits into waits instead of "database is locked".
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}


def open_database(url: str, *, pooled: bool = True) -> pw.Database:
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
        if pooled:
            url = url if "+pool" in scheme else f"{scheme}+pool://{rest}"
            database = connect(url, max_connections=POOL_SIZE, stale_timeout=300, timeout=10)
        else:
            database = connect(url.replace("+pool://", "://"))
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
