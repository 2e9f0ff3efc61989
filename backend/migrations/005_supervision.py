"""Peewee migrations -- 005_supervision.py.

Supervision (#7): township profiles by year, nursing homes, generated reports.
"""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your migrations here."""

    @migrator.create_model
    class NursingHome(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        township = pw.ForeignKeyField(column_name='township_id', field='id', model=migrator.orm['township'], on_delete='CASCADE')
        area_code = pw.CharField(index=True, max_length=12)
        name = pw.CharField(max_length=100)
        beds = pw.IntegerField()
        medical_care = pw.BooleanField(default=False)
        township_run = pw.BooleanField(default=False)

        class Meta:
            table_name = "nursing_home"
            indexes = [(('township', 'name'), True)]

    @migrator.create_model
    class SupervisionReport(pw.Model):
        id = pw.AutoField()
        kind = pw.CharField(max_length=30)
        period = pw.CharField(max_length=10)
        area_code = pw.CharField(index=True, max_length=12)
        generated_at = pw.DateTimeField()
        data = pw.TextField()

        class Meta:
            table_name = "supervision_report"
            indexes = [(('kind', 'period', 'area_code'), True)]

    @migrator.create_model
    class TownshipProfile(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        township = pw.ForeignKeyField(column_name='township_id', field='id', model=migrator.orm['township'], on_delete='CASCADE')
        area_code = pw.CharField(index=True, max_length=12)
        year = pw.IntegerField()
        equipment = pw.TextField()
        funds_this_year_fen = pw.BigIntegerField(default=0)
        funds_last_year_fen = pw.BigIntegerField(default=0)
        training_days_per_person = pw.FloatField(default=0.0)
        assessment_done = pw.BooleanField(default=False)
        coordinator_allowance_paid_fen = pw.BigIntegerField(default=0)
        notes = pw.TextField(default='')

        class Meta:
            table_name = "township_profile"
            indexes = [(('township', 'year'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Write your rollback migrations here."""

    migrator.remove_model('township_profile')

    migrator.remove_model('supervision_report')

    migrator.remove_model('nursing_home')
