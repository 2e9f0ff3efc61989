"""Townships, their villages, stations and staff."""

from marshmallow import fields

from miniprogram_api.extensions import Int, Schema


class StationSchema(Schema):
    """A village service station and its five elements (五有)."""

    sign = fields.String(metadata={"description": "站牌名称"})
    place = fields.String(metadata={"description": "办公场所"})
    has_person = fields.Boolean(metadata={"description": "有专人"})
    has_sign = fields.Boolean(metadata={"description": "有牌子"})
    has_place = fields.Boolean(metadata={"description": "有场所"})
    has_rules = fields.Boolean(metadata={"description": "有制度"})
    has_ledger = fields.Boolean(metadata={"description": "有台帐"})


class VillageSchema(Schema):
    """A village or community."""

    id = Int(metadata={"description": "村（居）编号"})
    code = fields.String(metadata={"description": "12位统计用区划代码"})
    name = fields.String(metadata={"description": "名称"})
    kind = fields.String(metadata={"description": "village 村 / community 居委会"})
    lat = fields.Float(metadata={"description": "纬度"})
    lng = fields.Float(metadata={"description": "经度"})
    station = fields.Nested(StationSchema, allow_none=True,
                            metadata={"description": "民政服务站"})


class StaffEntrySchema(Schema):
    """One person in a township's staff directory."""

    id = Int(metadata={"description": "账号编号"})
    name = fields.String(metadata={"description": "姓名"})
    role = fields.String(metadata={"description": "角色代码"})
    area_code = fields.String(metadata={"description": "负责范围区划代码"})
    village_id = Int(allow_none=True, metadata={"description": "协管员所在村（居）"})
    phone = fields.String(allow_none=True, attribute="phone_masked",
                          metadata={"description": "手机号（已脱敏）"})
    is_head = fields.Boolean(metadata={"description": "是否为民政办负责人"})


class TownshipSchema(Schema):
    """A township, subdistrict or zone."""

    id = Int(metadata={"description": "乡镇编号"})
    code = fields.String(metadata={"description": "9位区划代码"})
    name = fields.String(metadata={"description": "名称"})
    kind = fields.String(metadata={"description": "town 乡镇 / subdistrict 街道 / zone 管委会"})
    population = Int(metadata={"description": "户籍人口"})
    elderly_population = Int(metadata={"description": "60岁以上老年人口"})
    office_address = fields.String(metadata={"description": "民政办地址"})
    lat = fields.Float(metadata={"description": "民政办纬度"})
    lng = fields.Float(metadata={"description": "民政办经度"})
    office_area_m2 = Int(allow_none=True, metadata={"description": "办公面积（平方米）"})
    phone = fields.String(allow_none=True, metadata={"description": "办公电话"})


class TownshipDetailSchema(TownshipSchema):
    """A township with its villages, stations and staff directory."""

    villages = fields.List(fields.Nested(VillageSchema), metadata={"description": "下辖村（居）"})
    staff = fields.List(fields.Nested(StaffEntrySchema), metadata={"description": "工作人员名录"})
