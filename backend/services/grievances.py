"""Complaints and requests (诉求, 畅通群众诉求渠道): filed by residents, owned, answered in time.

A grievance lands in the scope of what it is about (the application's or visit's village, the
staff member's area, or the village the resident names) and gets an owner at once: a township
staff member, never the person it is about. It is due a number of working days later (the
standards' ``grievance_reply_working_days``); a late one is handed to the township head, then to
the city bureau, each with more days (``grievance_escalation_working_days``), by a nightly job.
The answer reaches the resident's inbox through the outbox, and the resident may rate it.
"""

from __future__ import annotations

from datetime import date
from typing import BinaryIO

import peewee as pw

from backend import audit, content_checks, outbox, storage, workflows
from backend.commands.grievances import FileGrievance, RateGrievance, ResolveGrievance
from backend.db import db
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.models import (
    Booking,
    ClientContact,
    Grievance,
    GrievanceEscalation,
    GrievancePhoto,
    StaffAccount,
    Village,
    Visit,
    utcnow,
)
from backend.models.grievances import GrievanceLevel, GrievanceStatus, GrievanceSubject
from backend.permissions import Actor, require, scoped
from backend.services.applications import _shared
from backend.services.supervision import standards_book
from backend.unit_of_work import unit_of_work

MAX_PHOTOS = 9  # what one WeChat image picker hands over at once
_NEXT_LEVEL = {GrievanceLevel.TOWNSHIP: GrievanceLevel.TOWNSHIP_HEAD,
               GrievanceLevel.TOWNSHIP_HEAD: GrievanceLevel.CITY}
_NEEDS = {GrievanceSubject.APPLICATION: "application_id", GrievanceSubject.VISIT: "visit_id",
          GrievanceSubject.STAFF: "staff_id", GrievanceSubject.OTHER: "village_id"}


def today() -> date:
    """The city's day (the applications' clock, which tests move)."""
    return _shared.today()


# Where a grievance belongs ----------------------------------------------------------------


def _visit_of_resident(visit_id: int, actor: Actor) -> Visit:
    linked = ClientContact.select(ClientContact.client).where(ClientContact.resident == actor.id)
    booked = Booking.select(Booking.id).where(Booking.resident == actor.id)
    visit = Visit.select().where(Visit.id == visit_id,
                                 Visit.client.in_(linked) | Visit.booking.in_(booked)).first()
    if visit is None:
        raise NotFound("未找到该探访记录", code="visit_not_found")
    return visit


def _area_of(command: FileGrievance, actor: Actor) -> tuple[str, dict[str, int | None]]:
    """The grievance's scope and the link to its subject, checking the resident may name it."""
    subject = command.subject
    given = {name: getattr(command, name) for name in _NEEDS.values()
             if getattr(command, name) is not None}
    needed = _NEEDS[GrievanceSubject(subject)]
    if set(given) != {needed}:
        raise ValidationFailed(f"请只填写 {needed}（与诉求对象对应的编号）",
                               code="grievance_subject_mismatch",
                               errors={needed: ["必填"], **{k: ["不应填写"] for k in given
                                                          if k != needed}})
    if subject == GrievanceSubject.APPLICATION:
        application = _shared.get_visible(given[needed], actor)
        return application.area_code, {"application": application.id}
    if subject == GrievanceSubject.VISIT:
        visit = _visit_of_resident(given[needed], actor)
        return visit.area_code, {"visit": visit.id}
    if subject == GrievanceSubject.STAFF:
        staff = StaffAccount.get_or_none(StaffAccount.id == given[needed],
                                         StaffAccount.is_active == True)  # noqa: E712
        if staff is None:
            raise NotFound("未找到该工作人员", code="staff_not_found")
        return staff.area_code, {"subject_staff": staff.id}
    village = Village.get_or_none(Village.id == given[needed])
    if village is None:
        raise ValidationFailed("所选村（社区）不存在", code="unknown_village")
    return village.code, {"village": village.id}


def _active(role: str) -> pw.ModelSelect[StaffAccount]:
    return StaffAccount.select().where(StaffAccount.role == role,
                                       StaffAccount.is_active == True)  # noqa: E712


def _owner_for(level: str, area_code: str, about: int | None) -> StaffAccount | None:
    """Who owns a grievance at a level: never the staff member it is about."""
    township = area_code[:9]
    if level == GrievanceLevel.CITY:
        city = [admin for admin in _active("city_admin").order_by(StaffAccount.id)
                if area_code.startswith(admin.area_code) and admin.id != about]
        return city[0] if city else None
    if level == GrievanceLevel.TOWNSHIP_HEAD:
        candidates = _active("township_staff").where(StaffAccount.area_code == township,
                                                     StaffAccount.is_head == True)  # noqa: E712
    else:
        open_load = (Grievance.select(pw.fn.COUNT(Grievance.id))
                     .where(Grievance.owner == StaffAccount.id,
                            Grievance.status == GrievanceStatus.OPEN))
        candidates = (_active("township_staff").where(StaffAccount.area_code == township)
                      .order_by(StaffAccount.is_head, open_load, StaffAccount.id))
    if about is not None:
        candidates = candidates.where(StaffAccount.id != about)
    owner = candidates.order_by_extend(StaffAccount.id).first()
    return owner or _owner_for(_NEXT_LEVEL[GrievanceLevel(level)], area_code, about)


