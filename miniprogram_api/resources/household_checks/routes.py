"""The household economic check (家庭经济状况核对) of an application at the 核查 stage."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.services import household_checks
from miniprogram_api.extensions import Blueprint

from .schemas import HouseholdCheckRecordSchema, HouseholdCheckSchema

blp = Blueprint("household_checks", __name__, url_prefix="/api/v1/applications",
                description="家庭经济状况核对：家庭成员、收入来源、财产与低保标准比对")


@blp.route("/<int:application_id>/household-check")
class HouseholdCheck(MethodView):
    """An application's household economic check."""

    @blp.permission("household_checks.read", errors=(404,))
    @blp.response(200, HouseholdCheckSchema)
    def get(self, application_id: int) -> Any:
        """The check computed now from declarations and matched department data, with the
        result the verification stage recorded (家庭经济状况核对)."""
        return household_checks.household_check(application_id, actor=g.actor)

    @blp.permission("household_checks.record", errors=(404, 409, 422))
    @blp.arguments(HouseholdCheckRecordSchema)
    @blp.response(200, HouseholdCheckSchema)
    def post(self, data: dict[str, Any], application_id: int) -> Any:
        """Record the check's result at the verification stage; audited (登记核对结果)."""
        return household_checks.record_check(application_id, data["comment"], actor=g.actor)
