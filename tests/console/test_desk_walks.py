"""The township desk's walks in real headless Chromium: an application through 补正 to approval,
and a day planned, watched, adjusted and re-planned on the map."""

from __future__ import annotations

import re
from typing import Any

import pytest
import redis
from playwright.sync_api import expect
from rq import Queue, SimpleWorker

from backend.models import Application, Plan, PlanStop, StaffAccount
from tests.conftest import Api
from tests.console.casework import file_application, resubmit, scan, upload
from tests.console.conftest import SCREENSHOTS, sign_in_page
from tests.planning.conftest import TownshipDay

pytestmark = pytest.mark.browser


def shot(page: Any, name: str) -> None:
    """A screenshot of a step along the walk (the fixture takes the last one)."""
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"desk-{name}.png"), full_page=True)


def confirmed(page: Any, text: str) -> None:
    """The page after a change says what was done."""
    expect(page.get_by_role("status").filter(has_text=text)).to_be_visible()


def test_a_clerk_sends_an_application_to_supplement_and_later_approves_it(
    page: Any, api: Api
) -> None:
    app_id = file_application(api)
    upload(api, app_id, "id_card", content=scan("居民身份证（正面）"))
    upload(api, app_id, "application_form", pdf=True, content=scan("养老院入住申请表", pdf=True))
    reference = Application.get_by_id(app_id).reference
    sign_in_page(page, "ts-a")
    page.get_by_role("link", name=reference).first.click()
    expect(page.get_by_role("heading", name=re.compile("养老院入住申请"))).to_be_visible()
    expect(page.get_by_role("img", name="居民身份证（第 1 份）")).to_be_visible()
    assert page.get_by_role("button", name="批准", exact=True).count() == 0  # not at 审批 yet

    page.get_by_text("退回补正", exact=True).first.click()  # opens the 补正 form
    page.get_by_label("近期体检报告（必交）").check()
    page.get_by_label(re.compile("补正说明")).fill("请补交近三个月内的体检报告")
    page.get_by_role("button", name="退回补正").click()
    confirmed(page, "已退回补正，待申请人补交：户口簿、近期体检报告")
    shot(page, "supplement-sent")
    assert Application.get_by_id(app_id).status == "supplement"

    # The resident's papers arrive through the mini-program.
    upload(api, app_id, "health_check", pdf=True, content=scan("体检报告", pdf=True))
    upload(api, app_id, "household_register", content=scan("户口簿"))
    resubmit(api, app_id)

    page.reload()
    page.get_by_role("button", name="推进到核查").click()
    confirmed(page, "已推进到核查环节")
    page.get_by_role("button", name="推进到审批").click()
    confirmed(page, "已推进到审批环节")
    page.get_by_label("每月待遇（元）").fill("12.345")
    page.get_by_role("button", name="批准", exact=True).click()
    expect(page.get_by_role("alert").filter(has_text="金额应为元")).to_be_visible()
    shot(page, "approve-error")
    page.get_by_label("每月待遇（元）").fill("1200")
    page.get_by_label(re.compile("审批意见")).fill("符合集中供养条件，同意入住")
    page.get_by_role("button", name="批准", exact=True).click()
    confirmed(page, "已批准，每月待遇 ¥1,200.00")
    assert page.get_by_role("listitem").filter(  # the timeline
        has_text="批准，每月待遇 ¥1,200.00（符合集中供养条件，同意入住）").is_visible()
    application = Application.get_by_id(app_id)
    assert (application.status, application.benefit_fen) == ("approved", 120_000)


def _work_off(connection: redis.Redis) -> None:
    SimpleWorker([Queue("planning", connection=connection)], connection=connection).work(
        burst=True)


def test_a_clerk_plans_a_day_watches_it_move_a_visit_and_replans(
    page: Any, township_day: TownshipDay, redis_planner: redis.Redis
) -> None:
    day = township_day.day.isoformat()
    sign_in_page(page, "ts-a")
    page.get_by_role("link", name="探访路线", exact=True).click()
    page.get_by_label("日期").fill(day)
    page.get_by_role("button", name="查看").click()
    page.get_by_role("button", name=re.compile("^排线")).click()
    progress = page.get_by_role("status").filter(has_text="第 1 版")
    expect(progress.filter(has_text="排队中")).to_be_visible()
    expect(page.get_by_role("progressbar", name="排线进度")).to_be_visible()
    shot(page, "plan-progress")
    _work_off(redis_planner)  # the planning worker takes the job; the page notices by itself
    page.wait_for_selector("#map .stop-number", timeout=30_000)
    assert page.get_by_role("link", name="打印路线单").count() == 2
    assert page.locator("#map .stop-number").count() >= 10
    shot(page, "plan-map")

    first = Plan.get(Plan.township == township_day.township_id)
    stop = next(s for s in PlanStop.select().where(PlanStop.plan == first,
                                                    PlanStop.worker.is_null(False))
                .order_by(PlanStop.worker, PlanStop.position) if not s.required_skills)
    name = stop.client.name
    other = next(r["worker_id"] for r in first.routes if r["worker_id"] != stop.worker_id)
    other_name = StaffAccount.get_by_id(other).name
    page.get_by_label(re.compile(f"^调整：{name}（")).select_option(label=f"改派给{other_name}")
    page.get_by_role("button", name="按所选调整重新排线").click()
    assert page.get_by_role("status").filter(has_text="第 2 版").filter(
        has_text="排队中").is_visible()
    _work_off(redis_planner)
    page.wait_for_selector("#map .stop-number", timeout=30_000)
    route = page.locator("section.route").filter(
        has=page.get_by_role("heading", name=re.compile(other_name)))
    expect(route.get_by_role("cell", name=f"{name} 已锁定")).to_be_visible()
    assert Plan.get(Plan.township == township_day.township_id, Plan.version == 2).locks == {
        stop.visit_key: other}

    route.get_by_role("link", name="打印路线单").click()
    page.wait_for_url("**/sheet")
    page.wait_for_load_state("load")  # its print stylesheet too, which hides the button
    expect(page.get_by_role("heading", name="探访路线单")).to_be_visible()
    page.emulate_media(media="print")
    expect(page.get_by_role("button", name="打印")).to_be_hidden()
    expect(page.get_by_role("cell", name=name, exact=True)).to_be_visible()
    shot(page, "route-sheet")



def test_a_clerk_finds_a_client_reads_the_file_and_reveals_a_phone_for_a_purpose(
    page: Any, api: Api
) -> None:
    file_application(api)
    sign_in_page(page, "ts-a")
    shot(page, "dashboard")
    page.get_by_role("link", name="服务对象").click()
    page.get_by_role("textbox", name="姓名").fill("a1")
    page.get_by_role("button", name="查找", exact=True).click()
    page.get_by_role("link", name="对象a1").click()
    expect(page.get_by_role("heading", name="对象a1的档案")).to_be_visible()
    page.get_by_label("查看内容").select_option(label="电话")
    page.get_by_role("button", name="查看明文").click()
    expect(page.get_by_role("alert").filter(has_text="请写明查看目的")).to_be_visible()
    page.get_by_label("查看目的").fill("电话联系服务对象")
    page.get_by_role("button", name="查看明文").click()
    expect(page.get_by_role("status").filter(has_text="13800000001")).to_be_visible()
