"""The public guide's answer, serialised once per version of the guide and revalidated by ETag.

The guide is read by every resident who opens the mini-program and changes a few times a
year, yet building its answer (the fixture merged with the city's edits, dumped through the
schema, about 40 KB of JSON) costs far more than reading whether it changed. So each worker
process keeps the serialised body of the last version it built, keyed by
``service_guide.guide_stamp()``: a digest of the shipped fixture and the edit rows, read
from the database on every request (one query on a table of a few rows).

Why a stamp read from the database and not a time-to-live: gunicorn runs several worker
processes (and production several machines), and an audited edit commits in one of them. A
TTL would let the others serve the old guide until it ran out; the stamp changes in the same
transaction as the edit, so the next read anywhere builds the new answer, at the price of
that one small query per request.

The ETag is the stamp, weak (``W/"guide-…"``): it names the content whatever its encoding,
so a gzipped answer validates as the plain one does. The guide's list is public and its
answer is the same for everyone, so here — unlike the editable records of ``etags`` —
``If-None-Match`` is answered 304 when it names the current version, and ``Cache-Control:
public, no-cache`` lets a client or proxy keep it but asks it to revalidate every time (an
edit is seen by the next read).
"""

from __future__ import annotations

from typing import Any

from flask import Response, current_app, request

from backend.services import service_guide

_EXTENSION = "service_guide_answer"


def _revalidated(response: Response, etag: str) -> Response:
    response.set_etag(etag, weak=True)
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response


def guide_answer(schema: Any) -> Response:
    """The guide list's answer: 304 if the caller holds this version, else its cached body."""
    stamp = service_guide.guide_stamp()
    etag = f"guide-{stamp}"
    if request.if_none_match.contains_weak(etag):
        return _revalidated(current_app.response_class(status=304), etag)
    cached: tuple[str, bytes] | None = current_app.extensions.get(_EXTENSION)
    if cached is None or cached[0] != stamp:
        body = current_app.json.dumps(schema.dump(service_guide.list_services())).encode()
        cached = (stamp, body)
        current_app.extensions[_EXTENSION] = cached  # one tuple swapped whole: thread-safe
    return _revalidated(current_app.response_class(cached[1], mimetype="application/json"),
                        etag)
