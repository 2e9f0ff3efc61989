"""Record where each plan's travel times came from: OSRM's road network or straight lines."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add plan.travel_source."""
    migrator.add_fields("plan", travel_source=pw.CharField(max_length=24, null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop plan.travel_source."""
    migrator.remove_fields("plan", "travel_source")
