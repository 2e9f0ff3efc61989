"""Walks through the console in real headless Chromium, as its people use it."""

from __future__ import annotations

from typing import Any

import pytest
from playwright.sync_api import expect

from backend.models import CareVisit, Client
from tests.console.conftest import sign_in_page

pytestmark = pytest.mark.browser


def test_a_clerk_signs_in_and_sees_todays_desk_and_the_queue(page: Any) -> None:
    sign_in_page(page, "ts-a")
    expect(page.get_by_role("heading", name="今日工作")).to_be_visible()
    page.get_by_role("link", name="待办件", exact=True).click()
    page.get_by_label("只看已超期").check()
    page.get_by_role("button", name="筛选").click()
    page.wait_for_url("**overdue=1")
    expect(page.get_by_role("heading", name="待办件")).to_be_visible()


def test_a_signed_in_page_loads_without_a_browser_error(page: Any) -> None:
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text)
            if message.type == "error" else None)
    sign_in_page(page, "ts-a")
    page.wait_for_timeout(500)  # the tab's icon is fetched after the load event
    assert errors == []


def test_a_wrong_password_is_shown_beside_the_field(page: Any) -> None:
    page.goto("/console/login")
    page.get_by_label("用户名").fill("ts-a")
    page.get_by_label("密码").fill("wrong")
    page.get_by_role("button", name="登录").click()
    expect(page.get_by_role("alert")).to_be_visible()
    expect(page.get_by_text("用户名或密码错误").first).to_be_visible()


def test_the_city_admin_reads_the_compliance_grid(page: Any) -> None:
    sign_in_page(page, "city-admin")
    expect(page.get_by_role("heading", name="各乡镇达标情况")).to_be_visible()
    assert page.locator("table.grid tbody tr").count() >= 2


def test_a_social_worker_opens_the_day_on_a_phone(chromium: Any, live_server: str,
                                                  world: Any) -> None:
    context = chromium.new_context(base_url=live_server, locale="zh-CN",
                                   viewport={"width": 390, "height": 844}, is_mobile=True)
    phone = context.new_page()
    sign_in_page(phone, "sw-a1")
    expect(phone.get_by_role("heading", name="今日探访")).to_be_visible()
    from tests.console.conftest import SCREENSHOTS

    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "worker_phone.png"), full_page=True)
    context.close()


def test_a_clerk_approves_a_booking_from_the_calendar(page: Any, api: Any) -> None:
    from tests.visits.conftest import booking_body, working_day

    asked = api.post("/api/v1/bookings", "res-owner",
                     json=booking_body(api.world.clients["a1"].id, working_day(2)))
    assert asked.status_code == 201
    sign_in_page(page, "ts-a")
    page.get_by_role("link", name="上门预约").click()
    expect(page.get_by_role("heading", name="未来两周可约名额")).to_be_visible()
    page.get_by_role("button", name="提交决定").click()
    expect(page.get_by_role("status").filter(has_text="已同意")).to_be_visible()


def test_a_clerk_plans_a_day_and_sees_both_routes_on_the_map(page: Any,
                                                             township_day: Any) -> None:
    sign_in_page(page, "ts-a")
    page.goto(f"/console/plans?date={township_day.day.isoformat()}")
    page.get_by_role("button", name="排线").click()
    page.wait_for_selector("#map .stop-number", timeout=30_000)
    assert page.locator(".stop-number").count() >= 10
    assert page.get_by_role("link", name="打印路线单").count() == 2
    expect(page.get_by_role("heading", name="未排入的探访")).to_be_visible()


def test_a_clerk_sees_who_goes_along_to_a_home_visited_in_twos(page: Any, world: Any,
                                                               township_day: Any) -> None:
    care = CareVisit.get_by_id(int(township_day.care_keys[0].split(":")[1]))
    Client.update(two_worker_flag="safety_risk").where(Client.id == care.client_id).execute()
    sign_in_page(page, "ts-a")
    page.goto(f"/console/plans?date={township_day.day.isoformat()}")
    page.get_by_role("button", name="排线").click()
    page.wait_for_selector("#map .stop-number", timeout=30_000)
    for me, other in (("sw-a1", "sw-a2"), ("sw-a2", "sw-a1")):
        route = page.get_by_role("region", name=world.staff[me].name)
        expect(route.get_by_text(f"与{world.staff[other].name}同行")).to_be_visible()
