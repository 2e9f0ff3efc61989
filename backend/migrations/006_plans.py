"""Peewee migrations -- 006_plans.py: daily route plans and their stops (issue #5).

Only the tables of issue #5; written by peewee-migrate's create_revision, trimmed to these models.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create the plan tables."""

    @migrator.create_model
    class Plan(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        township = pw.ForeignKeyField(column_name='township_id', field='id', model=migrator.orm['township'], on_delete='CASCADE')
        area_code = pw.CharField(index=True, max_length=12)
        day = pw.DateField()
        version = pw.IntegerField()
        status = pw.CharField(default='queued', index=True, max_length=10)
        progress = pw.CharField(default='queued', max_length=12)
        based_on = pw.ForeignKeyField(column_name='based_on_id', field='id', model='self', null=True, on_delete='SET NULL')
        locks = pw.TextField()
        requested_by_kind = pw.CharField(max_length=10)
        requested_by_id = pw.IntegerField(null=True)
        job_id = pw.CharField(max_length=60, null=True)
        error = pw.TextField(null=True)
        routes = pw.TextField()
        objective = pw.TextField()
        feasible = pw.BooleanField(null=True)
        visit_count = pw.IntegerField(default=0)
        dropped_count = pw.IntegerField(default=0)
        solve_seconds = pw.FloatField(null=True)
        started_at = pw.DateTimeField(null=True)
        finished_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "plan"
            indexes = [(('township', 'day', 'version'), True)]

    @migrator.create_model
    class PlanStop(pw.Model):
        id = pw.AutoField()
        plan = pw.ForeignKeyField(column_name='plan_id', field='id', model=migrator.orm['plan'], on_delete='CASCADE')
        worker = pw.ForeignKeyField(column_name='worker_id', field='id', model=migrator.orm['staff_account'], null=True, on_delete='SET NULL')
        position = pw.IntegerField(null=True)
        visit_key = pw.CharField(max_length=30)
        source = pw.CharField(max_length=12)
        source_id = pw.IntegerField()
        client = pw.ForeignKeyField(column_name='client_id', field='id', model=migrator.orm['client'], on_delete='CASCADE')
        area_code = pw.CharField(index=True, max_length=12)
        kind = pw.CharField(max_length=20)
        priority = pw.CharField(max_length=10)
        lat = pw.FloatField()
        lng = pw.FloatField()
        windows = pw.TextField()
        duration_s = pw.IntegerField()
        required_skills = pw.TextField()
        arrival_s = pw.IntegerField(null=True)
        start_s = pw.IntegerField(null=True)
        end_s = pw.IntegerField(null=True)
        travel_s = pw.IntegerField(null=True)
        distance_m = pw.IntegerField(null=True)
        fixed = pw.CharField(max_length=10, null=True)
        drop_reason = pw.CharField(max_length=24, null=True)

        class Meta:
            table_name = "plan_stop"
            indexes = [(('plan', 'visit_key'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the plan tables."""

    migrator.remove_model('plan_stop')

    migrator.remove_model('plan')
