"""Coordinates in double precision: PostgreSQL's REAL keeps about six digits, so 113.123456789
read back as 113.12346 (a metre off) and a latitude of 1e-50 was an underflow error. SQLite's
REAL is already an 8-byte float, so only PostgreSQL changes.
"""

import peewee as pw
from peewee_migrate import Migrator

COORDINATES = {
    "township": ("lat", "lng"),
    "village": ("lat", "lng"),
    "client": ("lat", "lng"),
    "plan_stop": ("lat", "lng"),
    "visit": ("check_in_lat", "check_in_lng", "check_out_lat", "check_out_lng"),
}


def _alter(migrator: Migrator, database: pw.Database, column_type: str) -> None:
    """Give every coordinate column the type, on PostgreSQL only."""
    if not isinstance(getattr(database, "obj", database), pw.PostgresqlDatabase):
        return
    for table, columns in COORDINATES.items():
        changes = ", ".join(f'ALTER COLUMN "{column}" TYPE {column_type}' for column in columns)
        migrator.sql(f'ALTER TABLE "{table}" {changes}')


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Every coordinate column becomes DOUBLE PRECISION."""
    _alter(migrator, database, "DOUBLE PRECISION")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Back to REAL (losing the digits past the sixth)."""
    _alter(migrator, database, "REAL")
