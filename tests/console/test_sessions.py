"""Signing in to the console: a server-side session in a safe cookie, CSRF on every form,
the API's permissions and scope on every page."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import AuthSession, LoginAttempt, utcnow
from tests.console.conftest import Browser


def test_a_clerk_signs_in_into_a_server_side_session_in_a_safe_cookie(browser: Browser) -> None:
    response = browser.sign_in("ts-a")
    assert response.status_code == 302 and response.headers["Location"] == "/console/desk"
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Path=/console" in cookie
    session = AuthSession.get()
    assert session.revoked_at is None and session.expires_at < utcnow().replace(year=2100)
    desk = browser.get("/console/desk")
    assert desk.status_code == 200 and "今日工作" in desk.get_data(as_text=True)


def test_a_wrong_password_is_said_beside_its_field_and_still_counts(browser: Browser) -> None:
    response = browser.sign_in("ts-a", "wrong")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "用户名或密码错误" in page and 'aria-invalid="true"' in page
    assert LoginAttempt.select().where(LoginAttempt.username == "ts-a").count() == 1


def test_a_form_posted_without_its_csrf_token_is_refused(browser: Browser) -> None:
    browser.get("/console/login")
    response = browser.post("/console/login", {"username": "ts-a", "password": "test-password"},
                            csrf=False)
    assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    assert AuthSession.select().count() == 0
    signed = browser.sign_in("ts-a")
    assert signed.status_code == 302
    refused = browser.post("/console/logout", csrf=False)
    assert refused.status_code == 400
    assert AuthSession.get().revoked_at is None


def test_logging_out_ends_the_session_for_the_cookie_too(browser: Browser) -> None:
    browser.sign_in("ts-a")
    browser.get("/console/desk")
    assert browser.post("/console/logout").status_code == 302
    assert AuthSession.get().revoked_at is not None
    again = browser.get("/console/desk")
    assert again.status_code == 302 and again.headers["Location"].startswith("/console/login")


def test_an_idle_session_expires(browser: Browser) -> None:
    browser.sign_in("ts-a")
    AuthSession.update(expires_at=utcnow().replace(year=2000)).execute()
    response = browser.get("/console/desk")
    assert response.status_code == 302 and "/console/login" in response.headers["Location"]


def test_the_login_never_redirects_off_the_console(browser: Browser) -> None:
    browser.get("/console/login")
    response = browser.post("/console/login?next=https://evil.example/",
                            {"username": "ts-a", "password": "test-password"})
    assert response.headers["Location"] == "/console/desk"


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("ts-a", "/console/desk", 200),
        ("ts-a", "/console/desk/queue?overdue=1", 200),
        ("ts-a", "/console/city", 200),  # township staff read their own compliance rows
        ("sw-a1", "/console/worker", 200),
        ("sw-a1", "/console/desk", 403),
        ("city-admin", "/console/city", 200),
        ("co-a1", "/console/desk", 403),
        ("co-a1", "/console/city", 403),
    ],
)
def test_pages_apply_the_api_permissions(signed_in: Any, who: str, path: str,
                                         status: int) -> None:
    browser = signed_in(who)
    assert browser.get(path).status_code == status


def test_each_role_starts_on_its_own_page(signed_in: Any) -> None:
    assert signed_in("sw-a1").get("/console/").headers["Location"] == "/console/worker"
