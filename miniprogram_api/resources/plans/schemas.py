"""Plans in and out: the request, the plan's status and progress, routes, stops and a map."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from backend.commands.planning import Adjustment, AdjustPlan
from backend.models.plans import (
    DROP_REASONS,
    PLAN_PROGRESS,
    PLAN_STATUSES,
    STOP_FIXED,
    TRAVEL_FALLBACK_REASONS,
    TRAVEL_SOURCES,
)
from backend.models.visits import VISIT_KINDS
from miniprogram_api.extensions import CommandSchema, Int, QueryInt, Schema

_STATUS_HELP = "；".join(f"{code} {label}" for code, label in PLAN_STATUSES.items())
_PROGRESS_HELP = "；".join(f"{code} {label}" for code, label in PLAN_PROGRESS.items())
_FIXED_HELP = "；".join(f"{code} {label}" for code, label in STOP_FIXED.items())
_DROP_HELP = "；".join(f"{code} {label}" for code, label in DROP_REASONS.items())
_KIND_HELP = "；".join(f"{code} {label}" for code, label in VISIT_KINDS.items())
_TRAVEL_SOURCE_HELP = "；".join(f"{code} {label}" for code, label in TRAVEL_SOURCES.items())
_FALLBACK_HELP = "；".join(f"{code} {label}" for code, label in TRAVEL_FALLBACK_REASONS.items())


class PlanCreateSchema(Schema):
    """What planning a township's day takes."""

    township_id = Int(required=True, metadata={"description": "乡镇编号"})
    date = fields.Date(required=True, metadata={"description": "排线日期（今天起30天内）"})


class CityPlanCreateSchema(Schema):
    """What planning every township of the city for a day takes."""

    date = fields.Date(required=True, metadata={"description": "排线日期（今天起30天内）"})


class PlanQueryArgsSchema(Schema):
    """Filters for the plan list."""

    township_id = QueryInt(metadata={"description": "乡镇编号"})
    date = fields.Date(metadata={"description": "排线日期"})


class AdjustmentSchema(CommandSchema):
    """One change staff make to a published plan."""

    command = Adjustment

    visit_key = fields.String(required=True, validate=validate.Length(1, 30), metadata={
        "description": "探访标识，如 booking:12（预约）或 care:5（定期探访）"})
    action = fields.String(required=True, validate=validate.OneOf(["move", "lock", "unlock"]),
                           metadata={"description": "move 改派给指定社工并锁定 / lock 锁定在"
                                                    "（指定或当前）社工名下 / unlock 解除锁定"})
    worker_id = Int(allow_none=True, metadata={"description": "社工编号（move 必填）"})


class PlanAdjustmentsSchema(CommandSchema):
    """Changes to apply before re-optimising."""

    command = AdjustPlan

    adjustments = fields.List(fields.Nested(AdjustmentSchema), required=True,
                              validate=validate.Length(1, 50),
                              metadata={"description": "调整（1至50条），随后重新优化生成新版本"})

    def make_command(self, data: dict[str, Any]) -> AdjustPlan:
        """The adjustments, each already an ``Adjustment``, as the plan's command."""
        return AdjustPlan(adjustments=tuple(data["adjustments"]))


