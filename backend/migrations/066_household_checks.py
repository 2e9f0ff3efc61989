"""The household economic check: people checked (by ID blind index), other departments' files
and the rows that matched, and the result the 核查 stage records."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create check_member, department_import, department_record and household_check."""

    def fk(table: str, column: str, *, null: bool = False,
           on_delete: str = "CASCADE") -> pw.ForeignKeyField:
        return pw.ForeignKeyField(column_name=column, field="id", model=migrator.orm[table],
                                  null=null, on_delete=on_delete)

    @migrator.create_model
    class CheckMember(pw.Model):
        id = pw.AutoField()
        application = fk("application", "application_id")
        member_no = pw.IntegerField()
        name = pw.CharField(max_length=50)
        relation = pw.CharField(max_length=20)
        id_index = pw.CharField(max_length=64, index=True)
        id_masked = pw.CharField(max_length=18)
        declared_income_fen = pw.IntegerField(default=0)
        area_code = pw.CharField(max_length=12, index=True)

        class Meta:
            table_name = "check_member"
            indexes = ((("application", "member_no"), True),)

    @migrator.create_model
    class DepartmentImport(pw.Model):
        id = pw.AutoField()
        department = pw.CharField(max_length=30, index=True)
        filename = pw.CharField(max_length=200)
        area_code = pw.CharField(max_length=12, index=True)
        imported_by = fk("staff_account", "imported_by_id", null=True, on_delete="SET NULL")
        rows = pw.IntegerField()
        matched = pw.IntegerField()
        unmatched = pw.TextField()
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "department_import"

    @migrator.create_model
    class DepartmentRecord(pw.Model):
        id = pw.AutoField()
        batch = fk("department_import", "batch_id")
        department = pw.CharField(max_length=30)
        kind = pw.CharField(max_length=20)
        id_index = pw.CharField(max_length=64, index=True)
        id_masked = pw.CharField(max_length=18)
        row_number = pw.IntegerField()
        monthly_income_fen = pw.IntegerField(null=True)
        value_fen = pw.BigIntegerField(null=True)
        details = pw.TextField()
        area_code = pw.CharField(max_length=12, index=True)

        class Meta:
            table_name = "department_record"

    @migrator.create_model
    class HouseholdCheck(pw.Model):
        id = pw.AutoField()
        application = pw.ForeignKeyField(column_name="application_id", field="id",
                                         model=migrator.orm["application"], unique=True,
                                         on_delete="CASCADE")
        area_code = pw.CharField(max_length=12, index=True)
        finding = pw.CharField(max_length=20)
        per_capita_income_fen = pw.IntegerField()
        threshold_fen = pw.IntegerField()
        result = pw.TextField()
        comment = pw.TextField(default="")
        recorded_by = fk("staff_account", "recorded_by_id", null=True, on_delete="SET NULL")
        recorded_at = pw.DateTimeField()

        class Meta:
            table_name = "household_check"


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop the household-check tables."""
    for table in ("household_check", "department_record", "department_import", "check_member"):
        migrator.remove_model(table)
