"""Staff accounts (人员管理): the city's and the township's administration of them."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.commands.staff import ChangePassword, CreateStaff, UpdateStaff
from backend.services import staff_admin
from miniprogram_api.extensions import Blueprint, PeeweePage

from .schemas import (
    IssuedAccountSchema,
    PasswordChangeSchema,
    StaffCreateSchema,
    StaffQueryArgsSchema,
    StaffSchema,
    StaffUpdateSchema,
    TownshipHeadSchema,
)

blp = Blueprint("staff", __name__, url_prefix="/api/v1",
                description="人员管理：工作人员账号、管辖范围、初始密码、乡镇负责人")


@blp.route("/staff")
class StaffList(MethodView):
    """Staff accounts in your scope, and opening one."""

    @blp.permission("staff.read", errors=(422,))
    @blp.arguments(StaffQueryArgsSchema, location="query")
    @blp.response(200, StaffSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Staff accounts in your scope, by area and role (工作人员列表)."""
        return staff_admin.list_staff(actor=g.actor, **args)

    # Not @idempotent: a kept answer would hold the one-time password in clear. The unique
    # username makes a repeat harmless instead (409 username_taken).
    @blp.permission("staff.manage", errors=(404, 409, 422))
    @blp.arguments(StaffCreateSchema)
    @blp.response(201, IssuedAccountSchema)
    def post(self, command: CreateStaff) -> Any:
        """Open an account with a one-time password to change at first sign-in (新建账号)."""
        return staff_admin.create_staff(command, actor=g.actor)


@blp.route("/staff/<int:staff_id>")
class StaffDetail(MethodView):
    """One staff account."""

    @blp.permission("staff.read", errors=(404,))
    @blp.response(200, StaffSchema)
    def get(self, staff_id: int) -> Any:
        """An account in your scope (账号详情)."""
        return staff_admin.get_staff(staff_id, actor=g.actor)

    @blp.permission("staff.manage", errors=(404, 409, 422))
    @blp.arguments(StaffUpdateSchema)
    @blp.response(200, StaffSchema)
    def patch(self, command: UpdateStaff, staff_id: int) -> Any:
        """Change details, role or scope; is_active false ends every session (修改、停用账号)."""
        return staff_admin.update_staff(staff_id, command, actor=g.actor)


@blp.route("/staff/<int:staff_id>/password-reset")
class PasswordReset(MethodView):
    """A new one-time password."""

    @blp.permission("staff.manage", errors=(404, 409))
    @blp.response(200, IssuedAccountSchema)
    def post(self, staff_id: int) -> Any:
        """Issue a new one-time password; the account's sessions end (重置密码)."""
        return staff_admin.reset_password(staff_id, actor=g.actor)


@blp.route("/townships/<int:township_id>/head")
class TownshipHead(MethodView):
    """The head of a township's civil-affairs office."""

    @blp.permission("staff.appoint_head", errors=(404, 422))
    @blp.arguments(TownshipHeadSchema)
    @blp.response(200, StaffSchema)
    def put(self, data: dict[str, Any], township_id: int) -> Any:
        """Appoint the township office's head, who receives escalations (设置乡镇负责人)."""
        return staff_admin.set_township_head(township_id, data["staff_id"], actor=g.actor)


@blp.route("/me/password")
class MyPassword(MethodView):
    """Your own password."""

    @blp.permission("auth.change_password", errors=(422,))
    @blp.arguments(PasswordChangeSchema)
    @blp.response(204)
    def post(self, command: ChangePassword) -> None:
        """Change your password (a one-time one first of all); other logins end (修改密码)."""
        staff_admin.change_password(command, actor=g.actor)
