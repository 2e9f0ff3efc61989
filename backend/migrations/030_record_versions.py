"""Count every change of the records staff edit side by side (clients, applications,
bookings, the service guide's edits): the version is their ETag, and an edit made from an
older version is refused instead of silently overwriting the newer one."""

import peewee as pw
from peewee_migrate import Migrator

TABLES = ("client", "application", "booking", "service_guide_edit")


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add a version column (existing rows start at 1)."""
    for table in TABLES:
        migrator.add_fields(table, version=pw.IntegerField(default=1))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the version columns."""
    for table in TABLES:
        migrator.remove_fields(table, "version")
