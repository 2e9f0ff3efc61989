"""The client registry: masked on the way out, validated on the way in."""

from __future__ import annotations

from typing import Any

from flask import g
from marshmallow import ValidationError, fields, pre_load, validate

from backend.commands.clients import CategoryEntry, EditClient, RegisterClient
from backend.models.clients import CLIENT_CATEGORIES, SPECIAL_CARE_SUBTYPES
from miniprogram_api.extensions import CommandSchema, Int, QueryInt, Schema

_CATEGORY_HELP = "；".join(f"{code} {label}" for code, label in CLIENT_CATEGORIES.items())
_SUBTYPE_HELP = "；".join(f"{code} {label}" for code, label in SPECIAL_CARE_SUBTYPES.items())


class CategorySchema(CommandSchema):
    """One category a client belongs to."""

    command = CategoryEntry

    category = fields.String(required=True, validate=validate.OneOf(list(CLIENT_CATEGORIES)),
                             metadata={"description": f"类别：{_CATEGORY_HELP}"})
    label = fields.Method("_label", dump_only=True, metadata={"description": "类别中文名"})
    subtype = fields.String(allow_none=True, validate=validate.OneOf(list(SPECIAL_CARE_SUBTYPES)),
                            metadata={"description": f"优抚对象子类型：{_SUBTYPE_HELP}"})
    since = fields.Date(allow_none=True, metadata={"description": "纳入日期"})
    benefit_fen = Int(allow_none=True, validate=validate.Range(0, 100_000_000),
                      metadata={"description": "每月待遇金额（分）"})

    def _label(self, obj: Any) -> str:
        category = obj["category"] if isinstance(obj, dict) else obj.category
        return CLIENT_CATEGORIES[category]


TWO_WORKER_FLAG = ("须两名社工同行上门的情形（见探访规则 two_worker_visits）：safety_risk 安全风险；psychological_crisis 心理危机（一名持证心理咨询师加一名社工）。null：不标记，仍按类别规则（如留守儿童）判断")


def _viewer() -> str:
    actor = g.get("actor")
    return "resident" if actor is None or actor.is_resident else "staff"


class ClientSchema(Schema):
    """A client as staff see it: personal numbers masked for the viewer."""

    id = Int(metadata={"description": "服务对象编号"})
    name = fields.String(metadata={"description": "姓名"})
    sex = fields.String(metadata={"description": "性别：male / female（由身份证号推出）"})
    birth_date = fields.Date(metadata={"description": "出生日期（由身份证号推出）"})
    id_number = fields.Method("_id_number", metadata={
        "description": "身份证号（已脱敏：工作人员可见地区码与末四位，居民仅见首末位）"})
    phone = fields.String(attribute="phone_masked", allow_none=True,
                          metadata={"description": "手机号（已脱敏，如 138****1234）"})
    village_id = Int(metadata={"description": "所在村（居）编号"})
    area_code = fields.String(metadata={"description": "所在村（居）12位区划代码"})
    address = fields.String(metadata={"description": "住址"})
    lat = fields.Float(metadata={"description": "住址纬度"})
    lng = fields.Float(metadata={"description": "住址经度"})
    household_code = fields.String(allow_none=True, metadata={"description": "户号"})
    household_size = Int(metadata={"description": "家庭人口数"})
    guardian_name = fields.String(allow_none=True, metadata={"description": "监护人姓名（未成年人）"})
    guardian_relation = fields.String(allow_none=True, metadata={"description": "监护人关系"})
    guardian_phone = fields.String(attribute="guardian_phone_masked", allow_none=True,
                                   metadata={"description": "监护人手机号（已脱敏）"})
    categories = fields.Method("_categories", metadata={"description": "服务对象类别（可多个）"})
    usual_worker_id = Int(allow_none=True, metadata={"description": "常用社工（保持服务连续性）"})
    two_worker_flag = fields.String(allow_none=True, metadata={"description": TWO_WORKER_FLAG})
    notes = fields.String(metadata={"description": "备注"})
    created_at = fields.DateTime(metadata={"description": "登记时间（UTC）"})
    updated_at = fields.DateTime(metadata={"description": "最近修改时间（UTC）"})

    def _id_number(self, client: Any) -> str:
        masked: str = client.id_number_masked
        return masked if _viewer() == "staff" else masked[0] + "*" * 16 + masked[-1]

    def _categories(self, client: Any) -> list[dict[str, Any]]:
        return CategorySchema(many=True).dump(list(client.categories))


