"""Staff list pages are answered again from memory only while nothing has been written."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from backend.db import change_stamp, db, is_postgres
from backend.models import AuthSession, Client, utcnow
from miniprogram_api import read_cache
from tests.conftest import Api, QueryLog

CLIENTS = "/api/v1/clients?page_size=20"


class QuietDatabase:
    """A change stamp that moves only when the test says it wrote: on a shared PostgreSQL
    server every other session's commit (another test worker) moves the real one."""

    def __init__(self) -> None:
        self.writes = 0

    def __call__(self) -> str:
        return f"quiet-{self.writes}"


@pytest.fixture
def cache(api: Api) -> Iterator[None]:
    """An empty cache with the real change stamp (PostgreSQL only: SQLite keeps none)."""
    if not is_postgres():
        pytest.skip("the read cache needs PostgreSQL's snapshot as its change stamp")
    read_cache.clear()
    yield
    read_cache.clear()


@pytest.fixture
def quiet(api: Api, monkeypatch: pytest.MonkeyPatch) -> Iterator[QuietDatabase]:
    """An empty cache whose stamp moves only with the test's own writes (either database)."""
    stamp = QuietDatabase()
    monkeypatch.setattr(read_cache, "change_stamp", stamp)
    read_cache.clear()
    yield stamp
    read_cache.clear()


def _names(response: object) -> list[str]:
    return sorted(c["name"] for c in response.json)  # type: ignore[attr-defined]


def test_a_second_read_with_nothing_written_is_the_kept_answer(
        api: Api, quiet: QuietDatabase, queries: QueryLog) -> None:
    first = api.get(CLIENTS, "ts-a")
    assert first.status_code == 200 and "X-Read-Cache" not in first.headers
    built = len(queries.statements)
    again = api.get(CLIENTS, "ts-a")
    assert again.headers["X-Read-Cache"] == "hit"
    assert again.get_data() == first.get_data()
    assert again.headers["X-Pagination"] == first.headers["X-Pagination"]
    assert again.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    # The hit still checked the session, and built nothing.
    assert len(queries.statements) - built == 1
    quiet.writes += 1
    assert "X-Read-Cache" not in api.get(CLIENTS, "ts-a").headers


def test_any_write_makes_the_next_read_build_the_answer_again(api: Api, cache: None) -> None:
    before = api.get(CLIENTS, "ts-a")
    with db.connection_context():
        client = Client.get(Client.name == "对象a1")
        client.name = "改名a1"
        client.save()
    after = api.get(CLIENTS, "ts-a")
    assert "X-Read-Cache" not in after.headers
    assert "改名a1" in _names(after) and "改名a1" not in _names(before)


def test_the_stamp_moves_with_every_commit_and_reads_take_no_transaction_id(
        api: Api, cache: None) -> None:
    with db.connection_context():
        first = change_stamp()
        with db.atomic():
            Client.update(updated_at=utcnow()).where(Client.name == "对象a2").execute()
        assert change_stamp() != first
        # A read inside a transaction is given no transaction id, so it cannot move the
        # snapshot (other sessions' commits do, which is why the tests above use QuietDatabase).
        with db.atomic():
            Client.select().count()
            assigned = db.execute_sql("SELECT pg_current_xact_id_if_assigned()").fetchone()[0]
        assert assigned is None


def test_an_answer_is_never_given_to_another_account(api: Api, quiet: QuietDatabase) -> None:
    api.get(CLIENTS, "ts-a")
    other = api.get(CLIENTS, "ts-b")
    assert "X-Read-Cache" not in other.headers
    assert "对象a1" not in _names(other) and "对象b1" in _names(other)


def test_no_cache_asks_for_a_fresh_answer(api: Api, quiet: QuietDatabase) -> None:
    api.get(CLIENTS, "ts-a")
    fresh = api.get(CLIENTS, "ts-a", headers={"Cache-Control": "no-cache"})
    assert fresh.status_code == 200 and "X-Read-Cache" not in fresh.headers


def test_an_answer_older_than_its_age_is_built_again(
        api: Api, quiet: QuietDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_cache, "MAX_AGE", 0.0)
    api.get(CLIENTS, "ts-a")
    assert "X-Read-Cache" not in api.get(CLIENTS, "ts-a").headers


def test_a_revoked_session_is_refused_though_its_answer_was_kept(
        api: Api, quiet: QuietDatabase) -> None:
    token = api.token("ts-a")
    headers = {"Authorization": f"Bearer {token}"}
    assert api.client.get(CLIENTS, headers=headers).status_code == 200
    with db.connection_context():
        AuthSession.update(revoked_at=utcnow()).execute()
    assert api.client.get(CLIENTS, headers=headers).status_code == 401


def test_the_work_queue_and_lists_are_kept_but_details_and_errors_are_not(
        api: Api, quiet: QuietDatabase) -> None:
    for path in ("/api/v1/applications/queue", "/api/v1/applications", "/api/v1/bookings"):
        api.get(path, "ts-a")
        assert api.get(path, "ts-a").headers.get("X-Read-Cache") == "hit", path
    client_id = api.get(CLIENTS, "ts-a").json[0]["id"]
    api.get(f"/api/v1/clients/{client_id}", "ts-a")
    assert "X-Read-Cache" not in api.get(f"/api/v1/clients/{client_id}", "ts-a").headers
    api.get("/api/v1/clients?page_size=0", "ts-a")
    refused = api.get("/api/v1/clients?page_size=0", "ts-a")
    assert refused.status_code == 422 and "X-Read-Cache" not in refused.headers


def test_sqlite_keeps_nothing(api: Api) -> None:
    if is_postgres():
        pytest.skip("PostgreSQL keeps answers (the tests above)")
    read_cache.clear()
    api.get(CLIENTS, "ts-a")
    assert "X-Read-Cache" not in api.get(CLIENTS, "ts-a").headers


def test_the_kept_answers_stay_within_their_bounds(
        api: Api, quiet: QuietDatabase, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(read_cache, "ENTRIES", 2)
    for size in (5, 6, 7):
        api.get(f"/api/v1/clients?page_size={size}", "ts-a")
    assert "X-Read-Cache" not in api.get(CLIENTS.replace("20", "5"), "ts-a").headers
    assert api.get(CLIENTS.replace("20", "7"), "ts-a").headers.get("X-Read-Cache") == "hit"
    monkeypatch.setattr(read_cache, "MAX_TOTAL", 10)
    api.get(CLIENTS, "ts-a")
    assert "X-Read-Cache" not in api.get(CLIENTS, "ts-a").headers
