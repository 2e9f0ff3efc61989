"""Home-visit bookings: residents and coordinators ask, township staff decide, capacity holds.

Capacity is one row per township, day and window. A place is taken with a conditional
``UPDATE … SET used = used + 1 WHERE used < capacity`` whose row count says whether it worked:
the same on SQLite and PostgreSQL, with no read-then-write gap for a race to slip through.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, time, timedelta
from typing import Any

import peewee as pw

from backend import audit, content_checks, outbox, pii, runtime
from backend.commands.bookings import (
    ApproveBooking,
    PreferredDate,
    ProposeBookingDate,
    RejectBooking,
    RequestBooking,
    SetWorkerShift,
)
from backend.db import db
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.models import (
    Booking,
    Client,
    ClientCategory,
    ClientContact,
    StaffAccount,
    Township,
    Village,
    VisitCapacity,
    WorkerDayOff,
    WorkerShift,
    utcnow,
)
from backend.models.visits import ACTIVE_BOOKING_STATUSES, VISIT_KINDS, WINDOWS
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services import care_plans
from backend.services.applications import doorstep
from backend.services.visits import DEFAULT_SHIFT, WorkerDay, list_workers_for_day, seconds
from backend.versions import ExpectedVersions, hold_version

# Minutes one booked visit takes from a worker's window, travel included: 3 per half day.
VISIT_SLOT_MINUTES = 70
BOOKING_HORIZON_DAYS = 30  # how far ahead residents may ask
AVAILABLE_DATES_DAYS = 14  # how far ahead available-dates looks by default


@dataclass(frozen=True)
class WindowLoad:
    """One window of one day: places and places taken."""

    window: str
    capacity: int
    used: int

    @property
    def free(self) -> int:
        """Places still open."""
        return max(self.capacity - self.used, 0)


@dataclass(frozen=True)
class AvailableDate:
    """A day that still takes bookings."""

    date: date
    windows: tuple[WindowLoad, ...]


def _window_of(start: time) -> str:
    """The capacity window a given start time falls in."""
    return "morning" if start < DEFAULT_SHIFT[2] else "afternoon"


def _places(workers: list[WorkerDay], window: str, kind: str | None = None) -> int:
    """Places a window offers: each worker on duty gives one per slot of their half day."""
    needed = set(care_plans.kind_skills(kind)) if kind else set()
    total = 0
    for worker in workers:
        if not needed <= set(worker.skills):
            continue
        # Without a lunch break the half days still split at the office's lunch hours.
        lunch_start = worker.lunch_start_s or seconds(DEFAULT_SHIFT[2])
        lunch_end = worker.lunch_end_s or seconds(DEFAULT_SHIFT[3])
        span = (min(lunch_start, worker.shift_end_s) - worker.shift_start_s if window == "morning"
                else worker.shift_end_s - max(lunch_end, worker.shift_start_s))
        total += max(span, 0) // (VISIT_SLOT_MINUTES * 60)
    return total


def computed_capacity(township_id: int, day: date, window: str, kind: str | None = None) -> int:
    """Places a window of a day offers, from the social workers' shifts and days off."""
    return _places(list_workers_for_day(township_id, day), window, kind)


def _capacity_row(township_id: int, day: date, window: str) -> VisitCapacity:
    """The window's capacity row, created from the workers' shifts the first time it is needed."""
    (VisitCapacity.insert(township=township_id, day=day, window=window,
                          capacity=computed_capacity(township_id, day, window), used=0)
     .on_conflict_ignore().execute())
    return VisitCapacity.get(VisitCapacity.township == township_id, VisitCapacity.day == day,
                             VisitCapacity.window == window)


