"""Home-visit bookings: ask, read, decide, answer a proposal, cancel; days with places."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.commands.bookings import (
    Decision,
    RequestBooking,
    SetWorkerShift,
)
from backend.services import bookings
from miniprogram_api import etags
from miniprogram_api.extensions import Blueprint, PeeweePage
from miniprogram_api.idempotency import idempotent

from .schemas import (
    AvailableDatesArgsSchema,
    AvailableDateSchema,
    BookingCancelSchema,
    BookingCreateSchema,
    BookingDecisionSchema,
    BookingQueryArgsSchema,
    BookingSchema,
    DayOffCreateSchema,
    DayOffSchema,
    ProposalResponseSchema,
    ShiftSchema,
)

blp = Blueprint("bookings", __name__, url_prefix="/api/v1", description="探访预约")


@blp.route("/bookings")
class Bookings(MethodView):
    """Bookings."""

    @blp.permission("bookings.read", errors=(422,))
    @blp.arguments(BookingQueryArgsSchema, location="query")
    @blp.response(200, BookingSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Your own bookings, or those in your scope (预约列表)."""
        return bookings.list_bookings(actor=g.actor, status=args.get("status"),
                                      client_id=args.get("client_id"),
                                      township_id=args.get("township_id"), day=args.get("date"))

    @blp.permission("bookings.create", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(BookingCreateSchema)
    @blp.response(201, BookingSchema)
    def post(self, cmd: RequestBooking) -> Any:
        """Ask for a home visit to a client you act for (预约探访)."""
        return bookings.create_booking(cmd, actor=g.actor)


@blp.route("/bookings/<int:booking_id>")
class BookingDetail(MethodView):
    """One booking."""

    @blp.permission("bookings.read", errors=(404,))
    @blp.response(200, BookingSchema)
    @blp.versioned("booking")
    def get(self, booking_id: int) -> Any:
        """A booking's status and, once planned, its arrival window (预约详情)."""
        return bookings.get_booking(booking_id, actor=g.actor)


@blp.route("/bookings/<int:booking_id>/decision")
class BookingDecision(MethodView):
    """Township staff's decision."""

    @blp.permission("bookings.decide", errors=(404, 409, 412, 422))
    @blp.arguments(BookingDecisionSchema)
    @blp.response(200, BookingSchema)
    @blp.versioned("booking")
    def post(self, cmd: Decision, booking_id: int) -> Any:
        """Approve, reject or propose another date (审核预约)."""
        return bookings.DECISIONS[type(cmd)](
            booking_id, cmd, actor=g.actor,
            expected_versions=etags.if_match("booking", booking_id))


@blp.route("/bookings/<int:booking_id>/proposal-response")
class ProposalResponse(MethodView):
    """The requester's answer to a proposal."""

    @blp.permission("bookings.respond", errors=(404, 409, 422))
    @blp.arguments(ProposalResponseSchema)
    @blp.response(200, BookingSchema)
    def post(self, data: dict[str, Any], booking_id: int) -> Any:
        """Accept or decline the proposed date (确认改期)."""
        return bookings.respond_to_proposal(booking_id, data["accept"], actor=g.actor)


@blp.route("/bookings/<int:booking_id>/cancel")
class BookingCancel(MethodView):
    """Withdrawing a booking."""

    @blp.permission("bookings.respond", errors=(404, 409, 422))
    @blp.arguments(BookingCancelSchema)
    @blp.response(200, BookingSchema)
    def post(self, data: dict[str, Any], booking_id: int) -> Any:
        """Cancel a booking that has not happened yet (取消预约)."""
        return bookings.cancel_booking(booking_id, data.get("reason"), actor=g.actor)


@blp.route("/townships/<int:township_id>/available-dates")
class AvailableDates(MethodView):
    """Days with places."""

    @blp.permission("availability.read", errors=(404, 422))
    @blp.arguments(AvailableDatesArgsSchema, location="query")
    @blp.response(200, AvailableDateSchema(many=True))
    def get(self, args: dict[str, Any], township_id: int) -> Any:
        """Days from tomorrow that still have places, by window (可预约日期)."""
        return bookings.available_dates(township_id, actor=g.actor, kind=args.get("kind"),
                                        days=args["days"])


@blp.route("/social-workers/<int:worker_id>/days-off")
class WorkerDaysOff(MethodView):
    """A social worker's days off."""

    @blp.permission("workers.manage", errors=(404, 409, 422))
    @blp.arguments(DayOffCreateSchema)
    @blp.response(201, DayOffSchema)
    def post(self, data: dict[str, Any], worker_id: int) -> Any:
        """Record a day a social worker is away; that day offers fewer places (登记社工休息)."""
        return bookings.add_worker_day_off(worker_id, data["day"], data["reason"],
                                           actor=g.actor)


@blp.route("/social-workers/<int:worker_id>/shifts/<int:weekday>")
class WorkerShiftDetail(MethodView):
    """A social worker's hours on one weekday."""

    @blp.permission("workers.manage", errors=(404, 422))
    @blp.arguments(ShiftSchema)
    @blp.response(200, ShiftSchema)
    def put(self, cmd: SetWorkerShift, worker_id: int, weekday: int) -> Any:
        """Set a social worker's hours and lunch break for a weekday (设置社工班次)."""
        return bookings.set_worker_shift(worker_id, weekday, cmd, actor=g.actor)
