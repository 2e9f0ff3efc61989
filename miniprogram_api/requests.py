"""Per-request plumbing: connection, request id, caller, and events handed on after commit."""

from __future__ import annotations

import logging

from flask import Flask, Response, g, request

from backend import outbox, runtime
from backend.db import db
from miniprogram_api.auth import load_actor

_log = logging.getLogger("miniprogram_api.access")


def _open() -> None:
    db.connect(reuse_if_open=True)
    g.request_id = runtime.set_request_id(request.headers.get("X-Request-Id"))
    load_actor()


def _after(response: Response) -> Response:
    # Every service has committed by now: hand this request's events on.
    outbox.flush()
    response.headers["X-Request-Id"] = g.get("request_id", "")
    return response


def _close(exc: BaseException | None) -> None:
    outbox.take_new_event_ids()  # a failed request's events were rolled back with it
    if not db.is_closed():
        db.close()


def init_app(app: Flask) -> None:
    """Register the hooks."""
    app.before_request(_open)
    app.after_request(_after)
    app.teardown_request(_close)
