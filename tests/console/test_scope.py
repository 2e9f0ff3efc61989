"""Console pages answer out of scope with 404 and the wrong role with 403, over the same callers
as the API's scope matrix; an ID number is searched by POST and shown only masked."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import Application, PiiAccess, Plan, PlanStop
from tests.conftest import Api
from tests.console.casework import upload
from tests.factories import id_number
from tests.planning.conftest import TownshipDay, planned

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


# The desk's new pages and forms, over the same callers: scope first (404), then role (403).
CALLERS_MATERIAL = CALLERS_APPLICATION
CALLERS_MOVE = {"ts-a": 302, "ts-b": 404, "city-admin": 403, "co-a1": 403, "co-a2": 404,
                "sw-a1": 403}
CALLERS_REVEAL = {"ts-a": 200, "ts-b": 404, "city-admin": 200, "co-a1": 403, "co-a2": 403,
                  "sw-a1": 403, "sw-b1": 403}
CALLERS_ADJUST = {"ts-a": 302, "ts-b": 404, "city-admin": 302, "co-a1": 403, "sw-a1": 403}


@pytest.mark.parametrize(("who", "status"), CALLERS_MATERIAL.items())
def test_a_material_follows_the_api_scope(signed_in: Any, api: Api, application_id: int,
                                          who: str, status: int) -> None:
    material = upload(api, application_id, "id_card")
    with signed_in(who).client.get(
            f"/console/applications/{application_id}/materials/{material}") as shown:
        assert shown.status_code == status


@pytest.mark.parametrize(("who", "status"), CALLERS_MOVE.items())
def test_a_workflow_move_follows_the_api_scope_and_roles(
    signed_in: Any, application_id: int, who: str, status: int
) -> None:
    browser = signed_in(who)
    browser.get("/console/clients")  # a page with a form, for its CSRF token
    moved = browser.post(f"/console/applications/{application_id}/actions/advance", {})
    assert moved.status_code == status
    assert (Application.get_by_id(application_id).stage == "verification") == (status == 302)


@pytest.mark.parametrize(("who", "status"), CALLERS_REVEAL.items())
def test_revealing_a_number_follows_the_api_scope_and_roles(
    signed_in: Any, api: Api, who: str, status: int
) -> None:
    browser = signed_in(who)
    browser.get("/console/clients")
    shown = browser.post(f"/console/clients/{api.world.clients['a1'].id}/reveal",
                         {"field": "id_number", "purpose": "核对身份，办理业务"})
    assert shown.status_code == status
    assert PiiAccess.select().count() == (1 if status == 200 else 0)


@pytest.mark.parametrize(("who", "status"), CALLERS_ADJUST.items())
def test_adjusting_a_plan_follows_the_api_scope_and_roles(
    signed_in: Any, api: Api, township_day: TownshipDay, who: str, status: int
) -> None:
    plan = planned(api, "ts-a", township_day.township_id, township_day.day)["plan"]
    key = PlanStop.get(PlanStop.plan == plan["id"], PlanStop.worker.is_null(False)).visit_key
    browser = signed_in(who)
    browser.get("/console/clients" if who != "co-a1" else "/console/desk")
    adjusted = browser.post(f"/console/plans/{plan['id']}/adjustments", {f"adjust:{key}": "lock"})
    assert adjusted.status_code == status
    assert Plan.select().count() == (2 if status == 302 else 1)


@pytest.mark.parametrize("form", ["move", "reveal", "adjust"])
def test_the_desk_s_forms_refuse_a_post_without_its_csrf_token(
    signed_in: Any, api: Api, application_id: int, form: str
) -> None:
    browser = signed_in("ts-a")
    browser.get("/console/desk")
    path = {"move": f"/console/applications/{application_id}/actions/reject",
            "reveal": f"/console/clients/{api.world.clients['a1'].id}/reveal",
            "adjust": "/console/plans/1/adjustments"}[form]
    refused = browser.post(path, {"reason": "不符合条件", "field": "id_number",
                                  "purpose": "核对身份", "adjust:care:1": "lock"}, csrf=False)
    assert refused.status_code == 400 and "安全令牌" in refused.get_data(as_text=True)
    assert Application.get_by_id(application_id).status == "in_review"
    assert PiiAccess.select().count() == 0
