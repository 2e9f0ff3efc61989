"""The ``Idempotency-Key`` header on POSTs that create things."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

from flask import Response, g, make_response, request

from backend import idempotency

HEADER = "Idempotency-Key"


def idempotent(view: Callable[..., Any]) -> Callable[..., Any]:
    """Replay the first answer to a repeated request with the same key and body.

    Runs inside the request's unit of work: the claim, the view's writes and the kept answer
    commit together, and an error rolls all three back, so a retry runs the request afresh.
    """

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        key = request.headers.get(HEADER)
        if not key:
            return view(*args, **kwargs)
        actor_key = g.actor.key if g.get("actor") else "anonymous"
        fingerprint = idempotency.request_fingerprint(request.path, request.get_json(silent=True))
        stored = idempotency.claim(actor_key, key, request.path, fingerprint)
        if stored is not None:
            replay = Response(stored.body, status=stored.status_code,
                              mimetype="application/json")
            replay.headers["Idempotent-Replayed"] = "true"
            return replay
        response = make_response(view(*args, **kwargs))
        idempotency.answer(actor_key, key, response.status_code, response.get_data(as_text=True))
        return response

    return wrapper
