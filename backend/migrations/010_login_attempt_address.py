"""Count failed logins per account and address, so guessing from one place cannot lock the
account's owner out everywhere."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add login_attempt.address."""
    migrator.add_fields("login_attempt", address=pw.CharField(max_length=45, default=""))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop login_attempt.address."""
    migrator.remove_fields("login_attempt", "address")
