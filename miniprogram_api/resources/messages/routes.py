"""The caller's inbox (我的消息) and the WeChat templates they subscribed to (订阅消息)."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.services import messages
from miniprogram_api.extensions import Blueprint, PeeweePage
from miniprogram_api.idempotency import idempotent
from notifications.templates import accepted_templates

from .schemas import (
    MessageQueryArgsSchema,
    MessageSchema,
    SubscriptionCreateSchema,
    SubscriptionSchema,
)

blp = Blueprint("messages", __name__, url_prefix="/api/v1/me", description="我的消息与订阅")


@blp.route("/messages")
class Messages(MethodView):
    """The inbox."""

    @blp.permission("messages.read", errors=(422,))
    @blp.arguments(MessageQueryArgsSchema, location="query")
    @blp.response(200, MessageSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Your notifications, newest first (我的消息)."""
        return messages.list_my_messages(actor=g.actor, unread_only=args["unread_only"])


@blp.route("/messages/<int:message_id>/read")
class MessageRead(MethodView):
    """One message, read."""

    @blp.permission("messages.read", errors=(404,))
    @blp.response(200, MessageSchema)
    def post(self, message_id: int) -> Any:
        """Mark a message read (标为已读)."""
        return messages.mark_message_read(message_id, actor=g.actor)


@blp.route("/subscriptions")
class Subscriptions(MethodView):
    """WeChat subscribe-message credits."""

    @blp.permission("subscriptions.create")
    @blp.response(200, SubscriptionSchema(many=True))
    def get(self) -> Any:
        """Your remaining sends per template (我的订阅)."""
        return messages.my_subscriptions(actor=g.actor)

    @blp.permission("subscriptions.create", errors=(422,))
    @idempotent
    @blp.arguments(SubscriptionCreateSchema)
    @blp.response(201, SubscriptionSchema(many=True))
    def post(self, data: dict[str, Any]) -> Any:
        """Record the templates you accepted; each accept allows one message (记录订阅)."""
        return messages.record_subscriptions(accepted_templates(data["template_ids"]),
                                             actor=g.actor)
