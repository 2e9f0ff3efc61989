"""Training records and yearly assessment results per staff member."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create training_record and assessment_result."""

    def person_fk() -> pw.ForeignKeyField:
        return pw.ForeignKeyField(column_name="person_id", field="id",
                                  model=migrator.orm["staff_account"], on_delete="CASCADE")

    @migrator.create_model
    class TrainingRecord(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        person = person_fk()
        area_code = pw.CharField(max_length=12, index=True)
        starts_on = pw.DateField(index=True)
        ends_on = pw.DateField()
        days = pw.FloatField()
        kind = pw.CharField(max_length=20)
        organiser = pw.CharField(max_length=100)

        class Meta:
            table_name = "training_record"
            indexes = ((("person", "starts_on", "kind", "organiser"), True),)

    @migrator.create_model
    class AssessmentResult(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        person = person_fk()
        area_code = pw.CharField(max_length=12, index=True)
        year = pw.IntegerField(index=True)
        grade = pw.CharField(max_length=20)
        assessed_by = pw.CharField(max_length=100, default="")

        class Meta:
            table_name = "assessment_result"
            indexes = ((("person", "year"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the training tables."""
    migrator.remove_model("assessment_result")
    migrator.remove_model("training_record")
