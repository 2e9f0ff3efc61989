"""The staff web console: server-rendered Jinja2 pages with htmx, mounted at ``/console``.

Pages call the same ``backend`` services as the API, with the same permission names and area
scope; the console holds no rule of its own. Staff sign in with their accounts into a
server-side session (the browser keeps a signed reference to it in an HttpOnly, SameSite=Lax
cookie); every form that changes something carries a CSRF token.
"""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask_wtf.csrf import CSRFProtect

from backend.config import Settings
from console import (
    accountability,
    applications,
    bookings,
    bulletins,
    city,
    desk,
    guide,
    household_checks,
    notices,
    pages,
    payments,
    plans,
    profiles,
    receipts,
    registry,
    session,
    staff,
    stations,
    training,
    visits,
    week,
    worker,
)

csrf = CSRFProtect()


def init_app(app: Flask, settings: Settings) -> None:
    """Mount the console on the app: cookie settings, CSRF, the pages."""
    app.config.update(
        SESSION_COOKIE_NAME="console_session",
        SESSION_COOKIE_PATH="/console",
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=settings.env not in ("development", "test"),
        # Checked by the console's own hook only: the API authenticates by bearer token,
        # which a cross-site form cannot send.
        WTF_CSRF_CHECK_DEFAULT=False,
        WTF_CSRF_TIME_LIMIT=None,  # the token lives as long as the session it belongs to
        CONSOLE_IDLE=timedelta(minutes=int(settings.extra.get("console_idle_minutes", 30))),
        # A checked profile file rides back with its confirmation as base64 text in the form.
        MAX_FORM_MEMORY_SIZE=settings.max_upload_bytes * 4 // 3 + 64 * 1024,
    )
    csrf.init_app(app)
    blueprint = pages.blueprint
    session.init_blueprint(blueprint, csrf)
    for module in (desk, applications, bookings, plans, registry, receipts, worker, visits,
                   city, bulletins, profiles, guide, notices, staff,
                   accountability, stations, payments, household_checks, training, week):
        module.register(blueprint)
    app.register_blueprint(blueprint)
