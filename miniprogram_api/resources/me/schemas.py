"""The caller's own profile."""

from marshmallow import fields

from miniprogram_api.extensions import Int, Schema


class LinkedClientSchema(Schema):
    """A client a resident may act for, through a verified link."""

    id = Int(metadata={"description": "服务对象编号"})
    name = fields.String(metadata={"description": "姓名"})
    link_id = Int(metadata={"description": "关联编号（解除关联时使用）"})
    relation = fields.String(metadata={"description": "与本人关系：self 本人、spouse 配偶、child 子女、guardian 监护人、other_family 其他家庭成员"})
    relation_label = fields.String(metadata={"description": "与本人关系（中文）"})
    method = fields.String(metadata={"description": "核验方式：in_person 当面核验、phone 微信手机号核验、legacy 早期关联"})
    method_label = fields.String(metadata={"description": "核验方式（中文）"})
    linked_at = fields.DateTime(allow_none=True, metadata={"description": "关联时间（UTC）；早期关联为空"})
    township_id = Int(metadata={"description": "服务对象所在乡镇（街道）编号"})
    township_name = fields.String(metadata={"description": "服务对象所在乡镇（街道）"})
    village_id = Int(metadata={"description": "服务对象所在村（社区）编号"})
    village_name = fields.String(metadata={"description": "服务对象所在村（社区）"})


class MeSchema(Schema):
    """Profile, role and scope."""

    kind = fields.String(metadata={"description": "staff 或 resident"})
    id = Int(metadata={"description": "账号编号"})
    role = fields.String(metadata={"description": "角色代码"})
    role_label = fields.String(metadata={"description": "角色中文名"})
    name = fields.String(metadata={"description": "姓名"})
    area_code = fields.String(metadata={"description": "管辖范围区划代码前缀（居民为空）"})
    township_id = Int(allow_none=True, metadata={"description": "所属乡镇编号"})
    village_id = Int(allow_none=True, metadata={"description": "所属村（居）编号"})
    phone = fields.String(allow_none=True, metadata={"description": "手机号（已脱敏）"})
    clients = fields.List(fields.Nested(LinkedClientSchema),
                          metadata={"description": "居民经核验关联、可代为办理的服务对象（本人及家庭成员），含所在乡镇与村（社区）"})
