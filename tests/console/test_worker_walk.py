"""A social worker's day in real headless Chromium on a phone-sized screen, the browser's
position faked: check in, record the visit with a photo from the camera, check out; mark the
next visit missed. Every page on the way is checked with axe-core."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from PIL import Image
from playwright.sync_api import expect

from backend.models import CareVisit, Visit, VisitPhoto
from backend.services.care_plans import local_today
from tests.console.axe import AxeWatch, sign_in_checked
from tests.console.conftest import PASSWORD, SCREENSHOTS, sign_in_page
from tests.console.routes import due_care_visit, publish_route
from tests.factories import World

pytestmark = pytest.mark.browser


def photo_jpeg() -> bytes:
    """A small photo, as the phone's camera would hand over."""
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 120, 40)).save(buffer, "JPEG")
    return buffer.getvalue()


@pytest.fixture
def round_of_today(world: World) -> list[CareVisit]:
    """sw-a1's route of today: clients a1 then a2."""
    today = local_today()
    due = [due_care_visit(world.clients[key], today) for key in ("a1", "a2")]
    publish_route(world.townships["a"], today, world.staff["sw-a1"],
                  [("care_visit", c.id, c.client) for c in due])
    return due


@pytest.fixture
def phone(chromium: Any, live_server: str, round_of_today: list[CareVisit]) -> Iterator[Any]:
    """A phone-sized tab standing about 50 m from client a1's door, location allowed."""
    client = round_of_today[0].client
    context = chromium.new_context(
        base_url=live_server, locale="zh-CN", timezone_id="Asia/Shanghai",
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True,
        geolocation={"latitude": client.lat + 0.00045, "longitude": client.lng},
        permissions=["geolocation"])
    tab = context.new_page()
    yield tab
    context.close()


def test_a_social_worker_checks_in_records_a_visit_with_a_photo_and_checks_out(
        phone: Any, round_of_today: list[CareVisit]) -> None:
    axe = AxeWatch(phone)
    sign_in_checked(phone, axe, "sw-a1", PASSWORD)
    expect(phone.get_by_role("heading", name="今日探访")).to_be_visible()
    first = phone.get_by_role("listitem").filter(has_text="对象a1")
    assert first.get_by_role("link", name="导航到对象a1家").get_attribute("href").startswith(
        "https://uri.amap.com/navigation")
    expect(first.get_by_text("138****0001")).to_be_visible()
    axe.check()

    first.get_by_role("button", name="签到：对象a1").click()
    phone.wait_for_url("**/console/worker/visits/*")
    expect(phone.get_by_role("status").filter(has_text="已签到：对象a1")).to_be_visible()
    assert phone.get_by_text("距住址约 5").first.is_visible()  # about 50 metres away
    axe.check()

    phone.get_by_label("精神慰藉").check()
    phone.get_by_label("社会支持网络").check()
    phone.get_by_label("探访记录", exact=True).fill("老人身体尚可，帮其联系了村医。")
    phone.get_by_label("需要跟进（转乡镇民政办）").check()
    phone.get_by_label("现场照片（可直接拍照，可多张）").set_input_files(
        {"name": "door.jpg", "mimeType": "image/jpeg", "buffer": photo_jpeg()})
    phone.get_by_role("button", name="签退并保存").click()
    phone.wait_for_url("**/console/worker")
    expect(phone.get_by_role("status").filter(has_text="已签退：对象a1")).to_be_visible()
    first = phone.get_by_role("listitem").filter(has_text="对象a1")
    expect(first.get_by_text("已完成")).to_be_visible()
    axe.check()

    second = phone.get_by_role("listitem").filter(has_text="对象a2")
    second.get_by_role("button", name="签到：对象a2").click()
    phone.wait_for_url("**/console/worker/visits/*")
    axe.check()
    phone.get_by_text("未遇登记（对象不在家、拒绝探访等）").click()
    phone.get_by_label("不在家").check()
    phone.get_by_label("说明（选“其他”时必填）").fill("邻居说去县城看病了")
    phone.get_by_role("button", name="登记未遇").click()
    phone.wait_for_url("**/console/worker")
    expect(phone.get_by_role("status").filter(has_text="已登记未遇：对象a2")).to_be_visible()
    axe.check()
    SCREENSHOTS.mkdir(exist_ok=True)
    phone.screenshot(path=str(SCREENSHOTS / "worker_day_after_visits.png"), full_page=True)
    axe.finish()

    done = Visit.get(Visit.client == round_of_today[0].client_id)
    assert (done.status, done.follow_up_needed) == ("completed", True)
    assert done.services == ["emotional_support", "support_network"]
    assert 30 < done.check_in_distance_m < 70 and 30 < done.check_out_distance_m < 70
    assert VisitPhoto.select().where(VisitPhoto.visit == done).count() == 1
    missed = Visit.get(Visit.client == round_of_today[1].client_id)
    assert (missed.status, missed.missed_reason) == ("missed", "not_home")


def test_without_location_permission_the_check_in_says_position_unknown(
        chromium: Any, live_server: str, round_of_today: list[CareVisit]) -> None:
    context = chromium.new_context(base_url=live_server, locale="zh-CN",
                                   viewport={"width": 390, "height": 844}, is_mobile=True)
    tab = context.new_page()
    sign_in_page(tab, "sw-a1")
    tab.get_by_role("button", name="签到：对象a1").click()
    tab.wait_for_url("**/console/worker/visits/*", timeout=20_000)
    expect(tab.get_by_role("status").filter(has_text="位置未知")).to_be_visible()
    SCREENSHOTS.mkdir(exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / "worker_check_in_without_position.png"),
                   full_page=True)
    context.close()
    assert Visit.get().check_in_lat is None
