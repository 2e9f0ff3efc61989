"""Complaints and requests (诉求): residents file and rate, staff in scope answer."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, g, send_file
from flask.views import MethodView

from backend import storage
from backend.commands.grievances import FileGrievance, RateGrievance, ResolveGrievance
from backend.errors import NotFound
from backend.models import GrievancePhoto
from backend.services import grievances
from miniprogram_api.extensions import Blueprint, PeeweePage
from miniprogram_api.idempotency import idempotent

from .schemas import (
    GrievanceCreateSchema,
    GrievancePhotoFileSchema,
    GrievancePhotoSchema,
    GrievanceQueryArgsSchema,
    GrievanceRateSchema,
    GrievanceResolveSchema,
    GrievanceSchema,
)

blp = Blueprint("grievances", __name__, url_prefix="/api/v1/grievances",
                description="群众诉求：投诉与求助，限期答复，超期督办")
_IMAGE = {"schema": {"type": "string", "format": "binary"}}


class GrievancePage(PeeweePage):
    """A page of grievances with their photos in one more query."""

    prefetch = (GrievancePhoto,)


@blp.route("")
class Grievances(MethodView):
    """Grievances you filed (resident) or in your scope (staff), and filing one."""

    @blp.permission("grievances.read", errors=(422,))
    @blp.arguments(GrievanceQueryArgsSchema, location="query")
    @blp.response(200, GrievanceSchema(many=True))
    @blp.paginate(GrievancePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Your grievances, or those in your scope not about you, newest first (诉求列表)."""
        return grievances.visible_grievances(actor=g.actor, status=args.get("status"))

    @blp.permission("grievances.create", errors=(404, 422))
    @idempotent
    @blp.arguments(GrievanceCreateSchema)
    @blp.response(201, GrievanceSchema)
    def post(self, command: FileGrievance) -> Any:
        """Raise a complaint or request; it gets an owner and a date to answer by (提出诉求)."""
        return grievances.file_grievance(command, actor=g.actor)


@blp.route("/<int:grievance_id>")
class GrievanceDetail(MethodView):
    """One grievance."""

    @blp.permission("grievances.read", errors=(404,))
    @blp.response(200, GrievanceSchema)
    def get(self, grievance_id: int) -> Any:
        """A grievance with its owner, due date, answer and rating (诉求详情)."""
        return grievances.get_grievance(grievance_id, actor=g.actor)


@blp.route("/<int:grievance_id>/photos")
class GrievancePhotos(MethodView):
    """Photos of a grievance."""

    @blp.permission("grievances.create", errors=(404, 409, 413, 415, 422))
    @blp.arguments(GrievancePhotoFileSchema, location="files")
    @blp.response(201, GrievancePhotoSchema)
    def post(self, files: dict[str, Any], grievance_id: int) -> Any:
        """Attach a photo to your open grievance, at most nine (上传照片)."""
        return grievances.add_grievance_photo(grievance_id, files["file"].stream, actor=g.actor)


@blp.route("/<int:grievance_id>/photos/<int:photo_id>")
class GrievancePhotoFile(MethodView):
    """One photo's image."""

    @blp.permission("grievances.read", errors=(404,))
    @blp.doc(responses={"200": {"description": "照片（JPEG 或 PNG）",
                                "content": {"image/jpeg": _IMAGE, "image/png": _IMAGE}}})
    def get(self, grievance_id: int, photo_id: int) -> Response:
        """The photo itself, for the resident who filed it and staff in scope (查看照片)."""
        photo = grievances.grievance_photo(grievance_id, photo_id, actor=g.actor)
        content = storage.read_upload(photo.storage_name)
        if content is None:
            raise NotFound("未找到该照片", code="photo_not_found")
        return send_file(io.BytesIO(content), mimetype=photo.content_type,
                         download_name=f"grievance-{grievance_id}-{photo.id}."
                                       f"{photo.storage_name.rsplit('.', 1)[-1]}",
                         max_age=0)


@blp.route("/<int:grievance_id>/resolution")
class Resolution(MethodView):
    """Answering a grievance."""

    @blp.permission("grievances.resolve", errors=(404, 409, 422))
    @blp.arguments(GrievanceResolveSchema)
    @blp.response(200, GrievanceSchema)
    def post(self, command: ResolveGrievance, grievance_id: int) -> Any:
        """Answer a grievance; the resident finds it in their inbox (答复诉求)."""
        return grievances.resolve_grievance(grievance_id, command, actor=g.actor)


@blp.route("/<int:grievance_id>/rating")
class Rating(MethodView):
    """Rating the answer."""

    @blp.permission("grievances.rate", errors=(404, 409, 422))
    @blp.arguments(GrievanceRateSchema)
    @blp.response(200, GrievanceSchema)
    def post(self, command: RateGrievance, grievance_id: int) -> Any:
        """Rate the answer to your grievance 1–5, once (评价答复)."""
        return grievances.rate_grievance(grievance_id, command, actor=g.actor)
