"""Bookings in and out: preferred dates with windows, decisions, proposals."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from backend.commands.bookings import (
    ApproveBooking,
    Decision,
    PreferredDate,
    ProposeBookingDate,
    RejectBooking,
    RequestBooking,
    SetWorkerShift,
)
from backend.models.visits import BOOKING_STATUSES, VISIT_KINDS, WINDOWS
from miniprogram_api.extensions import CommandSchema, Int, QueryInt, Schema

_KIND_HELP = "；".join(f"{code} {label}" for code, label in VISIT_KINDS.items())
_WINDOW_HELP = "；".join(f"{code} {label}" for code, label in WINDOWS.items())
_STATUS_HELP = "；".join(f"{code} {label}" for code, label in BOOKING_STATUSES.items())


class PreferredDateSchema(CommandSchema):
    """One preferred date and time window."""

    command = PreferredDate

    date = fields.Date(required=True, metadata={"description": "期望日期（明天起30天内）"})
    window = fields.String(validate=validate.OneOf(list(WINDOWS)), allow_none=True,
                           metadata={"description": f"时段：{_WINDOW_HELP}"})
    start = fields.Time(allow_none=True, metadata={"description": "自定时段开始（HH:MM）"})
    end = fields.Time(allow_none=True, metadata={"description": "自定时段结束（HH:MM）"})


class BookingCreateSchema(CommandSchema):
    """What asking for a home visit takes."""

    command = RequestBooking

    client_id = Int(load_default=None, metadata={"description": "服务对象编号（本人或家庭成员）；与 application_id 二选一"})
    application_id = Int(load_default=None, metadata={"description": "上门办理（doorstep_service）所为的申请编号：协管员为本村申请人预约上门，申请人不必已是服务对象；与 client_id 二选一"})
    kind = fields.String(required=True, validate=validate.OneOf(list(VISIT_KINDS)),
                         metadata={"description": f"探访类型：{_KIND_HELP}"})
    preferred = fields.List(fields.Nested(PreferredDateSchema), required=True,
                            validate=validate.Length(1, 5),
                            metadata={"description": "期望日期与时段（1至5个）"})
    reason = fields.String(load_default="", validate=validate.Length(0, 1000),
                           metadata={"description": "预约事由"})
    contact_name = fields.String(load_default="", validate=validate.Length(0, 50),
                                 metadata={"description": "联系人"})
    contact_phone = fields.String(load_only=True, allow_none=True,
                                  validate=validate.Length(0, 20),
                                  metadata={"description": "联系电话（加密保存，返回时脱敏）"})

    def make_command(self, data: dict[str, Any]) -> RequestBooking:
        """The request, its preferred dates kept in the order given."""
        return RequestBooking(**{**data, "preferred": tuple(data["preferred"])})


class PreferredOutSchema(Schema):
    """A stored preference."""

    date = fields.String(metadata={"description": "期望日期"})
    window = fields.String(metadata={"description": "时段"})
    start = fields.String(allow_none=True, metadata={"description": "自定开始"})
    end = fields.String(allow_none=True, metadata={"description": "自定结束"})


class BookingSchema(Schema):
    """A booking as its requester and staff see it."""

    id = Int(metadata={"description": "预约编号"})
    client_id = Int(allow_none=True, metadata={"description": "服务对象编号；为尚未登记的申请人上门办理时为空"})
    application_id = Int(allow_none=True, metadata={"description": "上门办理所为的申请编号；其他预约为空"})
    person_name = fields.String(metadata={"description": "上门对象姓名（服务对象或申请人）"})
    township_id = Int(metadata={"description": "乡镇编号"})
    area_code = fields.String(metadata={"description": "所在村（居）区划代码"})
    kind = fields.String(metadata={"description": f"探访类型：{_KIND_HELP}"})
    status = fields.String(metadata={"description": f"状态：{_STATUS_HELP}"})
    preferred = fields.List(fields.Nested(PreferredOutSchema),
                            metadata={"description": "期望日期与时段"})
    reason = fields.String(metadata={"description": "预约事由"})
    contact_name = fields.String(metadata={"description": "联系人"})
    contact_phone = fields.String(attribute="contact_phone_masked", allow_none=True,
                                  metadata={"description": "联系电话（已脱敏）"})
    scheduled_date = fields.Date(allow_none=True, metadata={
        "description": "安排（或建议）的日期"})
    scheduled_window = fields.String(allow_none=True, metadata={"description": "安排的时段"})
    scheduled_start = fields.Time(allow_none=True, metadata={"description": "自定时段开始"})
    scheduled_end = fields.Time(allow_none=True, metadata={"description": "自定时段结束"})
    decision_reason = fields.String(allow_none=True, metadata={"description": "审核意见"})
    decided_at = fields.DateTime(allow_none=True, metadata={"description": "审核时间（UTC）"})
    cancel_reason = fields.String(allow_none=True, metadata={"description": "取消原因"})
    arrival_start = fields.DateTime(allow_none=True, metadata={
        "description": "排线后预计到达窗口开始（UTC）"})
    arrival_end = fields.DateTime(allow_none=True, metadata={
        "description": "排线后预计到达窗口结束（UTC）"})
    created_at = fields.DateTime(metadata={"description": "提交时间（UTC）"})
    updated_at = fields.DateTime(metadata={"description": "最近变化时间（UTC）"})


class BookingQueryArgsSchema(Schema):
    """Filters for the booking list."""

    status = fields.String(validate=validate.OneOf(list(BOOKING_STATUSES)),
                           metadata={"description": f"状态：{_STATUS_HELP}"})
    client_id = QueryInt(metadata={"description": "服务对象编号"})
    township_id = QueryInt(metadata={"description": "乡镇编号"})
    date = fields.Date(metadata={"description": "安排日期"})


class BookingDecisionSchema(CommandSchema):
    """Township staff's decision on a pending booking."""

    decision = fields.String(required=True, validate=validate.OneOf(["approve", "reject",
                                                                      "propose"]),
                             metadata={"description": "approve 同意 / reject 不予安排 / "
                                                      "propose 建议改期"})
    reason = fields.String(allow_none=True, validate=validate.Length(0, 1000),
                           metadata={"description": "意见（不予安排时必填）"})
    date = fields.Date(metadata={"description": "安排或建议的日期（同意时缺省取第一期望）"})
    window = fields.String(validate=validate.OneOf(list(WINDOWS)),
                           metadata={"description": f"时段：{_WINDOW_HELP}"})
    start = fields.Time(allow_none=True, metadata={"description": "自定时段开始"})
    end = fields.Time(allow_none=True, metadata={"description": "自定时段结束"})

    def make_command(self, data: dict[str, Any]) -> Decision:
        """The command the decision names; a refusal ignores any date sent with it."""
        decision = data.pop("decision")
        if decision == "reject":
            return RejectBooking(reason=data.get("reason"))
        return (ApproveBooking if decision == "approve" else ProposeBookingDate)(**data)


