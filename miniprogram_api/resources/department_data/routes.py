"""Other departments' data (人社、住建、公安、市场监管、税务、公积金、车管) for 家庭经济状况核对."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, g, send_file
from flask.views import MethodView

from backend.services import department_data
from miniprogram_api.extensions import Blueprint, PeeweePage

from .schemas import (
    DepartmentFileSchema,
    DepartmentImportRecordSchema,
    DepartmentImportReportSchema,
    DepartmentSchema,
    ImportQueryArgsSchema,
)

blp = Blueprint("department_data", __name__, url_prefix="/api/v1/department-data",
                description="部门数据：家庭经济状况核对所需的人社、住建、公安、市场监管、税务、"
                            "公积金、车管数据的格式、待核对人员导出与数据导入")


@blp.route("")
class Departments(MethodView):
    """The departments and their file layouts."""

    @blp.permission("department_data.import")
    @blp.response(200, DepartmentSchema(many=True))
    def get(self) -> Any:
        """Every department's file layout: sheet name, headers, what is required (数据格式)."""
        return department_data.departments()


@blp.route("/imports")
class DepartmentImports(MethodView):
    """Department files imported before."""

    @blp.permission("department_data.import")
    @blp.response(200, DepartmentImportRecordSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self) -> Any:
        """Files imported in your scope, newest first, each with its unmatched rows (导入记录)."""
        return department_data.past_imports(actor=g.actor)


@blp.route("/<string:department>/people")
class PeopleToCheck(MethodView):
    """The people under check, for one department."""

    @blp.permission("department_data.export", errors=(404,))
    @blp.response(200)
    @blp.doc(responses={"200": {"description": "待核对人员（CSV，含完整身份证号，逐人记录查阅）",
                                "content": {"text/csv": {"schema": {"type": "string",
                                                                    "format": "binary"}}}}})
    def get(self, department: str) -> Response:
        """Download the people at the verification stage in your scope for a department: the
        department's own layout with ID numbers and names filled in (导出待核对人员)."""
        content, media_type, name = department_data.people_to_check(department, actor=g.actor)
        return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                         download_name=name, max_age=0)


@blp.route("/<string:department>/import")
class DepartmentImport(MethodView):
    """A department's file."""

    @blp.permission("department_data.import", errors=(404, 413, 415, 422))
    @blp.arguments(ImportQueryArgsSchema, location="query")
    @blp.arguments(DepartmentFileSchema, location="files")
    @blp.response(200, DepartmentImportReportSchema)
    def post(self, args: dict[str, Any], files: dict[str, Any], department: str) -> Any:
        """Check (dry_run=true) or import a department's file, matched by ID blind index; rows
        matching no one are reported and kept (导入部门数据)."""
        upload = files["file"]
        return department_data.import_department_file(
            department, upload.read(), upload.filename or "", dry_run=args["dry_run"],
            actor=g.actor)
