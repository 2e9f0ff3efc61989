"""Compiled hot SELECTs and the page prefetch answer what peewee itself would, for less."""

from __future__ import annotations

import dataclasses

import peewee as pw
import pytest

from backend import runtime
from backend.compiled import CompiledSelect
from backend.config import load_settings
from backend.db import db, is_postgres
from backend.models import AuthSession, Client, ClientCategory, StaffAccount, Village
from backend.prefetch import prefetch_related
from backend.services import auth
from tests.conftest import QueryLog
from tests.factories import World


def _village_of_client(client_id: int) -> pw.ModelSelect:
    return (Client.select(Client, Village).join(Village, attr="home")
            .where(Client.id == client_id))


def test_a_compiled_select_answers_each_value_with_its_joined_rows(world: World) -> None:
    compiled: CompiledSelect[Client] = CompiledSelect(_village_of_client, [-1])
    with db.connection_context():
        for key in ("a1", "a2", "b1"):
            expected = world.clients[key]
            [found] = compiled.rows(expected.id)
            assert (found.id, found.name) == (expected.id, expected.name)
            assert found.home.id == expected.village_id  # the joined model, as peewee builds it
        assert compiled.first(10**9) is None


def test_a_compiled_select_writes_its_sql_once(world: World, queries: QueryLog) -> None:
    built: list[int] = []

    def build(client_id: int) -> pw.ModelSelect:
        built.append(client_id)
        return _village_of_client(client_id)

    compiled: CompiledSelect[Client] = CompiledSelect(build, [-1])
    with db.connection_context():
        for key in ("a1", "a2", "b1", "a1"):
            assert compiled.first(world.clients[key].id) is not None
    assert built == [-1]
    ran = [sql for sql in queries.statements if 'FROM "client"' in sql or "EXECUTE" in sql]
    if is_postgres():  # prepared once on the connection, then executed by name
        assert len([sql for sql in ran if "PREPARE compiled" in sql]) == 1
        assert len([sql for sql in ran if "EXECUTE compiled" in sql]) == 4
    else:
        assert len(ran) == 4


def test_a_placeholder_that_does_not_reach_the_sql_once_is_refused(world: World) -> None:
    twice: CompiledSelect[Client] = CompiledSelect(
        lambda v: Client.select().where((Client.id == v) | (Client.village == v)), [-1])
    with db.connection_context(), pytest.raises(ValueError, match="appears 2 times"):
        twice.first(1)


def test_the_session_lookup_reads_staff_and_residents_with_their_accounts(world: World) -> None:
    staff_token = world.token_for("ts-a")
    resident_token = world.token_for("res-owner")
    with db.connection_context():
        staff = auth.authenticate(staff_token)
        resident = auth.authenticate(resident_token)
        assert (staff.kind, staff.id) == ("staff", world.staff["ts-a"].id)
        assert (resident.kind, resident.id) == ("resident", world.residents["res-owner"].id)
        session = AuthSession.get_by_id(staff.session_id)
        session.revoked_at = session.created_at
        session.save()
        with pytest.raises(Exception, match="登录已失效"):
            auth.authenticate(staff_token)


def test_prefetch_attaches_back_references_by_the_pages_ids(world: World,
                                                           queries: QueryLog) -> None:
    with db.connection_context():
        ClientCategory.create(client=world.clients["a1"], category="very_old")
        page = list(Client.select().order_by(Client.id))
        before = len(queries.statements)
        prefetch_related(page, ClientCategory)
        assert len(queries.statements) == before + 1
        categories = {c.name: [k.category for k in c.categories] for c in page}
        assert categories == {"对象a1": ["left_behind_elder", "very_old"],
                              "对象a2": ["left_behind_elder"], "对象b1": ["left_behind_elder"]}
        assert all(k.client is c for c in page for k in c.categories)
        assert not any(k.is_dirty() for c in page for k in c.categories)
        assert "(SELECT" not in queries.statements[-1]  # by ids, not the page's query again


def test_prefetch_attaches_foreign_keys_and_leaves_empty_ones(world: World,
                                                             queries: QueryLog) -> None:
    with db.connection_context():
        staff = list(StaffAccount.select().order_by(StaffAccount.id))
        before = len(queries.statements)
        prefetch_related(staff, Village)
        assert len(queries.statements) == before + 1
        linked = [account for account in staff if account.village_id is not None]
        assert linked and len(linked) < len(staff)
        assert all(account.village.id == account.village_id for account in linked)
        assert all(account.village is None for account in staff if account not in linked)
        assert len(queries.statements) == before + 1  # read from what was attached
        assert not any(account.is_dirty() for account in staff)
        assert prefetch_related([], Village) == []


def test_a_token_naming_its_kind_joins_one_account_table_and_older_tokens_still_work(
        world: World, queries: QueryLog) -> None:
    with db.connection_context():
        pair = auth.issue_tokens("staff", world.staff["ts-a"].id)
        data = auth._serializer().loads(pair.access_token)
        assert data["k"] == "staff"
        queries.statements.clear()
        assert auth.authenticate(pair.access_token).id == world.staff["ts-a"].id
        assert '"resident"' not in str(queries)  # the staff lookup does not join residents
        older = auth._serializer().dumps({"sid": data["sid"]})  # issued before tokens named it
        assert auth.authenticate(older).id == world.staff["ts-a"].id
        # The session row decides who it is, not the label (which is signed anyway).
        mislabelled = auth._serializer().dumps({"sid": data["sid"], "k": "resident"})
        actor = auth.authenticate(mislabelled)
        assert (actor.kind, actor.id) == ("staff", world.staff["ts-a"].id)


def test_prepared_statements_can_be_turned_off_for_a_transaction_pooler(
        world: World, queries: QueryLog, monkeypatch: pytest.MonkeyPatch) -> None:
    assert load_settings({"DB_PREPARED_STATEMENTS": "0"}).db_prepared_statements is False
    assert load_settings({}).db_prepared_statements is True
    monkeypatch.setattr(runtime, "_settings",
                        dataclasses.replace(runtime.settings(), db_prepared_statements=False))
    compiled: CompiledSelect[Client] = CompiledSelect(_village_of_client, [-1])
    with db.connection_context():
        assert compiled.first(world.clients["a1"].id) is not None
    assert not any("PREPARE" in sql or "EXECUTE" in sql for sql in queries.statements)
