"""Home visits: bookings, the capacity they draw on, care visits that fall due, visit records."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import Resident, StaffAccount
from backend.models.applications import Application
from backend.models.base import (
    BaseModel,
    JSONField,
    Labelled,
    TimestampedModel,
    Versioned,
    utcnow,
)
from backend.models.clients import Client
from backend.models.geography import Township

VISIT_KINDS = {
    "routine_visit": "日常探访",
    "counselling": "心理疏导",
    "emotional_support": "精神慰藉",
    "doorstep_service": "上门办理",
    "condolence_visit": "走访慰问",
}
WINDOWS = {"morning": "上午", "afternoon": "下午"}


class BookingStatus(Labelled):
    """Where a home-visit booking stands."""

    PENDING = "pending", "待审核"
    PROPOSED = "proposed", "已建议改期"
    APPROVED = "approved", "已安排"
    REJECTED = "rejected", "未通过"
    CANCELLED = "cancelled", "已取消"
    DONE = "done", "已完成"
    MISSED = "missed", "未遇"


class VisitStatus(Labelled):
    """A visit record: under way, done, or the client was not met."""

    IN_PROGRESS = "in_progress", "进行中"
    COMPLETED = "completed", "已完成"
    MISSED = "missed", "未遇"


class CareVisitStatus(Labelled):
    """A care visit that fell due: still to do, or done."""

    DUE = "due", "待探访"
    DONE = "done", "已完成"


BOOKING_STATUSES = BookingStatus.labels()
# Statuses in which a booking still holds its client+kind slot (the active_key is set).
ACTIVE_BOOKING_STATUSES = (BookingStatus.PENDING, BookingStatus.PROPOSED, BookingStatus.APPROVED)
VISIT_SERVICES = {
    "counselling": "心理疏导",
    "emotional_support": "精神慰藉",
    "behaviour_correction": "行为矫治",
    "relationship_mediation": "关系调适",
    "capacity_building": "能力提升",
    "support_network": "社会支持网络",
    "other": "其他服务",
}
MISSED_REASONS = {"not_home": "不在家", "refused": "拒绝探访", "moved": "已搬迁", "other": "其他"}


class WorkerShift(BaseModel):
    """A social worker's hours on one weekday (0 Monday … 6 Sunday); none means the default."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        worker_id: int

    worker = pw.ForeignKeyField(StaffAccount, backref="shifts", on_delete="CASCADE")
    weekday = pw.IntegerField()
    start = pw.TimeField()
    end = pw.TimeField()
    lunch_start = pw.TimeField(null=True)
    lunch_end = pw.TimeField(null=True)
    is_working = pw.BooleanField(default=True)

    class Meta:
        table_name = "worker_shift"
        indexes = ((("worker", "weekday"), True),)


