"""Notifications as people see them: the inbox, their WeChat subscriptions, each send's outcome.

``notifications`` decides what to say and when to send; the bookkeeping rules live here so the
API (inbox, subscriptions, staff views) and the worker share them.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import peewee as pw

from backend import audit, outbox
from backend.db import db
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.models import InboxMessage, MessageDelivery, Resident, SubscriptionCredit, utcnow
from backend.models.messages import RESENDABLE_STATUSES
from backend.permissions import Actor, get_scoped, require, scoped

FINAL_STATUSES = frozenset({"sent", "refused", "failed", "skipped", "unknown"})


@dataclass(frozen=True)
class Notice:
    """One notification for one person, as a template rendered it."""

    recipient_kind: str  # resident | staff
    recipient_id: int
    topic: str
    title: str
    body: str
    page: str | None = None
    area_code: str = ""
    template_key: str = ""
    template_id: str = ""
    data: dict[str, str] | None = None  # WeChat keyword values; None: inbox only


def _recipient(actor: Actor) -> tuple[str, int]:
    if actor.kind not in ("staff", "resident") or actor.id is None:
        raise NotFound()
    return actor.kind, actor.id


def list_my_messages(*, actor: Actor, unread_only: bool = False
                     ) -> pw.ModelSelect[InboxMessage]:
    """The caller's inbox, newest first."""
    require(actor, "messages.read")
    kind, recipient_id = _recipient(actor)
    query = InboxMessage.select().where((InboxMessage.recipient_kind == kind) &
                                        (InboxMessage.recipient_id == recipient_id))
    if unread_only:
        query = query.where(InboxMessage.read_at.is_null())
    return query.order_by(InboxMessage.created_at.desc(), InboxMessage.id.desc())


def mark_message_read(message_id: int, *, actor: Actor) -> InboxMessage:
    """Mark one of the caller's messages read (again is harmless); others' are not found."""
    require(actor, "messages.read")
    kind, recipient_id = _recipient(actor)
    with db.atomic():
        message = InboxMessage.get_or_none((InboxMessage.id == message_id) &
                                           (InboxMessage.recipient_kind == kind) &
                                           (InboxMessage.recipient_id == recipient_id))
        if message is None:
            raise NotFound("未找到该消息", code="message_not_found")
        if message.read_at is None:
            message.read_at = utcnow()
            message.save()
            audit.record(actor=actor, action="message.read", entity="inbox_message",
                         entity_id=message.id, changes={"read_at": [None, str(message.read_at)]})
    return message


def record_subscriptions(accepted: dict[str, str], *, actor: Actor) -> list[SubscriptionCredit]:
    """Add one send credit per template the resident just accepted (``{template_id: key}``)."""
    require(actor, "subscriptions.create")
    if actor.kind != "resident" or actor.id is None:
        raise ValidationFailed("只有小程序用户可以订阅消息", code="not_a_resident")
    with db.atomic():
        credits = []
        for template_id, key in accepted.items():
            credit, _ = SubscriptionCredit.get_or_create(
                resident=actor.id, template_id=template_id, defaults={"template_key": key})
            SubscriptionCredit.update(remaining=SubscriptionCredit.remaining + 1,
                                      granted_total=SubscriptionCredit.granted_total + 1,
                                      updated_at=utcnow()).where(
                SubscriptionCredit.id == credit.id).execute()
            credits.append(SubscriptionCredit.get_by_id(credit.id))
        audit.record(actor=actor, action="subscriptions.accepted", entity="resident",
                     entity_id=actor.id, changes={"template_ids": [None, sorted(accepted)]})
    return credits


def my_subscriptions(*, actor: Actor) -> list[SubscriptionCredit]:
    """The resident's remaining credits per template."""
    require(actor, "subscriptions.create")
    return list(SubscriptionCredit.select().where(SubscriptionCredit.resident == actor.id)
                .order_by(SubscriptionCredit.template_key))


# --- what the notification worker calls (as the system) --------------------------------------


