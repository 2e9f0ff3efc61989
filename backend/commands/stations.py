"""What changing a service station and paying its coordinator take."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date


@dataclass(frozen=True)
class UpdateStation:
    """A station's sign, place and five elements (五有); ``None`` leaves a field as it is."""

    sign: str | None = None
    place: str | None = None
    has_person: bool | None = None
    has_sign: bool | None = None
    has_place: bool | None = None
    has_rules: bool | None = None
    has_ledger: bool | None = None


@dataclass(frozen=True)
class RecordAllowancePayment:
    """One month's allowance paid to a coordinator; the amount defaults to theirs."""

    coordinator_id: int
    month: str  # 2026-11
    paid_on: date
    amount_fen: int | None = None
