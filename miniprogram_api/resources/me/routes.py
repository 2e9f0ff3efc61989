"""The caller's own profile."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.services import accounts
from miniprogram_api.extensions import Blueprint

from .schemas import MeSchema

blp = Blueprint("me", __name__, url_prefix="/api/v1/me", description="我的信息")


@blp.route("")
class Me(MethodView):
    """The caller."""

    @blp.permission("me.read")
    @blp.response(200, MeSchema)
    def get(self) -> dict[str, Any]:
        """Who am I: profile, role and scope (我的信息)."""
        return accounts.describe_me(actor=g.actor)
