"""Migrations build the schema from nothing and keep data when they run over it."""

from __future__ import annotations

from pathlib import Path

import peewee as pw

from backend import migrate
from backend.models import ALL_MODELS, City


def test_upgrading_an_empty_database_creates_every_table(tmp_path: Path) -> None:
    database = pw.SqliteDatabase(str(tmp_path / "fresh.db"))
    applied = migrate.upgrade(database)
    assert applied and applied[0] == "001_foundation"
    tables = set(database.get_tables())
    assert {m._meta.table_name for m in ALL_MODELS} <= tables
    assert migrate.pending_migrations(database) == []


def test_upgrading_a_database_that_holds_data_keeps_it(tmp_path: Path) -> None:
    database = pw.SqliteDatabase(str(tmp_path / "old.db"))
    first = migrate.MIGRATIONS_DIR / "001_foundation.py"
    # Bring the database to the first version only, as an installation of the first release.
    from peewee_migrate import Router

    Router(database, migrate_dir=migrate.MIGRATIONS_DIR).run(first.stem)
    with City.bind_ctx(database):
        City.create(code="410184", name="测试市")
    migrate.upgrade(database)
    with City.bind_ctx(database):
        assert [(c.code, c.name) for c in City.select()] == [("410184", "测试市")]
    assert migrate.pending_migrations(database) == []


def test_the_migrated_schema_has_every_column_the_models_name(tmp_path: Path) -> None:
    database = pw.SqliteDatabase(str(tmp_path / "fresh.db"))
    migrate.upgrade(database)
    for model in ALL_MODELS:
        table = model._meta.table_name
        columns = {c.name for c in database.get_columns(table)}
        missing = {f.column_name for f in model._meta.sorted_fields} - columns
        assert not missing, f"{table} lacks {sorted(missing)}: a model change without migration"
