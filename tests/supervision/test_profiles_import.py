"""Importing township profiles from XLSX and CSV: a dry-run names every bad cell by row and
column and imports nothing; a clean file is written and audited; scope holds."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from backend.models import AuditEntry, NursingHome, Township, TownshipProfile
from tests.supervision.conftest import YEAR, profile_row, workbook
from tests.supervision.test_compliance import _as

URL = "/api/v1/supervision/profiles/import"


def _upload(
    client: FlaskClient, who: str, content: bytes, name: str = "profiles.xlsx", dry_run: bool = True
) -> Any:
    return client.post(
        f"{URL}?dry_run={'true' if dry_run else 'false'}",
        headers=_as(client, who),
        content_type="multipart/form-data",
        data={"file": (io.BytesIO(content), name)},
    )


def test_a_dry_run_names_each_bad_cell_by_row_and_column_and_imports_nothing(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city({})
    TownshipProfile.delete().execute()
    content = workbook(
        [
            profile_row("410184001"),
            profile_row("410184002", funds="很多"),
            profile_row("410184003", assessment="也许", training=400),
            profile_row("999999999"),
        ],
        homes=[
            ["410184001", "城关敬老院", 250, "是", "是"],
            ["410184001", "城关敬老院", "二百", "是", "是"],
        ],
    )
    response = _upload(client, "city-admin", content)
    assert response.status_code == 200, response.json
    body = response.json
    assert body["dry_run"] and not body["valid"] and not body["imported"]
    cells = {(e["sheet"], e["row"], e["column"]) for e in body["errors"]}
    assert ("乡镇概况", 3, "O（本年度工作经费（元））") in cells
    assert ("乡镇概况", 4, "R（年度考核（是/否））") in cells
    assert ("乡镇概况", 4, "Q（人均培训天数）") in cells
    assert ("乡镇概况", 5, "乡镇代码") in cells
    assert ("养老院", 3, "C（床位数）") in cells
    assert ("养老院", 3, "养老院名称") in cells  # listed twice
    assert not any(e["row"] == 2 and e["sheet"] == "乡镇概况" for e in body["errors"])
    assert TownshipProfile.select().count() == 0 and NursingHome.select().count() == 24


def test_importing_a_file_with_errors_is_refused_whole(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city({})
    TownshipProfile.delete().execute()
    content = workbook([profile_row("410184001"), profile_row("410184002", training="七")])
    response = _upload(client, "city-admin", content, dry_run=False)
    assert response.status_code == 422 and response.json["code"] == "import_rejected"
    assert response.json["errors"]["rows"][0]["row"] == 3
    assert TownshipProfile.select().count() == 0


def test_a_clean_file_is_imported_and_every_change_audited(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city({})
    content = workbook(
        [profile_row("410184001", funds="300000.50", training=9.5)],
        homes=[
            ["410184001", "城关敬老院", 480, "是", "是"],
            ["410184001", "城关康养中心", 300, "否", "否"],
        ],
    )
    assert _upload(client, "city-admin", content).json["valid"]
    body = _upload(client, "city-admin", content, dry_run=False).json
    assert body["imported"] and body["profiles"] == 1 and body["nursing_homes"] == 2
    profile = TownshipProfile.get(
        TownshipProfile.township == Township.get(code="410184001").id, TownshipProfile.year == YEAR
    )
    assert profile.funds_this_year_fen == 30_000_050 and profile.training_days_per_person == 9.5
    assert profile.equipment["computer"] == 2
    homes = NursingHome.select().join(Township).where(Township.code == "410184001")
    assert sorted(h.beds for h in homes) == [300, 480]
    actions = [
        a.action
        for a in AuditEntry.select().where(
            AuditEntry.action.startswith("supervision.")
            & (AuditEntry.action != "supervision.demo_profiles_seeded")
        )
    ]
    assert sorted(actions) == ["supervision.nursing_homes_imported", "supervision.profile_imported"]


def test_csv_imports_the_same_way(client: FlaskClient, seed_city: Callable[..., Any]) -> None:
    seed_city({})
    template = client.get(
        "/api/v1/supervision/profiles/template?format=csv", headers=_as(client, "ts-410184004-1")
    )
    assert template.status_code == 200
    lines = template.get_data().decode("utf-8-sig").splitlines()
    assert lines[1].startswith("410184004,") and len(lines) == 2
    row = ",".join(str(v) for v in profile_row("410184004", training=3))
    content = (lines[0] + "\n" + row + "\n").encode("utf-8-sig")
    body = _upload(client, "ts-410184004-1", content, "p.csv", dry_run=False).json
    assert body["imported"], body
    compliance = client.get(
        "/api/v1/supervision/compliance?period=2026-11", headers=_as(client, "ts-410184004-1")
    ).json
    assert compliance["townships"][0]["failed_standards"] == ["training_days"]


def test_a_township_office_may_not_import_another_townships_rows(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city({})
    content = workbook([profile_row("410184004"), profile_row("410184001")])
    body = _upload(client, "ts-410184004-1", content).json
    assert [(e["row"], e["column"]) for e in body["errors"]] == [(3, "乡镇代码")]


def test_the_template_opens_with_both_sheets_and_the_callers_townships(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city({})
    response = client.get(
        "/api/v1/supervision/profiles/template", headers=_as(client, "city-admin")
    )
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.get_data()))
    assert book.sheetnames == ["乡镇概况", "养老院", "填写说明"]
    codes = [row[0] for row in book["乡镇概况"].iter_rows(min_row=2, values_only=True)]
    assert len(codes) == 12 and codes[0] == "410184001"


def test_a_file_that_is_neither_xlsx_nor_csv_is_refused(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city({})
    response = _upload(client, "city-admin", b"\x89PNG\r\n\x1a\n\x00\x00", "chart.png")
    assert response.status_code == 415
    header = ["乡镇代码", "年度", "备注栏"]
    unknown = _upload(client, "city-admin", workbook([], profile_header=header))
    assert any(e["row"] == 1 and "备注栏" in e["column"] for e in unknown.json["errors"])