def _take_place(township_id: int, day: date, window: str) -> VisitCapacity:
    """Take one place or raise Conflict; the condition in the UPDATE is the whole guard."""
    row = _capacity_row(township_id, day, window)
    taken = (VisitCapacity.update(used=VisitCapacity.used + 1)
             .where(VisitCapacity.id == row.id, VisitCapacity.used < VisitCapacity.capacity)
             .execute())
    if taken != 1:
        raise Conflict(f"{day.isoformat()} {WINDOWS[window]}已约满，请选择其他日期",
                       code="capacity_full")
    return row


def _release_place(capacity_id: int | None) -> None:
    if capacity_id is not None:
        (VisitCapacity.update(used=VisitCapacity.used - 1)
         .where(VisitCapacity.id == capacity_id, VisitCapacity.used > 0).execute())


def available_dates(township_id: int, *, actor: Actor, kind: str | None = None,
                    start: date | None = None, days: int = AVAILABLE_DATES_DAYS
                    ) -> list[AvailableDate]:
    """Days from tomorrow on that still have a free place, window by window."""
    require(actor, "availability.read")
    if kind is not None and kind not in VISIT_KINDS:
        raise ValidationFailed("未知的探访类型", code="unknown_kind")
    if Township.get_or_none(Township.id == township_id) is None:
        raise NotFound("未找到该乡镇", code="township_not_found")
    first = start or care_plans.local_today() + timedelta(days=1)
    last = first + timedelta(days=days - 1)
    stored = {(row.day, row.window): row for row in VisitCapacity.select().where(
        VisitCapacity.township == township_id, VisitCapacity.day.between(first, last))}
    found = []
    for offset in range(days):
        day = first + timedelta(days=offset)
        workers = list_workers_for_day(township_id, day)
        loads = []
        for window in WINDOWS:
            row = stored.get((day, window))
            capacity = row.capacity if row else _places(workers, window)
            # A kind needing a skill is only offered where a worker holding it is on duty.
            if kind and not _places(workers, window, kind):
                continue
            load = WindowLoad(window, capacity, row.used if row else 0)
            if load.free:
                loads.append(load)
        if loads:
            found.append(AvailableDate(day, tuple(loads)))
    return found


def _normalise_preferred(items: tuple[PreferredDate, ...], today: date) -> list[dict[str, Any]]:
    result = []
    for item in items:
        day, start, end = item.date, item.start, item.end
        if not today < day <= today + timedelta(days=BOOKING_HORIZON_DAYS):
            raise ValidationFailed(f"期望日期须在明天起{BOOKING_HORIZON_DAYS}天内",
                                   code="date_out_of_range")
        window = item.window
        if (start is None) != (end is None) or (start and end and start >= end):
            raise ValidationFailed("自定时段须同时给出开始和结束时间，且开始早于结束",
                                   code="invalid_window")
        if start is not None:
            window = window or _window_of(start)
        if window not in WINDOWS:
            raise ValidationFailed("须选择上午、下午或给出具体时段", code="invalid_window")
        result.append({"date": day.isoformat(), "window": window,
                       "start": start.strftime("%H:%M") if start else None,
                       "end": end.strftime("%H:%M") if end else None})
    return result


def _client_for_requester(client_id: int, actor: Actor) -> Client:
    if actor.is_resident:
        client = (Client.select().join(ClientContact)
                  .where(Client.id == client_id, ClientContact.resident == actor.id).first())
        if client is None:
            raise NotFound()
        return client
    return get_scoped(Client, client_id, Client.area_code, actor)


