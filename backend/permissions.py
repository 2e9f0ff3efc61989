"""Who may do what, and where: every permission in one table, scope by area-code prefix.

A route or job names a permission from ``PERMISSIONS``; ``require`` checks the actor's role
against it, and ``scoped`` / ``get_scoped`` restrict every query to the actor's subtree so an
object outside it is simply not found (404), never revealed as forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

import peewee as pw

from backend.errors import NotAuthenticated, NotFound, PermissionDenied

STAFF = frozenset({"city_admin", "township_staff", "social_worker", "coordinator"})
OFFICE = frozenset({"city_admin", "township_staff"})
EVERYONE = STAFF | {"resident"}
PUBLIC = "public"

PERMISSIONS: dict[str, frozenset[str]] = {
    "me.read": EVERYONE,
    "auth.logout": EVERYONE,
    "townships.read": STAFF,
    "clients.read": STAFF,
    "clients.create": OFFICE | {"coordinator"},
    "clients.update": OFFICE,
    "clients.reveal": OFFICE,
    "audit.read": frozenset({"city_admin"}),
    "messages.read": EVERYONE,
    "subscriptions.create": frozenset({"resident"}),
    "operations.read": frozenset({"city_admin"}),
    "operations.manage": frozenset({"city_admin"}),
    "deliveries.read": OFFICE,
    "supervision.read": OFFICE,
    "supervision.generate": frozenset({"city_admin"}),
    "supervision.profiles.import": OFFICE,
    "bookings.create": frozenset({"resident", "coordinator"}),
    "bookings.read": EVERYONE,
    "bookings.respond": frozenset({"resident", "coordinator"}),
    "bookings.decide": OFFICE,
    "availability.read": EVERYONE,
    "care_visits.read": STAFF - {"coordinator"},
    "care_visits.generate": OFFICE,
    "visits.record": frozenset({"social_worker"}),
    "visits.read": STAFF,
    "case_files.read": STAFF,
    "workers.manage": OFFICE,
    "services.update": frozenset({"city_admin"}),
    "applications.create": frozenset({"resident", "coordinator"}),
    "applications.read": EVERYONE - {"social_worker"},
    "applications.transition": frozenset({"coordinator", "township_staff", "city_admin"}),
    "applications.queue": frozenset({"coordinator", "township_staff", "city_admin"}),
    "applications.report": frozenset({"city_admin"}),
    "applications.escalate": frozenset(),  # the nightly job only (the system actor)
    "applications.evaluate": frozenset({"resident"}),
    "plans.create": OFFICE,
    "plans.read": STAFF - {"coordinator"},
    "plans.adjust": OFFICE,
    "plans.city": frozenset({"city_admin"}),
    "route.read": frozenset({"social_worker"}),
}


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: a staff member, a resident, or the system itself."""

    kind: str  # staff | resident | system
    id: int | None
    role: str  # a staff role, "resident", or "system"
    area_code: str = ""  # scope prefix; "" for residents and the system
    name: str = ""
    session_id: int | None = None

    @property
    def key(self) -> str:
        """A short stable name for idempotency keys and logs: ``staff:3``."""
        return f"{self.kind}:{self.id}"

    @property
    def is_resident(self) -> bool:
        """True for mini-program users."""
        return self.role == "resident"

    def covers(self, area_code: str) -> bool:
        """True when an area lies inside this staff member's scope."""
        return self.kind == "system" or (self.kind == "staff" and
                                          area_code.startswith(self.area_code))


SYSTEM = Actor(kind="system", id=None, role="system", name="系统")


def require(actor: Actor | None, permission: str) -> Actor:
    """Answer the actor when its role holds the permission; else 401 or 403."""
    if permission == PUBLIC:
        return actor or Actor(kind="anonymous", id=None, role="anonymous")
    if actor is None:
        raise NotAuthenticated()
    if actor.kind == "system":
        return actor
    if actor.role not in PERMISSIONS[permission]:
        raise PermissionDenied()
    return actor


M = TypeVar("M", bound=pw.Model)


def scoped(query: pw.ModelSelect, area_field: pw.Field, actor: Actor) -> pw.ModelSelect:
    """Restrict a staff query to the actor's subtree (prefix match on the 12-digit code)."""
    if actor.kind == "system":
        return query
    if actor.kind != "staff":
        raise PermissionDenied()
    return query.where(area_field.startswith(actor.area_code))


def get_scoped(model: type[M], object_id: Any, area_field: pw.Field, actor: Actor) -> M:
    """Fetch one object inside the actor's scope, or raise NotFound."""
    query = scoped(model.select(), area_field, actor).where(model._meta.primary_key == object_id)
    obj = query.first()
    if obj is None:
        raise NotFound()
    return obj
