"""Geography and staff directory, scoped to the caller."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.services import geography
from miniprogram_api.extensions import Blueprint, PeeweePage

from .schemas import TownshipDetailSchema, TownshipSchema

blp = Blueprint("townships", __name__, url_prefix="/api/v1/townships",
                description="乡镇（街道）、村（居）与工作人员名录")


@blp.route("")
class Townships(MethodView):
    """Townships in scope."""

    @blp.permission("townships.read")
    @blp.response(200, TownshipSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self) -> Any:
        """List townships in your scope (乡镇列表)."""
        return geography.list_townships(actor=g.actor)


@blp.route("/<int:township_id>")
class TownshipDetail(MethodView):
    """One township."""

    @blp.permission("townships.read", errors=(404,))
    @blp.response(200, TownshipDetailSchema)
    def get(self, township_id: int) -> dict[str, Any]:
        """A township with its villages, stations and staff (乡镇详情)."""
        township = geography.get_township(township_id, actor=g.actor)
        villages = geography.villages_of(township, actor=g.actor)
        return {**township.__data__, "villages": [
            {**village.__data__, "station": next(iter(village.stations), None)}
            for village in villages],
            "staff": geography.staff_directory(township, actor=g.actor)}
