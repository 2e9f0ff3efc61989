"""Per-request plumbing: every request is one unit of work.

Before the request: its scope (a connection, the request id, the caller). The view runs inside
one transaction that commits once — the idempotency claim, the service's writes and the stored
answer together — and its outbox events are handed on after the commit. Reads (GET, HEAD,
OPTIONS) take no transaction of their own: on SQLite a transaction holds the write lock.
"""

from __future__ import annotations

import logging
import re
import time
from contextlib import ExitStack
from typing import Any

from flask import Flask, Request, Response, g, request
from flask.sessions import SecureCookieSession, SecureCookieSessionInterface

from backend.unit_of_work import scope, unit_of_work
from miniprogram_api import metrics, read_cache
from miniprogram_api.auth import load_actor

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
CONSOLE_PATH = "/console"
# A caller's X-Request-Id is kept only if it is this short and plain (it is stamped on audit
# rows and logs); anything else gets a new id.
REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,64}")
_access = logging.getLogger("miniprogram_api.access")


class ConsoleOnlySessions(SecureCookieSessionInterface):
    """Flask's signed-cookie session, opened only under the console.

    The API authenticates every request by its bearer token and never reads Flask's session,
    while opening it builds a signing serializer per request (a twentieth of `GET /me`); the
    console's cookie is scoped to its own path anyway.
    """

    def open_session(self, app: Flask, request: Request) -> SecureCookieSession | None:
        """The console's session; a null one for every other path."""
        if not request.path.startswith(CONSOLE_PATH):
            return self.make_null_session(app)
        return super().open_session(app, request)


class App(Flask):
    """Flask whose views each run as one unit of work."""

    session_interface = ConsoleOnlySessions()

    def dispatch_request(self) -> Any:
        """Run the view (and serialise its answer) inside the request's unit of work."""
        with unit_of_work(actor=g.get("actor"),
                          transaction=request.method not in SAFE_METHODS):
            kept = read_cache.lookup()
            if kept is not None:
                return kept
            response = self.make_response(super().dispatch_request())
            read_cache.keep(response)
            return response


def _open() -> None:
    g.started = time.perf_counter()
    given = request.headers.get("X-Request-Id", "")
    stack = ExitStack()
    g.request_id = stack.enter_context(
        scope(request_id=given if REQUEST_ID.fullmatch(given) else None))
    g.scope = stack
    load_actor()


def _after(response: Response) -> Response:
    response.headers["X-Request-Id"] = g.get("request_id", "")
    route = request.url_rule.rule if request.url_rule else "<unmatched>"
    seconds = time.perf_counter() - g.get("started", time.perf_counter())
    metrics.observe_request(request.method, route, response.status_code, seconds)
    actor = g.get("actor")
    _access.info("request", extra={
        "method": request.method, "route": route, "status": response.status_code,
        "duration_ms": round(seconds * 1000, 1), "actor": actor.key if actor else None})
    return response


def _close(exc: BaseException | None) -> None:
    stack = g.pop("scope", None)
    if stack is not None:
        stack.close()


def init_app(app: Flask) -> None:
    """Register the hooks."""
    app.before_request(_open)
    app.after_request(_after)
    app.teardown_request(_close)