def create_booking(cmd: RequestBooking, *, actor: Actor) -> Booking:
    """Ask for a home visit to a client one acts for, with preferred dates and windows.

    With ``application_id`` a coordinator books a doorstep visit (上门办理) for an application in
    their village instead: for its client, or for an applicant not registered as one yet.
    """
    require(actor, "bookings.create")
    kind = cmd.kind
    if kind not in VISIT_KINDS:
        raise ValidationFailed("未知的探访类型", code="unknown_kind")
    if (cmd.client_id is None) == (cmd.application_id is None):
        raise ValidationFailed("须且只能指定服务对象或申请之一", code="booking_target_required",
                               errors={"client_id": ["二选一"], "application_id": ["二选一"]})
    preferred = _normalise_preferred(cmd.preferred, care_plans.local_today())
    screenings = content_checks.screen_text({"reason": cmd.reason}, actor=actor,
                                            scene=content_checks.Scene.PROFILE)
    with db.atomic():
        if cmd.application_id is not None:
            application = doorstep.application_for_booking(cmd.application_id, kind, actor=actor)
            client, area_code, village_id = (application.client, application.area_code,
                                             application.village_id)
            active_key = f"application:{application.id}:{kind}"
        else:
            assert cmd.client_id is not None  # one of the two, checked above
            application, client = None, _client_for_requester(cmd.client_id, actor)
            area_code, village_id = client.area_code, client.village_id
            active_key = f"{client.id}:{kind}"
        if kind == "condolence_visit" and not ClientCategory.select().where(
                ClientCategory.client == client,
                ClientCategory.category == "special_care").exists():
            raise ValidationFailed("走访慰问仅适用于优抚对象", code="condolence_needs_special_care")
        if Booking.select().where(Booking.active_key == active_key).exists():
            raise Conflict("该服务对象已有同类进行中的预约", code="booking_active")
        village = Village.get_by_id(village_id)
        booking = Booking.create(
            client=client, application=application, area_code=area_code,
            township=village.township_id, kind=kind,
            active_key=active_key, requested_by_kind=actor.kind, requested_by_id=actor.id,
            resident=actor.id if actor.is_resident else None, preferred=preferred,
            reason=cmd.reason, contact_name=cmd.contact_name or (
                application.applicant_name if application else ""))
        phone = cmd.contact_phone
        if phone:
            phone = pii.normalise_phone(phone)
            booking.contact_phone_enc = runtime.vault().encrypt(
                phone, context=f"booking:{booking.id}:contact_phone")
            booking.contact_phone_masked = pii.mask_phone(phone)
            booking.save()
        audit.record(actor=actor, action="booking.create", entity="booking", entity_id=booking.id,
                     changes={"status": [None, "pending"], "kind": [None, kind],
                              "client_id": [None, booking.client_id],
                              "application_id": [None, booking.application_id]},
                     area_code=area_code)
        if application is not None:
            doorstep.record_booked(application, booking, actor)
        content_checks.record_screenings(screenings, subject="booking", subject_id=booking.id,
                                         area_code=area_code, actor=actor)
        outbox.emit("booking.created", booking_id=booking.id, client_id=booking.client_id)
    return booking


def list_bookings(*, actor: Actor, status: str | None = None, client_id: int | None = None,
                  township_id: int | None = None, day: date | None = None
                  ) -> pw.ModelSelect[Booking]:
    """Bookings the actor may see: a resident's own clients', or staff's scope; newest first."""
    require(actor, "bookings.read")
    if actor.is_resident:
        query = Booking.select().where(Booking.client.in_(
            ClientContact.select(ClientContact.client).where(ClientContact.resident == actor.id))
            | Booking.application.in_(doorstep.own_applications(actor)))
    else:
        query = scoped(Booking.select(), Booking.area_code, actor)
    if status:
        query = query.where(Booking.status == status)
    if client_id is not None:
        query = query.where(Booking.client == client_id)
    if township_id is not None:
        query = query.where(Booking.township == township_id)
    if day is not None:
        query = query.where(Booking.scheduled_date == day)
    return query.order_by(Booking.id.desc())


def get_booking(booking_id: int, *, actor: Actor) -> Booking:
    """One booking the actor may see, else 404."""
    require(actor, "bookings.read")
    booking = list_bookings(actor=actor).where(Booking.id == booking_id).first()
    if booking is None:
        raise NotFound("未找到该预约", code="booking_not_found")
    return booking