def _due(day: date, field: str) -> date:
    days: int = getattr(standards_book().on(day), field)
    return workflows.add_working_days(day, days)


# Filing -----------------------------------------------------------------------------------


def file_grievance(command: FileGrievance, *, actor: Actor) -> Grievance:
    """A resident raises a complaint or request; it gets an owner and a due date at once."""
    require(actor, "grievances.create")
    content = command.content.strip()
    if not content:
        raise ValidationFailed("请写明诉求内容", code="content_required",
                               errors={"content": ["必填"]})
    screenings = content_checks.screen_text({"content": content}, actor=actor,
                                            scene=content_checks.Scene.COMMENT)
    with db.atomic():
        area_code, link = _area_of(command, actor)
        owner = _owner_for(GrievanceLevel.TOWNSHIP, area_code, link.get("subject_staff"))
        day = today()
        grievance = Grievance.create(
            reference=_shared.placeholder_reference(), resident=actor.id,
            subject=command.subject, area_code=area_code, content=content,
            owner=owner.id if owner else None, due_on=_due(day, "grievance_reply_working_days"),
            level=owner_level(owner), **link)
        grievance.reference = _shared.dated_number("SS", grievance.created_at, grievance.id)
        grievance.save()
        audit.record(actor=actor, action="grievance.file", entity="grievance",
                     entity_id=grievance.id, area_code=area_code,
                     changes={"status": [None, "open"], "owner_id": [None, grievance.owner_id],
                              "due_on": [None, grievance.due_on.isoformat()]})
        content_checks.record_screenings(screenings, subject="grievance", subject_id=grievance.id,
                                         area_code=area_code, actor=actor)
        outbox.emit("grievance.filed", grievance_id=grievance.id)
    return grievance


def owner_level(owner: StaffAccount | None) -> str:
    """The level a first owner stands for: the city when no township staff could take it."""
    if owner is not None and owner.role == "city_admin":
        return GrievanceLevel.CITY
    return GrievanceLevel.TOWNSHIP


def add_grievance_photo(grievance_id: int, stream: BinaryIO, *, actor: Actor) -> GrievancePhoto:
    """Attach a JPEG or PNG to one's own open grievance (at most nine)."""
    require(actor, "grievances.create")
    grievance = get_grievance(grievance_id, actor=actor)
    stored = storage.store_upload(stream, storage.IMAGES, what="照片",
                                  refused="只接受 JPEG、PNG 照片")
    with db.atomic():
        if grievance.status != GrievanceStatus.OPEN:
            raise Conflict("诉求已答复，不能再添加照片", code="grievance_closed")
        if grievance.photos.count() >= MAX_PHOTOS:
            raise Conflict(f"每件诉求最多 {MAX_PHOTOS} 张照片", code="too_many_photos")
        photo = GrievancePhoto.create(grievance=grievance, content_type=stored.content_type,
                                      size_bytes=stored.size_bytes, sha256=stored.sha256,
                                      storage_name=stored.name)
        audit.record(actor=actor, action="grievance.add_photo", entity="grievance",
                     entity_id=grievance.id, changes={"photo_id": [None, photo.id]},
                     area_code=grievance.area_code)
        content_checks.request_media_check(subject="grievance_photo", subject_id=photo.id,
                                           area_code=grievance.area_code, actor=actor)
    return photo


# Reading ----------------------------------------------------------------------------------


def visible_grievances(*, actor: Actor, status: str | None = None
                       ) -> pw.ModelSelect[Grievance]:
    """A resident's own grievances, or those in a staff member's scope not about them."""
    require(actor, "grievances.read")
    if actor.is_resident:
        query = Grievance.select().where(Grievance.resident == actor.id)
    else:
        query = scoped(Grievance.select(), Grievance.area_code, actor).where(
            Grievance.subject_staff.is_null() | (Grievance.subject_staff != actor.id))
    if status is not None:
        query = query.where(Grievance.status == status)
    return query.order_by(Grievance.id.desc())


def get_grievance(grievance_id: int, *, actor: Actor) -> Grievance:
    """One grievance the actor may see, else 404."""
    grievance = visible_grievances(actor=actor).where(Grievance.id == grievance_id).first()
    if grievance is None:
        raise NotFound("未找到该诉求", code="grievance_not_found")
    return grievance


def grievance_photo(grievance_id: int, photo_id: int, *, actor: Actor) -> GrievancePhoto:
    """One photo of a grievance the actor may see, else 404."""
    grievance = get_grievance(grievance_id, actor=actor)
    photo = GrievancePhoto.get_or_none(GrievancePhoto.id == photo_id,
                                       GrievancePhoto.grievance == grievance)
    if photo is None:
        raise NotFound("未找到该照片", code="photo_not_found")
    content_checks.refuse_withdrawn("grievance_photo", photo.id)
    return photo


