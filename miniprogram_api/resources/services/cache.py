"""The public guide's answer, serialised once per version of the guide and revalidated by ETag.

The guide is read by every resident who opens the mini-program and changes a few times a
year, yet building its answer (the fixture merged with the city's edits, dumped through the
schema, about 60 KB of JSON, 7 KB gzipped) costs far more than serving bytes. So each worker
process keeps the last version it built, plain and gzipped, keyed by
``service_guide.guide_stamp()``: a digest of the shipped fixture and the edit rows.

When is the stamp read again? gunicorn runs several worker processes (production several
machines), and an audited edit commits in one of them:

- in the process that made the edit (API or console), the next read rechecks at once;
- every other process rechecks at most ``STAMP_TTL_SECONDS`` after its last check.

Reading the stamp on every request would make the others exact too, but it is a query per
read, and on a loaded database a round trip costs more than everything else this answer
does (measured in ``benchmarks/load.py``: it halved the guide's throughput). A second's delay
for an edit made elsewhere is the price, and the ETag keeps it honest: it names the version
served, so a client never keeps a guide past the first read after the recheck.

The ETag is weak (``W/"guide-…"``): it names the content whatever its encoding. The list is
public and the same for everyone, so here — unlike the editable records of ``etags`` —
``If-None-Match`` is answered 304 when it names the current version; ``Cache-Control: public,
no-cache`` lets a client or proxy keep it but asks it to revalidate every time.

The gzipped body is made once with the standard library's gzip when the version is built,
rather than by Flask-Compress on every request; the answer then carries its
``Content-Encoding`` and Flask-Compress leaves it alone.
"""

from __future__ import annotations

import gzip
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Response, current_app, request

from backend.services import service_guide
from miniprogram_api.compression import MIN_BYTES

STAMP_TTL_SECONDS = 1.0
_EXTENSION = "service_guide_answer"
_clock = time.monotonic


def _ttl() -> float:
    """The recheck interval; 0 under test (TESTING), where one app outlives each test's data."""
    default = 0.0 if current_app.testing else STAMP_TTL_SECONDS
    return float(current_app.config.get("GUIDE_STAMP_TTL_SECONDS", default))


@dataclass(frozen=True)
class _Built:
    """One version of the guide's answer and when its stamp was last read."""

    stamp: str
    checked_at: float
    local_edits: int
    plain: bytes
    gzipped: bytes


def _current(make_schema: Callable[[], Any]) -> _Built:
    built: _Built | None = current_app.extensions.get(_EXTENSION)
    now, edits = _clock(), service_guide.local_edits()
    if (built is not None and built.local_edits == edits
            and 0 <= now - built.checked_at < _ttl()):
        return built
    stamp = service_guide.guide_stamp()
    if built is None or built.stamp != stamp:
        plain = current_app.json.dumps(make_schema().dump(service_guide.list_services())).encode()
        built = _Built(stamp, now, edits, plain, gzip.compress(plain, compresslevel=9))
    else:
        built = _Built(stamp, now, edits, built.plain, built.gzipped)
    current_app.extensions[_EXTENSION] = built  # one object swapped whole: safe across threads
    return built


def guide_answer(make_schema: Callable[[], Any]) -> Response:
    """The guide list's answer: 304 if the caller holds this version, else its cached body."""
    built = _current(make_schema)
    etag = f"guide-{built.stamp}"
    if request.if_none_match.contains_weak(etag):
        response = current_app.response_class(status=304)
    elif (len(built.plain) >= MIN_BYTES and request.accept_encodings.provided
          and request.accept_encodings["gzip"] > 0):
        response = current_app.response_class(built.gzipped, mimetype="application/json")
        response.headers["Content-Encoding"] = "gzip"
    else:
        response = current_app.response_class(built.plain, mimetype="application/json")
    response.vary.add("Accept-Encoding")
    response.set_etag(etag, weak=True)
    response.cache_control.public = True
    response.cache_control.no_cache = True
    return response
