"""Who may do what, and where: every permission in one table, scope by area-code prefix.

A route or job names a permission from ``PERMISSIONS``; ``require`` checks the actor's role
against it, and ``scoped`` / ``get_scoped`` restrict every query to the actor's subtree so an
object outside it is simply not found (404), never revealed as forbidden.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any, TypeVar

import peewee as pw

from backend.errors import NotAuthenticated, NotFound, PermissionDenied
from backend.models.accounts import STAFF_ROLE_CODES, Role

STAFF = frozenset(STAFF_ROLE_CODES)
OFFICE = frozenset({Role.CITY_ADMIN, Role.TOWNSHIP_STAFF})
EVERYONE = STAFF | {Role.RESIDENT}
PUBLIC = "public"

PERMISSIONS: dict[str, frozenset[str]] = {
    "me.read": EVERYONE,
    "auth.logout": EVERYONE,
    "townships.read": STAFF,
    "clients.read": STAFF,
    "clients.create": OFFICE | {Role.COORDINATOR},
    "clients.update": OFFICE,
    "clients.reveal": OFFICE,
    # Linking a WeChat account to a client: at the window or the door (staff), or by the
    # resident's own verified phone; residents also end their own links.
    "clients.link": OFFICE | {Role.COORDINATOR},
    "links.own": frozenset({Role.RESIDENT}),
    "clients.call": frozenset({Role.SOCIAL_WORKER}),  # the phone of a client on one's round
    "audit.read": frozenset({Role.CITY_ADMIN}),
    "messages.read": EVERYONE,
    "subscriptions.create": frozenset({Role.RESIDENT}),
    "operations.read": frozenset({Role.CITY_ADMIN}),
    "operations.manage": frozenset({Role.CITY_ADMIN}),
    "deliveries.read": OFFICE,
    "deliveries.resend": frozenset({Role.CITY_ADMIN}),
    "supervision.read": OFFICE,
    "supervision.generate": frozenset({Role.CITY_ADMIN}),
    "supervision.profiles.import": OFFICE,
    "bookings.create": frozenset({Role.RESIDENT, Role.COORDINATOR}),
    "bookings.read": EVERYONE,
    "bookings.respond": frozenset({Role.RESIDENT, Role.COORDINATOR}),
    "bookings.decide": OFFICE,
    "availability.read": EVERYONE,
    "care_visits.read": STAFF - {Role.COORDINATOR},
    "care_visits.generate": OFFICE,
    "visits.record": frozenset({Role.SOCIAL_WORKER}),
    "visits.read": STAFF,
    "case_files.read": STAFF,
    "workers.manage": OFFICE,
    "services.update": frozenset({Role.CITY_ADMIN}),
    # Township staff file at the window (一门受理) for the applicant standing there.
    "applications.create": frozenset({Role.RESIDENT, Role.COORDINATOR, Role.TOWNSHIP_STAFF}),
    "applications.read": EVERYONE - {Role.SOCIAL_WORKER},
    "applications.transition": frozenset({Role.COORDINATOR, Role.TOWNSHIP_STAFF, Role.CITY_ADMIN}),
    "applications.queue": frozenset({Role.COORDINATOR, Role.TOWNSHIP_STAFF, Role.CITY_ADMIN}),
    "applications.report": frozenset({Role.CITY_ADMIN}),
    "applications.escalate": frozenset(),  # the nightly job only (the system actor)
    "applications.evaluate": frozenset({Role.RESIDENT}),
    "applications.follow_up": OFFICE,
    "notices.object": frozenset({Role.RESIDENT}),
    "grievances.create": frozenset({Role.RESIDENT}),
    "grievances.read": OFFICE | {Role.RESIDENT},
    "grievances.resolve": OFFICE,
    "grievances.rate": frozenset({Role.RESIDENT}),
    "grievances.escalate": frozenset(),  # the periodic job only (the system actor)
    "plans.create": OFFICE,
    "plans.read": STAFF - {Role.COORDINATOR},
    "plans.adjust": OFFICE,
    "plans.city": frozenset({Role.CITY_ADMIN}),
    "plans.recover": frozenset(),  # the periodic sweep only (the system actor)
    "route.read": frozenset({Role.SOCIAL_WORKER}),
    # Staff administration (issue 23): the city any account, a township its own coordinators
    # and social workers (the services narrow it); only the city appoints a township's head.
    "staff.read": OFFICE,
    "staff.manage": OFFICE,
    "staff.appoint_head": frozenset({Role.CITY_ADMIN}),
    "auth.change_password": STAFF,
    # Who holds an application's open stage (强化责任追究): reassigned by the office.
    "stage_holders.read": OFFICE,
    "stage_holders.assign": OFFICE,
    # Village service stations' 五有 and their coordinators' allowances (issue 23).
    "stations.read": OFFICE,
    "stations.manage": OFFICE,
    "allowances.read": OFFICE,
    "allowances.manage": OFFICE,
    # Benefit payments: residents their own (by verified link), the office its scope's.
    "payments.read": OFFICE | {Role.RESIDENT},
    "payments.payroll": OFFICE,
    "payments.mark_paid": OFFICE,
    # 家庭经济状况核对: other departments' files in and the people to check out (the one file
    # holding ID numbers in clear), the check read and recorded at the verification stage.
    "department_data.import": OFFICE,
    "department_data.export": OFFICE,
    "household_checks.read": OFFICE,
    "household_checks.record": OFFICE,
    # Training and yearly assessment per person: the office imports and reads its staff's.
    "training.read": OFFICE,
    "training.import": OFFICE,
}
# What an account still carrying a one-time password may do: change it, see who it is, leave.
WHILE_PASSWORD_MUST_CHANGE = frozenset({"auth.change_password", "me.read", "auth.logout"})


class ActorKind(StrEnum):
    """What kind of caller an actor is."""

    STAFF = "staff"
    RESIDENT = "resident"
    SYSTEM = "system"
    ANONYMOUS = "anonymous"


@dataclass(frozen=True)
class Actor:
    """The authenticated caller: a staff member, a resident, or the system itself."""

    kind: str  # an ActorKind
    id: int | None
    role: str  # a Role: a staff role, resident, system or anonymous
    area_code: str = ""  # scope prefix; "" for residents and the system
    name: str = ""
    session_id: int | None = None
    must_change_password: bool = False  # signed in with a one-time password not yet changed

    @property
    def key(self) -> str:
        """A short stable name for idempotency keys and logs: ``staff:3``."""
        return f"{self.kind}:{self.id}"

    @property
    def is_resident(self) -> bool:
        """True for mini-program users."""
        return self.role == Role.RESIDENT

    def covers(self, area_code: str) -> bool:
        """True when an area lies inside this staff member's scope."""
        return self.kind == ActorKind.SYSTEM or (self.kind == ActorKind.STAFF and
                                          area_code.startswith(self.area_code))


