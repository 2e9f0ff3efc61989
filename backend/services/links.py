"""Verified links (关联服务对象): the only way a WeChat account reaches a client's records.

Two ways to make one, both recorded on the link and in the audit trail:

- **in person** (``link_in_person``): township staff at the window or the village coordinator at
  the door see the person's ID document, take the link code the resident shows on the phone, and
  name the relation (self, spouse, child, guardian, other family member);
- **by phone** (``link_by_phone``): the number WeChat vouches for (the phone-number button's
  code) must be the one on the client's record, together with the client's name and ID number;
  a guardian of a minor matches the guardian's phone on record. Every cause of a mismatch answers
  the same words, and failures are counted so nobody guesses their way in.

Filing with an ID number gives the filer nothing of the client's, and approval links nobody.
Guardians act for minors: a minor is never linked as "self". Links end by the resident's own
choice or by staff in scope (``unlink``), audited like their making.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from backend import audit, outbox, pii, runtime
from backend.commands.links import AttachApplicant, LinkByPhone, LinkInPerson, Unlink
from backend.db import db
from backend.errors import (
    Conflict,
    DomainError,
    NotFound,
    TooManyRequests,
    UpstreamUnavailable,
    ValidationFailed,
)
from backend.models import (
    Application,
    Client,
    ClientContact,
    LinkAttempt,
    PiiAccess,
    Resident,
    Township,
    Village,
    utcnow,
)
from backend.models.base import local_today
from backend.models.clients import LINK_METHODS, LINK_RELATIONS
from backend.permissions import Actor, get_scoped, require
from backend.services import link_codes
from backend.services.applications import _shared, receipts
from backend.wechat import AccessTokens, WeChatClient, WeChatError, WeChatUnavailable

ADULT_AGE = 18
PHONE_FAILURES_PER_DAY = 5
TOKEN_ERRORS = frozenset({40001, 42001, 40014})
# WeChat's answers to getuserphonenumber, as the product explains them to a person.
_WECHAT_PHONE_ERRORS: dict[int, tuple[type[DomainError], str, str]] = {
    40029: (ValidationFailed, "wechat_invalid_code", "手机号授权已失效，请重新点击“获取手机号”"),
    45011: (TooManyRequests, "wechat_rate_limited", "操作过于频繁，请稍后再试"),
    -1: (UpstreamUnavailable, "wechat_busy", "微信服务繁忙，请稍后再试"),
    40013: (UpstreamUnavailable, "wechat_misconfigured",
            "小程序配置有误，暂时无法核验手机号，请到乡镇民政窗口办理关联"),
}
_MISMATCH = ("姓名、身份证号或手机号与登记信息不一致，无法自助关联；"
             "请携带身份证到乡镇民政窗口或联系村（居）民政协管员办理")


def _is_minor(birth_date: date) -> bool:
    today = local_today()
    years = today.year - birth_date.year - ((today.month, today.day) <
                                            (birth_date.month, birth_date.day))
    return years < ADULT_AGE


def _check_relation(relation: str, birth_date: date, client: Client | None) -> None:
    """Guardians act for minors: a minor is never "self", an adult has a guardian on file."""
    minor = _is_minor(birth_date)
    if relation == "self" and minor:
        raise ValidationFailed("未成年人由监护人代为办理，请选择关系“监护人”",
                               code="minor_needs_guardian")
    if relation == "guardian" and not minor and client is not None and not client.guardian_name:
        raise ValidationFailed("该服务对象已成年且未登记监护人，不能以监护人身份关联",
                               code="guardian_not_applicable")


def _make_link(client: Client, resident_id: int, relation: str, method: str, *, actor: Actor,
               verified_by: int | None = None, note: str = "") -> ClientContact:
    if ClientContact.select().where(ClientContact.client == client,
                                    ClientContact.resident == resident_id).exists():
        raise Conflict("该微信账号已关联此服务对象", code="already_linked")
    link = ClientContact.create(client=client, resident=resident_id, relation=relation,
                                method=method, verified_by=verified_by, linked_at=utcnow())
    audit.record(actor=actor, action="client.link_resident", entity="client", entity_id=client.id,
                 changes={"resident_id": [None, resident_id], "relation": [None, relation],
                          "method": [None, method]},
                 reason=note or None, area_code=client.area_code)
    outbox.emit("client.linked", client_id=client.id, resident_id=resident_id, link_id=link.id,
                relation=relation, method=method)
    receipts.send_receipts_to_new_link(client.id, resident_id)
    return link


def link_in_person(client_id: int, command: LinkInPerson, *, actor: Actor) -> ClientContact:
    """Link the account whose code the resident shows, after seeing their ID document."""
    require(actor, "clients.link")
    if not command.id_document_checked:
        raise ValidationFailed("请先查验居民身份证原件再关联", code="id_document_not_checked",
                               errors={"id_document_checked": ["须为 true"]})
    with db.atomic():
        client = get_scoped(Client, client_id, Client.area_code, actor)
        _check_relation(command.relation, client.birth_date, client)
        resident = link_codes.redeem_link_code(command.link_code)
        return _make_link(client, resident.id, command.relation, "in_person", actor=actor,
                          verified_by=actor.id, note=command.note)


def _throttled(resident_id: int) -> bool:
    since = utcnow() - timedelta(days=1)
    return LinkAttempt.select().where(LinkAttempt.resident == resident_id,
                                      LinkAttempt.created_at > since).count() \
        >= PHONE_FAILURES_PER_DAY


def verified_phone(code: str, *, wechat: WeChatClient, tokens: AccessTokens) -> str:
    """The mainland mobile number WeChat vouches for behind a phone-number button's code."""
    try:
        token = tokens.get()
        try:
            info = wechat.get_phone_number(token, code)
        except WeChatError as exc:
            if exc.errcode not in TOKEN_ERRORS:
                raise
            info = wechat.get_phone_number(tokens.refresh(token), code)
    except WeChatError as exc:
        error_class, error_code, message = _WECHAT_PHONE_ERRORS.get(
            exc.errcode, (UpstreamUnavailable, "wechat_error", "微信手机号核验失败，请稍后再试"))
        raise error_class(message, code=error_code) from None
    except WeChatUnavailable:
        raise UpstreamUnavailable("无法连接微信服务，请稍后再试",
                                  code="wechat_unreachable") from None
    if info.country_code not in ("86", ""):
        raise ValidationFailed("目前只能核验中国大陆手机号，请到乡镇民政窗口办理关联",
                               code="phone_not_mainland")
    return pii.normalise_phone(info.pure_phone_number)


