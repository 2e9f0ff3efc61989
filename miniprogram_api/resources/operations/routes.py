"""Operations (运行监控): queue lengths, failed jobs and retrying them, WeChat send outcomes and
resending one."""

from __future__ import annotations

from typing import Any

from flask import g
from flask.views import MethodView

from backend.services import messages, operations
from miniprogram_api.extensions import Blueprint, PeeweePage

from .schemas import (
    DeliveryQueryArgsSchema,
    DeliverySchema,
    FailedJobSchema,
    QueueOverviewSchema,
    RetriedJobSchema,
)

blp = Blueprint("operations", __name__, url_prefix="/api/v1/operations",
                description="运行监控（市民政局）")


@blp.route("/queues")
class Queues(MethodView):
    """Job queues."""

    @blp.permission("operations.read", errors=(503,))
    @blp.response(200, QueueOverviewSchema)
    def get(self) -> Any:
        """How many jobs wait, run, are scheduled or failed, per queue (队列状态)."""
        return operations.queue_overview(actor=g.actor)


@blp.route("/failed-jobs")
class FailedJobs(MethodView):
    """Failed jobs."""

    @blp.permission("operations.read", errors=(503,))
    @blp.response(200, FailedJobSchema(many=True))
    def get(self) -> Any:
        """Failed jobs with the error that stopped them (失败任务)."""
        return operations.list_failed_jobs(actor=g.actor)


@blp.route("/failed-jobs/<string:job_id>/retry")
class FailedJobRetry(MethodView):
    """One failed job, retried."""

    @blp.permission("operations.manage", errors=(404, 409, 422, 503))
    @blp.response(200, RetriedJobSchema)
    def post(self, job_id: str) -> Any:
        """Run a failed job again; a plan's job puts its plan back in the queue (重试任务)."""
        return operations.retry_failed_job(job_id, actor=g.actor)


@blp.route("/deliveries")
class Deliveries(MethodView):
    """WeChat send outcomes."""

    @blp.permission("deliveries.read", errors=(422,))
    @blp.arguments(DeliveryQueryArgsSchema, location="query")
    @blp.response(200, DeliverySchema(many=True))
    @blp.paginate(PeeweePage)
    def get(self, args: dict[str, Any]) -> Any:
        """Each subscribe message's outcome: sent, refused, failed with code (订阅消息发送记录)."""
        return messages.list_deliveries(messages.DeliveryFilter(**args), actor=g.actor)


@blp.route("/deliveries/<int:delivery_id>/resend")
class DeliveryResend(MethodView):
    """One send, tried again."""

    @blp.permission("deliveries.resend", errors=(404, 409))
    @blp.response(200, DeliverySchema)
    def post(self, delivery_id: int) -> Any:
        """Send an unknown or failed message again once the resident has not got it (重发)."""
        return messages.resend_delivery(delivery_id, actor=g.actor)
