"""The week's plan: place a township's week of visits on days, read it, pin visits to days."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.commands.planning import PinWeek
from backend.services import planning
from miniprogram_api.extensions import Blueprint
from miniprogram_api.idempotency import idempotent

from .schemas import WeekDetailSchema, WeekPinsSchema, WeekPlanCreateSchema, WeekPlanQueryArgsSchema

blp = Blueprint("week_plans", __name__, url_prefix="/api/v1/plans/week", description="周探访安排")


@blp.route("")
class WeekPlans(MethodView):
    """A township's week."""

    @blp.permission("plans.read", errors=(404, 422))
    @blp.arguments(WeekPlanQueryArgsSchema, location="query")
    @blp.response(200, WeekDetailSchema)
    def get(self, args: dict[str, Any]) -> Any:
        """The week's latest version: days by worker, visits left out and why (本周安排)."""
        plan = planning.find_week_plan(args["township_id"], args["week"], actor=g.actor)
        return planning.week_detail(plan)

    @blp.permission("plans.create", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(WeekPlanCreateSchema)
    @blp.response(201, WeekDetailSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Place the week's visits on days, then route each day it changed (安排本周探访)."""
        plan = planning.plan_week(data["township_id"], data["week"], actor=g.actor)
        return planning.week_detail(plan)


@blp.route("/<int:week_plan_id>")
class WeekPlanVersion(MethodView):
    """One version of a week."""

    @blp.permission("plans.read", errors=(404,))
    @blp.response(200, WeekDetailSchema)
    def get(self, week_plan_id: int) -> Any:
        """One version of a week by its id, as the week's read answers it (周安排版本)."""
        return planning.week_detail(planning.get_week_plan(week_plan_id, actor=g.actor))


@blp.route("/<int:week_plan_id>/pins")
class WeekPins(MethodView):
    """Staff's pins on a week."""

    @blp.permission("plans.adjust", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(WeekPinsSchema)
    @blp.response(200, WeekDetailSchema)
    def put(self, command: PinWeek, week_plan_id: int) -> Any:
        """Pin visits to days (or free them), then place the week again (固定日期并重新安排)."""
        return planning.week_detail(planning.pin_week(week_plan_id, command, actor=g.actor))