def _on_record(client: Client, field: str, actor: Actor) -> str | None:
    token = getattr(client, f"{field}_enc")
    if not token:
        return None
    PiiAccess.create(actor_kind=actor.kind, actor_id=actor.id, entity="client",
                     entity_id=str(client.id), field=field, purpose="phone_link_match",
                     request_id=runtime.request_id(), created_at=utcnow())
    return runtime.vault().decrypt(token, context=f"client:{client.id}:{field}")


def _matches(client: Client, command: LinkByPhone, phone: str, actor: Actor) -> bool:
    if "".join(command.name.split()) != "".join(client.name.split()):
        return False
    field = "guardian_phone" if command.relation == "guardian" else "phone"
    return _on_record(client, field, actor) == phone


def link_by_phone(command: LinkByPhone, *, actor: Actor, wechat: WeChatClient,
                  tokens: AccessTokens) -> ClientContact:
    """Link one's own account when WeChat's phone number, name and ID number match the record."""
    require(actor, "links.own")
    id_number = pii.normalise_id_number(command.id_number)
    # Judged from the number itself, before any lookup: the answer says nothing of the registry.
    _check_relation(command.relation, pii.id_birth_date(id_number), None)
    if _throttled(actor.id or 0):
        raise TooManyRequests("核验失败次数过多，请明天再试，或到乡镇民政窗口办理",
                              code="link_throttled")
    phone = verified_phone(command.phone_code, wechat=wechat, tokens=tokens)
    index = runtime.vault().blind_index(id_number, kind="id_number")
    with db.atomic():  # kept even when the check fails: the failure counts, the reads are logged
        client = Client.get_or_none(Client.id_number_index == index)
        matched = client is not None and _matches(client, command, phone, actor)
        if not matched:
            LinkAttempt.create(resident=actor.id)
    if client is None or not matched:
        raise ValidationFailed(_MISMATCH, code="identity_mismatch", keep_writes=True)
    with db.atomic():
        _check_relation(command.relation, client.birth_date, client)
        _remember_phone(actor, phone)
        return _make_link(client, actor.id or 0, command.relation, "phone", actor=actor)


