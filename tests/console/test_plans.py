"""The day's routes in the console: plan a date, follow the job, read both routes and what was
left out, print a worker's sheet."""

from __future__ import annotations

from typing import Any

from backend.models import CareVisit, Client, Plan
from tests.factories import World
from tests.planning.conftest import TownshipDay


def test_a_clerk_plans_a_day_and_reads_both_routes(signed_in: Any,
                                                    township_day: TownshipDay) -> None:
    browser = signed_in("ts-a")
    browser.get(f"/console/plans?date={township_day.day.isoformat()}")
    sent = browser.post("/console/plans", {"date": township_day.day.isoformat()})
    assert sent.status_code == 302
    plan = Plan.get(Plan.township == township_day.township_id)
    page = browser.get(sent.headers["Location"])
    text = page.get_data(as_text=True)
    assert plan.status == "done" and "已发布" in text and "打印路线单" in text
    assert 'id="map"' in text and "未排入的探访" in text
    polled = browser.get(f"/console/plans/{plan.id}", headers={"HX-Request": "true"})
    assert polled.status_code == 204 and polled.headers["HX-Refresh"] == "true"
    worker = plan.routes[0]["worker_id"]
    sheet = browser.get(f"/console/plans/{plan.id}/workers/{worker}/sheet")
    assert sheet.status_code == 200 and "探访路线单" in sheet.get_data(as_text=True)


def test_the_plan_page_follows_scope(signed_in: Any, township_day: TownshipDay) -> None:
    browser = signed_in("ts-a")
    browser.get("/console/plans")
    browser.post("/console/plans", {"date": township_day.day.isoformat()})
    plan = Plan.get(Plan.township == township_day.township_id)
    assert signed_in("ts-b").get(f"/console/plans/{plan.id}").status_code == 404


def test_the_plan_page_and_sheets_say_who_goes_along(signed_in: Any, world: World,
                                                      township_day: TownshipDay) -> None:
    care = CareVisit.get_by_id(int(township_day.care_keys[0].split(":")[1]))
    Client.update(two_worker_flag="safety_risk").where(Client.id == care.client_id).execute()
    browser = signed_in("ts-a")
    browser.get(f"/console/plans?date={township_day.day.isoformat()}")
    sent = browser.post("/console/plans", {"date": township_day.day.isoformat()})
    plan = Plan.get(Plan.township == township_day.township_id)
    text = browser.get(sent.headers["Location"]).get_data(as_text=True)
    staff = world.staff
    for me, other in (("sw-a1", "sw-a2"), ("sw-a2", "sw-a1")):
        assert f"与{staff[other].name}同行" in text
        sheet = browser.get(f"/console/plans/{plan.id}/workers/{staff[me].id}/sheet")
        assert f"与{staff[other].name}同行" in sheet.get_data(as_text=True)
