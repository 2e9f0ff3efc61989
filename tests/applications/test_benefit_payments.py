"""Benefit payments: approval schedules the months, a re-review changes or stops them, the
township's payroll shows it (XLSX and the bank's CSV), residents read their own."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from backend import runtime
from backend.models import Application, BenefitPayment, PiiAccess
from backend.permissions import SYSTEM
from backend.services import applications, benefit_payments, supervision
from tests.applications.conftest import Clock, approve_through_workflow
from tests.conftest import Api
from tests.factories import id_number

Filing = Callable[..., dict[str, Any]]


def _approved(api: Api, clock: Clock, filing: Filing, benefit_fen: int = 60_000) -> int:
    """Client a1 (linked to res-owner) approved for 低保 in March 2026; the application id."""
    filed = api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    assert filed.status_code == 201, filed.json
    approve_through_workflow(api, filed.json["id"], clock, benefit_fen=benefit_fen)
    return int(filed.json["id"])


def _decide_re_review(api: Api, clock: Clock, **approval: Any) -> tuple[str, str]:
    """A year on, the re-review opens and is decided: (month before, month of the decision)."""
    (due,) = [a.next_re_review_on for a in Application.select() if a.next_re_review_on]
    clock.day = due
    (review,) = applications.open_due_re_reviews(clock.day, actor=SYSTEM)
    approve_through_workflow(api, review.id, clock, **approval)
    decided = benefit_payments.month_start(clock.day)
    return f"{benefit_payments.add_months(decided, -1):%Y-%m}", f"{decided:%Y-%m}"


def _months(api: Api, who: str, **query: Any) -> dict[str, tuple[int, str]]:
    listed = api.get("/api/v1/payments", who, query_string={"page_size": 100, **query})
    assert listed.status_code == 200, listed.json
    return {p["month"]: (p["amount_fen"], p["status"]) for p in listed.json}


def _payroll_rows(api: Api, month: str, **query: Any) -> Any:
    township = api.world.townships["a"].id
    answer = api.get("/api/v1/payments/payroll", "ts-a",
                     query_string={"township_id": township, "month": month, **query})
    assert answer.status_code == 200, answer.data[:200]
    return answer


def _xlsx_statuses(api: Api, month: str) -> list[tuple[str, Any, str]]:
    book = load_workbook(io.BytesIO(_payroll_rows(api, month).data), read_only=True)
    rows = list(book.active.iter_rows(values_only=True))
    return [(r[2], r[6], r[7]) for r in rows[1:-1]]  # name, paid amount, status


def _bank_rows(api: Api, month: str) -> list[list[str]]:
    content = _payroll_rows(api, month, format="bank_csv").data.decode("gb18030")
    return list(csv.reader(io.StringIO(content)))


def test_approval_schedules_a_payment_each_month_from_its_month_to_the_re_review(
    api: Api, clock: Clock, filing: Filing
) -> None:
    app_id = _approved(api, clock, filing)
    months = _months(api, "res-owner")
    assert sorted(months)[0] == "2026-03" and sorted(months)[-1] == "2027-03"
    assert len(months) == 13 and set(months.values()) == {(60_000, "scheduled")}
    assert all(p.application_id == app_id for p in BenefitPayment.select())
    assert _months(api, "res-other") == {}  # not linked to the client: sees nothing
    assert _months(api, "ts-b") == {}  # another township's office: out of scope
    assert len(_months(api, "ts-a", month="2026-05")) == 1


def test_a_re_review_that_stops_a_benefit_stops_its_payments_from_that_month(
    api: Api, clock: Clock, filing: Filing
) -> None:
    _approved(api, clock, filing)
    before, stopped = _decide_re_review(api, clock, outcome="stop", comment="收入超标，停发")
    months = _months(api, "res-owner")
    assert months[before] == (60_000, "scheduled")
    assert months[stopped] == (60_000, "stopped")
    assert max(months) == stopped  # nothing scheduled after the stop
    assert _xlsx_statuses(api, before) == [("对象a1", 600, "待发放")]
    assert _xlsx_statuses(api, stopped) == [("对象a1", 0, "已停发")]
    assert len(_bank_rows(api, before)) == 2  # header and the client
    assert _bank_rows(api, stopped) == [["序号", "户名", "证件类型", "证件号码", "金额", "摘要"]]


def test_a_re_review_that_changes_the_amount_carries_it_to_the_next_re_review(
    api: Api, clock: Clock, filing: Filing
) -> None:
    _approved(api, clock, filing)
    before, changed = _decide_re_review(api, clock, outcome="change", benefit_fen=48_000,
                                        comment="调整")
    months = _months(api, "res-owner")
    assert months[before] == (60_000, "scheduled")
    assert months[changed] == months[max(months)] == (48_000, "scheduled")
    assert len([m for m in months if m >= changed]) == 13


def test_paid_months_stay_paid_when_a_later_re_review_stops_the_benefit(
    api: Api, clock: Clock, filing: Filing
) -> None:
    _approved(api, clock, filing)
    township, last = api.world.townships["a"].id, "2027-03"
    paid = api.post("/api/v1/payments/payroll/paid", "ts-a", json={
        "township_id": township, "month": last, "paid_on": "2027-03-05"})
    assert paid.status_code == 200 and paid.json["paid"] == 1
    _, stopped = _decide_re_review(api, clock, outcome="stop", comment="停发")
    assert stopped == last and _months(api, "res-owner")[last] == (60_000, "paid")
    elsewhere = api.post("/api/v1/payments/payroll/paid", "ts-b", json={
        "township_id": township, "month": last, "paid_on": "2027-03-05"})
    assert elsewhere.status_code == 404


def test_the_bank_file_follows_the_configured_layout_and_logs_each_id_number_read(
    api: Api, clock: Clock, filing: Filing, tmp_path: Path
) -> None:
    _approved(api, clock, filing)
    layout = {"format": "bank_payroll/1", "encoding": "utf-8", "delimiter": "|", "columns": [
        {"header": "ACCT_NAME", "field": "name"}, {"header": "CERT_NO", "field": "id_number"},
        {"header": "AMT", "field": "amount_fen"}, {"header": "CUR", "value": "CNY"}]}
    path = tmp_path / "bank.json"
    path.write_text(json.dumps(layout), encoding="utf-8")
    settings = runtime.settings()
    runtime.configure(replace(settings, bank_payroll_layout=str(path)))
    try:
        content = _payroll_rows(api, "2026-04", format="bank_csv").data.decode()
    finally:
        runtime.configure(settings)
    assert content.splitlines() == ["ACCT_NAME|CERT_NO|AMT|CUR", f"对象a1|{id_number(1)}|60000|CNY"]
    logged = PiiAccess.select().where(PiiAccess.purpose == "bank_payroll")
    assert [(a.entity, a.field) for a in logged] == [("client", "id_number")]


@pytest.mark.parametrize(("who", "status"), [("ts-b", 404), ("res-owner", 403),
                                              ("sw-a1", 403), ("city-admin", 200)])
def test_only_the_office_in_scope_downloads_a_townships_payroll(
    api: Api, world: Any, who: str, status: int
) -> None:
    answer = api.get("/api/v1/payments/payroll", who, query_string={
        "township_id": world.townships["a"].id, "month": "2026-03"})
    assert answer.status_code == status


def test_the_payment_totals_count_by_township_and_service(
    api: Api, clock: Clock, filing: Filing
) -> None:
    _approved(api, clock, filing)
    before, stopped = _decide_re_review(api, clock, outcome="stop", comment="停发")
    both = supervision.parse_period(before).start, supervision.parse_period(stopped).end
    totals = benefit_payments.totals_by_township_and_service(*both, api.world.townships.values())
    assert totals == [{"township_code": "410184001", "township_name": "测试A镇",
                       "service_code": "subsistence_allowance", "service_name": "城乡最低生活保障",
                       "payments": 1, "paid_fen": 0, "scheduled_fen": 60_000, "stopped": 1}]
    bulletin = api.get("/api/v1/supervision/reports/monthly", "city-admin",
                       query_string={"period": stopped}).json
    assert bulletin["benefit_payments"] == [{**totals[0], "payments": 0, "scheduled_fen": 0}]
    circulated = api.get("/api/v1/supervision/reports/monthly", "city-admin",
                         query_string={"period": before, "format": "xlsx"})
    sheet = load_workbook(io.BytesIO(circulated.data))["救助金发放"]
    assert list(sheet.iter_rows(min_row=2, values_only=True)) == [
        ("410184001", "测试A镇", "城乡最低生活保障", 1, 0, 600, 0),
        (None, "全市合计", None, 1, 0, 600, 0)]
