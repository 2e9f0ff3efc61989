"""Doorstep visits (上门办理) for applications, also for applicants who are not clients yet.

A booking may now name the application it serves, and a booking, its visit and its plan stop
may have no client (the applicant becomes one on approval). Existing rows keep their clients.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add booking.application_id; let booking, visit and plan_stop go without a client."""
    migrator.add_fields(
        "booking",
        application=pw.ForeignKeyField(column_name="application_id", field="id",
                                       model=migrator.orm["application"], null=True,
                                       on_delete="CASCADE", index=True),
    )
    migrator.drop_not_null("booking", "client")
    migrator.drop_not_null("visit", "client")
    migrator.drop_not_null("plan_stop", "client")


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop booking.application_id (client-less rows must be removed first)."""
    migrator.add_not_null("plan_stop", "client")
    migrator.add_not_null("visit", "client")
    migrator.add_not_null("booking", "client")
    migrator.remove_fields("booking", "application")
