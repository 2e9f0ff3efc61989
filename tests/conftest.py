"""Shared fixtures: the app on a real database, the fake WeChat server, a small city, logins.

The database is SQLite in a temporary folder unless ``TEST_DATABASE_URL`` names PostgreSQL;
the schema is migrated once per run and every table is emptied before each test.
"""

from __future__ import annotations

import importlib
import logging
import os
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask, Response, request
from flask.testing import FlaskClient
from werkzeug.serving import make_server

from backend import migrate, pii, runtime
from backend.db import db, is_postgres
from backend.models import ALL_MODELS
from fake_wechat import FakeWeChatServer
from miniprogram_api import create_app
from tests.factories import World, build_world

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"
# Responses that show a personal value in clear on purpose (and log the access).
DELIBERATE_REVEALS = ("/reveal",)
LEAKS: list[str] = []
# A session_key given a value (JSON, repr or query string), not the table or column name.
SESSION_KEY_VALUE = re.compile(r"""session_key['"]?\s*[:=]""")


# Long random tokens (hashes, blind indexes, ciphertexts, access tokens) can hold digit runs that
# look like phone numbers; a real number is never part of one, so they are blanked first.
RANDOM_TOKEN = re.compile(r"(?=[A-Za-z0-9_\-]*[a-z])[A-Za-z0-9_\-]{24,}")


# A timestamp with no offset after it: the API's one rule is that every one carries its offset.
NAIVE_TIMESTAMP = re.compile(r'"\d{4}-\d\d-\d\dT\d\d:\d\d(?::\d\d(?:\.\d+)?)?"')
NAIVE_TIMESTAMPS: list[str] = []


def _scan_timestamps(where: str, response: Response) -> None:
    """Record a JSON answer holding a timestamp without its offset."""
    if response.mimetype == "application/json":
        found = NAIVE_TIMESTAMP.findall(response.get_data(as_text=True))
        if found:
            NAIVE_TIMESTAMPS.append(f"{where}: {found[:3]}")


def _scan(where: str, text: str) -> None:
    """Record anything in text that looks like an unmasked ID, phone or a session_key."""
    found = pii.find_unmasked(RANDOM_TOKEN.sub("#", text))
    if SESSION_KEY_VALUE.search(text):
        found.append("session_key")
    if found:
        LEAKS.append(f"{where}: {found}")


class _LeakWatchHandler(logging.Handler):
    """Scans every log record the suite produces."""

    def emit(self, record: logging.LogRecord) -> None:
        """Scan the formatted record, exception text included."""
        _scan(f"log {record.name}", self.format(record))


@pytest.fixture(scope="session", autouse=True)
def no_personal_data_leaks() -> Iterator[None]:
    """After the whole run: no response body or log line held an unmasked number."""
    handler = _LeakWatchHandler(level=logging.DEBUG)
    handler.setFormatter(logging.Formatter("%(message)s"))
    root = logging.getLogger()
    previous_level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield
    root.removeHandler(handler)
    root.setLevel(previous_level)
    assert not LEAKS, "personal data leaked into responses or logs:\n" + "\n".join(LEAKS[:20])
    assert not NAIVE_TIMESTAMPS, ("timestamps without their offset in API answers:\n"
                                  + "\n".join(NAIVE_TIMESTAMPS[:20]))


def pytest_configure(config: pytest.Config) -> None:
    """Honour REQUIRE_SERVICES: in CI a skipped service test is a failure."""
    config.addinivalue_line("markers", "needs_services: talks to PostgreSQL or Redis")


@pytest.fixture(scope="session")
def fake_wechat_server() -> Iterator[FakeWeChatServer]:
    """One fake WeChat server on loopback for the whole run."""
    with FakeWeChatServer(appid="wx-test-appid", secret="test-secret") as server:
        yield server


