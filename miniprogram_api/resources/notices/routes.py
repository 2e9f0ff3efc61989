"""The public notice (公示): what runs now in a village, and residents' objections."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView
from flask_smorest import Page

from backend.commands.notices import ObjectToNotice
from backend.permissions import PUBLIC
from backend.services import notices
from miniprogram_api.extensions import Blueprint
from miniprogram_api.idempotency import idempotent

from .schemas import (
    NoticeObjectionCreateSchema,
    NoticeObjectionSchema,
    NoticeQueryArgsSchema,
    NoticeSchema,
)

blp = Blueprint("notices", __name__, url_prefix="/api/v1/notices",
                description="公示：各村（社区）正在公示的事项与群众异议")


@blp.route("")
class Notices(MethodView):
    """A village's running notices."""

    @blp.permission(PUBLIC, errors=(404, 422))
    @blp.arguments(NoticeQueryArgsSchema, location="query")
    @blp.response(200, NoticeSchema(many=True))
    @blp.paginate(Page)
    def get(self, args: dict[str, Any]) -> Any:
        """The notices running now in a village, names masked, no login needed (公示栏)."""
        return notices.list_running_notices(args["village_id"], actor=g.actor)


@blp.route("/<int:notice_id>/objections")
class Objections(MethodView):
    """Objecting to a notice."""

    @blp.permission("notices.object", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(NoticeObjectionCreateSchema)
    @blp.response(201, NoticeObjectionSchema)
    def post(self, command: ObjectToNotice, notice_id: int) -> Any:
        """Object to a running notice with a reason; staff resolve it before approval (异议)."""
        return notices.object_to_notice(notice_id, command, actor=g.actor)
