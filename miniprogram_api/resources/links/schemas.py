"""Verified links between WeChat accounts and clients: codes, phone checks, in-person links."""

from marshmallow import fields, validate

from backend.commands.links import LinkByPhone, LinkInPerson, Unlink
from backend.models.clients import LINK_METHODS, LINK_RELATIONS
from miniprogram_api.extensions import CommandSchema, Int, Schema

_RELATIONS = "、".join(f"{code} {label}" for code, label in LINK_RELATIONS.items())


class LinkCodeSchema(Schema):
    """A fresh link code, to show at the window or the door."""

    code = fields.String(metadata={"description": "关联码（8位字母数字）：在乡镇民政窗口或协管员上门时出示，由工作人员核验身份证后录入"})
    expires_at = fields.DateTime(metadata={"description": "失效时间（UTC）；仅能使用一次，重新获取后旧码作废"})
    expires_in = Int(metadata={"description": "剩余有效秒数"})


class PhoneLinkCreateSchema(CommandSchema):
    """Self-service link: WeChat's phone number, name and ID number must match the record."""

    command = LinkByPhone

    phone_code = fields.String(required=True, validate=validate.Length(1, 128), metadata={"description": "小程序“获取手机号”按钮（getPhoneNumber）返回的 code，5分钟内有效，仅能使用一次"})
    name = fields.String(required=True, validate=validate.Length(1, 50), metadata={"description": "服务对象姓名（与登记一致）"})
    id_number = fields.String(required=True, load_only=True, validate=validate.Length(1, 30), metadata={"description": "服务对象身份证号"})
    relation = fields.String(load_default="self", validate=validate.OneOf(["self", "guardian"]), metadata={"description": "self 本人（核对登记的本人手机号）；guardian 未成年人的监护人（核对登记的监护人手机号）。其他家庭成员请到窗口当面关联"})


class InPersonLinkCreateSchema(CommandSchema):
    """In-person link by staff who saw the resident's ID document."""

    command = LinkInPerson

    link_code = fields.String(required=True, validate=validate.Length(1, 20), metadata={"description": "居民在小程序中出示的关联码"})
    relation = fields.String(required=True, validate=validate.OneOf(list(LINK_RELATIONS)), metadata={"description": f"该微信账号与服务对象的关系：{_RELATIONS}；未成年人只能由监护人关联"})
    id_document_checked = fields.Boolean(required=True, metadata={"description": "是否已当面查验居民身份证原件（本人或监护人、家属的证件及关系证明）；必须为 true"})
    note = fields.String(load_default="", validate=validate.Length(0, 500), metadata={"description": "备注（如查验的证件、关系证明），记入审计"})


class UnlinkArgsSchema(CommandSchema):
    """Why a link ends."""

    command = Unlink

    reason = fields.String(load_default="", validate=validate.Length(0, 500), metadata={"description": "解除原因，记入审计"})


class ClientLinkSchema(Schema):
    """A WeChat account linked to a client, as staff see it."""

    id = Int(metadata={"description": "关联编号"})
    client_id = Int(metadata={"description": "服务对象编号"})
    resident_id = Int(metadata={"description": "微信账号（居民）编号"})
    resident_name = fields.Function(lambda link: link.resident.name or "", metadata={"description": "微信账号的姓名（未填写为空）"})
    resident_phone = fields.Function(lambda link: link.resident.phone_masked, allow_none=True, metadata={"description": "微信核验过的手机号（已脱敏）；未核验为空"})
    relation = fields.String(metadata={"description": f"与服务对象关系：{_RELATIONS}"})
    relation_label = fields.Function(lambda link: LINK_RELATIONS.get(link.relation, link.relation), metadata={"description": "与服务对象关系（中文）"})
    method = fields.String(metadata={"description": "核验方式：in_person 当面核验、phone 微信手机号核验、legacy 早期关联"})
    method_label = fields.Function(lambda link: LINK_METHODS.get(link.method, link.method), metadata={"description": "核验方式（中文）"})
    verified_by_name = fields.Function(lambda link: link.verified_by.name if link.verified_by_id else None, allow_none=True, metadata={"description": "当面核验的工作人员；非当面核验为空"})
    linked_at = fields.DateTime(allow_none=True, metadata={"description": "关联时间（UTC）；早期关联为空"})