class ClientCreateSchema(CommandSchema):
    """What registering a client takes."""

    command = RegisterClient

    name = fields.String(required=True, validate=validate.Length(1, 50),
                         metadata={"description": "姓名"})
    id_number = fields.String(required=True, load_only=True, validate=validate.Length(1, 30),
                              metadata={"description": "18位居民身份证号（校验位按 GB 11643）"})
    village_id = Int(required=True, metadata={"description": "所在村（居）编号（须在您的管辖范围内）"})
    address = fields.String(required=True, validate=validate.Length(1, 200),
                            metadata={"description": "住址"})
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"description": "纬度（缺省取村委会位置）"})
    lng = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "经度"})
    phone = fields.String(load_only=True, allow_none=True, validate=validate.Length(0, 20),
                          metadata={"description": "手机号"})
    household_code = fields.String(allow_none=True, validate=validate.Length(0, 30),
                                   metadata={"description": "户号"})
    household_size = Int(validate=validate.Range(1, 50), metadata={"description": "家庭人口数"})
    guardian_name = fields.String(allow_none=True, validate=validate.Length(0, 50),
                                  metadata={"description": "监护人姓名（留守儿童必填）"})
    guardian_relation = fields.String(allow_none=True, validate=validate.Length(0, 20),
                                      metadata={"description": "监护人关系"})
    guardian_phone = fields.String(load_only=True, allow_none=True, validate=validate.Length(0, 20),
                                   metadata={"description": "监护人手机号"})
    categories = fields.List(fields.Nested(CategorySchema), load_default=list,
                             validate=validate.Length(0, 8),
                             metadata={"description": "服务对象类别（可多个）"})
    two_worker_flag = fields.String(allow_none=True, validate=validate.Length(1, 24),
                                    metadata={"description": TWO_WORKER_FLAG})
    notes = fields.String(validate=validate.Length(0, 2000), metadata={"description": "备注"})

    def make_command(self, data: dict[str, Any]) -> RegisterClient:
        """The registration, its categories as entries."""
        return RegisterClient(**{**data, "categories": tuple(data["categories"])})


class ClientUpdateSchema(CommandSchema):
    """Fields township staff may change; give only what changes."""

    command = EditClient

    name = fields.String(validate=validate.Length(1, 50), metadata={"description": "姓名"})
    address = fields.String(validate=validate.Length(1, 200), metadata={"description": "住址"})
    lat = fields.Float(validate=validate.Range(-90, 90), metadata={"description": "纬度"})
    lng = fields.Float(validate=validate.Range(-180, 180), metadata={"description": "经度"})
    phone = fields.String(load_only=True, allow_none=True, validate=validate.Length(0, 20),
                          metadata={"description": "手机号（null 清除）"})
    household_code = fields.String(allow_none=True, validate=validate.Length(0, 30),
                                   metadata={"description": "户号"})
    household_size = Int(validate=validate.Range(1, 50), metadata={"description": "家庭人口数"})
    guardian_name = fields.String(allow_none=True, validate=validate.Length(0, 50),
                                  metadata={"description": "监护人姓名"})
    guardian_relation = fields.String(allow_none=True, validate=validate.Length(0, 20),
                                      metadata={"description": "监护人关系"})
    guardian_phone = fields.String(load_only=True, allow_none=True, validate=validate.Length(0, 20),
                                   metadata={"description": "监护人手机号"})
    categories = fields.List(fields.Nested(CategorySchema), validate=validate.Length(0, 8),
                             metadata={"description": "服务对象类别（整体替换）"})
    two_worker_flag = fields.String(allow_none=True, validate=validate.Length(1, 24),
                                    metadata={"description": TWO_WORKER_FLAG + "；null 清除标记"})
    notes = fields.String(validate=validate.Length(0, 2000), metadata={"description": "备注"})
    reason = fields.String(validate=validate.Length(0, 500), load_only=True,
                           metadata={"description": "修改原因（写入审计记录）"})

    def make_command(self, data: dict[str, Any]) -> EditClient:
        """The edit: fields not sent stay unset; categories, when sent, replace them all."""
        if "categories" in data:
            data = {**data, "categories": tuple(data["categories"])}
        return EditClient(**data)


class ClientQueryArgsSchema(Schema):
    """Filters for the client list."""

    name = fields.String(validate=validate.Length(1, 50), metadata={"description": "姓名（包含）"})
    category = fields.String(validate=validate.OneOf(list(CLIENT_CATEGORIES)),
                             metadata={"description": "类别代码"})
    village_id = QueryInt(metadata={"description": "村（居）编号"})

    @pre_load
    def _refuse_id_number(self, data: Any, **kwargs: Any) -> Any:
        # Not a parameter (it would invite the mistake), but the one who tries hears why.
        if hasattr(data, "keys") and "id_number" in data:
            raise ValidationError({"id_number": [
                "身份证号不能放在网址中（会留在访问日志里），请用 POST /api/v1/clients/search 查找"]})
        return data


class ClientIdSearchSchema(Schema):
    """Find a client by full ID number; sent in the body so it never lands in access logs."""

    id_number = fields.String(required=True, load_only=True, validate=validate.Length(1, 30),
                              metadata={"description": "完整身份证号（经盲索引精确匹配，号码本身不落库、不入日志）"})


class RevealRequestSchema(Schema):
    """Ask for one personal value in clear, with a purpose for the access log."""

    field = fields.String(required=True, validate=validate.OneOf(["id_number", "phone",
                                                                  "guardian_phone"]),
                          metadata={"description": "要查看明文的字段"})
    purpose = fields.String(required=True, validate=validate.Length(2, 60),
                            metadata={"description": "查看目的（记入访问日志）"})


class RevealResponseSchema(Schema):
    """One personal value in clear."""

    field = fields.String(metadata={"description": "字段"})
    value = fields.String(metadata={"description": "明文值（本次访问已记录）"})
