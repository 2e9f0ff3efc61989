"""Visit records and due care visits in and out."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from backend.commands.visits import CheckIn, CheckOut, MarkMissed
from backend.models.visits import MISSED_REASONS, VISIT_KINDS, VISIT_SERVICES
from miniprogram_api.extensions import CommandSchema, Int, QueryInt, Schema

_SERVICE_HELP = "；".join(f"{code} {label}" for code, label in VISIT_SERVICES.items())
_MISSED_HELP = "；".join(f"{code} {label}" for code, label in MISSED_REASONS.items())
_KIND_HELP = "；".join(f"{code} {label}" for code, label in VISIT_KINDS.items())


class CheckInSchema(CommandSchema):
    """Arriving at a client's door."""

    command = CheckIn

    booking_id = Int(allow_none=True, metadata={"description": "预约编号（与定期探访二选一）"})
    care_visit_id = Int(allow_none=True, metadata={"description": "定期探访编号"})
    lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90),
                       metadata={"description": "签到纬度（可选）"})
    lng = fields.Float(allow_none=True, validate=validate.Range(-180, 180),
                       metadata={"description": "签到经度（可选）"})


class CheckOutSchema(CommandSchema):
    """Leaving, with what was done."""

    command = CheckOut

    services = fields.List(fields.String(validate=validate.OneOf(list(VISIT_SERVICES))),
                           load_default=list, validate=validate.Length(0, 7),
                           metadata={"description": f"提供的服务：{_SERVICE_HELP}"})
    notes = fields.String(load_default="", validate=validate.Length(0, 5000),
                          metadata={"description": "探访记录"})
    follow_up_needed = fields.Boolean(load_default=False, metadata={"description": "是否需要跟进"})
    lat = fields.Float(allow_none=True, validate=validate.Range(-90, 90),
                       metadata={"description": "签退纬度（可选）"})
    lng = fields.Float(allow_none=True, validate=validate.Range(-180, 180),
                       metadata={"description": "签退经度（可选）"})

    def make_command(self, data: dict[str, Any]) -> CheckOut:
        """The check-out, its services as a tuple."""
        return CheckOut(**{**data, "services": tuple(data["services"])})


class MissedSchema(CommandSchema):
    """Why a visit did not happen."""

    command = MarkMissed

    reason = fields.String(required=True, validate=validate.OneOf(list(MISSED_REASONS)),
                           metadata={"description": f"未遇原因：{_MISSED_HELP}"})
    notes = fields.String(load_default="", validate=validate.Length(0, 2000),
                          metadata={"description": "说明"})


class VisitSchema(Schema):
    """A visit record."""

    id = Int(metadata={"description": "探访记录编号"})
    client_id = Int(allow_none=True, metadata={"description": "服务对象编号；为尚未登记的申请人上门办理时为空"})
    worker_id = Int(metadata={"description": "社工编号"})
    booking_id = Int(allow_none=True, metadata={"description": "预约编号"})
    care_visit_id = Int(allow_none=True, metadata={"description": "定期探访编号"})
    kind = fields.String(metadata={"description": f"探访类型：{_KIND_HELP}"})
    status = fields.String(metadata={"description": "in_progress 进行中 / completed 已完成 / "
                                                    "missed 未遇"})
    check_in_at = fields.DateTime(metadata={"description": "签到时间（UTC）"})
    check_in_distance_m = Int(allow_none=True, metadata={
        "description": "签到位置距住址（米，按大圆距离）"})
    check_out_at = fields.DateTime(allow_none=True, metadata={"description": "签退时间（UTC）"})
    check_out_distance_m = Int(allow_none=True, metadata={"description": "签退位置距住址（米）"})
    services = fields.List(fields.String(), metadata={"description": f"服务：{_SERVICE_HELP}"})
    notes = fields.String(metadata={"description": "探访记录"})
    follow_up_needed = fields.Boolean(metadata={"description": "需要跟进"})
    missed_reason = fields.String(allow_none=True, metadata={
        "description": f"未遇原因：{_MISSED_HELP}"})
    photo_ids = fields.Method("_photo_ids", metadata={"description": "照片编号"})

    def _photo_ids(self, visit: object) -> list[int]:
        return [photo.id for photo in visit.photos]  # type: ignore[attr-defined]


class PhotoFileSchema(Schema):
    """The uploaded photo (multipart/form-data)."""

    file = Upload(required=True, metadata={"description": "JPEG 或 PNG 照片；类型按内容识别"})


class VisitPhotoSchema(Schema):
    """A stored photo."""

    id = Int(metadata={"description": "照片编号"})
    visit_id = Int(metadata={"description": "探访记录编号"})
    content_type = fields.String(metadata={"description": "类型（按内容识别）"})
    size_bytes = Int(metadata={"description": "大小（字节）"})
    created_at = fields.DateTime(metadata={"description": "上传时间（UTC）"})


class VisitQueryArgsSchema(Schema):
    """Filters for visit records."""

    client_id = QueryInt(metadata={"description": "服务对象编号"})
    worker_id = QueryInt(metadata={"description": "社工编号"})


class CareVisitSchema(Schema):
    """A care visit that fell due."""

    id = Int(metadata={"description": "定期探访编号"})
    client_id = Int(metadata={"description": "服务对象编号"})
    township_id = Int(metadata={"description": "乡镇编号"})
    rule = fields.String(metadata={"description": "所依规则（服务对象类别或节日慰问）"})
    kind = fields.String(metadata={"description": f"探访类型：{_KIND_HELP}"})
    due_date = fields.Date(metadata={"description": "应探访日期"})
    earliest_date = fields.Date(metadata={"description": "最早可探访日期"})
    latest_date = fields.Date(metadata={"description": "最晚探访日期（之后即逾期）"})
    status = fields.String(metadata={"description": "due 待探访 / done 已完成"})
    is_overdue = fields.Boolean(metadata={"description": "已逾期"})
    required_skills = fields.List(fields.String(), metadata={"description": "所需技能"})


class CareVisitQueryArgsSchema(Schema):
    """Filters for due care visits."""

    status = fields.String(validate=validate.OneOf(["due", "overdue"]),
                           metadata={"description": "due 未逾期 / overdue 已逾期；缺省全部待探访"})
    worker_id = QueryInt(metadata={"description": "常用社工编号（看自己负责的对象）"})
