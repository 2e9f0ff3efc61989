"""How an application came in (online, 代办, at the window) and the open application of the same
person and service it may duplicate, which staff see and the filer is never told about.

Applications filed by a coordinator before this migration are marked as 代办."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add application.channel and application.possible_duplicate_of."""
    migrator.add_fields(
        "application",
        channel=pw.CharField(max_length=10, default="online"),
        possible_duplicate_of=pw.ForeignKeyField(
            column_name="possible_duplicate_of_id", field="id", model=migrator.orm["application"],
            null=True, on_delete="SET NULL"),
    )
    migrator.sql("UPDATE application SET channel = 'proxy' WHERE filed_by_id IS NOT NULL")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop application.channel and application.possible_duplicate_of."""
    migrator.remove_fields("application", "channel", "possible_duplicate_of")
