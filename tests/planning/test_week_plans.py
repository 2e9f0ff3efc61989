"""The week's plan through the API: care visits placed on days of their windows, bookings on
their dates, each changed day routed with the visits the week put there, pins kept, the
visits left out with their reason, and the nightly re-plan that changes only what changed."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

import pytest

from backend import tasks
from backend.models import Plan, WeekPlan, WorkerDayOff
from backend.permissions import SYSTEM
from backend.services import visits
from backend.services.care_plans import local_today
from backend.services.planning import placed
from backend.services.planning.placed import iso_week
from tests.conftest import Api
from tests.planning.conftest import Week, care_visit, client_in_a


def planned_week(api: Api, week: Week, who: str = "ts-a") -> dict[str, Any]:
    """Plan the week through the API and answer the week it shows."""
    answer = api.post("/api/v1/plans/week", who, json=week.body())
    assert answer.status_code == 201, answer.json
    return dict(answer.json)


def days_of(body: dict[str, Any]) -> dict[str, str]:
    """Each placed visit's day."""
    return {p["visit_key"]: p["day"] for p in body["placements"]}


def test_the_week_places_every_visit_inside_its_window_and_the_booking_on_its_date(
    api: Api, week: Week
) -> None:
    body = planned_week(api, week)
    placed = days_of(body)
    assert body["unplaced"] == []
    assert placed[week.booking] == week.monday.isoformat()
    assert all(placed[key] in (week.monday.isoformat(),
                               (week.monday + timedelta(days=1)).isoformat())
               for key in week.narrow)
    weekdays = {(week.monday + timedelta(days=n)).isoformat() for n in range(5)}
    assert {placed[key] for key in week.wide} <= weekdays
    # Balanced: the ten care visits and the booking are not all put on a day or two.
    assert len({placed[key] for key in week.wide}) >= 3
    assert [d["date"] for d in body["days"]] == [
        (week.monday + timedelta(days=n)).isoformat() for n in range(7)]
    saturday = body["days"][5]
    assert saturday["visit_count"] == 0 and not any(w["on_duty"] for w in saturday["workers"])
    assert body["plan"]["version"] == 1 and body["plan"]["placed_count"] == 11


def test_each_day_the_week_changed_is_routed_with_the_visits_it_put_there(
    api: Api, week: Week
) -> None:
    body = planned_week(api, week)
    placed = days_of(body)
    assert {d["date"] for d in body["day_plans"]} == set(placed.values())
    for day_plan in body["day_plans"]:
        assert day_plan["status"] == "queued"  # computed after the answer, through the outbox
        plan = api.get(f"/api/v1/plans/{day_plan['plan_id']}", "ts-a").json
        assert plan["plan"]["status"] == "done"  # jobs run inline, after the commit
        stops = {s["visit_key"] for r in plan["routes"] for s in r["stops"]}
        stops |= {s["visit_key"] for s in plan["dropped"]}
        assert stops == {key for key, day in placed.items() if day == day_plan["date"]}


def test_reading_the_week_answers_its_latest_version(api: Api, week: Week) -> None:
    planned_week(api, week)
    second = planned_week(api, week)
    answer = api.get(f"/api/v1/plans/week?township_id={week.township_id}&week={week.week}",
                     "sw-a1")
    assert answer.status_code == 200, answer.json
    assert answer.json["plan"]["id"] == second["plan"]["id"]
    assert answer.json["plan"]["version"] == 2
    first = api.get(f"/api/v1/plans/week/{second['plan']['id'] - 1}", "ts-a")
    assert (first.status_code, first.json["plan"]["version"]) == (200, 1)
    assert api.get(f"/api/v1/plans/week/{second['plan']['id']}", "ts-b").status_code == 404


def test_a_pinned_visit_keeps_its_day_and_the_others_keep_theirs(api: Api, week: Week) -> None:
    first = planned_week(api, week)
    before = days_of(first)
    key = week.wide[0]
    thursday = (week.monday + timedelta(days=3)).isoformat()
    friday = (week.monday + timedelta(days=4)).isoformat()
    target = thursday if before[key] != thursday else friday
    answer = api.call("PUT", f"/api/v1/plans/week/{first['plan']['id']}/pins", "ts-a",
                     json={"pins": [{"visit_key": key, "day": target}]})
    assert answer.status_code == 200, answer.json
    after = days_of(answer.json)
    assert after[key] == target
    assert {k: d for k, d in after.items() if k != key} == {
        k: d for k, d in before.items() if k != key}
    pinned = next(p for p in answer.json["placements"] if p["visit_key"] == key)
    assert (pinned["pinned"], pinned["held"]) == (True, "pinned")
    assert answer.json["plan"]["pins"] == {key: target}
    # Only the two days that changed are routed again.
    assert {d["date"] for d in answer.json["day_plans"]} == {before[key], target}
    # Staff re-plan the whole week: the pin stays.
    again = planned_week(api, week)
    assert days_of(again)[key] == target and again["plan"]["version"] == 3


@pytest.mark.parametrize("pin, code", [
    ({"visit_key": "care:999999", "day": None}, "unknown_visit"),
    ({"visit_key": "BOOKING", "day": None}, "booking_date_fixed"),
    ({"visit_key": "NARROW", "day": "FRIDAY"}, "day_outside_window"),
])
def test_a_pin_that_cannot_hold_is_refused_with_its_reason(
    api: Api, week: Week, pin: dict[str, Any], code: str
) -> None:
    plan_id = planned_week(api, week)["plan"]["id"]
    friday = (week.monday + timedelta(days=4)).isoformat()
    pin = {"visit_key": {"BOOKING": week.booking, "NARROW": week.narrow[0]}.get(
        pin["visit_key"], pin["visit_key"]), "day": friday if pin["day"] else None}
    answer = api.call("PUT", f"/api/v1/plans/week/{plan_id}/pins", "ts-a", json={"pins": [pin]})
    assert (answer.status_code, answer.json["code"]) == (422, code)