def _transition(booking: Booking, expected: tuple[str, ...], **changes: Any) -> None:
    """Move a booking on only if nobody else moved it first (a conditional UPDATE)."""
    moved = (Booking.update(updated_at=utcnow(), version=Booking.version + 1, **changes)
             .where(Booking.id == booking.id, Booking.status.in_(expected)).execute())
    if moved != 1:
        raise Conflict("预约状态已变化，请刷新后重试", code="booking_state_changed")
    for field, value in changes.items():
        setattr(booking, field, value)
    booking.version += 1


Slot = tuple[date, str, time | None, time | None]


def _checked_slot(day: date, window: str | None, start: time | None, end: time | None) -> Slot:
    if (start is None) != (end is None) or (start and end and start >= end):
        raise ValidationFailed("自定时段须同时给出开始和结束时间，且开始早于结束",
                               code="invalid_window")
    window = window or (_window_of(start) if start else None)
    if window not in WINDOWS:
        raise ValidationFailed("须选择上午或下午", code="invalid_window")
    if day <= care_plans.local_today():
        raise ValidationFailed("安排日期须晚于今天", code="date_out_of_range")
    return day, window, start, end


def _preferred_slots(booking: Booking) -> list[Slot]:
    """The requester's preferences still ahead, in their order."""
    slots = []
    for item in booking.preferred:
        start = time.fromisoformat(item["start"]) if item.get("start") else None
        end = time.fromisoformat(item["end"]) if item.get("end") else None
        if date.fromisoformat(item["date"]) > care_plans.local_today():
            slots.append(_checked_slot(date.fromisoformat(item["date"]), item["window"],
                                       start, end))
    if not slots:
        raise ValidationFailed("期望日期均已过，请给出安排日期", code="date_required")
    return slots


def _take_first_free(township_id: int, slots: list[Slot]) -> tuple[Slot, VisitCapacity]:
    """Take a place in the first slot that has one; Conflict when all are full."""
    for slot in slots[:-1]:
        try:
            return slot, _take_place(township_id, slot[0], slot[1])
        except Conflict:
            continue  # nothing was written: the conditional UPDATE matched no row
    return slots[-1], _take_place(township_id, slots[-1][0], slots[-1][1])


def _pending_booking(booking_id: int, actor: Actor, expected_versions: ExpectedVersions
                     ) -> Booking:
    """A booking in scope waiting for a decision, at the version the caller decided from;
    Conflict once someone has decided it."""
    booking = get_scoped(Booking, booking_id, Booking.area_code, actor)
    hold_version(booking, expected_versions)
    if booking.status != "pending":
        raise Conflict("该预约已处理", code="booking_already_decided")
    return booking


def _decided(actor: Actor, reason: str | None) -> dict[str, Any]:
    return {"decided_by": actor.id, "decided_at": utcnow(), "decision_reason": reason}


def _schedule(booking: Booking, status: str, slots: list[Slot], reason: str | None,
              actor: Actor) -> None:
    """Approve or propose: move the booking on, then hold a place in the first free slot."""
    _transition(booking, ("pending",), status=status, **_decided(actor, reason))
    (day, window, start, end), row = _take_first_free(booking.township_id, slots)
    _transition(booking, (status,), scheduled_date=day, scheduled_window=window,
                scheduled_start=start, scheduled_end=end, capacity=row.id)


def _record_decision(booking: Booking, decision: str, reason: str | None, actor: Actor) -> None:
    audit.record(actor=actor, action=f"booking.{decision}", entity="booking",
                 entity_id=booking.id,
                 changes={"status": ["pending", booking.status],
                          "scheduled_date": [None, booking.scheduled_date]}, reason=reason)
    outbox.emit(f"booking.{booking.status}", booking_id=booking.id, client_id=booking.client_id)


