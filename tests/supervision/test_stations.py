"""Village service stations: the five elements (五有) edited and imported with a dry run, and
coordinators' allowances recorded as payments that the allowance standard reads."""

from __future__ import annotations

import io
from typing import Any

from openpyxl import Workbook

from backend.models import AuditEntry, ServiceStation
from backend.permissions import SYSTEM
from backend.services.supervision import compute_compliance, parse_period
from tests.conftest import Api
from tests.factories import World

PERIOD = "2026-11"
HEADERS = ["村（社区）代码", "站牌名称", "办公场所", "有专人（是/否）", "有牌子（是/否）",
           "有场所（是/否）", "有制度（是/否）", "有台帐（是/否）"]


def _item(code: str, township: str = "410184001") -> dict[str, Any]:
    report = compute_compliance(parse_period(PERIOD), actor=SYSTEM)
    row = next(r for r in report["townships"] if r["township_code"] == township)
    return next(i for i in row["items"] if i["code"] == code)


def _xlsx(rows: list[list[Any]]) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.title = "服务站"
    for row in [HEADERS, *rows]:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _upload(api: Api, who: str, content: bytes, name: str, *, dry_run: bool) -> Any:
    return api.post(f"/api/v1/stations/import?dry_run={str(dry_run).lower()}", who,
                    data={"file": (io.BytesIO(content), name)},
                    content_type="multipart/form-data")


def test_a_station_without_its_ledger_fails_the_five_elements_until_fixed(
        api: Api, world: World) -> None:
    village = world.villages["a1"]
    assert _item("station_elements")["passed"]
    changed = api.patch(f"/api/v1/villages/{village.id}/station", "ts-a",
                        json={"has_ledger": False, "sign": "A1村民政服务站"})
    assert changed.status_code == 200, changed.json
    assert changed.json["has_ledger"] is False and changed.json["has_person"] is True
    item = _item("station_elements")
    assert not item["passed"] and item["detail"] == ["A1村缺有台帐"]
    entry = AuditEntry.get(AuditEntry.action == "station.update")
    assert entry.changes["has_ledger"] == [True, False]
    elsewhere = api.patch(f"/api/v1/villages/{world.villages['b1'].id}/station", "ts-a",
                          json={"has_ledger": False})
    assert elsewhere.status_code == 404
    assert api.patch(f"/api/v1/villages/{village.id}/station", "co-a1",
                     json={"has_ledger": True}).status_code == 403


def test_an_import_with_bad_cells_writes_nothing_and_names_each_cell(
        api: Api, world: World) -> None:
    content = _xlsx([[world.villages["a1"].code, "站", "村委会", "是", "是", "是", "是", "也许"],
                     [world.villages["b1"].code, "站", "村委会", "是", "是", "是", "是", "是"],
                     ["12345", "站", "村委会", "是", "是", "是", "是", "否"]])
    checked = _upload(api, "ts-a", content, "stations.xlsx", dry_run=True)
    assert checked.status_code == 200 and not checked.json["valid"]
    where = {(e["row"], e["column"].split("（")[0]) for e in checked.json["errors"]}
    assert where == {(2, "H"), (3, "村"), (4, "A")}
    refused = _upload(api, "ts-a", content, "stations.xlsx", dry_run=False)
    assert refused.status_code == 422 and refused.json["code"] == "import_rejected"
    assert ServiceStation.get(ServiceStation.village == world.villages["a1"]).has_ledger


def test_a_valid_csv_imports_every_station_of_the_township(api: Api, world: World) -> None:
    lines = [",".join(HEADERS)] + [
        f"{world.villages[key].code},{key}站,村委会,是,是,否,是,是" for key in ("a1", "a2")]
    content = ("\n".join(lines) + "\n").encode("utf-8-sig")
    dry = _upload(api, "ts-a", content, "stations.csv", dry_run=True).json
    assert dry["valid"] and not dry["imported"] and dry["stations"] == 2
    assert ServiceStation.get(ServiceStation.village == world.villages["a1"]).has_place
    done = _upload(api, "ts-a", content, "stations.csv", dry_run=False)
    assert done.status_code == 200 and done.json["imported"], done.json
    assert not ServiceStation.get(ServiceStation.village == world.villages["a2"]).has_place
    assert AuditEntry.select().where(AuditEntry.action == "station.imported").count() == 2
    assert not _item("station_elements")["passed"]


def test_the_allowance_standard_reads_the_payments_of_the_month(api: Api, world: World) -> None:
    item = _item("coordinator_allowance")
    assert not item["passed"] and item["actual"] == 0
    assert sorted(item["detail"]) == ["A1村协管员2026-11补贴未发放", "A2村协管员2026-11补贴未发放"]
    for key in ("co-a1", "co-a2"):
        paid = api.post("/api/v1/allowance-payments", "ts-a", json={
            "coordinator_id": world.staff[key].id, "month": PERIOD, "paid_on": "2026-12-05"})
        assert paid.status_code == 201, paid.json
        assert paid.json["amount_fen"] == 50_000
    item = _item("coordinator_allowance")
    assert item["passed"] and item["actual"] == 50_000
    again = api.post("/api/v1/allowance-payments", "ts-a", json={
        "coordinator_id": world.staff["co-a1"].id, "month": PERIOD, "paid_on": "2026-12-06"})
    assert again.status_code == 409 and again.json["code"] == "allowance_already_paid"
    other_township = api.post("/api/v1/allowance-payments", "ts-b", json={
        "coordinator_id": world.staff["co-a1"].id, "month": "2026-10", "paid_on": "2026-11-05"})
    assert other_township.status_code == 404
    early = api.post("/api/v1/allowance-payments", "ts-a", json={
        "coordinator_id": world.staff["co-a1"].id, "month": "2026-10", "paid_on": "2026-09-30"})
    assert early.status_code == 422 and early.json["code"] == "paid_before_month"
    listed = api.get(f"/api/v1/allowance-payments?month={PERIOD}", "ts-a").json
    assert {p["coordinator_id"] for p in listed} == {world.staff["co-a1"].id,
                                                      world.staff["co-a2"].id}
    assert api.get("/api/v1/allowance-payments", "ts-b").json == []