@pytest.fixture
def fake_wechat(fake_wechat_server: FakeWeChatServer) -> FakeWeChatServer:
    """The shared fake with its state wiped, so each test starts from nothing."""
    fake_wechat_server.state.reset()
    return fake_wechat_server


PUSH_TOKEN = "push-token-for-tests"
MESSAGES_PATH = "/api/v1/wechat/messages"


@pytest.fixture(scope="session")
def served_app(app: Flask) -> Iterator[str]:
    """The app served on a loopback port, as WeChat reaches it from outside; its base URL."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="served-app", daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def wechat_pushes(served_app: str, fake_wechat: FakeWeChatServer) -> Iterator[FakeWeChatServer]:
    """The fake WeChat pushing to the served app's message server, which knows its Token."""
    settings = runtime.settings()
    runtime.configure(replace(settings, public_base_url=served_app,
                              wechat_message_token=PUSH_TOKEN))
    fake_wechat.state.configure_push(served_app + MESSAGES_PATH, PUSH_TOKEN)
    yield fake_wechat
    runtime.configure(settings)


def redis_test_url(slot: int) -> str:
    """A Redis test database of its own for this xdist worker and purpose (``slot`` 0 or 1).

    Counting down from ``TEST_REDIS_URL``'s database (15 by default): worker gw0 takes 15 and 14,
    gw1 13 and 12, so parallel workers never flush each other's queues.
    """
    base, _, number = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/15").rpartition("/")
    worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw") or 0)
    first = int(number) if number.isdigit() else 15
    return f"{base}/{max(0, first - 2 * worker - slot)}"


def require_service(name: str, reason: str) -> None:
    """A needed service is missing: skip locally, fail in CI (REQUIRE_SERVICES=1)."""
    message = f"{name} unavailable: {reason}"
    if REQUIRE_SERVICES:
        pytest.fail(message)
    pytest.skip(message)


def _postgres_database_for_worker(url: str) -> str:
    """One database per xdist worker, created on first use, so parallel workers never meet."""
    import psycopg2
    from psycopg2 import sql

    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    base, _, name = url.rpartition("/")
    name = f"{name}_{worker}"
    try:
        admin = psycopg2.connect(f"{base}/postgres", connect_timeout=5)
    except psycopg2.OperationalError as exc:
        require_service("PostgreSQL", str(exc).strip())
    admin.autocommit = True
    with admin.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_database WHERE datname = %s", (name,))
        if cursor.fetchone() is None:
            cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()
    return f"{base}/{name}"


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url.startswith("postgres"):
        return _postgres_database_for_worker(url)
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(
    tmp_path_factory: pytest.TempPathFactory, fake_wechat_server: FakeWeChatServer
) -> Iterator[Flask]:
    """The real app on a migrated test database, talking to the fake WeChat server."""
    instance = tmp_path_factory.mktemp("instance")
    application = create_app(
        {
            "env": "test",
            "instance_path": instance,
            "database_url": _database_url(tmp_path_factory),
            "wechat_api_base": fake_wechat_server.base_url,
            "wechat_appid": "wx-test-appid",
            "wechat_secret": "test-secret",
            "redis_url": "",
        }
    )
    application.config["TESTING"] = True

    @application.after_request
    def scan_response(response: Response) -> Response:
        if not request.path.endswith(DELIBERATE_REVEALS) and not response.direct_passthrough:
            _scan(f"response {request.method} {request.path}", response.get_data(as_text=True))
        if not response.direct_passthrough:
            _scan_timestamps(f"response {request.method} {request.path}", response)
        return response

    with db.connection_context():
        if is_postgres():  # a previous run's schema may linger in the shared test database
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        migrate.upgrade(db.obj)
    yield application
    db.close()


