"""Searching clients by a short name finds the same people on both databases, by index on
PostgreSQL (most Chinese names have two or three characters)."""

from __future__ import annotations

import pytest

from backend.db import db, is_postgres
from backend.permissions import SYSTEM
from backend.services import clients
from backend.services.clients import ClientFilter
from tests.api.test_clients import _new_client
from tests.conftest import Api
from tests.factories import id_number


def _register(api: Api, *names: str) -> None:
    for n, name in enumerate(names):
        response = _new_client(api, id_number=id_number(300 + n), name=name)
        assert response.status_code == 201, response.json


def _found(api: Api, name: str) -> list[str]:
    answer = api.get("/api/v1/clients", "city-admin", query_string={"name": name,
                                                                  "page_size": 50})
    assert answer.status_code == 200, answer.json
    return sorted(client["name"] for client in answer.json)


def test_a_two_character_name_finds_every_name_holding_it(api: Api) -> None:
    _register(api, "王文华", "文华", "李华", "Anna", "华文")
    assert _found(api, "文华") == sorted(["文华", "王文华"])
    assert _found(api, "华") == sorted(["华文", "李华", "文华", "王文华"])
    assert _found(api, "AN") == ["Anna"]
    assert _found(api, "nn") == ["Anna"]
    assert _found(api, "王文华") == ["王文华"]
    assert _found(api, "赵") == []


def test_on_postgresql_a_short_name_is_looked_up_in_the_character_index(api: Api) -> None:
    if not is_postgres():
        pytest.skip("SQLite scans a demo's few hundred names")
    _register(api, "王文华", "文华")
    with db.connection_context():
        query = clients.list_clients(ClientFilter(name="文华"), actor=SYSTEM)
        sql, params = query.sql()
        db.execute_sql("SET enable_seqscan = off")  # a tiny table: make the planner show it
        plan = "\n".join(row[0] for row in db.execute_sql("EXPLAIN " + sql, params))
        db.execute_sql("RESET enable_seqscan")
    assert "client_name_grams" in plan, plan
