"""Log in (WeChat, staff), refresh, log out."""

from __future__ import annotations

from typing import Any

from flask import current_app, g, request
from flask.views import MethodView

from backend.permissions import PUBLIC
from backend.services import auth
from miniprogram_api.extensions import Blueprint

from .schemas import RefreshSchema, StaffLoginSchema, TokenPairSchema, WeChatLoginSchema

blp = Blueprint("auth", __name__, url_prefix="/api/v1/auth", description="登录与令牌")


def _pair(pair: auth.TokenPair) -> dict[str, Any]:
    actor = pair.actor
    return {"access_token": pair.access_token, "refresh_token": pair.refresh_token,
            "token_type": "Bearer", "expires_in": pair.expires_in,
            "user": {"kind": actor.kind, "id": actor.id, "role": actor.role, "name": actor.name,
                     "area_code": actor.area_code,
                     "must_change_password": actor.must_change_password}}


@blp.route("/wechat")
class WeChatLogin(MethodView):
    """Mini-program login."""

    @blp.permission(PUBLIC, errors=(422, 429, 503))
    @blp.arguments(WeChatLoginSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Exchange a wx.login code for our tokens (居民微信登录)."""
        return _pair(auth.login_wechat(data["code"], wechat=current_app.extensions["wechat"]))


@blp.route("/staff")
class StaffLogin(MethodView):
    """Staff login."""

    @blp.permission(PUBLIC, errors=(401, 422, 429))
    @blp.arguments(StaffLoginSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Log in with a username and password (工作人员登录)."""
        return _pair(auth.login_staff(data["username"], data["password"],
                                      address=request.remote_addr or ""))


@blp.route("/refresh")
class Refresh(MethodView):
    """Token refresh."""

    @blp.permission(PUBLIC, errors=(401, 422))
    @blp.arguments(RefreshSchema)
    @blp.response(200, TokenPairSchema)
    def post(self, data: dict[str, Any]) -> dict[str, Any]:
        """Rotate the refresh token and get a new access token (刷新令牌)."""
        return _pair(auth.refresh_tokens(data["refresh_token"]))


@blp.route("/logout")
class Logout(MethodView):
    """Log out."""

    @blp.permission("auth.logout")
    @blp.response(204)
    def post(self) -> None:
        """Revoke this login's tokens (退出登录)."""
        auth.logout(actor=g.actor)
