"""Named accountability in the console: the holder on the application's page, reassigning it in
place, and the city's queue of stages late past its threshold."""

from __future__ import annotations

from typing import Any

from backend.models import Application, StaffAccount, StageHolder
from backend.permissions import SYSTEM
from backend.services import applications
from tests.applications.conftest import Clock
from tests.conftest import Api
from tests.console.conftest import Browser


def _filed(api: Api, filing: Any) -> Application:
    body = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json
    return Application.get_by_id(body["id"])


def test_the_head_reassigns_the_stage_from_the_application_page(
        api: Api, clock: Clock, filing: Any, signed_in: Any) -> None:
    for body in ({"username": "ts-a2", "name": "接手人甲", "role": "township_staff",
                  "township_id": api.world.townships["a"].id},
                 {"username": "co-a1b", "name": "接手人乙", "role": "coordinator",
                  "village_id": api.world.villages["a1"].id}):
        assert api.post("/api/v1/staff", "city-admin", json=body).status_code == 201
    application = _filed(api, filing)
    browser: Browser = signed_in("ts-a")
    page = browser.get(f"/console/applications/{application.id}").get_data(as_text=True)
    assert f"console/applications/{application.id}/holder" in page
    fragment = browser.get(f"/console/applications/{application.id}/holder",
                           headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "环节责任人" in fragment and "改派" in fragment
    refused = browser.post(f"/console/applications/{application.id}/holder",
                           {"staff_id": "", "reason": "出差"})
    assert refused.status_code == 422 and "请选择新的责任人" in refused.get_data(as_text=True)
    holding = StageHolder.get(StageHolder.application == application.id)
    successor = next(s for s in StaffAccount.select().where(
        StaffAccount.role == application.stage_role, StaffAccount.id != holding.holder_id,
        StaffAccount.username.in_(["ts-a2", "co-a1b"])))
    moved = browser.post(f"/console/applications/{application.id}/holder",
                         {"staff_id": str(successor.id), "reason": "出差"})
    assert moved.status_code == 200
    assert f"已改派给{successor.name}" in moved.get_data(as_text=True)
    assert StageHolder.get_by_id(holding.id).holder_id == successor.id


def test_a_stage_late_past_the_city_threshold_shows_in_the_city_queue_page(
        api: Api, clock: Clock, filing: Any, signed_in: Any) -> None:
    application = _filed(api, filing)
    clock.advance(30)
    applications.escalate_overdue_steps(clock.day, actor=SYSTEM)
    clock.advance(5)
    applications.escalate_overdue_steps(clock.day, actor=SYSTEM)
    holder = StageHolder.get(StageHolder.application == application.id).holder
    page = signed_in("city-admin").get("/console/city/queue").get_data(as_text=True)
    assert application.reference in page and holder.name in page
