"""Reading plans: one plan with its routes and a map, the list, a social worker's route for
the day, navigation links, and the arrival windows residents and workers are told."""

from __future__ import annotations

import itertools
import urllib.parse
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any, cast

import peewee as pw

from backend.errors import NotFound
from backend.models import Booking, Client, ClientCategory, Plan, PlanStop, StaffAccount, Township
from backend.models.plans import PLAN_STATUSES
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services.care_plans import LOCAL_TZ

# A plan in one of these is being computed: it blocks another version of the same day.
ACTIVE_STATUSES = ("queued", "running")
# What a resident and a worker are told: the planned start minus 15, plus 45 minutes, kept
# inside the visit's own window (a promise to the resident is never widened by the plan).
ARRIVAL_BEFORE_S = 15 * 60
ARRIVAL_AFTER_S = 45 * 60
NAVIGATION_URL = "https://uri.amap.com/navigation"


def latest_published(township_id: int, day: date) -> Plan | None:
    """The latest published version of a township's plan for a day, if there is one."""
    return (Plan.select().where(Plan.township == township_id, Plan.day == day,
                                Plan.status == "done")
            .order_by(Plan.version.desc()).first())


@dataclass(frozen=True)
class CityTownship:
    """One township's plan for a day as the city sees it."""

    township: Township
    plan: Plan | None  # its latest version for the day: what is happening now
    published_plan_id: int | None  # its latest published version: the routes workers follow
    queued_now: bool = False  # the request that answered this queued ``plan``

    @property
    def status(self) -> str:
        """The latest version's status, or ``not_planned``."""
        return str(self.plan.status) if self.plan is not None else "not_planned"


@dataclass(frozen=True)
class CityDay:
    """Every township's plan for a day, so none is left out unseen."""

    day: date
    townships: list[CityTownship]

    @property
    def counts(self) -> dict[str, int]:
        """How many townships are in each status."""
        found = Counter(t.status for t in self.townships)
        return {status: found[status] for status in (*PLAN_STATUSES, "not_planned")}


def city_day(day: date, *, actor: Actor, queued_now: Collection[int] = ()) -> CityDay:
    """Each township in scope with its latest plan for a day (``queued_now``: just queued)."""
    require(actor, "plans.read")
    townships = list(scoped(Township.select(Township.id, Township.code, Township.name),
                            Township.code, actor).order_by(Township.id))
    # Every version of the day as bare (township, id, status), newest first; only the latest
    # of each township is read whole. Re-planning leaves versions behind (a city's night: the
    # week's, the night's, staff's), and building each as a model was most of this read.
    latest_id: dict[int, int] = {}
    published: dict[int, int] = {}
    versions = cast(Iterable[tuple[int, int, str]], scoped(
        Plan.select(Plan.township, Plan.id, Plan.status), Plan.area_code, actor)
        .where(Plan.day == day).order_by(Plan.version.desc()).tuples())
    for township_id, plan_id, status in versions:
        latest_id.setdefault(township_id, plan_id)
        if status == "done":
            published.setdefault(township_id, plan_id)
    latest = {p.township_id: p for p in Plan.select().where(
        Plan.id.in_(list(latest_id.values()) or [0]))}
    return CityDay(day, [
        CityTownship(t, latest.get(t.id), published.get(t.id),
                    t.id in latest and latest[t.id].id in queued_now) for t in townships])


def local_moment(day: date, seconds: int) -> datetime:
    """A time of day (seconds since local midnight) as an aware Asia/Shanghai datetime."""
    return datetime.combine(day, time(), tzinfo=LOCAL_TZ) + timedelta(seconds=seconds)


def arrival_window(windows: list[list[int]] | list[tuple[int, int]], start: int
                   ) -> tuple[int, int]:
    """What people are told: around the planned start, inside the window that holds it."""
    low, high = next(((s, e) for s, e in windows if s <= start <= e), (start, start))
    return max(low, start - ARRIVAL_BEFORE_S), min(high, start + ARRIVAL_AFTER_S)


def get_plan(plan_id: int, *, actor: Actor) -> Plan:
    """One plan in the actor's scope."""
    require(actor, "plans.read")
    return get_scoped(Plan, plan_id, Plan.area_code, actor)


def list_plans(*, actor: Actor, township_id: int | None = None,
               day: date | None = None) -> pw.ModelSelect[Plan]:
    """Plans in scope, newest first."""
    require(actor, "plans.read")
    query = scoped(Plan.select(), Plan.area_code, actor)
    if township_id is not None:
        query = query.where(Plan.township == township_id)
    if day is not None:
        query = query.where(Plan.day == day)
    return query.order_by(Plan.day.desc(), Plan.version.desc(), Plan.id.desc())


