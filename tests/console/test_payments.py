"""The payroll page: a township's month with every row and its status, the two downloads, and
recording the bank's payment — scoped as the API is."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.models import AuditEntry, BenefitPayment
from tests.applications.conftest import Clock, approve_through_workflow, filing  # noqa: F401
from tests.conftest import Api


def _approved(api: Api, clock: Clock, filing: Callable[..., dict[str, Any]]) -> None:  # noqa: F811
    filed = api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    approve_through_workflow(api, filed.json["id"], clock, benefit_fen=60_000)


def test_the_office_reads_the_month_downloads_it_and_records_the_payment(
    signed_in: Any, api: Api, clock: Clock, filing: Callable[..., dict[str, Any]]  # noqa: F811
) -> None:
    _approved(api, clock, filing)
    browser = signed_in("ts-a")
    page = browser.get("/console/payments?month=2026-04")
    text = page.get_data(as_text=True)
    assert page.status_code == 200 and "对象a1" in text and "待发放" in text
    assert "¥600.00" in text and "确认 1 条已发放" in text
    township = api.world.townships["a"].id
    workbook = browser.client.get(
        f"/console/payments/payroll.xlsx?township_id={township}&month=2026-04")
    assert workbook.status_code == 200 and workbook.data[:2] == b"PK"
    refused = browser.post("/console/payments/paid", {"township_id": township, "month": "2026-04",
                                                       "paid_on": "2026-04-05"}, csrf=False)
    assert refused.status_code == 400 and not BenefitPayment.select().where(
        BenefitPayment.status == "paid").exists()
    paid = browser.post("/console/payments/paid", {"township_id": township, "month": "2026-04",
                                                    "paid_on": "2026-04-05"})
    assert paid.status_code == 302
    after = browser.get(paid.headers["Location"]).get_data(as_text=True)
    assert "已发放（2026年4月5日）" in after and "已将 1 条发放记录记为已发放" in after
    assert AuditEntry.select().where(AuditEntry.action == "payments.paid").count() == 1


def test_another_townships_payroll_is_not_found_and_a_bad_month_is_said(signed_in: Any,
                                                                         world: Any) -> None:
    browser = signed_in("ts-b")
    other = browser.get(f"/console/payments?township_id={world.townships['a'].id}")
    assert other.status_code == 404
    bad = browser.get("/console/payments?month=2026-13")
    assert bad.status_code == 422 and "月份格式应为 2026-03" in bad.get_data(as_text=True)
    assert signed_in("sw-a1").get("/console/payments").status_code == 403
