"""Village service stations (民政服务站) and their coordinators' allowances."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.commands.stations import RecordAllowancePayment, UpdateStation
from backend.services import stations
from miniprogram_api.extensions import Blueprint, PeeweePage
from miniprogram_api.idempotency import idempotent
from miniprogram_api.resources.supervision.schemas import ImportQueryArgsSchema

from .schemas import (
    AllowancePaymentCreateSchema,
    AllowancePaymentSchema,
    AllowanceQueryArgsSchema,
    StationDetailSchema,
    StationImportFileSchema,
    StationImportReportSchema,
    StationUpdateSchema,
)

blp = Blueprint("stations", __name__, url_prefix="/api/v1",
                description="村（居）民政服务站：“五有”、批量导入、协管员补贴发放")


@blp.route("/villages/<int:village_id>/station")
class Station(MethodView):
    """A village's service station."""

    @blp.permission("stations.manage", errors=(404, 422))
    @blp.arguments(StationUpdateSchema)
    @blp.response(200, StationDetailSchema)
    def patch(self, command: UpdateStation, village_id: int) -> Any:
        """Change the station's sign, place or five elements (五有); audited (修改服务站)."""
        return stations.update_station(village_id, command, actor=g.actor)


@blp.route("/stations/import")
class StationImport(MethodView):
    """Stations from a spreadsheet."""

    @blp.permission("stations.manage", errors=(413, 415, 422))
    @blp.arguments(ImportQueryArgsSchema, location="query")
    @blp.arguments(StationImportFileSchema, location="files")
    @blp.response(200, StationImportReportSchema)
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> Any:
        """Check (dry_run=true) or import stations' 五有 from XLSX or CSV (导入服务站)."""
        upload = files["file"]
        return stations.import_stations(upload.read(), upload.filename or "",
                                        dry_run=args["dry_run"], actor=g.actor)


@blp.route("/allowance-payments")
class AllowancePayments(MethodView):
    """Coordinators' monthly allowances paid."""

    @blp.permission("allowances.read", errors=(422,))
    @blp.arguments(AllowanceQueryArgsSchema, location="query")
    @blp.response(200, AllowancePaymentSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Allowance payments in your scope, newest month first (补贴发放记录)."""
        return stations.list_allowance_payments(actor=g.actor, **args)

    @blp.permission("allowances.manage", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(AllowancePaymentCreateSchema)
    @blp.response(201, AllowancePaymentSchema)
    def post(self, command: RecordAllowancePayment) -> Any:
        """Record one month's allowance paid to a coordinator (登记补贴发放)."""
        return stations.record_allowance_payment(command, actor=g.actor)