def post_notices(event_id: int, notices: Iterable[Notice]) -> None:
    """File each notice in its inbox and, if it has WeChat data, as a pending send; idempotent.

    Runs inside the event's transaction, so a retried event never files anything twice.
    """
    for notice in notices:
        InboxMessage.insert(
            recipient_kind=notice.recipient_kind, recipient_id=notice.recipient_id,
            event_id=event_id, topic=notice.topic, title=notice.title[:60], body=notice.body,
            page=notice.page, created_at=utcnow()).on_conflict_ignore().execute()
        if notice.data is not None and notice.recipient_kind == "resident":
            MessageDelivery.insert(
                event_id=event_id, resident=notice.recipient_id, area_code=notice.area_code,
                topic=notice.topic, template_key=notice.template_key,
                template_id=notice.template_id, page=notice.page, data=notice.data,
                created_at=utcnow(), updated_at=utcnow()).on_conflict_ignore().execute()


def unfinished_delivery_ids(event_id: int | None = None, *, stale_after: timedelta =
                            timedelta(minutes=10), limit: int = 500) -> list[int]:
    """Sends still to do, oldest first: pending ones, and ones left half-done ("sending").

    For one event, its job is the only sender, so a "sending" row means its last run died.
    Across all events, only rows stuck longer than ``stale_after`` are taken (a live sender
    may be busy with the others).
    """
    half_done = MessageDelivery.status == "sending"
    if event_id is None:
        half_done &= MessageDelivery.updated_at < utcnow() - stale_after
    query = MessageDelivery.select(MessageDelivery.id).where(
        (MessageDelivery.status == "pending") | half_done)
    if event_id is not None:
        query = query.where(MessageDelivery.event_id == event_id)
    return [row.id for row in query.order_by(MessageDelivery.id).limit(limit)]


def claim_delivery(delivery_id: int) -> MessageDelivery | None:
    """Take a pending send and one subscription credit, committed BEFORE calling WeChat.

    Answers None when there is nothing to send: already finished; no credit left (skipped);
    or found half-done by a worker that died mid-send (unknown: WeChat has no idempotency key,
    so sending again could deliver twice and spend a second one-time credit; the inbox has it).
    """
    with db.atomic():
        delivery = MessageDelivery.get_or_none(MessageDelivery.id == delivery_id)
        if delivery is None or delivery.status in FINAL_STATUSES:
            return None
        if delivery.status == "sending":
            _finish(delivery, "unknown", None,
                    "发送中断，无法确认是否送达；为免重复不自动重发，可与居民确认后人工重发")
            return None
        claimed = MessageDelivery.update(status="sending", attempts=MessageDelivery.attempts + 1,
                                         updated_at=utcnow()).where(
            (MessageDelivery.id == delivery_id) & (MessageDelivery.status == "pending")).execute()
        if not claimed:
            return None  # another worker took it a moment ago
        if not _take_credit(delivery):
            _finish(delivery, "skipped", None, "用户没有剩余的订阅次数")
            return None
    return MessageDelivery.get_by_id(delivery_id)


def _take_credit(delivery: MessageDelivery) -> bool:
    return bool(SubscriptionCredit.update(remaining=SubscriptionCredit.remaining - 1,
                                          updated_at=utcnow()).where(
        (SubscriptionCredit.resident == delivery.resident_id) &
        (SubscriptionCredit.template_id == delivery.template_id) &
        (SubscriptionCredit.remaining > 0)).execute())


def _refund_credit(delivery: MessageDelivery) -> None:
    SubscriptionCredit.update(remaining=SubscriptionCredit.remaining + 1,
                              updated_at=utcnow()).where(
        (SubscriptionCredit.resident == delivery.resident_id) &
        (SubscriptionCredit.template_id == delivery.template_id)).execute()


def _finish(delivery: MessageDelivery, status: str, errcode: int | None, error: str | None,
            msgid: str | None = None) -> None:
    MessageDelivery.update(status=status, errcode=errcode, error=(error or "")[:200] or None,
                           msgid=msgid, updated_at=utcnow(),
                           sent_at=utcnow() if status == "sent" else None).where(
        MessageDelivery.id == delivery.id).execute()


