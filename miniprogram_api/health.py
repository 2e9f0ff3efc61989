"""``/healthz`` (the process answers) and ``/readyz`` (database reachable at its head migration,
Redis reachable when configured): 503 names the failing part, for load balancers and operators."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Flask

from backend import health
from notifications import context
from notifications.context import REDIS_DOWN


def _healthz() -> dict[str, Any]:
    return {"status": "ok"}


def _redis_problem() -> str | None:
    redis = context.current().redis
    if redis is None:
        return None  # jobs run inline: nothing to reach
    try:
        redis.ping()
    except REDIS_DOWN as exc:
        return f"Redis 不可用：{type(exc).__name__}"
    return None


def _readyz() -> tuple[dict[str, Any], int]:
    checks = {"database": health.database_problem(), "redis": _redis_problem()}
    failing = {name: problem for name, problem in checks.items() if problem}
    body = {"status": "unavailable" if failing else "ready",
            "checks": {name: problem or "ok" for name, problem in checks.items()}}
    return body, 503 if failing else 200


def init_app(app: Flask) -> None:
    """Serve the two probes."""
    blueprint = Blueprint("health", __name__)
    blueprint.add_url_rule("/healthz", "healthz", _healthz)
    blueprint.add_url_rule("/readyz", "readyz", _readyz)
    app.register_blueprint(blueprint)
