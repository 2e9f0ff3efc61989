"""Planning a township's day through the API: routes, windows, map, re-planning, adjustments."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from backend.models import AuditEntry, OutboxEvent, Plan
from backend.services.care_plans import local_today
from tests.conftest import Api
from tests.planning.conftest import TownshipDay, approve_booking, planned, worker_name


def _seconds(moment: str) -> int:
    t = datetime.fromisoformat(moment)
    return t.hour * 3600 + t.minute * 60 + t.second


def _all_stops(detail: dict[str, Any]) -> list[dict[str, Any]]:
    return [stop for route in detail["routes"] for stop in route["stops"]]


def _stop(detail: dict[str, Any], key: str) -> dict[str, Any]:
    return next(s for s in [*_all_stops(detail), *detail["dropped"]] if s["visit_key"] == key)


def test_a_planned_day_keeps_every_stop_inside_its_window(
    api: Api, township_day: TownshipDay
) -> None:
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    plan = detail["plan"]
    assert (plan["status"], plan["progress"], plan["version"]) == ("done", "done", 1)
    assert plan["feasible"] is True
    assert {s["visit_key"] for s in [*_all_stops(detail), *detail["dropped"]]} == township_day.keys
    assert plan["visit_count"] >= 15 and f"booking:{township_day.booking_ids[0]}" in {
        s["visit_key"] for s in _all_stops(detail)
    }
    assert len(detail["routes"]) == 2
    for route in detail["routes"]:
        previous_end = _seconds(route["start_at"])
        for position, stop in enumerate(route["stops"]):
            start = _seconds(stop["planned_start"])
            assert stop["position"] == position
            assert any(
                _seconds(w["start"]) <= start <= _seconds(w["end"]) for w in stop["windows"]
            ), stop
            assert _seconds(stop["arrival_at"]) >= previous_end + stop["travel_s"] - 1
            assert start >= _seconds(stop["arrival_at"])
            assert _seconds(stop["planned_end"]) == start + stop["duration_s"]
            assert (
                _seconds(stop["arrival_window_start"])
                <= start
                <= _seconds(stop["arrival_window_end"])
            )
            previous_end = _seconds(stop["planned_end"])
    for stop in detail["dropped"]:
        assert stop["drop_reason"] in ("no_worker_has_skill", "no_time_window_fits", "no_time_left")
        assert stop["priority"] in ("due", "optional")  # mandatory visits are never left out


def test_the_plan_map_is_valid_geojson(api: Api, township_day: TownshipDay) -> None:
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    geojson = detail["geojson"]
    assert geojson["type"] == "FeatureCollection"
    points = [f for f in geojson["features"] if f["geometry"]["type"] == "Point"]
    legs = [f for f in geojson["features"] if f["geometry"]["type"] == "LineString"]
    stops = _all_stops(detail)
    assert len(points) == 1 + len(stops) + len(detail["dropped"])  # the office, stops, drops
    busy = [r for r in detail["routes"] if r["stops"]]
    assert len(legs) == len(stops) + len(busy)  # out, between every two stops, and back
    for feature in geojson["features"]:
        assert feature["type"] == "Feature" and isinstance(feature["properties"], dict)
        coordinates = feature["geometry"]["coordinates"]
        pairs = [coordinates] if feature["geometry"]["type"] == "Point" else coordinates
        for lng, lat in pairs:
            assert 113.6 < lng < 113.9 and 34.3 < lat < 34.5  # [lng, lat] order
    for route in busy:
        own = [f for f in legs if f["properties"]["worker_id"] == route["worker_id"]]
        assert own[0]["geometry"]["coordinates"][0] == own[-1]["geometry"]["coordinates"][1]


def test_planning_is_audited_and_published_with_ids_only(
    api: Api, township_day: TownshipDay
) -> None:
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    plan_id = detail["plan"]["id"]
    actions = [
        e.action
        for e in AuditEntry.select()
        .where(AuditEntry.entity == "plan", AuditEntry.entity_id == str(plan_id))
        .order_by(AuditEntry.id)
    ]
    assert actions == ["plan.requested", "plan.started", "plan.published"]
    events = list(
        OutboxEvent.select()
        .where(OutboxEvent.topic.in_(["plan.published", "visit.planned"]))
        .order_by(OutboxEvent.id)
    )
    workers = sorted(r["worker_id"] for r in detail["routes"] if r["stops"])
    assert events[0].payload == {
        "plan_id": plan_id,
        "township_id": township_day.township_id,
        "worker_ids": workers,
    }
    # The resident who booked hears of the planned time; care visits reach the workers' route.
    [booked] = [e.payload for e in events if e.topic == "visit.planned"]
    assert booked["booking_id"] == township_day.booking_ids[0]
    assert set(booked) == {"plan_id", "client_id", "worker_id", "booking_id"}
    # Handed on after commit: the notifications handlers took every event without error.
    assert {
        (e.status, e.last_error)
        for e in OutboxEvent.select().where(
            OutboxEvent.topic.startswith("plan.") | (OutboxEvent.topic == "visit.planned")
        )
    } == {("done", None)}


def test_the_resident_sees_the_planned_arrival_window(api: Api, township_day: TownshipDay) -> None:
    booking_id = township_day.booking_ids[0]
    before = api.get(f"/api/v1/bookings/{booking_id}", "res-owner").json
    assert before["arrival_start"] is None
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    stop = _stop(detail, f"booking:{booking_id}")
    booking = api.get(f"/api/v1/bookings/{booking_id}", "res-owner").json
    # Answered in UTC with its offset: the same moment the plan shows on the city's clock.
    start_utc = datetime.fromisoformat(booking["arrival_start"])
    assert start_utc.utcoffset() == timedelta(0)
    assert start_utc == datetime.fromisoformat(stop["arrival_window_start"])
    assert datetime.fromisoformat(booking["arrival_end"]) > start_utc
    inbox = api.get("/api/v1/me/messages", "res-owner").json
    assert "visit.planned" in [m["topic"] for m in inbox]  # and is told so


def test_a_social_worker_reads_their_own_route(api: Api, township_day: TownshipDay) -> None:
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    sw = api.world.staff["sw-a1"]
    response = api.get(f"/api/v1/me/route?date={township_day.day.isoformat()}", "sw-a1")
    assert response.status_code == 200, response.json
    route = response.json
    expected = next(r for r in detail["routes"] if r["worker_id"] == sw.id)
    assert [s["visit_key"] for s in route["stops"]] == [s["visit_key"] for s in expected["stops"]]
    assert route["plan_id"] == detail["plan"]["id"] and route["replanning"] is False
    assert [s["position"] for s in route["stops"]] == list(range(len(route["stops"])))
    stop = route["stops"][0]
    assert "****" in stop["client"]["phone"] and stop["client"]["categories"] == [
        "left_behind_elder"
    ]
    assert stop["address"] and stop["arrival_window_start"] <= stop["arrival_window_end"]
    assert stop["navigation_url"].startswith("https://uri.amap.com/navigation?to=")
    assert f"{stop['lng']:.6f}%2C{stop['lat']:.6f}" in stop["navigation_url"]
    assert "mode=ride" in stop["navigation_url"]


def test_route_errors_answer_documented_statuses(api: Api, township_day: TownshipDay) -> None:
    day = township_day.day.isoformat()
    assert api.get(f"/api/v1/me/route?date={day}", "sw-a1").json["code"] == "route_not_planned"
    planned(api, "ts-a", township_day.township_id, township_day.day)
    assert api.get(f"/api/v1/me/route?date={day}", "sw-b1").status_code == 404
    assert api.get(f"/api/v1/me/route?date={day}", "ts-a").status_code == 403
    assert api.get("/api/v1/me/route?date=2026-13-01", "sw-a1").status_code == 422
    assert api.get(f"/api/v1/me/route?date={day}").status_code == 401


def test_plan_errors_answer_documented_statuses(api: Api, township_day: TownshipDay) -> None:
    body = {"township_id": township_day.township_id, "date": township_day.day.isoformat()}
    past = {**body, "date": (local_today() - timedelta(days=1)).isoformat()}
    assert api.post("/api/v1/plans", "ts-a", json=past).json["code"] == "date_in_past"
    far = {**body, "date": (local_today() + timedelta(days=60)).isoformat()}
    assert api.post("/api/v1/plans", "ts-a", json=far).status_code == 422
    assert api.post("/api/v1/plans", "ts-a", json={**body, "date": "soon"}).status_code == 422
    assert api.post("/api/v1/plans", "ts-b", json=body).status_code == 404
    assert api.post("/api/v1/plans", "sw-a1", json=body).status_code == 403
    assert api.post("/api/v1/plans", "res-owner", json=body).status_code == 403
    Plan.create(
        township=township_day.township_id,
        area_code="410184001",
        day=township_day.day,
        version=1,
        status="running",
        requested_by_kind="system",
    )
    busy = api.post("/api/v1/plans", "ts-a", json=body)
    assert busy.status_code == 409 and busy.json["code"] == "plan_in_progress"
    assert api.get("/api/v1/plans/999999", "ts-a").status_code == 404


def test_plans_are_scoped_to_the_township(api: Api, township_day: TownshipDay) -> None:
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    plan_id = detail["plan"]["id"]
    assert api.get(f"/api/v1/plans/{plan_id}", "ts-b").status_code == 404
    assert api.get(f"/api/v1/plans/{plan_id}", "city-admin").status_code == 200
    assert api.get(f"/api/v1/plans/{plan_id}", "sw-a2").status_code == 200
    assert api.get(f"/api/v1/plans/{plan_id}", "co-a1").status_code == 403
    listed = api.get(f"/api/v1/plans?date={township_day.day.isoformat()}", "ts-a").json
    assert [p["id"] for p in listed] == [plan_id]
    assert api.get("/api/v1/plans", "ts-b").json == []


def _check_in(api: Api, stop: dict[str, Any], *, finish: bool) -> None:
    who = worker_name(api, stop["worker_id"])
    target = (
        {"booking_id": stop["source_id"]}
        if stop["source"] == "booking"
        else {"care_visit_id": stop["source_id"]}
    )
    visit = api.post("/api/v1/visits", who, json=target)
    assert visit.status_code == 201, visit.json
    if finish:
        done = api.post(
            f"/api/v1/visits/{visit.json['id']}/check-out",
            who,
            json={"services": ["emotional_support"]},
        )
        assert done.status_code == 200, done.json


def test_re_planning_keeps_visited_stops_and_inserts_an_urgent_booking(
    api: Api, township_day: TownshipDay, on_the_plan_day: date
) -> None:
    first = planned(api, "ts-a", township_day.township_id, township_day.day)
    route = next(r for r in first["routes"] if len(r["stops"]) >= 2)
    finished, started = route["stops"][0], route["stops"][1]
    _check_in(api, finished, finish=True)
    _check_in(api, started, finish=False)
    urgent = approve_booking(
        api, "co-a2", api.world.clients["a2"].id, township_day.day, "afternoon"
    )
    second = planned(api, "ts-a", township_day.township_id, township_day.day)
    assert second["plan"]["version"] == 2 and second["plan"]["based_on_id"] == first["plan"]["id"]
    assert second["plan"]["feasible"] is True
    kept = _stop(second, finished["visit_key"])
    assert (kept["worker_id"], kept["position"], kept["planned_start"], kept["fixed"]) == (
        finished["worker_id"],
        0,
        finished["planned_start"],
        "finished",
    )
    going = _stop(second, started["visit_key"])
    assert (going["worker_id"], going["position"], going["fixed"]) == (
        started["worker_id"],
        1,
        "started",
    )
    inserted = _stop(second, f"booking:{urgent}")
    assert inserted["worker_id"] is not None and inserted["priority"] == "urgent"
    route_now = api.get(
        f"/api/v1/me/route?date={township_day.day.isoformat()}",
        worker_name(api, finished["worker_id"]),
    ).json
    assert route_now["version"] == 2 and route_now["stops"][0]["fixed"] == "finished"


def _free_stop(detail: dict[str, Any], worker_id: int) -> dict[str, Any]:
    return next(
        s
        for s in _all_stops(detail)
        if s["worker_id"] == worker_id
        and s["source"] == "care_visit"
        and s["visit_key"] not in _skilled(detail)
    )


def _skilled(detail: dict[str, Any]) -> set[str]:
    from backend.models import PlanStop

    return {
        s.visit_key
        for s in PlanStop.select().where(PlanStop.plan == detail["plan"]["id"])
        if s.required_skills
    }


def test_staff_move_and_lock_visits_then_re_optimise(api: Api, township_day: TownshipDay) -> None:
    first = planned(api, "ts-a", township_day.township_id, township_day.day)
    sw1, sw2 = api.world.staff["sw-a1"].id, api.world.staff["sw-a2"].id
    moved = _free_stop(first, sw1)
    locked = _free_stop(first, sw2)
    response = api.post(
        f"/api/v1/plans/{first['plan']['id']}/adjustments",
        "ts-a",
        json={
            "adjustments": [
                {"visit_key": moved["visit_key"], "action": "move", "worker_id": sw2},
                {"visit_key": locked["visit_key"], "action": "lock"},
            ]
        },
    )
    assert response.status_code == 201, response.json
    assert response.json["version"] == 2
    assert response.json["locks"] == {moved["visit_key"]: sw2, locked["visit_key"]: sw2}
    second = api.get(f"/api/v1/plans/{response.json['id']}", "ts-a").json
    assert _stop(second, moved["visit_key"])["worker_id"] == sw2
    assert _stop(second, locked["visit_key"])["worker_id"] == sw2
    assert _stop(second, moved["visit_key"])["fixed"] == "locked"
    # Locks carry over to the next re-plan.
    third = planned(api, "ts-a", township_day.township_id, township_day.day)
    assert third["plan"]["locks"] == response.json["locks"]
    assert _stop(third, moved["visit_key"])["worker_id"] == sw2
    stale = api.post(
        f"/api/v1/plans/{first['plan']['id']}/adjustments",
        "ts-a",
        json={"adjustments": [{"visit_key": moved["visit_key"], "action": "unlock"}]},
    )
    assert stale.status_code == 409 and stale.json["code"] == "plan_superseded"


def test_adjustment_errors_answer_documented_statuses(
    api: Api, township_day: TownshipDay, on_the_plan_day: date
) -> None:
    first = planned(api, "ts-a", township_day.township_id, township_day.day)
    path = f"/api/v1/plans/{first['plan']['id']}/adjustments"
    stop = _all_stops(first)[0]
    other_township = api.world.staff["sw-b1"].id

    def adjust(who: str, **change: Any) -> Any:
        return api.post(
            path,
            who,
            json={"adjustments": [{"visit_key": stop["visit_key"], "action": "move", **change}]},
        )

    assert adjust("ts-a", worker_id=other_township).json["code"] == "unknown_worker"
    assert (
        api.post(
            path, "ts-a", json={"adjustments": [{"visit_key": "care:0", "action": "lock"}]}
        ).json["code"]
        == "unknown_visit"
    )
    assert adjust("ts-a", worker_id="3").status_code == 422  # integers are strict
    assert adjust("ts-b", worker_id=stop["worker_id"]).status_code == 404
    assert adjust("sw-a1", worker_id=stop["worker_id"]).status_code == 403
    _check_in(api, stop, finish=True)
    fixed_first = planned(api, "ts-a", township_day.township_id, township_day.day)
    path = f"/api/v1/plans/{fixed_first['plan']['id']}/adjustments"
    blocked = adjust("ts-a", worker_id=stop["worker_id"])
    assert blocked.status_code == 409 and blocked.json["code"] == "stop_fixed"


def test_a_day_without_social_workers_on_duty_fails_with_a_reason(
    api: Api, township_day: TownshipDay
) -> None:
    saturday = township_day.day + timedelta(days=(5 - township_day.day.weekday()) % 7)
    if saturday > local_today() + timedelta(days=30):
        saturday -= timedelta(days=7)
    response = api.post(
        "/api/v1/plans",
        "ts-a",
        json={"township_id": township_day.township_id, "date": saturday.isoformat()},
    )
    assert response.status_code == 201
    failed = api.get(f"/api/v1/plans/{response.json['id']}", "ts-a").json["plan"]
    assert (failed["status"], failed["error"]) == ("failed", "当日没有在岗社工")
    # A failed plan does not block the next attempt.
    again = api.post(
        "/api/v1/plans",
        "ts-a",
        json={"township_id": township_day.township_id, "date": saturday.isoformat()},
    )
    assert again.status_code == 201 and again.json["version"] == 2


def test_the_nightly_task_plans_a_township(api: Api, township_day: TownshipDay) -> None:
    from backend.tasks import plan_next_day

    assert plan_next_day(township_id=township_day.township_id, day=township_day.day) == 1
    plan = Plan.get(Plan.township == township_day.township_id, Plan.day == township_day.day)
    assert (plan.status, plan.requested_by_kind) == ("done", "system")
    assert plan_next_day(day=township_day.day.isoformat()) == 2  # every township, one each
    assert isinstance(township_day.day, date)