def plan_detail(plan_id: int, *, actor: Actor) -> dict[str, Any]:
    """A plan with its routes, dropped visits and a GeoJSON map of stops and legs."""
    plan = get_plan(plan_id, actor=actor)
    stops = _stops_with_clients(PlanStop.select().where(PlanStop.plan == plan))
    township = plan.township
    names = {s.id: s.name for s in StaffAccount.select().where(
        StaffAccount.id.in_([r["worker_id"] for r in plan.routes] or [0]))}
    routes = []
    for route in plan.routes:
        own = sorted((s for s in stops if s["worker_id"] == route["worker_id"]),
                     key=lambda s: s["position"])
        routes.append({**_route_times(plan.day, route), "worker_name":
                       names.get(route["worker_id"], ""), "stops": own})
    dropped = [s for s in stops if s["worker_id"] is None]
    return {"plan": plan, "routes": routes, "dropped": dropped,
            "geojson": _geojson(routes, dropped, (township.lat, township.lng))}


def _route_times(day: date, route: dict[str, Any]) -> dict[str, Any]:
    break_start = route.get("break_start")
    return {**route, "start_at": local_moment(day, route["start"]),
            "end_at": local_moment(day, route["end"]),
            "break_start_at": local_moment(day, break_start) if break_start is not None else None}


def my_route(day: date, *, actor: Actor) -> dict[str, Any]:
    """A social worker's ordered stops for a day, from the latest published plan."""
    require(actor, "route.read")
    worker = StaffAccount.get_by_id(actor.id)
    plan = latest_published(worker.township_id, day) if worker.township_id else None
    if plan is None:
        raise NotFound("当日路线尚未排出", code="route_not_planned")
    route = next((r for r in plan.routes if r["worker_id"] == actor.id),
                 {"worker_id": actor.id, "start": None, "end": None, "break_start": None,
                  "travel_time": 0, "distance": 0})
    stops = _stops_with_clients(PlanStop.select().where(PlanStop.plan == plan,
                                                        PlanStop.worker == actor.id)
                                .order_by(PlanStop.position))
    replanning = Plan.select().where(Plan.township == plan.township_id, Plan.day == day,
                                     Plan.status.in_(ACTIVE_STATUSES)).exists()
    times = _route_times(day, route) if route["start"] is not None else {
        **route, "start_at": None, "end_at": None, "break_start_at": None}
    return {**times, "date": day, "plan_id": plan.id, "version": plan.version,
            "replanning": replanning, "travel_source": plan.travel_source,
            "travel_source_label": plan.travel_source_label, "stops": stops}


def _stops_with_clients(query: pw.ModelSelect[PlanStop]) -> list[dict[str, Any]]:
    stops = list(query.order_by(PlanStop.worker, PlanStop.position, PlanStop.id))
    ids = {s.client_id for s in stops if s.client_id is not None} or {0}
    clients = {c.id: c for c in Client.select().where(Client.id.in_(ids))}
    categories: dict[int, list[str]] = {}
    for row in (ClientCategory.select().where(ClientCategory.client.in_(ids),
                                              ClientCategory.ended_on.is_null())
                .order_by(ClientCategory.id)):
        categories.setdefault(row.client_id, []).append(row.category)
    partners = _partners(stops)
    day = stops[0].plan.day if stops else None
    return [_stop_view(s, _person(s, clients, categories), day,
                       partners.get((s.visit_key, s.partner_worker_id), ("", None)))
            for s in stops]


def _partners(stops: list[PlanStop]) -> dict[tuple[str, int | None], tuple[str, int | None]]:
    """The other worker of each visit for two among the stops: (visit key, worker) → their
    name and planned start."""
    paired = [s for s in stops if s.partner_worker_id is not None]
    if not paired:
        return {}
    names = {w.id: w.name for w in StaffAccount.select(StaffAccount.id, StaffAccount.name)
             .where(StaffAccount.id.in_({s.partner_worker_id for s in paired}))}
    rows = (PlanStop.select(PlanStop.visit_key, PlanStop.worker, PlanStop.start_s)
            .where(PlanStop.plan == paired[0].plan_id,
                   PlanStop.visit_key.in_({s.visit_key for s in paired})))
    return {(row.visit_key, row.worker_id): (names[row.worker_id], row.start_s) for row in rows
            if row.worker_id in names}


