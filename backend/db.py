"""The database handle: one proxy, bound when an app or worker starts."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import peewee as pw
from playhouse.db_url import connect

db = pw.DatabaseProxy()

# WAL lets the API read while a worker writes; foreign keys are off by default in SQLite;
# the busy timeout turns short lock waits into waits instead of "database is locked".
SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "foreign_keys": 1,
    "busy_timeout": 10_000,
    "synchronous": "normal",
}


def open_database(url: str) -> pw.Database:
    """Create a peewee database for a URL (sqlite:///path or postgresql://...), bind the proxy."""
    if url.startswith("sqlite"):
        # IMMEDIATE: a transaction takes the write lock when it begins, so two writers queue on the
        # busy timeout instead of one failing when it upgrades its read lock (SQLITE_BUSY).
        database = connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False,
                           lock_type="IMMEDIATE", timeout=10)
    else:
        database = connect(url)
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
