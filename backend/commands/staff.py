"""What staff administration takes: new accounts, edits, a password change."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CreateStaff:
    """A new staff account: its role fixes the scope (city, township or village)."""

    username: str
    name: str
    role: str
    township_id: int | None = None  # township staff, social workers, coordinators
    village_id: int | None = None  # coordinators: their village's service station
    phone: str | None = None
    sex: str | None = None
    skills: tuple[str, ...] = ()
    monthly_allowance_fen: int | None = None  # coordinators; the standard when not given


@dataclass(frozen=True)
class UpdateStaff:
    """Changes to an account; ``None`` leaves a field as it is. ``is_active`` false deactivates."""

    name: str | None = None
    role: str | None = None
    township_id: int | None = None
    village_id: int | None = None
    phone: str | None = None
    sex: str | None = None
    skills: tuple[str, ...] | None = None
    monthly_allowance_fen: int | None = None
    is_active: bool | None = None
    reason: str = ""


@dataclass(frozen=True)
class ChangePassword:
    """The owner's current password and the one they choose."""

    current_password: str
    new_password: str
