"""WeChat's content-security verdicts on what residents send: flagged texts and checked images."""

from __future__ import annotations

import peewee as pw

from backend.models.accounts import Resident
from backend.models.base import Labelled, TimestampedModel

# The texts checked, as staff read their names beside a flag ("" is an image).
FIELD_LABELS = {"reason": "理由", "assets_note": "财产说明", "address": "地址",
                "withdraw_reason": "撤回理由", "evaluation_comment": "评价内容",
                "content": "诉求内容", "rating_comment": "评价内容", "": "图片"}


class CheckStatus(Labelled):
    """Where a check stands; everything but ``pass`` is shown to staff."""

    PENDING = ("pending", "待微信识别")
    PASS = ("pass", "未见风险")
    REVIEW = ("review", "微信建议人工复核")
    RISKY = ("risky", "微信判定违规")
    UNCHECKED = ("unchecked", "未能识别，请人工复核")


class ContentCheck(TimestampedModel):
    """One check of one resident's text or image, by what it belongs to (``subject``, id).

    Texts are recorded only when not plainly passed (a risky text is refused, so never stored).
    Images are recorded from the upload on: pending until WeChat's push, then its verdict; a
    risky image is withdrawn (``withdrawn_at``) and no longer served.
    """

    subject = pw.CharField(max_length=24)  # grievance, application, grievance_photo, ...
    subject_id = pw.IntegerField()
    field = pw.CharField(max_length=24, default="")  # which text of the subject ("" for images)
    kind = pw.CharField(max_length=8)  # text | media
    area_code = pw.CharField(max_length=12, index=True)  # whose scope sees it
    resident = pw.ForeignKeyField(Resident, null=True, backref="content_checks",
                                  on_delete="SET NULL")
    scene = pw.IntegerField()  # WeChat's scene: 1 资料, 2 评论, 3 论坛, 4 社交日志
    status = pw.CharField(max_length=10, index=True)  # a CheckStatus
    label = pw.IntegerField(null=True)  # WeChat's label (100 normal, 20002 porn, ...)
    trace_id = pw.CharField(max_length=64, null=True, unique=True)
    note = pw.CharField(max_length=200, default="")  # why, in Chinese, for owner and staff
    withdrawn_at = pw.DateTimeField(null=True)

    @property
    def status_label(self) -> str:
        """The status as staff read it."""
        return CheckStatus(self.status).label

    @property
    def field_label(self) -> str:
        """What was checked, as staff read it."""
        return FIELD_LABELS.get(self.field, self.field)

    class Meta:
        table_name = "content_check"
        indexes = ((("subject", "subject_id"), False),)
