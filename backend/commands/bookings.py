"""Commands for home-visit bookings: asking for a visit, staff's decisions, workers' hours."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, time


@dataclass(frozen=True)
class PreferredDate:
    """One date the requester would like, in a half-day window or their own start and end."""

    date: date
    window: str | None = None
    start: time | None = None
    end: time | None = None


@dataclass(frozen=True)
class RequestBooking:
    """Ask for a home visit to a client one acts for, with one to five preferred dates.

    A coordinator may instead book a doorstep visit (上门办理) for an application in their
    village, naming ``application_id``: its applicant need not be a registered client.
    """

    kind: str
    preferred: tuple[PreferredDate, ...]
    client_id: int | None = None
    application_id: int | None = None
    reason: str = ""
    contact_name: str = ""
    contact_phone: str | None = None


@dataclass(frozen=True)
class ApproveBooking:
    """Approve a pending booking on the date given, or else on the first preferred one."""

    date: date | None = None  # None: the requester's preferences, in their order
    window: str | None = None
    start: time | None = None
    end: time | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ProposeBookingDate:
    """Offer the requester another date for a pending booking; they accept or decline it."""

    date: date | None = None  # required: the service says so when it is missing
    window: str | None = None
    start: time | None = None
    end: time | None = None
    reason: str | None = None


@dataclass(frozen=True)
class RejectBooking:
    """Turn a pending booking down, saying why."""

    reason: str | None = None  # required: the service says so when it is missing


# One of staff's three answers to a pending booking; each has its own service.
Decision = ApproveBooking | ProposeBookingDate | RejectBooking


@dataclass(frozen=True)
class SetWorkerShift:
    """A social worker's hours and lunch break on one weekday, or that they do not work it."""

    start: time
    end: time
    lunch_start: time | None = None
    lunch_end: time | None = None
    is_working: bool = True
