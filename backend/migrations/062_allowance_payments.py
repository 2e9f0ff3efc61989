"""Coordinators' monthly allowances recorded as payments (month, amount, paid on), which the
allowance standard is now checked against."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create allowance_payment."""

    @migrator.create_model
    class AllowancePayment(pw.Model):
        id = pw.AutoField()
        coordinator = pw.ForeignKeyField(column_name="coordinator_id", field="id",
                                         model=migrator.orm["staff_account"])
        village = pw.ForeignKeyField(column_name="village_id", field="id",
                                     model=migrator.orm["village"], null=True,
                                     on_delete="SET NULL")
        township = pw.ForeignKeyField(column_name="township_id", field="id",
                                      model=migrator.orm["township"], on_delete="CASCADE")
        area_code = pw.CharField(max_length=12, index=True)
        month = pw.CharField(max_length=7)
        amount_fen = pw.IntegerField()
        paid_on = pw.DateField()
        recorded_by = pw.ForeignKeyField(column_name="recorded_by_id", field="id",
                                         model=migrator.orm["staff_account"], null=True,
                                         on_delete="SET NULL")
        created_at = pw.DateTimeField()

        class Meta:
            table_name = "allowance_payment"
            indexes = [(("coordinator", "month"), True)]


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop allowance_payment."""
    migrator.remove_model("allowance_payment")
