"""Idempotency keys: the first answer to a create request is kept and replayed for retries.

The claim, the request's own writes and the answer it gives are written in the request's one
transaction, so they commit together or not at all: a process that dies before the commit
leaves no trace of the key (a retry runs afresh), one that dies after it leaves the answer
(a retry replays it). Two requests with the same key meet at the unique index: the second
waits for the first's commit there (PostgreSQL), or for its write lock (SQLite), then replays.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import peewee as pw

from backend.db import db
from backend.errors import Conflict, ValidationFailed
from backend.models import IdempotencyRecord, utcnow

# A row with no answer can only be left by a process from before answers were written in the
# request's own transaction; past this age it no longer holds its key.
UNANSWERED_CLAIM_EXPIRES = timedelta(minutes=2)


@dataclass(frozen=True)
class StoredAnswer:
    """A response kept for a key."""

    status_code: int
    body: str


def request_fingerprint(endpoint: str, payload: Any) -> str:
    """A hash of what was asked, so a key reused for a different request is caught."""
    canonical = json.dumps([endpoint, payload], ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def claim(actor_key: str, key: str, endpoint: str, fingerprint: str) -> StoredAnswer | None:
    """Claim a key inside the request's transaction (answer None), or the kept answer."""
    if not key or len(key) > 100:
        raise ValidationFailed("Idempotency-Key 须为1至100个字符", code="invalid_idempotency_key")
    if not db.in_transaction():
        raise RuntimeError("an idempotency key is claimed inside its request's transaction")
    try:
        with db.atomic():  # a savepoint: a lost race leaves the request's transaction usable
            IdempotencyRecord.create(actor_key=actor_key, key=key, endpoint=endpoint,
                                     request_hash=fingerprint)
        return None
    except pw.IntegrityError:
        pass
    record = IdempotencyRecord.get(IdempotencyRecord.actor_key == actor_key,
                                   IdempotencyRecord.key == key)
    if record.request_hash != fingerprint or record.endpoint != endpoint:
        raise Conflict("该 Idempotency-Key 已用于另一个请求", code="idempotency_key_reused")
    if record.status_code is not None:
        return StoredAnswer(record.status_code, record.response_body or "")
    if record.created_at > utcnow() - UNANSWERED_CLAIM_EXPIRES:
        raise Conflict("相同请求仍在处理中，请稍后重试", code="idempotency_in_progress")
    record.delete_instance()
    return claim(actor_key, key, endpoint, fingerprint)


def answer(actor_key: str, key: str, status_code: int, body: str) -> None:
    """Keep the answer given to the claimed request (in the same transaction as its claim)."""
    (IdempotencyRecord.update(status_code=status_code, response_body=body)
     .where(IdempotencyRecord.actor_key == actor_key, IdempotencyRecord.key == key).execute())
