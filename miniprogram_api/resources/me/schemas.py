"""The caller's own profile."""

from marshmallow import fields

from miniprogram_api.extensions import Int, Schema


class LinkedClientSchema(Schema):
    """A client a resident may act for."""

    id = Int(metadata={"description": "服务对象编号"})
    name = fields.String(metadata={"description": "姓名"})
    relation = fields.String(metadata={"description": "与本人关系：self 本人、spouse 配偶、child 子女等"})


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
                          metadata={"description": "居民可代为办理的服务对象（本人及家庭成员）"})
