"""The week's plan in the console: plan the coming week, read it by worker and day, pin a
visit to another day and see the week placed again with the pin kept."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from backend.models import WeekPlan
from tests.planning.conftest import Week


def test_a_clerk_plans_the_week_and_reads_it_by_worker_and_day(signed_in: Any,
                                                                week: Week) -> None:
    browser = signed_in("ts-a")
    empty = browser.get(f"/console/plans/week?week={week.week}").get_data(as_text=True)
    assert "这一周尚未安排" in empty and "安排这一周" in empty
    sent = browser.post("/console/plans/week", {"week": week.week})
    assert sent.status_code == 302
    page = browser.get(sent.headers["Location"]).get_data(as_text=True)
    assert "第 1 版" in page and "周安排对象0" in page and "不在岗" in page  # the weekend
    assert "已为以下日期重新排线" in page and "按所选固定重新安排" in page


def test_a_clerk_pins_a_visit_to_another_day_and_the_pin_is_kept(signed_in: Any,
                                                                   week: Week) -> None:
    browser = signed_in("ts-a")
    browser.get(f"/console/plans/week?week={week.week}")
    browser.post("/console/plans/week", {"week": week.week})
    plan = WeekPlan.get(WeekPlan.week == week.week)
    row = next(p for p in plan.placements if p.visit_key == week.wide[0])
    target = week.monday + timedelta(days=4 if row.day != week.monday + timedelta(days=4)
                                     else 3)
    sent = browser.post(f"/console/plans/week/{plan.id}/pins",
                        {f"pin:{week.wide[0]}": target.isoformat(), f"pin:{week.wide[1]}": ""})
    assert sent.status_code == 302
    latest = WeekPlan.select().order_by(WeekPlan.version.desc()).first()
    assert latest.version == 2 and latest.pins == {week.wide[0]: target.isoformat()}
    moved = next(p for p in latest.placements if p.visit_key == week.wide[0])
    assert moved.day == target and moved.held == "pinned"
    page = browser.get(sent.headers["Location"]).get_data(as_text=True)
    assert "已固定" in page and "取消固定" in page


def test_a_pin_outside_the_visits_window_is_refused_on_the_page(signed_in: Any,
                                                                 week: Week) -> None:
    browser = signed_in("ts-a")
    browser.get(f"/console/plans/week?week={week.week}")
    browser.post("/console/plans/week", {"week": week.week})
    plan = WeekPlan.get(WeekPlan.week == week.week)
    friday: date = week.monday + timedelta(days=4)
    refused = browser.post(f"/console/plans/week/{plan.id}/pins",
                           {f"pin:{week.narrow[0]}": friday.isoformat()})
    assert refused.status_code == 422
    assert "探访期限内" in refused.get_data(as_text=True)
    nothing = browser.post(f"/console/plans/week/{plan.id}/pins", {})
    assert nothing.status_code == 422 and "请至少" in nothing.get_data(as_text=True)