class PlanSchema(Schema):
    """A plan version: its job's status and progress, and a summary of the outcome."""

    id = Int(metadata={"description": "路线方案编号"})
    township_id = Int(metadata={"description": "乡镇编号"})
    date = fields.Date(attribute="day", metadata={"description": "排线日期"})
    version = Int(metadata={"description": "该乡镇当日的版本号（从1起）"})
    status = fields.String(metadata={"description": f"状态：{_STATUS_HELP}"})
    progress = fields.String(metadata={"description": f"进度：{_PROGRESS_HELP}"})
    based_on_id = Int(allow_none=True, metadata={"description": "基于的上一版本编号（重新排线时）"})
    locks = fields.Dict(keys=fields.String(), values=Int(), metadata={
        "description": "锁定的探访：探访标识 → 社工编号"})
    error = fields.String(allow_none=True, metadata={"description": "失败原因"})
    feasible = fields.Boolean(allow_none=True, metadata={"description": "是否通过独立校验（所有硬约束均满足）"})
    visit_count = Int(metadata={"description": "排入路线的探访数"})
    dropped_count = Int(metadata={"description": "未能排入的探访数"})
    objective = fields.Dict(keys=fields.String(), values=fields.Float(), metadata={
        "description": "目标函数各部分（以行程秒计）：travel 行程、dropped 未排入罚分、not_preferred_worker 更换常访社工、balance 工作量均衡、fixed 出车固定成本"})
    solve_seconds = fields.Float(allow_none=True, metadata={"description": "求解用时（秒）"})
    travel_source = fields.String(allow_none=True, metadata={
        "description": f"行程时间来源（计算完成前为空）：{_TRAVEL_SOURCE_HELP}"})
    travel_fallback_reason = fields.String(allow_none=True, metadata={
        "description": "来源为 straight_line_fallback 时 OSRM 不可用的原因代码（其余为空）："
                       f"{_FALLBACK_HELP}；http_<状态码> 道路服务的 HTTP 错误；"
                       "其他为 OSRM 自身的错误代码"})
    travel_source_label = fields.String(allow_none=True, metadata={
        "description": "行程时间来源的中文说明（含 OSRM 不可用的原因），供页面直接显示"})
    created_at = fields.DateTime(metadata={"description": "提交时间（UTC）"})
    started_at = fields.DateTime(allow_none=True, metadata={"description": "开始计算时间（UTC）"})
    finished_at = fields.DateTime(allow_none=True, metadata={"description": "完成时间（UTC）"})


class ClientSummarySchema(Schema):
    """Who lives at a stop, masked."""

    id = Int(allow_none=True, metadata={"description": "服务对象编号；为尚未登记的申请人上门办理时为空"})
    name = fields.String(metadata={"description": "姓名"})
    phone = fields.String(allow_none=True, metadata={"description": "电话（已脱敏）"})
    categories = fields.List(fields.String(), metadata={"description": "对象类别"})


class TimeSpanSchema(Schema):
    """An interval of local time."""

    start = fields.DateTime(metadata={"description": "开始（北京时间）"})
    end = fields.DateTime(metadata={"description": "结束（北京时间）"})


class StopSchema(Schema):
    """A stop of a route (or a visit left out, with the reason)."""

    visit_key = fields.String(metadata={"description": "探访标识"})
    source = fields.String(metadata={"description": "来源：booking 预约 / care_visit 定期探访"})
    source_id = Int(metadata={"description": "预约或定期探访编号"})
    worker_id = Int(allow_none=True, metadata={"description": "社工编号（未排入时为空）"})
    position = Int(allow_none=True, metadata={"description": "在路线中的顺序（从0起）"})
    kind = fields.String(metadata={"description": f"探访类型：{_KIND_HELP}"})
    priority = fields.String(metadata={"description": "优先级：urgent 紧急 / overdue 逾期 / due 到期 / optional 可选"})
    fixed = fields.String(allow_none=True, metadata={"description": f"固定原因：{_FIXED_HELP}"})
    drop_reason = fields.String(allow_none=True, metadata={"description": f"未排入原因：{_DROP_HELP}"})
    workers_needed = Int(metadata={"description": "所需社工人数：1 单人上门；2 须两名社工同行"
                                                  "（两人到达时间相差不超过规定分钟数，一同服务）"})
    partner_worker_id = Int(allow_none=True, metadata={
        "description": "同行社工编号：双人探访在两名社工的路线上各有一站，各自指明对方；"
                       "单人探访或未排入时为空"})
    partner_worker_name = fields.String(allow_none=True, metadata={"description": "同行社工姓名"})
    partner_planned_start = fields.DateTime(allow_none=True, metadata={
        "description": "同行社工计划开始服务的时间（北京时间）：与本站计划开始相差不超过规定分钟数，"
                       "先到者在门口等候，两人一同进门"})
    windows = fields.List(fields.Nested(TimeSpanSchema), metadata={"description": "可开始服务的时间窗口"})
    arrival_at = fields.DateTime(metadata={"description": "预计到达（北京时间）"})
    planned_start = fields.DateTime(metadata={"description": "计划开始服务（北京时间）"})
    planned_end = fields.DateTime(metadata={"description": "计划结束服务（北京时间）"})
    arrival_window_start = fields.DateTime(metadata={"description": "告知的到达窗口开始（北京时间）"})
    arrival_window_end = fields.DateTime(metadata={"description": "告知的到达窗口结束（北京时间）"})
    duration_s = Int(metadata={"description": "服务时长（秒）"})
    travel_s = Int(allow_none=True, metadata={"description": "从上一站到此的行程时间（秒）"})
    distance_m = Int(allow_none=True, metadata={"description": "从上一站到此的距离（米）"})
    client = fields.Nested(ClientSummarySchema, metadata={"description": "服务对象摘要（已脱敏）"})
    address = fields.String(metadata={"description": "地址"})
    lat = fields.Float(metadata={"description": "纬度"})
    lng = fields.Float(metadata={"description": "经度"})
    navigation_url = fields.String(metadata={"description": "高德骑行导航链接"})


