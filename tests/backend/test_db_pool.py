"""The PostgreSQL pool hands out a live connection without a round trip to check it."""

from __future__ import annotations

import time
from typing import Any

import psycopg2
import pytest
from flask import Flask

from backend import runtime
from backend.db import CheckedPool, is_postgres


@pytest.fixture
def pool(app: Flask) -> CheckedPool:
    """A pool of its own on the test database (PostgreSQL only)."""
    if not is_postgres():
        pytest.skip("the pool is PostgreSQL's; SQLite connects in-process")
    url = runtime.settings().database_url.replace("+pool", "")
    return CheckedPool(url.rpartition("/")[2], dsn=url, max_connections=2, timeout=5)


def test_an_idle_connection_is_checked_out_without_a_query(
        pool: CheckedPool, monkeypatch: pytest.MonkeyPatch) -> None:
    with pool.connection_context():
        first = pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0]

    def round_trip(self: Any, conn: Any) -> bool:
        raise AssertionError("peewee's SELECT 1 check ran")

    monkeypatch.setattr(type(pool._adapter), "is_connection_closed", round_trip)
    with pool.connection_context():
        assert pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0] == first
    pool.close_all()


def test_a_connection_the_server_ended_is_replaced_at_check_out(pool: CheckedPool) -> None:
    with pool.connection_context():
        ended = pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0]
    admin = psycopg2.connect(runtime.settings().database_url.replace("+pool", ""))
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(%s)", (ended,))
    admin.close()
    time.sleep(0.2)  # the termination message reaches the idle socket
    with pool.connection_context():
        assert pool.execute_sql("SELECT pg_backend_pid()").fetchone()[0] != ended
    pool.close_all()


def test_the_pool_is_sized_from_db_pool_size(pool: CheckedPool) -> None:
    from backend.config import load_settings
    from backend.db import open_database

    settings = load_settings({"DB_POOL_SIZE": "6", "APP_ENV": "test"})
    assert settings.db_pool_size == 6
    sized = open_database(runtime.settings().database_url, pool_size=settings.db_pool_size)
    try:
        assert isinstance(sized, CheckedPool) and sized._max_connections == 6
    finally:
        open_database(runtime.settings().database_url)  # as the app had it
