"""Visits: social workers' days, the candidates the planner routes, visit records, case files.

``list_visit_candidates`` and ``list_workers_for_day`` answer plain dataclasses; the planner (#5)
turns them into a scheduler problem without knowing about the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any, BinaryIO

import peewee as pw

from backend import audit, outbox, storage, workflows
from backend.commands.visits import CheckIn, CheckOut, MarkMissed
from backend.db import db
from backend.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
)
from backend.models import (
    Application,
    ApplicationStep,
    Booking,
    CareVisit,
    Client,
    StaffAccount,
    Township,
    Visit,
    VisitPhoto,
    WorkerDayOff,
    WorkerShift,
    utcnow,
)
from backend.models.visits import MISSED_REASONS, VISIT_SERVICES
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services import care_plans, visit_rules
from backend.services.applications import ACTION_LABELS, doorstep
from scheduler import travel

# Default hours when a worker has no shift row for a weekday: Mon–Fri 08:30–17:30, lunch
# 12:00–13:30 (the office's hours); Saturday and Sunday off.
DEFAULT_SHIFT = (time(8, 30), time(17, 30), time(12, 0), time(13, 30))
WORKING_WEEKDAYS = frozenset(range(5))


def seconds(moment: time) -> int:
    """Seconds since midnight."""
    return moment.hour * 3600 + moment.minute * 60 + moment.second


@dataclass(frozen=True)
class WorkerDay:
    """One social worker's working day: hours, lunch, skills, where the day starts."""

    worker_id: int
    name: str
    shift_start_s: int
    shift_end_s: int
    lunch_start_s: int | None
    lunch_end_s: int | None
    skills: tuple[str, ...]
    start_lat: float
    start_lng: float


@dataclass(frozen=True)
class VisitCandidate:
    """A visit the planner may route on a day."""

    key: str  # "booking:12" or "care:5": stable across re-plans
    source: str  # booking | care_visit
    source_id: int
    client_id: int | None  # None: a doorstep visit to an applicant not yet a client
    area_code: str
    kind: str
    lat: float
    lng: float
    windows: tuple[tuple[int, int], ...]  # seconds since midnight
    duration_s: int
    priority: str  # urgent | overdue | due | optional
    required_skills: tuple[str, ...]
    preferred_worker_id: int | None


def _worker_day(worker: StaffAccount, day: date, township: Township) -> WorkerDay | None:
    if WorkerDayOff.select().where(WorkerDayOff.worker == worker, WorkerDayOff.day == day).exists():
        return None
    shift = WorkerShift.get_or_none(WorkerShift.worker == worker,
                                    WorkerShift.weekday == day.weekday())
    lunch_start: time | None
    lunch_end: time | None
    if shift is None:
        if day.weekday() not in WORKING_WEEKDAYS:
            return None
        start, end, lunch_start, lunch_end = DEFAULT_SHIFT
    elif not shift.is_working:
        return None
    else:
        start, end, lunch_start, lunch_end = (shift.start, shift.end, shift.lunch_start,
                                              shift.lunch_end)
    skills = set(worker.skills or [])
    if worker.sex == "female":
        skills.add(care_plans.FEMALE_SKILL)
    return WorkerDay(worker_id=worker.id, name=worker.name, shift_start_s=seconds(start),
                     shift_end_s=seconds(end),
                     lunch_start_s=seconds(lunch_start) if lunch_start else None,
                     lunch_end_s=seconds(lunch_end) if lunch_end else None,
                     skills=tuple(sorted(skills)), start_lat=township.lat,
                     start_lng=township.lng)


def list_workers_for_day(township_id: int, day: date) -> list[WorkerDay]:
    """The township's social workers on duty that day, with their hours and skills."""
    township = Township.get_or_none(Township.id == township_id)
    if township is None:
        raise NotFound("未找到该乡镇", code="township_not_found")
    workers = (StaffAccount.select()
               .where(StaffAccount.township == township, StaffAccount.role == "social_worker",
                      StaffAccount.is_active == True)  # noqa: E712
               .order_by(StaffAccount.id))
    days = (_worker_day(worker, day, township) for worker in workers)
    return [worker_day for worker_day in days if worker_day is not None]


def booking_windows(booking: Booking) -> tuple[tuple[int, int], ...]:
    """The time window a booking was promised, in seconds since midnight."""
    if booking.scheduled_start and booking.scheduled_end:
        return ((seconds(booking.scheduled_start), seconds(booking.scheduled_end)),)
    start, end, lunch_start, lunch_end = DEFAULT_SHIFT
    if booking.scheduled_window == "morning":
        return ((seconds(start), seconds(lunch_start)),)
    return ((seconds(lunch_end), seconds(end)),)