def _remember_phone(actor: Actor, phone: str) -> None:
    """Keep the number WeChat vouched for on the account (shown masked in 我的信息)."""
    resident = Resident.get_by_id(actor.id)
    resident.phone_enc = runtime.vault().encrypt(phone, context=f"resident:{resident.id}:phone")
    resident.phone_masked = pii.mask_phone(phone)
    resident.save()


def unlink(link_id: int, command: Unlink, *, actor: Actor) -> None:
    """End a link: a resident their own, staff any of a client in their scope."""
    require(actor, "links.own" if actor.is_resident else "clients.link")
    with db.atomic():
        link = ClientContact.get_or_none(ClientContact.id == link_id)
        if link is None or (actor.is_resident and link.resident_id != actor.id):
            raise NotFound("未找到该关联", code="link_not_found")
        if not actor.is_resident:
            get_scoped(Client, link.client_id, Client.area_code, actor)
        client = Client.get_by_id(link.client_id)
        link.delete_instance()
        audit.record(actor=actor, action="client.unlink_resident", entity="client",
                     entity_id=client.id, reason=command.reason or None,
                     changes={"resident_id": [link.resident_id, None],
                              "relation": [link.relation, None]},
                     area_code=client.area_code)
        outbox.emit("client.unlinked", client_id=client.id, resident_id=link.resident_id,
                    relation=link.relation)


def unlink_client_link(client_id: int, link_id: int, command: Unlink, *, actor: Actor) -> None:
    """End a link of one client (the staff route names both)."""
    require(actor, "clients.link")
    link = ClientContact.get_or_none(ClientContact.id == link_id)
    if link is None or link.client_id != client_id:
        raise NotFound("未找到该关联", code="link_not_found")
    unlink(link_id, command, actor=actor)


def describe_link(link: ClientContact) -> dict[str, Any]:
    """A link as its resident sees it: the client, where they live, how the link was made."""
    client = Client.get_by_id(link.client_id)
    village = Village.get_by_id(client.village_id)
    township = Township.get_by_id(village.township_id)
    return {"id": client.id, "name": client.name, "link_id": link.id,
            "relation": link.relation,
            "relation_label": LINK_RELATIONS.get(link.relation, link.relation),
            "method": link.method, "method_label": LINK_METHODS.get(link.method, link.method),
            "linked_at": link.linked_at, "township_id": township.id,
            "township_name": township.name, "village_id": village.id,
            "village_name": village.name}


def my_links(*, actor: Actor) -> list[dict[str, Any]]:
    """The clients the calling resident is linked to, in the order they were linked."""
    rows = ClientContact.select().where(ClientContact.resident == actor.id)
    return [describe_link(link) for link in rows.order_by(ClientContact.id)]


def client_links(client_id: int, *, actor: Actor) -> list[ClientContact]:
    """The accounts linked to a client in the actor's scope, oldest first."""
    require(actor, "clients.link")
    client = get_scoped(Client, client_id, Client.area_code, actor)
    return list(ClientContact.select().where(ClientContact.client == client)
                .order_by(ClientContact.id))


def attach_applicant(application_id: int, command: AttachApplicant, *,
                     actor: Actor) -> Application:
    """Give an application without an account the applicant's, after seeing their ID document.

    For a walk-in applicant who is not (yet) a client: the account follows this application
    and gets its receipt, and nothing else.
    """
    require(actor, "clients.link")
    if not command.id_document_checked:
        raise ValidationFailed("请先查验申请人身份证原件再关联", code="id_document_not_checked",
                               errors={"id_document_checked": ["须为 true"]})
    with db.atomic():
        application = _shared.get_visible(application_id, actor)
        if application.resident_id is not None:
            raise Conflict("该申请已有关联的微信账号", code="applicant_account_exists")
        resident = link_codes.redeem_link_code(command.link_code)
        application.resident = resident
        application.touch()
        application.save()
        _shared.step(application, actor, "link_applicant",
                     details={"id_document_checked": True})
        audit.record(actor=actor, action="application.link_applicant", entity="application",
                     entity_id=application.id, changes={"resident_id": [None, resident.id]},
                     area_code=application.area_code)
        already = application.client_id is not None and ClientContact.select().where(
            ClientContact.client == application.client_id,
            ClientContact.resident == resident.id).exists()
        if application.submitted_at is not None and not already:
            receipts.send_receipt(application, [resident.id])
    return application
