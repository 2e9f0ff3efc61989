"""Named accountability (强化责任追究): who holds each open stage of an application, and the
holder a township's head names for a stage."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import StaffAccount
from backend.models.applications import Application
from backend.models.base import BaseModel, Labelled, utcnow
from backend.models.geography import Township


class HoldingRule(Labelled):
    """How a stage came to its holder."""

    ON_DUTY = "on_duty", "按在岗人员轮派"
    HEAD_CHOICE = "head_choice", "负责人指定"
    REASSIGNED = "reassigned", "改派"


class StageHolder(BaseModel):
    """The named person holding one stage of an application, from the day the stage began."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        application_id: int
        holder_id: int | None

    application = pw.ForeignKeyField(Application, backref="stage_holders", on_delete="CASCADE")
    stage = pw.CharField(max_length=20)
    started_on = pw.DateField()
    holder = pw.ForeignKeyField(StaffAccount, null=True, backref="held_stages",
                                on_delete="SET NULL")  # None: nobody in post for the role
    rule = pw.CharField(max_length=12)  # HoldingRule
    area_code = pw.CharField(max_length=12, index=True)
    assigned_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "stage_holder"
        indexes = ((("application", "stage", "started_on"), True),)


class StageAssignmentRule(BaseModel):
    """A township head's standing choice: this stage of the township's applications goes to
    this person while they are in post."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        township_id: int
        holder_id: int

    township = pw.ForeignKeyField(Township, backref="stage_rules", on_delete="CASCADE")
    stage = pw.CharField(max_length=20)
    holder = pw.ForeignKeyField(StaffAccount, backref="stage_rules", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)

    class Meta:
        table_name = "stage_assignment_rule"
        indexes = ((("township", "stage"), True),)
