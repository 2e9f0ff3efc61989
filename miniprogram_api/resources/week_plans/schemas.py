"""The week's plan in and out: the request, staff's pins, and the week by day and worker."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from backend.commands.planning import PinWeek, WeekPin
from backend.models.visits import VISIT_KINDS
from backend.models.week_plans import PLACEMENT_HELD, UNPLACED_REASONS
from backend.services.planning.week import WEEK_PATTERN
from miniprogram_api.extensions import CommandSchema, Int, QueryInt, Schema

_KIND_HELP = "；".join(f"{code} {label}" for code, label in VISIT_KINDS.items())
_REASON_HELP = "；".join(f"{code} {label}" for code, label in UNPLACED_REASONS.items())
_HELD_HELP = "；".join(f"{code} {label}" for code, label in PLACEMENT_HELD.items())
_WEEK_HELP = "ISO 周次，如 2026-W50（周一至周日）；只安排今天起30天内、尚未过去的日子"


def _week_field(**kwargs: Any) -> fields.String:
    return fields.String(validate=validate.Regexp(WEEK_PATTERN, error="周次格式应为 2026-W50"),
                         metadata={"description": _WEEK_HELP}, **kwargs)


class WeekPlanCreateSchema(Schema):
    """What planning a township's week takes."""

    township_id = Int(required=True, metadata={"description": "乡镇编号"})
    week = _week_field(required=True)


class WeekPlanQueryArgsSchema(Schema):
    """Which township's week to read (its latest version)."""

    township_id = QueryInt(required=True, metadata={"description": "乡镇编号"})
    week = _week_field(required=True)


class WeekPinSchema(CommandSchema):
    """One pin: a visit held on a day, or (day null) set free again."""

    command = WeekPin

    visit_key = fields.String(required=True, validate=validate.Length(1, 30), metadata={
        "description": "探访标识，如 care:5（定期探访）；预约的日期已与居民约定，不能固定到别的日子"})
    day = fields.Date(required=True, allow_none=True, metadata={
        "description": "固定到的日期（本周内、尚未过去、在探访期限内）；为空则取消固定"})


class WeekPinsSchema(CommandSchema):
    """Pins to apply before placing the week again (every other placement keeps its day)."""

    command = PinWeek

    pins = fields.List(fields.Nested(WeekPinSchema), required=True,
                       validate=validate.Length(1, 50),
                       metadata={"description": "固定或取消固定（1至50条），随后重新安排生成新版本"})

    def make_command(self, data: dict[str, Any]) -> PinWeek:
        """The pins, each already a ``WeekPin``, as the week's command."""
        return PinWeek(pins=tuple(data["pins"]))


class WeekPlanSchema(Schema):
    """A version of a township's week: its outcome in numbers."""

    id = Int(metadata={"description": "本周安排编号"})
    township_id = Int(metadata={"description": "乡镇编号"})
    week = fields.String(metadata={"description": "ISO 周次，如 2026-W50"})
    monday = fields.Date(metadata={"description": "该周周一的日期"})
    version = Int(metadata={"description": "该乡镇该周的版本号（从1起）"})
    pins = fields.Dict(keys=fields.String(), values=fields.String(), metadata={
        "description": "员工固定的探访：探访标识 → 日期（YYYY-MM-DD），带入之后每个版本"})
    keep_placements = fields.Boolean(metadata={
        "description": "是否沿用了上一版的安排（夜间任务只为有变化的探访重新安排）"})
    placed_count = Int(metadata={"description": "安排到某一天的探访数"})
    unplaced_count = Int(metadata={"description": "本周未能安排的探访数（原因见 unplaced）"})
    optimal = fields.Boolean(metadata={"description": "是否已证明为最优安排（否则为时限内找到的最好安排）"})
    solve_seconds = fields.Float(metadata={"description": "安排用时（秒）"})
    requested_by_kind = fields.String(metadata={"description": "发起者：staff 工作人员 / system 夜间任务"})
    created_at = fields.DateTime(metadata={"description": "生成时间（UTC）"})


