"""Benefit payments: the monthly rows an approval creates and a re-review changes or stops."""

import peewee as pw
from peewee_migrate import Migrator


def migrate(migrator: Migrator, database: pw.Database, *, fake=False):
    """Create benefit_payment, unique by client, service and month."""

    @migrator.create_model
    class BenefitPayment(pw.Model):
        id = pw.AutoField()
        created_at = pw.DateTimeField()
        updated_at = pw.DateTimeField()
        client = pw.ForeignKeyField(column_name="client_id", field="id",
                                    model=migrator.orm["client"], on_delete="RESTRICT")
        application = pw.ForeignKeyField(column_name="application_id", field="id",
                                         model=migrator.orm["application"], on_delete="RESTRICT")
        service_code = pw.CharField(max_length=60)
        area_code = pw.CharField(max_length=12, index=True)
        month = pw.DateField(index=True)
        amount_fen = pw.IntegerField()
        status = pw.CharField(max_length=10, default="scheduled", index=True)
        paid_on = pw.DateField(null=True)

        class Meta:
            table_name = "benefit_payment"
            indexes = ((("client", "service_code", "month"), True),)


def rollback(migrator: Migrator, database: pw.Database, *, fake=False):
    """Drop benefit_payment."""
    migrator.remove_model("benefit_payment")
