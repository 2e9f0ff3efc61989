"""Named accountability (强化责任追究): every open stage held by a named person."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.services import stage_holders
from miniprogram_api.extensions import Blueprint

from .schemas import (
    CityQueueEntrySchema,
    ReassignSchema,
    StageHolderSchema,
    StageRuleAnswerSchema,
    StageRuleSchema,
)

blp = Blueprint("accountability", __name__, url_prefix="/api/v1",
                description="强化责任追究：环节责任人、改派、乡镇负责人指定、市级督办队列")


@blp.route("/applications/<int:application_id>/holder")
class Holder(MethodView):
    """Who holds the application's open stage."""

    @blp.permission("stage_holders.read", errors=(404,))
    @blp.response(200, StageHolderSchema)
    def get(self, application_id: int) -> Any:
        """The named person holding the open stage, and by which rule (环节责任人)."""
        return stage_holders.current_holder(application_id, actor=g.actor)

    @blp.permission("stage_holders.assign", errors=(404, 409, 422))
    @blp.arguments(ReassignSchema)
    @blp.response(200, StageHolderSchema)
    def put(self, data: dict[str, Any], application_id: int) -> Any:
        """Reassign the open stage to another named person; the head or the city (改派)."""
        return stage_holders.reassign_stage(application_id, data["staff_id"], data["reason"],
                                            actor=g.actor)


@blp.route("/townships/<int:township_id>/stage-rules/<string:stage>")
class StageRule(MethodView):
    """The head's standing choice for a stage."""

    @blp.permission("stage_holders.assign", errors=(404, 422))
    @blp.arguments(StageRuleSchema)
    @blp.response(200, StageRuleAnswerSchema)
    def put(self, data: dict[str, Any], township_id: int, stage: str) -> Any:
        """Name who holds this stage of the township's applications from now on (指定责任人)."""
        stage_holders.set_stage_rule(township_id, stage, data["staff_id"], actor=g.actor)
        return {"township_id": township_id, "stage": stage, "holder_id": data["staff_id"]}


@blp.route("/supervision/city-queue")
class CityQueue(MethodView):
    """The city bureau's own queue."""

    @blp.permission("applications.report")
    @blp.response(200, CityQueueEntrySchema(many=True))
    def get(self) -> Any:
        """Stages late past the city's threshold and still open, with holder and head (市级督办)."""
        return stage_holders.city_queue(actor=g.actor)
