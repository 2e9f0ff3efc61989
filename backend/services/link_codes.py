"""Link codes (关联码): what a resident shows on the phone so staff can link that account.

The resident asks for a code in the mini-program and shows it at the window or the door; staff,
who have seen the person's ID document, enter it. A code is eight letters and digits that
cannot be misread (no 0/O, 1/I), lives ten minutes, works once, and only its keyed hash is
stored. Asking for a new code ends the previous one.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from backend import audit, runtime
from backend.db import db
from backend.errors import ValidationFailed
from backend.models import LinkCode, Resident, utcnow
from backend.permissions import Actor, require

ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 8
LIFETIME = timedelta(minutes=10)


@dataclass(frozen=True)
class IssuedLinkCode:
    """A fresh code, shown once to the resident it belongs to."""

    code: str
    expires_at: datetime
    expires_in: int  # seconds


def _hash(code: str) -> str:
    return runtime.vault().blind_index(code, kind="link_code")


def normalise(raw: str) -> str:
    """The code as stored: upper case, without the spaces or dashes people type."""
    return "".join(ch for ch in raw.upper() if ch not in " -")


def issue_link_code(*, actor: Actor) -> IssuedLinkCode:
    """A new link code for the calling resident; any earlier unused one stops working."""
    require(actor, "links.own")
    code = "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))
    now = utcnow()
    with db.atomic():
        LinkCode.delete().where(LinkCode.resident == actor.id, LinkCode.used_at.is_null()).execute()
        row = LinkCode.create(resident=actor.id, code_hash=_hash(code), created_at=now,
                              expires_at=now + LIFETIME)
        audit.record(actor=actor, action="link_code.issue", entity="link_code", entity_id=row.id)
    return IssuedLinkCode(code=code, expires_at=row.expires_at,
                          expires_in=int(LIFETIME.total_seconds()))


def redeem_link_code(raw: str) -> Resident:
    """The resident a live code belongs to, spending the code (inside the caller's transaction)."""
    code = normalise(raw)
    row = None
    if len(code) == LENGTH and set(code) <= set(ALPHABET):
        row = LinkCode.get_or_none(LinkCode.code_hash == _hash(code))
    now = utcnow()
    if row is None or row.used_at is not None or row.expires_at <= now:
        raise ValidationFailed("关联码无效或已过期，请居民在小程序中重新获取",
                               code="invalid_link_code", errors={"link_code": ["无效或已过期"]})
    spent = (LinkCode.update(used_at=now)
             .where(LinkCode.id == row.id, LinkCode.used_at.is_null()).execute())
    if not spent:  # someone redeemed it a moment ago
        raise ValidationFailed("关联码已被使用，请居民重新获取", code="invalid_link_code",
                               errors={"link_code": ["已被使用"]})
    return Resident.get_by_id(row.resident_id)
