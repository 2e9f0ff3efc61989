"""The client registry (服务对象): scoped lists, registration, edits, revealing a value."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.commands.clients import EditClient, RegisterClient
from backend.models import ClientCategory
from backend.services import clients
from miniprogram_api import etags
from miniprogram_api.extensions import Blueprint, PeeweePage
from miniprogram_api.idempotency import idempotent

from .schemas import (
    ClientCreateSchema,
    ClientIdSearchSchema,
    ClientQueryArgsSchema,
    ClientSchema,
    ClientUpdateSchema,
    RevealRequestSchema,
    RevealResponseSchema,
)

blp = Blueprint("clients", __name__, url_prefix="/api/v1/clients", description="服务对象登记")


class ClientPage(PeeweePage):
    """A page of clients with their categories in one more query."""

    prefetch = (ClientCategory,)


@blp.route("")
class Clients(MethodView):
    """The registry."""

    @blp.permission("clients.read", errors=(422,))
    @blp.arguments(ClientQueryArgsSchema, location="query")
    @blp.response(200, ClientSchema(many=True))
    @blp.paginate(ClientPage)
    def get(self, args: dict[str, Any]) -> Any:
        """Search clients in your scope by name, category or village (服务对象列表)."""
        return clients.list_clients(clients.ClientFilter(**args), actor=g.actor)

    @blp.permission("clients.create", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(ClientCreateSchema)
    @blp.response(201, ClientSchema)
    def post(self, cmd: RegisterClient) -> Any:
        """Register a client in a village of your scope (登记服务对象)."""
        return clients.create_client(cmd, actor=g.actor)


@blp.route("/search")
class ClientIdSearch(MethodView):
    """Search by ID number."""

    @blp.permission("clients.read", errors=(422,))
    @blp.arguments(ClientIdSearchSchema)
    @blp.response(200, ClientSchema(many=True))
    @blp.paginate(ClientPage)
    def post(self, data: dict[str, Any]) -> Any:
        """Find clients in your scope by full ID number, sent in the body (按身份证号查找)."""
        return clients.list_clients(clients.ClientFilter(id_number=data["id_number"]),
                                    actor=g.actor)


@blp.route("/<int:client_id>")
class ClientDetail(MethodView):
    """One client."""

    @blp.permission("clients.read", errors=(404,))
    @blp.response(200, ClientSchema)
    @blp.versioned("client")
    def get(self, client_id: int) -> Any:
        """A client's record (服务对象详情)."""
        return clients.get_client(client_id, actor=g.actor)

    @blp.permission("clients.update", errors=(404, 412, 422))
    @blp.arguments(ClientUpdateSchema)
    @blp.response(200, ClientSchema)
    @blp.versioned("client")
    def patch(self, cmd: EditClient, client_id: int) -> Any:
        """Edit a client's record; the change is audited (修改服务对象)."""
        return clients.update_client(client_id, cmd, actor=g.actor,
                                     expected_versions=etags.if_match("client", client_id))


@blp.route("/<int:client_id>/reveal")
class ClientReveal(MethodView):
    """A personal value in clear."""

    @blp.permission("clients.reveal", errors=(404, 422))
    @blp.arguments(RevealRequestSchema)
    @blp.response(200, RevealResponseSchema)
    def post(self, data: dict[str, Any], client_id: int) -> dict[str, str]:
        """Show one personal value in clear; the access is logged (查看明文)."""
        value = clients.reveal_client_field(client_id, data["field"], data["purpose"],
                                            actor=g.actor)
        return {"field": data["field"], "value": value}