def _care_priority(care_visit: CareVisit, day: date) -> str:
    if day > care_visit.latest_date:
        return "overdue"
    return "due" if day >= care_visit.due_date else "optional"


def list_visit_candidates(township_id: int, day: date, *, actor: Actor) -> list[VisitCandidate]:
    """Every approved booking of the day and every care visit due by then, for the planner."""
    require(actor, "care_visits.read")
    township = get_scoped(Township, township_id, Township.code, actor)
    candidates = []
    bookings = (scoped(Booking.select(Booking, Client).join(Client, pw.JOIN.LEFT_OUTER),
                       Booking.area_code, actor)
                .where(Booking.township == township, Booking.status == "approved",
                       Booking.scheduled_date == day).order_by(Booking.id))
    for booking in bookings:
        lat, lng = _door(booking)
        candidates.append(VisitCandidate(
            key=f"booking:{booking.id}", source="booking", source_id=booking.id,
            client_id=booking.client_id, area_code=booking.area_code, kind=booking.kind,
            lat=lat, lng=lng, windows=booking_windows(booking),
            duration_s=care_plans.kind_duration_minutes(booking.kind) * 60,
            # A date promised to a resident must be kept: it outranks every care visit.
            priority="urgent", required_skills=care_plans.kind_skills(booking.kind),
            preferred_worker_id=booking.client.usual_worker_id if booking.client else None))
    start, end, _, _ = DEFAULT_SHIFT
    care = (scoped(CareVisit.select(CareVisit, Client).join(Client), CareVisit.area_code, actor)
            .where(CareVisit.township == township, CareVisit.status == "due",
                   CareVisit.earliest_date <= day).order_by(CareVisit.latest_date, CareVisit.id))
    for care_visit in care:
        client = care_visit.client
        candidates.append(VisitCandidate(
            key=f"care:{care_visit.id}", source="care_visit", source_id=care_visit.id,
            client_id=client.id, area_code=care_visit.area_code, kind=care_visit.kind,
            lat=client.lat, lng=client.lng, windows=((seconds(start), seconds(end)),),
            duration_s=care_visit.duration_minutes * 60, priority=_care_priority(care_visit, day),
            required_skills=tuple(care_visit.required_skills),
            preferred_worker_id=client.usual_worker_id))
    return candidates


def haversine_m(lat1: float, lng1: float, lat2: float, lng2: float) -> int:
    """Great-circle distance in whole metres (the planner's own formula)."""
    return round(travel.haversine_m((lat1, lng1), (lat2, lng2)))


def _door(source: Visit | Booking | CareVisit) -> tuple[float, float]:
    """Where the visit happens: the client's home, or the applicant's village (上门办理)."""
    client = source.client
    if client is not None:
        return client.lat, client.lng
    booking = source.booking if isinstance(source, Visit) else source
    assert isinstance(booking, Booking) and booking.application is not None
    village = booking.application.village
    return village.lat, village.lng


def _distance(door: tuple[float, float], lat: float | None, lng: float | None) -> int | None:
    if lat is None or lng is None:
        return None
    return haversine_m(door[0], door[1], lat, lng)


def _visit_target(cmd: CheckIn, actor: Actor) -> tuple[Client | None, Booking | None,
                                                       CareVisit | None, str]:
    booking_id, care_visit_id = cmd.booking_id, cmd.care_visit_id
    if (booking_id is None) == (care_visit_id is None):
        raise ValidationFailed("须且只能指定预约或定期探访之一", code="visit_target_required")
    if booking_id is not None:
        booking = get_scoped(Booking, booking_id, Booking.area_code, actor)
        if booking.status != "approved":
            raise Conflict("该预约尚未安排，不能签到", code="booking_not_approved")
        return booking.client, booking, None, booking.kind
    care_visit = get_scoped(CareVisit, care_visit_id, CareVisit.area_code, actor)
    if care_visit.status != "due":
        raise Conflict("该定期探访已完成", code="care_visit_closed")
    return care_visit.client, None, care_visit, care_visit.kind


