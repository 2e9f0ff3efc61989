"""The week's plan: a township's week of care visits and bookings placed on days (issue 25).

Two new tables; nothing existing changes.
"""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create week_plan and week_placement."""

    @migrator.create_model
    class WeekPlan(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        township = pw.ForeignKeyField(column_name="township_id", field="id",
                                      model=migrator.orm["township"], on_delete="CASCADE")
        area_code = pw.CharField(index=True, max_length=12)
        week = pw.CharField(max_length=8)
        monday = pw.DateField()
        version = pw.IntegerField()
        pins = pw.TextField()
        requested_by_kind = pw.CharField(max_length=10)
        requested_by_id = pw.IntegerField(null=True)
        keep_placements = pw.BooleanField(default=False)
        placed_count = pw.IntegerField(default=0)
        unplaced_count = pw.IntegerField(default=0)
        optimal = pw.BooleanField(default=False)
        solve_seconds = pw.FloatField(default=0.0)
        fingerprint = pw.CharField(max_length=64)
        day_plans = pw.TextField()

        class Meta:
            table_name = "week_plan"
            indexes = ((("township", "week", "version"), True),)

    @migrator.create_model
    class WeekPlacement(pw.Model):
        id = pw.AutoField()
        week_plan = pw.ForeignKeyField(column_name="week_plan_id", field="id",
                                       model=migrator.orm["week_plan"], on_delete="CASCADE")
        visit_key = pw.CharField(max_length=30)
        source = pw.CharField(max_length=12)
        source_id = pw.IntegerField()
        client = pw.ForeignKeyField(column_name="client_id", field="id",
                                    model=migrator.orm["client"], null=True, on_delete="CASCADE")
        area_code = pw.CharField(index=True, max_length=12)
        kind = pw.CharField(max_length=20)
        priority = pw.CharField(max_length=10)
        earliest = pw.DateField()
        latest = pw.DateField()
        duration_s = pw.IntegerField()
        workers_needed = pw.IntegerField(default=1)
        day = pw.DateField(null=True)
        worker = pw.ForeignKeyField(column_name="worker_id", field="id",
                                    model=migrator.orm["staff_account"], null=True,
                                    on_delete="SET NULL")
        partner_worker = pw.ForeignKeyField(column_name="partner_worker_id", field="id",
                                            model=migrator.orm["staff_account"], null=True,
                                            on_delete="SET NULL")
        held = pw.CharField(max_length=10, null=True)
        reason = pw.CharField(max_length=24, null=True)

        class Meta:
            table_name = "week_placement"
            indexes = ((("week_plan", "visit_key"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the week's tables."""
    migrator.remove_model("week_placement")
    migrator.remove_model("week_plan")
