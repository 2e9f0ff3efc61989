"""Accounts as their owners see them."""

from __future__ import annotations

from typing import Any

from backend.models import Resident, StaffAccount
from backend.models.accounts import STAFF_ROLES
from backend.permissions import Actor, require
from backend.services import links
from backend.services.auth import authenticated_account


def describe_me(*, actor: Actor) -> dict[str, Any]:
    """The caller's profile, role and scope; phone masked."""
    require(actor, "me.read")
    if actor.kind == "staff":
        staff = authenticated_account(actor)
        assert isinstance(staff, StaffAccount)
        return {"kind": "staff", "id": staff.id, "role": staff.role,
                "role_label": STAFF_ROLES[staff.role], "name": staff.name,
                "area_code": staff.area_code, "township_id": staff.township_id,
                "village_id": staff.village_id, "phone": staff.phone_masked, "clients": []}
    resident = authenticated_account(actor)
    assert isinstance(resident, Resident)
    return {"kind": "resident", "id": resident.id, "role": "resident", "role_label": "居民",
            "name": resident.name or "", "area_code": "", "township_id": None,
            "village_id": None, "phone": resident.phone_masked,
            "clients": links.my_links(actor=actor)}
