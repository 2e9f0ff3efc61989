"""Home visits two social workers make together, through the API: who needs two (the city's
category rule, a client's flag), both routes naming the other worker, starts within the
tolerance, and the visit left out with its reason when one worker is on duty."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from backend.commands.clients import CategoryEntry, RegisterClient
from backend.models import AuditEntry, CareVisit, Client, OutboxEvent, WorkerDayOff
from backend.permissions import SYSTEM
from backend.services import care_plans, clients
from tests.conftest import Api
from tests.factories import id_number
from tests.planning.conftest import approve_booking, planned

TOLERANCE_S = care_plans.care_rules_data()["two_worker_visits"]["sync_tolerance_minutes"] * 60


@dataclass
class PairDay:
    """Township A's day: a left-behind child's care visit, a flagged client's, and others."""

    township_id: int
    day: date
    child: str  # visit keys
    crisis: str
    alone: list[str]


def _client(api: Api, n: int, category: str, flag: str | None = None) -> Client:
    township, village = api.world.townships["a"], api.world.villages[f"a{n % 2 + 1}"]
    guardian = {"guardian_name": "王奶奶"} if category == "left_behind_child" else {}
    return clients.create_client(
        RegisterClient(
            name=f"同行对象{n}",
            id_number=id_number(300 + n),
            village_id=village.id,
            address=f"{village.name}{n}号",
            lat=township.lat + 0.004 * (n % 5 - 2),
            lng=township.lng + 0.005 * (n % 3 - 1),
            categories=(CategoryEntry(category),),
            two_worker_flag=flag,
            **guardian,
        ),
        actor=SYSTEM,
    )


def _care_visit(client: Client, day: date, kind: str = "routine_visit") -> str:
    visit = CareVisit.create(
        client=client,
        area_code=client.area_code,
        township=client.village.township_id,
        rule="left_behind_elder",
        kind=kind,
        due_date=day,
        earliest_date=day - timedelta(days=3),
        latest_date=day + timedelta(days=3),
        duration_minutes=40,
        required_skills=["counselling"] if kind == "counselling" else [],
    )
    return f"care:{visit.id}"


@pytest.fixture
def pair_day(api: Api, plan_day: date) -> PairDay:
    """A left-behind child (the city visits them in twos), a client in a psychological crisis
    (a certified counsellor and a second worker) and four ordinary visits."""
    child = _care_visit(_client(api, 0, "left_behind_child"), plan_day)
    crisis = _care_visit(
        _client(api, 1, "elderly", "psychological_crisis"), plan_day, kind="counselling"
    )
    alone = [_care_visit(_client(api, n, "left_behind_elder"), plan_day) for n in range(2, 6)]
    return PairDay(api.world.townships["a"].id, plan_day, child, crisis, alone)


def _seconds(moment: str) -> int:
    t = datetime.fromisoformat(moment)
    return t.hour * 3600 + t.minute * 60 + t.second


def _stops(detail: dict[str, Any], key: str) -> list[dict[str, Any]]:
    return [s for r in detail["routes"] for s in r["stops"] if s["visit_key"] == key]


def test_both_workers_visit_a_left_behind_child_together(api: Api, pair_day: PairDay) -> None:
    detail = planned(api, "ts-a", pair_day.township_id, pair_day.day)

    assert detail["plan"]["feasible"] is True
    first, second = _stops(detail, pair_day.child)
    sw1, sw2 = api.world.staff["sw-a1"], api.world.staff["sw-a2"]
    assert {first["worker_id"], second["worker_id"]} == {sw1.id, sw2.id}
    assert (first["partner_worker_id"], second["partner_worker_id"]) == (
        second["worker_id"],
        first["worker_id"],
    )
    names = {sw1.id: sw1.name, sw2.id: sw2.name}
    assert first["partner_worker_name"] == names[second["worker_id"]]
    assert first["partner_planned_start"] == second["planned_start"]
    assert second["partner_planned_start"] == first["planned_start"]
    assert first["workers_needed"] == second["workers_needed"] == 2
    gap = abs(_seconds(first["planned_start"]) - _seconds(second["planned_start"]))
    assert gap <= TOLERANCE_S
    assert _seconds(first["planned_end"]) - _seconds(first["planned_start"]) == 40 * 60
    for key in pair_day.alone:
        [stop] = _stops(detail, key)
        assert (stop["workers_needed"], stop["partner_worker_id"]) == (1, None)


