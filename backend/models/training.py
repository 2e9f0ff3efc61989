"""Training and yearly assessment per person (培训与年度考核) of township and village staff."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import StaffAccount
from backend.models.base import Labelled, TimestampedModel


class TrainingKind(Labelled):
    """The kinds of training the policy names."""

    PRE_SERVICE = "pre_service", "岗前培训"
    BUSINESS = "business", "业务培训"
    LEGAL = "legal", "法治培训"
    ETIQUETTE = "etiquette", "礼仪培训"
    WARNING = "warning_education", "警示教育"


class AssessmentGrade(Labelled):
    """A yearly assessment's result."""

    EXCELLENT = "excellent", "优秀"
    COMPETENT = "competent", "称职"
    BASICALLY_COMPETENT = "basically_competent", "基本称职"
    INCOMPETENT = "incompetent", "不称职"


TRAINING_KINDS = TrainingKind.labels()
ASSESSMENT_GRADES = AssessmentGrade.labels()


class TrainingRecord(TimestampedModel):
    """Days of training one staff member attended: when, what kind, organised by whom."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        person_id: int

    person = pw.ForeignKeyField(StaffAccount, backref="training_records", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)  # the person's scope when recorded
    starts_on = pw.DateField(index=True)
    ends_on = pw.DateField()
    days = pw.FloatField()
    kind = pw.CharField(max_length=20)  # TRAINING_KINDS
    organiser = pw.CharField(max_length=100)

    class Meta:
        table_name = "training_record"
        indexes = ((("person", "starts_on", "kind", "organiser"), True),)


class AssessmentResult(TimestampedModel):
    """One staff member's yearly assessment (年度考核)."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        person_id: int

    person = pw.ForeignKeyField(StaffAccount, backref="assessments", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    year = pw.IntegerField(index=True)
    grade = pw.CharField(max_length=20)  # ASSESSMENT_GRADES
    assessed_by = pw.CharField(max_length=100, default="")

    class Meta:
        table_name = "assessment_result"
        indexes = ((("person", "year"), True),)
