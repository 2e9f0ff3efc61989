"""The audit trail: one row per change, chained by hash, tampering found and named."""

from __future__ import annotations

import peewee as pw
import pytest
from flask import Flask

from backend import audit
from backend.db import db
from backend.models import AuditEntry
from backend.permissions import SYSTEM
from tests.conftest import audit_guard_lifted
from tests.factories import World


def _write(n: int) -> None:
    for i in range(n):
        with db.atomic():
            audit.record(
                actor=SYSTEM,
                action="test.change",
                entity="thing",
                entity_id=i,
                changes={"status": ["draft", "submitted"], "phone": ["1", "2"]},
            )


def test_an_untouched_chain_verifies(world: World) -> None:
    _write(5)
    report = audit.verify_chain()
    assert report.ok and report.rows_checked == AuditEntry.select().count()


def test_sensitive_values_never_reach_the_trail(world: World) -> None:
    _write(1)
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    assert entry.changes["phone"] == [audit.REDACTED, audit.REDACTED]
    assert entry.changes["status"] == ["draft", "submitted"]


def test_an_edited_row_is_named_as_the_first_broken_one(world: World) -> None:
    _write(5)
    victim = AuditEntry.select().order_by(AuditEntry.id).offset(3).get()
    with audit_guard_lifted():
        AuditEntry.update(reason="悄悄改了").where(AuditEntry.id == victim.id).execute()
    report = audit.verify_chain()
    assert report.first_broken_id == victim.id and "篡改" in (report.problem or "")


def test_a_deleted_row_breaks_the_link_of_the_next(world: World) -> None:
    _write(5)
    rows = list(AuditEntry.select().order_by(AuditEntry.id))
    with audit_guard_lifted():
        AuditEntry.delete().where(AuditEntry.id == rows[2].id).execute()
    assert audit.verify_chain().first_broken_id == rows[3].id


def test_recording_outside_a_transaction_is_a_programming_error(world: World) -> None:
    try:
        audit.record(actor=SYSTEM, action="x", entity="y", entity_id=1)
    except RuntimeError as exc:
        assert "transaction" in str(exc)
    else:
        raise AssertionError("audit.record outside a transaction must fail")


def test_the_cli_reports_a_broken_chain_and_exits_non_zero(app: Flask, world: World) -> None:
    runner = app.test_cli_runner()
    ok = runner.invoke(args=["audit", "verify"])
    assert ok.exit_code == 0 and "审计链完整" in ok.output
    first = AuditEntry.select().order_by(AuditEntry.id).get()
    with audit_guard_lifted():
        AuditEntry.update(action="forged").where(AuditEntry.id == first.id).execute()
    broken = runner.invoke(args=["audit", "verify"])
    assert broken.exit_code == 1 and f"id={first.id}" in broken.output


def test_the_database_itself_refuses_to_change_or_delete_history(world: World) -> None:
    _write(1)
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).get()
    for change in (
        AuditEntry.update(reason="改").where(AuditEntry.id == entry.id),
        AuditEntry.delete().where(AuditEntry.id == entry.id),
    ):
        with pytest.raises(pw.DatabaseError, match="append-only"), db.atomic():
            change.execute()
    assert audit.verify_chain().ok
