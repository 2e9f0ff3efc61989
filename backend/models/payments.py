"""Benefit payments (救助金发放): one row per client, service and month of a granted benefit."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.applications import Application
from backend.models.base import Labelled, TimestampedModel
from backend.models.clients import Client


class PaymentStatus(Labelled):
    """Where a month's payment stands."""

    SCHEDULED = "scheduled", "待发放"
    PAID = "paid", "已发放"
    STOPPED = "stopped", "已停发"


PAYMENT_STATUSES = PaymentStatus.labels()


class BenefitPayment(TimestampedModel):
    """A month's payment of a benefit, set by the decision (approval or re-review) behind it.

    ``month`` is the first day of the month paid for. A re-review that changes or stops the
    benefit rewrites the rows from its own month on; paid rows are history and never change.
    """

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        client_id: int
        application_id: int

    client = pw.ForeignKeyField(Client, backref="benefit_payments", on_delete="RESTRICT")
    application = pw.ForeignKeyField(Application, backref="benefit_payments",
                                     on_delete="RESTRICT")  # the decision that set the row
    service_code = pw.CharField(max_length=60)
    area_code = pw.CharField(max_length=12, index=True)  # the client's village code
    month = pw.DateField(index=True)
    amount_fen = pw.IntegerField()
    status = pw.CharField(max_length=10, default=PaymentStatus.SCHEDULED, index=True)
    paid_on = pw.DateField(null=True)

    class Meta:
        table_name = "benefit_payment"
        indexes = ((("client", "service_code", "month"), True),)
