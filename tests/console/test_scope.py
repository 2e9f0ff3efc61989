"""Console pages answer out of scope with 404 and the wrong role with 403, over the same callers
as the API's scope matrix; an ID number is searched by POST and shown only masked."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api
from tests.factories import id_number

CALLERS_APPLICATION = {"ts-a": 200, "ts-b": 404, "city-admin": 200, "co-a1": 200,
                       "co-a2": 404, "sw-a1": 403}
CALLERS_CASE_FILE = {"ts-a": 200, "ts-b": 404, "city-admin": 200, "co-a1": 200, "co-a2": 404,
                     "sw-a1": 200, "sw-b1": 404}


@pytest.fixture
def application_id(api: Api) -> int:
    """An application of the owner's for client a1, filed through the API."""
    filed = api.post("/api/v1/applications", "res-owner", json={
        "service_code": "subsistence_allowance", "applicant_name": "业主",
        "applicant_id_number": id_number(1), "phone": "13800001111",
        "village_id": api.world.villages["a1"].id, "address": "a1村1组1号",
        "household_members": [], "declared_income_fen": 50_000, "reason": "因病致贫",
        "submit": True})
    assert filed.status_code == 201, filed.json
    return int(filed.json["id"])


@pytest.mark.parametrize(("who", "status"), CALLERS_APPLICATION.items())
def test_an_application_page_follows_the_api_scope(
    signed_in: Any, application_id: int, who: str, status: int
) -> None:
    page = signed_in(who).get(f"/console/applications/{application_id}")
    assert page.status_code == status
    if status == 200:
        text = page.get_data(as_text=True)
        assert "办件进度" in text and id_number(1) not in text


@pytest.mark.parametrize(("who", "status"), CALLERS_CASE_FILE.items())
def test_a_case_file_page_follows_the_api_scope(
    signed_in: Any, api: Api, who: str, status: int
) -> None:
    client_id = api.world.clients["a1"].id
    assert signed_in(who).get(f"/console/clients/{client_id}").status_code == status


def test_an_id_number_is_searched_by_post_and_shown_masked(signed_in: Any, api: Api) -> None:
    browser = signed_in("ts-a")
    browser.get("/console/clients")
    number = api.world.clients["a1"].id_number_masked
    found = browser.post("/console/clients", {"id_number": id_number(1)})
    text = found.get_data(as_text=True)
    assert found.status_code == 200 and id_number(1) not in text
    assert "对象a1" in text and number in text and "对象a2" not in text
    assert "id_number=" not in browser.client.get("/console/clients").request.url
