"""Lists cost a fixed number of queries, however many rows the page holds."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Api, QueryLog

Filing = Callable[..., dict[str, Any]]


def _file(api: Api, filing: Filing, n: int) -> None:
    response = api.post("/api/v1/applications", "res-owner", json=filing(n=n, submit=True))
    assert response.status_code == 201, response.json


def test_the_application_list_takes_the_same_queries_for_two_rows_or_eight(
    api: Api, filing: Filing, queries: QueryLog
) -> None:
    for n in (1, 2):
        _file(api, filing, n)
    fresh = {"Cache-Control": "no-cache"}  # what building the page costs, not a kept answer
    api.get("/api/v1/applications", "ts-a")
    queries.statements.clear()
    assert len(api.get("/api/v1/applications", "ts-a", headers=fresh).json) == 2
    few = len(queries.statements)
    for n in range(3, 9):
        _file(api, filing, n)
    queries.statements.clear()
    assert len(api.get("/api/v1/applications", "ts-a", headers=fresh).json) == 8
    assert len(queries.statements) == few, str(queries)
