"""Training and yearly assessment per person: records, the year's summary, the import."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from backend.models.accounts import STAFF_ROLES
from backend.models.training import ASSESSMENT_GRADES, TRAINING_KINDS
from miniprogram_api.extensions import Int, QueryInt, Schema
from miniprogram_api.resources.supervision.schemas import ImportOutcomeSchema, ImportQueryArgsSchema

_KINDS = "、".join(f"{code} {label}" for code, label in TRAINING_KINDS.items())
_GRADES = "、".join(f"{code} {label}" for code, label in ASSESSMENT_GRADES.items())

__all__ = ["ImportQueryArgsSchema", "PersonYearSchema", "TrainingFileSchema",
           "TrainingImportReportSchema", "TrainingQueryArgsSchema", "TrainingRecordSchema",
           "TrainingSummaryArgsSchema", "TrainingTemplateArgsSchema"]


class TrainingRecordSchema(Schema):
    """One training a staff member attended."""

    id = Int(metadata={"description": "培训记录编号"})
    person_id = Int(metadata={"description": "工作人员编号"})
    person_name = fields.Function(lambda r: r.person.name, metadata={"description": "工作人员姓名"})
    starts_on = fields.Date(metadata={"description": "开始日期"})
    ends_on = fields.Date(metadata={"description": "结束日期"})
    days = fields.Float(metadata={"description": "培训天数（可为半天）"})
    kind = fields.String(metadata={"description": f"培训类型：{_KINDS}"})
    kind_label = fields.Function(lambda r: TRAINING_KINDS.get(r.kind, r.kind), metadata={"description": "培训类型（中文）"})
    organiser = fields.String(metadata={"description": "组织单位"})


class TrainingQueryArgsSchema(Schema):
    """Filters for the training records."""

    year = QueryInt(validate=validate.Range(2000, 2100), metadata={"description": "开始日期所在年度"})
    person_id = QueryInt(validate=validate.Range(min=1), metadata={"description": "只看某位工作人员"})


class TrainingSummaryArgsSchema(Schema):
    """Which year."""

    year = QueryInt(required=True, validate=validate.Range(2000, 2100), metadata={"description": "年度，如 2026"})


class PersonYearSchema(Schema):
    """One person's training days and assessment in a year."""

    person_id = Int(attribute="person.id", metadata={"description": "工作人员编号"})
    name = fields.String(attribute="person.name", metadata={"description": "姓名"})
    role = fields.String(attribute="person.role", metadata={"description": f"角色：{'、'.join(f'{k} {v}' for k, v in STAFF_ROLES.items())}"})
    area_code = fields.String(attribute="person.area_code", metadata={"description": "所属区划代码"})
    days = fields.Float(metadata={"description": "本年度培训天数合计"})
    grade = fields.String(allow_none=True, metadata={"description": f"年度考核结果：{_GRADES}；未考核为空"})
    grade_label = fields.Function(lambda p: ASSESSMENT_GRADES.get(p.grade or "", None), allow_none=True, metadata={"description": "年度考核结果（中文）"})


class TrainingFileSchema(Schema):
    """The uploaded file."""

    file = Upload(required=True, metadata={"description": "培训与考核 .xlsx（工作表“培训记录”“年度考核”）或 .csv（其中之一）"})


class TrainingImportReportSchema(ImportOutcomeSchema):
    """What the training import found and did."""

    training_records = Int(metadata={"description": "培训记录行数"})
    assessments = Int(metadata={"description": "年度考核行数"})
    people = Int(metadata={"description": "涉及人数"})


class TrainingTemplateArgsSchema(Schema):
    """Template format."""

    format = fields.String(load_default="xlsx", validate=validate.OneOf(["xlsx", "csv"]), metadata={"description": "xlsx（含培训记录、年度考核与填写说明）或 csv（仅培训记录）"})
