"""A client's case file (档案): applications, bookings, care visits and visits in order."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.services import visits
from miniprogram_api.extensions import Blueprint

from .schemas import CaseFileSchema

blp = Blueprint("case_files", __name__, url_prefix="/api/v1/clients", description="服务对象档案")


@blp.route("/<int:client_id>/case-file")
class CaseFile(MethodView):
    """A client's file."""

    @blp.permission("case_files.read", errors=(404,))
    @blp.response(200, CaseFileSchema)
    def get(self, client_id: int) -> dict[str, Any]:
        """A client's applications, bookings and visits in time order (服务对象档案)."""
        client, entries = visits.case_file(client_id, actor=g.actor)
        return {"client_id": client.id, "client_name": client.name, "entries": entries}
