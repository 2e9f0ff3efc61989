"""Verified links between WeChat accounts and clients: how and by whom each link was verified,
the short-lived codes residents show at the counter, and failed self-service attempts.

Links made before this migration stay (method ``legacy``): their owners keep their access."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add client_contact's verification columns; create link_code and link_attempt."""
    migrator.add_fields(
        "client_contact",
        method=pw.CharField(max_length=12, default="legacy"),
        verified_by=pw.ForeignKeyField(column_name="verified_by_id", field="id",
                                       model=migrator.orm["staff_account"], null=True,
                                       on_delete="SET NULL"),
        linked_at=pw.DateTimeField(null=True),
    )

    @migrator.create_model
    class LinkCode(pw.Model):
        id = pw.AutoField()
        resident = pw.ForeignKeyField(column_name="resident_id", field="id",
                                      model=migrator.orm["resident"], on_delete="CASCADE")
        code_hash = pw.CharField(max_length=64, unique=True)
        created_at = pw.DateTimeField()
        expires_at = pw.DateTimeField()
        used_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "link_code"

    @migrator.create_model
    class LinkAttempt(pw.Model):
        id = pw.AutoField()
        resident = pw.ForeignKeyField(column_name="resident_id", field="id",
                                      model=migrator.orm["resident"], on_delete="CASCADE")
        created_at = pw.DateTimeField(index=True)

        class Meta:
            table_name = "link_attempt"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop link_attempt and link_code; remove client_contact's verification columns."""
    migrator.remove_model("link_attempt")
    migrator.remove_model("link_code")
    migrator.remove_fields("client_contact", "method", "verified_by", "linked_at")
