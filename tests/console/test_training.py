"""The training page: the year's people with days and grades, the import's dry run naming each
bad cell, and the import itself."""

from __future__ import annotations

import io
import re
from typing import Any

from backend.models import TrainingRecord
from backend.services.care_plans import local_today

CHECKED_FILE = re.compile(r'name="content" value="([^"]+)"')
HEADER = "账号,姓名,培训类型,开始日期,结束日期,天数,组织单位"


def _check(browser: Any, rows: list[str]) -> Any:
    content = "\n".join([HEADER, *rows]).encode()
    return browser.client.post("/console/training/check", data={
        "csrf_token": browser.token, "file": (io.BytesIO(content), "training.csv")},
        content_type="multipart/form-data")


def test_an_office_checks_imports_and_reads_its_staffs_training(signed_in: Any) -> None:
    browser = signed_in("ts-a")
    page = browser.get("/console/training").get_data(as_text=True)
    assert "测试co-a1" in page and "未考核" in page and "测试ts-b" not in page
    year = local_today().year
    bad = _check(browser, [f"co-a1,测试co-a1,业务培训,{year}-03-02,{year}-03-03,5,市民政局"])
    assert bad.status_code == 422 and "超过起止日期所含的 2 天" in bad.get_data(as_text=True)
    good = _check(browser, [f"co-a1,测试co-a1,法治培训,{year}-03-02,{year}-03-09,7.5,市民政局"])
    assert good.status_code == 200 and "检查通过" in good.get_data(as_text=True)
    assert TrainingRecord.select().count() == 0
    content = CHECKED_FILE.search(good.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    done = browser.post("/console/training/import", {"filename": "training.csv",
                                                     "content": content})
    assert done.status_code == 302 and TrainingRecord.select().count() == 1
    after = browser.get("/console/training").get_data(as_text=True)
    assert "已导入 1 条培训记录" in after and "<td>7.5</td>" in after
    assert signed_in("co-a1").get("/console/training").status_code == 403
