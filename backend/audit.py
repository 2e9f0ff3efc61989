"""The audit trail: one append-only table, every state change one row, chained by hash.

Each row's hash covers its content and the hash of the row before it *in its chain*, so
editing or deleting a row breaks the link of the next row of that chain; ``verify_chain``
walks every chain and names the first row that no longer fits.

There are several chains so that writes in different townships never wait for each other:
appending reads the chain's last hash and writes after it, one writer per chain at a time (on
PostgreSQL an advisory lock per chain, held until the transaction ends; SQLite lets one writer
in at a time anyway). With one chain for the city, every audited write queued on one lock.

How ``record`` chooses a row's chain (``chain_for``):

- ``area_code=`` given, a township's or a village's code (9 or 12 digits): the township's
  chain, ``township:<its 9-digit prefix>``.
- not given: the actor's scope, when it is a township or a village (township staff, social
  workers, coordinators): that township's chain.
- otherwise (the city bureau, residents, the system, a city-level code): one of
  ``SHARED_CHAINS`` chains ``shared:<n>``, chosen by the actor, so one actor's rows stay in
  order in one chain and residents spread over several chains instead of queuing on one.
- a transaction appends to one chain only: the first chain it appends to takes its later rows
  too, so it holds one chain's lock at most and two transactions never deadlock on them.
- the rows written before there were chains are the chain ``legacy``; nothing appends to it.

A service that knows its change's area cheaply (an application's, a client's, a plan's) should
pass it, so that the city bureau's or the system's change in a township joins that township's
chain rather than a shared one; until then the actor decides.

A chain's name is not hashed: a row moved to another chain breaks the link of the row after it
in its old chain, as a deleted one does. As with one chain, removing a chain's newest rows
leaves nothing behind to notice it; copies of the trail (backups) are what show that.
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
TOWNSHIP_DIGITS = 9  # the township's prefix of a 12-digit area code
SHARED_CHAINS = 8  # chains for writes that belong to no township
LEGACY_CHAIN = "legacy"  # the rows written before the trail had chains (migration 011)
# PostgreSQL advisory locks are (class, object) pairs of 32-bit numbers: this class is the
# trail's, the object a number derived from the chain's name.
_CHAIN_LOCK = 727_001
_PINNED = "audit_chain"  # attribute of peewee's outermost transaction: the chain it appends to


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
    """The hash of a row's content and its predecessor's hash (the row before it in its chain)."""
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


def chain_for(actor: Actor, area_code: str | None = None) -> str:
    """The chain a change belongs to: its township's, else a shared chain chosen by the actor."""
    area = actor.area_code if area_code is None else area_code
    if len(area) >= TOWNSHIP_DIGITS and area.isdigit():
        return f"township:{area[:TOWNSHIP_DIGITS]}"
    return f"shared:{_number(actor.key) % SHARED_CHAINS}"


def record(*, actor: Actor, action: str, entity: str, entity_id: Any,
           changes: dict[str, Any] | None = None, reason: str | None = None,
           area_code: str | None = None) -> AuditEntry:
    """Append one row for a state change; must run inside the change's transaction.

    ``area_code``: the village or township the change belongs to, when the caller knows it;
    without it the actor's scope chooses the chain (see the module's docstring).
    """
    if not db.in_transaction():
        raise RuntimeError("audit.record must run inside the transaction of its change")
    chain = _pinned_chain(chain_for(actor, area_code))
    if is_postgres():
        db.execute_sql("SELECT pg_advisory_xact_lock(%s, %s)", (_CHAIN_LOCK, _lock_number(chain)))
    last = (AuditEntry.select(AuditEntry.hash).where(AuditEntry.chain == chain)
            .order_by(AuditEntry.id.desc()).first())
    entry = AuditEntry(
        chain=chain, created_at=utcnow(), actor_kind=actor.kind, actor_id=actor.id,
        action=action, entity=entity, entity_id=str(entity_id), changes=redact(changes or {}),
        reason=reason, request_id=runtime.request_id(),
        prev_hash=last.hash if last else GENESIS_HASH,
    )
    # Store what the JSON column will give back, so the hash verifies after a round trip.
    entry.changes = json.loads(AuditEntry.changes.db_value(entry.changes) or "null")
    entry.hash = compute_hash(entry)
    entry.save(force_insert=True)
    return entry


def _number(text: str) -> int:
    """A stable unsigned 32-bit number for a text (Python's own ``hash`` changes per process)."""
    return int.from_bytes(hashlib.sha256(text.encode()).digest()[:4], "big")


def _lock_number(chain: str) -> int:
    """The chain's advisory lock object, a signed 32-bit number as PostgreSQL takes it.

    Two chains may share a number; they then queue on each other, which costs time, not safety.
    """
    number = _number(chain)
    return number - 2**32 if number >= 2**31 else number


def _pinned_chain(wanted: str) -> str:
    """The chain this transaction already appends to, else ``wanted``, pinned from now on."""
    outermost = db.obj._state.transactions[0]  # peewee's: one object per BEGIN ... COMMIT
    chain: str = getattr(outermost, _PINNED, None) or wanted
    setattr(outermost, _PINNED, chain)
    return chain


@dataclass(frozen=True)
class ChainBreak:
    """The first row of a chain that does not fit it."""

    chain: str
    entry_id: int
    problem: str


@dataclass(frozen=True)
class ChainReport:
    """What ``verify_chain`` found: rows and chains walked, each broken chain's first break."""

    rows_checked: int
    chains_checked: int
    breaks: tuple[ChainBreak, ...] = ()  # in the order of their rows

    @property
    def ok(self) -> bool:
        """True when every row fits its chain."""
        return not self.breaks

    @property
    def first_broken_id(self) -> int | None:
        """The oldest row that does not fit its chain."""
        return self.breaks[0].entry_id if self.breaks else None

    @property
    def problem(self) -> str | None:
        """What is wrong with that row."""
        return self.breaks[0].problem if self.breaks else None

    @property
    def broken_chain(self) -> str | None:
        """The chain of that row."""
        return self.breaks[0].chain if self.breaks else None


def verify_chain(batch_size: int = 2000) -> ChainReport:
    """Walk the trail in order, every chain at once; name each broken chain's first bad row.

    Reads ``batch_size`` rows at a time and remembers one hash per chain, so memory stays
    bounded by the batch and the number of chains, not by the trail.
    """
    heads: dict[str, str] = {}  # each chain's last hash so far
    breaks: dict[str, ChainBreak] = {}
    count, last_id = 0, 0
    while rows := list(AuditEntry.select().where(AuditEntry.id > last_id)
                       .order_by(AuditEntry.id).limit(batch_size)):
        for entry in rows:
            count += 1
            if entry.chain in breaks:
                continue  # a chain's first break is what is reported; the rest is noise
            problem = _problem(entry, heads.get(entry.chain, GENESIS_HASH))
            if problem:
                breaks[entry.chain] = ChainBreak(entry.chain, entry.id, problem)
            heads[entry.chain] = entry.hash
        last_id = rows[-1].id
    return ChainReport(count, len(heads), tuple(breaks.values()))


def _problem(entry: AuditEntry, expected_prev: str) -> str | None:
    if entry.prev_hash != expected_prev:
        return "与上一条记录的链接不符（记录被删除或插入）"
    if compute_hash(entry) != entry.hash:
        return "记录内容与其哈希不符（记录被篡改）"
    return None
