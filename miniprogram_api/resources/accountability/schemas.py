"""Named accountability (强化责任追究): who holds a stage, reassigning it, the head's standing
choice, and the city's queue of stages late past its threshold."""

from __future__ import annotations

from marshmallow import fields, validate

from backend.models.accountability import HoldingRule
from miniprogram_api.extensions import Int, Schema

_RULES = "、".join(f"{rule.value} {rule.label}" for rule in HoldingRule)


class StageHolderSchema(Schema):
    """The named person holding an application's open stage."""

    application_id = Int(metadata={"description": "申请编号"})
    stage = fields.String(metadata={"description": "环节代码"})
    started_on = fields.Date(metadata={"description": "环节开始日期"})
    holder_id = Int(allow_none=True, metadata={"description": "责任人账号编号（空：该环节角色无人在岗）"})
    holder_name = fields.Function(lambda row: row.holder.name if row.holder_id else None, allow_none=True, metadata={"description": "责任人姓名"})
    rule = fields.String(metadata={"description": f"如何确定的责任人：{_RULES}"})
    assigned_at = fields.DateTime(metadata={"description": "指定时间"})


class ReassignSchema(Schema):
    """Hand the stage to another named person."""

    staff_id = Int(required=True, metadata={"description": "新责任人：负责该环节角色、管辖该申请的在岗人员账号编号"})
    reason = fields.String(load_default="", validate=validate.Length(0, 500), metadata={"description": "改派原因（记入审计）"})


class StageRuleSchema(Schema):
    """The township head's standing choice for a stage."""

    staff_id = Int(required=True, allow_none=True, metadata={"description": "该环节今后的责任人账号编号；null 恢复为按在岗人员轮派"})


class StageRuleAnswerSchema(Schema):
    """The standing choice as it now stands."""

    township_id = Int(metadata={"description": "乡镇编号"})
    stage = fields.String(metadata={"description": "环节代码"})
    holder_id = Int(allow_none=True, metadata={"description": "指定的责任人账号编号；空为按在岗人员轮派"})


class CityQueueEntrySchema(Schema):
    """A stage late past the city's threshold, still open."""

    application_id = Int(metadata={"description": "申请编号"})
    reference = fields.String(metadata={"description": "受理编号"})
    township_code = fields.String(metadata={"description": "乡镇代码"})
    stage = fields.String(metadata={"description": "环节代码"})
    stage_label = fields.String(metadata={"description": "环节"})
    due_on = fields.Date(metadata={"description": "办理期限"})
    city_escalated_on = fields.Date(metadata={"description": "报市民政局日期"})
    holder_id = Int(allow_none=True, metadata={"description": "责任人账号编号"})
    holder_name = fields.String(allow_none=True, metadata={"description": "责任人姓名"})
    head_id = Int(allow_none=True, metadata={"description": "已告知的乡镇负责人账号编号"})
    head_name = fields.String(allow_none=True, metadata={"description": "乡镇负责人姓名"})
