"""Signing in and out, and who is looking: the session reference in the cookie becomes
``g.actor`` before any page runs; every state-changing request must carry the CSRF token."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, session
from flask.typing import ResponseReturnValue
from flask_wtf.csrf import CSRFError, CSRFProtect

from backend.errors import NotAuthenticated, TooManyRequests
from backend.models import Role
from backend.services import staff_sessions
from console.pages import error_page

# Pages anyone may open: signing in, the stylesheets, and the public notice printed for a board.
PUBLIC_ENDPOINTS = frozenset({"console.login", "console.static", "console.notice_board"})
# A one-time password opens only the page that replaces it (and signing out).
WHILE_PASSWORD_MUST_CHANGE = frozenset({"console.password", "console.logout", "console.static"})
HOME_OF = {Role.TOWNSHIP_STAFF: "console.desk", Role.SOCIAL_WORKER: "console.worker_today",
           Role.CITY_ADMIN: "console.city_compliance"}


def _load_actor() -> ResponseReturnValue | None:
    g.actor = None
    session_id = session.get("sid")
    if session_id is not None:
        try:
            g.actor = staff_sessions.resume_session(
                int(session_id), idle=current_app.config["CONSOLE_IDLE"])
        except NotAuthenticated as exc:
            session.clear()
            flash(exc.message, "error")
    if g.actor is None and request.endpoint not in PUBLIC_ENDPOINTS:
        return redirect(_url("console.login", next=request.full_path))
    if (g.actor is not None and g.actor.must_change_password
            and request.endpoint not in WHILE_PASSWORD_MUST_CHANGE):
        return redirect(_url("console.password"))
    return None


def _url(endpoint: str, **values: Any) -> str:
    from flask import url_for

    return url_for(endpoint, **values)


def _safe_next(target: str | None) -> str | None:
    """Only a path inside the console, never another site (an open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/console"):
        return None
    return target


def login() -> ResponseReturnValue:
    """The sign-in form, and signing in."""
    errors: dict[str, str] = {}
    username = request.form.get("username", "").strip()
    if request.method == "POST":
        password = request.form.get("password", "")
        if not username:
            errors["username"] = "请填写用户名"
        if not password:
            errors["password"] = "请填写密码"
        if not errors:
            try:
                actor = staff_sessions.open_session(
                    username, password, address=request.remote_addr or "",
                    idle=current_app.config["CONSOLE_IDLE"])
            except (NotAuthenticated, TooManyRequests) as exc:
                errors["password"] = exc.message
            else:
                session.clear()
                session["sid"] = actor.session_id
                return redirect(_safe_next(request.args.get("next")) or home_url(actor.role))
    status = 200 if not errors else 422
    return render_template("console/login.html", errors=errors, username=username), status


def home_url(role: str) -> str:
    """Where a role starts."""
    return _url(HOME_OF.get(Role(role), "console.home"))


def logout() -> ResponseReturnValue:
    """End the session (the row is revoked, the cookie forgotten)."""
    if g.actor is not None:
        staff_sessions.close_session(actor=g.actor)
    session.clear()
    flash("您已安全退出", "info")
    return redirect(_url("console.login"))


def home() -> ResponseReturnValue:
    """The start page of the signed-in role."""
    target = HOME_OF.get(Role(g.actor.role))
    if target is not None:
        return redirect(_url(target))
    return render_template("console/home.html")


def _csrf_refused(error: CSRFError) -> tuple[str, int]:
    return error_page(400, "页面已过期", "表单缺少有效的安全令牌，请刷新页面后重试。")


def init_blueprint(blueprint: Blueprint, csrf: CSRFProtect) -> None:
    """Sessions and CSRF for every console page; sign in, sign out, the start page."""

    @blueprint.before_request
    def _guard() -> ResponseReturnValue | None:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            csrf.protect()
        return _load_actor()

    blueprint.register_error_handler(CSRFError, _csrf_refused)
    blueprint.add_url_rule("/login", "login", login, methods=["GET", "POST"])
    blueprint.add_url_rule("/logout", "logout", logout, methods=["POST"])
    blueprint.add_url_rule("/", "home", home)