def test_pins_on_a_version_a_newer_one_replaced_are_refused(api: Api, week: Week) -> None:
    old = planned_week(api, week)["plan"]["id"]
    planned_week(api, week)
    answer = api.call("PUT", f"/api/v1/plans/week/{old}/pins", "ts-a",
                     json={"pins": [{"visit_key": week.wide[0], "day": None}]})
    assert (answer.status_code, answer.json["code"]) == (409, "week_plan_superseded")


def test_a_visit_for_two_is_left_out_with_its_reason_when_one_worker_is_on_duty(
    api: Api, week: Week
) -> None:
    child = care_visit(client_in_a(api, 20, "left_behind_child"), week.monday,
                       week.monday + timedelta(days=4))
    for n in range(5):
        WorkerDayOff.create(worker=api.world.staff["sw-a2"], day=week.monday + timedelta(days=n))
    body = planned_week(api, week)
    left_out = {p["visit_key"]: p for p in body["unplaced"]}
    assert left_out[child]["reason"] == "no_partner"
    assert left_out[child]["workers_needed"] == 2


def test_the_week_is_refused_when_malformed_past_or_out_of_scope(api: Api, week: Week) -> None:
    bad = api.post("/api/v1/plans/week", "ts-a", json={**week.body(), "week": "2026-50"})
    assert bad.status_code == 422
    past = iso_week(local_today() - timedelta(days=14))
    gone = api.post("/api/v1/plans/week", "ts-a", json={**week.body(), "week": past})
    assert (gone.status_code, gone.json["code"]) == (422, "week_in_past")
    assert api.post("/api/v1/plans/week", "ts-b", json=week.body()).status_code == 404
    assert api.post("/api/v1/plans/week", "sw-a1", json=week.body()).status_code == 403
    unread = api.get(f"/api/v1/plans/week?township_id={week.township_id}&week={week.week}",
                     "ts-a")
    assert (unread.status_code, unread.json["code"]) == (404, "week_plan_not_found")


def test_the_nightly_job_routes_tomorrow_once_whether_or_not_its_placement_changed(
    week: Week
) -> None:
    def versions_of_monday() -> list[int]:
        return [p.version for p in Plan.select().where(
            (Plan.township == week.township_id) & (Plan.day == week.monday))]

    sunday = week.monday - timedelta(days=1)
    tasks.plan_coming_week(week.township_id, today=sunday)  # placed: Monday routed by it
    assert versions_of_monday() == [1]
    assert WeekPlan.get(WeekPlan.week == week.week).day_plans[week.monday.isoformat()]
    tasks.plan_coming_week(week.township_id, today=sunday)  # nothing changed: routed anyway
    assert sorted(versions_of_monday()) == [1, 2]


def test_the_nightly_job_plans_the_coming_week_and_again_only_when_something_changed(
    api: Api, week: Week
) -> None:
    tasks.plan_coming_week(week.township_id, today=week.monday - timedelta(days=1))
    first = WeekPlan.get(WeekPlan.week == week.week)
    tasks.plan_coming_week(week.township_id, today=week.monday - timedelta(days=1))
    assert WeekPlan.select().where(WeekPlan.week == week.week).count() == 1  # nothing changed
    before = {p.visit_key: p.day for p in first.placements}
    new = care_visit(client_in_a(api, 30), week.monday, week.monday + timedelta(days=4))
    tasks.plan_coming_week(week.township_id, today=week.monday - timedelta(days=1))
    latest = WeekPlan.select().where(WeekPlan.week == week.week).order_by(
        WeekPlan.version.desc()).first()
    assert (latest.version, latest.keep_placements, latest.requested_by_kind) == (
        2, True, "system")
    after = {p.visit_key: p.day for p in latest.placements}
    assert after[new] is not None
    assert {k: d for k, d in after.items() if k != new} == before


def test_a_days_plan_leaves_a_visit_to_its_later_day_and_takes_it_back_once_that_day_passed(
    api: Api, week: Week, monkeypatch: pytest.MonkeyPatch
) -> None:
    placed_on = days_of(planned_week(api, week))
    key, day = next((k, date.fromisoformat(d)) for k, d in placed_on.items()
                    if k.startswith("care:") and d != week.monday.isoformat())
    candidates = {c.key: c for c in visits.list_visit_candidates(
        week.township_id, week.monday, actor=SYSTEM)}
    assert key in candidates and key not in placed.as_placed(week.township_id, week.monday,
                                                              candidates)
    on_its_day = {c.key: c for c in visits.list_visit_candidates(week.township_id, day,
                                                                  actor=SYSTEM)}
    chosen = placed.as_placed(week.township_id, day, on_its_day)[key]
    assert chosen.priority != "optional" and chosen.preferred_worker_id is not None
    # The day went by and the visit is still due: the next day's plan may route it again.
    monkeypatch.setattr(placed, "local_today", lambda: day + timedelta(days=1))
    later = day + timedelta(days=1)
    assert key in placed.as_placed(week.township_id, later, {
        c.key: c for c in visits.list_visit_candidates(week.township_id, later, actor=SYSTEM)})
