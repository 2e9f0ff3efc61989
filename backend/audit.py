"""The audit trail: one append-only table, every state change one row, chained by hash.

Each row's hash covers its content and the previous row's hash, so editing or deleting any
row breaks every hash after it; ``verify_chain`` names the first row that no longer fits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from backend import runtime
from backend.db import db, is_postgres
from backend.models import AuditEntry, utcnow
from backend.permissions import Actor

GENESIS_HASH = "0" * 64
# Values of these fields are never written to the trail, only the fact that they changed.
SENSITIVE_FIELDS = frozenset({
    "id_number", "phone", "guardian_phone", "password", "password_hash", "session_key",
    "id_number_enc", "phone_enc", "guardian_phone_enc", "session_key_enc", "id_number_index",
})
REDACTED = "[已加密]"
_CHAIN_LOCK = 727_001  # PostgreSQL advisory lock id that serialises appends to the chain


def _content(entry: AuditEntry) -> dict[str, Any]:
    return {
        "created_at": entry.created_at.isoformat(timespec="microseconds"),
        "actor_kind": entry.actor_kind,
        "actor_id": entry.actor_id,
        "action": entry.action,
        "entity": entry.entity,
        "entity_id": str(entry.entity_id),
        "changes": entry.changes,
        "reason": entry.reason,
        "request_id": entry.request_id,
        "prev_hash": entry.prev_hash,
    }


def compute_hash(entry: AuditEntry) -> str:
    """The hash of a row's content and its predecessor's hash."""
    canonical = json.dumps(_content(entry), ensure_ascii=False, sort_keys=True, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def redact(changes: dict[str, Any]) -> dict[str, Any]:
    """Replace sensitive before/after values with a marker."""
    return {field: ([REDACTED, REDACTED] if field in SENSITIVE_FIELDS else value)
            for field, value in changes.items()}


def diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """Fields whose values differ, as {field: [before, after]}."""
    return {key: [before.get(key), after.get(key)] for key in sorted(set(before) | set(after))
            if before.get(key) != after.get(key)}


def record(*, actor: Actor, action: str, entity: str, entity_id: Any,
           changes: dict[str, Any] | None = None, reason: str | None = None) -> AuditEntry:
    """Append one row for a state change; must run inside the change's transaction."""
    if not db.in_transaction():
        raise RuntimeError("audit.record must run inside the transaction of its change")
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s)", (_CHAIN_LOCK,))
    last = AuditEntry.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).first()
    entry = AuditEntry(
        created_at=utcnow(), actor_kind=actor.kind, actor_id=actor.id, action=action,
        entity=entity, entity_id=str(entity_id), changes=redact(changes or {}), reason=reason,
        request_id=runtime.request_id(), prev_hash=last.hash if last else GENESIS_HASH,
    )
    # Store what the JSON column will give back, so the hash verifies after a round trip.
    entry.changes = json.loads(AuditEntry.changes.db_value(entry.changes) or "null")
    entry.hash = compute_hash(entry)
    entry.save(force_insert=True)
    return entry


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_chain`` found."""

    rows_checked: int
    first_broken_id: int | None
    problem: str | None

    @property
    def ok(self) -> bool:
        """True when every row fits the chain."""
        return self.first_broken_id is None


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the trail in order and name the first row whose hash or link does not fit."""
    expected_prev, count, last_id = GENESIS_HASH, 0, 0
    while True:
        rows = list(AuditEntry.select().where(AuditEntry.id > last_id)
                    .order_by(AuditEntry.id).limit(batch_size))
        if not rows:
            return ChainReport(count, None, None)
        for entry in rows:
            count += 1
            if entry.prev_hash != expected_prev:
                return ChainReport(count, entry.id, "与上一条记录的链接不符（记录被删除或插入）")
            if compute_hash(entry) != entry.hash:
                return ChainReport(count, entry.id, "记录内容与其哈希不符（记录被篡改）")
            expected_prev, last_id = entry.hash, entry.id
