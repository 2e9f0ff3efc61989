"""A social worker's own route: today's (or a given day's) ordered stops."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.services import planning
from backend.services.care_plans import local_today
from miniprogram_api.extensions import Blueprint

from .schemas import MyRouteSchema, RouteQueryArgsSchema

blp = Blueprint("routes", __name__, url_prefix="/api/v1/me", description="我的路线")


@blp.route("/route")
class MyRoute(MethodView):
    """The caller's route."""

    @blp.permission("route.read", errors=(404, 422))
    @blp.arguments(RouteQueryArgsSchema, location="query")
    @blp.response(200, MyRouteSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Ordered stops with arrival windows, addresses and navigation (我的探访路线)."""
        return planning.my_route(args.get("date") or local_today(), actor=g.actor)
