"""Rate limits on the doors anyone can knock on: logins and the public reads (Flask-Limiter,
counted in Redis in production so every gunicorn worker shares them, in memory in the demo).

Wrong passwords throttle one account from one address (``backend.services.auth``), so a
stranger guessing elsewhere does not lock its owner out; here, logins are limited per address
across accounts, so spraying one password over many usernames is throttled too.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Flask
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address

from backend.config import Settings

LOGIN_PER_ADDRESS = "60 per hour"
PUBLIC_PER_ADDRESS = "300 per minute"

# Checked only where a view is limited (see `_checked`): by default Flask-Limiter checks before
# every request, a tenth of an authenticated read's time for the many views that have no limit.
limiter = Limiter(key_func=get_remote_address, headers_enabled=True, auto_check=False)


def _checked(view: Callable[..., Any]) -> Callable[..., Any]:
    """The limited view, checking its limits first (what auto_check did for every view)."""

    @functools.wraps(view)
    def checked(*args: Any, **kwargs: Any) -> Any:
        if limiter.enabled:
            limiter.check()
        return view(*args, **kwargs)

    return checked



def init_app(app: Flask, settings: Settings) -> None:
    """Limit the login and public endpoints (off in the test suite unless a test turns it on)."""
    app.config.update(RATELIMIT_STORAGE_URI=settings.redis_url or "memory://",
                      RATELIMIT_KEY_PREFIX="minzheng-limits")
    limiter.init_app(app)
    limiter.enabled = bool(settings.extra.get("rate_limits", settings.env != "test"))
    views: dict[str, Any] = app.view_functions  # limited views keep their own signatures
    for endpoint in ("auth.StaffLogin", "console.login"):
        views[endpoint] = _checked(
            limiter.limit(LOGIN_PER_ADDRESS, methods=["POST"])(views[endpoint]))
    for endpoint in ("auth.WeChatLogin", "services.Services", "services.ServiceDetail"):
        if endpoint in views:
            views[endpoint] = _checked(limiter.limit(PUBLIC_PER_ADDRESS)(views[endpoint]))
