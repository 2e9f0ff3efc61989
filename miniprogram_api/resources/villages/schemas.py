"""Villages and communities to choose from when filing (public)."""

from marshmallow import fields, validate

from backend.models.geography import TOWNSHIP_KINDS, VILLAGE_KINDS
from miniprogram_api.extensions import Int, QueryInt, Schema


class VillageQueryArgsSchema(Schema):
    """Narrowing the village list."""

    township_id = QueryInt(metadata={"description": "乡镇（街道）编号：只列该乡镇的村（社区）"})
    name = fields.String(validate=validate.Length(1, 50), metadata={"description": "按村（社区）或乡镇名称查找，如“城关”"})


class PublicVillageSchema(Schema):
    """A village or community with the township it belongs to."""

    id = Int(metadata={"description": "村（社区）编号：申请时填 village_id"})
    code = fields.String(metadata={"description": "12位统计用区划代码"})
    name = fields.String(metadata={"description": "村（社区）名称"})
    kind = fields.String(metadata={"description": "village 村、community 社区（居委会）"})
    kind_label = fields.Function(lambda v: VILLAGE_KINDS.get(v.kind, v.kind), metadata={"description": "类型（中文）"})
    township_id = Int(metadata={"description": "所属乡镇（街道）编号"})
    township_name = fields.Function(lambda v: v.township.name, metadata={"description": "所属乡镇（街道）名称"})
    township_kind = fields.Function(lambda v: v.township.kind, metadata={"description": "town 乡镇、subdistrict 街道、zone 管委会"})
    township_kind_label = fields.Function(lambda v: TOWNSHIP_KINDS.get(v.township.kind, v.township.kind), metadata={"description": "乡镇类型（中文）"})
