"""Training and yearly assessment per person (培训与年度考核) of township and village staff."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, g, send_file
from flask.views import MethodView

from backend.services import tabular, training
from miniprogram_api.extensions import Blueprint, PeeweePage

from .schemas import (
    ImportQueryArgsSchema,
    PersonYearSchema,
    TrainingFileSchema,
    TrainingImportReportSchema,
    TrainingQueryArgsSchema,
    TrainingRecordSchema,
    TrainingSummaryArgsSchema,
    TrainingTemplateArgsSchema,
)

blp = Blueprint("training", __name__, url_prefix="/api/v1/training-records",
                description="培训与考核：每人每年培训记录、年度考核结果及其导入")
_BINARY = {"schema": {"type": "string", "format": "binary"}}




@blp.route("")
class TrainingRecords(MethodView):
    """Training records of staff in scope."""

    @blp.permission("training.read", errors=(422,))
    @blp.arguments(TrainingQueryArgsSchema, location="query")
    @blp.response(200, TrainingRecordSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Training records of staff in your scope, newest first (培训记录)."""
        return training.visible_records(actor=g.actor, year=args.get("year"),
                                        person_id=args.get("person_id"))


@blp.route("/summary")
class TrainingSummary(MethodView):
    """Each person's year."""

    @blp.permission("training.read", errors=(422,))
    @blp.arguments(TrainingSummaryArgsSchema, location="query")
    @blp.response(200, PersonYearSchema(many=True))
    def get(self, args: dict[str, Any]) -> Any:
        """Every active staff member in scope with the year's training days and assessment."""
        return training.summary(args["year"], actor=g.actor)


@blp.route("/import")
class TrainingImport(MethodView):
    """Training and assessment from a spreadsheet."""

    @blp.permission("training.import", errors=(413, 415, 422))
    @blp.arguments(ImportQueryArgsSchema, location="query")
    @blp.arguments(TrainingFileSchema, location="files")
    @blp.response(200, TrainingImportReportSchema)
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> Any:
        """Check (dry_run=true) or import training records and assessments (导入培训与考核)."""
        upload = files["file"]
        return training.import_training(upload.read(), upload.filename or "",
                                         dry_run=args["dry_run"], actor=g.actor)


@blp.route("/template")
class TrainingTemplate(MethodView):
    """The import template."""

    @blp.permission("training.import", errors=(422,))
    @blp.arguments(TrainingTemplateArgsSchema, location="query")
    @blp.response(200)
    @blp.doc(responses={"200": {"description": "导入模板文件",
                                "content": {tabular.XLSX_MEDIA_TYPE: _BINARY,
                                            "text/csv": _BINARY}}})
    def get(self, args: dict[str, Any]) -> Response:
        """Download the template with your staff listed (导入模板)."""
        content, media_type, name = training.training_template(args["format"], actor=g.actor)
        return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                         download_name=name, max_age=0)
