"""Benefit payments (救助金发放): residents their own, the office its scope and payrolls."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, g, send_file
from flask.views import MethodView

from backend.models import Client
from backend.services import benefit_payments
from miniprogram_api.extensions import Blueprint, PeeweePage

from .schemas import (
    PaymentQueryArgsSchema,
    PaymentSchema,
    PayrollPaidResultSchema,
    PayrollPaidSchema,
    PayrollQueryArgsSchema,
    payroll_paid_result,
)

blp = Blueprint("payments", __name__, url_prefix="/api/v1/payments",
                description="救助金发放：按月发放记录、乡镇发放花名册与银行代发文件")
XLSX = benefit_payments.XLSX_MEDIA_TYPE
_BINARY = {"schema": {"type": "string", "format": "binary"}}


class PaymentPage(PeeweePage):
    """A page of payments with their clients in one more query."""

    prefetch = (Client,)


@blp.route("")
class Payments(MethodView):
    """Monthly benefit payments."""

    @blp.permission("payments.read", errors=(422,))
    @blp.arguments(PaymentQueryArgsSchema, location="query")
    @blp.response(200, PaymentSchema(many=True))
    @blp.paginate(PaymentPage)
    def get(self, args: dict[str, Any]) -> Any:
        """Your own payments (resident) or those in your scope, newest month first (发放记录)."""
        month = args.get("month")
        return benefit_payments.visible_payments(
            actor=g.actor, client_id=args.get("client_id"),
            month=benefit_payments.parse_month(month) if month else None)


@blp.route("/payroll")
class Payroll(MethodView):
    """A township's monthly payroll file."""

    @blp.permission("payments.payroll", errors=(404, 422))
    @blp.arguments(PayrollQueryArgsSchema, location="query")
    @blp.response(200)
    @blp.doc(responses={"200": {"description": "发放花名册（XLSX）或银行代发文件（CSV）",
                                "content": {XLSX: _BINARY, "text/csv": _BINARY}}})
    def get(self, args: dict[str, Any]) -> Response:
        """Download a township's payroll of a month, as XLSX or the bank's CSV (发放花名册)."""
        month = benefit_payments.parse_month(args["month"])
        build = (benefit_payments.payroll_bank_csv if args["format"] == "bank_csv"
                 else benefit_payments.payroll_xlsx)
        content, media_type, name = build(args["township_id"], month, actor=g.actor)
        return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                         download_name=name, max_age=0)


@blp.route("/payroll/paid")
class PayrollPaid(MethodView):
    """Recording that the bank paid a payroll."""

    @blp.permission("payments.mark_paid", errors=(404, 422))
    @blp.arguments(PayrollPaidSchema)
    @blp.response(200, PayrollPaidResultSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Mark a township's month paid: its scheduled rows become paid (确认发放)."""
        paid = benefit_payments.mark_payroll_paid(
            data["township_id"], benefit_payments.parse_month(data["month"]), data["paid_on"],
            actor=g.actor)
        return payroll_paid_result(data["township_id"], data["month"], paid)



