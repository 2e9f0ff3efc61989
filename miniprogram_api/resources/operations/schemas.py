"""Queues, failed jobs and send outcomes as the city bureau sees them."""

from __future__ import annotations

from marshmallow import fields, validate

from backend.models.messages import DELIVERY_STATUSES
from miniprogram_api.extensions import Int, QueryInt, Schema


class QueueSchema(Schema):
    """One queue's job counts."""

    name = fields.String(metadata={"description": "队列名：notifications 通知，planning 排程，default 其他"})
    queued = Int(metadata={"description": "等待执行"})
    started = Int(metadata={"description": "正在执行"})
    scheduled = Int(metadata={"description": "定时或等待重试"})
    deferred = Int(metadata={"description": "等待依赖任务"})
    failed = Int(metadata={"description": "已失败"})


class QueueOverviewSchema(Schema):
    """All queues."""

    mode = fields.String(metadata={"description": "redis：队列执行；inline：无 Redis，请求后直接执行"})
    queues = fields.List(fields.Nested(QueueSchema), metadata={"description": "各队列"})


class FailedJobSchema(Schema):
    """A job that failed, with its error."""

    id = fields.String(metadata={"description": "任务编号，如 outbox-12"})
    queue = fields.String(metadata={"description": "所在队列"})
    function = fields.String(metadata={"description": "任务函数"})
    description = fields.String(metadata={"description": "任务说明"})
    error = fields.String(metadata={"description": "失败原因（异常的最后一行）"})
    failed_at = fields.DateTime(allow_none=True, metadata={"description": "失败时间（UTC）"})


class RetriedJobSchema(Schema):
    """A failed job put back on its queue."""

    id = fields.String(metadata={"description": "任务编号"})
    queue = fields.String(metadata={"description": "所在队列"})
    status = fields.String(metadata={"description": "queued：已重新排队"})


class DeliverySchema(Schema):
    """One WeChat subscribe-message send and its outcome."""

    id = Int(metadata={"description": "发送记录编号"})
    event_id = Int(metadata={"description": "来源事件编号"})
    topic = fields.String(metadata={"description": "事件类型"})
    resident_id = Int(metadata={"description": "接收居民编号"})
    area_code = fields.String(metadata={"description": "事项所在村（居）区划代码"})
    template_key = fields.String(metadata={"description": "模板用途"})
    status = fields.String(metadata={"description": "结果：" + "；".join(
        f"{k} {v}" for k, v in DELIVERY_STATUSES.items())})
    errcode = Int(allow_none=True, metadata={"description": "微信错误码（如 43101 用户拒收）"})
    error = fields.String(allow_none=True, metadata={"description": "错误说明"})
    attempts = Int(metadata={"description": "尝试次数"})
    resendable = fields.Boolean(metadata={"description": (
        "可否人工重发：结果未知（unknown，发送中断，微信可能已送达）或发送失败（failed）时为 true。"
        "重发前请与居民确认未收到；站内消息已在居民的消息中心")})
    sent_at = fields.DateTime(allow_none=True, metadata={"description": "送达时间（UTC）"})
    created_at = fields.DateTime(metadata={"description": "创建时间（UTC）"})


class DeliveryQueryArgsSchema(Schema):
    """Filters for send outcomes."""

    status = fields.String(validate=validate.OneOf(list(DELIVERY_STATUSES)),
                           metadata={"description": "按结果筛选"})
    topic = fields.String(validate=validate.Length(1, 60), metadata={"description": "按事件类型筛选"})
    event_id = QueryInt(metadata={"description": "按事件编号筛选"})
