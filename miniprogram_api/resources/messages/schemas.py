"""Inbox messages and subscription credits."""

from __future__ import annotations

from marshmallow import fields, validate

from miniprogram_api.extensions import Int, Schema


class MessageSchema(Schema):
    """One message in the caller's inbox."""

    id = Int(metadata={"description": "消息编号"})
    topic = fields.String(metadata={"description": "事件类型，如 booking.approved"})
    title = fields.String(metadata={"description": "标题"})
    body = fields.String(metadata={"description": "内容"})
    page = fields.String(allow_none=True, metadata={"description": "点击后打开的小程序页面"})
    read = fields.Function(lambda m: m.read_at is not None, metadata={"description": "是否已读"})
    read_at = fields.DateTime(allow_none=True, metadata={"description": "阅读时间（UTC）"})
    created_at = fields.DateTime(metadata={"description": "收到时间（UTC）"})


class MessageQueryArgsSchema(Schema):
    """Filters for the inbox."""

    unread_only = fields.Boolean(load_default=False, metadata={"description": "只看未读"})


class SubscriptionCreateSchema(Schema):
    """What wx.requestSubscribeMessage answered: the template ids the user accepted."""

    template_ids = fields.List(
        fields.String(validate=validate.Length(1, 64)), required=True,
        validate=validate.Length(1, 20),
        metadata={"description": "用户在订阅弹窗中同意（accept）的模板编号；每同意一次可发送一条"})


class SubscriptionSchema(Schema):
    """A resident's remaining sends of one template."""

    template_id = fields.String(metadata={"description": "微信订阅消息模板编号"})
    template_key = fields.String(metadata={"description": "模板用途，如 booking_approved"})
    remaining = Int(metadata={"description": "剩余可发送次数"})
    granted_total = Int(metadata={"description": "累计同意次数"})
