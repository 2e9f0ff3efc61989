"""Other departments' data: their layouts, the uploaded file, what an import found."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields

from backend.services.department_data import LAYOUTS
from miniprogram_api.extensions import Int, Schema
from miniprogram_api.resources.supervision.schemas import ImportOutcomeSchema, ImportQueryArgsSchema

DEPARTMENTS = "、".join(f"{code} {layout.label}" for code, layout in LAYOUTS.items())

__all__ = ["DepartmentFileSchema", "DepartmentImportRecordSchema",
           "DepartmentImportReportSchema", "DepartmentSchema", "ImportQueryArgsSchema"]


class LayoutColumnSchema(Schema):
    """One column of a department's file."""

    header = fields.String(metadata={"description": "表头（第1行须与此完全一致）"})
    required = fields.Boolean(metadata={"description": "是否必填"})
    help = fields.String(metadata={"description": "填写说明"})


class DepartmentSchema(Schema):
    """A department and the layout of the file it sends."""

    code = fields.String(metadata={"description": f"部门代码：{DEPARTMENTS}"})
    label = fields.String(metadata={"description": "部门名称"})
    kind = fields.String(metadata={"description": "数据类别：income 收入、housing 房产、household 户籍、business 市场主体、provident_fund 公积金、vehicle 车辆"})
    kind_label = fields.String(metadata={"description": "数据类别（中文）"})
    columns = fields.List(fields.Nested(LayoutColumnSchema), metadata={"description": "文件各列（XLSX 的工作表名须为部门名称；CSV 为 UTF-8 或 GB18030）"})


class DepartmentFileSchema(Schema):
    """The uploaded file."""

    file = Upload(required=True, metadata={"description": "部门数据 .xlsx（工作表名为部门名称，如“人社”）或 .csv，表头见 GET /department-data"})


class UnmatchedRowSchema(Schema):
    """A row that matched no household member under check."""

    row = Int(metadata={"description": "行号（表头为第1行）"})
    id_masked = fields.String(metadata={"description": "身份证号（脱敏）"})
    message = fields.String(metadata={"description": "原因"})


class DepartmentImportReportSchema(ImportOutcomeSchema):
    """What a department file held and (unless a dry run) what was written (the matched rows;
    unmatched ones are kept on the import's record)."""

    department = fields.String(metadata={"description": "部门代码"})
    rows = Int(metadata={"description": "数据行数"})
    matched = Int(metadata={"description": "匹配到正在核查的家庭成员的行数"})
    unmatched = fields.List(fields.Nested(UnmatchedRowSchema), metadata={"description": "未匹配到任何人的行（导入时一并存档，不会被静默丢弃）"})
    batch_id = Int(allow_none=True, metadata={"description": "导入批次编号（已导入时）"})


class DepartmentImportRecordSchema(Schema):
    """A department file as imported, with the rows that matched no one."""

    id = Int(metadata={"description": "导入批次编号"})
    department = fields.String(metadata={"description": "部门代码"})
    filename = fields.String(metadata={"description": "文件名"})
    rows = Int(metadata={"description": "数据行数"})
    matched = Int(metadata={"description": "匹配上的行数"})
    unmatched = fields.List(fields.Nested(UnmatchedRowSchema), metadata={"description": "未匹配到任何人的行（身份证号脱敏）"})
    imported_by_id = Int(allow_none=True, metadata={"description": "导入人编号"})
    created_at = fields.DateTime(metadata={"description": "导入时间"})
