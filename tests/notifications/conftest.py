"""Fixtures for notifications: a Redis test database, the notifier wired inline or to RQ,
a test topic any test can emit, subscription credits, and a fake WeChat that answers slowly.

Redis tests use ``TEST_REDIS_URL`` (default db 15, flushed around each test); they skip when
Redis is unreachable, and fail instead when ``REQUIRE_SERVICES=1``.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

import pytest
from flask import Flask, request
from redis import Redis
from redis.exceptions import RedisError

import notifications
from backend import outbox, runtime
from backend.models import OutboxEvent, SubscriptionCredit
from backend.unit_of_work import unit_of_work
from fake_wechat import FakeWeChatServer
from notifications import context, recipients, sender, templates
from notifications.recipients import Target
from notifications.templates import Template
from tests.conftest import redis_test_url
from tests.factories import World

UNREACHABLE_REDIS_URL = "redis://127.0.0.1:1/15"  # nothing listens on port 1
TEST_TOPIC = "test.notice"
TEST_TEMPLATE = Template(
    "test_notice",
    "测试通知",
    "第{n}条测试通知：{title}",
    "pages/inbox/detail?n={n}",
    (("thing1", "title"), ("number2", "n"), ("time3", "at")),
)
VILLAGE_A1 = "410184001201"


def _resolve_test_notice(event: OutboxEvent) -> list[Target]:
    payload = event.payload
    return [
        Target(
            "resident",
            payload["resident_id"],
            VILLAGE_A1,
            {"n": payload["n"], "title": f"测试通知{payload['n']}号"},
        )
    ]


@pytest.fixture(scope="session")
def redis_url() -> str:
    """The Redis test database's URL, or a skip (a failure under REQUIRE_SERVICES=1)."""
    url = redis_test_url(0)
    try:
        Redis.from_url(url, socket_connect_timeout=1).ping()
    except RedisError as exc:
        if os.environ.get("REQUIRE_SERVICES") == "1":
            pytest.fail(f"Redis is required but unreachable at {url}: {exc}")
        pytest.skip(f"Redis unreachable at {url}")
    return url


@pytest.fixture
def redis_conn(redis_url: str) -> Iterator[Redis]:
    """A client on the flushed test database."""
    connection = Redis.from_url(redis_url)
    connection.flushdb()
    yield connection
    connection.flushdb()
    connection.close()


@pytest.fixture
def test_topic(monkeypatch: pytest.MonkeyPatch) -> str:
    """A topic with a template and a resolver, for events a test service emits."""
    monkeypatch.setitem(templates.TEMPLATES, TEST_TOPIC, TEST_TEMPLATE)
    monkeypatch.setitem(recipients.RESOLVERS, TEST_TOPIC, _resolve_test_notice)
    outbox.subscribe(TEST_TOPIC, sender.handle_event)
    return TEST_TOPIC


def _install(settings: Any) -> context.Services:
    runtime.configure(settings)
    return notifications.install(settings)


@pytest.fixture
def wire(app: Flask, fake_wechat: FakeWeChatServer) -> Iterator[Callable[..., context.Services]]:
    """Re-wire notifications for a test (``wire(redis_url=...)``); restored afterwards."""
    original = runtime.settings()

    def rewire(**changes: Any) -> context.Services:
        return _install(replace(original, **changes))

    yield rewire
    _install(original)


@pytest.fixture
def inline(wire: Callable[..., context.Services], test_topic: str) -> context.Services:
    """Notifications without Redis: jobs inline after commit, a fresh token cache."""
    return wire(redis_url="")


@pytest.fixture
def queued(
    wire: Callable[..., context.Services], test_topic: str, redis_conn: Redis, redis_url: str
) -> context.Services:
    """Notifications through RQ on the test Redis database."""
    return wire(redis_url=redis_url)


@pytest.fixture
def grant(world: World) -> Callable[..., SubscriptionCredit]:
    """Give a resident send credits for a template (as accepting the WeChat prompt does)."""

    def give(
        who: str = "res-owner", count: int = 1, template: Template = TEST_TEMPLATE
    ) -> SubscriptionCredit:
        template_id = template.template_id(runtime.settings())
        credit, _ = SubscriptionCredit.get_or_create(
            resident=world.residents[who],
            template_id=template_id,
            defaults={"template_key": template.key},
        )
        credit.remaining += count
        credit.granted_total += count
        credit.save()
        return credit

    return give


@pytest.fixture
def emit_notice(world: World, test_topic: str) -> Callable[..., int]:
    """A test service: emit one test notice for a resident in its own transaction."""
    # The small city's own events (clients registered) are not what these tests count.
    OutboxEvent.update(status="done").where(OutboxEvent.status == "pending").execute()

    def emit(n: int, who: str = "res-owner") -> int:
        with unit_of_work():  # what a request does: commit, then hand the event on
            event = outbox.emit(TEST_TOPIC, resident_id=world.residents[who].id, n=n)
        return int(event.id)

    return emit


class SlowSends:
    """Makes a fake WeChat server hold each subscribe send for ``delay`` seconds."""

    def __init__(self) -> None:
        self.delay = 0.0
        self.arrived = threading.Event()

    def hold(self) -> None:
        """Flask hook: signal arrival, then wait before serving."""
        if request.path.endswith("/subscribe/send") and self.delay:
            request.get_data()  # WeChat has the whole message before the sender can die
            self.arrived.set()
            time.sleep(self.delay)


@pytest.fixture(scope="session")
def slow_fake_server() -> Iterator[tuple[FakeWeChatServer, SlowSends]]:
    """A second fake WeChat whose sends can be slowed down (for killing a worker mid-send)."""
    server = FakeWeChatServer(appid="wx-test-appid", secret="test-secret")
    slow = SlowSends()
    server.app.before_request(slow.hold)
    with server:
        yield server, slow


@pytest.fixture
def slow_fake(
    slow_fake_server: tuple[FakeWeChatServer, SlowSends],
) -> tuple[FakeWeChatServer, SlowSends]:
    """The slow fake, reset."""
    server, slow = slow_fake_server
    server.state.reset()
    slow.delay, slow.arrived = 0.0, threading.Event()
    return server, slow
