"""The client registry (服务对象): create, edit, find and read clients within scope."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import peewee as pw

from backend import audit, outbox, pii, runtime
from backend.commands import given
from backend.commands.clients import CategoryEntry, EditClient, RegisterClient
from backend.db import db, is_postgres
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.models import (
    Client,
    ClientCategory,
    ClientContact,
    PiiAccess,
    Village,
    utcnow,
)
from backend.models.clients import CLIENT_CATEGORIES, SPECIAL_CARE_SUBTYPES
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services import care_plans
from backend.versions import ExpectedVersions, hold_version

# Fields a township may edit directly; personal numbers go through their own normalisation.
EDITABLE = ("name", "address", "lat", "lng", "household_code", "household_size",
            "guardian_name", "guardian_relation", "two_worker_flag", "notes")
# Searched names this short have no trigram; PostgreSQL looks them up by character pairs.
SHORT_NAME = 2
REVEALABLE = {"id_number": "id_number_enc", "phone": "phone_enc",
              "guardian_phone": "guardian_phone_enc"}


@dataclass(frozen=True)
class ClientFilter:
    """What a staff member can search the registry by."""

    name: str | None = None
    category: str | None = None
    village_id: int | None = None
    id_number: str | None = None


def _context(client_id: int, field: str) -> str:
    """The AES-GCM associated data: a ciphertext only opens on its own row and field."""
    return f"client:{client_id}:{field}"


def _set_phone(client: Client, field: str, raw: str | None) -> None:
    if not raw:
        setattr(client, f"{field}_enc", None)
        setattr(client, f"{field}_masked", None)
        return
    phone = pii.normalise_phone(raw)
    encrypted = runtime.vault().encrypt(phone, context=_context(client.id, field))
    setattr(client, f"{field}_enc", encrypted)
    setattr(client, f"{field}_masked", pii.mask_phone(phone))


def _validate_categories(categories: Sequence[CategoryEntry]) -> None:
    seen: set[str] = set()
    for item in categories:
        category = item.category
        if category not in CLIENT_CATEGORIES:
            raise ValidationFailed(f"未知的服务对象类别: {category}", code="unknown_category")
        if category in seen:
            raise ValidationFailed(f"类别重复: {CLIENT_CATEGORIES[category]}",
                                   code="duplicate_category")
        seen.add(category)
        subtype = item.subtype
        if category == "special_care" and subtype not in SPECIAL_CARE_SUBTYPES:
            raise ValidationFailed("优抚对象须注明类型"
                                   "（两参退役人员、60岁农村籍退役士兵、烈士子女）",
                                   code="special_care_subtype_required")
        if category != "special_care" and subtype:
            raise ValidationFailed("只有优抚对象有子类型", code="unexpected_subtype")


def _validate_two_worker_flag(flag: str | None) -> None:
    flags = care_plans.two_worker_flags()
    if flag is not None and flag not in flags:
        known = "、".join(f"{code}（{item['label']}）" for code, item in flags.items())
        raise ValidationFailed(f"未知的双人探访情形: {flag}，可选 {known}",
                               code="unknown_two_worker_flag",
                               errors={"two_worker_flag": [flag]})


def _replace_categories(client: Client, categories: Sequence[CategoryEntry]) -> None:
    ClientCategory.delete().where(ClientCategory.client == client).execute()
    for item in categories:
        ClientCategory.create(client=client, category=item.category, subtype=item.subtype,
                              since=item.since, benefit_fen=item.benefit_fen)


def _category_codes(client: Client) -> list[str]:
    return sorted(c.category for c in client.categories)


def create_client(cmd: RegisterClient, *, actor: Actor) -> Client:
    """Register a client in a village inside the actor's scope."""
    require(actor, "clients.create")
    village = get_scoped(Village, cmd.village_id, Village.code, actor)
    id_number = pii.normalise_id_number(cmd.id_number)
    categories = cmd.categories
    _validate_categories(categories)
    _validate_two_worker_flag(cmd.two_worker_flag)
    if categories_need_guardian(categories) and not cmd.guardian_name:
        raise ValidationFailed("留守儿童须登记监护人", code="guardian_required")
    vault = runtime.vault()
    index = vault.blind_index(id_number, kind="id_number")
    with db.atomic():
        if Client.select().where(Client.id_number_index == index).exists():
            raise Conflict("该身份证号已登记为服务对象", code="client_exists")
        client = Client.create(
            name=cmd.name, village=village, area_code=village.code,
            sex=pii.id_sex(id_number), birth_date=pii.id_birth_date(id_number),
            id_number_enc="", id_number_index=index,
            id_number_masked=pii.mask_id_number(id_number, viewer="staff"),
            address=cmd.address, lat=village.lat if cmd.lat is None else cmd.lat,
            lng=village.lng if cmd.lng is None else cmd.lng, household_code=cmd.household_code,
            household_size=cmd.household_size, guardian_name=cmd.guardian_name,
            guardian_relation=cmd.guardian_relation, two_worker_flag=cmd.two_worker_flag,
            notes=cmd.notes)
        client.id_number_enc = vault.encrypt(id_number, context=_context(client.id, "id_number"))
        _set_phone(client, "phone", cmd.phone)
        _set_phone(client, "guardian_phone", cmd.guardian_phone)
        client.save()
        _replace_categories(client, categories)
        audit.record(actor=actor, action="client.create", entity="client", entity_id=client.id,
                     changes={"name": [None, client.name], "village_id": [None, village.id],
                              "categories": [None, _category_codes(client)],
                              "two_worker_flag": [None, client.two_worker_flag],
                              "id_number": [None, "set"]})
        outbox.emit("client.created", client_id=client.id)
    return client


