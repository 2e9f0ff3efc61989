"""WeChat content-security verdicts on residents' texts and images (content_check)."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create content_check."""

    @migrator.create_model
    class ContentCheck(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        subject = pw.CharField(max_length=24)
        subject_id = pw.IntegerField()
        field = pw.CharField(max_length=24, default="")
        kind = pw.CharField(max_length=8)
        area_code = pw.CharField(max_length=12, index=True)
        resident = pw.ForeignKeyField(column_name="resident_id", field="id",
                                      model=migrator.orm["resident"], null=True,
                                      on_delete="SET NULL")
        scene = pw.IntegerField()
        status = pw.CharField(max_length=10, index=True)
        label = pw.IntegerField(null=True)
        trace_id = pw.CharField(max_length=64, null=True, unique=True)
        note = pw.CharField(max_length=200, default="")
        withdrawn_at = pw.DateTimeField(null=True)

        class Meta:
            table_name = "content_check"
            indexes = [(("subject", "subject_id"), False)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop content_check."""
    migrator.remove_model("content_check")
