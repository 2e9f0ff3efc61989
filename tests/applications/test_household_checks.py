"""The household economic check: other departments' files matched by ID blind index change the
check's result, rows for unknown people are reported and kept, bad cells import nothing, the
people to check go out in the one file that holds ID numbers, and the 核查 stage records it."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import pytest

from backend.models import AuditEntry, DepartmentImport, DepartmentRecord, PiiAccess
from tests.applications.conftest import Clock, advance_to_stage
from tests.conftest import Api
from tests.factories import id_number

Filing = Callable[..., dict[str, Any]]
HRSS_HEADER = "身份证号,姓名,收入类型,月收入（元）"


def _at_verification(api: Api, filing: Filing) -> int:
    """A 低保 application of client a1's household (spouse declared ¥800/month) at 核查."""
    app_id = int(api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json["id"])
    advance_to_stage(api, app_id, "verification")
    return app_id


def _upload(api: Api, rows: list[str], *, dry_run: bool, who: str = "ts-a",
            department: str = "hrss") -> Any:
    content = "\n".join([HRSS_HEADER, *rows]).encode()
    return api.post(f"/api/v1/department-data/{department}/import", who,
                    query_string={"dry_run": "true" if dry_run else "false"},
                    data={"file": (io.BytesIO(content), "hrss.csv")},
                    content_type="multipart/form-data")


@pytest.fixture
def under_check(api: Api, clock: Clock, filing: Filing) -> int:
    """The application id, at the verification stage."""
    return _at_verification(api, filing)


def test_a_department_file_matched_by_id_number_changes_the_households_result(
    api: Api, under_check: int
) -> None:
    check = api.get(f"/api/v1/applications/{under_check}/household-check", "ts-a").json
    assert check["household_size"] == 2 and check["area_kind"] == "rural"
    assert check["per_capita_income_fen"] == 40_000 and check["threshold_fen"] == 55_000
    assert check["finding"] == "below_standard" and check["matched_records"] == []

    rows = [f"{id_number(51, sex='female')},配偶,工资,3000", f"{id_number(77)},某人,养老金,1000"]
    dry = _upload(api, rows, dry_run=True)
    assert dry.status_code == 200 and dry.json["valid"] and not dry.json["imported"]
    assert dry.json["matched"] == 1 and [u["row"] for u in dry.json["unmatched"]] == [3]
    assert DepartmentRecord.select().count() == 0  # a dry run writes nothing

    done = _upload(api, rows, dry_run=False)
    assert done.status_code == 200 and done.json["imported"] and done.json["matched"] == 1
    unmatched = DepartmentImport.get_by_id(done.json["batch_id"]).unmatched
    assert [u["row"] for u in unmatched] == [3]  # the unknown person's row is kept, masked
    assert unmatched[0]["id_masked"] == dry.json["unmatched"][0]["id_masked"]
    (kept,) = api.get("/api/v1/department-data/imports", "ts-a").json
    assert kept["unmatched"] == dry.json["unmatched"] and kept["matched"] == 1
    assert api.get("/api/v1/department-data/imports", "ts-b").json == []

    after = api.get(f"/api/v1/applications/{under_check}/household-check", "ts-a").json
    spouse = after["members"][1]
    assert spouse["verified_income_fen"] == spouse["assessed_income_fen"] == 300_000
    assert after["per_capita_income_fen"] == 150_000 and after["finding"] == "above_standard"
    (record,) = after["matched_records"]
    assert (record["department_label"], record["filename"], record["row_number"]) == (
        "人社", "hrss.csv", 2)
    assert {"source": "hrss", "source_label": "人社", "id_masked": spouse["id_masked"],
            "monthly_income_fen": 300_000} in after["income_by_source"]


def test_a_file_with_bad_cells_imports_nothing_and_names_each_bad_cell(
    api: Api, under_check: int
) -> None:
    rows = ["110105199001011234,甲,工资,3000", f"{id_number(51, sex='female')},乙,奖金,abc"]
    dry = _upload(api, rows, dry_run=True)
    assert dry.status_code == 200 and not dry.json["valid"]
    assert [(e["row"], e["column"]) for e in dry.json["errors"]] == [
        (2, "A（身份证号）"), (3, "C（收入类型）"), (3, "D（月收入（元））")]
    assert "110105199001011234" not in dry.get_data(as_text=True)
    refused = _upload(api, rows, dry_run=False)
    assert refused.status_code == 422 and refused.json["code"] == "import_rejected"
    assert DepartmentRecord.select().count() == 0 and DepartmentImport.select().count() == 0


def test_the_people_to_check_leave_only_in_the_export_and_each_read_is_logged(
    api: Api, under_check: int
) -> None:
    exported = api.get("/api/v1/department-data/vehicles/people", "ts-a")
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    lines = exported.data.decode("utf-8-sig").splitlines()
    assert lines[0] == "身份证号,姓名,号牌号码,车辆类型"
    assert lines[1:] == [f"{id_number(1)},申请人1", f"{id_number(51, sex='female')},配偶"]
    logged = PiiAccess.select().where(PiiAccess.purpose == "department_export:vehicles")
    assert logged.count() == 2
    assert AuditEntry.select().where(AuditEntry.action == "department_data.exported").exists()
    assert api.get("/api/v1/department-data/vehicles/people", "co-a1").status_code == 403
    outside = api.get("/api/v1/department-data/vehicles/people", "ts-b").data.decode("utf-8-sig")
    assert outside.splitlines() == ["身份证号,姓名,号牌号码,车辆类型"]
    assert api.get("/api/v1/department-data/nowhere/people", "ts-a").status_code == 404


def test_the_verification_stage_records_the_result_and_other_townships_see_nothing(
    api: Api, under_check: int
) -> None:
    path = f"/api/v1/applications/{under_check}/household-check"
    recorded = api.post(path, "ts-a", json={"comment": "收入低于标准"})
    assert recorded.status_code == 200
    assert recorded.json["recorded"]["finding"] == "below_standard"
    assert recorded.json["recorded"]["recorded_by_name"] == "测试ts-a"
    assert AuditEntry.select().where(AuditEntry.action == "household_check.recorded").count() == 1
    assert api.get(path, "ts-b").status_code == 404
    assert api.get(path, "res-owner").status_code == 403


def test_a_result_is_recorded_only_at_the_verification_stage(
    api: Api, under_check: int
) -> None:
    moved = api.post(f"/api/v1/applications/{under_check}/transitions", "ts-a",
                     json={"action": "advance", "comment": "核查完毕"})
    assert moved.status_code == 200
    late = api.post(f"/api/v1/applications/{under_check}/household-check", "ts-a", json={})
    assert late.status_code == 409 and late.json["code"] == "not_in_verification"


def test_the_documented_layouts_name_every_column_of_every_department() -> None:
    from pathlib import Path

    from backend.services.department_data import LAYOUTS

    doc = (Path(__file__).resolve().parents[2] / "backend" / "fixtures" /
           "department_data.md").read_text(encoding="utf-8")
    for layout in LAYOUTS.values():
        section = doc.split(f"(`{layout.code}`)", 1)[1].split("\n## ", 1)[0]
        assert all(f"| {column.header} |" in section for column in layout.columns), layout.code
