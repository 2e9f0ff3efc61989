"""A township's monthly payroll of benefit payments (救助金发放花名册): pick the township and
month, read every row with its status, download the workbook or the bank's file, and record
that the bank paid — the same services as the API's ``/payments`` routes."""

from __future__ import annotations

import io
from datetime import date

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from backend.errors import ValidationFailed
from backend.models import Township
from backend.models.payments import PAYMENT_STATUSES
from backend.permissions import require, scoped
from backend.services import benefit_payments
from backend.services.care_plans import local_today
from console import forms


def _choice(source: dict[str, str], errors: forms.FormErrors) -> tuple[list[Township], int, date]:
    """The townships the actor may pick, the one picked (the first by default) and the month."""
    townships = list(scoped(Township.select(), Township.code, g.actor).order_by(Township.code))
    raw_township = str(source.get("township_id", ""))
    township_id = int(raw_township) if raw_township.isdigit() else (
        townships[0].id if townships else 0)
    month = benefit_payments.month_start(local_today())
    try:
        month = benefit_payments.parse_month(str(source.get("month") or f"{month:%Y-%m}"))
    except ValidationFailed as exc:
        errors["month"] = exc.message
    return townships, township_id, month


def payroll_page() -> ResponseReturnValue:
    """The payroll of a township and month, with its downloads and the paid form."""
    require(g.actor, "payments.payroll")
    errors: forms.FormErrors = {}
    townships, township_id, month = _choice(request.args, errors)
    township, lines = benefit_payments.payroll(township_id, month, actor=g.actor)
    return render_template(
        "console/payments/payroll.html", townships=townships, township=township,
        month=f"{month:%Y-%m}", lines=lines, statuses=PAYMENT_STATUSES, errors=errors,
        total_fen=sum(line.payable_fen for line in lines),
        to_mark=sum(1 for line in lines if line.payment.status == "scheduled"),
        today=local_today()), 422 if errors else 200


def download(file_format: str) -> ResponseReturnValue:
    """The payroll as the XLSX roster or the bank's CSV."""
    require(g.actor, "payments.payroll")
    errors: forms.FormErrors = {}
    _, township_id, month = _choice(request.args, errors)
    if errors:
        raise ValidationFailed(errors["month"], code="bad_month")
    build = (benefit_payments.payroll_bank_csv if file_format == "csv"
             else benefit_payments.payroll_xlsx)
    content, media_type, name = build(township_id, month, actor=g.actor)
    return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                     download_name=name, max_age=0)


def mark_paid() -> ResponseReturnValue:
    """Record the bank's payment of the month: its scheduled rows become paid (audited)."""
    require(g.actor, "payments.mark_paid")
    errors: forms.FormErrors = {}
    _, township_id, month = _choice(request.form, errors)
    paid_on = forms.day(request.form, "paid_on", errors)
    if paid_on is None:
        errors.setdefault("paid_on", "请填写银行发放日期")
    if errors or paid_on is None:
        flash("；".join(errors.values()), "error")
    else:
        paid = benefit_payments.mark_payroll_paid(township_id, month, paid_on, actor=g.actor)
        flash(f"已将 {len(paid)} 条发放记录记为已发放（{paid_on:%Y-%m-%d}），已记入审计", "info")
    return redirect(url_for("console.payroll", township_id=township_id, month=f"{month:%Y-%m}"))


def register(blueprint: Blueprint) -> None:
    """The payroll page, its two downloads and recording a payment."""
    blueprint.add_url_rule("/payments", "payroll", payroll_page)
    blueprint.add_url_rule("/payments/payroll.<any(xlsx, csv):file_format>", "payroll_file",
                           download)
    blueprint.add_url_rule("/payments/paid", "payroll_paid", mark_paid, methods=["POST"])