def _person(stop: PlanStop, clients: dict[int, Client], categories: dict[int, list[str]]
            ) -> dict[str, Any]:
    """Who lives at a stop: the client, or the applicant a doorstep visit (上门办理) is for."""
    if stop.client_id is not None:
        client = clients[stop.client_id]
        return {"id": client.id, "name": client.name, "phone": client.phone_masked,
                "categories": categories.get(client.id, []), "address": client.address}
    application = Booking.get_by_id(stop.source_id).application
    assert application is not None, "a stop without a client is a doorstep visit's"
    return {"id": None, "name": application.applicant_name, "phone": application.phone_masked,
            "categories": [], "address": application.address}


def _stop_view(stop: PlanStop, person: dict[str, Any], day: date | None,
               partner: tuple[str, int | None]) -> dict[str, Any]:
    partner_id = stop.partner_worker_id
    partner_name, partner_start = partner
    view: dict[str, Any] = {
        "visit_key": stop.visit_key, "source": stop.source, "source_id": stop.source_id,
        "worker_id": stop.worker_id, "position": stop.position, "kind": stop.kind,
        "workers_needed": stop.workers_needed, "partner_worker_id": partner_id,
        "partner_worker_name": None if partner_id is None else partner_name,
        "partner_planned_start": None if partner_id is None or day is None
        or partner_start is None else local_moment(day, partner_start),
        "priority": stop.priority, "fixed": stop.fixed, "drop_reason": stop.drop_reason,
        "duration_s": stop.duration_s, "travel_s": stop.travel_s, "distance_m": stop.distance_m,
        "windows": [{"start": local_moment(day, s), "end": local_moment(day, e)}
                    for s, e in stop.windows] if day else [],
        "arrival_s": stop.arrival_s, "start_s": stop.start_s, "end_s": stop.end_s,
        "client": {key: person[key] for key in ("id", "name", "phone", "categories")},
        "address": person["address"], "lat": stop.lat, "lng": stop.lng,
        "navigation_url": navigation_url(stop.lat, stop.lng, person["name"]),
    }
    if (day is not None and stop.start_s is not None and stop.arrival_s is not None
            and stop.end_s is not None):
        low, high = arrival_window(stop.windows, stop.start_s)
        view.update(arrival_at=local_moment(day, stop.arrival_s),
                    planned_start=local_moment(day, stop.start_s),
                    planned_end=local_moment(day, stop.end_s),
                    arrival_window_start=local_moment(day, low),
                    arrival_window_end=local_moment(day, high))
    return view


def navigation_url(lat: float, lng: float, name: str) -> str:
    """An AMap riding-navigation link to the client's door (opens the app or the web)."""
    query = urllib.parse.urlencode({"to": f"{lng:.6f},{lat:.6f},{name}", "mode": "ride",
                                    "coordinate": "gaode", "callnative": 1})
    return f"{NAVIGATION_URL}?{query}"


def _geojson(routes: list[dict[str, Any]], dropped: list[dict[str, Any]],
             depot: tuple[float, float]) -> dict[str, Any]:
    """Stops as Points and legs as LineStrings ([lng, lat], RFC 7946), for a map."""
    home = [depot[1], depot[0]]
    features: list[dict[str, Any]] = [_point(home, {"role": "depot"})]
    for route in routes:
        worker_id, path = route["worker_id"], [home]
        for stop in route["stops"]:
            path.append([stop["lng"], stop["lat"]])
            features.append(_point(path[-1], {
                "role": "stop", "worker_id": worker_id, "position": stop["position"],
                "visit_key": stop["visit_key"], "kind": stop["kind"],
                "partner_worker_id": stop["partner_worker_id"],
                "planned_start": stop["planned_start"].strftime("%H:%M")}))
        path.append(home)
        for leg, (a, b) in enumerate(itertools.pairwise(path)):
            features.append({"type": "Feature", "geometry": {"type": "LineString",
                                                             "coordinates": [a, b]},
                             "properties": {"role": "leg", "worker_id": worker_id, "leg": leg}})
    for stop in dropped:
        features.append(_point([stop["lng"], stop["lat"]], {
            "role": "dropped", "visit_key": stop["visit_key"], "reason": stop["drop_reason"]}))
    return {"type": "FeatureCollection", "features": features}


def _point(coordinates: list[float], properties: dict[str, Any]) -> dict[str, Any]:
    return {"type": "Feature", "geometry": {"type": "Point", "coordinates": coordinates},
            "properties": properties}

