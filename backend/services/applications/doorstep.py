"""Door-to-door (上门办理): a doorstep visit booked for an application, whose record closes it.

A village coordinator books a ``doorstep_service`` visit for an open application in their
village, also when the applicant is not a registered client yet; the township decides it and a
social worker goes, like any booking. The application's doorstep step (代办 at the door) opens
when it is booked and closes with the visit's record: done when the worker checks out, missed
(and bookable again) when nobody was met.
"""

from __future__ import annotations

import peewee as pw

from backend import audit, outbox
from backend.errors import Conflict, PermissionDenied, ValidationFailed
from backend.models import Application, Booking, Role
from backend.models.applications import OPEN_STATUSES, DoorstepStatus
from backend.permissions import Actor, get_scoped
from backend.services.applications import _shared
from backend.services.applications._shared import step

DOORSTEP_KIND = "doorstep_service"


def application_for_booking(application_id: int, kind: str, *, actor: Actor) -> Application:
    """The open application in the coordinator's village a doorstep visit is booked for."""
    if actor.role != Role.COORDINATOR:
        raise PermissionDenied("上门办理由村（居）民政协管员预约", code="doorstep_by_coordinator")
    if kind != DOORSTEP_KIND:
        raise ValidationFailed("为申请预约的只能是上门办理（doorstep_service）",
                               code="doorstep_kind_required", errors={"kind": [DOORSTEP_KIND]})
    application = get_scoped(Application, application_id, Application.area_code, actor)
    if application.status not in OPEN_STATUSES:
        raise Conflict("该申请已办结，无需上门办理", code="already_decided")
    return application


def own_applications(actor: Actor) -> pw.ModelSelect[Application]:
    """The ids of the applications a resident filed (their doorstep bookings are theirs too)."""
    return Application.select(Application.id).where(Application.resident == actor.id)


def record_booked(application: Application, booking: Booking, actor: Actor) -> None:
    """Open the application's doorstep step: booked, on its timeline."""
    before = application.doorstep_status
    application.doorstep_status, application.doorstep_done_at = DoorstepStatus.BOOKED, None
    application.save()
    step(application, actor, "book_doorstep", comment=booking.reason,
         details={"booking_id": booking.id})
    audit.record(actor=actor, action="application.book_doorstep", entity="application",
                 entity_id=application.id, area_code=application.area_code,
                 changes={"doorstep_status": [before, DoorstepStatus.BOOKED],
                          "booking_id": [None, booking.id]})


def record_visit(booking: Booking, visit_id: int, *, done: bool, actor: Actor) -> None:
    """Close the doorstep step with the visit's record: done, or missed (book again)."""
    if booking.application_id is None:
        return
    application = Application.get_by_id(booking.application_id)
    before = application.doorstep_status
    if done:
        application.doorstep_status = DoorstepStatus.DONE
        application.doorstep_done_at = _shared.now()
    else:
        application.doorstep_status = DoorstepStatus.MISSED
    application.save()
    action = "doorstep_done" if done else "doorstep_missed"
    step(application, actor, action, details={"booking_id": booking.id, "visit_id": visit_id})
    audit.record(actor=actor, action=f"application.{action}", entity="application",
                 entity_id=application.id, area_code=application.area_code,
                 changes={"doorstep_status": [before, application.doorstep_status]})
    outbox.emit(f"application.{action}", application_id=application.id, visit_id=visit_id)
