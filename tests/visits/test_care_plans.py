"""Care visits fall due by themselves under the care rules, and go overdue when late."""

from __future__ import annotations

from datetime import date, timedelta

from backend.commands.clients import CategoryEntry, RegisterClient
from backend.models import CareVisit, ClientCategory
from backend.permissions import SYSTEM
from backend.services import clients
from backend.services.care_plans import generate_due_care_visits, local_today
from backend.services.visits import list_visit_candidates, list_workers_for_day
from tests.conftest import Api
from tests.factories import id_number


def _enrolled_days_ago(api: Api, key: str, days: int) -> None:
    (
        ClientCategory.update(since=local_today() - timedelta(days=days))
        .where(ClientCategory.client == api.world.clients[key])
        .execute()
    )


def test_a_care_visit_falls_due_on_its_earliest_date_and_only_once(api: Api) -> None:
    today = local_today()
    # 留守老人: every 14 days, may be done 3 days early, 3 days' grace.
    _enrolled_days_ago(api, "a1", 11)
    assert generate_due_care_visits(today - timedelta(days=1), actor=SYSTEM) == 0
    assert generate_due_care_visits(today, actor=SYSTEM) == 1
    assert generate_due_care_visits(today, actor=SYSTEM) == 0  # the nightly job may run twice
    due = api.get("/api/v1/care-visits", "sw-a1")
    assert due.status_code == 200
    [visit] = due.json
    assert visit["client_id"] == api.world.clients["a1"].id
    assert visit["due_date"] == (today + timedelta(days=3)).isoformat()
    assert visit["earliest_date"] == today.isoformat()
    assert visit["latest_date"] == (today + timedelta(days=6)).isoformat()
    assert visit["is_overdue"] is False
    assert api.get("/api/v1/care-visits", "sw-b1").json == []
    assert api.get("/api/v1/care-visits", "ts-a", query_string={"status": "overdue"}).json == []
    [candidate] = list_visit_candidates(api.world.townships["a"].id, today, actor=SYSTEM)
    assert candidate.priority == "optional" and candidate.source == "care_visit"


def test_a_care_visit_goes_overdue_after_its_latest_date(api: Api) -> None:
    today = local_today()
    _enrolled_days_ago(api, "a1", 11)
    generate_due_care_visits(today, actor=SYSTEM)
    latest = today + timedelta(days=6)
    generate_due_care_visits(latest, actor=SYSTEM)
    assert CareVisit.get().is_overdue is False
    generate_due_care_visits(latest + timedelta(days=1), actor=SYSTEM)
    assert CareVisit.get().is_overdue is True
    [candidate] = list_visit_candidates(
        api.world.townships["a"].id, latest + timedelta(days=1), actor=SYSTEM
    )
    assert candidate.priority == "overdue"


def test_staff_see_overdue_visits_in_their_scope(api: Api) -> None:
    _enrolled_days_ago(api, "a1", 20)
    generate_due_care_visits(local_today(), actor=SYSTEM)
    overdue = api.get("/api/v1/care-visits", "ts-a", query_string={"status": "overdue"})
    assert overdue.status_code == 200
    assert [v["client_id"] for v in overdue.json] == [api.world.clients["a1"].id]
    assert overdue.json[0]["is_overdue"] is True
    assert api.get("/api/v1/care-visits", "ts-b", query_string={"status": "overdue"}).json == []
    assert api.get("/api/v1/care-visits", "co-a1").status_code == 403
    assert (
        api.get("/api/v1/care-visits", "ts-a", query_string={"status": "late"}).status_code == 422
    )


def test_a_left_behind_woman_needs_a_female_worker(api: Api) -> None:
    client = clients.create_client(
        RegisterClient(
            name="留守妇女",
            id_number=id_number(50, date(1985, 5, 5), "female"),
            village_id=api.world.villages["a2"].id,
            address="a2村3组1号",
            categories=(
                CategoryEntry("left_behind_woman", since=local_today() - timedelta(days=30)),
            ),
        ),
        actor=SYSTEM,
    )
    generate_due_care_visits(local_today(), actor=SYSTEM)
    care = CareVisit.get(CareVisit.client == client.id)
    assert care.required_skills == ["female"]
    workers = list_workers_for_day(api.world.townships["a"].id, _next_monday())
    skills = {w.worker_id: w.skills for w in workers}
    assert "female" in skills[api.world.staff["sw-a1"].id]
    assert "female" not in skills[api.world.staff["sw-a2"].id]


def _next_monday() -> date:
    today = local_today()
    return today + timedelta(days=7 - today.weekday())


def test_special_care_clients_get_a_condolence_visit_before_spring_festival(api: Api) -> None:
    client = clients.create_client(
        RegisterClient(
            name="老兵",
            id_number=id_number(60, date(1950, 8, 1)),
            village_id=api.world.villages["a1"].id,
            address="a1村5组1号",
            categories=(CategoryEntry("special_care", subtype="rural_veteran_60"),),
        ),
        actor=SYSTEM,
    )
    festival = date(2027, 2, 6)  # 春节 2027 in care_rules.json; visits start 15 days before
    generate_due_care_visits(festival - timedelta(days=16), actor=SYSTEM)
    assert not CareVisit.select().where(CareVisit.kind == "condolence_visit").exists()
    generate_due_care_visits(festival - timedelta(days=15), actor=SYSTEM)
    condolence = CareVisit.get(CareVisit.client == client.id, CareVisit.kind == "condolence_visit")
    assert condolence.latest_date == festival - timedelta(days=1)
