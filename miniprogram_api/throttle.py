"""Rate limits on the doors anyone can knock on: logins and the public reads (Flask-Limiter,
counted in Redis in production so every gunicorn worker shares them, in memory in the demo).

Wrong passwords throttle one account from one address (``backend.services.auth``), so a
stranger guessing elsewhere does not lock its owner out; here, logins are limited per address
across accounts, so spraying one password over many usernames is throttled too.
"""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from backend.config import Settings

LOGIN_PER_ADDRESS = "60 per hour"
PUBLIC_PER_ADDRESS = "300 per minute"

limiter = Limiter(key_func=get_remote_address, headers_enabled=True)



def init_app(app: Flask, settings: Settings) -> None:
    """Limit the login and public endpoints (off in the test suite unless a test turns it on)."""
    app.config.update(RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
                      RATELIMIT_KEY_PREFIX="minzheng-limits")
    limiter.init_app(app)
    limiter.enabled = bool(settings.extra.get("rate_limits", settings.env != "test"))
    views: dict[str, Any] = app.view_functions  # limited views keep their own signatures
    for endpoint in ("auth.StaffLogin", "console.login"):
        views[endpoint] = limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"])(views[endpoint])
    for endpoint in ("auth.WeChatLogin", "services.Services", "services.ServiceDetail"):
        if endpoint in views:
            views[endpoint] = limiter.limit(PUBLIC_PER_ADDRESS)(views[endpoint])
