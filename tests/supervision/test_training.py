"""Training and yearly assessment per person: the import's dry run names every bad cell and a
bad file imports nothing; a clean one is written and audited; the 7-days and assessment checks
are computed from the records."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from backend.models import AssessmentResult, AuditEntry, TrainingRecord
from backend.services.training import ASSESSMENT_COLUMNS, TRAINING_COLUMNS
from tests.conftest import Api

YEAR = 2026


def _workbook(trainings: list[list[Any]], assessments: list[list[Any]] | None = None) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "培训记录"
    sheet.append([c.header for c in TRAINING_COLUMNS])
    for row in trainings:
        sheet.append(row)
    if assessments is not None:
        other = book.create_sheet("年度考核")
        other.append([c.header for c in ASSESSMENT_COLUMNS])
        for row in assessments:
            other.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _send(api: Api, content: bytes, *, dry_run: bool, who: str = "ts-a",
          name: str = "training.xlsx") -> Any:
    return api.post("/api/v1/training-records/import", who,
                    query_string={"dry_run": "true" if dry_run else "false"},
                    data={"file": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")


def _training(username: str, name: str, days: Any = 4, starts: str = f"{YEAR}-03-02",
              ends: str = f"{YEAR}-03-06", kind: str = "业务培训") -> list[Any]:
    return [username, name, kind, starts, ends, days, "市民政局"]


def _compliance_items(api: Api, who: str = "ts-a") -> dict[str, Any]:
    rows = api.get("/api/v1/supervision/compliance", who,
                   query_string={"period": f"{YEAR}-11"}).json["townships"]
    return {item["code"]: item for item in rows[0]["items"]}


def test_an_import_with_bad_rows_imports_nothing_and_names_each_bad_cell(api: Api) -> None:
    content = _workbook([
        _training("ts-a", "测试ts-a"),  # a good row: still not imported
        _training("nobody", "某人"),
        _training("co-a1", "张三"),
        _training("co-a2", "测试co-a2", kind="联欢"),
        _training("sw-a1", "测试sw-a1", starts=f"{YEAR}-03-06", ends=f"{YEAR}-03-02"),
        _training("sw-a2", "测试sw-a2", days=9),
        _training("ts-a", "测试ts-a", starts="三月", kind="法治培训"),
    ], [["co-a1", "测试co-a1", YEAR, "很好"]])
    dry = _send(api, content, dry_run=True)
    assert dry.status_code == 200 and not dry.json["valid"] and not dry.json["imported"]
    assert [(e["sheet"], e["row"], e["column"]) for e in dry.json["errors"]] == [
        ("培训记录", 3, "账号（姓名）"),
        ("培训记录", 4, "账号（姓名）"),
        ("培训记录", 5, "C（培训类型）"),
        ("培训记录", 6, "天数"),
        ("培训记录", 7, "天数"),
        ("培训记录", 8, "D（开始日期）"),
        ("年度考核", 2, "D（考核结果）"),
    ]
    refused = _send(api, content, dry_run=False)
    assert refused.status_code == 422 and refused.json["code"] == "import_rejected"
    assert refused.json["errors"]["rows"] == dry.json["errors"]
    assert TrainingRecord.select().count() == 0 and AssessmentResult.select().count() == 0


def test_another_townships_staff_are_not_found_by_the_import(api: Api) -> None:
    dry = _send(api, _workbook([_training("ts-a", "测试ts-a")]), dry_run=True, who="ts-b")
    assert dry.json["errors"][0]["message"] == "账号不存在或不在您的管辖范围内：ts-a"


def test_the_checks_are_computed_from_each_persons_records(api: Api) -> None:
    content = _workbook(
        [_training("ts-a", "测试ts-a", days=4), _training("co-a1", "测试co-a1", days=5),
         _training("co-a2", "测试co-a2", days=5),
         _training("ts-a", "测试ts-a", days=3, starts=f"{YEAR}-09-01", ends=f"{YEAR}-09-03",
                   kind="警示教育")],
        [["ts-a", "测试ts-a", YEAR, "优秀"], ["co-a1", "测试co-a1", YEAR, "称职"]])
    done = _send(api, content, dry_run=False)
    assert done.status_code == 200 and done.json["imported"], done.json
    assert (done.json["training_records"], done.json["assessments"], done.json["people"]) == (
        4, 2, 3)
    assert AuditEntry.select().where(AuditEntry.action == "training.imported").count() == 3
    items = _compliance_items(api)
    assert items["training_days"]["actual"] == 5 and not items["training_days"]["passed"]
    assert items["training_days"]["detail"] == [
        "按个人培训记录计算", "测试co-a1 5天", "测试co-a2 5天"]
    assert items["yearly_assessment"]["actual"] == 0
    assert items["yearly_assessment"]["detail"][1:] == ["测试co-a2未考核"]

    more = _workbook(
        [_training("co-a1", "测试co-a1", days=2, starts=f"{YEAR}-10-08", ends=f"{YEAR}-10-09"),
         _training("co-a2", "测试co-a2", days=2, starts=f"{YEAR}-10-08", ends=f"{YEAR}-10-09")],
        [["co-a2", "测试co-a2", YEAR, "基本称职"]])
    assert _send(api, more, dry_run=False).status_code == 200
    items = _compliance_items(api)
    assert items["training_days"]["actual"] == 7 and items["training_days"]["passed"]
    assert items["yearly_assessment"]["passed"]
    summary = api.get("/api/v1/training-records/summary", "ts-a",
                      query_string={"year": YEAR}).json
    assert {(p["name"], p["days"], p["grade_label"]) for p in summary} >= {
        ("测试ts-a", 7, "优秀"), ("测试co-a2", 7, "基本称职")}
    listed = api.get("/api/v1/training-records", "ts-a", query_string={"year": YEAR}).json
    assert len(listed) == 6 and listed[0]["kind_label"] == "业务培训"
    assert api.get("/api/v1/training-records", "ts-b").json == []
    assert api.get("/api/v1/training-records", "co-a1").status_code == 403


def test_the_template_lists_the_offices_staff(api: Api) -> None:
    answer = api.get("/api/v1/training-records/template", "ts-a", query_string={"format": "csv"})
    lines = answer.data.decode("utf-8-sig").splitlines()
    assert lines[0].startswith("账号,姓名,培训类型") and "co-a1,测试co-a1" in lines
