"""The weekly supervision and the monthly bulletin: ranking, late units named, change since
the last period, as JSON, as a workbook and as charts, generated on demand and by the job."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient
from openpyxl import load_workbook

from backend import storage
from backend.models import SupervisionReport, Township
from backend.reports import xlsx
from backend.services import supervision
from tests.supervision.test_compliance import CHOSEN, _as

PNG = b"\x89PNG\r\n\x1a\n"


def test_the_bulletin_ranks_townships_and_names_the_late_ones(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city(CHOSEN)
    response = client.get(
        "/api/v1/supervision/reports/monthly_bulletin?period=2026-11",
        headers=_as(client, "city-admin"),
    )
    assert response.status_code == 200, response.json
    body = response.json
    assert body["kind_label"] == "月通报" and len(body["ranking"]) == 12
    ranks = [r["rank"] for r in body["ranking"]]
    assert ranks == sorted(ranks) and ranks[0] == 1
    assert body["ranking"][-1]["township_code"] in CHOSEN
    assert {u["township_code"] for u in body["late_units"]} == set(CHOSEN)
    assert body["changes"]["available"] is False


def test_the_next_period_shows_what_changed(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city({"410184100": ["office_too_small"]})
    headers = _as(client, "city-admin")
    first = client.post(
        "/api/v1/supervision/reports/weekly", json={"period": "2026-W47"}, headers=headers
    )
    assert first.status_code == 201, first.json
    Township.update(office_area_m2=48).where(Township.code == "410184100").execute()
    assert (
        client.post(
            "/api/v1/supervision/reports/weekly", json={"period": "2026-W48"}, headers=headers
        ).status_code
        == 201
    )
    body = client.get(
        "/api/v1/supervision/reports/weekly_supervision?period=2026-W48", headers=headers
    ).json
    assert body["changes"]["available"] and body["changes"]["previous_period"] == "2026-W47"
    moved = {c["township_code"]: c for c in body["changes"]["townships"]}
    assert moved["410184100"]["newly_passed"] == ["office_area"]
    assert moved["410184100"]["score_change"] > 0 and moved["410184100"]["rank_change"] > 0
    assert body["late_units"] == []


def test_only_the_city_generates_reports(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city({})
    response = client.post(
        "/api/v1/supervision/reports/monthly", json={}, headers=_as(client, "ts-410184001-1")
    )
    assert response.status_code == 403


def test_the_workbook_opens_with_the_expected_sheets(
    client: FlaskClient, seed_city: Callable[..., Any]
) -> None:
    seed_city(CHOSEN)
    response = client.get(
        "/api/v1/supervision/reports/monthly?period=2026-11&format=xlsx",
        headers=_as(client, "city-admin"),
    )
    assert response.status_code == 200
    assert response.mimetype == xlsx.MEDIA_TYPE
    book = load_workbook(io.BytesIO(response.get_data()))
    assert tuple(book.sheetnames) == xlsx.SHEETS
    ranking = list(book["排名"].iter_rows(values_only=True))
    assert ranking[0][0] == "名次" and len(ranking) == 13
    late = {row[1] for row in book["未按期完成"].iter_rows(min_row=2, values_only=True)}
    names = {t.name for t in Township.select().where(Township.code.in_(list(CHOSEN)))}
    assert late == names


def test_the_charts_render_as_png(client: FlaskClient, seed_city: Callable[..., Any]) -> None:
    seed_city(CHOSEN)
    for chart in ("ranking", "standards"):
        response = client.get(
            f"/api/v1/supervision/reports/monthly?period=2026-11&format=png&chart={chart}",
            headers=_as(client, "city-admin"),
        )
        assert response.status_code == 200 and response.mimetype == "image/png"
        assert response.get_data().startswith(PNG) and len(response.get_data()) > 10_000


def test_the_periodic_job_keeps_the_report_and_stores_its_files(
    seed_city: Callable[..., Any],
) -> None:
    seed_city(CHOSEN)
    result = supervision.generate_periodic_report("monthly", "2026-10")
    assert SupervisionReport.get_by_id(result["report_id"]).period == "2026-10"
    keys = result["files"]
    assert [Path(k).suffix for k in keys] == [".xlsx", ".png", ".png"]
    assert all(k.startswith("reports/monthly_bulletin-2026-10/") for k in keys)
    contents = [storage.file_store().get(k) or b"" for k in keys]
    assert all(len(c) > 1000 for c in contents)
    assert contents[1].startswith(PNG)
    assert tuple(load_workbook(io.BytesIO(contents[0])).sheetnames) == xlsx.SHEETS
    again = supervision.generate_periodic_report("monthly", "2026-10")
    assert again["report_id"] == result["report_id"]  # the same period is replaced, not added


def test_charts_still_render_without_a_chinese_font(
    seed_city: Callable[..., Any], tmp_path: Path, monkeypatch: Any
) -> None:
    from backend.reports import charts

    seed_city(CHOSEN)
    monkeypatch.setattr(charts, "cjk_family", lambda: None)  # a server with no CJK font
    data = supervision.build_report("weekly", supervision.parse_period("2026-W48"))
    files = charts.write_charts(data, tmp_path)
    assert [f.name for f in files] == [
        "weekly_supervision-2026-W48-ranking.png",
        "weekly_supervision-2026-W48-standards.png",
    ]
    assert all(f.read_bytes().startswith(PNG) for f in files)


def test_the_scheduled_jobs_report_the_period_that_just_ended(
    seed_city: Callable[..., Any],
) -> None:
    from datetime import date

    seed_city({})
    assert supervision.weekly_supervision_report(today=date(2026, 11, 30))["period"] == "2026-W48"
    assert supervision.monthly_bulletin(today=date(2026, 12, 1))["period"] == "2026-11"
