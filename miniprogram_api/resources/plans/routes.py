"""Daily route plans: plan a township's day (or the whole city's), read it, adjust it."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.commands.planning import AdjustPlan
from backend.services import planning
from miniprogram_api.extensions import Blueprint, PeeweePage
from miniprogram_api.idempotency import idempotent

from .schemas import (
    CityDayQueryArgsSchema,
    CityDaySchema,
    CityPlanCreateSchema,
    PlanAdjustmentsSchema,
    PlanCreateSchema,
    PlanDetailSchema,
    PlanQueryArgsSchema,
    PlanSchema,
)

blp = Blueprint("plans", __name__, url_prefix="/api/v1/plans", description="探访路线")


@blp.route("")
class Plans(MethodView):
    """Plans."""

    @blp.permission("plans.read", errors=(422,))
    @blp.arguments(PlanQueryArgsSchema, location="query")
    @blp.response(200, PlanSchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Plans in your scope, newest first (路线方案列表)."""
        return planning.list_plans(actor=g.actor, township_id=args.get("township_id"),
                                   day=args.get("date"))

    @blp.permission("plans.create", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(PlanCreateSchema)
    @blp.response(201, PlanSchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Plan or re-plan a township's day; poll the plan for progress (排线)."""
        return planning.request_plan(data["township_id"], data["date"], actor=g.actor)


@blp.route("/city")
class CityPlans(MethodView):
    """The whole city."""

    @blp.permission("plans.read", errors=(422,))
    @blp.arguments(CityDayQueryArgsSchema, location="query")
    @blp.response(200, CityDaySchema)
    def get(self, args: dict[str, Any]) -> Any:
        """Each township's plan for a day: queued, running, done or failed (全市排线进度)."""
        return planning.city_day(args["date"], actor=g.actor)

    @blp.permission("plans.city", errors=(409, 422))
    @idempotent
    @blp.arguments(CityPlanCreateSchema)
    @blp.response(202, CityDaySchema)
    def post(self, data: dict[str, Any]) -> Any:
        """Queue each township's day, computed after this answer; busy ones shown (全市排线)."""
        return planning.plan_city_day(data["date"], actor=g.actor)


@blp.route("/<int:plan_id>")
class PlanDetail(MethodView):
    """One plan."""

    @blp.permission("plans.read", errors=(404,))
    @blp.response(200, PlanDetailSchema)
    def get(self, plan_id: int) -> Any:
        """Status, progress, routes, visits left out and a GeoJSON map (路线详情)."""
        return planning.plan_detail(plan_id, actor=g.actor)


@blp.route("/<int:plan_id>/adjustments")
class PlanAdjustments(MethodView):
    """Staff's changes to a published plan."""

    @blp.permission("plans.adjust", errors=(404, 409, 422))
    @idempotent
    @blp.arguments(PlanAdjustmentsSchema)
    @blp.response(201, PlanSchema)
    def post(self, command: AdjustPlan, plan_id: int) -> Any:
        """Move or lock visits, then re-optimise as a new version (调整并重新排线)."""
        return planning.adjust_plan(plan_id, command, actor=g.actor)
