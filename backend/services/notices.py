"""The public notice (公示) as the village reads it: what runs now, objections, the board's sheet.

An application in its ``public_notice`` stage is published to its village: anyone may read the
running notices of a village without logging in, with the applicant's name masked (张*明) and
nothing personal beyond the household's size and the proposed amount. A resident may object
while the notice runs; the objection holds the application until staff resolve it (the stage
engine refuses to move on or approve with an objection open). The objector's identity is kept
for staff and never shown to the applicant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import peewee as pw

from backend import audit, content_checks, outbox, pii, workflows
from backend.commands.notices import ObjectToNotice
from backend.db import db
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.models import Application, PublicNoticeObjection, Township, Village
from backend.models.applications import ApplicationStatus
from backend.permissions import PUBLIC, Actor, require
from backend.services.applications import _shared


@dataclass(frozen=True)
class Notice:
    """One running notice as the public reads it."""

    id: int  # the application's id: one notice per application
    reference: str
    name: str  # masked: 张*明
    service_code: str
    service_name: str
    household_size: int
    proposed_benefit_fen: int | None
    started_on: date
    ends_on: date  # the notice's last day, inclusive
    village_id: int
    village_name: str
    township_name: str
    township_phone: str | None


@dataclass(frozen=True)
class Board:
    """A village's notices for its board (公示栏), as one printed sheet."""

    village: Village
    township: Township
    notices: list[Notice]
    printed_on: date


def _running() -> pw.ModelSelect[Application]:
    """Applications whose notice runs today: in the stage, started, and not yet ended."""
    day = _shared.today()
    return (Application.select(Application, Village, Township).join(Village).join(Township)
            .where(Application.status == ApplicationStatus.IN_REVIEW,
                   Application.stage == "public_notice",
                   Application.stage_started_on <= day, Application.notice_ends_on > day))


def _notice(application: Application) -> Notice:
    village, township = application.village, application.village.township
    # _running() only answers applications whose notice has started and has an end.
    assert application.stage_started_on is not None and application.notice_ends_on is not None
    return Notice(
        id=application.id, reference=application.reference,
        name=pii.mask_name_for_public(application.applicant_name),
        service_code=application.service_code,
        service_name=str(workflows.service(application.service_code)["name"]),
        household_size=1 + len(application.household_members or []),
        proposed_benefit_fen=application.proposed_benefit_fen,
        started_on=application.stage_started_on,
        ends_on=application.notice_ends_on - timedelta(days=1),
        village_id=village.id, village_name=village.name, township_name=township.name,
        township_phone=township.phone)


def _village(village_id: int) -> Village:
    village = Village.get_or_none(Village.id == village_id)
    if village is None:
        raise NotFound("未找到该村（社区）", code="village_not_found")
    return village


def list_running_notices(village_id: int, *, actor: Actor | None) -> list[Notice]:
    """The notices running now in a village, oldest first; public, no login needed."""
    require(actor, PUBLIC)
    _village(village_id)
    query = _running().where(Application.village == village_id).order_by(
        Application.stage_started_on, Application.id)
    return [_notice(application) for application in query]


def notice_board(village_id: int) -> Board:
    """A village's running notices with its township, for the printed sheet on its board."""
    village = _village(village_id)
    return Board(village=village, township=village.township,
                 notices=list_running_notices(village_id, actor=None),
                 printed_on=_shared.today())


def object_to_notice(notice_id: int, command: ObjectToNotice, *,
                     actor: Actor) -> PublicNoticeObjection:
    """A resident objects to a running notice (公示异议); approval waits until staff resolve it."""
    require(actor, "notices.object")
    reason = command.reason.strip()
    if not reason:
        raise ValidationFailed("请写明异议理由", code="reason_required",
                               errors={"reason": ["必填"]})
    screenings = content_checks.screen_text({"reason": reason}, actor=actor,
                                            scene=content_checks.Scene.COMMENT)
    with db.atomic():
        application = _running().where(Application.id == notice_id).first()
        if application is None:
            raise NotFound("未找到正在公示的该事项（可能已期满）", code="notice_not_running")
        if PublicNoticeObjection.select().where(
                PublicNoticeObjection.application == application,
                PublicNoticeObjection.raised_by_resident == actor.id,
                PublicNoticeObjection.resolved_at.is_null()).exists():
            raise Conflict("您对该公示的异议尚在处理中", code="objection_pending")
        objection = PublicNoticeObjection.create(application=application, content=reason,
                                                 raised_by_resident=actor.id)
        # The applicant reads the timeline: the step names no objector.
        _shared.step(application, _ANONYMOUS_OBJECTOR, "record_objection", comment=reason,
                     details={"objection_id": objection.id, "from_notice": True})
        audit.record(actor=actor, action="application.record_objection", entity="application",
                     entity_id=application.id, changes={"objection_id": [None, objection.id]},
                     reason=reason, area_code=application.area_code)
        content_checks.record_screenings(screenings, subject="notice_objection",
                                         subject_id=objection.id,
                                         area_code=application.area_code, actor=actor)
        outbox.emit("application.objection_recorded", application_id=application.id,
                    objection_id=objection.id, transition="record_objection",
                    stage="public_notice")
    return objection


_ANONYMOUS_OBJECTOR = Actor(kind="resident", id=None, role="resident", name="公示异议人")
