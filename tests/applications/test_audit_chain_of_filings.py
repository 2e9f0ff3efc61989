"""A filing's audit rows join its township's chain, so residents across the city do not queue
on the few shared chains."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend import audit
from backend.models import AuditEntry
from tests.conftest import Api


def test_a_residents_filing_and_the_city_bureaus_later_moves_join_the_townships_chain(
        api: Api, filing: Callable[..., dict[str, Any]]) -> None:
    filed = api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    assert filed.status_code == 201, filed.json
    rows = list(AuditEntry.select().where(AuditEntry.entity == "application",
                                          AuditEntry.entity_id == str(filed.json["id"])))
    township = api.world.villages["a1"].code[:audit.TOWNSHIP_DIGITS]
    assert rows and {row.chain for row in rows} == {f"township:{township}"}
    assert audit.verify_chain().ok
