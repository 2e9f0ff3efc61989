"""Versioned schema migrations (peewee-migrate): each file in migrations/ runs once, in order."""

from __future__ import annotations

import logging
from pathlib import Path

import peewee as pw
from peewee_migrate import Router

from backend.models import ALL_MODELS

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"
_log = logging.getLogger(__name__)


def _router(database: pw.Database) -> Router:
    """A router over our migrations folder; its history lives in the ``migratehistory`` table."""
    return Router(database, migrate_dir=MIGRATIONS_DIR, logger=_log)


def upgrade(database: pw.Database) -> list[str]:
    """Apply every migration not yet applied; answer the names applied now."""
    router = _router(database)
    pending = list(router.diff)
    router.run()
    return pending


def pending_migrations(database: pw.Database) -> list[str]:
    """Names of migrations not yet applied to this database."""
    return list(_router(database).diff)


def create_revision(database: pw.Database, name: str) -> str | None:
    """Write a new migration holding the difference between the models and the migrations."""
    return _router(database).create(name, auto=list(ALL_MODELS))
