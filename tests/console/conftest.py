"""Console fixtures: a browser-like client that signs in through the login form."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.serving import make_server
from werkzeug.test import TestResponse

from tests.applications.conftest import clock, filing  # noqa: F401 - reused fixtures
from tests.conftest import require_service
from tests.factories import World
from tests.planning.conftest import (  # noqa: F401 - reused fixtures
    plan_day,
    quick_days,
    redis_planner,
    township_day,
    week,
)

PASSWORD = "test-password"
TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


class Browser:
    """A cookie-keeping client that reads each form's CSRF token, as a browser would."""

    def __init__(self, client: FlaskClient) -> None:
        self.client = client
        self.token = ""

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        """Open a page and remember the CSRF token its forms carry."""
        response = self.client.get(path, **kwargs)
        found = TOKEN.search(response.get_data(as_text=True))
        if found:
            self.token = found.group(1)
        return response

    def post(self, path: str, data: dict[str, Any] | None = None, *, csrf: bool = True,
             **kwargs: Any) -> TestResponse:
        """Submit a form (with the token the last page gave, unless ``csrf=False``)."""
        form = dict(data or {})
        if csrf:
            form["csrf_token"] = self.token
        return self.client.post(path, data=form, **kwargs)

    def sign_in(self, username: str, password: str = PASSWORD) -> TestResponse:
        """Fill in and send the login form."""
        self.get("/console/login")
        return self.post("/console/login", {"username": username, "password": password})


@pytest.fixture
def browser(client: FlaskClient, world: World) -> Browser:
    """A signed-out browser on the small city."""
    return Browser(client)


@pytest.fixture
def signed_in(browser: Browser) -> Any:
    """Sign a browser in as someone; answers the browser."""

    def sign_in(username: str) -> Browser:
        response = browser.sign_in(username)
        assert response.status_code == 302, response.get_data(as_text=True)
        return browser

    return sign_in


CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parent.parent.parent / "screenshots"


@pytest.fixture(scope="session")
def live_server(app: Flask) -> Iterator[str]:
    """The test app served over real HTTP on loopback, for a real browser."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's headless Chromium driven by Playwright (its own browser download is not used)."""
    if not Path(CHROMIUM).exists():
        require_service("Chromium", f"{CHROMIUM} is missing (apt-get install chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update",
                  "--disable-sync"])
        yield browser
        browser.close()


@pytest.fixture
def page(chromium: Any, live_server: str, world: World, request: pytest.FixtureRequest
         ) -> Iterator[Any]:
    """A fresh browser tab (desktop size) on the live server; a screenshot when the test ends."""
    context = chromium.new_context(base_url=live_server, locale="zh-CN",
                                   timezone_id="Asia/Shanghai",
                                   viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    yield tab
    SCREENSHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def sign_in_page(page: Any, username: str) -> None:
    """Sign in through the form, by its labels, as a person would."""
    page.goto("/console/login")
    page.get_by_label("用户名").fill(username)
    page.get_by_label("密码").fill(PASSWORD)
    page.get_by_role("button", name="登录").click()
    # Until the next page has come: on a loaded machine the click returns before the browser
    # has left the login page, and its load state is already complete.
    page.wait_for_url(lambda url: "/console/login" not in url)
    page.wait_for_load_state()
