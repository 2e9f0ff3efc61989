"""Reading the city's tree: townships with their villages, stations and staff directory."""

from __future__ import annotations

import peewee as pw

from backend.errors import NotFound
from backend.models import ServiceStation, StaffAccount, Township, Village
from backend.permissions import Actor, require


def _township_scope(actor: Actor) -> str:
    """The part of the actor's scope that names townships (9 digits at most)."""
    return actor.area_code[:9]


def list_townships(*, actor: Actor) -> pw.ModelSelect[Township]:
    """Townships the actor's scope touches, by code."""
    require(actor, "townships.read")
    return (Township.select().where(Township.code.startswith(_township_scope(actor)))
            .order_by(Township.code))


def get_township(township_id: int, *, actor: Actor) -> Township:
    """One township the actor's scope touches, or NotFound."""
    township = list_townships(actor=actor).where(Township.id == township_id).first()
    if township is None:
        raise NotFound("未找到该乡镇（街道）", code="township_not_found")
    return township


def villages_of(township: Township, *, actor: Actor) -> list[Village]:
    """A township's villages inside the actor's scope, with their stations."""
    villages = (Village.select().where(Village.township == township,
                                       Village.code.startswith(actor.area_code))
                .order_by(Village.code))
    return list(pw.prefetch(villages, ServiceStation.select()))


def staff_directory(township: Township, *, actor: Actor) -> list[StaffAccount]:
    """Active staff of a township (office, social workers, coordinators)."""
    require(actor, "townships.read")
    return list(StaffAccount.select().where(StaffAccount.area_code.startswith(township.code),
                                            StaffAccount.is_active == True)  # noqa: E712
                .order_by(StaffAccount.role, StaffAccount.area_code, StaffAccount.id))


def list_villages(*, township_id: int | None = None, name: str | None = None
                  ) -> pw.ModelSelect[Village]:
    """Every village and community, public, so a resident can pick theirs when filing."""
    query = (Village.select(Village, Township).join(Township)
             .order_by(Township.code, Village.code))
    if township_id is not None:
        query = query.where(Village.township == township_id)
    if name:
        query = query.where(Village.name.contains(name) | Township.name.contains(name))
    return query
