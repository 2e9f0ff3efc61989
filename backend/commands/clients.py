"""Commands for the client registry: registering a client and editing their record."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from backend.commands import UNSET, Unset


@dataclass(frozen=True)
class CategoryEntry:
    """One category a client belongs to (a special-care client also names their subtype)."""

    category: str
    subtype: str | None = None
    since: date | None = None
    benefit_fen: int | None = None


@dataclass(frozen=True)
class RegisterClient:
    """Register a client in a village; the ID number is encrypted, phones too."""

    name: str
    id_number: str
    village_id: int
    address: str
    lat: float | None = None  # None: the village's position
    lng: float | None = None
    phone: str | None = None
    household_code: str | None = None
    household_size: int = 1
    guardian_name: str | None = None
    guardian_relation: str | None = None
    guardian_phone: str | None = None
    categories: tuple[CategoryEntry, ...] = ()
    two_worker_flag: str | None = None  # care_plans.two_worker_flags(): visits need two
    notes: str = ""


@dataclass(frozen=True)
class EditClient:
    """Change what was sent of a client's record; ``None`` clears a value that may be empty."""

    name: str | Unset = UNSET
    address: str | Unset = UNSET
    lat: float | Unset = UNSET
    lng: float | Unset = UNSET
    phone: str | Unset | None = UNSET
    household_code: str | Unset | None = UNSET
    household_size: int | Unset = UNSET
    guardian_name: str | Unset | None = UNSET
    guardian_relation: str | Unset | None = UNSET
    guardian_phone: str | Unset | None = UNSET
    categories: tuple[CategoryEntry, ...] | Unset = UNSET  # replaces them all
    two_worker_flag: str | Unset | None = UNSET
    notes: str | Unset = UNSET
    reason: str | None = None  # why, for the audit trail; not a change itself
