"""The booking inbox: pending home-visit requests beside a calendar of places per half-day,
where a clerk approves, rejects with a reason or proposes another date."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend import content_checks
from backend.commands.bookings import (
    ApproveBooking,
    Decision,
    ProposeBookingDate,
    RejectBooking,
)
from backend.errors import DomainError
from backend.models import Booking, BookingStatus, StaffAccount
from backend.models.visits import WINDOWS
from backend.permissions import require
from backend.services import bookings

DECISION_LABELS = {"approve": "同意", "reject": "不予安排", "propose": "建议改期"}


def _calendar(township_id: int | None) -> list[Any]:
    if township_id is None:
        return []
    return bookings.available_dates(township_id, actor=g.actor)


def inbox(errors: dict[int, dict[str, str]] | None = None, status: int = 200
          ) -> ResponseReturnValue:
    """Pending bookings, oldest first, and the coming days' places."""
    require(g.actor, "bookings.decide")
    staff = StaffAccount.get_by_id(g.actor.id)
    pending = list(bookings.list_bookings(actor=g.actor, status=BookingStatus.PENDING)
                   .order_by(Booking.id).limit(100))
    return render_template("console/desk/bookings.html", pending=pending,
                           reason_flags=content_checks.latest_flags(
                               "booking", [booking.id for booking in pending]),
                           calendar=_calendar(staff.township_id), windows=WINDOWS,
                           decisions=DECISION_LABELS, errors=errors or {},
                           form=request.form), status


def _decision(form: Any) -> tuple[Decision | None, dict[str, str]]:
    """The command a form's decision names, or what is wrong with the form, field by field."""
    decision, errors = form.get("decision", ""), {}
    if decision not in DECISION_LABELS:
        errors["decision"] = "请选择同意、不予安排或建议改期"
    reason = form.get("reason", "").strip() or None
    if decision == "reject" and not reason:
        errors["reason"] = "不予安排须说明原因"
    day, window = None, None
    if form.get("date"):
        try:
            day = date.fromisoformat(form["date"])
        except ValueError:
            errors["date"] = "日期格式应为 2026-12-08"
        window = form.get("window") or None
    elif decision == "propose":
        errors["date"] = "建议改期须给出日期"
    if errors:
        return None, errors
    if decision == "reject":
        return RejectBooking(reason=reason), errors
    scheduling = ApproveBooking if decision == "approve" else ProposeBookingDate
    return scheduling(date=day, window=window, reason=reason), errors


def decide(booking_id: int) -> ResponseReturnValue:
    """Record the clerk's decision; on a refusal show it beside the form."""
    cmd, errors = _decision(request.form)
    if cmd is not None:
        try:
            booking = bookings.DECISIONS[type(cmd)](booking_id, cmd, actor=g.actor)
        except DomainError as exc:
            if exc.code in ("not_found", "booking_not_found"):
                raise
            errors["decision"] = exc.message
        else:
            label = DECISION_LABELS[request.form["decision"]]
            flash(f"已{label}：{booking.person_name}的预约", "info")
            return redirect(url_for("console.bookings"))
    return inbox({booking_id: errors}, 422)


def register(blueprint: Blueprint) -> None:
    """The inbox and its decisions."""
    blueprint.add_url_rule("/bookings", "bookings", inbox)
    blueprint.add_url_rule("/bookings/<int:booking_id>/decision", "booking_decision", decide,
                           methods=["POST"])
