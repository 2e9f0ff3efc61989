"""One check-in at a time per booking or care visit: a key held while a visit is under way.

Visits already under way get their key here, so the rule holds for them too; finished ones
keep none.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add visit.open_key (unique) and fill it for the visits under way."""
    migrator.add_fields("visit", open_key=pw.CharField(max_length=30, null=True, unique=True))
    migrator.sql("UPDATE visit SET open_key = 'booking:' || booking_id "
                 "WHERE status = 'in_progress' AND booking_id IS NOT NULL")
    # Two visits under way for one care visit (allowed before): only the latest keeps the key.
    migrator.sql("UPDATE visit SET open_key = 'care:' || care_visit_id "
                 "WHERE status = 'in_progress' AND booking_id IS NULL "
                 "AND care_visit_id IS NOT NULL AND id = (SELECT MAX(v.id) FROM visit v "
                 "WHERE v.care_visit_id = visit.care_visit_id AND v.status = 'in_progress' "
                 "AND v.booking_id IS NULL)")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop visit.open_key."""
    migrator.remove_fields("visit", "open_key")
