"""The department-data page (export, dry run naming bad cells and unmatched rows, import) and
an application's household check page with its record form."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from typing import Any

from backend.models import DepartmentRecord, HouseholdCheck
from tests.applications.conftest import Clock, advance_to_stage, filing  # noqa: F401
from tests.conftest import Api
from tests.factories import id_number

CHECKED_FILE = re.compile(r'name="content" value="([^"]+)"')


def _send(browser: Any, rows: list[str]) -> Any:
    content = "\n".join(["身份证号,姓名,收入类型,月收入（元）", *rows]).encode()
    return browser.client.post("/console/department-data/check", data={
        "csrf_token": browser.token, "department": "hrss",
        "file": (io.BytesIO(content), "hrss.csv")}, content_type="multipart/form-data")


def test_a_clerk_checks_and_imports_a_file_and_the_household_check_shows_it(
    signed_in: Any, api: Api, clock: Clock, filing: Callable[..., dict[str, Any]]  # noqa: F811
) -> None:
    app_id = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json["id"]
    advance_to_stage(api, app_id, "verification")
    browser = signed_in("ts-a")
    assert "人社" in browser.get("/console/department-data").get_data(as_text=True)
    bad = _send(browser, ["12345,甲,工资,3000"])
    assert bad.status_code == 422 and "A（身份证号）" in bad.get_data(as_text=True)
    good = _send(browser, [f"{id_number(51, sex='female')},配偶,工资,3000",
                           f"{id_number(77)},某人,工资,100"])
    page = good.get_data(as_text=True)
    assert good.status_code == 200 and "匹配 1 行" in page and "1 行未匹配" in page
    assert DepartmentRecord.select().count() == 0
    content = CHECKED_FILE.search(page).group(1)  # type: ignore[union-attr]
    done = browser.post("/console/department-data/import", {
        "department": "hrss", "filename": "hrss.csv", "content": content})
    assert done.status_code == 302 and DepartmentRecord.select().count() == 1

    check = browser.get(f"/console/applications/{app_id}/household-check")
    text = check.get_data(as_text=True)
    assert check.status_code == 200 and "人均收入不低于当地低保标准" in text
    assert "hrss.csv 第 2 行" in text and id_number(51, sex="female") not in text
    recorded = browser.post(f"/console/applications/{app_id}/household-check",
                            {"comment": "工资收入超标"})
    assert recorded.status_code == 302 and HouseholdCheck.get().finding == "above_standard"
    assert signed_in("ts-b").get(
        f"/console/applications/{app_id}/household-check").status_code == 404
