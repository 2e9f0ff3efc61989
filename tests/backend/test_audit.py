"""The audit trail: one row per change, chained by hash (a chain per township), tampering
found and named."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator

import peewee as pw
import pytest
from flask import Flask
from peewee_migrate import Router
from playhouse.db_url import connect

from backend import audit, migrate
from backend.db import db, is_postgres
from backend.models import AuditEntry, utcnow
from backend.models.accounts import Role
from backend.permissions import SYSTEM, Actor, ActorKind
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
    assert f"链 {first.chain}" in broken.output


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


def _staff(area_code: str, role: str = Role.TOWNSHIP_STAFF) -> Actor:
    return Actor(kind=ActorKind.STAFF, id=1, role=role, area_code=area_code)


def _resident(resident_id: int) -> Actor:
    return Actor(kind=ActorKind.RESIDENT, id=resident_id, role=Role.RESIDENT)


def _write_in(*area_codes: str) -> list[AuditEntry]:
    """One change in each area, in turn, each in its own transaction."""
    rows = []
    for n, area_code in enumerate(area_codes):
        with db.atomic():
            rows.append(audit.record(actor=SYSTEM, action="test.change", entity="thing",
                                     entity_id=n, changes={"n": [n, n + 1]},
                                     area_code=area_code))
    return rows


@pytest.fixture
def interleaved(world: World) -> dict[str, list[AuditEntry]]:
    """Three changes in each township, written turn about: chain name -> its rows."""
    a, b = world.villages["a1"].code, world.villages["b1"].code
    rows = _write_in(a, b, a, b, a, b)
    return {audit.chain_for(SYSTEM, a): rows[0::2], audit.chain_for(SYSTEM, b): rows[1::2]}


def test_a_township_s_changes_go_to_its_own_chain() -> None:
    township, village = "410184001", "410184001201"
    assert audit.chain_for(_staff(township)) == f"township:{township}"
    assert audit.chain_for(_staff(village, role=Role.COORDINATOR)) == f"township:{township}"
    assert audit.chain_for(_staff("410184"), area_code=village) == f"township:{township}"
    assert audit.chain_for(_resident(7), area_code=village) == f"township:{township}"


def test_changes_of_no_township_spread_over_a_few_shared_chains_by_actor() -> None:
    city_admin = _staff("410184", role=Role.CITY_ADMIN)
    assert audit.chain_for(city_admin).startswith("shared:")
    assert audit.chain_for(_staff("410184001"), area_code="410184").startswith("shared:")
    assert audit.chain_for(SYSTEM) == audit.chain_for(SYSTEM, area_code="")
    residents = {audit.chain_for(_resident(n)) for n in range(50)}
    assert len(residents) > 1 and residents <= {f"shared:{n}" for n in range(audit.SHARED_CHAINS)}
    assert audit.chain_for(_resident(3)) == audit.chain_for(_resident(3))


def test_two_townships_rows_form_independent_chains(
    interleaved: dict[str, list[AuditEntry]]
) -> None:
    for chain, rows in interleaved.items():
        assert [row.chain for row in rows] == [chain] * 3
        assert rows[0].prev_hash == audit.GENESIS_HASH
        assert [row.prev_hash for row in rows[1:]] == [row.hash for row in rows[:-1]]
    report = audit.verify_chain()
    assert report.ok and report.rows_checked == AuditEntry.select().count()
    assert report.chains_checked == len({e.chain for e in AuditEntry.select(AuditEntry.chain)})


def test_a_tampered_row_is_named_with_its_chain_and_the_other_chains_stay_intact(
    interleaved: dict[str, list[AuditEntry]]
) -> None:
    chain, rows = next(iter(interleaved.items()))
    with audit_guard_lifted():
        AuditEntry.update(reason="悄悄改了").where(AuditEntry.id == rows[1].id).execute()
    report = audit.verify_chain(batch_size=2)  # a chain's rows spread over several batches
    assert (report.first_broken_id, report.broken_chain) == (rows[1].id, chain)
    assert "篡改" in (report.problem or "") and len(report.breaks) == 1


def test_a_row_deleted_from_a_township_s_chain_is_found_at_the_next_row_of_that_chain(
    interleaved: dict[str, list[AuditEntry]]
) -> None:
    chain, rows = list(interleaved.items())[1]
    with audit_guard_lifted():
        AuditEntry.delete().where(AuditEntry.id == rows[1].id).execute()
    report = audit.verify_chain()
    assert [(b.chain, b.entry_id) for b in report.breaks] == [(chain, rows[2].id)]
    assert "删除" in (report.problem or "")


def test_a_row_moved_to_another_chain_breaks_both(
    interleaved: dict[str, list[AuditEntry]]
) -> None:
    (chain_a, rows_a), (chain_b, _) = interleaved.items()
    with audit_guard_lifted():
        AuditEntry.update(chain=chain_b).where(AuditEntry.id == rows_a[1].id).execute()
    broken = {b.chain: b.entry_id for b in audit.verify_chain().breaks}
    assert broken == {chain_a: rows_a[2].id, chain_b: rows_a[1].id}


def test_one_transaction_appends_to_one_chain_only(world: World) -> None:
    a, b = world.villages["a1"].code, world.villages["b1"].code
    with db.atomic():
        first = audit.record(actor=SYSTEM, action="x", entity="y", entity_id=1, area_code=a)
        second = audit.record(actor=SYSTEM, action="x", entity="y", entity_id=2, area_code=b)
    assert second.chain == first.chain == audit.chain_for(SYSTEM, a)
    assert second.prev_hash == first.hash
    assert _write_in(b)[0].chain == audit.chain_for(SYSTEM, b)  # the next transaction is free


def _append_the_old_way(count: int) -> None:
    """Rows as the single-chain trail wrote them, into a table without ``chain``."""
    columns = [f for f in AuditEntry._meta.sorted_fields if f.name not in ("id", "chain")]
    for n in range(count):
        with db.atomic():
            last = AuditEntry.select(AuditEntry.hash).order_by(AuditEntry.id.desc()).first()
            entry = AuditEntry(created_at=utcnow(), actor_kind="system", action="old.change",
                               entity="thing", entity_id=str(n), prev_hash=last.hash if last
                               else audit.GENESIS_HASH,
                               changes=json.loads(json.dumps({"n": [n, n + 1]})))
            entry.hash = audit.compute_hash(entry)
            AuditEntry.insert({f: getattr(entry, f.name) for f in columns}).execute()


@pytest.fixture
def trail_before_chains(fresh_database_url: str) -> Iterator[pw.Database]:
    """A database at the last version before chains, holding four rows; bound for the test."""
    database = connect(fresh_database_url.replace("+pool", ""))
    Router(database, migrate_dir=migrate.MIGRATIONS_DIR).run("010_login_attempt_address")
    live = db.obj
    db.initialize(database)
    try:
        with db.connection_context():
            _append_the_old_way(4)
            yield database
    finally:
        db.initialize(live)
        database.close()


def test_an_upgraded_database_s_old_rows_still_verify(trail_before_chains: pw.Database) -> None:
    migrate.upgrade(trail_before_chains)
    old = list(AuditEntry.select().order_by(AuditEntry.id))
    assert [row.chain for row in old] == [audit.LEGACY_CHAIN] * 4
    new = _write_in("410184001201", "410184100201")
    assert {row.chain for row in new}.isdisjoint({audit.LEGACY_CHAIN})
    report = audit.verify_chain()
    assert report.ok and (report.rows_checked, report.chains_checked) == (6, 3)
    with audit_guard_lifted():
        AuditEntry.update(entity_id="forged").where(AuditEntry.id == old[2].id).execute()
    assert audit.verify_chain().breaks == (
        audit.ChainBreak(audit.LEGACY_CHAIN, old[2].id, "记录内容与其哈希不符（记录被篡改）"),)


def _hold_a_change_open(area_code: str, recorded: threading.Event,
                        release: threading.Event) -> None:
    """In a connection of its own: record a change, then keep the transaction open."""
    with db.connection_context(), db.atomic():
        audit.record(actor=SYSTEM, action="test.hold", entity="thing", entity_id=0,
                     area_code=area_code)
        recorded.set()
        release.wait(timeout=30)


def _record_waiting_at_most(area_code: str, seconds: float) -> AuditEntry:
    with db.atomic():
        db.execute_sql(f"SET LOCAL lock_timeout = '{int(seconds * 1000)}ms'")
        return audit.record(actor=SYSTEM, action="test.other", entity="thing", entity_id=1,
                            area_code=area_code)


def test_on_postgresql_townships_do_not_wait_for_each_other_but_one_township_does(
    world: World,
) -> None:
    if not is_postgres():
        pytest.skip("advisory locks are PostgreSQL's; SQLite lets one writer in at a time")
    a1, a2, b1 = (world.villages[k].code for k in ("a1", "a2", "b1"))
    recorded, release = threading.Event(), threading.Event()
    holder = threading.Thread(target=_hold_a_change_open, args=(a1, recorded, release))
    holder.start()
    try:
        assert recorded.wait(timeout=10)
        elsewhere = _record_waiting_at_most(b1, seconds=2)
        with pytest.raises(pw.OperationalError, match="lock timeout"):
            _record_waiting_at_most(a2, seconds=0.5)  # same township: queues behind the holder
    finally:
        release.set()
        holder.join(timeout=10)
    assert elsewhere.chain == audit.chain_for(SYSTEM, b1) != audit.chain_for(SYSTEM, a1)
    assert audit.verify_chain().ok
