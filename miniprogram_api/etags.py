"""ETags from a record's version, and ``If-Match`` so that two edits don't overwrite each other.

A record staff edit side by side (a client, an application, a booking, a service's guide)
answers with a strong ETag naming its version, ``"client-12-v3"``. An edit — a PATCH, a
workflow transition, a booking decision — may send it back in ``If-Match``; if the record has
changed since, the answer is 412 ``precondition_failed`` and nothing is written. Without
``If-Match`` the edit applies to whatever is there, as before.

The tag validates edits, not caches: no 304 for ``If-None-Match``, because these answers also
carry values derived outside the row (an application's ``overdue``, the guide's names, who is
looking decides the masking) that change without a new version.

Why not flask-smorest's own ``blp.etag`` / ``check_etag``: it hashes the serialised answer
(so checking an edit means reading and dumping the record first), it demands ``If-Match`` on
every PATCH (428) but cannot check a POST (our transitions and decisions), and it compares in
the view, outside the database transaction, so two edits made from the same version could
both pass and the second overwrite the first. Here the tag is the row's version, the service
compares it inside its transaction with a conditional UPDATE (``backend.versions``), and
``If-Match`` stays optional for the clients that exist.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from copy import deepcopy
from typing import Any

from flask import request
from werkzeug.http import quote_etag

from miniprogram_api.compression import CODINGS

SAFE_METHODS = frozenset({"GET", "HEAD"})
IF_MATCH = {
    "name": "If-Match", "in": "header", "required": False, "schema": {"type": "string"},
    "description": "可选。读取时得到的 ETag（如 \"client-12-v3\"）；若记录此后已被他人修改，"
                   "返回 412 precondition_failed 且不作任何更改。不传则直接修改（后写入者为准）",
}
ETAG_HEADER = {"description": "记录当前版本的强 ETag，修改时放入 If-Match 以免覆盖他人的修改",
               "schema": {"type": "string"}}


def tag(kind: str, key: object, version: int) -> str:
    """The (unquoted) ETag of one version of a record."""
    return f"{kind}-{key}-v{version}"


def if_match(kind: str, key: object) -> frozenset[int] | None:
    """The versions ``If-Match`` names for this record; None when it names none (or ``*``).

    Tags of another record, weak tags and garbage name no version: the edit is refused.
    """
    header = request.if_match
    if not header or header.star_tag:
        return None
    prefix = tag(kind, key, 0)[:-1]
    versions = set()
    # Strong tags only: If-Match compares strongly (RFC 9110 13.1.1). An empty quoted tag
    # (``"p", ""``) comes out of werkzeug as None, and names no version either.
    for value in filter(None, header):
        value = _without_coding(value)
        digits = value[len(prefix):] if value.startswith(prefix) else ""
        if digits.isdigit() and len(digits) < 19:  # beyond any version a row can reach
            versions.add(int(digits))
    return frozenset(versions)


def _without_coding(value: str) -> str:
    """The tag as the record's version names it, whether the answer it came with was
    compressed (``compression`` appends ``:gzip`` to the ETag of a gzipped answer) or not."""
    base, colon, coding = value.rpartition(":")
    return base if colon and coding in CODINGS else value


def _field(result: Any, name: str) -> Any:
    return result[name] if isinstance(result, dict) else getattr(result, name)


def versioned(kind: str, key: str = "id") -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Answer with the returned record's ETag.

    Goes right above the view, under ``@blp.response``; documents the ETag header, and on an
    edit the optional If-Match.
    """

    def decorator(view: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            result = view(*args, **kwargs)
            etag = tag(kind, _field(result, key), _field(result, "version"))
            return result, {"ETag": quote_etag(etag)}

        wrapper._apidoc = deepcopy(getattr(wrapper, "_apidoc", {}))  # type: ignore[attr-defined]
        wrapper._apidoc["versioned"] = kind  # type: ignore[attr-defined]
        return wrapper

    return decorator


def prepare_doc(doc: dict[str, Any], doc_info: dict[str, Any], *, method: str,
                **kwargs: Any) -> dict[str, Any]:
    """flask-smorest doc callback: the ETag header, and If-Match on edits."""
    if not doc_info.get("versioned"):
        return doc
    for status in doc_info.get("success_status_codes", []):
        doc["responses"][status].setdefault("headers", {})["ETag"] = ETAG_HEADER
    if method.upper() not in SAFE_METHODS:
        doc.setdefault("parameters", []).append(IF_MATCH)
    return doc
