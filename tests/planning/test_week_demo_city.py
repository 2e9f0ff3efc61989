"""The week's plan on the demo city, end to end through the API: the first township's desk
places next week, every due visit is placed inside its window or left out with a reason, the
visits for two get two different workers, no worker-day is overfull, and each day is routed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from backend import demo
from backend.db import db
from backend.models import CareVisit, Township
from backend.models.week_plans import UNPLACED_REASONS
from backend.services.planning.placed import iso_week
from tests.planning.conftest import next_monday


@pytest.fixture
def desk(client: FlaskClient, quick_days: None) -> dict[str, str]:
    """The demo city seeded small; the first township's staff logged in."""
    demo.seed_demo_city(clients_per_township=15, casework=False)
    db.connect(reuse_if_open=True)
    code = Township.select().order_by(Township.code).first().code
    login = client.post("/api/v1/auth/staff", json={"username": f"ts-{code}-1",
                                                    "password": demo.DEMO_PASSWORD})
    assert login.status_code == 200, login.json
    return {"Authorization": f"Bearer {login.json['access_token']}"}


def test_the_demo_townships_desk_places_next_week_and_each_day_is_routed(
    client: FlaskClient, desk: dict[str, str]
) -> None:
    township = Township.select().order_by(Township.code).first()
    monday = next_monday()
    body = {"township_id": township.id, "week": iso_week(monday)}
    answer = client.post("/api/v1/plans/week", json=body, headers=desk)
    assert answer.status_code == 201, answer.json
    week = answer.json
    due = {f"care:{c.id}" for c in CareVisit.select().where(
        CareVisit.township == township, CareVisit.status == "due",
        CareVisit.earliest_date <= monday + timedelta(days=6))}
    assert due, "the demo has care visits due next week"
    placements = {p["visit_key"]: p for p in week["placements"]}
    unplaced = {p["visit_key"]: p for p in week["unplaced"]}
    assert due <= placements.keys() | unplaced.keys()
    assert not placements.keys() & unplaced.keys()
    for p in placements.values():
        assert p["earliest"] <= p["day"] <= p["latest"]
        workers = [w for w in (p["worker_id"], p["partner_worker_id"]) if w is not None]
        assert len(set(workers)) == len(workers) == p["workers_needed"]
    assert all(p["reason"] in UNPLACED_REASONS for p in unplaced.values())
    assert any(p["workers_needed"] == 2 for p in placements.values())  # the demo's twos
    for day in week["days"]:
        for worker in day["workers"]:
            assert worker["load_minutes"] <= worker["shift_minutes"]
    routed = {d["date"] for d in week["day_plans"]}
    assert routed == {p["day"] for p in placements.values()}
    for ref in week["day_plans"]:
        plan = client.get(f"/api/v1/plans/{ref['plan_id']}", headers=desk).json
        assert plan["plan"]["status"] == "done", plan["plan"]
        on_routes = {s["visit_key"] for r in plan["routes"] for s in r["stops"]}
        placed_here = {k for k, p in placements.items() if p["day"] == ref["date"]}
        # The day routes what the week put there (a visit it cannot fit is dropped, said so).
        assert on_routes <= placed_here | set(unplaced)
    read = client.get(f"/api/v1/plans/week?township_id={township.id}&week={body['week']}",
                      headers=desk)
    assert read.status_code == 200 and read.json["plan"]["id"] == week["plan"]["id"]

