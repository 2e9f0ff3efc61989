"""Figures for monitoring, read from the database when a scraper asks: the outbox's backlog,
sends by outcome, recent planning runs. Ids and counts only."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import timedelta
from typing import Any, cast

import peewee as pw

from backend.models import MessageDelivery, OutboxEvent, Plan, PlanStatus, utcnow
from backend.outbox import EventStatus

RECENT = timedelta(hours=24)


def outbox_backlog() -> tuple[int, float]:
    """Events not yet handled, and the age in seconds of the oldest of them."""
    count, oldest = (OutboxEvent.select(pw.fn.COUNT(OutboxEvent.id),
                                        pw.fn.MIN(OutboxEvent.created_at))
                     .where(OutboxEvent.status != EventStatus.DONE).scalar(as_tuple=True))
    return int(count or 0), (utcnow() - oldest).total_seconds() if oldest else 0.0


def sends_by_outcome() -> dict[str, int]:
    """WeChat subscribe-message sends by their status."""
    rows = cast(Iterable[tuple[str, int]], MessageDelivery.select(
        MessageDelivery.status, pw.fn.COUNT(MessageDelivery.id))
        .group_by(MessageDelivery.status).tuples())
    return {status: int(count) for status, count in rows}


def recent_plan_runs() -> list[dict[str, Any]]:
    """Plans finished in the last day: their outcome and solve time."""
    rows = (Plan.select(Plan.status, Plan.solve_seconds, Plan.started_at, Plan.finished_at)
            .where(Plan.finished_at > utcnow() - RECENT,
                   Plan.status.in_((PlanStatus.DONE, PlanStatus.FAILED))).dicts())
    return list(cast(Iterable[dict[str, Any]], rows))
