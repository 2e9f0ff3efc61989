"""Console fixtures: a browser-like client that signs in through the login form."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from tests.factories import World

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
