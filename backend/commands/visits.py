"""Commands for visit records: a social worker checks in, checks out, or records a miss."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CheckIn:
    """Arrive at a client's door for an approved booking or a due care visit (exactly one)."""

    booking_id: int | None = None
    care_visit_id: int | None = None
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class CheckOut:
    """Finish one's open visit with the services delivered and what was seen."""

    services: tuple[str, ...] = ()
    notes: str = ""
    follow_up_needed: bool = False
    lat: float | None = None
    lng: float | None = None


@dataclass(frozen=True)
class MarkMissed:
    """Close one's open visit as not having happened, with the reason."""

    reason: str
    notes: str = ""
