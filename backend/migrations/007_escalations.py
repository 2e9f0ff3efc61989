"""Overdue stages escalated to the township office's head, once per stage and due date."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create step_escalation."""

    @migrator.create_model
    class StepEscalation(pw.Model):
        id = pw.AutoField()
        application = pw.ForeignKeyField(column_name='application_id', field='id',
                                         model=migrator.orm['application'], on_delete='CASCADE')
        stage = pw.CharField(max_length=20)
        due_on = pw.DateField()
        area_code = pw.CharField(index=True, max_length=12)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "step_escalation"
            indexes = [(('application', 'stage', 'due_on'), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop step_escalation."""
    migrator.remove_model('step_escalation')