def finish_delivery(delivery_id: int, status: str, *, errcode: int | None = None,
                    error: str | None = None, msgid: str | None = None) -> None:
    """Store a send's final outcome: sent, refused (43101: WeChat holds no credit) or failed."""
    with db.atomic():
        delivery = MessageDelivery.get_by_id(delivery_id)
        if status == "refused":
            # WeChat says the person has no subscription left: our ledger was optimistic.
            SubscriptionCredit.update(remaining=0, updated_at=utcnow()).where(
                (SubscriptionCredit.resident == delivery.resident_id) &
                (SubscriptionCredit.template_id == delivery.template_id)).execute()
        elif status == "failed":
            _refund_credit(delivery)  # WeChat did not deliver, so the grant is still unspent
        _finish(delivery, status, errcode, error, msgid)


def release_delivery(delivery_id: int, *, errcode: int | None, error: str) -> None:
    """Put a send back to pending after a busy or rate-limit answer; its credit is returned."""
    with db.atomic():
        delivery = MessageDelivery.get_by_id(delivery_id)
        _refund_credit(delivery)
        MessageDelivery.update(status="pending", errcode=errcode, error=error[:200],
                               updated_at=utcnow()).where(
            MessageDelivery.id == delivery_id).execute()


def resident_openid(resident_id: int) -> str:
    """The openid to send to (read at send time, never carried in job arguments)."""
    resident = Resident.get_or_none(Resident.id == resident_id)
    if resident is None:
        raise NotFound("未找到该居民", code="resident_not_found")
    return str(resident.openid)


@dataclass(frozen=True)
class DeliveryFilter:
    """What staff can filter send outcomes by."""

    status: str | None = None
    topic: str | None = None
    event_id: int | None = None


def list_deliveries(flt: DeliveryFilter, *, actor: Actor) -> pw.ModelSelect[MessageDelivery]:
    """Send outcomes in the actor's scope, newest first (sent, refused, failed with code)."""
    require(actor, "deliveries.read")
    query = scoped(MessageDelivery.select(), MessageDelivery.area_code, actor)
    for name, value in vars(flt).items():
        if value is not None:
            query = query.where(getattr(MessageDelivery, name) == value)
    return query.order_by(MessageDelivery.id.desc())


def resend_delivery(delivery_id: int, *, actor: Actor) -> MessageDelivery:
    """Send an unknown or failed subscribe message again, on staff's word; audited.

    A send found half-done after a crash stays ``unknown``: WeChat has no idempotency key, so
    only a person who has checked (the resident did not get it) may risk a second delivery.
    The resident's inbox has had the message all along. The send itself runs after the commit
    (``delivery.resend_requested``) and takes a subscription credit like any other.
    """
    require(actor, "deliveries.resend")
    with db.atomic():
        delivery = get_scoped(MessageDelivery, delivery_id, MessageDelivery.area_code, actor)
        if delivery.status not in RESENDABLE_STATUSES:
            raise Conflict("只有结果未知或发送失败的消息可以重发", code="delivery_not_resendable")
        moved = MessageDelivery.update(status="pending", errcode=None, error=None,
                                       updated_at=utcnow()).where(
            (MessageDelivery.id == delivery.id) & (MessageDelivery.status == delivery.status)
        ).execute()
        if not moved:
            raise Conflict("该消息刚被他人处理，请刷新后查看", code="delivery_state_changed")
        audit.record(actor=actor, action="delivery.resend", entity="message_delivery",
                     entity_id=delivery.id, changes={"status": [delivery.status, "pending"]},
                     reason=delivery.error, area_code=delivery.area_code or None)
        outbox.emit("delivery.resend_requested", delivery_id=delivery.id)
    return MessageDelivery.get_by_id(delivery_id)


def delivery_summary(delivery: MessageDelivery) -> dict[str, Any]:
    """A send's outcome without personal data, for logs."""
    return {"id": delivery.id, "event_id": delivery.event_id, "status": delivery.status,
            "errcode": delivery.errcode, "template_key": delivery.template_key}