class WorkerDayOff(BaseModel):
    """A date a social worker does not work (leave, training, public holiday)."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        worker_id: int

    worker = pw.ForeignKeyField(StaffAccount, backref="days_off", on_delete="CASCADE")
    day = pw.DateField()
    reason = pw.CharField(max_length=100, default="")

    class Meta:
        table_name = "worker_day_off"
        indexes = ((("worker", "day"), True),)


class VisitCapacity(BaseModel):
    """How many booked visits a township can take in one window of one day, and how many it has.

    Booking takes a place with ``UPDATE … SET used = used + 1 WHERE used < capacity``; the check
    constraint is the last line of defence should any code path forget the condition.
    """

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        township_id: int
        bookings: pw.ModelSelect[Booking]

    township = pw.ForeignKeyField(Township, backref="visit_capacities", on_delete="CASCADE")
    day = pw.DateField()
    window = pw.CharField(max_length=10)  # WINDOWS
    capacity = pw.IntegerField()
    used = pw.IntegerField(default=0)

    class Meta:
        table_name = "visit_capacity"
        indexes = ((("township", "day", "window"), True),)
        constraints = (pw.Check("used >= 0"), pw.Check("used <= capacity"))


class Booking(TimestampedModel, Versioned):
    """A request for a home visit to a client, and what the township decided about it."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        client_id: int | None
        application_id: int | None
        township_id: int
        resident_id: int | None
        capacity_id: int | None
        decided_by_id: int | None
        visits: pw.ModelSelect[Visit]

    # A client's visit; or a doorstep visit (上门办理) for an application, whose applicant may not
    # be a registered client yet (then ``client`` is NULL and the application says who and where).
    client = pw.ForeignKeyField(Client, null=True, backref="bookings", on_delete="CASCADE")
    application = pw.ForeignKeyField(Application, null=True, backref="doorstep_bookings",
                                     on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    township = pw.ForeignKeyField(Township, backref="bookings", on_delete="CASCADE")
    kind = pw.CharField(max_length=20)  # VISIT_KINDS
    status = pw.CharField(max_length=12, default="pending", index=True)  # BOOKING_STATUSES
    # "client_id:kind" while the booking is active, NULL afterwards: the unique index makes
    # "one active booking per client and kind" a database rule (NULLs never collide).
    active_key = pw.CharField(max_length=60, null=True, unique=True)
    requested_by_kind = pw.CharField(max_length=10)  # resident | staff
    requested_by_id = pw.IntegerField()
    resident = pw.ForeignKeyField(Resident, null=True, backref="bookings", on_delete="SET NULL")
    preferred = JSONField(default=list)  # [{date, window, start, end}]
    reason = pw.TextField(default="")
    contact_name = pw.CharField(max_length=50, default="")
    contact_phone_enc = pw.TextField(null=True)
    contact_phone_masked = pw.CharField(max_length=11, null=True)
    scheduled_date = pw.DateField(null=True, index=True)
    scheduled_window = pw.CharField(max_length=10, null=True)
    scheduled_start = pw.TimeField(null=True)
    scheduled_end = pw.TimeField(null=True)
    capacity = pw.ForeignKeyField(VisitCapacity, null=True, backref="bookings",
                                  on_delete="SET NULL")
    decision_reason = pw.TextField(null=True)
    decided_by = pw.ForeignKeyField(StaffAccount, null=True, backref="decided_bookings",
                                    on_delete="SET NULL")
    decided_at = pw.DateTimeField(null=True)
    cancel_reason = pw.TextField(null=True)
    # Filled in by the planner (#5) once the day is planned: the resident sees it.
    arrival_start = pw.DateTimeField(null=True)
    arrival_end = pw.DateTimeField(null=True)

    @property
    def person_name(self) -> str:
        """Whom the visit is for: the client, or the applicant of a doorstep visit."""
        if self.client is not None:
            return str(self.client.name)
        assert self.application is not None, "a booking is for a client or an application"
        return str(self.application.applicant_name)


class CareVisit(TimestampedModel):
    """A recurring (care-plan) visit that fell due for a client under a care rule."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        client_id: int
        township_id: int
        visits: pw.ModelSelect[Visit]

    client = pw.ForeignKeyField(Client, backref="care_visits", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    township = pw.ForeignKeyField(Township, backref="care_visits", on_delete="CASCADE")
    rule = pw.CharField(max_length=40)  # category code, or festival rule key
    kind = pw.CharField(max_length=20)  # VISIT_KINDS
    due_date = pw.DateField()
    earliest_date = pw.DateField()
    latest_date = pw.DateField(index=True)
    duration_minutes = pw.IntegerField()
    required_skills = JSONField(default=list)
    status = pw.CharField(max_length=10, default="due", index=True)  # due | done
    is_overdue = pw.BooleanField(default=False)
    done_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "care_visit"
        # The nightly job may run twice: the same rule cannot fall due twice on one date.
        indexes = ((("client", "rule", "due_date"), True),)


class Visit(TimestampedModel):
    """What happened at a client's door: check-in, check-out, services, or why it was missed."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        client_id: int | None
        worker_id: int
        booking_id: int | None
        care_visit_id: int | None
        photos: pw.ModelSelect[VisitPhoto]

    # NULL for a doorstep visit to an applicant who is not a registered client (see Booking).
    client = pw.ForeignKeyField(Client, null=True, backref="visits", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    worker = pw.ForeignKeyField(StaffAccount, backref="visits", on_delete="RESTRICT")
    booking = pw.ForeignKeyField(Booking, null=True, unique=True, backref="visits",
                                 on_delete="SET NULL")
    care_visit = pw.ForeignKeyField(CareVisit, null=True, backref="visits", on_delete="SET NULL")
    kind = pw.CharField(max_length=20)
    status = pw.CharField(max_length=12, default="in_progress")  # in_progress|completed|missed
    # "booking:12" / "care:5" while the visit is under way, NULL after: the unique index makes
    # "one check-in at a time per booking or care visit" a database rule.
    open_key = pw.CharField(max_length=30, null=True, unique=True)
    check_in_at = pw.DateTimeField()
    check_in_lat = pw.DoubleField(null=True)
    check_in_lng = pw.DoubleField(null=True)
    check_in_distance_m = pw.IntegerField(null=True)
    check_out_at = pw.DateTimeField(null=True)
    check_out_lat = pw.DoubleField(null=True)
    check_out_lng = pw.DoubleField(null=True)
    check_out_distance_m = pw.IntegerField(null=True)
    services = JSONField(default=list)  # VISIT_SERVICES
    notes = pw.TextField(default="")
    follow_up_needed = pw.BooleanField(default=False)
    missed_reason = pw.CharField(max_length=10, null=True)  # MISSED_REASONS

    @property
    def person_name(self) -> str:
        """Whom the visit was for: the client, or the applicant of a doorstep visit."""
        if self.client is not None:
            return str(self.client.name)
        assert self.booking is not None, "a visit without a client is a doorstep booking's"
        return self.booking.person_name


class VisitPhoto(BaseModel):
    """A photo taken at a visit: type sniffed from content, stored content-addressed."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        visit_id: int

    visit = pw.ForeignKeyField(Visit, backref="photos", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    content_type = pw.CharField(max_length=40)
    size_bytes = pw.IntegerField()
    sha256 = pw.CharField(max_length=64)
    storage_name = pw.CharField(max_length=120)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        table_name = "visit_photo"