def check_in(cmd: CheckIn, *, actor: Actor) -> Visit:
    """A social worker arrives at a client's door for a booking or a due care visit."""
    require(actor, "visits.record")
    with db.atomic():
        client, booking, care_visit, kind = _visit_target(cmd, actor)
        visit_rules.check_day(booking, care_visit)
        key = visit_rules.open_key(booking, care_visit)
        if Visit.select().where(Visit.open_key == key).exists():
            raise visit_rules.already_under_way()
        lat, lng = cmd.lat, cmd.lng
        source = booking or care_visit
        assert source is not None
        try:
            with db.atomic():  # a savepoint: a check-in racing this one loses cleanly
                visit = Visit.create(client=client, area_code=source.area_code, worker=actor.id,
                                     booking=booking, care_visit=care_visit, kind=kind,
                                     open_key=key, check_in_at=utcnow(), check_in_lat=lat,
                                     check_in_lng=lng,
                                     check_in_distance_m=_distance(_door(source), lat, lng))
        except pw.IntegrityError:
            raise visit_rules.already_under_way() from None
        audit.record(actor=actor, action="visit.check_in", entity="visit", entity_id=visit.id,
                     changes={"status": [None, "in_progress"],
                              "distance_m": [None, visit.check_in_distance_m]},
                     area_code=visit.area_code)
        outbox.emit("visit.checked_in", visit_id=visit.id, client_id=visit.client_id)
    return visit


def _own_open_visit(visit_id: int, actor: Actor) -> Visit:
    visit = get_scoped(Visit, visit_id, Visit.area_code, actor)
    if visit.worker_id != actor.id:
        raise NotFound()
    if visit.status != "in_progress":
        raise Conflict("该探访已结束", code="visit_closed")
    return visit


def _close_source(visit: Visit, booking_status: str, when: datetime, actor: Actor) -> None:
    if visit.booking is not None:
        (Booking.update(status=booking_status, active_key=None, updated_at=when,
                        version=Booking.version + 1)
         .where(Booking.id == visit.booking_id).execute())
        doorstep.record_visit(visit.booking, visit.id, done=booking_status == "done",
                              actor=actor)
    if visit.care_visit is not None and booking_status == "done":
        care_plans.mark_care_visit_done(visit.care_visit, when)


def check_out(visit_id: int, cmd: CheckOut, *, actor: Actor) -> Visit:
    """Finish a visit with what was done; it closes its booking or care visit."""
    require(actor, "visits.record")
    unknown = set(cmd.services) - set(VISIT_SERVICES)
    if unknown:
        raise ValidationFailed(f"未知的服务内容: {', '.join(sorted(unknown))}",
                               code="unknown_service")
    with db.atomic():
        visit = _own_open_visit(visit_id, actor)
        lat, lng = cmd.lat, cmd.lng
        now = utcnow()
        visit.status, visit.check_out_at, visit.open_key = "completed", now, None
        visit.check_out_lat, visit.check_out_lng = lat, lng
        visit.check_out_distance_m = _distance(_door(visit), lat, lng)
        visit.services = sorted(set(cmd.services))
        visit.notes = cmd.notes
        visit.follow_up_needed = cmd.follow_up_needed
        visit.touch()
        visit.save()
        _close_source(visit, "done", now, actor)
        # Continuity: the worker who last visited is the client's usual worker from now on.
        if visit.client_id is not None:
            Client.update(usual_worker=actor.id, version=Client.version + 1).where(
                Client.id == visit.client_id).execute()
        audit.record(actor=actor, action="visit.check_out", entity="visit", entity_id=visit.id,
                     changes={"status": ["in_progress", "completed"],
                              "services": [None, visit.services]})
        outbox.emit("visit.completed", visit_id=visit.id, client_id=visit.client_id)
    return visit


def mark_missed(visit_id: int, cmd: MarkMissed, *, actor: Actor) -> Visit:
    """Record that a visit did not happen, and why; a care visit stays due."""
    require(actor, "visits.record")
    if cmd.reason not in MISSED_REASONS:
        raise ValidationFailed("未知的未遇原因", code="unknown_missed_reason")
    with db.atomic():
        visit = _own_open_visit(visit_id, actor)
        now = utcnow()
        visit.status, visit.missed_reason, visit.check_out_at = "missed", cmd.reason, now
        visit.open_key = None
        visit.notes = cmd.notes
        visit.touch()
        visit.save()
        _close_source(visit, "missed", now, actor)
        audit.record(actor=actor, action="visit.missed", entity="visit", entity_id=visit.id,
                     changes={"status": ["in_progress", "missed"]}, reason=cmd.reason)
        outbox.emit("visit.missed", visit_id=visit.id, client_id=visit.client_id)
    return visit


def list_visits(*, actor: Actor, client_id: int | None = None,
                worker_id: int | None = None) -> pw.ModelSelect[Visit]:
    """Visit records in the actor's scope, newest first."""
    require(actor, "visits.read")
    query = scoped(Visit.select(), Visit.area_code, actor)
    if client_id is not None:
        query = query.where(Visit.client == client_id)
    if worker_id is not None:
        query = query.where(Visit.worker == worker_id)
    return query.order_by(Visit.check_in_at.desc(), Visit.id.desc())


