"""Shared fixtures: the app on a real database, the fake WeChat server, a small city, logins.

The database is SQLite in a temporary folder unless ``TEST_DATABASE_URL`` names PostgreSQL;
the schema is migrated once per run and every table is emptied before each test.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from backend import migrate
from backend.db import db, is_postgres
from backend.models import ALL_MODELS
from fake_wechat import FakeWeChatServer
from miniprogram_api import create_app
from tests.factories import World, build_world

REQUIRE_SERVICES = os.environ.get("REQUIRE_SERVICES") == "1"


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


def _database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = os.environ.get("TEST_DATABASE_URL", "")
    if url:
        return url
    return f"sqlite:///{tmp_path_factory.mktemp('db') / 'test.db'}"


@pytest.fixture(scope="session")
def app(tmp_path_factory: pytest.TempPathFactory,
        fake_wechat_server: FakeWeChatServer) -> Iterator[Flask]:
    """The real app on a migrated test database, talking to the fake WeChat server."""
    instance = tmp_path_factory.mktemp("instance")
    application = create_app({
        "env": "test", "instance_path": instance, "database_url": _database_url(tmp_path_factory),
        "wechat_api_base": fake_wechat_server.base_url, "wechat_appid": "wx-test-appid",
        "wechat_secret": "test-secret", "redis_url": "",
    })
    application.config["TESTING"] = True
    with db.connection_context():
        if is_postgres():  # a previous run's schema may linger in the shared test database
            db.execute_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
        migrate.upgrade(db.obj)
    yield application
    db.close()


def _empty_tables() -> None:
    tables = [model._meta.table_name for model in ALL_MODELS]
    if is_postgres():
        db.execute_sql("TRUNCATE " + ", ".join(f'"{t}"' for t in tables) +
                       " RESTART IDENTITY CASCADE")
        return
    db.execute_sql("PRAGMA foreign_keys = OFF")
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


@pytest.fixture
def api(client: FlaskClient, world: World) -> Api:
    """Log in as anyone in the small city and call the API."""
    return Api(client, world)