class RouteSchema(Schema):
    """One social worker's day in a plan."""

    worker_id = Int(metadata={"description": "社工编号"})
    worker_name = fields.String(metadata={"description": "社工姓名"})
    start_at = fields.DateTime(allow_none=True, metadata={"description": "出发（北京时间）"})
    end_at = fields.DateTime(allow_none=True, metadata={"description": "返回（北京时间）"})
    break_start_at = fields.DateTime(allow_none=True, metadata={"description": "午休开始（北京时间）"})
    travel_time = Int(metadata={"description": "总行程时间（秒）"})
    distance = Int(metadata={"description": "总距离（米）"})
    stops = fields.List(fields.Nested(StopSchema), metadata={"description": "按顺序的站点"})


class PlanDetailSchema(Schema):
    """A plan with its routes, the visits left out and a map."""

    plan = fields.Nested(PlanSchema, metadata={"description": "方案状态与摘要"})
    routes = fields.List(fields.Nested(RouteSchema), metadata={"description": "各社工路线"})
    dropped = fields.List(fields.Nested(StopSchema), metadata={"description": "未能排入的探访及原因"})
    geojson = fields.Dict(metadata={"description": "地图数据：GeoJSON FeatureCollection，站点为 Point，路段为 LineString（[经度, 纬度]）"})


class CityDayQueryArgsSchema(Schema):
    """Which day of the city to show."""

    date = fields.Date(required=True, metadata={"description": "排线日期"})


class CityTownshipSchema(Schema):
    """One township's plan for the day, as the city sees it."""

    township_id = Int(attribute="township.id", metadata={"description": "乡镇编号"})
    township_name = fields.String(attribute="township.name", metadata={"description": "乡镇名称"})
    status = fields.String(metadata={"description": f"最新版本的状态：{_STATUS_HELP}；"
                                                    "not_planned 当日尚未排线"})
    queued_now = fields.Boolean(metadata={"description": (
        "本次请求是否为该乡镇排入了新版本。全市排线时为 false 且状态为 queued/running，表示该乡镇"
        "已有版本在排队或计算中，本次未重复排入（不会被静默跳过）；查询时恒为 false")})
    plan = fields.Nested(PlanSchema, allow_none=True, metadata={
        "description": "该乡镇当日最新版本：状态、进度与失败原因（尚未排线时为空）"})
    published_plan_id = Int(allow_none=True, metadata={
        "description": "当日最新已发布版本的编号（社工按此路线出行；无则为空）"})


class CityCountsSchema(Schema):
    """How many townships are in each status."""

    queued = Int(metadata={"description": "排队中"})
    running = Int(metadata={"description": "计算中"})
    done = Int(metadata={"description": "已发布"})
    failed = Int(metadata={"description": "失败（可重新排线）"})
    not_planned = Int(metadata={"description": "尚未排线"})


class CityDaySchema(Schema):
    """Every township's plan for a day: none is left out unseen."""

    date = fields.Date(attribute="day", metadata={"description": "排线日期"})
    townships = fields.List(fields.Nested(CityTownshipSchema), metadata={
        "description": "辖区内每个乡镇及其当日路线状态"})
    counts = fields.Nested(CityCountsSchema, metadata={"description": "各状态的乡镇数"})
