"""Record why a plan fell back to straight-line estimates when OSRM was configured."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add plan.travel_fallback_reason."""
    migrator.add_fields("plan", travel_fallback_reason=pw.CharField(max_length=32, null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop plan.travel_fallback_reason."""
    migrator.remove_fields("plan", "travel_fallback_reason")
