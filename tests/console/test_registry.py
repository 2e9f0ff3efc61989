"""The client registry: search by name and category, by ID number (POST only), a case file in
Chinese and in order, and a number in clear only for a stated purpose, logged as the API logs."""

from __future__ import annotations

from typing import Any

from backend.models import ClientCategory, PiiAccess
from tests.conftest import Api
from tests.factories import id_number


def test_clients_are_found_by_name_and_by_category(signed_in: Any, api: Api) -> None:
    ClientCategory.create(client=api.world.clients["a2"], category="subsistence_allowance")
    browser = signed_in("ts-a")
    by_name = browser.get("/console/clients?name=a1").get_data(as_text=True)
    assert "对象a1" in by_name and "对象a2" not in by_name and "留守老人" in by_name
    by_category = browser.get("/console/clients?category=subsistence_allowance").get_data(
        as_text=True)
    assert "对象a2" in by_category and "对象a1" not in by_category and "共 1 人" in by_category
    assert "对象b1" not in browser.get("/console/clients").get_data(as_text=True)  # scope


def test_a_malformed_id_number_is_said_beside_its_field_without_echoing_it(
    signed_in: Any
) -> None:
    browser = signed_in("ts-a")
    browser.get("/console/clients")
    wrong = id_number(1)[:17] + ("0" if id_number(1)[17] != "0" else "1")
    refused = browser.post("/console/clients", {"id_number": wrong})
    text = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "校验位错误" in text and wrong not in text
    assert 'id="id_number-error"' in text


def test_a_number_is_shown_in_clear_only_for_a_stated_purpose_and_logged(
    signed_in: Any, api: Api
) -> None:
    client = api.world.clients["a1"]
    browser = signed_in("ts-a")
    page = browser.get(f"/console/clients/{client.id}").get_data(as_text=True)
    assert "查看目的" in page and "13800000001" not in page
    refused = browser.post(f"/console/clients/{client.id}/reveal", {"field": "phone"})
    assert refused.status_code == 422 and "请写明查看目的" in refused.get_data(as_text=True)
    assert PiiAccess.select().count() == 0
    shown = browser.post(f"/console/clients/{client.id}/reveal",
                         {"field": "phone", "purpose": "电话联系服务对象"})
    assert shown.status_code == 200 and "13800000001" in shown.get_data(as_text=True)
    assert shown.headers["Cache-Control"] == "no-store"
    logged = PiiAccess.get()
    assert (logged.entity, logged.entity_id, logged.field, logged.purpose) == (
        "client", str(client.id), "phone", "电话联系服务对象")
    assert logged.actor_id == api.world.staff["ts-a"].id
    assert "13800000001" not in browser.get(f"/console/clients/{client.id}").get_data(
        as_text=True)


def test_the_case_file_reads_in_chinese_in_time_order(signed_in: Any, api: Api) -> None:
    from tests.visits.conftest import booking_body, working_day

    client = api.world.clients["a1"]
    assert api.post("/api/v1/bookings", "res-owner",
                    json=booking_body(client.id, working_day(2))).status_code == 201
    text = signed_in("sw-a1").get(f"/console/clients/{client.id}").get_data(as_text=True)
    assert "预约日常探访（待审核）" in text
    assert "查看明文" not in text  # a social worker may read the file, not reveal numbers
