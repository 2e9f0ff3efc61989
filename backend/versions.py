"""Edits that don't overwrite each other: refuse a change made from an older version of a row.

Clients, applications, bookings and the guide's edits count their changes in ``version``
(``backend.models.base.Versioned``); the API shows it as the record's ETag. A caller that names
the version it edited from (``If-Match``) gets its change only if nobody has changed the row
since; a caller that names none writes over whatever is there, as before.
"""

from __future__ import annotations

from collections.abc import Collection

from backend.errors import PreconditionFailed
from backend.models.base import Versioned

# The versions the caller edited from (any of them will do); None: it named none.
ExpectedVersions = Collection[int] | None


def hold_version(row: Versioned, expected: ExpectedVersions) -> None:
    """Refuse the edit unless ``row`` is at a version expected and still is; then hold it.

    The check is a conditional UPDATE that changes nothing: on PostgreSQL it locks the row
    until the commit, so of two edits made from the same version the second waits, then
    matches no row and is refused (SQLite lets one writer at a time in anyway). Comparing in
    the request, outside the transaction, would let both pass and the second overwrite the
    first. Matching the version ``row`` was loaded at also means the caller edits what it read.
    """
    if expected is None:
        return
    model = type(row)
    if row.version not in expected:
        raise PreconditionFailed()
    held = (model.update(version=model.version)
            .where((model.id == row.id) & (model.version == row.version)).execute())
    if held != 1:
        raise PreconditionFailed()
