"""The household economic check (家庭经济状况核对): the people checked, other departments' data
matched to them by the ID blind index, and the result the 核查 stage records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import StaffAccount
from backend.models.applications import Application
from backend.models.base import BaseModel, JSONField, utcnow


class CheckMember(BaseModel):
    """One person of an application's household, findable by the blind index of their ID.

    ``member_no`` 0 is the applicant, then the household members in the order filed. Built
    when the household is first checked, exported or matched; the number itself stays encrypted
    on the application.
    """

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        application_id: int

    application = pw.ForeignKeyField(Application, backref="check_members", on_delete="CASCADE")
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


class DepartmentImport(BaseModel):
    """One department's file as imported: who, when, how many rows matched, and the rows that
    matched no one (kept, masked, so none is dropped silently)."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        imported_by_id: int | None

    department = pw.CharField(max_length=30, index=True)
    filename = pw.CharField(max_length=200)
    area_code = pw.CharField(max_length=12, index=True)  # the importer's scope
    imported_by = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL")
    rows = pw.IntegerField()
    matched = pw.IntegerField()
    unmatched = JSONField(default=list)  # [{row, id_masked, message}]
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "department_import"


class DepartmentRecord(BaseModel):
    """A row of a department's file that matched a household member: what it says and where
    it came from (department, file, row)."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        batch_id: int

    batch = pw.ForeignKeyField(DepartmentImport, backref="records", on_delete="CASCADE")
    department = pw.CharField(max_length=30)
    kind = pw.CharField(max_length=20)  # income | housing | household | business | ...
    id_index = pw.CharField(max_length=64, index=True)
    id_masked = pw.CharField(max_length=18)
    row_number = pw.IntegerField()
    monthly_income_fen = pw.IntegerField(null=True)
    value_fen = pw.BigIntegerField(null=True)
    details = JSONField(default=dict)  # the row's other cells, by header
    area_code = pw.CharField(max_length=12, index=True)  # the matched household's village

    class Meta:
        table_name = "department_record"


class HouseholdCheck(BaseModel):
    """The result the 核查 stage recorded for an application: the whole computed check, kept."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        application_id: int
        recorded_by_id: int | None

    application = pw.ForeignKeyField(Application, backref="household_checks", unique=True,
                                     on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    finding = pw.CharField(max_length=20)
    per_capita_income_fen = pw.IntegerField()
    threshold_fen = pw.IntegerField()
    result = JSONField()
    comment = pw.TextField(default="")
    recorded_by = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL")
    recorded_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "household_check"
