"""Village service stations' coordinators paid: the monthly allowance (¥500) as payments."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import StaffAccount
from backend.models.base import BaseModel, utcnow
from backend.models.geography import Township, Village


class AllowancePayment(BaseModel):
    """One month's allowance paid to a coordinator (协管员补贴发放记录)."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        coordinator_id: int
        village_id: int | None
        township_id: int
        recorded_by_id: int | None

    coordinator = pw.ForeignKeyField(StaffAccount, backref="allowance_payments")
    village = pw.ForeignKeyField(Village, null=True, backref="allowance_payments",
                                 on_delete="SET NULL")
    township = pw.ForeignKeyField(Township, backref="allowance_payments", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    month = pw.CharField(max_length=7)  # 2026-11
    amount_fen = pw.IntegerField()
    paid_on = pw.DateField()
    recorded_by = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL",
                                     backref="allowances_recorded")
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "allowance_payment"
        indexes = ((("coordinator", "month"), True),)
