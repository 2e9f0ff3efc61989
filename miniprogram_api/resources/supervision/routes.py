"""Supervision (督导): compliance, the weekly supervision and monthly bulletin, profile imports."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, g, send_file
from flask.views import MethodView

from backend.services import profiles_import, supervision
from miniprogram_api.extensions import Blueprint
from miniprogram_api.idempotency import idempotent

from .schemas import (
    ComplianceQueryArgsSchema,
    ComplianceSchema,
    ImportFileSchema,
    ImportQueryArgsSchema,
    ImportReportSchema,
    ReportGenerateSchema,
    ReportQueryArgsSchema,
    ReportSchema,
    StoredReportSchema,
    TemplateQueryArgsSchema,
)

blp = Blueprint("supervision", __name__, url_prefix="/api/v1/supervision",
                description="督导：标准达标、周督导、月通报、乡镇概况导入")


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
_BINARY = {"schema": {"type": "string", "format": "binary"}}


def _download(content: bytes, media_type: str, filename: str) -> Response:
    """A file download (binary: passed through, never decoded as text)."""
    return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                     download_name=filename, max_age=0)


@blp.route("/compliance")
class Compliance(MethodView):
    """Compliance with the standards."""

    @blp.permission("supervision.read", errors=(422,))
    @blp.arguments(ComplianceQueryArgsSchema, location="query")
    @blp.response(200, ComplianceSchema)
    def get(self, args: dict[str, Any]) -> dict[str, Any]:
        """Every standard per township and city-wide: required, actual, pass, gap (达标情况)."""
        return supervision.get_compliance(args.get("period"), actor=g.actor)


@blp.route("/reports/<string:kind>")
class Report(MethodView):
    """A weekly supervision or monthly bulletin."""

    @blp.permission("supervision.read", errors=(404, 422))
    @blp.arguments(ReportQueryArgsSchema, location="query")
    @blp.response(200, ReportSchema)
    @blp.doc(responses={"200": {"description": "报告（JSON、XLSX 或 PNG，按 format）",
                                "content": {"application/json": {"schema": ReportSchema},
                                            XLSX: _BINARY, "image/png": _BINARY}}})
    def get(self, args: dict[str, Any], kind: str) -> Any:
        """The report as JSON, an XLSX download or a PNG chart (周督导 / 月通报)."""
        if args["format"] == "json":
            return supervision.get_report(kind, args.get("period"), actor=g.actor)
        return _download(*supervision.report_file(kind, args.get("period"), args["format"],
                                                  actor=g.actor, chart=args["chart"]))

    @blp.permission("supervision.generate", errors=(404, 422))
    @idempotent
    @blp.arguments(ReportGenerateSchema)
    @blp.response(201, StoredReportSchema)
    def post(self, data: dict[str, Any], kind: str) -> Any:
        """Generate and keep the report now, replacing one of the same period (生成报告)."""
        return supervision.generate_report(kind, data.get("period"), actor=g.actor)


@blp.route("/profiles/import")
class ProfileImport(MethodView):
    """Township profiles from a spreadsheet."""

    @blp.permission("supervision.profiles.import", errors=(413, 415, 422))
    @blp.arguments(ImportQueryArgsSchema, location="query")
    @blp.arguments(ImportFileSchema, location="files")
    @blp.response(200, ImportReportSchema)
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> Any:
        """Check (dry_run=true) or import township profiles from XLSX or CSV (导入乡镇概况)."""
        upload = files["file"]
        return profiles_import.import_profiles(upload.read(), upload.filename or "",
                                               dry_run=args["dry_run"], actor=g.actor)


@blp.route("/profiles/template")
class ProfileTemplate(MethodView):
    """The import template."""

    @blp.permission("supervision.profiles.import", errors=(422,))
    @blp.arguments(TemplateQueryArgsSchema, location="query")
    @blp.response(200)
    @blp.doc(responses={"200": {"description": "导入模板文件",
                                "content": {XLSX: _BINARY, "text/csv": _BINARY}}})
    def get(self, args: dict[str, Any]) -> Response:
        """Download the township profile template with your townships filled in (导入模板)."""
        return _download(*profiles_import.profile_template(args["format"], actor=g.actor))
