"""Applications (办件): filing, 代办, transitions, progress, queue, materials, ratings."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, g, send_file
from flask.views import MethodView

from backend import content_checks
from backend.commands import applications as commands
from backend.commands.links import AttachApplicant
from backend.models import ApplicationMaterial, StaffAccount
from backend.services import applications, links, materials
from miniprogram_api import etags
from miniprogram_api.extensions import Blueprint, PeeweePage
from miniprogram_api.idempotency import idempotent

from .schemas import (
    ApplicationCreateSchema,
    ApplicationMaterialSchema,
    ApplicationQueryArgsSchema,
    ApplicationSchema,
    AttachApplicantSchema,
    EvaluationCreateSchema,
    EvaluationSchema,
    FollowUpCloseSchema,
    FollowUpSchema,
    MaterialFileSchema,
    MaterialUploadArgsSchema,
    OverdueRowSchema,
    QueueQueryArgsSchema,
    ReceiptSchema,
    TimelineSchema,
    TransitionSchema,
    WithdrawSchema,
)

blp = Blueprint("applications", __name__, url_prefix="/api/v1/applications",
                description="办件：申请、代办、审核流转、办件进度、好差评")


class ApplicationPage(PeeweePage):
    """A page of applications with their uploaded materials and the staff who filed them
    (the window's clerk, the 代办 coordinator), each in one more query."""

    prefetch = (ApplicationMaterial, StaffAccount)

    @property
    def items(self) -> list[Any]:
        """This page's applications, their materials' withdrawals read in one more query."""
        page = super().items
        content_checks.note_withdrawn(
            "application_material", [m for application in page for m in application.materials])
        return page


@blp.route("")
class Applications(MethodView):
    """Applications you may see, and filing a new one."""

    @blp.permission("applications.read", errors=(422,))
    @blp.arguments(ApplicationQueryArgsSchema, location="query")
    @blp.response(200, ApplicationSchema(many=True))
    @blp.paginate(ApplicationPage)
    def get(self, args: dict[str, Any]) -> Any:
        """Your applications (resident) or those in your scope (staff) (申请列表)."""
        return applications.list_applications(applications.ApplicationFilter(**args),
                                              actor=g.actor)

    @blp.permission("applications.create", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(ApplicationCreateSchema)
    @blp.response(201, ApplicationSchema)
    def post(self, command: commands.FileApplication) -> Any:
        """File an application, yourself or for a resident of your village (提交申请 / 代办)."""
        return applications.file_application(command, actor=g.actor)


@blp.route("/queue")
class Queue(MethodView):
    """The staff work queue."""

    @blp.permission("applications.queue", errors=(422,))
    @blp.arguments(QueueQueryArgsSchema, location="query")
    @blp.response(200, ApplicationSchema(many=True))
    @blp.paginate(ApplicationPage)
    def get(self, args: dict[str, Any]) -> Any:
        """Applications waiting on your role in your scope, soonest due first (待办件)."""
        return applications.work_queue(
            applications.QueueFilter(overdue_only=args["overdue_only"]), actor=g.actor)


@blp.route("/overdue-report")
class OverdueReport(MethodView):
    """Late steps per township and stage."""

    @blp.permission("applications.report")
    @blp.response(200, OverdueRowSchema(many=True))
    def get(self) -> Any:
        """Open and overdue applications by township and stage, for the city (超时统计)."""
        return applications.overdue_report(actor=g.actor)


@blp.route("/follow-ups")
class FollowUps(MethodView):
    """Follow-ups of poor ratings."""

    @blp.permission("applications.queue")
    @blp.response(200, FollowUpSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self) -> Any:
        """Open follow-up tasks from poor ratings in your scope (差评回访)."""
        return applications.follow_ups(actor=g.actor)


@blp.route("/follow-ups/<int:task_id>/close")
class FollowUpClose(MethodView):
    """Closing a follow-up."""

    @blp.permission("applications.follow_up", errors=(404, 409, 422))
    @blp.arguments(FollowUpCloseSchema)
    @blp.response(200, FollowUpSchema)
    def post(self, command: commands.CloseFollowUp, task_id: int) -> Any:
        """Close a follow-up of a poor rating with what was found and done (差评回访办结)."""
        return applications.close_follow_up(task_id, command, actor=g.actor)


@blp.route("/<int:application_id>")
class ApplicationDetail(MethodView):
    """One application."""

    @blp.permission("applications.read", errors=(404,))
    @blp.response(200, ApplicationSchema)
    @blp.versioned("application")
    def get(self, application_id: int) -> Any:
        """An application with its missing materials (申请详情)."""
        return applications.get_application(application_id, actor=g.actor)


@blp.route("/<int:application_id>/submit")
class Submit(MethodView):
    """Submitting a draft, or handing in 补正 materials."""

    @blp.permission("applications.create", errors=(404, 409))
    @blp.response(200, ApplicationSchema)
    def post(self, application_id: int) -> Any:
        """Submit a draft, or resubmit after 补正 so the clock runs again (提交)."""
        return applications.submit_application(application_id, actor=g.actor)


@blp.route("/<int:application_id>/withdraw")
class Withdraw(MethodView):
    """Withdrawing before a decision."""

    @blp.permission("applications.create", errors=(404, 409, 422))
    @blp.arguments(WithdrawSchema)
    @blp.response(200, ApplicationSchema)
    def post(self, command: commands.WithdrawApplication, application_id: int) -> Any:
        """Withdraw an application before it is decided (撤回)."""
        return applications.withdraw_application(application_id, command, actor=g.actor)


@blp.route("/<int:application_id>/transitions")
class Transitions(MethodView):
    """Moving an application through its workflow."""

    @blp.permission("applications.transition", errors=(404, 409, 412, 422))
    @blp.arguments(TransitionSchema)
    @blp.response(200, ApplicationSchema)
    @blp.versioned("application")
    def post(self, command: Any, application_id: int) -> Any:
        """Advance, return for 补正, reject, approve, or record/resolve an objection (审核流转)."""
        return applications.VERBS[type(command)](
            application_id, command, actor=g.actor,
            expected_versions=etags.if_match("application", application_id))


@blp.route("/<int:application_id>/timeline")
class Timeline(MethodView):
    """Progress."""

    @blp.permission("applications.read", errors=(404,))
    @blp.response(200, TimelineSchema)
    def get(self, application_id: int) -> Any:
        """Every step, the current stage, who holds it and its due date (办件进度)."""
        return applications.timeline(application_id, actor=g.actor)


@blp.route("/<int:application_id>/materials")
class Materials(MethodView):
    """Uploading materials."""

    @blp.permission("applications.create", errors=(404, 409, 413, 415, 422))
    @blp.arguments(MaterialUploadArgsSchema, location="query")
    @blp.arguments(MaterialFileSchema, location="files")
    @blp.response(201, ApplicationMaterialSchema)
    def post(self, args: dict[str, Any], files: dict[str, Any], application_id: int) -> Any:
        """Upload an image or PDF for one catalogue entry; type sniffed from content (上传材料)."""
        return materials.upload_material(application_id, args["material_code"],
                                         files["file"].stream, actor=g.actor)


_BINARY = {"schema": {"type": "string", "format": "binary"}}


@blp.route("/<int:application_id>/materials/<int:material_id>")
class MaterialDownload(MethodView):
    """One uploaded material's file."""

    @blp.permission("applications.read", errors=(404,))
    @blp.doc(responses={"200": {
        "description": "材料文件；Content-Disposition 按 RFC 6266 给出中文文件名（filename*）",
        "content": {"image/jpeg": _BINARY, "image/png": _BINARY, "application/pdf": _BINARY}}})
    def get(self, application_id: int, material_id: int) -> Response:
        """Download a material, as its applicant or staff in scope; access is logged (下载材料)."""
        found = materials.get_material_file(application_id, material_id, actor=g.actor)
        # Read whole (uploads are size-limited): no open file outlives a dropped connection.
        response = send_file(io.BytesIO(found.content), mimetype=found.content_type,
                             max_age=0, conditional=False, etag=False)
        response.headers["Content-Disposition"] = found.content_disposition
        return response


@blp.route("/<int:application_id>/receipt")
class Receipt(MethodView):
    """The acceptance receipt."""

    @blp.permission("applications.read", errors=(404, 409))
    @blp.response(200, ReceiptSchema)
    def get(self, application_id: int) -> Any:
        """Number, service, materials received, time limit, where to follow progress (受理回执)."""
        return applications.receipt(application_id, actor=g.actor)


@blp.route("/<int:application_id>/applicant-account")
class ApplicantAccount(MethodView):
    """The applicant's WeChat account for an application filed without one."""

    @blp.permission("clients.link", errors=(404, 409, 422))
    @blp.arguments(AttachApplicantSchema)
    @blp.response(200, ApplicationSchema)
    def post(self, command: AttachApplicant, application_id: int) -> Any:
        """Give a window application the applicant's account from their link code (关联申请人)."""
        return links.attach_applicant(application_id, command, actor=g.actor)


@blp.route("/<int:application_id>/evaluation")
class Evaluation(MethodView):
    """Rating the service."""

    @blp.permission("applications.evaluate", errors=(404, 409, 422))
    @blp.arguments(EvaluationCreateSchema)
    @blp.response(201, EvaluationSchema)
    def post(self, command: commands.EvaluateApplication, application_id: int) -> Any:
        """Rate a decided application 1–5; a poor rating gets a follow-up (好差评)."""
        return applications.evaluate_application(application_id, command, actor=g.actor)
