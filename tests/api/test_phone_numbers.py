"""One phone validator behind every input: mobiles and landlines with an area code are taken
(region CN, by libphonenumber's metadata), stored in one form, masked; anything else is a 422."""

from __future__ import annotations

from typing import Any

import pytest

from backend import runtime
from backend.models import Application, Booking, Client
from tests.conftest import Api
from tests.factories import id_number
from tests.visits.conftest import booking_body, working_day

LANDLINE = "0371-62345678"


def _register(api: Api, phone: str) -> Any:
    return api.post("/api/v1/clients", "ts-a", json={
        "name": "王秀英", "id_number": id_number(77, sex="female"),
        "village_id": api.world.villages["a2"].id, "address": "A2村3组8号", "phone": phone,
        "categories": [{"category": "elderly"}]})


def _filing(api: Api, phone: str) -> Any:
    return api.post("/api/v1/applications", "res-owner", json={
        "service_code": "temporary_relief", "applicant_name": "申请人", "applicant_id_number":
        id_number(3), "phone": phone, "village_id": api.world.villages["a1"].id,
        "address": "a1村2组3号", "reason": "因病致贫"})


def _stored(row: Any, field: str, context: str) -> str:
    return runtime.vault().decrypt(getattr(row, field), context=context)


def test_a_client_with_a_landline_is_registered_and_shown_masked(api: Api) -> None:
    response = _register(api, "(0371) 6234 5678")
    assert response.status_code == 201, response.json
    assert response.json["phone"] == "0371-**5678"
    client = Client.get_by_id(response.json["id"])
    assert _stored(client, "phone_enc", f"client:{client.id}:phone") == LANDLINE


def test_an_application_takes_a_landline_and_a_mobile_with_the_country_code(api: Api) -> None:
    landline = _filing(api, "037162345678")
    assert landline.status_code == 201, landline.json
    row = Application.get_by_id(landline.json["id"])
    assert _stored(row, "phone_enc", f"application:{row.id}:phone") == LANDLINE
    api.post(f"/api/v1/applications/{row.id}/withdraw", "res-owner", json={})
    mobile = _filing(api, "+86 138-0000-1111")
    assert mobile.status_code == 201, mobile.json
    row = Application.get_by_id(mobile.json["id"])
    assert _stored(row, "phone_enc", f"application:{row.id}:phone") == "13800001111"


def test_a_booking_takes_a_landline_as_its_contact_phone(api: Api) -> None:
    body = {**booking_body(api.world.clients["a1"].id, working_day(2)), "contact_phone": LANDLINE}
    response = api.post("/api/v1/bookings", "res-owner", json=body)
    assert response.status_code == 201, response.json
    booking = Booking.get_by_id(response.json["id"])
    assert booking.contact_phone_masked == "0371-**5678"


@pytest.mark.parametrize("garbage", ["12345", "400-123-4567", "+1 650 253 0000", "0371-1",
                                     "电话一二三", "14012345678"])
def test_garbage_phones_are_refused_in_chinese_everywhere(api: Api, garbage: str) -> None:
    body = {**booking_body(api.world.clients["a1"].id, working_day(2)), "contact_phone": garbage}
    answers = [_register(api, garbage), _filing(api, garbage),
               api.post("/api/v1/bookings", "res-owner", json=body)]
    for answer in answers:
        assert answer.status_code == 422, answer.json
        assert answer.json["code"] == "invalid_phone"
        assert "电话号码格式不正确" in answer.json["message"]
    assert Client.select().count() == len(api.world.clients)
