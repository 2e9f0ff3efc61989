"""A social worker's route for a day."""

from __future__ import annotations

from marshmallow import fields

from backend.models.plans import TRAVEL_SOURCES
from miniprogram_api.extensions import Int, Schema
from miniprogram_api.resources.plans.schemas import StopSchema


class RouteQueryArgsSchema(Schema):
    """Which day."""

    date = fields.Date(metadata={"description": "日期（缺省为今天）"})


class MyRouteSchema(Schema):
    """The caller's ordered stops for a day, from the latest published plan."""

    date = fields.Date(metadata={"description": "日期"})
    plan_id = Int(metadata={"description": "路线方案编号"})
    version = Int(metadata={"description": "方案版本"})
    replanning = fields.Boolean(metadata={"description": "是否正在重新排线（稍后刷新）"})
    worker_id = Int(metadata={"description": "社工编号"})
    start_at = fields.DateTime(allow_none=True, metadata={"description": "出发（北京时间）"})
    end_at = fields.DateTime(allow_none=True, metadata={"description": "返回（北京时间）"})
    break_start_at = fields.DateTime(allow_none=True, metadata={"description": "午休开始（北京时间）"})
    travel_time = Int(metadata={"description": "总行程时间（秒）"})
    distance = Int(metadata={"description": "总距离（米）"})
    travel_source = fields.String(allow_none=True, metadata={
        "description": "行程时间与距离的来源："
                       + "；".join(f"{code} {label}" for code, label in TRAVEL_SOURCES.items())})
    travel_source_label = fields.String(allow_none=True, metadata={
        "description": "行程来源的中文说明（含 OSRM 不可用的原因），供页面直接显示"})
    stops = fields.List(fields.Nested(StopSchema), metadata={"description": "按顺序的站点"})
