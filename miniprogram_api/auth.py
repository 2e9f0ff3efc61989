"""Who is calling: the bearer token becomes ``g.actor`` before any view runs."""

from __future__ import annotations

from flask import g, request

from backend.errors import NotAuthenticated
from backend.services import auth


def load_actor() -> None:
    """Resolve the Authorization header; a bad token only matters to views that need one."""
    g.actor = None
    header = request.headers.get("Authorization", "")
    if not header:
        return
    scheme, _, token = header.partition(" ")
    try:
        if scheme.lower() != "bearer" or not token:
            raise NotAuthenticated("Authorization 头须为 Bearer 令牌", code="invalid_token")
        g.actor = auth.authenticate(token.strip())
    except NotAuthenticated as exc:
        g.auth_error = exc
