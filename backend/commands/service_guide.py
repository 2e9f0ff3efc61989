"""Commands for the service guide: the city bureau's edits to a published guide."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from backend.commands import UNSET, Unset

# What an edit may hold, checked at each edge (the API's schema, the console's form) before a
# command is built: (shortest, longest) characters of a text, (fewest, most) items of a list.
TEXT_LENGTHS = {"name": (1, 100), "short_name": (1, 50), "legal_basis": (1, 300),
                "eligibility": (1, 500), "service_commitment": (1, 2000),
                "complaint_phone": (3, 20), "material_code": (1, 40), "material_name": (1, 100)}
LIST_LENGTHS = {"legal_basis": (1, 30), "eligibility": (1, 30), "procedure": (1, 20),
                "materials": (1, 40)}
TIME_LIMIT_DAYS = (1, 365)


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
