"""Complaints and requests (诉求): what filing takes, the answer, the rating, what people read."""

from __future__ import annotations

from typing import Any

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from backend import content_checks
from backend.commands.grievances import FileGrievance, RateGrievance, ResolveGrievance
from backend.models.grievances import GRIEVANCE_LEVELS, GRIEVANCE_STATUSES, GRIEVANCE_SUBJECTS
from miniprogram_api.extensions import CommandSchema, Int, Schema

_SUBJECTS = "、".join(f"{code} {label}" for code, label in GRIEVANCE_SUBJECTS.items())


class GrievanceCreateSchema(CommandSchema):
    """A resident's complaint or request; name the one thing it is about."""

    command = FileGrievance

    subject = fields.String(required=True, validate=validate.OneOf(list(GRIEVANCE_SUBJECTS)), metadata={"description": f"诉求对象：{_SUBJECTS}"})
    content = fields.String(required=True, validate=validate.Length(1, 2000), metadata={"description": "诉求内容：发生了什么、希望怎样解决"})
    application_id = Int(load_default=None, metadata={"description": "对象为办件时：自己的申请编号"})
    visit_id = Int(load_default=None, metadata={"description": "对象为上门探访时：探访记录编号"})
    staff_id = Int(load_default=None, metadata={"description": "对象为工作人员时：工作人员编号（见办件、预约上的经办人）"})
    village_id = Int(load_default=None, metadata={"description": "对象为其他事项时：所涉村（社区）编号"})


class GrievanceQueryArgsSchema(Schema):
    """Filters for the grievance list."""

    status = fields.String(validate=validate.OneOf(list(GRIEVANCE_STATUSES)), metadata={"description": "状态：open 办理中、resolved 已答复"})


class GrievanceResolveSchema(CommandSchema):
    """The answer to a grievance."""

    command = ResolveGrievance

    resolution = fields.String(required=True, validate=validate.Length(1, 2000), metadata={"description": "答复内容：查明的情况和处理结果（将发送给群众）"})


class GrievanceRateSchema(CommandSchema):
    """The resident's rating of the answer."""

    command = RateGrievance

    rating = Int(required=True, validate=validate.Range(1, 5), metadata={"description": "评价：1 非常不满意 … 5 非常满意"})
    comment = fields.String(load_default="", validate=validate.Length(0, 1000), metadata={"description": "评价内容"})


class GrievancePhotoFileSchema(Schema):
    """The uploaded photo (multipart/form-data)."""

    file = Upload(required=True, metadata={"description": "JPEG 或 PNG 照片；类型按内容识别，不看文件名"})


class GrievancePhotoSchema(Schema):
    """A photo attached to a grievance (the image itself: GET …/photos/{photo_id})."""

    id = Int(metadata={"description": "照片编号"})
    content_type = fields.String(metadata={"description": "类型：image/jpeg 或 image/png"})
    size_bytes = Int(metadata={"description": "大小（字节）"})
    created_at = fields.DateTime(metadata={"description": "上传时间（UTC）"})
    withdrawn_reason = fields.Function(
        lambda photo: content_checks.withdrawn_reason("grievance_photo", photo.id),
        allow_none=True, metadata={"description": "经微信内容安全识别判定违规而撤下的原因；"
                                                  "未撤下为 null（撤下的照片不再提供）"})


class GrievanceSchema(Schema):
    """A grievance as the resident who filed it, or staff in scope, read it."""

    id = Int(metadata={"description": "诉求编号"})
    reference = fields.String(metadata={"description": "诉求受理编号（SS 开头）"})
    subject = fields.String(metadata={"description": f"诉求对象代码：{_SUBJECTS}"})
    subject_label = fields.Method("_subject_label", metadata={"description": "诉求对象"})
    application_id = Int(allow_none=True, metadata={"description": "所涉申请编号"})
    visit_id = Int(allow_none=True, metadata={"description": "所涉探访记录编号"})
    staff_id = Int(attribute="subject_staff_id", allow_none=True, metadata={"description": "所涉工作人员编号"})
    village_id = Int(allow_none=True, metadata={"description": "所涉村（社区）编号（其他事项）"})
    area_code = fields.String(metadata={"description": "所属区划代码（决定由哪个乡镇办理）"})
    content = fields.String(metadata={"description": "诉求内容"})
    status = fields.String(metadata={"description": "状态代码：open 办理中、resolved 已答复"})
    status_label = fields.Method("_status_label", metadata={"description": "状态"})
    level = fields.String(metadata={"description": "当前办理层级：township 乡镇民政办、township_head 乡镇民政办负责人（超期督办）、city 市民政局（再次超期）"})
    level_label = fields.Method("_level_label", metadata={"description": "当前办理层级"})
    owner_name = fields.Method("_owner_name", metadata={"description": "承办人"})
    due_on = fields.Date(metadata={"description": "答复期限"})
    resolution = fields.String(allow_none=True, metadata={"description": "答复内容"})
    resolved_at = fields.DateTime(allow_none=True, metadata={"description": "答复时间（UTC）"})
    rating = Int(allow_none=True, metadata={"description": "群众评价（1–5）；未评价为空"})
    rating_comment = fields.String(metadata={"description": "评价内容"})
    photos = fields.Method("_photos", metadata={"description": "所附照片"})
    created_at = fields.DateTime(metadata={"description": "提交时间（UTC）"})

    def _subject_label(self, grievance: Any) -> str:
        return GRIEVANCE_SUBJECTS.get(grievance.subject, grievance.subject)

    def _status_label(self, grievance: Any) -> str:
        return GRIEVANCE_STATUSES.get(grievance.status, grievance.status)

    def _level_label(self, grievance: Any) -> str:
        return GRIEVANCE_LEVELS.get(grievance.level, grievance.level)

    def _owner_name(self, grievance: Any) -> str | None:
        return grievance.owner.name if grievance.owner_id else None

    def _photos(self, grievance: Any) -> list[dict[str, Any]]:
        return GrievancePhotoSchema(many=True).dump(list(grievance.photos))
