"""Applications (#3): service-guide edits, applications, their steps, materials, objections,
evaluations and follow-up tasks."""

from contextlib import suppress

import peewee as pw
from peewee_migrate import Migrator


with suppress(ImportError):
    import playhouse.postgres_ext as pw_pext


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create the applications tables."""

    @migrator.create_model
    class Application(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        reference = pw.CharField(max_length=30, unique=True)
        service_code = pw.CharField(index=True, max_length=60)
        kind = pw.CharField(default='application', max_length=12)
        parent = pw.ForeignKeyField(column_name='parent_id', field='id', model='self', null=True, on_delete='SET NULL')
        resident = pw.ForeignKeyField(column_name='resident_id', field='id', model=migrator.orm['resident'], null=True, on_delete='SET NULL')
        client = pw.ForeignKeyField(column_name='client_id', field='id', model=migrator.orm['client'], null=True, on_delete='SET NULL')
        village = pw.ForeignKeyField(column_name='village_id', field='id', model=migrator.orm['village'], on_delete='RESTRICT')
        area_code = pw.CharField(index=True, max_length=12)
        applicant_name = pw.CharField(max_length=50)
        applicant_id_enc = pw.TextField()
        applicant_id_index = pw.CharField(index=True, max_length=64)
        applicant_id_masked = pw.CharField(max_length=18)
        phone_enc = pw.TextField(null=True)
        phone_masked = pw.CharField(max_length=11, null=True)
        address = pw.CharField(max_length=200)
        household_members = pw.TextField()
        declared_income_fen = pw.IntegerField(default=0)
        declared_assets_fen = pw.IntegerField(default=0)
        assets_note = pw.TextField(default='')
        reason = pw.TextField(default='')
        open_key = pw.CharField(max_length=140, null=True, unique=True)
        status = pw.CharField(default='draft', index=True, max_length=12)
        stage = pw.CharField(max_length=20, null=True)
        stage_role = pw.CharField(index=True, max_length=20, null=True)
        stage_started_on = pw.DateField(null=True)
        stage_due_on = pw.DateField(index=True, null=True)
        paused_days_left = pw.IntegerField(null=True)
        requested_materials = pw.TextField()
        notice_ends_on = pw.DateField(null=True)
        submitted_at = pw.DateTimeField(null=True)
        decided_at = pw.DateTimeField(null=True)
        decision_reason = pw.TextField(null=True)
        outcome = pw.CharField(max_length=12, null=True)
        benefit_fen = pw.IntegerField(null=True)
        next_re_review_on = pw.DateField(index=True, null=True)
        filed_by = pw.ForeignKeyField(column_name='filed_by_id', field='id', model=migrator.orm['staff_account'], null=True, on_delete='SET NULL')
        proxy_authorised_by = pw.CharField(max_length=50, null=True)
        proxy_authorised_at = pw.DateTimeField(null=True)
        proxy_method = pw.CharField(max_length=20, null=True)
        proxy_doorstep = pw.BooleanField(default=False)

        class Meta:
            table_name = "application"

    @migrator.create_model
    class ApplicationEvaluation(pw.Model):
        id = pw.AutoField()
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], on_delete='CASCADE', unique=True)
        rating = pw.IntegerField()
        comment = pw.TextField(default='')
        created_at = pw.DateTimeField()
        resident = pw.ForeignKeyField(column_name='resident_id', field='id', model=migrator.orm['resident'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "application_evaluation"

    @migrator.create_model
    class ApplicationMaterial(pw.Model):
        id = pw.AutoField()
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], on_delete='CASCADE')
        material_code = pw.CharField(max_length=40)
        content_type = pw.CharField(max_length=40)
        size_bytes = pw.IntegerField()
        sha256 = pw.CharField(max_length=64)
        storage_name = pw.CharField(max_length=100)
        uploaded_at = pw.DateTimeField()
        uploader_kind = pw.CharField(max_length=10)
        uploader_id = pw.IntegerField(null=True)

        class Meta:
            table_name = "application_material"

    @migrator.create_model
    class ApplicationStep(pw.Model):
        id = pw.AutoField()
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], on_delete='CASCADE')
        created_at = pw.DateTimeField()
        actor_kind = pw.CharField(max_length=10)
        actor_id = pw.IntegerField(null=True)
        actor_name = pw.CharField(default='', max_length=50)
        action = pw.CharField(max_length=30)
        stage = pw.CharField(max_length=20, null=True)
        to_stage = pw.CharField(max_length=20, null=True)
        comment = pw.TextField(default='')
        details = pw.TextField()

        class Meta:
            table_name = "application_step"

    @migrator.create_model
    class FollowUpTask(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], on_delete='CASCADE')
        evaluation = pw.ForeignKeyField(column_name='evaluation_id', field='id', model=migrator.orm['application_evaluation'], on_delete='CASCADE')
        area_code = pw.CharField(index=True, max_length=12)
        role = pw.CharField(default='township_staff', max_length=20)
        due_on = pw.DateField()
        status = pw.CharField(default='open', max_length=12)

        class Meta:
            table_name = "follow_up_task"

    @migrator.create_model
    class PublicNoticeObjection(pw.Model):
        id = pw.AutoField()
        application = pw.ForeignKeyField(column_name='application_id', field='id', model=migrator.orm['application'], on_delete='CASCADE')
        content = pw.TextField()
        raised_at = pw.DateTimeField()
        recorded_by = pw.ForeignKeyField(column_name='recorded_by_id', field='id', model=migrator.orm['staff_account'], null=True, on_delete='SET NULL')
        resolution = pw.TextField(null=True)
        resolved_at = pw.DateTimeField(null=True)
        resolved_by = pw.ForeignKeyField(column_name='resolved_by_id', field='id', model=migrator.orm['staff_account'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "public_notice_objection"

    @migrator.create_model
    class ServiceGuideEdit(pw.Model):
        id = pw.AutoField()
        code = pw.CharField(max_length=60, unique=True)
        content = pw.TextField()
        updated_at = pw.DateTimeField()
        updated_by = pw.ForeignKeyField(column_name='updated_by_id', field='id', model=migrator.orm['staff_account'], null=True, on_delete='SET NULL')

        class Meta:
            table_name = "service_guide_edit"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the applications tables, dependants first."""

    migrator.remove_model('service_guide_edit')

    migrator.remove_model('public_notice_objection')

    migrator.remove_model('follow_up_task')

    migrator.remove_model('application_step')

    migrator.remove_model('application_material')

    migrator.remove_model('application_evaluation')

    migrator.remove_model('application')
