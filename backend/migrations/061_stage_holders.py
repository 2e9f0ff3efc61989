"""Named accountability (强化责任追究): each open stage of an application is held by a named
person, a township head may name the holder of a stage, and an escalation keeps whom it held to
account, whom it told, and when it went on to the city. Existing escalations keep no names."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create stage_holder and stage_assignment_rule; add holder, head, escalated_on and
    city_escalated_on to step_escalation."""

    def staff(column: str, *, null: bool = True, on_delete: str = "SET NULL"
              ) -> pw.ForeignKeyField:
        return pw.ForeignKeyField(column_name=column, field="id",
                                  model=migrator.orm["staff_account"], null=null,
                                  on_delete=on_delete)

    @migrator.create_model
    class StageHolder(pw.Model):
        id = pw.AutoField()
        application = pw.ForeignKeyField(column_name="application_id", field="id",
                                         model=migrator.orm["application"], on_delete="CASCADE")
        stage = pw.CharField(max_length=20)
        started_on = pw.DateField()
        holder = staff("holder_id")
        rule = pw.CharField(max_length=12)
        area_code = pw.CharField(max_length=12, index=True)
        assigned_at = pw.DateTimeField()

        class Meta:
            table_name = "stage_holder"
            indexes = [(("application", "stage", "started_on"), True)]

    @migrator.create_model
    class StageAssignmentRule(pw.Model):
        id = pw.AutoField()
        township = pw.ForeignKeyField(column_name="township_id", field="id",
                                      model=migrator.orm["township"], on_delete="CASCADE")
        stage = pw.CharField(max_length=20)
        holder = staff("holder_id", null=False, on_delete="CASCADE")
        area_code = pw.CharField(max_length=12, index=True)

        class Meta:
            table_name = "stage_assignment_rule"
            indexes = [(("township", "stage"), True)]

    migrator.add_fields("step_escalation", holder=staff("holder_id"), head=staff("head_id"),
                        escalated_on=pw.DateField(null=True),
                        city_escalated_on=pw.DateField(null=True, index=True))


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the holders' tables and the escalation's names."""
    migrator.remove_fields("step_escalation", "holder", "head", "escalated_on",
                           "city_escalated_on")
    migrator.remove_model("stage_assignment_rule")
    migrator.remove_model("stage_holder")
