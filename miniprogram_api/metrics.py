"""Prometheus metrics at ``/metrics``: requests by route and status, the outbox's backlog,
queue lengths and failed jobs, planning runs, WeChat send outcomes.

Served with the bearer token ``METRICS_TOKEN`` when one is configured, else only to the machine
itself. Under gunicorn with ``PROMETHEUS_MULTIPROC_DIR`` set, every worker's counts are summed.
"""

from __future__ import annotations

import ipaddress
import os
from collections.abc import Iterator
from typing import Literal

from flask import Blueprint, Flask, Response, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from backend import runtime
from backend.permissions import SYSTEM
from backend.services import monitoring, operations

REQUESTS = Counter("minzheng_http_requests_total", "HTTP requests answered",
                   ["method", "route", "status"])
LATENCY = Histogram("minzheng_http_request_duration_seconds", "Time to answer a request",
                    ["method", "route"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    """Count one answered request."""
    REQUESTS.labels(method, route, str(status)).inc()
    LATENCY.labels(method, route).observe(seconds)


STATES: tuple[Literal["queued", "started", "scheduled", "failed"], ...] = (
    "queued", "started", "scheduled", "failed")


class DatabaseFigures(Collector):
    """Figures read when scraped, from the database and the job queues."""

    def collect(self) -> Iterator[Metric]:
        """The outbox, sends, plans and queues as gauges."""
        count, age = monitoring.outbox_backlog()
        yield GaugeMetricFamily("minzheng_outbox_backlog", "Outbox events not yet handled",
                                value=count)
        yield GaugeMetricFamily("minzheng_outbox_oldest_age_seconds",
                                "Age of the oldest unhandled outbox event", value=age)
        sends = GaugeMetricFamily("minzheng_wechat_sends", "WeChat sends by outcome",
                                  labels=["status"])
        for status, number in monitoring.sends_by_outcome().items():
            sends.add_metric([status], number)
        yield sends
        runs = GaugeMetricFamily("minzheng_plan_runs_last_day", "Plans finished in the last day",
                                 labels=["status"])
        solve = GaugeMetricFamily("minzheng_plan_solve_seconds_max_last_day",
                                  "Longest solve of the last day")
        plans = monitoring.recent_plan_runs()
        for status in ("done", "failed"):
            runs.add_metric([status], sum(1 for p in plans if p["status"] == status))
        solve.add_metric([], max((p["solve_seconds"] or 0 for p in plans), default=0))
        yield runs
        yield solve
        overview = operations.queue_overview(actor=SYSTEM)
        queued = GaugeMetricFamily("minzheng_queue_jobs", "Jobs on each queue by state",
                                   labels=["queue", "state"])
        for queue in overview["queues"]:
            for state in STATES:
                queued.add_metric([queue["name"], state], queue[state])
        yield queued


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        multiprocess.MultiProcessCollector(registry)
    else:
        registry.register(REQUESTS)
        registry.register(LATENCY)
    registry.register(DatabaseFigures())
    return registry


def _allowed() -> bool:
    token = runtime.settings().metrics_token
    if token:
        return request.headers.get("Authorization", "") == f"Bearer {token}"
    try:
        return ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False


def _metrics() -> Response:
    if not _allowed():
        return Response("not found", status=404, mimetype="text/plain")
    return Response(generate_latest(_registry()), mimetype=CONTENT_TYPE_LATEST)


def init_app(app: Flask) -> None:
    """Serve /metrics."""
    blueprint = Blueprint("metrics", __name__)
    blueprint.add_url_rule("/metrics", "metrics", _metrics)
    app.register_blueprint(blueprint)
