"""How a WeChat account comes to be linked: codes shown at the counter, self-service attempts."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import Resident
from backend.models.base import BaseModel, utcnow


class LinkCode(BaseModel):
    """A short-lived code a resident shows on the phone so staff can link that account in person.

    Only a keyed hash is kept: the code itself exists on the resident's screen and nowhere else.
    """

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        resident_id: int

    resident = pw.ForeignKeyField(Resident, backref="link_codes", on_delete="CASCADE")
    code_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField(default=utcnow)
    expires_at = pw.DateTimeField()
    used_at = pw.DateTimeField(null=True)

    class Meta:
        table_name = "link_code"


class LinkAttempt(BaseModel):
    """A failed self-service identity check, counted so nobody can guess their way to a link."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        resident_id: int

    resident = pw.ForeignKeyField(Resident, backref="link_attempts", on_delete="CASCADE")
    created_at = pw.DateTimeField(default=utcnow, index=True)

    class Meta:
        table_name = "link_attempt"
