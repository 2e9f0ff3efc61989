"""Notifications as stored: the in-app inbox, WeChat subscription credits, each send's outcome."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import Resident
from backend.models.base import BaseModel, JSONField, Labelled, TimestampedModel, utcnow

RECIPIENT_KINDS = {"resident": "居民", "staff": "工作人员"}


class DeliveryStatus(Labelled):
    """One WeChat subscribe message's send."""

    PENDING = "pending", "待发送"
    SENDING = "sending", "发送中"
    SENT = "sent", "已送达"
    REFUSED = "refused", "用户未订阅或拒收"
    FAILED = "failed", "发送失败"
    SKIPPED = "skipped", "无订阅额度，未发送"
    UNKNOWN = "unknown", "发送中断，结果未知（不自动重发，工作人员可确认后重发）"


DELIVERY_STATUSES = DeliveryStatus.labels()
# What staff may send again by hand: the outcome is unknown, or WeChat refused it for good.
RESENDABLE_STATUSES = frozenset({DeliveryStatus.UNKNOWN, DeliveryStatus.FAILED})


class InboxMessage(BaseModel):
    """One notification in a person's in-app inbox; every notification lands here first."""

    created_at = pw.DateTimeField(default=utcnow)
    recipient_kind = pw.CharField(max_length=10)  # RECIPIENT_KINDS
    recipient_id = pw.IntegerField()
    event_id = pw.IntegerField(null=True)  # the outbox event it came from: one message per event
    topic = pw.CharField(max_length=60)
    title = pw.CharField(max_length=60)
    body = pw.TextField()
    page = pw.CharField(max_length=200, null=True)  # the mini-program page that opens the item
    read_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = (
            (("recipient_kind", "recipient_id", "event_id"), True),
            (("recipient_kind", "recipient_id", "read_at"), False),
        )


class SubscriptionCredit(TimestampedModel):
    """How many sends of one WeChat template a resident has granted (one per one-time accept)."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        resident_id: int

    resident = pw.ForeignKeyField(Resident, backref="subscription_credits", on_delete="CASCADE")
    template_key = pw.CharField(max_length=60)
    template_id = pw.CharField(max_length=64)
    remaining = pw.IntegerField(default=0)
    granted_total = pw.IntegerField(default=0)

    class Meta:
        indexes = ((("resident", "template_id"), True),)


class MessageDelivery(TimestampedModel):
    """One WeChat subscribe-message send and its outcome, kept for staff to see."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        resident_id: int

    event_id = pw.IntegerField(index=True)
    resident = pw.ForeignKeyField(Resident, backref="deliveries", on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, default="", index=True)  # the item's village
    topic = pw.CharField(max_length=60)
    template_key = pw.CharField(max_length=60)
    template_id = pw.CharField(max_length=64)
    page = pw.CharField(max_length=200, null=True)
    data = JSONField(default=dict)  # keyword -> value, already shaped to WeChat's limits
    status = pw.CharField(max_length=10, default="pending", index=True)  # DELIVERY_STATUSES
    errcode = pw.IntegerField(null=True)
    error = pw.CharField(max_length=200, null=True)
    attempts = pw.IntegerField(default=0)
    msgid = pw.CharField(max_length=40, null=True)
    sent_at = pw.DateTimeField(null=True)

    @property
    def resendable(self) -> bool:
        """Whether staff may send it again by hand."""
        return self.status in RESENDABLE_STATUSES

    class Meta:
        table_name = "message_delivery"
        indexes = ((("event_id", "resident", "template_key"), True),)
