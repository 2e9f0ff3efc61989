"""Staff administration: accounts, their scope, one-time passwords, the township's head."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from backend.commands.staff import ChangePassword, CreateStaff, UpdateStaff
from backend.models.accounts import STAFF_ROLES
from miniprogram_api.extensions import CommandSchema, Int, QueryInt, Schema

_ROLES = "、".join(f"{code} {label}" for code, label in STAFF_ROLES.items())


class _Skills(CommandSchema):
    """Turns the skills list into the tuple the command holds."""

    def make_command(self, data: dict[str, Any]) -> Any:
        """Build the command; lists become tuples (commands are frozen)."""
        if data.get("skills") is not None:
            data = {**data, "skills": tuple(data["skills"])}
        return self.command(**data)


class StaffCreateSchema(_Skills):
    """A new staff account; the answer carries its one-time password, shown this once."""

    command = CreateStaff

    username = fields.String(required=True, validate=validate.Length(3, 50), metadata={"description": "登录用户名：3到50位小写字母、数字或 . _ -"})
    name = fields.String(required=True, validate=validate.Length(1, 50), metadata={"description": "姓名"})
    role = fields.String(required=True, validate=validate.OneOf(list(STAFF_ROLES)), metadata={"description": f"角色：{_ROLES}（乡镇只能新建协管员和社工）"})
    township_id = Int(load_default=None, metadata={"description": "所属乡镇编号（民政工作人员、社工必填）"})
    village_id = Int(load_default=None, metadata={"description": "所在村（社区）编号（协管员必填，即其服务站）"})
    phone = fields.String(load_default=None, validate=validate.Length(11, 20), metadata={"description": "手机号（加密保存，只以脱敏形式返回）"})
    sex = fields.String(load_default=None, validate=validate.OneOf(["male", "female"]), metadata={"description": "性别：male、female（安排需女性上门的探访时用）"})
    skills = fields.List(fields.String(validate=validate.Length(1, 40)), load_default=(), validate=validate.Length(0, 20), metadata={"description": "专长代码，如 counselling（心理疏导资质）"})
    monthly_allowance_fen = Int(load_default=None, validate=validate.Range(0, 10_000_000), metadata={"description": "协管员每月补贴（分），不填按标准"})


class StaffUpdateSchema(_Skills):
    """Changes to an account; omitted fields stay as they are."""

    command = UpdateStaff

    name = fields.String(validate=validate.Length(1, 50), metadata={"description": "姓名"})
    role = fields.String(validate=validate.OneOf(list(STAFF_ROLES)), metadata={"description": f"新角色（仅市局可改）：{_ROLES}"})
    township_id = Int(metadata={"description": "调往的乡镇编号"})
    village_id = Int(metadata={"description": "调往的村（社区）编号（协管员）"})
    phone = fields.String(validate=validate.Length(11, 20), metadata={"description": "手机号"})
    sex = fields.String(validate=validate.OneOf(["male", "female"]), metadata={"description": "性别：male、female"})
    skills = fields.List(fields.String(validate=validate.Length(1, 40)), validate=validate.Length(0, 20), metadata={"description": "专长代码"})
    monthly_allowance_fen = Int(validate=validate.Range(0, 10_000_000), metadata={"description": "协管员每月补贴（分）"})
    is_active = fields.Boolean(metadata={"description": "false 停用账号（其所有登录立即失效），true 重新启用"})
    reason = fields.String(load_default="", validate=validate.Length(0, 500), metadata={"description": "变更原因（记入审计）"})


class StaffQueryArgsSchema(Schema):
    """Filters for the staff list."""

    role = fields.String(validate=validate.OneOf(list(STAFF_ROLES)), metadata={"description": f"角色：{_ROLES}"})
    township_id = QueryInt(metadata={"description": "乡镇编号"})
    is_active = fields.Boolean(metadata={"description": "true 在岗，false 已停用"})


class StaffSchema(Schema):
    """A staff account as administrators read it (phone masked, never the password)."""

    id = Int(metadata={"description": "账号编号"})
    username = fields.String(metadata={"description": "登录用户名"})
    name = fields.String(metadata={"description": "姓名"})
    role = fields.String(metadata={"description": f"角色代码：{_ROLES}"})
    role_label = fields.Function(lambda s: STAFF_ROLES.get(s.role, s.role), metadata={"description": "角色"})
    area_code = fields.String(metadata={"description": "管辖范围区划代码（市6位、乡镇9位、村12位）"})
    township_id = Int(allow_none=True, metadata={"description": "所属乡镇编号"})
    village_id = Int(allow_none=True, metadata={"description": "所在村（社区）编号"})
    phone = fields.String(allow_none=True, attribute="phone_masked", metadata={"description": "手机号（已脱敏）"})
    sex = fields.String(allow_none=True, metadata={"description": "性别：male、female"})
    skills = fields.List(fields.String(), metadata={"description": "专长代码"})
    is_head = fields.Boolean(metadata={"description": "是否为乡镇民政办负责人（超期督办的接收人）"})
    monthly_allowance_fen = Int(allow_none=True, metadata={"description": "协管员每月补贴（分）"})
    is_active = fields.Boolean(metadata={"description": "是否在岗（停用后不能登录）"})
    must_change_password = fields.Boolean(metadata={"description": "是否仍在使用一次性初始密码"})
    created_at = fields.DateTime(metadata={"description": "开户时间"})


class IssuedAccountSchema(Schema):
    """An account with its one-time password: hand it over; it must be changed at first use."""

    account = fields.Nested(StaffSchema, metadata={"description": "账号"})
    one_time_password = fields.String(metadata={"description": "一次性初始密码（只显示这一次，首次登录须修改）"})


class TownshipHeadSchema(Schema):
    """Who heads the township's civil-affairs office."""

    staff_id = Int(required=True, metadata={"description": "本乡镇在岗民政工作人员的账号编号"})


class PasswordChangeSchema(CommandSchema):
    """The current password and the new one."""

    command = ChangePassword

    current_password = fields.String(required=True, load_only=True, validate=validate.Length(1, 200), metadata={"description": "当前密码（首次登录时为一次性初始密码）"})
    new_password = fields.String(required=True, load_only=True, validate=validate.Length(1, 200), metadata={"description": "新密码：至少8位，含字母和数字，不同于当前密码和用户名"})
