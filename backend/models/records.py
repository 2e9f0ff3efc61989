"""The product's own bookkeeping: audit trail, outbox, personal-data access log, idempotency."""

from __future__ import annotations

import peewee as pw

from backend.models.base import BaseModel, JSONField, utcnow


class AuditEntry(BaseModel):
    """One state change, append-only, chained by hash to the previous row of its chain."""

    chain = pw.CharField(max_length=32)  # township:<9 digits> | shared:<n> | legacy (backend.audit)
    created_at = pw.DateTimeField(default=utcnow)
    actor_kind = pw.CharField(max_length=10)  # staff | resident | system
    actor_id = pw.IntegerField(null=True)
    action = pw.CharField(max_length=60)
    entity = pw.CharField(max_length=40)
    entity_id = pw.CharField(max_length=40)
    changes = JSONField(default=dict)  # {field: [before, after]}; sensitive values redacted
    reason = pw.TextField(null=True)
    request_id = pw.CharField(max_length=64, null=True)
    prev_hash = pw.CharField(max_length=64)
    hash = pw.CharField(max_length=64, unique=True)

    class Meta:
        indexes = (
            (("entity", "entity_id"), False),
            (("chain", "id"), False),  # a chain's last row, found without reading the others
        )


class OutboxEvent(BaseModel):
    """An event written in the same transaction as its change; a relay hands it on after commit."""

    created_at = pw.DateTimeField(default=utcnow)
    topic = pw.CharField(max_length=60, index=True)
    payload = JSONField(default=dict)  # ids only: never personal data
    status = pw.CharField(max_length=12, default="pending", index=True)  # pending | enqueued | done
    attempts = pw.IntegerField(default=0)
    dispatched_at = pw.DateTimeField(null=True)
    last_error = pw.TextField(null=True)


class PiiAccess(BaseModel):
    """Who read a decrypted personal value, when and why."""

    created_at = pw.DateTimeField(default=utcnow)
    actor_kind = pw.CharField(max_length=10)
    actor_id = pw.IntegerField(null=True)
    entity = pw.CharField(max_length=40)
    entity_id = pw.CharField(max_length=40)
    field = pw.CharField(max_length=40)
    purpose = pw.CharField(max_length=60)
    request_id = pw.CharField(max_length=64, null=True)


class IdempotencyRecord(BaseModel):
    """The first answer to a create request, replayed for every retry with the same key."""

    actor_key = pw.CharField(max_length=40)  # e.g. "resident:12"
    key = pw.CharField(max_length=100)
    endpoint = pw.CharField(max_length=100)
    request_hash = pw.CharField(max_length=64)
    status_code = pw.IntegerField(null=True)  # null while the first request is still running
    response_body = pw.TextField(null=True)
    created_at = pw.DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("actor_key", "key"), True),)


class LoginAttempt(BaseModel):
    """A failed staff login, counted per username and address to throttle guessing."""

    username = pw.CharField(max_length=50, index=True)
    address = pw.CharField(max_length=45, default="")  # the client's IP address
    created_at = pw.DateTimeField(default=utcnow)
