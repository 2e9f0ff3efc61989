"""The city bureau's pages: the compliance grid with ranking and late units, service figures,
the weekly and monthly reports as files, the overdue report, the township-profile import with
its dry run, and the service-guide editor — with the API's permissions and scope."""

from __future__ import annotations

import io
import re
from datetime import timedelta
from typing import Any

import pytest
from openpyxl import load_workbook

from backend.models import (
    Application,
    AuditEntry,
    ServiceGuideEdit,
    SupervisionReport,
    TownshipProfile,
)
from backend.services.care_plans import local_today
from tests.console.conftest import Browser
from tests.console.routes import due_care_visit
from tests.factories import World, id_number
from tests.supervision.conftest import profile_row, workbook

CHECKED_FILE = re.compile(r'name="content" value="([^"]+)"')


def upload(browser: Browser, path: str, content: bytes, name: str) -> Any:
    """Send a file through a form, with the page's CSRF token."""
    return browser.client.post(path, data={"csrf_token": browser.token,
                                           "file": (io.BytesIO(content), name)},
                               content_type="multipart/form-data")


def test_the_grid_gives_every_reason_with_the_ranking_and_late_units(signed_in: Any) -> None:
    page = signed_in("city-admin").get("/console/city?period=2026-11").get_data(as_text=True)
    assert "测试A镇" in page and "测试B镇" in page
    assert "未填报本年度乡镇概况" in page and 'aria-describedby="why-1-1"' in page
    assert "达标率排名" in page and "未按期完成的单位" in page
    assert "¥" in page  # the funds standard reads in yuan


def test_a_township_office_reads_its_own_row_only(signed_in: Any) -> None:
    page = signed_in("ts-a").get("/console/city").get_data(as_text=True)
    assert "测试A镇" in page and "测试B镇" not in page


def test_a_bad_period_is_said_beside_the_field(signed_in: Any) -> None:
    response = signed_in("city-admin").get("/console/city?period=11-2026")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and 'id="period-error"' in page
    assert "统计周期格式应为" in page


def test_service_figures_are_drawn_as_charts_with_their_numbers(signed_in: Any,
                                                               world: World) -> None:
    care = due_care_visit(world.clients["a1"], local_today())
    period = care.latest_date.strftime("%Y-%m")
    response = signed_in("city-admin").get(f"/console/city/figures?period={period}")
    page = response.get_data(as_text=True)
    assert page.count('role="img"') == page.count("<svg") == 2  # coverage by group, township
    assert "探访覆盖率（按乡镇）" in page and "0%（0/1）" in page and "查看数据" in page
    assert "本期没有办结的申请。" in page


