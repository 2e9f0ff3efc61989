"""Calling a client from the day's route: a social worker dials the person they are about to
visit (or are visiting). The number is decrypted for that call only, and the access is logged
as every reveal is; anyone not on the worker's own round stays masked.
"""

from __future__ import annotations

from dataclasses import dataclass

from backend.db import db
from backend.errors import NotFound
from backend.models import Client, Plan, PlanStop, Visit
from backend.permissions import Actor, get_scoped, require
from backend.services.care_plans import local_today
from backend.services.clients import decrypt_logged

CALL_PURPOSE = "探访电话联系"


@dataclass(frozen=True)
class PhoneToCall:
    """Whom the worker is calling and the number to dial."""

    client_id: int
    answered_by: str  # the client, or a child's guardian
    number: str


def _on_my_round(client_id: int, actor: Actor) -> bool:
    """A stop of the worker's in a published plan from today on, or a visit still open."""
    planned = (PlanStop.select().join(Plan)
               .where(PlanStop.client == client_id, PlanStop.worker == actor.id,
                      Plan.status == "done", Plan.day >= local_today()).exists())
    return planned or Visit.select().where(Visit.client == client_id, Visit.worker == actor.id,
                                           Visit.status == "in_progress").exists()


def phone_to_call(client_id: int, *, actor: Actor) -> PhoneToCall:
    """The client's phone (or a guardian's) in clear, for a client on one's own round."""
    require(actor, "clients.call")
    with db.atomic():
        client = get_scoped(Client, client_id, Client.area_code, actor)
        if not _on_my_round(client.id, actor):
            raise NotFound("该服务对象不在您的探访安排中", code="not_on_round")
        if client.phone_enc:
            field, answered_by = "phone", client.name
        elif client.guardian_phone_enc:
            field = "guardian_phone"
            answered_by = f"{client.guardian_name or '监护人'}（{client.name}的监护人）"
        else:
            raise NotFound("未登记联系电话", code="field_empty")
        number = decrypt_logged(client, field, CALL_PURPOSE, actor=actor)
    return PhoneToCall(client_id=client.id, answered_by=answered_by, number=number)
