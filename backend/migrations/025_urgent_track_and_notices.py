"""The resident-facing paths of an application: 临时救助's urgent track (timed in hours), the
amount verification proposes for the public notice, residents' objections from the notice, the
doorstep step (上门办理), closing a poor rating's follow-up, and escalations due at an hour."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Add the columns; existing applications are on the ordinary track with nothing booked."""
    migrator.add_fields(
        "application",
        doorstep_status=pw.CharField(max_length=10, null=True),
        doorstep_done_at=pw.DateTimeField(null=True),
        urgent=pw.BooleanField(default=False),
        urgent_cause=pw.CharField(max_length=20, null=True),
        track_due_at=pw.DateTimeField(null=True),
        stage_due_at=pw.DateTimeField(null=True, index=True),
        granted_at=pw.DateTimeField(null=True),
        proposed_benefit_fen=pw.IntegerField(null=True),
    )
    migrator.add_fields(
        "public_notice_objection",
        raised_by_resident=pw.ForeignKeyField(
            column_name="raised_by_resident_id", field="id", model=migrator.orm["resident"],
            null=True, on_delete="SET NULL"),
    )
    migrator.add_fields(
        "follow_up_task",
        closed_at=pw.DateTimeField(null=True),
        closed_by=pw.ForeignKeyField(
            column_name="closed_by_id", field="id", model=migrator.orm["staff_account"],
            null=True, on_delete="SET NULL"),
        close_note=pw.TextField(null=True),
    )
    migrator.add_fields("step_escalation", due_at=pw.DateTimeField(null=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the columns."""
    migrator.remove_fields("step_escalation", "due_at")
    migrator.remove_fields("follow_up_task", "closed_at", "closed_by", "close_note")
    migrator.remove_fields("public_notice_objection", "raised_by_resident")
    migrator.drop_index("application", "stage_due_at")
    migrator.remove_fields("application", "doorstep_status", "doorstep_done_at", "urgent",
                           "urgent_cause", "track_due_at", "stage_due_at", "granted_at",
                           "proposed_benefit_fen")
