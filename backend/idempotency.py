"""Idempotency keys: the first answer to a create request is kept and replayed for retries.

The first request with a key inserts a row (a unique constraint picks one winner under
concurrency); others with the same key wait for its answer and replay it byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import time
from dataclasses import dataclass
from typing import Any

import peewee as pw

from backend.db import db
from backend.errors import Conflict, ValidationFailed
from backend.models import IdempotencyRecord

WAIT_SECONDS = 30.0
POLL_SECONDS = 0.05


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
    """Claim a key for this request (answer None), or answer the first request's response."""
    if not key or len(key) > 100:
        raise ValidationFailed("Idempotency-Key 须为1至100个字符", code="invalid_idempotency_key")
    try:
        with db.atomic():
            IdempotencyRecord.create(actor_key=actor_key, key=key, endpoint=endpoint,
                                     request_hash=fingerprint)
        return None
    except pw.IntegrityError:
        pass
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        record = IdempotencyRecord.get_or_none(IdempotencyRecord.actor_key == actor_key,
                                               IdempotencyRecord.key == key)
        if record is None:  # the first request failed and released the key: take it over
            return claim(actor_key, key, endpoint, fingerprint)
        if record.request_hash != fingerprint or record.endpoint != endpoint:
            raise Conflict("该 Idempotency-Key 已用于另一个请求", code="idempotency_key_reused")
        if record.status_code is not None:
            return StoredAnswer(record.status_code, record.response_body or "")
        if time.monotonic() > deadline:
            raise Conflict("相同请求仍在处理中，请稍后重试", code="idempotency_in_progress")
        time.sleep(POLL_SECONDS)


def complete(actor_key: str, key: str, status_code: int, body: str) -> None:
    """Keep the answer given to the claimed request."""
    (IdempotencyRecord.update(status_code=status_code, response_body=body)
     .where(IdempotencyRecord.actor_key == actor_key, IdempotencyRecord.key == key).execute())


def release(actor_key: str, key: str) -> None:
    """Free a key whose request failed unexpectedly, so a retry can run it again."""
    (IdempotencyRecord.delete()
     .where(IdempotencyRecord.actor_key == actor_key, IdempotencyRecord.key == key,
            IdempotencyRecord.status_code.is_null()).execute())
