"""Named accountability (强化责任追究): every open stage is held by a named person, the head may
choose and reassign, a late stage goes to the head and then to the city, and the bulletin names
the holder."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from backend.models import AuditEntry, InboxMessage, StageHolder, StepEscalation
from backend.permissions import SYSTEM
from backend.services import applications, supervision
from tests.applications.conftest import Clock
from tests.conftest import Api

Filing = Callable[..., dict[str, Any]]


def _file(api: Api, filing: Filing) -> dict[str, Any]:
    filed = api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    assert filed.status_code == 201, filed.json
    return filed.json


def _holder(api: Api, application_id: int, who: str = "ts-a") -> Any:
    return api.get(f"/api/v1/applications/{application_id}/holder", who)


def test_a_new_stage_is_held_by_a_named_person_on_duty(api: Api, clock: Clock,
                                                       filing: Filing) -> None:
    filed = _file(api, filing)
    holder = _holder(api, filed["id"])
    assert holder.status_code == 200, holder.json
    role = api.get(f"/api/v1/applications/{filed['id']}/timeline", "ts-a").json["holder_role"]
    expected = {"coordinator": "co-a1", "township_staff": "ts-a"}[role]
    assert holder.json["holder_id"] == api.world.staff[expected].id
    assert holder.json["rule"] == "on_duty" and holder.json["holder_name"]


def test_the_head_names_and_reassigns_the_holder_and_it_is_audited(
        api: Api, clock: Clock, filing: Filing) -> None:
    filed = _file(api, filing)
    role = api.get(f"/api/v1/applications/{filed['id']}/timeline", "ts-a").json["holder_role"]
    created = api.post("/api/v1/staff", "city-admin", json={
        "username": "ts-a2", "name": "第二人", "role": "township_staff",
        "township_id": api.world.townships["a"].id} if role == "township_staff" else {
        "username": "co-a1b", "name": "第二人", "role": "coordinator",
        "village_id": api.world.villages["a1"].id})
    other = created.json["account"]["id"]
    path = f"/api/v1/applications/{filed['id']}/holder"
    by_worker = api.call("PUT", path, "sw-a1", json={"staff_id": other})
    assert by_worker.status_code == 403
    moved = api.call("PUT", path, "ts-a", json={"staff_id": other, "reason": "原责任人出差"})
    assert moved.status_code == 200, moved.json
    assert moved.json["holder_id"] == other and moved.json["rule"] == "reassigned"
    entry = AuditEntry.get(AuditEntry.action == "application.stage_reassigned")
    assert entry.reason == "原责任人出差" and entry.changes["stage_holder"][1] == other
    wrong_role = api.call("PUT", path, "ts-a", json={"staff_id": api.world.staff["sw-a1"].id})
    assert wrong_role.status_code == 422 and wrong_role.json["code"] == "holder_not_eligible"


def test_a_head_s_standing_choice_holds_the_stage_when_it_begins(
        api: Api, clock: Clock, filing: Filing) -> None:
    township = api.world.townships["a"]
    second = api.post("/api/v1/staff", "city-admin", json={
        "username": "ts-a2", "name": "核查专人", "role": "township_staff",
        "township_id": township.id}).json["account"]["id"]
    rule = api.call("PUT", f"/api/v1/townships/{township.id}/stage-rules/verification",
                    "ts-a", json={"staff_id": second})
    assert rule.status_code == 200, rule.json
    filed = _file(api, filing)
    while api.get(f"/api/v1/applications/{filed['id']}/timeline",
                  "ts-a").json["current_stage"] != "verification":
        role = api.get(f"/api/v1/applications/{filed['id']}/timeline",
                       "ts-a").json["holder_role"]
        who = {"coordinator": "co-a1", "township_staff": "ts-a"}[role]
        moved = api.post(f"/api/v1/applications/{filed['id']}/transitions", who,
                         json={"action": "advance", "comment": "同意"})
        assert moved.status_code == 200, moved.json
    holder = _holder(api, filed["id"]).json
    assert holder["holder_id"] == second and holder["rule"] == "head_choice"


def test_a_stage_overdue_past_the_city_threshold_reaches_the_city_queue_and_the_bulletin(
        api: Api, clock: Clock, filing: Filing) -> None:
    filed = _file(api, filing)
    holder_id = _holder(api, filed["id"]).json["holder_id"]
    clock.advance(30)
    assert applications.escalate_overdue_steps(clock.day, actor=SYSTEM) == 1
    escalation = StepEscalation.get()
    assert escalation.holder_id == holder_id
    assert escalation.head_id == api.world.staff["ts-a"].id
    assert api.get("/api/v1/supervision/city-queue", "city-admin").json == []
    clock.advance(4)
    assert applications.escalate_overdue_steps(clock.day, actor=SYSTEM) == 0  # not yet
    clock.advance(1)  # five days after the head was told (the standards' number)
    assert applications.escalate_overdue_steps(clock.day, actor=SYSTEM) == 1
    assert applications.escalate_overdue_steps(clock.day, actor=SYSTEM) == 0  # once
    queue = api.get("/api/v1/supervision/city-queue", "city-admin")
    assert queue.status_code == 200
    [entry] = queue.json
    assert entry["reference"] == filed["reference"] and entry["holder_id"] == holder_id
    assert entry["head_name"] == api.world.staff["ts-a"].name
    work = api.get("/api/v1/applications/queue", "city-admin").json
    assert filed["id"] in [a["id"] for a in work]
    assert api.get("/api/v1/supervision/city-queue", "ts-a").status_code == 403
    city_admin = api.world.staff["city-admin"]
    assert InboxMessage.select().where(InboxMessage.recipient_kind == "staff",
                                       InboxMessage.recipient_id == city_admin.id).count() == 1
    period = f"{clock.day:%Y-%m}"
    bulletin = api.get(f"/api/v1/supervision/reports/monthly?period={period}", "city-admin")
    assert bulletin.status_code == 200, bulletin.json
    [person] = bulletin.json["overdue_holders"]["by_person"]
    holder_name = StageHolder.get(StageHolder.holder == holder_id).holder.name
    assert person["holder_name"] == holder_name and person["overdue"] == 1
    assert person["steps"][0]["reference"] == filed["reference"]
    assert bulletin.json["overdue_holders"]["by_township"][0]["overdue"] == 1
    report = supervision.get_report("monthly", period, actor=SYSTEM)
    assert report["overdue_holders"]["by_person"][0]["holder_id"] == holder_id


def test_a_deactivated_holder_s_stages_pass_to_someone_in_post(
        api: Api, clock: Clock, filing: Filing) -> None:
    filed = _file(api, filing)
    first = _holder(api, filed["id"]).json
    role = api.get(f"/api/v1/applications/{filed['id']}/timeline", "ts-a").json["holder_role"]
    body = ({"username": "ts-a2", "name": "接替者", "role": "township_staff",
             "township_id": api.world.townships["a"].id} if role == "township_staff" else
            {"username": "co-a1b", "name": "接替者", "role": "coordinator",
             "village_id": api.world.villages["a1"].id})
    successor = api.post("/api/v1/staff", "city-admin", json=body).json["account"]["id"]
    off = api.patch(f"/api/v1/staff/{first['holder_id']}", "city-admin",
                    json={"is_active": False})
    assert off.status_code == 200
    assert _holder(api, filed["id"], "city-admin").json["holder_id"] == successor