class WeekClientSchema(Schema):
    """Whose visit it is."""

    id = Int(allow_none=True, metadata={"description": "服务对象编号；为尚未登记的申请人上门办理时为空"})
    name = fields.String(metadata={"description": "姓名（仅限本辖区工作人员查看）"})


class PlacementSchema(Schema):
    """A visit of the week: the day and worker(s) it was placed on, or why not."""

    visit_key = fields.String(metadata={"description": "探访标识，如 booking:12 或 care:5"})
    source = fields.String(metadata={"description": "来源：booking 预约 / care_visit 定期探访"})
    source_id = Int(metadata={"description": "预约或定期探访编号"})
    client = fields.Nested(WeekClientSchema, metadata={"description": "服务对象"})
    kind = fields.String(metadata={"description": f"探访类型：{_KIND_HELP}"})
    priority = fields.String(metadata={"description": (
        "优先级：urgent 预约（日期已定）/ overdue 已逾期 / due 期限在本周内 / optional 期限延至下周")})
    earliest = fields.Date(metadata={"description": "本周内可安排的最早日期"})
    latest = fields.Date(metadata={"description": "本周内可安排的最晚日期"})
    duration_minutes = Int(metadata={"description": "上门服务时长（分钟）"})
    workers_needed = Int(metadata={"description": "所需社工人数：1 或 2（须两名社工同行）"})
    day = fields.Date(allow_none=True, metadata={"description": "安排的日期；未能安排时为空"})
    worker_id = Int(allow_none=True, metadata={"description": "负责社工编号"})
    worker_name = fields.String(allow_none=True, metadata={"description": "负责社工姓名"})
    partner_worker_id = Int(allow_none=True, metadata={"description": "同行社工编号（双人探访）"})
    partner_worker_name = fields.String(allow_none=True, metadata={"description": "同行社工姓名"})
    held = fields.String(allow_none=True, metadata={"description": f"日期为何不变：{_HELD_HELP}"})
    pinned = fields.Boolean(metadata={"description": "是否被员工固定在该日"})
    reason = fields.String(allow_none=True, metadata={"description": f"未能安排的原因：{_REASON_HELP}"})


class WorkerWeekDaySchema(Schema):
    """One worker's day of the week: on duty or not, the visits and the time they take."""

    worker_id = Int(metadata={"description": "社工编号"})
    worker_name = fields.String(metadata={"description": "社工姓名"})
    on_duty = fields.Boolean(metadata={"description": "当日是否在岗"})
    load_minutes = Int(metadata={"description": "安排的工作量（分钟）：服务时长加每次上门的路程估计"})
    shift_minutes = Int(metadata={"description": "当日班次时长（分钟，含午休）；不在岗为0"})
    visits = fields.List(fields.Nested(PlacementSchema), metadata={"description": "当日安排的探访"})


class WeekDaySchema(Schema):
    """A day of the week."""

    date = fields.Date(metadata={"description": "日期"})
    visit_count = Int(metadata={"description": "当日安排的探访数"})
    workers = fields.List(fields.Nested(WorkerWeekDaySchema), metadata={"description": "各社工当日安排"})


class DayPlanRefSchema(Schema):
    """A day plan this version asked for (the days it changed)."""

    date = fields.Date(metadata={"description": "日期"})
    plan_id = Int(metadata={"description": "当日路线方案编号（GET /api/v1/plans/{id} 查看进度与路线）"})
    status = fields.String(metadata={"description": "当日路线状态：queued / running / done / failed"})


class WeekDetailSchema(Schema):
    """The week: its version, the days by worker, what was left out and why, the day plans."""

    plan = fields.Nested(WeekPlanSchema, metadata={"description": "本周安排的版本与摘要"})
    days = fields.List(fields.Nested(WeekDaySchema), metadata={"description": "周一至周日，各社工每天的探访"})
    placements = fields.List(fields.Nested(PlacementSchema), metadata={"description": "安排到某天的全部探访"})
    unplaced = fields.List(fields.Nested(PlacementSchema), metadata={"description": "本周未能安排的探访及原因"})
    day_plans = fields.List(fields.Nested(DayPlanRefSchema), metadata={
        "description": "本版本安排有变化的日子，已为其重新排出当日路线（经任务队列计算）"})
