"""Commands for the service guide: the city bureau's edits to a published guide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.commands import UNSET, Unset


@dataclass(frozen=True)
class EditServiceGuide:
    """Rewrite what was sent of a service's guide; lists and parts are replaced whole.

    The values are the guide's own JSON content (steps, materials, the sample form, the fee),
    stored as they are laid over the shipped fixture.
    """

    name: str | Unset = UNSET
    short_name: str | Unset = UNSET
    legal_basis: list[str] | Unset = UNSET
    eligibility: list[str] | Unset = UNSET
    procedure: list[dict[str, Any]] | Unset = UNSET
    time_limit_days: int | Unset = UNSET
    materials: list[dict[str, Any]] | Unset = UNSET
    sample_form: dict[str, Any] | Unset = UNSET
    fee: dict[str, Any] | Unset = UNSET
    service_commitment: str | Unset = UNSET
    complaint_phone: str | Unset = UNSET