def test_the_monthly_bulletin_downloads_as_a_workbook_and_a_chart(signed_in: Any) -> None:
    browser = signed_in("city-admin")
    page = browser.get("/console/city/reports?monthly=2026-11").get_data(as_text=True)
    assert "月通报" in page and "周督导" in page and "下载月通报（XLSX）" in page
    xlsx = browser.client.get("/console/city/reports/monthly/file?period=2026-11&format=xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book["排名"]["A1"].value == "名次"
    assert {book["排名"]["C2"].value, book["排名"]["C3"].value} == {"测试A镇", "测试B镇"}
    png = browser.client.get("/console/city/reports/monthly/file?period=2026-11&format=png"
                             "&chart=standards&view=1")
    assert png.status_code == 200 and png.data[:4] == b"\x89PNG"
    assert "inline" in png.headers["Content-Disposition"]


def test_the_city_generates_and_keeps_a_report(signed_in: Any) -> None:
    browser = signed_in("city-admin")
    browser.get("/console/city/reports")
    response = browser.post("/console/city/reports/weekly", {"period": "2026-W48"})
    assert response.status_code == 302 and "weekly=2026-W48" in response.headers["Location"]
    report = SupervisionReport.get()
    assert (report.kind, report.period) == ("weekly_supervision", "2026-W48")
    assert AuditEntry.select().where(AuditEntry.action == "supervision.report_generated").exists()


def test_a_township_office_reads_reports_but_does_not_generate_them(signed_in: Any) -> None:
    browser = signed_in("ts-a")
    page = browser.get("/console/city/reports").get_data(as_text=True)
    assert "重新生成并存档" not in page and "测试B镇" not in page
    assert browser.post("/console/city/reports/monthly", {}).status_code == 403


@pytest.fixture
def late_application(api: Any) -> int:
    """An application filed for client a1 whose stage ran out three days ago."""
    filed = api.post("/api/v1/applications", "res-owner", json={
        "service_code": "subsistence_allowance", "applicant_name": "业主",
        "applicant_id_number": id_number(1), "phone": "13800001111",
        "village_id": api.world.villages["a1"].id, "address": "a1村1组1号",
        "household_members": [], "declared_income_fen": 50_000, "reason": "因病致贫",
        "submit": True})
    assert filed.status_code == 201, filed.json
    Application.update(stage_due_on=local_today() - timedelta(days=3)).where(
        Application.id == filed.json["id"]).execute()
    return int(filed.json["id"])


def test_the_overdue_report_counts_open_and_late_applications(signed_in: Any,
                                                              late_application: int) -> None:
    page = signed_in("city-admin").get("/console/city/overdue").get_data(as_text=True)
    assert "全市在办 1 件，超期 1 件" in page
    row = page[page.index("<th scope=\"row\">测试A镇</th>"):]
    assert "超期 1" in row[:row.index("</tr>")]


def test_a_profile_file_is_checked_first_and_its_errors_listed_by_cell(signed_in: Any) -> None:
    browser = signed_in("city-admin")
    browser.get("/console/city/profiles")
    bad = workbook([profile_row("410184001", funds="很多"), profile_row("999999999")])
    response = upload(browser, "/console/city/profiles/check", bad, "profiles.xlsx")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and "检查未通过" in page
    assert 'name="content"' not in page  # no button to import a file with errors
    assert "<td>乡镇概况</td><td>2</td><td>O（本年度工作经费（元））</td>" in page
    assert "不存在或不在您的管辖范围内" in page
    assert TownshipProfile.select().count() == 0

    good = workbook([profile_row("410184001")])
    checked = upload(browser, "/console/city/profiles/check", good, "profiles.xlsx")
    assert checked.status_code == 200 and "检查通过" in checked.get_data(as_text=True)
    assert TownshipProfile.select().count() == 0  # a dry run writes nothing
    content = CHECKED_FILE.search(checked.get_data(as_text=True)).group(1)
    imported = browser.post("/console/city/profiles/import",
                            {"content": content, "filename": "profiles.xlsx"})
    assert imported.status_code == 302
    profile = TownshipProfile.get()
    assert (profile.township.code, profile.funds_this_year_fen) == ("410184001", 20_000_000)
    assert AuditEntry.select().where(
        AuditEntry.action == "supervision.profile_imported").count() == 1


def test_a_township_cannot_import_another_townships_profile(signed_in: Any) -> None:
    browser = signed_in("ts-b")
    browser.get("/console/city/profiles")
    response = upload(browser, "/console/city/profiles/check",
                      workbook([profile_row("410184001")]), "profiles.xlsx")
    assert response.status_code == 422 and "不在您的管辖范围内" in response.get_data(as_text=True)


def test_a_file_that_is_not_a_spreadsheet_is_refused_beside_the_field(signed_in: Any) -> None:
    browser = signed_in("city-admin")
    browser.get("/console/city/profiles")
    response = upload(browser, "/console/city/profiles/check", b"\x00\x01binary", "x.xlsx")
    assert response.status_code == 415 and 'id="file-error"' in response.get_data(as_text=True)
    empty = browser.post("/console/city/profiles/check", {})
    assert empty.status_code == 422 and "请选择要导入的" in empty.get_data(as_text=True)


def test_an_import_whose_file_did_not_come_back_is_refused(signed_in: Any) -> None:
    browser = signed_in("city-admin")
    browser.get("/console/city/profiles")
    response = browser.post("/console/city/profiles/import",
                            {"content": "not base64!", "filename": "profiles.xlsx"})
    assert response.status_code == 422 and "请重新选择文件检查" in response.get_data(as_text=True)
    assert TownshipProfile.select().count() == 0


def test_the_template_comes_with_the_townships_filled_in(signed_in: Any) -> None:
    response = signed_in("ts-a").client.get("/console/city/profiles/template.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["乡镇概况"]
    assert sheet["A2"].value == "410184001" and sheet["A3"].value is None


def _guide_form(browser: Browser, code: str) -> dict[str, Any]:
    """Every field of the editor as the page fills it in."""
    page = browser.get(f"/console/city/services/{code}").get_data(as_text=True)
    form: dict[str, Any] = {}
    for name, value in re.findall(r'<input type="text"[^>]*name="([^"]+)" value="([^"]*)"', page):
        form[name] = value
    for name, value in re.findall(r'<textarea[^>]*name="([^"]+)"[^>]*>([^<]*)</textarea>', page):
        form[name] = value.replace("&#34;", '"').replace("&amp;", "&")
    form["time_limit_days"] = re.search(r'name="time_limit_days"[^>]*value="(\d+)"',
                                        page).group(1)
    for name in re.findall(r'<input type="checkbox" id="[^"]+" name="([^"]+)" value="1" '
                           r'checked', page):
        form[name] = "1"
    return form


def test_the_city_edits_a_service_guide_and_the_change_is_audited(signed_in: Any) -> None:
    browser = signed_in("city-admin")
    form = _guide_form(browser, "temporary_relief")
    new_row = next(n for n in range(50) if not form.get(f"material-{n}-name"))
    form.update({"short_name": "临时救助（急难）", f"material-{new_row}-name": "受灾证明",
                 f"material-{new_row}-required": "1", "time_limit_days": "15"})
    response = browser.post("/console/city/services/temporary_relief", form)
    assert response.status_code == 302, response.get_data(as_text=True)
    edit = ServiceGuideEdit.get(ServiceGuideEdit.code == "temporary_relief")
    assert set(edit.content) == {"short_name", "materials", "time_limit_days"}
    assert edit.content["materials"][-1]["name"] == "受灾证明"
    entry = AuditEntry.get(AuditEntry.action == "service_guide.update")
    assert set(entry.changes) == {"short_name", "materials", "time_limit_days"}
    page = browser.get("/console/city/services/temporary_relief").get_data(as_text=True)
    assert "已发布" in page and "临时救助（急难）" in page


def test_a_guide_edit_with_errors_is_refused_beside_its_fields(signed_in: Any) -> None:
    browser = signed_in("city-admin")
    form = _guide_form(browser, "temporary_relief")
    form.update({"time_limit_days": "0", "name": "", "fee_amount": "1.234"})
    response = browser.post("/console/city/services/temporary_relief", form)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert 'id="time_limit_days-error"' in page and 'id="name-error"' in page
    assert 'id="fee_amount-error"' in page and ServiceGuideEdit.select().count() == 0


def test_an_unchanged_guide_writes_nothing(signed_in: Any) -> None:
    browser = signed_in("city-admin")
    response = browser.post("/console/city/services/medical_relief",
                            _guide_form(browser, "medical_relief"))
    assert response.status_code == 302
    assert ServiceGuideEdit.select().count() == 0
    assert not AuditEntry.select().where(AuditEntry.action == "service_guide.update").exists()


CITY_PAGES = ["/console/city", "/console/city/figures", "/console/city/reports",
              "/console/city/overdue", "/console/city/profiles", "/console/city/services",
              "/console/city/services/subsistence_allowance"]
# What each caller may open, as the API's permissions say (supervision.read and the profile
# import for both offices; the overdue report and the guide editor for the city only).
ALLOWED = {"city-admin": set(CITY_PAGES),
           "ts-a": {"/console/city", "/console/city/figures", "/console/city/reports",
                    "/console/city/profiles"},
           "co-a1": set(), "sw-a1": set()}


@pytest.mark.parametrize("who", ALLOWED)
@pytest.mark.parametrize("path", CITY_PAGES)
def test_city_pages_follow_the_api_permissions(signed_in: Any, who: str, path: str) -> None:
    expected = 200 if path in ALLOWED[who] else 403
    assert signed_in(who).get(path).status_code == expected


@pytest.mark.parametrize(("path", "data"), [
    ("/console/city/reports/monthly", {"period": "2026-11"}),
    ("/console/city/profiles/check", {}),
    ("/console/city/profiles/import", {"content": "", "filename": "x.xlsx"}),
    ("/console/city/services/temporary_relief", {"name": "改名"}),
])
def test_the_city_forms_refuse_a_post_without_its_csrf_token(signed_in: Any, path: str,
                                                             data: dict[str, str]) -> None:
    browser = signed_in("city-admin")
    browser.get("/console/city")
    response = browser.post(path, data, csrf=False)
    assert response.status_code == 400 and "安全令牌" in response.get_data(as_text=True)
    assert SupervisionReport.select().count() == ServiceGuideEdit.select().count() == 0
