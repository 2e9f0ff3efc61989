"""Benefit payments (救助金发放): the monthly rows decisions write, payrolls and totals.

An approval writes one row per month from its own month up to the month its re-review falls
due (a benefit without a re-review, such as 临时救助, is paid once). A re-review's outcome
rewrites the rows from its month: ``continue`` and ``change`` carry the (new) amount on to the
next re-review, ``stop`` stops every row not yet paid. Paid rows are history and never change.

A township's payroll for a month downloads as XLSX (every row, stopped ones marked, ID numbers
masked) and as the bank's CSV (only rows to pay, ID numbers in clear, each one access-logged),
laid out as ``fixtures/bank_payroll_layout.json`` says or the file named by the
``bank_payroll_layout`` setting.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from typing import Any, cast

import peewee as pw

from backend import audit, outbox, runtime, workflows
from backend.db import db
from backend.errors import ValidationFailed
from backend.models import (
    Application,
    BenefitPayment,
    Client,
    ClientContact,
    PaymentStatus,
    Township,
    Village,
    utcnow,
)
from backend.models.applications import ReReviewOutcome
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services.clients import decrypt_logged

DEFAULT_LAYOUT = Path(__file__).resolve().parent.parent / "fixtures" / "bank_payroll_layout.json"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# What a bank layout's column may take from a payroll row (or give a fixed "value").
LAYOUT_FIELDS = ("sequence", "name", "id_number", "amount_yuan", "amount_fen", "month",
                 "service", "service_name", "village_name", "memo")


def month_start(day: date) -> date:
    """The first day of the day's month: how a payment's month is stored."""
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month ``count`` months after ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def parse_month(text: str) -> date:
    """A month from ``2026-03``, or a 422 naming the field."""
    try:
        year, month = text.split("-")
        return date(int(year), int(month), 1)
    except ValueError:
        raise ValidationFailed("月份格式应为 2026-03", code="bad_month",
                               errors={"month": [f"无法识别：{text}"]}) from None


def _months_granted(application: Application, first: date) -> list[date]:
    """The months a decision pays: to its re-review's month, or only its own month."""
    if application.next_re_review_on is None:
        return [first]
    last = month_start(application.next_re_review_on)
    count = (last.year - first.year) * 12 + last.month - first.month + 1
    return [add_months(first, n) for n in range(max(count, 1))]


def _open_rows(application: Application, first: date) -> pw.ModelSelect[BenefitPayment]:
    return BenefitPayment.select().where(
        BenefitPayment.client == application.client_id,
        BenefitPayment.service_code == application.service_code,
        BenefitPayment.month >= first, BenefitPayment.status != PaymentStatus.PAID)


def schedule_for_decision(application: Application, day: date, *, actor: Actor) -> None:
    """Write the payments an approval or re-review decides, from the month of ``day`` on.

    Called inside the decision's transaction (``grant_benefit``); one audit row for the change.
    """
    if application.client_id is None:
        return
    first = month_start(day)
    if application.outcome == ReReviewOutcome.STOP:
        stopped = (BenefitPayment.update(status=PaymentStatus.STOPPED, application=application,
                                         updated_at=utcnow())
                   .where(BenefitPayment.id.in_(_open_rows(application, first)
                                                .select(BenefitPayment.id)))
                   .execute())
        _record(application, actor, "payments.stopped", first, stopped, None)
        return
    if application.benefit_fen is None:
        return
    months = _months_granted(application, first)
    existing = {row.month: row for row in BenefitPayment.select().where(
        BenefitPayment.client == application.client_id,
        BenefitPayment.service_code == application.service_code,
        BenefitPayment.month.in_(months))}
    for month in months:
        row = existing.get(month)
        if row is None:
            BenefitPayment.create(client=application.client_id, application=application,
                                  service_code=application.service_code,
                                  area_code=application.area_code, month=month,
                                  amount_fen=application.benefit_fen)
        elif row.status != PaymentStatus.PAID:
            row.amount_fen, row.status = application.benefit_fen, PaymentStatus.SCHEDULED
            row.application, row.updated_at = application, utcnow()
            row.save()
    _record(application, actor, "payments.scheduled", first, len(months),
            application.benefit_fen)


