"""What WeChat sends to the message server: the signed query and the media-check event."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from miniprogram_api.extensions import Int, Schema


class SignedQuerySchema(Schema):
    """WeChat's signature of a push: SHA1 of the configured Token, timestamp and nonce, sorted."""

    signature = fields.String(required=True, validate=validate.Length(1, 64),
                              metadata={"description": "签名：Token、timestamp、nonce 字典序排序后"
                                                       "拼接的 SHA1（十六进制）"})
    timestamp = fields.String(required=True, validate=validate.Regexp(r"^[0-9]{1,12}$"),
                              metadata={"description": "时间戳（秒）；与本机相差超过十分钟的拒绝"})
    nonce = fields.String(required=True, validate=validate.Length(1, 64),
                          metadata={"description": "随机数"})


class VerifyQuerySchema(SignedQuerySchema):
    """WeChat's check of the server URL when it is saved: the echostr is answered back."""

    echostr = fields.String(required=True, validate=validate.Length(1, 200),
                            metadata={"description": "原样返回的随机字符串"})


class PushResultSchema(Schema):
    """WeChat's overall verdict."""

    class Meta:
        unknown = ma.EXCLUDE

    suggest = fields.String(required=True, validate=validate.OneOf(["pass", "review", "risky"]),
                            metadata={"description": "建议：pass 通过、review 人工复核、risky 违规"})
    label = Int(required=True, metadata={"description": "命中标签，100 为正常"})


class PushEventSchema(Schema):
    """A JSON push (明文模式); only ``wxa_media_check`` events are acted on, others are ignored."""

    class Meta:
        unknown = ma.EXCLUDE  # WeChat adds fields (ToUserName, detail, ...) as it pleases

    Event = fields.String(required=True, validate=validate.Length(1, 64),
                          metadata={"description": "事件类型，如 wxa_media_check"})
    trace_id = fields.String(validate=validate.Length(1, 64),
                             metadata={"description": "media_check_async 返回的任务编号"})
    result = fields.Nested(PushResultSchema, metadata={"description": "综合结果"})