def approve_booking(booking_id: int, cmd: ApproveBooking, *, actor: Actor,
                    expected_versions: ExpectedVersions = None) -> Booking:
    """Approve a pending booking on the date given, or the first preferred one with a place."""
    require(actor, "bookings.decide")
    with db.atomic():
        booking = _pending_booking(booking_id, actor, expected_versions)
        slots = ([_checked_slot(cmd.date, cmd.window, cmd.start, cmd.end)]
                 if cmd.date is not None else _preferred_slots(booking))
        _schedule(booking, "approved", slots, cmd.reason, actor)
        _record_decision(booking, "approve", cmd.reason, actor)
    return booking


def propose_booking_date(booking_id: int, cmd: ProposeBookingDate, *, actor: Actor,
                         expected_versions: ExpectedVersions = None) -> Booking:
    """Offer another date for a pending booking; it holds a place until the requester answers."""
    require(actor, "bookings.decide")
    with db.atomic():
        booking = _pending_booking(booking_id, actor, expected_versions)
        if cmd.date is None:
            raise ValidationFailed("建议改期须给出日期", code="date_required")
        slot = _checked_slot(cmd.date, cmd.window, cmd.start, cmd.end)
        _schedule(booking, "proposed", [slot], cmd.reason, actor)
        _record_decision(booking, "propose", cmd.reason, actor)
    return booking


def reject_booking(booking_id: int, cmd: RejectBooking, *, actor: Actor,
                   expected_versions: ExpectedVersions = None) -> Booking:
    """Turn down a pending booking, saying why; the client may ask again."""
    require(actor, "bookings.decide")
    if not cmd.reason:
        raise ValidationFailed("不予安排须说明原因", code="reason_required")
    with db.atomic():
        booking = _pending_booking(booking_id, actor, expected_versions)
        _transition(booking, ("pending",), status="rejected", active_key=None,
                    **_decided(actor, cmd.reason))
        _record_decision(booking, "reject", cmd.reason, actor)
    return booking


def _own_booking(booking_id: int, actor: Actor) -> Booking:
    require(actor, "bookings.respond")
    booking = get_booking(booking_id, actor=actor)
    return booking


def respond_to_proposal(booking_id: int, accept: bool, *, actor: Actor) -> Booking:
    """The resident (or coordinator) accepts the proposed date, or declines and ends the booking."""
    with db.atomic():
        booking = _own_booking(booking_id, actor)
        if booking.status != "proposed":
            raise Conflict("该预约没有待确认的改期建议", code="no_proposal")
        if accept:
            _transition(booking, ("proposed",), status="approved")
        else:
            _transition(booking, ("proposed",), status="cancelled", active_key=None,
                        cancel_reason="不接受改期建议")
            _release_place(booking.capacity_id)
        audit.record(actor=actor, action="booking.accept" if accept else "booking.decline",
                     entity="booking", entity_id=booking.id,
                     changes={"status": ["proposed", booking.status]})
        outbox.emit(f"booking.{booking.status}", booking_id=booking.id,
                    client_id=booking.client_id)
    return booking


def cancel_booking(booking_id: int, reason: str | None, *, actor: Actor) -> Booking:
    """Withdraw a booking that has not happened yet; a held place is given back."""
    with db.atomic():
        booking = _own_booking(booking_id, actor)
        if booking.status not in ACTIVE_BOOKING_STATUSES:
            raise Conflict("该预约已结束，不能取消", code="booking_closed")
        before = booking.status
        _transition(booking, ACTIVE_BOOKING_STATUSES, status="cancelled", active_key=None,
                    cancel_reason=reason)
        _release_place(booking.capacity_id)
        audit.record(actor=actor, action="booking.cancel", entity="booking",
                     entity_id=booking.id, changes={"status": [before, "cancelled"]},
                     reason=reason)
        outbox.emit("booking.cancelled", booking_id=booking.id, client_id=booking.client_id)
    return booking



