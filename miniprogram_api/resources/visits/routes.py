"""Visit records (check in, check out, missed) and the care visits due in scope."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.commands.visits import CheckIn, CheckOut, MarkMissed
from backend.models import VisitPhoto
from backend.services import care_plans, visits
from miniprogram_api.extensions import Blueprint, PeeweePage
from miniprogram_api.idempotency import idempotent

from .schemas import (
    CareVisitQueryArgsSchema,
    CareVisitSchema,
    CheckInSchema,
    CheckOutSchema,
    MissedSchema,
    PhotoFileSchema,
    VisitPhotoSchema,
    VisitQueryArgsSchema,
    VisitSchema,
)

blp = Blueprint("visits", __name__, url_prefix="/api/v1", description="探访记录与定期探访")


class VisitPage(PeeweePage):
    """A page of visits with their photos in one more query."""

    prefetch = (VisitPhoto,)


@blp.route("/visits")
class Visits(MethodView):
    """Visit records."""

    @blp.permission("visits.read", errors=(422,))
    @blp.arguments(VisitQueryArgsSchema, location="query")
    @blp.response(200, VisitSchema(many=True))
    @blp.paginate(VisitPage)
    def get(self, args: dict[str, Any]) -> Any:
        """Visit records in your scope (探访记录列表)."""
        return visits.list_visits(actor=g.actor, **args)

    @blp.permission("visits.record", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(CheckInSchema)
    @blp.response(201, VisitSchema)
    def post(self, cmd: CheckIn) -> Any:
        """Check in at a client's door for a booking or a due care visit (探访签到)."""
        return visits.check_in(cmd, actor=g.actor)


@blp.route("/visits/<int:visit_id>")
class VisitDetail(MethodView):
    """One visit record."""

    @blp.permission("visits.read", errors=(404,))
    @blp.response(200, VisitSchema)
    def get(self, visit_id: int) -> Any:
        """A visit record (探访记录详情)."""
        return visits.get_visit(visit_id, actor=g.actor)


@blp.route("/visits/<int:visit_id>/check-out")
class VisitCheckOut(MethodView):
    """Finishing a visit."""

    @blp.permission("visits.record", errors=(404, 409, 422))
    @blp.arguments(CheckOutSchema)
    @blp.response(200, VisitSchema)
    def post(self, cmd: CheckOut, visit_id: int) -> Any:
        """Check out with the services delivered and notes (探访签退)."""
        return visits.check_out(visit_id, cmd, actor=g.actor)


@blp.route("/visits/<int:visit_id>/missed")
class VisitMissed(MethodView):
    """A visit that did not happen."""

    @blp.permission("visits.record", errors=(404, 409, 422))
    @blp.arguments(MissedSchema)
    @blp.response(200, VisitSchema)
    def post(self, cmd: MarkMissed, visit_id: int) -> Any:
        """Mark a visit missed, with the reason (未遇登记)."""
        return visits.mark_missed(visit_id, cmd, actor=g.actor)


@blp.route("/visits/<int:visit_id>/photos")
class VisitPhotos(MethodView):
    """Photos of a visit."""

    @blp.permission("visits.record", errors=(404, 409, 413, 415, 422))
    @blp.arguments(PhotoFileSchema, location="files")
    @blp.response(201, VisitPhotoSchema)
    def post(self, files: dict[str, Any], visit_id: int) -> Any:
        """Add a photo to your visit record (上传探访照片)."""
        return visits.add_visit_photo(visit_id, files["file"].stream, actor=g.actor)


@blp.route("/care-visits")
class CareVisits(MethodView):
    """Care visits that fell due."""

    @blp.permission("care_visits.read", errors=(422,))
    @blp.arguments(CareVisitQueryArgsSchema, location="query")
    @blp.response(200, CareVisitSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Who is due and who is overdue in your scope (待探访与逾期)."""
        return care_plans.list_care_visits(actor=g.actor, status=args.get("status"),
                                           worker_id=args.get("worker_id"))