def categories_need_guardian(categories: Sequence[CategoryEntry]) -> bool:
    """A left-behind child must have a guardian on file."""
    return any(item.category == "left_behind_child" for item in categories)


def update_client(client_id: int, cmd: EditClient, *, actor: Actor,
                  expected_versions: ExpectedVersions = None) -> Client:
    """Edit a client's details or categories; every change is audited with before and after.

    ``expected_versions``: the version(s) the caller edited from; a newer one refuses the edit.
    """
    require(actor, "clients.update")
    changes = given(cmd)
    reason = changes.pop("reason")
    if "two_worker_flag" in changes:
        _validate_two_worker_flag(changes["two_worker_flag"])
    with db.atomic():
        client = get_scoped(Client, client_id, Client.area_code, actor)
        hold_version(client, expected_versions)
        before = {field: getattr(client, field) for field in EDITABLE}
        before["categories"] = _category_codes(client)
        for field in EDITABLE:
            if field in changes:
                setattr(client, field, changes[field])
        for field in ("phone", "guardian_phone"):
            if field in changes:
                _set_phone(client, field, changes[field])
        if "categories" in changes:
            _validate_categories(changes["categories"])
            _replace_categories(client, changes["categories"])
        client.touch()
        client.save()
        after = {field: getattr(client, field) for field in EDITABLE}
        after["categories"] = _category_codes(client)
        delta = audit.diff(before, after)
        delta.update({field: ["changed", "changed"] for field in ("phone", "guardian_phone")
                      if field in changes})
        audit.record(actor=actor, action="client.update", entity="client", entity_id=client.id,
                     changes=delta, reason=reason)
        outbox.emit("client.updated", client_id=client.id)
    return client


def list_clients(filters: ClientFilter, *, actor: Actor) -> pw.ModelSelect[Client]:
    """Clients in the actor's scope matching the filter, newest first (a query to paginate)."""
    require(actor, "clients.read")
    query = scoped(Client.select(), Client.area_code, actor)
    if filters.name:
        query = query.where(Client.name.contains(filters.name))
        if len(filters.name) <= SHORT_NAME and is_postgres():
            # Too short for the trigram index: the characters' index (migration 095) finds
            # the few candidates, the ILIKE above decides.
            query = query.where(pw.Expression(pw.fn.client_name_grams(Client.name), "@>",
                                              pw.SQL("ARRAY[%s]::text[]",
                                                     (filters.name.lower(),))))
    if filters.village_id is not None:
        query = query.where(Client.village == filters.village_id)
    if filters.category:
        query = query.where(Client.id.in_(ClientCategory.select(ClientCategory.client)
                                          .where(ClientCategory.category == filters.category)))
    if filters.id_number:
        try:
            normalised = pii.normalise_id_number(filters.id_number)
        except ValidationFailed:
            return query.where(pw.SQL("1 = 0"))
        query = query.where(Client.id_number_index ==
                            runtime.vault().blind_index(normalised, kind="id_number"))
    return query.order_by(Client.id.desc())


def get_client(client_id: int, *, actor: Actor) -> Client:
    """One client inside the actor's scope."""
    require(actor, "clients.read")
    return get_scoped(Client, client_id, Client.area_code, actor)


def reveal_client_field(client_id: int, field: str, purpose: str, *, actor: Actor) -> str:
    """Decrypt one personal value for an office that needs it, writing an access-log row."""
    require(actor, "clients.reveal")
    if field not in REVEALABLE:
        raise ValidationFailed("该字段不可查看明文", code="not_revealable")
    with db.atomic():
        client = get_scoped(Client, client_id, Client.area_code, actor)
        return decrypt_logged(client, field, purpose, actor=actor)


def decrypt_logged(client: Client, field: str, purpose: str, *, actor: Actor) -> str:
    """One personal value of a client in clear, with its access-log row (callers check who)."""
    token = getattr(client, REVEALABLE[field])
    if not token:
        raise NotFound("该字段未登记", code="field_empty")
    value = runtime.vault().decrypt(token, context=_context(client.id, field))
    PiiAccess.create(actor_kind=actor.kind, actor_id=actor.id, entity="client",
                     entity_id=str(client.id), field=field, purpose=purpose,
                     request_id=runtime.request_id(), created_at=utcnow())
    return value


def link_resident(client_id: int, resident_id: int, relation: str, *,
                  actor: Actor) -> ClientContact:
    """Let a resident account act for a client (themselves or a household member)."""
    require(actor, "clients.update")
    with db.atomic():
        client = get_scoped(Client, client_id, Client.area_code, actor)
        contact, created = ClientContact.get_or_create(client=client, resident=resident_id,
                                                       defaults={"relation": relation})
        if created:
            audit.record(actor=actor, action="client.link_resident", entity="client",
                         entity_id=client.id, changes={"resident_id": [None, resident_id]})
    return contact


def clients_of_resident(resident_id: int) -> list[Client]:
    """The clients a resident may act for."""
    return list(Client.select().join(ClientContact)
                .where(ClientContact.resident == resident_id).order_by(Client.id))


def age_on(client: Client, day: date) -> int:
    """The client's age in whole years on a day."""
    years = day.year - client.birth_date.year
    return years - ((day.month, day.day) < (client.birth_date.month, client.birth_date.day))
