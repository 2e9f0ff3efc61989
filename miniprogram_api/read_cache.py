"""Staff list pages answered again from memory while the database has not changed.

The work queue, a page of clients, the applications and bookings lists are read over and over
(the console polls them, clerks reload them) and cost most of their time in building rows and
JSON, not in the database. An answer is kept per caller and URL with the database's change
stamp (`backend.db.change_stamp`, PostgreSQL's snapshot) taken before it was built; the same
caller asking the same URL again is given the kept answer only if the stamp is unchanged — no
write committed anywhere since — and it is younger than `MAX_AGE` (what a page computes from
the clock, such as "overdue", is then at most that late). Everything else still runs per request:
the token and the session are checked, the request is logged and counted.

Nothing is kept for writes, errors, other endpoints, SQLite (no stamp), or a request that says
`Cache-Control: no-cache`. The key holds the caller's account and role, so no answer is ever
given to anyone but the account it was built for, and a role or scope change is a write. A hit
carries `X-Read-Cache: hit`. Each gunicorn worker keeps its own entries (bounded, least recently
used dropped first); the database is what they agree on.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from dataclasses import dataclass

from flask import Response, g, request

from backend.db import change_stamp
from backend.models.base import local_today

# GET endpoints whose answers depend only on the database, the caller and the URL.
CACHED_ENDPOINTS = frozenset({
    "clients.Clients", "applications.Queue", "applications.Applications", "bookings.Bookings",
})
MAX_AGE = 10.0  # seconds
ENTRIES = 256  # per worker process
MAX_BODY = 512 * 1024  # bytes; a larger answer is rebuilt each time
MAX_TOTAL = 16 * 1024 * 1024  # bytes of answers kept per worker process
# Headers of the request, the connection or the encoding, not of the kept answer.
_NOT_KEPT = frozenset({"x-request-id", "set-cookie", "date", "content-length",
                       "content-encoding", "vary"})


@dataclass(frozen=True)
class _Kept:
    stamp: str
    kept_at: float
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


_entries: OrderedDict[tuple[object, ...], _Kept] = OrderedDict()
_kept_bytes = 0
_lock = threading.Lock()


def _key() -> tuple[object, ...] | None:
    """This request's key, or None when its answer is not to be kept or reused."""
    actor = g.get("actor")
    if (request.method != "GET" or request.endpoint not in CACHED_ENDPOINTS or actor is None
            or "no-cache" in request.headers.get("Cache-Control", "")):
        return None
    return (request.full_path, actor.kind, actor.id, actor.role, local_today())


def lookup() -> Response | None:
    """The kept answer to this request if nothing has changed since it was built."""
    key = _key()
    if key is None:
        return None
    stamp = change_stamp()
    if stamp is None:
        return None
    g.read_cache = (key, stamp)
    with _lock:
        kept = _entries.get(key)
        if kept is not None:
            _entries.move_to_end(key)
    if kept is None or kept.stamp != stamp or time.monotonic() - kept.kept_at > MAX_AGE:
        return None
    answer = Response(kept.body, status=kept.status, headers=list(kept.headers))
    answer.headers["X-Read-Cache"] = "hit"
    return answer


def keep(response: Response) -> None:
    """Keep this request's answer under the stamp read before it was built."""
    pending = g.pop("read_cache", None)
    if (pending is None or response.status_code != 200 or response.direct_passthrough
            or response.is_streamed):
        return
    body = response.get_data()
    if len(body) > MAX_BODY:
        return
    key, stamp = pending
    headers = tuple((name, value) for name, value in response.headers.items()
                    if name.lower() not in _NOT_KEPT)
    global _kept_bytes
    with _lock:
        replaced = _entries.pop(key, None)
        _kept_bytes -= len(replaced.body) if replaced else 0
        _entries[key] = _Kept(stamp, time.monotonic(), response.status_code, body, headers)
        _kept_bytes += len(body)
        while len(_entries) > ENTRIES or _kept_bytes > MAX_TOTAL:
            _, dropped = _entries.popitem(last=False)
            _kept_bytes -= len(dropped.body)


def clear() -> None:
    """Forget every kept answer (tests)."""
    global _kept_bytes
    with _lock:
        _entries.clear()
        _kept_bytes = 0