def _record(application: Application, actor: Actor, action: str, first: date, rows: int,
            amount_fen: int | None) -> None:
    audit.record(actor=actor, action=action, entity="benefit_payment_schedule",
                 entity_id=application.id,
                 changes={"from_month": [None, f"{first:%Y-%m}"], "rows": [None, rows],
                          "amount_fen": [None, amount_fen]})
    outbox.emit(action, application_id=application.id, client_id=application.client_id)


# --- reading -----------------------------------------------------------------------------

def visible_payments(*, actor: Actor, month: date | None = None,
                     client_id: int | None = None) -> pw.ModelSelect[BenefitPayment]:
    """A resident's own (and linked family's) payments, or staff's in scope, newest first."""
    require(actor, "payments.read")
    query = BenefitPayment.select()
    if actor.is_resident:
        linked = ClientContact.select(ClientContact.client).where(
            ClientContact.resident == actor.id)
        query = query.where(BenefitPayment.client.in_(linked))
    else:
        query = scoped(query, BenefitPayment.area_code, actor)
    if month is not None:
        query = query.where(BenefitPayment.month == month)
    if client_id is not None:
        query = query.where(BenefitPayment.client == client_id)
    return query.order_by(BenefitPayment.month.desc(), BenefitPayment.id)


@dataclass(frozen=True)
class PayrollLine:
    """One row of a township's monthly payroll, as the files show it."""

    payment: BenefitPayment
    client: Client
    village: Village

    @property
    def payable_fen(self) -> int:
        """What the bank pays this month: nothing for a stopped row."""
        return 0 if self.payment.status == PaymentStatus.STOPPED else self.payment.amount_fen


def payroll(township_id: int, month: date, *, actor: Actor) -> tuple[Township, list[PayrollLine]]:
    """A township's payroll rows of a month, by village and client (发放花名册)."""
    require(actor, "payments.payroll")
    township = get_scoped(Township, township_id, Township.code, actor)
    rows = (BenefitPayment.select(BenefitPayment, Client, Village)
            .join(Client).join(Village)
            .where(BenefitPayment.area_code.startswith(township.code),
                   BenefitPayment.month == month)
            .order_by(Village.code, Client.name, BenefitPayment.service_code))
    return township, [PayrollLine(row, row.client, row.client.village) for row in rows]


def service_name(code: str) -> str:
    """A service's Chinese name from the guide (the code itself if the guide lacks it)."""
    return str(workflows.service(code)["name"]) if code in workflows.guide()["services"] else code


def payroll_xlsx(township_id: int, month: date, *, actor: Actor) -> tuple[bytes, str, str]:
    """The payroll as a workbook: every row with its status, ID numbers masked."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    township, lines = payroll(township_id, month, actor=actor)
    book = Workbook()
    sheet = book.active
    sheet.title = f"{month:%Y-%m}发放花名册"
    sheet.append(["序号", "村（社区）", "姓名", "身份证号", "救助项目", "核定金额（元）",
                  "实发金额（元）", "状态"])
    for number, line in enumerate(lines, start=1):
        sheet.append([number, line.village.name, line.client.name,
                      line.client.id_number_masked, service_name(line.payment.service_code),
                      line.payment.amount_fen / 100, line.payable_fen / 100,
                      PaymentStatus(line.payment.status).label])
    sheet.append(["合计", "", "", "", "", "", sum(line.payable_fen for line in lines) / 100, ""])
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return (buffer.getvalue(), XLSX_MEDIA_TYPE,
            f"payroll-{township.code}-{month:%Y-%m}.xlsx")


@cache
def _layout_from(path: str) -> dict[str, Any]:
    layout: dict[str, Any] = json.loads(Path(path).read_text(encoding="utf-8"))
    unknown = [c["field"] for c in layout["columns"]
               if "field" in c and c["field"] not in LAYOUT_FIELDS]
    if layout.get("format") != "bank_payroll/1" or unknown:
        raise ValueError(f"银行代发格式文件有误：{path} {unknown}")
    return layout


def bank_layout() -> dict[str, Any]:
    """The bank's CSV layout in force: the configured file, else the shipped example."""
    return _layout_from(runtime.settings().bank_payroll_layout or str(DEFAULT_LAYOUT))


