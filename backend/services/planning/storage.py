"""Storing a solved plan: its stops (and visits left out), the residents' arrival windows,
the plan marked done, audited and published (``plan.published``, ``visit.planned``).

A visit two workers make together is a stop on each route naming the other worker; what a
resident is told comes from the one of the two who arrives first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import scheduler
from backend import audit, outbox
from backend.models import Booking, Plan, PlanStop, utcnow
from backend.permissions import SYSTEM
from backend.services.planning.problem import GatheredDay
from backend.services.planning.views import arrival_window, local_moment
from backend.unit_of_work import unit_of_work


def _utc(day: date, seconds: int) -> datetime:
    return local_moment(day, seconds).astimezone(UTC).replace(tzinfo=None)


def _stop_rows(plan: Plan, day: GatheredDay, result: scheduler.Plan) -> list[dict[str, Any]]:
    rows = []
    durations, distances = day.problem.durations, day.problem.distances
    for route in result.routes:
        previous = day.depot[route.worker_id]
        for position, stop in enumerate(route.stops):
            visit = day.problem.visit(stop.visit_id)
            partner = stop.partner_worker_id
            rows.append(_row(plan, day, stop.visit_id, worker_id=int(route.worker_id),
                             position=position, arrival_s=stop.arrival, start_s=stop.start,
                             end_s=stop.end, travel_s=durations[previous][visit.location],
                             distance_m=distances[previous][visit.location],
                             fixed=day.fixed.get(stop.visit_id),
                             partner_worker=None if partner is None else int(partner)))
            previous = visit.location
    for dropped in result.dropped:
        rows.append(_row(plan, day, dropped.visit_id, drop_reason=dropped.reason.value,
                         fixed=day.fixed.get(dropped.visit_id)))
    return rows


def _first_arrivals(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row a visit, in their order: of a visit for two, the worker who starts first
    (what the resident is told)."""
    first: dict[str, dict[str, Any]] = {}
    for row in rows:
        known = first.get(row["visit_key"])
        if known is None or _arrival_order(row) < _arrival_order(known):
            first[row["visit_key"]] = row
    return [row for row in rows if first[row["visit_key"]] is row]


def _arrival_order(row: dict[str, Any]) -> tuple[bool, int, int]:
    start = row.get("start_s")
    return start is None, start or 0, row.get("worker_id") or 0


# Every row names every column a stop may leave empty: the stops go in as one INSERT, whose
# columns are those of its first row (a dropped visit first would lose every route's times).
_ROUTE_COLUMNS = dict.fromkeys(("worker_id", "position", "arrival_s", "start_s", "end_s",
                                "travel_s", "distance_m", "fixed", "partner_worker",
                                "drop_reason"))


def _row(plan: Plan, day: GatheredDay, key: str, **values: Any) -> dict[str, Any]:
    c = day.candidates[key]
    visit = day.problem.visit(key)
    return {"plan": plan.id, "visit_key": key, "source": c.source, "source_id": c.source_id,
            "client": c.client_id, "area_code": c.area_code, "kind": c.kind,
            "priority": c.priority, "lat": c.lat, "lng": c.lng,
            "windows": [list(w) for w in c.windows], "duration_s": c.duration_s,
            "required_skills": list(c.required_skills), "workers_needed": visit.workers_needed,
            **_ROUTE_COLUMNS, **values}


def store_plan(plan_id: int, day: GatheredDay, result: scheduler.Plan) -> None:
    """Write the stops and arrival windows, mark the plan done, audit and publish it."""
    with unit_of_work(actor=SYSTEM):
        plan = Plan.get_by_id(plan_id)
        if plan.status != "running":
            return  # failed meanwhile (stale): a newer version is in charge
        rows = _stop_rows(plan, day, result)
        if rows:
            PlanStop.insert_many(rows).execute()
        plan.routes = [{"worker_id": int(r.worker_id), "start": r.start, "end": r.end,
                        "break_start": r.break_start, "travel_time": r.travel_time,
                        "distance": r.distance} for r in result.routes]
        plan.objective = {k: round(v, 3) for k, v in result.objective.items()}
        plan.feasible = result.is_feasible()
        plan.visit_count = len(result.served())
        plan.dropped_count = len(result.dropped)
        plan.solve_seconds = round(result.solve_seconds, 3)
        plan.travel_source = day.travel_source
        plan.travel_fallback_reason = day.travel_fallback_reason
        plan.status, plan.progress, plan.finished_at = "done", "done", utcnow()
        plan.touch()
        plan.save()
        _publish_arrival_windows(plan, rows)
        audit.record(actor=SYSTEM, action="plan.published", entity="plan", entity_id=plan.id,
                     changes={"status": ["running", "done"],
                              "visit_count": [None, plan.visit_count],
                              "dropped_count": [None, plan.dropped_count]})
        outbox.emit("plan.published", plan_id=plan.id, township_id=plan.township_id,
                    worker_ids=sorted(int(r.worker_id) for r in result.routes if r.stops))
        _emit_planned(plan, rows)


def _publish_arrival_windows(plan: Plan, rows: list[dict[str, Any]]) -> None:
    """Bookings carry their planned arrival window: that is what the resident sees."""
    for row in _first_arrivals(rows):
        if row["source"] != "booking":
            continue
        if row.get("start_s") is None:
            start = end = None
        else:
            low, high = arrival_window(row["windows"], row["start_s"])
            start, end = _utc(plan.day, low), _utc(plan.day, high)
        (Booking.update(arrival_start=start, arrival_end=end, updated_at=utcnow(),
                        version=Booking.version + 1)
         .where(Booking.id == row["source_id"]).execute())


def _emit_planned(plan: Plan, rows: list[dict[str, Any]]) -> None:
    """One ``visit.planned`` per booked stop that is new or moved since the previous version.

    Bookings only: the event tells the resident who asked when to expect us; care visits reach
    their workers through ``plan.published``.
    """
    before = {}
    if plan.based_on_id:
        earlier = [{"visit_key": s.visit_key, "worker_id": s.worker_id, "start_s": s.start_s}
                   for s in PlanStop.select().where(PlanStop.plan == plan.based_on_id)]
        before = {r["visit_key"]: (r["worker_id"], r["start_s"]) for r in _first_arrivals(earlier)}
    for row in _first_arrivals(rows):
        if row.get("worker_id") is None or row["source"] != "booking":
            continue
        if before.get(row["visit_key"]) == (row["worker_id"], row["start_s"]):
            continue
        outbox.emit("visit.planned", plan_id=plan.id, booking_id=row["source_id"],
                    client_id=row["client"], worker_id=row["worker_id"])