def get_visit(visit_id: int, *, actor: Actor) -> Visit:
    """One visit record in scope."""
    require(actor, "visits.read")
    return get_scoped(Visit, visit_id, Visit.area_code, actor)


MAX_PHOTOS_PER_VISIT = 9  # what one WeChat image picker hands over at once


def add_visit_photo(visit_id: int, stream: BinaryIO, *, actor: Actor) -> VisitPhoto:
    """Attach a JPEG or PNG to one's own visit record; size and type as for materials."""
    require(actor, "visits.record")
    visit = get_scoped(Visit, visit_id, Visit.area_code, actor)
    if visit.worker_id != actor.id:
        raise NotFound()
    if visit.status != "in_progress":
        raise Conflict("签到后、签退前才能拍照上传", code="visit_not_in_progress")
    stored = storage.store_upload(stream, storage.IMAGES, what="照片",
                                  refused="只接受 JPEG、PNG 照片")
    with db.atomic():
        if VisitPhoto.select().where(VisitPhoto.visit == visit).count() >= MAX_PHOTOS_PER_VISIT:
            raise Conflict(f"每次探访最多 {MAX_PHOTOS_PER_VISIT} 张照片", code="too_many_photos")
        photo = VisitPhoto.create(visit=visit, area_code=visit.area_code,
                                  content_type=stored.content_type, size_bytes=stored.size_bytes,
                                  sha256=stored.sha256, storage_name=stored.name)
        audit.record(actor=actor, action="visit.add_photo", entity="visit", entity_id=visit.id,
                     changes={"photo_id": [None, photo.id]})
        outbox.emit("visit.photo_added", visit_id=visit.id, photo_id=photo.id)
    return photo


@dataclass(frozen=True)
class CaseFileEntry:
    """One event in a client's file."""

    at: datetime
    type: str  # application | decision | booking | care_visit | visit
    id: int
    status: str
    title: str
    detail: dict[str, Any]


def _service_name(code: str) -> str:
    return str(workflows.guide()["services"].get(code, {}).get("name", code))


def _application_entries(client: Client) -> list[CaseFileEntry]:
    """The client's applications and every decision step on them (who, when, why)."""
    entries = []
    applications = Application.select().where(Application.client == client.id)
    for application in applications:
        entries.append(CaseFileEntry(
            at=application.created_at, type="application", id=application.id,
            status=application.status,
            title=f"申请{_service_name(application.service_code)}（{application.reference}）",
            detail={"reference": application.reference, "service_code": application.service_code}))
    steps = (ApplicationStep.select().join(Application)
             .where(Application.client == client.id))
    for step in steps:
        entries.append(CaseFileEntry(
            at=step.created_at, type="decision", id=step.id, status=step.action,
            title=f"{step.actor_name or step.actor_kind}："
                  f"{ACTION_LABELS.get(step.action, step.action)}",
            detail={"application_id": step.application_id, "stage": step.stage,
                    "to_stage": step.to_stage, "comment": step.comment}))
    return entries


def case_file(client_id: int, *, actor: Actor) -> tuple[Client, list[CaseFileEntry]]:
    """A client's applications, bookings, care visits and visit records in time order."""
    require(actor, "case_files.read")
    client = get_scoped(Client, client_id, Client.area_code, actor)
    entries = _application_entries(client)
    kinds = care_plans.visit_kinds()
    for booking in Booking.select().where(Booking.client == client):
        entries.append(CaseFileEntry(
            at=booking.created_at, type="booking", id=booking.id, status=booking.status,
            title=f"预约{kinds[booking.kind]['label']}",
            detail={"kind": booking.kind, "scheduled_date": booking.scheduled_date,
                    "decision_reason": booking.decision_reason}))
    for care_visit in CareVisit.select().where(CareVisit.client == client):
        entries.append(CaseFileEntry(
            at=care_visit.created_at, type="care_visit", id=care_visit.id,
            status=care_visit.status, title=f"定期{kinds[care_visit.kind]['label']}到期",
            detail={"due_date": care_visit.due_date, "latest_date": care_visit.latest_date}))
    for visit in Visit.select().where(Visit.client == client):
        entries.append(CaseFileEntry(
            at=visit.check_in_at, type="visit", id=visit.id, status=visit.status,
            title=f"{kinds[visit.kind]['label']}记录",
            detail={"worker_id": visit.worker_id, "services": visit.services,
                    "notes": visit.notes, "follow_up_needed": visit.follow_up_needed,
                    "missed_reason": visit.missed_reason,
                    "check_out_at": visit.check_out_at}))
    entries.sort(key=lambda entry: (entry.at, entry.type, entry.id))
    return client, entries
