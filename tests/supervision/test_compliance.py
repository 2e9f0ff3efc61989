"""Compliance with the standards: a demo-like city whose chosen townships break chosen
standards is reported with exactly those townships and standards, through the HTTP API."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import date
from typing import Any

from flask.testing import FlaskClient

from backend import standards
from backend.models import StaffAccount
from backend.permissions import SYSTEM
from backend.services import supervision
from backend.services.auth import issue_tokens
from tests.supervision.conftest import DEVIATION_BREAKS, PERIOD

CHOSEN = {
    "410184004": ["underfunded", "training_short"],
    "410184100": ["office_too_small"],
    "410184104": ["station_incomplete", "understaffed"],
    "410184400": ["missing_equipment"],
}


def _as(client: FlaskClient, username: str) -> dict[str, str]:
    staff = StaffAccount.get(StaffAccount.username == username)
    return {"Authorization": f"Bearer {issue_tokens('staff', staff.id).access_token}"}


def _expected(deviations: dict[str, list[str]]) -> dict[str, set[str]]:
    return {
        code: {DEVIATION_BREAKS[kind] for kind in kinds}
        for code, kinds in deviations.items()
        if kinds
    }


def test_the_city_sees_exactly_the_townships_that_break_standards_and_which(
    client: FlaskClient, seed_city: Callable[..., dict[str, Any]]
) -> None:
    seed_city(CHOSEN)
    response = client.get(
        f"/api/v1/supervision/compliance?period={PERIOD}", headers=_as(client, "city-admin")
    )
    assert response.status_code == 200, response.json
    body = response.json
    failing = {
        t["township_code"]: set(t["failed_standards"])
        for t in body["townships"]
        if t["failed_standards"]
    }
    assert failing == _expected(CHOSEN)
    assert len(body["townships"]) == 12


def test_the_shipped_demo_city_names_the_townships_its_fixture_marks(
    demo_city: dict[str, Any],
) -> None:
    report = supervision.build_report("monthly", supervision.parse_period(PERIOD))
    named = {u["township_code"]: {s["code"] for s in u["standards"]} for u in report["late_units"]}
    assert named == _expected({t["code"]: t["deviations"] for t in demo_city["townships"]})


def test_each_item_says_required_actual_pass_and_gap(
    client: FlaskClient, seed_city: Callable[..., dict[str, Any]]
) -> None:
    seed_city({"410184401": ["understaffed", "office_too_small"]})
    body = client.get(
        f"/api/v1/supervision/compliance?period={PERIOD}", headers=_as(client, "city-admin")
    ).json
    township = next(t for t in body["townships"] if t["township_code"] == "410184401")
    items = {i["code"]: i for i in township["items"]}
    assert len(items) == len(supervision.STANDARD_LABELS)
    staff = items["full_time_staff"]
    assert (staff["required"], staff["actual"], staff["passed"], staff["gap"]) == (3, 2, False, 1)
    office = items["office_area"]
    assert (office["required"], office["actual"], office["gap"], office["late"]) == (
        40,
        30,
        10,
        True,
    )
    assert items["social_workers"]["passed"] and items["social_workers"]["gap"] == 0
    city = {s["code"]: s for s in body["city_wide"]}
    assert city["full_time_staff"]["townships_failed"] == ["具茨山管委会"]
    assert city["full_time_staff"]["gap_total"] == 1
    assert city["office_area"]["townships_passed"] == 11


def test_a_township_office_sees_only_its_own_township(
    client: FlaskClient, seed_city: Callable[..., dict[str, Any]]
) -> None:
    seed_city(CHOSEN)
    body = client.get(
        f"/api/v1/supervision/compliance?period={PERIOD}", headers=_as(client, "ts-410184004-1")
    ).json
    assert [t["township_code"] for t in body["townships"]] == ["410184004"]
    report = client.get(
        f"/api/v1/supervision/reports/monthly_bulletin?period={PERIOD}",
        headers=_as(client, "ts-410184004-1"),
    ).json
    assert [r["township_code"] for r in report["ranking"]] == ["410184004"]
    assert report["city_wide"] == []


def test_coordinators_and_social_workers_may_not_read_supervision(
    client: FlaskClient, seed_city: Callable[..., dict[str, Any]]
) -> None:
    seed_city({})
    for username in ("co-410184001001", "sw-410184001-1"):
        response = client.get("/api/v1/supervision/compliance", headers=_as(client, username))
        assert response.status_code == 403
    assert client.get("/api/v1/supervision/compliance").status_code == 401


def test_a_malformed_period_is_refused_and_an_unknown_report_kind_is_not_found(
    client: FlaskClient, seed_city: Callable[..., dict[str, Any]]
) -> None:
    seed_city({})
    headers = _as(client, "city-admin")
    bad = client.get("/api/v1/supervision/compliance?period=2026-13", headers=headers)
    assert bad.status_code == 422 and bad.json["code"] == "bad_period"
    assert client.get("/api/v1/supervision/reports/yearly", headers=headers).status_code == 404


def test_a_township_without_a_profile_fails_the_profile_standards_as_unreported(
    client: FlaskClient, seed_city: Callable[..., dict[str, Any]]
) -> None:
    seed_city({})
    body = client.get(
        "/api/v1/supervision/compliance?period=2025-11", headers=_as(client, "city-admin")
    ).json  # profiles exist for 2026 only
    items = {i["code"]: i for i in body["townships"][0]["items"]}
    assert items["funds"]["actual"] is None and not items["funds"]["passed"]
    assert supervision.NO_PROFILE in items["funds"]["detail"]


def test_a_city_can_load_its_own_standards_with_effective_dates(tmp_path: Any) -> None:
    path = tmp_path / "standards.json"
    path.write_text(
        '{"format": "standards/1", "editions": ['
        '{"effective_from": "2017-01-01"},'
        '{"effective_from": "2026-01-01", "title": "2026年本市标准",'
        ' "office_min_area_m2": 60,'
        ' "staff_by_population": [{"below": 40000, "value": 4},'
        ' {"below": null, "value": 6}]}]}',
        encoding="utf-8",
    )
    book = standards.load_book(path)
    assert book.on(date(2025, 6, 1)).office_min_area_m2 == 40
    current = book.on(date(2026, 6, 1))
    assert current.office_min_area_m2 == 60 and current.required_full_time_staff(45_000) == 6
    assert current.social_workers_per_township == 2  # unchanged values carry over
    assert standards.required_full_time_staff(45_000) == 4  # the policy's default


def test_compliance_for_the_whole_demo_city_takes_a_few_queries(
    demo_city: dict[str, Any], capsys: Any
) -> None:
    started = time.perf_counter()
    for _ in range(10):
        supervision.compute_compliance(supervision.parse_period(PERIOD), actor=SYSTEM)
    elapsed = (time.perf_counter() - started) / 10
    with capsys.disabled():
        print(f"\ncompliance, demo city (12 townships, 160 villages): {elapsed * 1000:.1f} ms")
    assert elapsed < 1.0
