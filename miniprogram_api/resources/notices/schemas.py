"""The public notice (公示) as the village reads it, and a resident's objection."""

from __future__ import annotations

from marshmallow import fields, validate

from backend.commands.notices import ObjectToNotice
from miniprogram_api.extensions import CommandSchema, Int, QueryInt, Schema


class NoticeQueryArgsSchema(Schema):
    """Which village's board to read."""

    village_id = QueryInt(required=True, metadata={"description": "村（社区）编号（见 GET /villages）"})


class NoticeSchema(Schema):
    """One running notice; the applicant's name is masked, nothing else personal is shown."""

    id = Int(metadata={"description": "公示编号（提出异议时使用）"})
    reference = fields.String(metadata={"description": "办件编号"})
    name = fields.String(metadata={"description": "申请人姓名（已脱敏，如 张*明）"})
    service_code = fields.String(metadata={"description": "服务事项代码"})
    service_name = fields.String(metadata={"description": "服务事项名称"})
    household_size = Int(metadata={"description": "家庭人口数（申请人及共同生活家庭成员）"})
    proposed_benefit_fen = Int(allow_none=True, metadata={"description": "拟救助（保障）金额（分/月）；尚未核定为空"})
    started_on = fields.Date(metadata={"description": "公示开始日期"})
    ends_on = fields.Date(metadata={"description": "公示截止日期（含当日）"})
    village_id = Int(metadata={"description": "村（社区）编号"})
    village_name = fields.String(metadata={"description": "村（社区）名称"})
    township_name = fields.String(metadata={"description": "乡镇（街道）名称"})
    township_phone = fields.String(allow_none=True, metadata={"description": "乡镇民政办电话（对公示有异议可来电反映）"})


class NoticeObjectionCreateSchema(CommandSchema):
    """A resident's objection to a running notice."""

    command = ObjectToNotice

    reason = fields.String(required=True, validate=validate.Length(1, 1000), metadata={"description": "异议理由：认为不符合条件的事实（如家中有车辆、收入不实）"})


class NoticeObjectionSchema(Schema):
    """The objection as recorded."""

    id = Int(metadata={"description": "异议编号"})
    notice_id = Int(attribute="application_id", metadata={"description": "公示编号"})
    reason = fields.String(attribute="content", metadata={"description": "异议理由"})
    raised_at = fields.DateTime(metadata={"description": "提出时间（UTC）"})
    resolved = fields.Method("_resolved", metadata={"description": "是否已处理（处理前该申请不能审批）"})

    def _resolved(self, objection: object) -> bool:
        return getattr(objection, "resolved_at", None) is not None
