"""Edits that don't overwrite each other: ETags on reads, If-Match on edits, 412 when stale."""

from __future__ import annotations

import io
import threading
from collections import Counter
from typing import Any

import pytest
from flask import Flask

from backend.models import AuditEntry, Client, OutboxEvent, StaffAccount
from tests.applications.conftest import PNG
from tests.conftest import Api
from tests.factories import id_number
from tests.visits.conftest import booking_body, working_day


@pytest.fixture
def second_clerk(api: Api) -> str:
    """Another township clerk of township a, beside ts-a."""
    world = api.world
    first = world.staff["ts-a"]
    world.staff["ts-a-2"] = StaffAccount.create(
        username="ts-a-2", password_hash=first.password_hash, name="测试第二位办事员",
        role="township_staff", area_code=first.area_code, township=first.township_id)
    return "ts-a-2"


def _client_path(api: Api) -> str:
    return f"/api/v1/clients/{api.world.clients['a1'].id}"


def test_two_clerks_editing_one_client_the_second_with_a_stale_etag_gets_412_and_overwrites_nothing(
    api: Api, second_clerk: str
) -> None:
    path = _client_path(api)
    client_id = api.world.clients["a1"].id
    version = Client.get_by_id(client_id).version
    first_read, second_read = api.get(path, "ts-a"), api.get(path, second_clerk)
    etag = first_read.headers["ETag"]
    assert etag == f'"client-{client_id}-v{version}"' == second_read.headers["ETag"]

    saved = api.patch(path, "ts-a", json={"address": "a1村新址1号", "reason": "搬家"},
                      headers={"If-Match": etag})
    assert saved.status_code == 200, saved.json
    assert saved.headers["ETag"] == f'"client-{client_id}-v{version + 1}"'
    events_before = OutboxEvent.select().count()

    stale = api.patch(path, second_clerk, json={"address": "a1村旧址9号", "notes": "按旧资料"},
                      headers={"If-Match": second_read.headers["ETag"]})
    assert stale.status_code == 412
    assert stale.json == {"code": "precondition_failed", "status": 412,
                          "message": "该记录已被他人修改，请刷新后在最新内容上重新操作",
                          "errors": {}}
    kept = Client.get_by_id(client_id)
    assert (kept.address, kept.notes, kept.version) == (
        "a1村新址1号", saved.json["notes"], version + 1)
    updates = AuditEntry.select().where((AuditEntry.action == "client.update")
                                        & (AuditEntry.entity_id == str(client_id)))
    assert [a.actor_id for a in updates] == [api.world.staff["ts-a"].id]
    assert OutboxEvent.select().count() == events_before

    fresh = api.get(path, second_clerk)
    retried = api.patch(path, second_clerk, json={"notes": "按新地址核实"},
                        headers={"If-Match": fresh.headers["ETag"]})
    assert retried.status_code == 200 and retried.json["address"] == "a1村新址1号"


def test_without_if_match_the_last_write_wins_as_before(api: Api, second_clerk: str) -> None:
    path = _client_path(api)
    assert api.patch(path, "ts-a", json={"notes": "一"}).status_code == 200
    assert api.patch(path, second_clerk, json={"notes": "二"}).status_code == 200
    assert api.get(path, "ts-a").json["notes"] == "二"
    anything = api.patch(path, "ts-a", json={"notes": "三"}, headers={"If-Match": "*"})
    assert anything.status_code == 200


def test_if_match_names_this_record_strongly_or_nothing(api: Api) -> None:
    path = _client_path(api)
    current = api.get(path, "ts-a").headers["ETag"]
    other = f'"client-{api.world.clients["a2"].id}-v1"'
    for given in (other, f"W/{current}", '"client-1-v99999999999999999999999"', "garbage",
                  '"p", ""'):  # werkzeug reads an empty quoted tag as None
        refused = api.patch(path, "ts-a", json={"notes": "x"}, headers={"If-Match": given})
        assert refused.status_code == 412, given
    either = api.patch(path, "ts-a", json={"notes": "x"},
                       headers={"If-Match": f"{other}, {current}"})
    assert either.status_code == 200


