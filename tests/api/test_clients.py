"""The client registry through the API: masked by viewer, encrypted at rest, searchable, audited."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from backend.db import db, is_postgres
from backend.models import AuditEntry, Client, PiiAccess
from tests.conftest import Api, QueryLog
from tests.factories import id_number

NEW_ID = id_number(77, sex="female")


def _new_client(
    api: Api, who: str = "ts-a", headers: dict[str, str] | None = None, **extra: object
) -> Any:
    body = {
        "name": "王秀英",
        "id_number": NEW_ID.lower(),
        "village_id": api.world.villages["a2"].id,
        "address": "A2村3组8号",
        "phone": "139 1234 5678",
        "categories": [
            {"category": "special_care", "subtype": "martyr_child"},
            {"category": "elderly"},
        ],
        **extra,
    }
    return api.post("/api/v1/clients", who, json=body, headers=headers)


def test_staff_register_a_client_and_see_only_masked_numbers(api: Api) -> None:
    response = _new_client(api)
    assert response.status_code == 201, response.json
    body = response.json
    assert body["id_number"] == NEW_ID[:6] + "********" + NEW_ID[-4:]
    assert body["phone"] == "139****5678"
    assert body["sex"] == "female" and {c["category"] for c in body["categories"]} == {
        "special_care",
        "elderly",
    }
    assert NEW_ID not in response.get_data(as_text=True)


def test_an_id_number_with_a_wrong_check_digit_is_refused_in_chinese(api: Api) -> None:
    wrong = NEW_ID[:-1] + ("0" if NEW_ID[-1] != "0" else "1")
    response = _new_client(api, id_number=wrong)
    assert response.status_code == 422
    assert response.json["code"] == "invalid_id_number" and "校验" in response.json["message"]


def test_registering_the_same_person_twice_is_a_conflict(api: Api) -> None:
    assert _new_client(api).status_code == 201
    again = _new_client(api)
    assert again.status_code == 409 and again.json["code"] == "client_exists"


def test_a_coordinator_cannot_register_outside_their_village(api: Api) -> None:
    assert _new_client(api, who="co-a1").status_code == 404
    assert _new_client(api, who="co-a2").status_code == 201


def test_unknown_fields_and_loose_integers_are_rejected(api: Api) -> None:
    assert _new_client(api, favourite_colour="red").status_code == 422
    assert _new_client(api, village_id=str(api.world.villages["a2"].id)).status_code == 422


def test_search_by_full_id_number_goes_through_the_blind_index(api: Api) -> None:
    _new_client(api)
    found = api.post("/api/v1/clients/search", "ts-a", json={"id_number": NEW_ID})
    assert [c["name"] for c in found.json] == ["王秀英"]
    assert api.post("/api/v1/clients/search", "ts-b", json={"id_number": NEW_ID}).json == []
    # A full number never travels in a query string, where access logs and proxies keep it.
    assert api.get("/api/v1/clients", "ts-a", query_string={"id_number": NEW_ID}).status_code == 422


def test_edits_are_audited_with_before_and_after_but_never_the_phone(api: Api) -> None:
    client_id = api.world.clients["a1"].id
    response = api.patch(
        f"/api/v1/clients/{client_id}",
        "ts-a",
        json={"address": "新地址1号", "phone": "13700001111", "reason": "搬家"},
    )
    assert response.status_code == 200 and response.json["phone"] == "137****1111"
    entry = AuditEntry.select().where(AuditEntry.action == "client.update").get()
    assert entry.changes["address"][1] == "新地址1号" and entry.reason == "搬家"
    assert "13700001111" not in str(entry.changes)


def test_revealing_a_number_is_logged(api: Api) -> None:
    client_id = api.world.clients["a1"].id
    response = api.post(
        f"/api/v1/clients/{client_id}/reveal",
        "ts-a",
        json={"field": "id_number", "purpose": "核对身份"},
    )
    assert response.status_code == 200 and response.json["value"] == id_number(1)
    access = PiiAccess.get()
    assert (access.field, access.purpose, access.actor_id) == (
        "id_number",
        "核对身份",
        api.world.staff["ts-a"].id,
    )


def test_a_ciphertext_moved_to_another_row_does_not_open(api: Api) -> None:
    a1, a2 = api.world.clients["a1"], api.world.clients["a2"]
    Client.update(id_number_enc=a1.id_number_enc).where(Client.id == a2.id).execute()
    response = api.post(
        f"/api/v1/clients/{a2.id}/reveal",
        "city-admin",
        json={"field": "id_number", "purpose": "核对身份"},
    )
    assert response.status_code == 500  # tampering is our failure, never a silent wrong answer


def test_the_database_file_holds_no_id_number_in_clear(api: Api) -> None:
    assert _new_client(api).status_code == 201
    if is_postgres():
        dump = "".join(
            str(row)
            for table in ("client", "audit_entry", "outbox_event")
            for row in db.execute_sql(f"SELECT * FROM {table}").fetchall()
        )
        assert NEW_ID not in dump
        return
    db.execute_sql("PRAGMA wal_checkpoint(FULL)")
    path = Path(db.obj.database)
    raw = b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    for number in (NEW_ID, id_number(1), "13912345678"):
        assert number.encode() not in raw


def test_idempotency_key_replays_the_first_answer(api: Api) -> None:
    first = _new_client(api, headers={"Idempotency-Key": "k-1"})
    second = _new_client(api, headers={"Idempotency-Key": "k-1"})
    assert first.status_code == second.status_code == 201
    assert first.get_data() == second.get_data()
    assert second.headers["Idempotent-Replayed"] == "true"
    assert Client.select().where(Client.name == "王秀英").count() == 1


def test_the_list_filters_by_village_from_a_query_string(api: Api) -> None:
    village = api.world.villages["a2"]
    found = api.get("/api/v1/clients", "ts-a", query_string={"village_id": str(village.id)})
    assert found.status_code == 200 and [c["name"] for c in found.json] == ["对象a2"]
    assert api.get("/api/v1/clients", "ts-a", query_string={"village_id": "1.5"}).status_code == 422


def test_a_page_of_clients_costs_the_same_queries_for_three_or_twenty(
    api: Api, queries: QueryLog
) -> None:
    fresh = {"Cache-Control": "no-cache"}  # what building the page costs, not a kept answer
    api.get("/api/v1/clients", "city-admin")  # warm the token
    queries.statements.clear()
    api.get("/api/v1/clients", "city-admin", headers=fresh)
    few = len(queries.statements)
    for n in range(17):
        _new_client(api, id_number=id_number(200 + n), name=f"新对象{n}")
    queries.statements.clear()
    assert len(api.get("/api/v1/clients", "city-admin", headers=fresh).json) == 20
    assert len(queries.statements) == few, str(queries)
