"""Is this process fit to serve: the database answers and its schema is at the head migration."""

from __future__ import annotations

import peewee as pw

from backend import migrate
from backend.config import ConfigurationError
from backend.db import db


def database_problem() -> str | None:
    """Why the database is not usable now, or None."""
    try:
        db.execute_sql("SELECT 1")
    except pw.DatabaseError as exc:
        return f"数据库不可用：{type(exc).__name__}"
    pending = migrate.pending_migrations(db.obj)
    if pending:
        return f"数据库结构未迁移到最新，待应用：{', '.join(pending)}"
    return None


def refuse_unmigrated() -> None:
    """At a production start: stop with one clear line unless the schema is at its head."""
    with db.connection_context():
        pending = migrate.pending_migrations(db.obj)
    if pending:
        raise ConfigurationError(
            "数据库结构未迁移到最新（待应用：" + ", ".join(pending)
            + "），请先运行 flask --app miniprogram_api db upgrade")