# Answering --------------------------------------------------------------------------------


def resolve_grievance(grievance_id: int, command: ResolveGrievance, *,
                      actor: Actor) -> Grievance:
    """Answer a grievance (答复); the resident finds the answer in their inbox."""
    require(actor, "grievances.resolve")
    resolution = command.resolution.strip()
    if not resolution:
        raise ValidationFailed("请填写答复内容", code="resolution_required",
                               errors={"resolution": ["必填"]})
    with db.atomic():
        grievance = get_grievance(grievance_id, actor=actor)
        answered = (Grievance.update(status=GrievanceStatus.RESOLVED, resolution=resolution,
                                     resolved_at=utcnow(), resolved_by=actor.id,
                                     updated_at=utcnow())
                    .where(Grievance.id == grievance.id,
                           Grievance.status == GrievanceStatus.OPEN).execute())
        if answered != 1:
            raise Conflict("该诉求已答复", code="grievance_resolved")
        audit.record(actor=actor, action="grievance.resolve", entity="grievance",
                     entity_id=grievance.id, changes={"status": ["open", "resolved"]},
                     reason=resolution, area_code=grievance.area_code)
        outbox.emit("grievance.resolved", grievance_id=grievance.id)
    return Grievance.get_by_id(grievance.id)


def rate_grievance(grievance_id: int, command: RateGrievance, *, actor: Actor) -> Grievance:
    """The resident rates the answer 1–5, once."""
    require(actor, "grievances.rate")
    if not 1 <= command.rating <= 5:
        raise ValidationFailed("评价须为1至5级", code="invalid_rating")
    screenings = content_checks.screen_text({"rating_comment": command.comment}, actor=actor,
                                            scene=content_checks.Scene.COMMENT)
    with db.atomic():
        grievance = get_grievance(grievance_id, actor=actor)
        if grievance.status != GrievanceStatus.RESOLVED:
            raise Conflict("答复后才能评价", code="not_resolved")
        rated = (Grievance.update(rating=command.rating, rating_comment=command.comment,
                                  rated_at=utcnow(), updated_at=utcnow())
                 .where(Grievance.id == grievance.id, Grievance.rating.is_null()).execute())
        if rated != 1:
            raise Conflict("该诉求已评价", code="already_evaluated")
        audit.record(actor=actor, action="grievance.rate", entity="grievance",
                     entity_id=grievance.id, changes={"rating": [None, command.rating]},
                     area_code=grievance.area_code)
        content_checks.record_screenings(screenings, subject="grievance", subject_id=grievance.id,
                                         area_code=grievance.area_code, actor=actor)
        outbox.emit("grievance.rated", grievance_id=grievance.id)
    return Grievance.get_by_id(grievance.id)


# Late grievances --------------------------------------------------------------------------


def escalate_late_grievances(today: date, *, actor: Actor) -> int:
    """Hand every late grievance up one level (township head, then city), once; nightly."""
    require(actor, "grievances.escalate")
    late = (Grievance.select(Grievance.id)
            .where(Grievance.status == GrievanceStatus.OPEN, Grievance.due_on < today,
                   Grievance.level != GrievanceLevel.CITY)
            .order_by(Grievance.due_on, Grievance.id))
    escalated = 0
    for row in late:
        with unit_of_work(actor=actor):  # one unit each: a crash keeps those handed up
            escalated += _escalate(row.id, today, actor)
    return escalated


def _escalate(grievance_id: int, day: date, actor: Actor) -> int:
    grievance = Grievance.get_by_id(grievance_id)
    level = _NEXT_LEVEL[GrievanceLevel(grievance.level)]
    owner = _owner_for(level, grievance.area_code, grievance.subject_staff_id)
    if owner is not None and owner.role == "city_admin":
        level = GrievanceLevel.CITY  # no head to hand it to: straight to the city
    due = _due(day, "grievance_escalation_working_days")
    moved = (Grievance.update(level=level, owner=owner.id if owner else None, due_on=due,
                              updated_at=utcnow())
             .where(Grievance.id == grievance.id, Grievance.level == grievance.level,
                    Grievance.status == GrievanceStatus.OPEN).execute())
    if moved != 1:
        return 0  # answered or handed up meanwhile
    GrievanceEscalation.create(grievance=grievance, level=level,
                               owner=owner.id if owner else None,
                               late_since=grievance.due_on, due_on=due,
                               area_code=grievance.area_code)
    audit.record(actor=actor, action="grievance.escalate", entity="grievance",
                 entity_id=grievance.id, area_code=grievance.area_code,
                 changes={"level": [grievance.level, level],
                          "owner_id": [grievance.owner_id, owner.id if owner else None]},
                 reason=f"答复期限 {grievance.due_on} 已过")
    outbox.emit("grievance.escalated", grievance_id=grievance.id, level=level)
    return 1
