"""Hot SELECTs whose SQL is written once, then run again with new values.

peewee writes a query's SQL anew every time it runs, walking the whole expression tree: for the
session lookup every authenticated request starts with (three tables, 43 columns) that is about
0.9 ms of CPU, half of what `GET /me` costs, and more than the database takes to answer it.
peewee has no cache of compiled statements (SQLAlchemy's "compiled cache" is the model), so the
few queries every request runs keep their SQL here: built once per kind of database with a
placeholder value standing where the request's value goes, then executed with the value put in
its place and read back by the query's own row reader, so joined models come back as peewee
would build them.

On PostgreSQL the statement is also prepared once per connection (psycopg2 never prepares):
parsing and planning that join took the server 0.3 ms of the 0.4 ms it spent on each lookup,
on the same two cores the API runs on. `DB_PREPARED_STATEMENTS=0` turns that off behind a
pooler that moves a session between servers (PgBouncer in transaction mode).
"""

from __future__ import annotations

import itertools
import threading
import weakref
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

import peewee as pw

from backend import runtime
from backend.db import db, is_postgres

M = TypeVar("M", bound=pw.Model)
_names = itertools.count(1)
# The statements each PostgreSQL connection has prepared (they live as long as its session).
_prepared: weakref.WeakKeyDictionary[Any, set[str]] = weakref.WeakKeyDictionary()


@dataclass
class _Compiled:
    """A statement compiled for one kind of database."""

    query: Any  # for its row reader
    sql: str
    params: list[Any]
    slots: tuple[int, ...]  # where the placeholders' values go in params
    # The SQL with $1, $2… for PREPARE; None when a literal % makes it unsafe to number them.
    numbered: str | None
    # The row reader's column layout, worked out on the first run.
    layout: dict[str, Any] | None = None


class CompiledSelect(Generic[M]):
    """A peewee SELECT built by `build(*placeholders)`, compiled once per database kind.

    Each placeholder must be a value no real argument can take (a negative id, a string no
    code uses) and must reach the SQL as one parameter, unchanged: the compiled parameters are
    searched for it to know which to replace.
    """

    def __init__(self, build: Callable[..., Any], placeholders: Sequence[Any]):
        self._build = build
        self._placeholders = tuple(placeholders)
        self._compiled: dict[tuple[type, str], _Compiled] = {}
        self._lock = threading.Lock()
        self._name = f"compiled_select_{next(_names)}"

    def _entry(self) -> _Compiled:
        key = (type(db.obj), db.obj.param)
        entry = self._compiled.get(key)
        if entry is None:
            with self._lock:
                query = self._build(*self._placeholders)
                sql, params = query.sql()
                slots = []
                for placeholder in self._placeholders:
                    found = [i for i, value in enumerate(params) if value == placeholder]
                    if len(found) != 1:
                        raise ValueError(f"placeholder {placeholder!r} appears {len(found)} "
                                         f"times in the compiled parameters, not once")
                    slots.append(found[0])
                parts = sql.split("%s")
                numbered = (parts[0] + "".join(f"${n}{part}"
                                               for n, part in enumerate(parts[1:], start=1))
                            if sql.count("%") == len(parts) - 1 else None)
                entry = self._compiled[key] = _Compiled(query, sql, list(params), tuple(slots),
                                                        numbered)
        return entry

    def rows(self, *values: Any) -> list[M]:
        """The rows for these values, in the placeholders' order."""
        entry = self._entry()
        bound = list(entry.params)
        for slot, value in zip(entry.slots, values, strict=True):
            bound[slot] = value
        if entry.numbered and is_postgres() and runtime.settings().db_prepared_statements:
            cursor = self._execute_prepared(entry.numbered, bound)
        else:
            cursor = db.execute_sql(entry.sql, bound)
        # The query's own reader (private in peewee, stable since 3.0) builds joined models.
        reader = entry.query._get_cursor_wrapper(cursor)
        self._reuse_layout(entry, reader)
        return list(reader)

    @staticmethod
    def _reuse_layout(entry: _Compiled, reader: Any) -> None:
        """Give the reader the column layout worked out on the first run.

        peewee's reader works out from the cursor which column belongs to which model of the
        join on every execution (a fifth of an authenticated request's CPU for the session
        lookup); the statement's columns never change, so that is done once per database kind.
        """
        if entry.layout is None:
            before = set(vars(reader))
            reader.initialize()
            entry.layout = {name: value for name, value in vars(reader).items()
                            if name not in before}
        else:
            vars(reader).update(entry.layout)
        reader.initialized = True

    def _execute_prepared(self, numbered: str, bound: list[Any]) -> Any:
        """Run the statement prepared on this connection, preparing it the first time."""
        prepared = _prepared.setdefault(db.connection(), set())
        if self._name not in prepared:
            db.execute_sql(f"PREPARE {self._name} AS {numbered}")
            prepared.add(self._name)
        arguments = ", ".join(["%s"] * len(bound))
        return db.execute_sql(f"EXECUTE {self._name}({arguments})", bound)

    def first(self, *values: Any) -> M | None:
        """The first row for these values, or None."""
        found = self.rows(*values)
        return found[0] if found else None