class ProposalResponseSchema(Schema):
    """The requester's answer to a proposed date."""

    accept = fields.Boolean(required=True, metadata={
        "description": "true 接受建议日期 / false 不接受（预约结束）"})


class BookingCancelSchema(Schema):
    """Withdrawing a booking."""

    reason = fields.String(allow_none=True, validate=validate.Length(0, 500),
                           metadata={"description": "取消原因"})


class AvailableDatesArgsSchema(Schema):
    """Which days to look at."""

    kind = fields.String(validate=validate.OneOf(list(VISIT_KINDS)),
                         metadata={"description": f"探访类型：{_KIND_HELP}"})
    days = QueryInt(load_default=14, validate=validate.Range(1, 30),
               metadata={"description": "从明天起查看的天数（1至30）"})


class WindowLoadSchema(Schema):
    """One window's places."""

    window = fields.String(metadata={"description": f"时段：{_WINDOW_HELP}"})
    capacity = Int(metadata={"description": "可预约名额"})
    used = Int(metadata={"description": "已占用"})
    free = Int(metadata={"description": "剩余名额"})


class AvailableDateSchema(Schema):
    """A day that still takes bookings."""

    date = fields.Date(metadata={"description": "日期"})
    windows = fields.List(fields.Nested(WindowLoadSchema),
                          metadata={"description": "尚有名额的时段"})


class DayOffCreateSchema(Schema):
    """A day a social worker is away."""

    day = fields.Date(required=True, metadata={"description": "休息日期"})
    reason = fields.String(load_default="", validate=validate.Length(0, 100),
                           metadata={"description": "原因（请假、培训等）"})


class DayOffSchema(Schema):
    """A recorded day off."""

    id = Int(metadata={"description": "编号"})
    worker_id = Int(metadata={"description": "社工编号"})
    day = fields.Date(metadata={"description": "休息日期"})
    reason = fields.String(metadata={"description": "原因"})


class ShiftSchema(CommandSchema):
    """A social worker's hours on one weekday."""

    command = SetWorkerShift

    worker_id = Int(dump_only=True, metadata={"description": "社工编号"})
    weekday = Int(dump_only=True, metadata={"description": "星期：0 周一 … 6 周日"})
    start = fields.Time(required=True, metadata={"description": "上班时间（HH:MM）"})
    end = fields.Time(required=True, metadata={"description": "下班时间（HH:MM）"})
    lunch_start = fields.Time(allow_none=True, metadata={"description": "午休开始"})
    lunch_end = fields.Time(allow_none=True, metadata={"description": "午休结束"})
    is_working = fields.Boolean(load_default=True, metadata={"description": "当天是否上班"})
