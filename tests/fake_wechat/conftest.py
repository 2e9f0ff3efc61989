"""Fixtures for the fake WeChat server (thin, so they can move to tests/conftest.py as they are)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from fake_wechat import FakeWeChatServer


@pytest.fixture(scope="session")
def fake_wechat_server() -> Iterator[FakeWeChatServer]:
    """One fake WeChat server on loopback for the whole run."""
    with FakeWeChatServer() as server:
        yield server


@pytest.fixture
def fake_wechat(fake_wechat_server: FakeWeChatServer) -> FakeWeChatServer:
    """The shared fake with its state wiped, so each test starts from nothing."""
    fake_wechat_server.state.reset()
    return fake_wechat_server
