"""Village service stations: the five elements (五有), their import, coordinators' allowances."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from backend.commands.stations import RecordAllowancePayment, UpdateStation
from miniprogram_api.extensions import CommandSchema, Int, QueryInt, Schema
from miniprogram_api.resources.supervision.schemas import ImportOutcomeSchema
from miniprogram_api.resources.townships.schemas import StationSchema


class StationUpdateSchema(CommandSchema):
    """Changes to a station; omitted fields stay as they are."""

    command = UpdateStation

    sign = fields.String(validate=validate.Length(0, 100), metadata={"description": "站牌名称"})
    place = fields.String(validate=validate.Length(0, 200), metadata={"description": "办公场所"})
    has_person = fields.Boolean(metadata={"description": "有专人"})
    has_sign = fields.Boolean(metadata={"description": "有牌子"})
    has_place = fields.Boolean(metadata={"description": "有场所"})
    has_rules = fields.Boolean(metadata={"description": "有制度"})
    has_ledger = fields.Boolean(metadata={"description": "有台帐"})


class StationDetailSchema(StationSchema):
    """A village's service station and its five elements (五有), with its village."""

    village_id = Int(metadata={"description": "村（社区）编号"})


class StationImportFileSchema(Schema):
    """The uploaded file (multipart/form-data)."""

    file = Upload(required=True, metadata={"description": "XLSX（工作表“服务站”或第一张表）或 CSV；列：村（社区）代码、站牌名称、办公场所、有专人（是/否）、有牌子、有场所、有制度、有台帐"})


class StationImportReportSchema(ImportOutcomeSchema):
    """What the station import found and whether it wrote anything."""

    stations = Int(metadata={"description": "服务站行数"})
    villages = fields.List(fields.String(), metadata={"description": "涉及的村（社区）代码"})


class AllowancePaymentCreateSchema(CommandSchema):
    """One month's allowance paid to a coordinator."""

    command = RecordAllowancePayment

    coordinator_id = Int(required=True, metadata={"description": "协管员账号编号"})
    month = fields.String(required=True, validate=validate.Regexp(r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$", error="月份格式应为 2026-11"), metadata={"description": "所发月份，如 2026-11"})
    paid_on = fields.Date(required=True, metadata={"description": "发放日期（不早于所发月份）"})
    amount_fen = Int(load_default=None, validate=validate.Range(0, 10_000_000), metadata={"description": "金额（分），不填按该协管员的补贴标准"})


class AllowanceQueryArgsSchema(Schema):
    """Filters for the allowance payments."""

    month = fields.String(validate=validate.Regexp(r"^(19|20|21)\d{2}-(0[1-9]|1[0-2])$", error="月份格式应为 2026-11"), metadata={"description": "月份，如 2026-11"})
    coordinator_id = QueryInt(metadata={"description": "协管员账号编号"})


class AllowancePaymentSchema(Schema):
    """An allowance payment."""

    id = Int(metadata={"description": "发放记录编号"})
    coordinator_id = Int(metadata={"description": "协管员账号编号"})
    village_id = Int(allow_none=True, metadata={"description": "村（社区）编号"})
    township_id = Int(metadata={"description": "乡镇编号"})
    month = fields.String(metadata={"description": "所发月份"})
    amount_fen = Int(metadata={"description": "金额（分）"})
    paid_on = fields.Date(metadata={"description": "发放日期"})
    created_at = fields.DateTime(metadata={"description": "登记时间"})
