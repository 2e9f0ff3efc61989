"""The model base: one database proxy, UTC timestamps, JSON stored as text on both databases."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Any, Self
from zoneinfo import ZoneInfo

import peewee as pw

from backend.db import db

# Times are stored in UTC and shown, and counted in days, in the city's zone (DESIGN.md).
LOCAL_TZ = ZoneInfo("Asia/Shanghai")


def utcnow() -> datetime:
    """Now in UTC, naive, as every timestamp column stores it."""
    return datetime.now(UTC).replace(tzinfo=None)


def local_today() -> date:
    """Today's date in the city, whatever the server's clock zone."""
    return datetime.now(LOCAL_TZ).date()


class Labelled(StrEnum):
    """A code name (stored and compared as its string) with the Chinese label people read."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Self:
        """Build a member from ``(code, label)``."""
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label
        return member

    @classmethod
    def labels(cls) -> dict[str, str]:
        """Code → label, in declaration order (for documentation and responses)."""
        return {member.value: member.label for member in cls}


class JSONField(pw.TextField):
    """JSON in a TEXT column: the same on SQLite and PostgreSQL, ordered keys for stable hashes."""

    def db_value(self, value: Any) -> str | None:
        """Serialise to canonical JSON."""
        if value is None:
            return None
        return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)

    def python_value(self, value: str | None) -> Any:
        """Parse JSON text back."""
        return None if value is None else json.loads(value)


class BaseModel(pw.Model):
    """Every table: bound to the proxy, snake_case table names."""

    id = pw.AutoField()  # what peewee adds by itself, declared so that it is typed

    class Meta:
        database = db
        legacy_table_names = False


class Versioned(BaseModel):
    """Rows several people edit: ``version`` counts their saved changes (the API's ETag).

    Saving an existing row counts it up; a bulk ``update()`` of such a model sets
    ``version=Model.version + 1`` itself. ``backend.versions.hold_version`` refuses an edit made
    from an older version.
    """

    version = pw.IntegerField(default=1)

    def save(self, force_insert: bool = False, only: Any = None) -> Any:
        """Save, counting the version up when the row already exists."""
        if self.id is not None and not force_insert:
            self.version = (self.version or 0) + 1
            if only is not None:
                only = [*only, type(self).version]
        return super().save(force_insert=force_insert, only=only)


class TimestampedModel(BaseModel):
    """Rows that remember when they were created and last changed."""

    created_at = pw.DateTimeField(default=utcnow)
    updated_at = pw.DateTimeField(default=utcnow)

    def touch(self) -> None:
        """Mark the row changed now (the caller saves it)."""
        self.updated_at = utcnow()
