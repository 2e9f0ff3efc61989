"""Geography and the staff directory."""

from __future__ import annotations

from backend.models import ServiceStation, Village
from tests.conftest import Api, QueryLog


def test_township_detail_lists_villages_stations_and_staff_with_masked_phones(api: Api) -> None:
    township = api.world.townships["a"]
    body = api.get(f"/api/v1/townships/{township.id}", "ts-a").json
    assert [v["name"] for v in body["villages"]] == ["A1村", "A2村"]
    assert body["villages"][0]["station"]["has_ledger"] is True
    roles = sorted(s["role"] for s in body["staff"])
    assert roles == [
        "coordinator",
        "coordinator",
        "social_worker",
        "social_worker",
        "township_staff",
    ]


def test_a_coordinator_sees_only_their_own_village_of_the_township(api: Api) -> None:
    township = api.world.townships["a"]
    body = api.get(f"/api/v1/townships/{township.id}", "co-a2").json
    assert [v["name"] for v in body["villages"]] == ["A2村"]


def test_township_detail_takes_the_same_queries_for_two_villages_or_twenty(
    api: Api, queries: QueryLog
) -> None:
    township = api.world.townships["a"]
    path = f"/api/v1/townships/{township.id}"
    api.get(path, "ts-a")  # warm the token
    queries.statements.clear()
    api.get(path, "ts-a")
    few = len(queries.statements)
    for n in range(18):
        village = Village.create(
            township=township,
            code=f"410184001{300 + n}",
            name=f"新村{n}",
            kind="village",
            lat=34.4,
            lng=113.7,
        )
        ServiceStation.create(village=village)
    queries.statements.clear()
    api.get(path, "ts-a")
    assert len(queries.statements) == few, str(queries)
