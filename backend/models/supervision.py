"""What the city supervises townships with: yearly profiles, nursing homes, generated reports.

Township-level rows carry the township's 9-digit code as ``area_code``: a prefix of every
village code in it, so the same prefix scope as everywhere else applies (the city sees all, a
township's office its own, a village coordinator none).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.base import BaseModel, JSONField, TimestampedModel, utcnow
from backend.models.geography import Township

REPORT_KINDS = {"weekly_supervision": "周督导", "monthly_bulletin": "月通报"}


class TownshipProfile(TimestampedModel):
    """A township's office in one year: equipment, funds, training, allowances paid."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        township_id: int

    township = pw.ForeignKeyField(Township, backref="profiles", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    year = pw.IntegerField()
    equipment = JSONField(default=dict)  # standards.TEN_ITEMS code → count held
    funds_this_year_fen = pw.BigIntegerField(default=0)
    funds_last_year_fen = pw.BigIntegerField(default=0)
    training_days_per_person = pw.FloatField(default=0)
    assessment_done = pw.BooleanField(default=False)
    coordinator_allowance_paid_fen = pw.BigIntegerField(default=0)  # paid this year so far
    notes = pw.TextField(default="")

    class Meta:
        table_name = "township_profile"
        indexes = ((("township", "year"), True),)


class NursingHome(TimestampedModel):
    """A nursing home in a township: its beds and whether it offers medical care."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        township_id: int

    township = pw.ForeignKeyField(Township, backref="nursing_homes", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    name = pw.CharField(max_length=100)
    beds = pw.IntegerField()
    medical_care = pw.BooleanField(default=False)
    township_run = pw.BooleanField(default=False)  # the township's own home (乡镇敬老院)

    class Meta:
        table_name = "nursing_home"
        indexes = ((("township", "name"), True),)


class SupervisionReport(BaseModel):
    """A generated weekly supervision or monthly bulletin, kept to compare the next one with."""

    kind = pw.CharField(max_length=30)  # REPORT_KINDS
    period = pw.CharField(max_length=10)  # 2026-W48 or 2026-11
    area_code = pw.CharField(max_length=12, index=True)  # the city's code
    generated_at = pw.DateTimeField(default=utcnow)
    data = JSONField()

    class Meta:
        table_name = "supervision_report"
        indexes = ((("kind", "period", "area_code"), True),)
