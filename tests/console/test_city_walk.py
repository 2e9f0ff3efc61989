"""The city bureau in real headless Chromium: the compliance grid's reasons on hover, keyboard
and click; the monthly bulletin downloaded and opened as a workbook; a township-profile file
whose dry run lists its errors by cell, then a clean file imported. Every page is checked with
axe-core on the way."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook
from playwright.sync_api import expect

from backend.models import TownshipProfile
from tests.console.axe import AxeWatch, sign_in_checked
from tests.console.conftest import PASSWORD, SCREENSHOTS
from tests.supervision.conftest import profile_row, workbook

pytestmark = pytest.mark.browser
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_the_city_admin_reads_the_grid_downloads_the_bulletin_and_imports_profiles(
        page: Any) -> None:
    axe = AxeWatch(page)
    sign_in_checked(page, axe, "city-admin", PASSWORD)
    expect(page.get_by_role("heading", name="各乡镇达标情况")).to_be_visible()
    axe.check()

    verdict = page.get_by_role("button", name=re.compile("^✗ 未达标.*：测试A镇，办公设施“十有”$"))
    reason = page.locator(f"#{verdict.get_attribute('aria-describedby')}")
    expect(reason).to_be_hidden()
    verdict.hover()
    assert reason.is_visible() and "未填报本年度乡镇概况" in reason.inner_text()
    page.mouse.move(0, 0)
    expect(reason).to_be_hidden()
    verdict.focus()  # as Tab would: the reason shows while the result has the focus
    expect(reason).to_be_visible()
    page.keyboard.press("Enter")  # pinned open, stays when the focus moves on
    assert verdict.get_attribute("aria-expanded") == "true"
    page.get_by_role("heading", name="各乡镇达标情况").click()
    expect(reason).to_be_visible()
    page.keyboard.press("Escape")
    expect(reason).to_be_hidden()

    page.get_by_role("link", name="周督导·月通报").click()
    page.get_by_label("统计月份").fill("2026-11")
    page.get_by_role("button", name="查看月通报").click()
    expect(page.get_by_role("heading", name="月通报 2026-11")).to_be_visible()
    axe.check()
    with page.expect_download() as download:
        page.get_by_role("link", name="下载月通报（XLSX）").click()
    assert download.value.suggested_filename == "monthly_bulletin-2026-11.xlsx"
    book = load_workbook(io.BytesIO(Path(download.value.path()).read_bytes()))
    assert book["排名"]["A1"].value == "名次" and book["排名"]["C1"].value == "乡镇（街道）"
    assert {book["排名"]["C2"].value, book["排名"]["C3"].value} == {"测试A镇", "测试B镇"}

    page.get_by_role("link", name="概况导入").click()
    axe.check()
    bad = workbook([profile_row("410184001", funds="很多", assessment="也许")])
    page.get_by_label("概况文件").set_input_files(
        {"name": "乡镇概况.xlsx", "mimeType": XLSX, "buffer": bad})
    page.get_by_role("button", name="检查文件").click()
    expect(page.get_by_role("heading", name="检查未通过")).to_be_visible()
    errors = page.get_by_role("table").filter(has_text="请按下表修改")
    assert errors.get_by_role("row").filter(has_text="O（本年度工作经费（元））").filter(
        has_text="乡镇概况").is_visible()
    expect(errors.get_by_role("row").filter(has_text="R（年度考核（是/否））")).to_be_visible()
    assert page.get_by_role("button", name="确认导入").count() == 0
    axe.check()

    page.get_by_label("概况文件").set_input_files(
        {"name": "乡镇概况.xlsx", "mimeType": XLSX, "buffer": workbook([profile_row("410184001")])})
    page.get_by_role("button", name="检查文件").click()
    expect(page.get_by_role("heading", name="检查通过")).to_be_visible()
    assert TownshipProfile.select().count() == 0
    axe.check()
    page.get_by_role("button", name="确认导入").click()
    expect(page.get_by_role("status").filter(has_text="已导入 1 份乡镇概况")).to_be_visible()
    axe.check()

    page.get_by_role("link", name="达标情况").click()
    axe.check()
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / "city_grid_after_import.png"), full_page=True)
    axe.finish()
    assert TownshipProfile.get().township.code == "410184001"


def test_the_city_admin_reads_the_figures_the_overdue_report_and_edits_the_guide(
        page: Any) -> None:
    axe = AxeWatch(page)
    sign_in_checked(page, axe, "city-admin", PASSWORD)
    axe.check()
    page.get_by_role("link", name="服务数据").click()
    expect(page.get_by_role("heading", name="服务数据")).to_be_visible()
    axe.check()
    page.get_by_role("link", name="超期办件").click()
    axe.check()
    page.get_by_role("link", name="办事指南").click()
    axe.check()
    page.get_by_role("link", name="编辑临时救助").click()
    axe.check()
    page.get_by_label("办理时限（工作日）").fill("0")
    page.get_by_role("button", name="发布修改").click()
    expect(page.get_by_role("alert").filter(has_text="办理时限")).to_be_visible()
    axe.check()
    page.get_by_label("办理时限（工作日）").fill("12")
    page.get_by_role("button", name="发布修改").click()
    expect(page.get_by_role("status").filter(has_text="已发布")).to_be_visible()
    assert page.get_by_label("办理时限（工作日）").input_value() == "12"
    axe.check()
    axe.finish()