def _refresh_capacity(township_id: int | None, day: date) -> None:
    """Re-derive a day's stored capacity after its workers changed; booked places stay booked."""
    if township_id is None:  # a worker outside any township offers no places
        return
    for row in VisitCapacity.select().where(VisitCapacity.township == township_id,
                                            VisitCapacity.day == day):
        row.capacity = max(computed_capacity(township_id, day, row.window), row.used)
        row.save()


def _social_worker(worker_id: int, actor: Actor) -> StaffAccount:
    worker = get_scoped(StaffAccount, worker_id, StaffAccount.area_code, actor)
    if worker.role != "social_worker" or worker.township_id is None:
        raise NotFound("未找到该社工", code="worker_not_found")
    return worker


def add_worker_day_off(worker_id: int, day: date, reason: str, *, actor: Actor) -> WorkerDayOff:
    """Record a day a social worker is away; that day offers fewer places from now on."""
    require(actor, "workers.manage")
    with db.atomic():
        worker = _social_worker(worker_id, actor)
        if WorkerDayOff.select().where(WorkerDayOff.worker == worker,
                                       WorkerDayOff.day == day).exists():
            raise Conflict("该日已登记休息", code="day_off_exists")
        day_off = WorkerDayOff.create(worker=worker, day=day, reason=reason)
        _refresh_capacity(worker.township_id, day)
        audit.record(actor=actor, action="worker.day_off", entity="staff_account",
                     entity_id=worker.id, changes={"day_off": [None, day.isoformat()]},
                     reason=reason)
        outbox.emit("worker.day_off_added", worker_id=worker.id, day=day.isoformat())
    return day_off


def set_worker_shift(worker_id: int, weekday: int, cmd: SetWorkerShift, *,
                     actor: Actor) -> WorkerShift:
    """Set a social worker's hours for one weekday (or mark it not worked)."""
    require(actor, "workers.manage")
    if not 0 <= weekday <= 6:
        raise ValidationFailed("星期须为0（周一）至6（周日）", code="invalid_weekday")
    start, end, lunch_start, lunch_end = cmd.start, cmd.end, cmd.lunch_start, cmd.lunch_end
    if start >= end or (lunch_start is None) != (lunch_end is None) or (
            lunch_start and lunch_end and not start <= lunch_start < lunch_end <= end):
        raise ValidationFailed("班次时间须先后有序，午休须在班次之内", code="invalid_shift")
    with db.atomic():
        worker = _social_worker(worker_id, actor)
        shift = WorkerShift.get_or_none(WorkerShift.worker == worker,
                                        WorkerShift.weekday == weekday)
        values = {"start": start, "end": end, "lunch_start": lunch_start, "lunch_end": lunch_end,
                  "is_working": cmd.is_working}
        if shift is None:
            shift = WorkerShift.create(worker=worker, weekday=weekday, **values)
        else:
            for field, value in values.items():
                setattr(shift, field, value)
            shift.save()
        # Stored capacity rows of coming days on that weekday follow the new hours.
        coming = (VisitCapacity.select(VisitCapacity.day).distinct()
                  .where(VisitCapacity.township == worker.township_id,
                         VisitCapacity.day > care_plans.local_today()))
        for row in coming:
            if row.day.weekday() == weekday:
                _refresh_capacity(worker.township_id, row.day)
        audit.record(actor=actor, action="worker.shift", entity="staff_account",
                     entity_id=worker.id,
                     changes={f"shift_{weekday}": [None, {k: str(v) for k, v in values.items()}]})
        outbox.emit("worker.shift_changed", worker_id=worker.id, weekday=weekday)
    return shift


# Which verb carries out each decision: the API's decision endpoint and the console's inbox both
# hand their command here.
DECISIONS: dict[type[Any], Callable[..., Booking]] = {
    ApproveBooking: approve_booking,
    ProposeBookingDate: propose_booking_date,
    RejectBooking: reject_booking,
}