def test_a_crisis_visit_goes_to_the_counsellor_with_a_second_worker(
    api: Api, pair_day: PairDay
) -> None:
    detail = planned(api, "ts-a", pair_day.township_id, pair_day.day)

    stops = _stops(detail, pair_day.crisis)
    assert {s["worker_id"] for s in stops} == {
        api.world.staff["sw-a1"].id,  # the certified counsellor
        api.world.staff["sw-a2"].id,
    }
    assert all(s["workers_needed"] == 2 for s in stops)


def test_each_worker_sees_who_comes_along_on_their_own_route(api: Api, pair_day: PairDay) -> None:
    planned(api, "ts-a", pair_day.township_id, pair_day.day)

    route = api.get(f"/api/v1/me/route?date={pair_day.day.isoformat()}", "sw-a2").json
    [stop] = [s for s in route["stops"] if s["visit_key"] == pair_day.child]
    sw1 = api.world.staff["sw-a1"]
    assert (stop["partner_worker_id"], stop["partner_worker_name"]) == (sw1.id, sw1.name)


def test_with_one_worker_on_duty_a_visit_for_two_is_left_out_for_want_of_a_partner(
    api: Api, pair_day: PairDay
) -> None:
    WorkerDayOff.create(worker=api.world.staff["sw-a2"], day=pair_day.day, reason="培训")

    detail = planned(api, "ts-a", pair_day.township_id, pair_day.day)

    dropped = {s["visit_key"]: s for s in detail["dropped"]}
    assert dropped[pair_day.child]["drop_reason"] == "no_partner"
    assert dropped[pair_day.crisis]["drop_reason"] == "no_partner"
    assert dropped[pair_day.child]["workers_needed"] == 2
    assert detail["plan"]["feasible"] is True
    served = {s["visit_key"] for r in detail["routes"] for s in r["stops"]}
    assert set(pair_day.alone) <= served


def test_a_booked_visit_for_two_tells_the_resident_once(api: Api, pair_day: PairDay) -> None:
    owner = api.world.clients["a1"]
    flagged = api.patch(
        f"/api/v1/clients/{owner.id}", "ts-a", json={"two_worker_flag": "safety_risk"}
    )
    assert flagged.status_code == 200, flagged.json
    booking_id = approve_booking(api, "res-owner", owner.id, pair_day.day, "morning")

    detail = planned(api, "ts-a", pair_day.township_id, pair_day.day)

    stops = _stops(detail, f"booking:{booking_id}")
    assert len(stops) == 2
    first = min(stops, key=lambda s: (s["planned_start"], s["worker_id"]))
    planned_events = [
        e.payload
        for e in OutboxEvent.select().where(OutboxEvent.topic == "visit.planned")
        if e.payload["booking_id"] == booking_id
    ]
    assert [e["worker_id"] for e in planned_events] == [first["worker_id"]]
    booking = api.get(f"/api/v1/bookings/{booking_id}", "res-owner").json
    told = datetime.fromisoformat(booking["arrival_start"])
    told = told if told.tzinfo else told.replace(tzinfo=UTC)
    assert told == datetime.fromisoformat(first["arrival_window_start"])


def test_staff_flag_a_client_whose_visits_need_two_and_the_change_is_audited(api: Api) -> None:
    client_id = api.world.clients["a1"].id
    path = f"/api/v1/clients/{client_id}"

    set_ = api.patch(path, "ts-a", json={"two_worker_flag": "psychological_crisis"})
    unknown = api.patch(path, "ts-a", json={"two_worker_flag": "dangerous_dog"})
    cleared = api.patch(path, "ts-a", json={"two_worker_flag": None})

    assert set_.status_code == 200 and set_.json["two_worker_flag"] == "psychological_crisis"
    assert unknown.status_code == 422
    assert unknown.json["code"] == "unknown_two_worker_flag"
    assert "safety_risk" in unknown.json["message"]
    assert cleared.status_code == 200 and cleared.json["two_worker_flag"] is None
    changes = [
        e.changes.get("two_worker_flag")
        for e in AuditEntry.select()
        .where(AuditEntry.action == "client.update", AuditEntry.entity_id == str(client_id))
        .order_by(AuditEntry.id)
    ]
    assert changes == [[None, "psychological_crisis"], ["psychological_crisis", None]]
