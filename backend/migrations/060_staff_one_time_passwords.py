"""Staff accounts made by an administrator start with a one-time password that must be changed
at first sign-in: the account remembers that it still carries one. Existing accounts keep theirs."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add staff_account.must_change_password (existing rows: false)."""
    migrator.add_fields("staff_account", must_change_password=pw.BooleanField(default=False))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the column."""
    migrator.remove_fields("staff_account", "must_change_password")