@contextmanager
def audit_guard_lifted() -> Iterator[None]:
    """Drop the audit trail's append-only guard for a moment, as someone with full access could."""
    if is_postgres():
        db.execute_sql("ALTER TABLE audit_entry DISABLE TRIGGER audit_entry_append_only")
        try:
            yield
        finally:
            db.execute_sql("ALTER TABLE audit_entry ENABLE TRIGGER audit_entry_append_only")
        return
    guard = _append_only_migration().SQLITE
    db.execute_sql("DROP TRIGGER IF EXISTS audit_entry_no_update")
    db.execute_sql("DROP TRIGGER IF EXISTS audit_entry_no_delete")
    try:
        yield
    finally:
        for statement in guard:
            db.execute_sql(statement)


def _append_only_migration() -> Any:
    return importlib.import_module("backend.migrations.008_audit_append_only")


def _empty_tables() -> None:
    existing = set(db.get_tables())
    tables = [model._meta.table_name for model in ALL_MODELS if model._meta.table_name in existing]
    if is_postgres():
        db.execute_sql(
            "TRUNCATE " + ", ".join(f'"{t}"' for t in tables) + " RESTART IDENTITY CASCADE"
        )
        return
    db.execute_sql("PRAGMA foreign_keys = OFF")
    with audit_guard_lifted():
        for table in tables:
            db.execute_sql(f'DELETE FROM "{table}"')
    db.execute_sql("PRAGMA foreign_keys = ON")


@pytest.fixture
def clean_db(app: Flask) -> Iterator[None]:
    """Every table empty at the start of the test; the connection closed after it."""
    db.connect(reuse_if_open=True)
    _empty_tables()
    yield
    if not db.is_closed():
        db.close()


@pytest.fixture
def client(app: Flask, clean_db: None) -> FlaskClient:
    """An HTTP client on the app with an empty database."""
    return app.test_client()


@pytest.fixture
def world(clean_db: None) -> World:
    """A small city: two townships, two villages each, every role, a few clients."""
    return build_world()


class Api:
    """A test client that logs in as someone and speaks JSON."""

    def __init__(self, client: FlaskClient, world: World) -> None:
        self.client = client
        self.world = world
        self._tokens: dict[str, str] = {}

    def token(self, who: str) -> str:
        """An access token for a named person of the world (staff username or resident)."""
        if who not in self._tokens:
            self._tokens[who] = self.world.token_for(who)
        return self._tokens[who]

    def call(self, method: str, path: str, who: str | None = None, **kwargs: Any) -> Any:
        """Send a request as ``who`` (None: anonymous)."""
        headers = dict(kwargs.pop("headers", {}) or {})
        if who:
            headers["Authorization"] = f"Bearer {self.token(who)}"
        return self.client.open(path, method=method, headers=headers, **kwargs)

    def get(self, path: str, who: str | None = None, **kwargs: Any) -> Any:
        """GET as someone."""
        return self.call("GET", path, who, **kwargs)

    def post(self, path: str, who: str | None = None, **kwargs: Any) -> Any:
        """POST as someone."""
        return self.call("POST", path, who, **kwargs)

    def patch(self, path: str, who: str | None = None, **kwargs: Any) -> Any:
        """PATCH as someone."""
        return self.call("PATCH", path, who, **kwargs)

    def delete(self, path: str, who: str | None = None, **kwargs: Any) -> Any:
        """DELETE as someone."""
        return self.call("DELETE", path, who, **kwargs)


@pytest.fixture
def api(client: FlaskClient, world: World) -> Api:
    """Log in as anyone in the small city and call the API."""
    return Api(client, world)


class QueryLog(logging.Handler):
    """Collects the SQL peewee runs, to assert how many queries a request takes."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.statements: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        """Keep the statement text."""
        self.statements.append(str(record.msg))

    def __str__(self) -> str:
        return "\n".join(f"{n}: {sql}" for n, sql in enumerate(self.statements, start=1))


@pytest.fixture
def queries() -> Iterator[QueryLog]:
    """The SQL statements run while the test body runs (print it when an assert fails)."""
    log = QueryLog()
    logger = logging.getLogger("peewee")
    logger.addHandler(log)
    yield log
    logger.removeHandler(log)
