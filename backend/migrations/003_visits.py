"""Peewee migrations -- 003_visits.py: home-visit bookings, capacity, care visits, visit records.

Only the tables of issue #4; written by peewee-migrate's create_revision, trimmed to these models.
The capacity row's CHECK constraints back the conditional UPDATE that books a place.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create the home-visit tables."""

    @migrator.create_model
    class WorkerShift(pw.Model):
        id = pw.AutoField()
        worker = pw.ForeignKeyField(column_name='worker_id', field='id', model=migrator.orm['staff_account'], on_delete='CASCADE')
        weekday = pw.IntegerField()
        start = pw.TimeField()
        end = pw.TimeField()
        lunch_start = pw.TimeField(null=True)
        lunch_end = pw.TimeField(null=True)
        is_working = pw.BooleanField(default=True)

        class Meta:
            table_name = "worker_shift"
            indexes = [(('worker', 'weekday'), True)]

    @migrator.create_model
    class WorkerDayOff(pw.Model):
        id = pw.AutoField()
        worker = pw.ForeignKeyField(column_name='worker_id', field='id', model=migrator.orm['staff_account'], on_delete='CASCADE')
        day = pw.DateField()
        reason = pw.CharField(default='', max_length=100)

        class Meta:
            table_name = "worker_day_off"
            indexes = [(('worker', 'day'), True)]

    @migrator.create_model
    class VisitCapacity(pw.Model):
        id = pw.AutoField()
        township = pw.ForeignKeyField(column_name='township_id', field='id', model=migrator.orm['township'], on_delete='CASCADE')
        day = pw.DateField()
        window = pw.CharField(max_length=10)
        capacity = pw.IntegerField()
        used = pw.IntegerField(default=0)

        class Meta:
            table_name = "visit_capacity"
            indexes = [(('township', 'day', 'window'), True)]
            constraints = [pw.SQL("CHECK (used >= 0)"), pw.SQL("CHECK (used <= capacity)")]

    @migrator.create_model
    class Booking(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        client = pw.ForeignKeyField(column_name='client_id', field='id', model=migrator.orm['client'], on_delete='CASCADE')
        area_code = pw.CharField(index=True, max_length=12)
        township = pw.ForeignKeyField(column_name='township_id', field='id', model=migrator.orm['township'], on_delete='CASCADE')
        kind = pw.CharField(max_length=20)
        status = pw.CharField(default='pending', index=True, max_length=12)
        active_key = pw.CharField(max_length=60, null=True, unique=True)
        requested_by_kind = pw.CharField(max_length=10)
        requested_by_id = pw.IntegerField()
        resident = pw.ForeignKeyField(column_name='resident_id', field='id', model=migrator.orm['resident'], null=True, on_delete='SET NULL')
        preferred = pw.TextField()
        reason = pw.TextField(default='')
        contact_name = pw.CharField(default='', max_length=50)
        contact_phone_enc = pw.TextField(null=True)
        contact_phone_masked = pw.CharField(max_length=11, null=True)
        scheduled_date = pw.DateField(index=True, null=True)
        scheduled_window = pw.CharField(max_length=10, null=True)
        scheduled_start = pw.TimeField(null=True)
        scheduled_end = pw.TimeField(null=True)
        capacity = pw.ForeignKeyField(column_name='capacity_id', field='id', model=migrator.orm['visit_capacity'], null=True, on_delete='SET NULL')
        decision_reason = pw.TextField(null=True)
        decided_by = pw.ForeignKeyField(column_name='decided_by_id', field='id', model=migrator.orm['staff_account'], null=True, on_delete='SET NULL')
        decided_at = pw.DateTimeField(null=True)
        cancel_reason = pw.TextField(null=True)
        arrival_start = pw.DateTimeField(null=True)
        arrival_end = pw.DateTimeField(null=True)

        class Meta:
            table_name = "booking"

    @migrator.create_model
    class CareVisit(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        client = pw.ForeignKeyField(column_name='client_id', field='id', model=migrator.orm['client'], on_delete='CASCADE')
        area_code = pw.CharField(index=True, max_length=12)
        township = pw.ForeignKeyField(column_name='township_id', field='id', model=migrator.orm['township'], on_delete='CASCADE')
        rule = pw.CharField(max_length=40)
        kind = pw.CharField(max_length=20)
        due_date = pw.DateField()
        earliest_date = pw.DateField()
        latest_date = pw.DateField(index=True)
        duration_minutes = pw.IntegerField()
        required_skills = pw.TextField()
        status = pw.CharField(default='due', index=True, max_length=10)
        is_overdue = pw.BooleanField(default=False)
        done_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "care_visit"
            indexes = [(('client', 'rule', 'due_date'), True)]

    @migrator.create_model
    class Visit(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        client = pw.ForeignKeyField(column_name='client_id', field='id', model=migrator.orm['client'], on_delete='CASCADE')
        area_code = pw.CharField(index=True, max_length=12)
        worker = pw.ForeignKeyField(column_name='worker_id', field='id', model=migrator.orm['staff_account'], on_delete='RESTRICT')
        booking = pw.ForeignKeyField(column_name='booking_id', field='id', model=migrator.orm['booking'], null=True, on_delete='SET NULL', unique=True)
        care_visit = pw.ForeignKeyField(column_name='care_visit_id', field='id', model=migrator.orm['care_visit'], null=True, on_delete='SET NULL')
        kind = pw.CharField(max_length=20)
        status = pw.CharField(default='in_progress', max_length=12)
        check_in_at = pw.DateTimeField()
        check_in_lat = pw.FloatField(null=True)
        check_in_lng = pw.FloatField(null=True)
        check_in_distance_m = pw.IntegerField(null=True)
        check_out_at = pw.DateTimeField(null=True)
        check_out_lat = pw.FloatField(null=True)
        check_out_lng = pw.FloatField(null=True)
        check_out_distance_m = pw.IntegerField(null=True)
        services = pw.TextField()
        notes = pw.TextField(default='')
        follow_up_needed = pw.BooleanField(default=False)
        missed_reason = pw.CharField(max_length=10, null=True)

        class Meta:
            table_name = "visit"

    @migrator.create_model
    class VisitPhoto(pw.Model):
        id = pw.AutoField()
        visit = pw.ForeignKeyField(column_name='visit_id', field='id', model=migrator.orm['visit'], on_delete='CASCADE')
        area_code = pw.CharField(index=True, max_length=12)
        content_type = pw.CharField(max_length=40)
        size_bytes = pw.IntegerField()
        sha256 = pw.CharField(max_length=64)
        storage_name = pw.CharField(max_length=120)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "visit_photo"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the home-visit tables, dependants first."""

    migrator.remove_model('visit_photo')

    migrator.remove_model('visit')

    migrator.remove_model('care_visit')

    migrator.remove_model('booking')

    migrator.remove_model('visit_capacity')

    migrator.remove_model('worker_day_off')

    migrator.remove_model('worker_shift')