SYSTEM = Actor(kind=ActorKind.SYSTEM, id=None, role=Role.SYSTEM, name="系统")


def require(actor: Actor | None, permission: str) -> Actor:
    """Answer the actor when its role holds the permission; else 401 or 403."""
    if permission == PUBLIC:
        return actor or Actor(kind=ActorKind.ANONYMOUS, id=None, role=Role.ANONYMOUS)
    if actor is None:
        raise NotAuthenticated()
    if actor.kind == ActorKind.SYSTEM:
        return actor
    if actor.must_change_password and permission not in WHILE_PASSWORD_MUST_CHANGE:
        raise PermissionDenied("请先修改初始密码后再使用", code="password_change_required")
    if actor.role not in PERMISSIONS[permission]:
        raise PermissionDenied()
    return actor


M = TypeVar("M", bound=pw.Model)


def area_bounds(prefix: str) -> tuple[str, str] | None:
    """The codes under a prefix as a range: from ``410184001`` up to, not including,
    ``410184002`` (codes are digits); None where no such range exists (all nines, not digits)."""
    if not prefix.isdigit() or set(prefix) == {"9"}:
        return None
    return prefix, str(int(prefix) + 1).zfill(len(prefix))


def within_area(area_field: pw.Field[Any], prefix: str) -> pw.Expression:
    """Codes under a prefix, as a range an ordinary index answers.

    ``startswith`` is ILIKE on PostgreSQL, which no B-tree index serves: at city size every
    township's page then scanned the whole city's rows.
    """
    bounds = area_bounds(prefix)
    if bounds is None:
        return area_field.startswith(prefix)
    return (area_field >= bounds[0]) & (area_field < bounds[1])


def scoped(query: pw.ModelSelect[M], area_field: pw.Field[Any], actor: Actor
           ) -> pw.ModelSelect[M]:
    """Restrict a staff query to the actor's subtree (prefix match on the 12-digit code)."""
    if actor.kind == ActorKind.SYSTEM:
        return query
    if actor.kind != ActorKind.STAFF:
        raise PermissionDenied()
    return query.where(within_area(area_field, actor.area_code))


def get_scoped(model: type[M], object_id: Any, area_field: pw.Field[Any], actor: Actor) -> M:
    """Fetch one object inside the actor's scope, or raise NotFound."""
    query = scoped(model.select(), area_field, actor).where(model._meta.primary_key == object_id)
    obj = query.first()
    if obj is None:
        raise NotFound()
    return obj
