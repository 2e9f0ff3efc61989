"""The household economic check as staff read it: people, income by source, assets, finding."""

from __future__ import annotations

from marshmallow import fields, validate

from backend.services.household_checks import FINDINGS
from miniprogram_api.extensions import Int, Schema

_FINDINGS = "、".join(f"{code} {label}" for code, label in FINDINGS.items())


class CheckPersonSchema(Schema):
    """One person of the household and their monthly income."""

    member_no = Int(metadata={"description": "序号：0 为申请人"})
    name = fields.String(metadata={"description": "姓名"})
    relation = fields.String(metadata={"description": "与申请人关系（申请人为 applicant）"})
    id_masked = fields.String(metadata={"description": "身份证号（脱敏）"})
    declared_income_fen = Int(metadata={"description": "申报月收入（分）"})
    verified_income_fen = Int(metadata={"description": "部门数据核实的月收入（分）"})
    assessed_income_fen = Int(metadata={"description": "认定月收入（分）：申报与核实中较高者"})


class IncomeSourceSchema(Schema):
    """One source of a person's monthly income."""

    source = fields.String(metadata={"description": "来源：declared 本人申报，或部门代码"})
    source_label = fields.String(metadata={"description": "来源（中文）"})
    id_masked = fields.String(metadata={"description": "身份证号（脱敏）"})
    monthly_income_fen = Int(metadata={"description": "月收入（分）"})


class MatchedRecordSchema(Schema):
    """A department's row that matched a household member, and where it came from."""

    record_id = Int(metadata={"description": "部门数据记录编号"})
    department = fields.String(metadata={"description": "部门代码"})
    department_label = fields.String(metadata={"description": "部门名称"})
    kind = fields.String(metadata={"description": "数据类别代码"})
    kind_label = fields.String(metadata={"description": "数据类别"})
    id_masked = fields.String(metadata={"description": "身份证号（脱敏）"})
    monthly_income_fen = Int(allow_none=True, metadata={"description": "月收入（分），收入类数据"})
    value_fen = Int(allow_none=True, metadata={"description": "价值或余额（分），市场主体注册资本、公积金余额"})
    details = fields.Dict(metadata={"description": "该行其他各列（按表头），如房屋坐落、号牌号码"})
    filename = fields.String(metadata={"description": "来源文件名"})
    row_number = Int(metadata={"description": "来源文件中的行号"})
    imported_at = fields.DateTime(metadata={"description": "导入时间"})


class AssetsSchema(Schema):
    """The household's assets, each with its source."""

    housing = fields.List(fields.Nested(MatchedRecordSchema), metadata={"description": "房产（住建）"})
    vehicle = fields.List(fields.Nested(MatchedRecordSchema), metadata={"description": "机动车（车管）"})
    business = fields.List(fields.Nested(MatchedRecordSchema), metadata={"description": "市场主体登记（市场监管）"})
    provident_fund = fields.List(fields.Nested(MatchedRecordSchema), metadata={"description": "住房公积金（公积金中心）"})
    household = fields.List(fields.Nested(MatchedRecordSchema), metadata={"description": "户籍登记（公安）"})
    declared_assets_fen = Int(metadata={"description": "申报的家庭财产（含存款）总值（分）"})
    assets_note = fields.String(metadata={"description": "申报的家庭财产说明"})


class RecordedCheckSchema(Schema):
    """What the verification stage recorded."""

    finding = fields.String(metadata={"description": f"结论：{_FINDINGS}"})
    finding_label = fields.String(metadata={"description": "结论（中文）"})
    per_capita_income_fen = Int(metadata={"description": "登记时的家庭人均月收入（分）"})
    threshold_fen = Int(metadata={"description": "登记时适用的低保标准（分/人·月）"})
    comment = fields.String(metadata={"description": "核查意见"})
    recorded_at = fields.DateTime(metadata={"description": "登记时间"})
    recorded_by_name = fields.String(metadata={"description": "登记人"})


class HouseholdCheckSchema(Schema):
    """The household economic check (家庭经济状况核对) of an application."""

    application_id = Int(metadata={"description": "申请编号"})
    reference = fields.String(metadata={"description": "办件编号"})
    members = fields.List(fields.Nested(CheckPersonSchema), metadata={"description": "家庭成员（含申请人）"})
    household_size = Int(metadata={"description": "家庭人口数"})
    income_by_source = fields.List(fields.Nested(IncomeSourceSchema), metadata={"description": "收入来源明细"})
    assets = fields.Nested(AssetsSchema, metadata={"description": "家庭财产，按类别，注明来源"})
    matched_records = fields.List(fields.Nested(MatchedRecordSchema), metadata={"description": "匹配到的全部部门数据及其来源（各部门只取最近一次导入）"})
    household_income_fen = Int(metadata={"description": "家庭认定月收入合计（分）"})
    per_capita_income_fen = Int(metadata={"description": "家庭人均月收入（分）"})
    area_kind = fields.String(metadata={"description": "urban 城市（居委会）/ rural 农村（村）"})
    area_kind_label = fields.String(metadata={"description": "城乡类别"})
    threshold_fen = Int(metadata={"description": "适用的低保标准（分/人·月）"})
    standard_effective_from = fields.Date(metadata={"description": "所用标准版本的生效日期"})
    standard_title = fields.String(metadata={"description": "所用标准版本"})
    finding = fields.String(metadata={"description": f"结论：{_FINDINGS}"})
    finding_label = fields.String(metadata={"description": "结论（中文）"})
    recorded = fields.Nested(RecordedCheckSchema, allow_none=True, metadata={"description": "核查环节已登记的结果；未登记为空"})


class HouseholdCheckRecordSchema(Schema):
    """Recording the check at the verification stage."""

    comment = fields.String(load_default="", validate=validate.Length(0, 2000), metadata={"description": "核查意见"})
