"""A published route for a social worker, written as the planner stores one (no solver run):
the worker's pages read it back exactly as they read a solved day."""

from __future__ import annotations

from datetime import date, timedelta

from backend.models import CareVisit, Client, Plan, PlanStop, StaffAccount, Township

SHIFT = (8 * 3600 + 1800, 17 * 3600 + 1800)  # 08:30–17:30, seconds since midnight


def due_care_visit(client: Client, day: date) -> CareVisit:
    """A routine care visit of the client, due on the day."""
    return CareVisit.create(
        client=client, area_code=client.area_code, township=client.village.township_id,
        rule="left_behind_elder", kind="routine_visit", due_date=day,
        earliest_date=day - timedelta(days=3), latest_date=day + timedelta(days=5),
        duration_minutes=30, required_skills=[])


def publish_route(township: Township, day: date, worker: StaffAccount,
                  stops: list[tuple[str, int, Client]]) -> Plan:
    """A done plan whose route for ``worker`` visits ``stops`` ((source, id, client)) in order."""
    plan = Plan.create(township=township, area_code=township.code, day=day, version=1,
                       status="done", progress="done", requested_by_kind="staff",
                       routes=[{"worker_id": worker.id, "start": SHIFT[0], "end": SHIFT[1] - 3600,
                                "break_start": 12 * 3600, "travel_time": 1800,
                                "distance": 6400}])
    for position, (source, source_id, client) in enumerate(stops):
        start = SHIFT[0] + 1800 + position * 3600
        prefix = "booking" if source == "booking" else "care"
        PlanStop.create(plan=plan, worker=worker, position=position,
                        visit_key=f"{prefix}:{source_id}", source=source, source_id=source_id,
                        client=client, area_code=client.area_code, kind="routine_visit",
                        priority="due", lat=client.lat, lng=client.lng, windows=[list(SHIFT)],
                        duration_s=1800, required_skills=[], arrival_s=start - 300,
                        start_s=start, end_s=start + 1800, travel_s=600, distance_m=2100)
    return plan
