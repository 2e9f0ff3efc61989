"""Complaints and requests (诉求): the grievance, its photos, and its escalations by level."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create grievance, grievance_photo and grievance_escalation."""

    def staff(column: str) -> pw.ForeignKeyField:
        return pw.ForeignKeyField(column_name=column, field="id",
                                  model=migrator.orm["staff_account"], null=True,
                                  on_delete="SET NULL")

    @migrator.create_model
    class Grievance(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        reference = pw.CharField(max_length=30, unique=True)
        resident = pw.ForeignKeyField(column_name="resident_id", field="id",
                                      model=migrator.orm["resident"], null=True,
                                      on_delete="SET NULL")
        subject = pw.CharField(max_length=12)
        application = pw.ForeignKeyField(column_name="application_id", field="id",
                                         model=migrator.orm["application"], null=True,
                                         on_delete="SET NULL")
        visit = pw.ForeignKeyField(column_name="visit_id", field="id",
                                   model=migrator.orm["visit"], null=True, on_delete="SET NULL")
        subject_staff = staff("subject_staff_id")
        village = pw.ForeignKeyField(column_name="village_id", field="id",
                                     model=migrator.orm["village"], null=True,
                                     on_delete="SET NULL")
        area_code = pw.CharField(max_length=12, index=True)
        content = pw.TextField()
        status = pw.CharField(max_length=10, default="open", index=True)
        level = pw.CharField(max_length=15, default="township")
        owner = staff("owner_id")
        due_on = pw.DateField(index=True)
        resolution = pw.TextField(null=True)
        resolved_at = pw.DateTimeField(null=True)
        resolved_by = staff("resolved_by_id")
        rating = pw.IntegerField(null=True)
        rating_comment = pw.TextField(default="")
        rated_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "grievance"

    @migrator.create_model
    class GrievancePhoto(pw.Model):
        id = pw.AutoField()
        grievance = pw.ForeignKeyField(column_name="grievance_id", field="id",
                                       model=migrator.orm["grievance"], on_delete="CASCADE")
        content_type = pw.CharField(max_length=40)
        size_bytes = pw.IntegerField()
        sha256 = pw.CharField(max_length=64)
        storage_name = pw.CharField(max_length=120)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "grievance_photo"

    @migrator.create_model
    class GrievanceEscalation(pw.Model):
        id = pw.AutoField()
        grievance = pw.ForeignKeyField(column_name="grievance_id", field="id",
                                       model=migrator.orm["grievance"], on_delete="CASCADE")
        level = pw.CharField(max_length=15)
        owner = staff("owner_id")
        late_since = pw.DateField()
        due_on = pw.DateField()
        area_code = pw.CharField(max_length=12, index=True)
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "grievance_escalation"
            indexes = [(("grievance", "level"), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the grievance tables."""
    migrator.remove_model("grievance_escalation")
    migrator.remove_model("grievance_photo")
    migrator.remove_model("grievance")
