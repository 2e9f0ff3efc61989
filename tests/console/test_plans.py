"""The day's routes in the console: plan a date, follow the job, read both routes and what was
left out, print a worker's sheet."""

from __future__ import annotations

from typing import Any

from backend.models import CareVisit, Client, Plan, PlanStop
from tests.factories import World
from tests.fake_osrm import osrm_stopped
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


def test_the_plan_its_sheets_and_the_workers_day_say_the_roads_were_not_used_and_why(
        signed_in: Any, township_day: TownshipDay) -> None:
    said = "直线距离估算（OSRM 不可用：无法连接道路服务）"
    with osrm_stopped():
        plan = _planned(signed_in("ts-a"), township_day)
    page = signed_in("ts-a").get(f"/console/plans/{plan.id}").get_data(as_text=True)
    assert said in page
    worker = plan.routes[0]["worker_id"]
    sheet = signed_in("ts-a").get(f"/console/plans/{plan.id}/workers/{worker}/sheet")
    assert said in sheet.get_data(as_text=True)
    day = signed_in("sw-a1").get(f"/console/worker?date={township_day.day.isoformat()}")
    assert said in day.get_data(as_text=True)


def _planned(browser: Any, township_day: TownshipDay) -> Plan:
    browser.get(f"/console/plans?date={township_day.day.isoformat()}")
    assert browser.post("/console/plans", {"date": township_day.day.isoformat()}
                        ).status_code == 302
    return Plan.get(Plan.township == township_day.township_id)


def test_a_clerk_moves_a_visit_to_the_other_worker_and_the_day_is_replanned(
    signed_in: Any, township_day: TownshipDay
) -> None:
    browser = signed_in("ts-a")
    first = _planned(browser, township_day)
    page = browser.get(f"/console/plans/{first.id}").get_data(as_text=True)
    assert "按所选调整重新排线" in page and "改派给" in page
    stop = next(s for s in PlanStop.select().where(PlanStop.plan == first,
                                                    PlanStop.worker.is_null(False))
                if not s.required_skills)  # a visit either worker can make
    other = next(r["worker_id"] for r in first.routes if r["worker_id"] != stop.worker_id)
    kept = PlanStop.get(PlanStop.plan == first, PlanStop.worker == other)
    moved = browser.post(f"/console/plans/{first.id}/adjustments",
                         {f"adjust:{stop.visit_key}": f"move:{other}",
                          f"adjust:{kept.visit_key}": "lock", "adjust:care:0": ""})
    assert moved.status_code == 302, moved.get_data(as_text=True)
    second = Plan.get(Plan.township == township_day.township_id, Plan.version == 2)
    assert second.status == "done" and second.locks == {stop.visit_key: other,
                                                        kept.visit_key: other}
    assert PlanStop.get(PlanStop.plan == second, PlanStop.visit_key == stop.visit_key
                        ).worker_id == other
    shown = browser.get(moved.headers["Location"]).get_data(as_text=True)
    assert "已按 2 项调整提交" in shown and "第 2 版" in shown and "解除锁定" in shown


def test_an_adjustment_says_what_is_wrong_on_the_page(signed_in: Any,
                                                      township_day: TownshipDay) -> None:
    browser = signed_in("ts-a")
    first = _planned(browser, township_day)
    nothing = browser.post(f"/console/plans/{first.id}/adjustments", {})
    assert nothing.status_code == 422
    assert "请至少为一个探访选择调整方式" in nothing.get_data(as_text=True)
    browser.post("/console/plans", {"date": township_day.day.isoformat()})  # version 2
    key = PlanStop.get(PlanStop.plan == first).visit_key
    stale = browser.post(f"/console/plans/{first.id}/adjustments", {f"adjust:{key}": "lock"})
    text = stale.get_data(as_text=True)
    assert stale.status_code == 409 and "该路线已有更新版本" in text and "已有更新的第 2 版" in text
    assert Plan.select().count() == 2


def test_a_past_day_cannot_be_planned_and_says_so_beside_the_date(signed_in: Any) -> None:
    browser = signed_in("ts-a")
    browser.get("/console/plans?date=2020-01-06")
    refused = browser.post("/console/plans", {"date": "2020-01-06"})
    assert refused.status_code == 422 and "不能为已过去的日期排线" in refused.get_data(as_text=True)
    assert Plan.select().count() == 0


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
