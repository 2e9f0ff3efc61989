"""Verified links (关联服务对象): a resident's link codes and phone check, staff's in-person links.

A WeChat account reaches a client's records only through one of these links; each is recorded
with its relation and how it was verified, and audited when made and when ended.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, g
from flask.views import MethodView

from backend.commands.links import LinkByPhone, LinkInPerson, Unlink
from backend.errors import UpstreamUnavailable
from backend.services import link_codes, links
from miniprogram_api.extensions import Blueprint
from miniprogram_api.idempotency import idempotent
from miniprogram_api.resources.me.schemas import LinkedClientSchema
from notifications import context

from .schemas import (
    ClientLinkSchema,
    InPersonLinkCreateSchema,
    LinkCodeSchema,
    PhoneLinkCreateSchema,
    UnlinkArgsSchema,
)

blp = Blueprint("links", __name__, url_prefix="/api/v1",
                description="关联服务对象：微信账号经当面核验或手机号核验后才能办理服务对象的事务")


class _Tokens:
    """The process's WeChat token getter, with an unreachable Redis answered as 503."""

    def __init__(self) -> None:
        self._inner = context.current().tokens

    def get(self) -> str:
        """A live token."""
        try:
            return self._inner.get()
        except context.REDIS_DOWN:
            raise UpstreamUnavailable("暂时无法核验手机号，请稍后再试",
                                      code="wechat_unreachable") from None

    def refresh(self, stale: str) -> str:
        """A token other than the refused one."""
        try:
            return self._inner.refresh(stale)
        except context.REDIS_DOWN:
            raise UpstreamUnavailable("暂时无法核验手机号，请稍后再试",
                                      code="wechat_unreachable") from None


@blp.route("/me/link-codes")
class LinkCodes(MethodView):
    """The resident's link code."""

    @blp.permission("links.own")
    @blp.response(201, LinkCodeSchema)
    def post(self) -> Any:
        """A 10-minute code to show staff, who link you after seeing your ID (获取关联码)."""
        return link_codes.issue_link_code(actor=g.actor)


@blp.route("/me/links")
class MyLinks(MethodView):
    """The resident's links."""

    @blp.permission("links.own")
    @blp.response(200, LinkedClientSchema(many=True))
    def get(self) -> Any:
        """The clients your account is linked to, with township and village (我关联的服务对象)."""
        return links.my_links(actor=g.actor)

    @blp.permission("links.own", errors=(409, 422, 429, 503))
    @idempotent
    @blp.arguments(PhoneLinkCreateSchema)
    @blp.response(201, LinkedClientSchema)
    def post(self, command: LinkByPhone) -> Any:
        """Link yourself (or your minor child) by WeChat's phone number, name and ID (自助关联)."""
        link = links.link_by_phone(command, actor=g.actor,
                                   wechat=current_app.extensions["wechat"], tokens=_Tokens())
        return links.describe_link(link)


@blp.route("/me/links/<int:link_id>")
class MyLink(MethodView):
    """One of the resident's links."""

    @blp.permission("links.own", errors=(404, 422))
    @blp.arguments(UnlinkArgsSchema, location="query")
    @blp.response(204)
    def delete(self, command: Unlink, link_id: int) -> None:
        """End one of your links; audited (解除关联)."""
        links.unlink(link_id, command, actor=g.actor)


@blp.route("/clients/<int:client_id>/links")
class ClientLinks(MethodView):
    """A client's linked accounts."""

    @blp.permission("clients.link", errors=(404,))
    @blp.response(200, ClientLinkSchema(many=True))
    def get(self, client_id: int) -> Any:
        """The WeChat accounts linked to a client in your scope (关联账号)."""
        return links.client_links(client_id, actor=g.actor)

    @blp.permission("clients.link", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(InPersonLinkCreateSchema)
    @blp.response(201, ClientLinkSchema)
    def post(self, command: LinkInPerson, client_id: int) -> Any:
        """Link the account whose code the resident shows, ID document seen (当面关联)."""
        return links.link_in_person(client_id, command, actor=g.actor)


@blp.route("/clients/<int:client_id>/links/<int:link_id>")
class ClientLink(MethodView):
    """One linked account of a client."""

    @blp.permission("clients.link", errors=(404, 422))
    @blp.arguments(UnlinkArgsSchema, location="query")
    @blp.response(204)
    def delete(self, command: Unlink, client_id: int, link_id: int) -> None:
        """End a link of a client in your scope; audited (解除关联)."""
        links.unlink_client_link(client_id, link_id, command, actor=g.actor)
