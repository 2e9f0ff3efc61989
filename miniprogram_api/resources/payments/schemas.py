"""Benefit payments: a month's row as people read it, the list's filters, the payroll's choices."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from backend.models.payments import PAYMENT_STATUSES
from backend.services.benefit_payments import service_name
from miniprogram_api.extensions import Int, QueryInt, Schema

MONTH = validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$", error="月份格式应为 2026-03")
_STATUSES = "、".join(f"{code} {label}" for code, label in PAYMENT_STATUSES.items())


class PaymentSchema(Schema):
    """One month's payment of a benefit."""

    id = Int(metadata={"description": "发放记录编号"})
    client_id = Int(metadata={"description": "服务对象编号"})
    client_name = fields.Function(lambda p: p.client.name, metadata={"description": "服务对象姓名"})
    service_code = fields.String(metadata={"description": "救助项目代码（如 subsistence_allowance）"})
    service_name = fields.Function(lambda p: service_name(p.service_code), metadata={"description": "救助项目名称"})
    month = fields.Function(lambda p: f"{p.month:%Y-%m}", metadata={"description": "发放月份（2026-03）"})
    amount_fen = Int(metadata={"description": "核定金额（分）"})
    status = fields.String(metadata={"description": f"状态：{_STATUSES}"})
    status_label = fields.Function(lambda p: PAYMENT_STATUSES[p.status], metadata={"description": "状态（中文）"})
    paid_on = fields.Date(allow_none=True, metadata={"description": "发放日期（已发放时）"})
    application_id = Int(metadata={"description": "决定本月金额的办件编号（审批或复核）"})
    area_code = fields.String(metadata={"description": "服务对象所在村（社区）区划代码"})


class PaymentQueryArgsSchema(Schema):
    """Filters for the payment list."""

    month = fields.String(validate=MONTH, metadata={"description": "只看某月：2026-03"})
    client_id = QueryInt(validate=validate.Range(min=1), metadata={"description": "只看某个服务对象（工作人员，或本人关联的对象）"})


class PayrollQueryArgsSchema(Schema):
    """Which township's payroll, for which month, in which file."""

    township_id = QueryInt(required=True, validate=validate.Range(min=1), metadata={"description": "乡镇编号"})
    month = fields.String(required=True, validate=MONTH, metadata={"description": "发放月份：2026-03"})
    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "bank_csv"]), metadata={"description": "xlsx 发放花名册（含停发，身份证号脱敏）/ bank_csv 银行代发文件（仅应发，按配置的银行格式，含完整身份证号，逐条记录查阅）"})


class PayrollPaidSchema(Schema):
    """The bank has paid a township's month."""

    township_id = Int(required=True, validate=validate.Range(min=1), metadata={"description": "乡镇编号"})
    month = fields.String(required=True, validate=MONTH, metadata={"description": "发放月份：2026-03"})
    paid_on = fields.Date(required=True, metadata={"description": "银行发放日期"})


class PayrollPaidResultSchema(Schema):
    """What marking a payroll paid changed."""

    township_id = Int(metadata={"description": "乡镇编号"})
    month = fields.String(metadata={"description": "发放月份"})
    paid = Int(metadata={"description": "本次记为已发放的条数"})


def payroll_paid_result(township_id: int, month: str, paid: list[Any]) -> dict[str, Any]:
    """The answer to marking a payroll paid."""
    return {"township_id": township_id, "month": month, "paid": len(paid)}