def test_eight_clerks_saving_from_the_same_version_at_once_one_wins(
    app: Flask, api: Api
) -> None:
    path = _client_path(api)
    version = Client.get_by_id(api.world.clients["a1"].id).version
    etag = api.get(path, "ts-a").headers["ETag"]
    token = api.token("ts-a")
    barrier, statuses, lock = threading.Barrier(8), Counter[int](), threading.Lock()

    def save(n: int) -> None:
        http = app.test_client()
        barrier.wait()
        answer = http.patch(path, json={"notes": f"第{n}位"},
                            headers={"Authorization": f"Bearer {token}", "If-Match": etag})
        with lock:
            statuses[answer.status_code] += 1

    threads = [threading.Thread(target=save, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert statuses == Counter({200: 1, 412: 7})
    assert Client.get_by_id(api.world.clients["a1"].id).version == version + 1


def _filed(api: Api) -> int:
    world = api.world
    body = {"service_code": "subsistence_allowance", "applicant_name": "申请人1",
            "applicant_id_number": id_number(1), "phone": "13800001111",
            "village_id": world.villages["a1"].id, "address": "a1村2组1号",
            "household_members": [], "declared_income_fen": 80_000, "reason": "因病致贫"}
    filed = api.post("/api/v1/applications", "res-owner", json=body)
    assert filed.status_code == 201, filed.json
    submitted = api.post(f"/api/v1/applications/{filed.json['id']}/submit", "res-owner")
    assert submitted.status_code == 200, submitted.json
    return int(filed.json["id"])


def test_a_transition_decided_from_a_stale_application_is_refused(api: Api) -> None:
    app_id = _filed(api)
    seen = api.get(f"/api/v1/applications/{app_id}", "ts-a").headers["ETag"]
    path = f"/api/v1/applications/{app_id}/transitions"
    moved = api.post(path, "ts-a", json={"action": "advance", "comment": "受理"},
                     headers={"If-Match": seen})
    assert moved.status_code == 200, moved.json
    assert moved.headers["ETag"] != seen
    stale = api.post(path, "ts-a", json={"action": "reject", "comment": "不符合条件"},
                     headers={"If-Match": seen})
    assert stale.status_code == 412
    assert api.get(f"/api/v1/applications/{app_id}", "ts-a").json["status"] == "in_review"


def test_an_upload_after_the_read_makes_a_decision_from_it_stale(api: Api) -> None:
    app_id = _filed(api)
    seen = api.get(f"/api/v1/applications/{app_id}", "ts-a").headers["ETag"]
    uploaded = api.post(f"/api/v1/applications/{app_id}/materials?material_code=id_card",
                        "res-owner", data={"file": (io.BytesIO(PNG), "id.png")},
                        content_type="multipart/form-data")
    assert uploaded.status_code == 201, uploaded.json
    stale = api.post(f"/api/v1/applications/{app_id}/transitions", "ts-a",
                     json={"action": "advance"}, headers={"If-Match": seen})
    assert stale.status_code == 412


def test_a_booking_decided_from_a_stale_read_is_refused(api: Api) -> None:
    booked = api.post("/api/v1/bookings", "res-owner",
                      json=booking_body(api.world.clients["a1"].id, working_day(2)))
    path = f"/api/v1/bookings/{booked.json['id']}"
    seen = api.get(path, "ts-a").headers["ETag"]
    api.post(f"{path}/cancel", "res-owner", json={"reason": "不需要了"})
    stale = api.post(f"{path}/decision", "ts-a", json={"decision": "approve"},
                     headers={"If-Match": seen})
    assert stale.status_code == 412  # not a 409 about the status: the read was stale


def test_the_service_guide_carries_an_etag_and_a_stale_edit_is_refused(api: Api) -> None:
    path = "/api/v1/services/subsistence_allowance"
    public = api.get(path)
    assert public.headers["ETag"] == '"service-subsistence_allowance-v0"'
    edited = api.patch(path, "city-admin", json={"complaint_phone": "0371-12345"},
                       headers={"If-Match": public.headers["ETag"]})
    assert edited.status_code == 200 and edited.headers["ETag"] != public.headers["ETag"]
    stale = api.patch(path, "city-admin", json={"complaint_phone": "0371-99999"},
                      headers={"If-Match": public.headers["ETag"]})
    assert stale.status_code == 412
    assert api.get(path).json["complaint_phone"] == "0371-12345"


def test_the_api_docs_say_if_match_is_optional_and_what_412_means(api: Api) -> None:
    spec: dict[str, Any] = api.get("/api/openapi.json").json
    patch = spec["paths"]["/api/v1/clients/{client_id}"]["patch"]
    [if_match] = [p for p in patch["parameters"] if p["name"] == "If-Match"]
    assert (if_match["in"], if_match["required"]) == ("header", False)
    assert "412" in patch["responses"] and "ETag" in patch["responses"]["200"]["headers"]
    get = spec["paths"]["/api/v1/clients/{client_id}"]["get"]
    assert "ETag" in get["responses"]["200"]["headers"]
    for path, method in (("/api/v1/applications/{application_id}/transitions", "post"),
                         ("/api/v1/bookings/{booking_id}/decision", "post"),
                         ("/api/v1/services/{code}", "patch")):
        operation = spec["paths"][path][method]
        assert "412" in operation["responses"], path
        assert any(p["name"] == "If-Match" for p in operation["parameters"]), path