def payroll_bank_csv(township_id: int, month: date, *, actor: Actor) -> tuple[bytes, str, str]:
    """The bank's file: only rows to pay, in its layout; each ID number read is access-logged."""
    layout = bank_layout()
    township, lines = payroll(township_id, month, actor=actor)
    text = io.StringIO()
    writer = csv.writer(text, delimiter=layout.get("delimiter", ","))
    writer.writerow([column["header"] for column in layout["columns"]])
    to_pay = [line for line in lines if line.payable_fen]
    for number, line in enumerate(to_pay, start=1):
        values = _bank_values(number, line, month, actor)
        writer.writerow([column.get("value", values.get(column.get("field", ""), ""))
                         for column in layout["columns"]])
    content = text.getvalue().encode(layout.get("encoding", "utf-8"))
    return content, "text/csv", f"bank-{township.code}-{month:%Y-%m}.csv"


def _bank_values(number: int, line: PayrollLine, month: date, actor: Actor) -> dict[str, Any]:
    service = service_name(line.payment.service_code)
    return {"sequence": number, "name": line.client.name,
            "id_number": decrypt_logged(line.client, "id_number", "bank_payroll", actor=actor),
            "amount_yuan": f"{line.payable_fen / 100:.2f}", "amount_fen": line.payable_fen,
            "month": f"{month:%Y-%m}", "service": line.payment.service_code,
            "service_name": service, "village_name": line.village.name,
            "memo": f"{month:%Y年%m月}{service}"}


def mark_payroll_paid(township_id: int, month: date, paid_on: date, *,
                      actor: Actor) -> list[BenefitPayment]:
    """Record that the bank paid a township's month: scheduled rows become paid; audited."""
    require(actor, "payments.mark_paid")
    with db.atomic():
        _, lines = payroll(township_id, month, actor=actor)
        paid = [line.payment for line in lines if line.payment.status == PaymentStatus.SCHEDULED]
        for payment in paid:
            payment.status, payment.paid_on, payment.updated_at = (
                PaymentStatus.PAID, paid_on, utcnow())
            payment.save()
        audit.record(actor=actor, action="payments.paid", entity="township",
                     entity_id=township_id,
                     changes={"month": [None, f"{month:%Y-%m}"], "rows": [None, len(paid)]})
    return paid


# --- supervision ---------------------------------------------------------------------------

def totals_by_township_and_service(first: date, last: date,
                                   townships: Iterable[Township]) -> list[dict[str, Any]]:
    """Payments of the months from ``first`` to ``last`` per township and service (fen)."""
    query = (BenefitPayment.select(
                pw.fn.SUBSTR(BenefitPayment.area_code, 1, 9).alias("township_code"),
                BenefitPayment.service_code, BenefitPayment.status,
                pw.fn.COUNT(BenefitPayment.id).alias("rows"),
                pw.fn.SUM(BenefitPayment.amount_fen).alias("amount_fen"))
            .where(BenefitPayment.month.between(month_start(first), last))
            .group_by(pw.fn.SUBSTR(BenefitPayment.area_code, 1, 9),
                      BenefitPayment.service_code, BenefitPayment.status))
    # peewee's stubs type dicts() rows as models
    rows = cast(Iterable[dict[str, Any]], query.dicts())
    names = {t.code: t.name for t in townships}
    totals: dict[tuple[str, str], dict[str, Any]] = {}
    for row in rows:
        key = (row["township_code"], row["service_code"])
        entry = totals.setdefault(key, {
            "township_code": key[0], "township_name": names.get(key[0], key[0]),
            "service_code": key[1], "service_name": service_name(key[1]),
            "payments": 0, "paid_fen": 0, "scheduled_fen": 0, "stopped": 0})
        if row["status"] == PaymentStatus.STOPPED:
            entry["stopped"] += row["rows"]
            continue
        entry["payments"] += row["rows"]
        entry["paid_fen" if row["status"] == PaymentStatus.PAID else "scheduled_fen"] += int(
            row["amount_fen"])
    return [totals[key] for key in sorted(totals)]
