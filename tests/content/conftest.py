"""Fixtures for WeChat's content checks: the applications' clock and filing bodies, and the app
served on loopback so the fake WeChat can fetch images from it and push verdicts to it."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace

import pytest
from flask import Flask
from werkzeug.serving import make_server

from backend import runtime
from fake_wechat import FakeWeChatServer
from tests.applications.conftest import clock, filing  # noqa: F401 - used here too

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
