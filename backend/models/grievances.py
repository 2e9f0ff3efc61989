"""Complaints and requests (诉求): what a resident raised, who owns it, escalations, the answer."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import Resident, StaffAccount
from backend.models.applications import Application
from backend.models.base import BaseModel, Labelled, TimestampedModel, utcnow
from backend.models.geography import Village
from backend.models.visits import Visit


class GrievanceSubject(Labelled):
    """What a grievance is about."""

    APPLICATION = "application", "办件"
    VISIT = "visit", "上门探访"
    STAFF = "staff", "工作人员"
    OTHER = "other", "其他"


class GrievanceStatus(Labelled):
    """Where a grievance stands."""

    OPEN = "open", "办理中"
    RESOLVED = "resolved", "已答复"


class GrievanceLevel(Labelled):
    """Who owns a grievance now: the township's staff, its head after a late answer, the city."""

    TOWNSHIP = "township", "乡镇民政办"
    TOWNSHIP_HEAD = "township_head", "乡镇民政办负责人"
    CITY = "city", "市民政局"


GRIEVANCE_SUBJECTS = GrievanceSubject.labels()
GRIEVANCE_STATUSES = GrievanceStatus.labels()
GRIEVANCE_LEVELS = GrievanceLevel.labels()


class Grievance(TimestampedModel):
    """One complaint or request, owned by a staff member and due by a date."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        resident_id: int | None
        application_id: int | None
        visit_id: int | None
        subject_staff_id: int | None
        village_id: int | None
        owner_id: int | None
        resolved_by_id: int | None
        photos: pw.ModelSelect[GrievancePhoto]
        escalations: pw.ModelSelect[GrievanceEscalation]

    reference = pw.CharField(max_length=30, unique=True)  # SS + filing date + id
    resident = pw.ForeignKeyField(Resident, null=True, backref="grievances",
                                  on_delete="SET NULL")
    subject = pw.CharField(max_length=12)  # GRIEVANCE_SUBJECTS
    application = pw.ForeignKeyField(Application, null=True, backref="grievances",
                                     on_delete="SET NULL")
    visit = pw.ForeignKeyField(Visit, null=True, backref="grievances", on_delete="SET NULL")
    subject_staff = pw.ForeignKeyField(StaffAccount, null=True, backref="grievances_about",
                                       on_delete="SET NULL")
    village = pw.ForeignKeyField(Village, null=True, on_delete="SET NULL")
    area_code = pw.CharField(max_length=12, index=True)  # whose scope it lies in
    content = pw.TextField()
    status = pw.CharField(max_length=10, default="open", index=True)  # GRIEVANCE_STATUSES
    level = pw.CharField(max_length=15, default="township")  # GRIEVANCE_LEVELS
    owner = pw.ForeignKeyField(StaffAccount, null=True, backref="owned_grievances",
                               on_delete="SET NULL")
    due_on = pw.DateField(index=True)
    resolution = pw.TextField(null=True)
    resolved_at = pw.DateTimeField(null=True)
    resolved_by = pw.ForeignKeyField(StaffAccount, null=True, backref="resolved_grievances",
                                     on_delete="SET NULL")
    rating = pw.IntegerField(null=True)  # 1 … 5, by the resident after the answer
    rating_comment = pw.TextField(default="")
    rated_at = pw.DateTimeField(null=True)


class GrievancePhoto(BaseModel):
    """A photo a resident attached to a grievance: type sniffed, stored content-addressed."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        grievance_id: int

    grievance = pw.ForeignKeyField(Grievance, backref="photos", on_delete="CASCADE")
    content_type = pw.CharField(max_length=40)
    size_bytes = pw.IntegerField()
    sha256 = pw.CharField(max_length=64)
    storage_name = pw.CharField(max_length=120)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "grievance_photo"


class GrievanceEscalation(BaseModel):
    """A late grievance handed up one level, once per level."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        grievance_id: int
        owner_id: int | None

    grievance = pw.ForeignKeyField(Grievance, backref="escalations", on_delete="CASCADE")
    level = pw.CharField(max_length=15)  # the level it was handed to
    owner = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL")
    late_since = pw.DateField()  # the due date that was missed
    due_on = pw.DateField()  # the new owner's date
    area_code = pw.CharField(max_length=12, index=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "grievance_escalation"
        indexes = ((("grievance", "level"), True),)
