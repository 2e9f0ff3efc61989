"""Complaints and requests (诉求): an owner and a due date at once, escalation to the township
head and then the city when late, an answer that reaches the resident's inbox, a rating."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest

from backend.db import db
from backend.models import (
    AuditEntry,
    FollowUpTask,
    GrievanceEscalation,
    InboxMessage,
    StaffAccount,
)
from backend.permissions import SYSTEM
from backend.services import grievances, visit_rules
from notifications import periodic
from tests.applications.conftest import PNG, Clock
from tests.conftest import Api

Filing = Callable[..., dict[str, Any]]


def _inbox(api: Api, kind: str, who: str) -> list[InboxMessage]:
    person = api.world.staff[who] if kind == "staff" else api.world.residents[who]
    return list(InboxMessage.select().where(InboxMessage.recipient_kind == kind,
                                            InboxMessage.recipient_id == person.id)
                .order_by(InboxMessage.id))


@pytest.fixture
def application_id(api: Api, clock: Clock, filing: Filing) -> int:
    """The resident's own 低保 application in village a1."""
    filed = api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    assert filed.status_code == 201, filed.json
    return int(filed.json["id"])


def _file(api: Api, who: str = "res-owner", **body: Any) -> Any:
    return api.post("/api/v1/grievances", who, json={"content": "材料交了两周没有人联系我", **body})


def test_a_late_grievance_goes_to_the_township_head_then_the_city_and_its_answer_reaches_the_inbox(
    api: Api, clock: Clock, clerk: StaffAccount, application_id: int
) -> None:
    filed = _file(api, subject="application", application_id=application_id)
    assert filed.status_code == 201, filed.json
    grievance = filed.json
    assert grievance["reference"].startswith("SS") and grievance["status"] == "open"
    assert grievance["level"] == "township" and grievance["owner_name"] == "测试ts-a2"
    assert grievance["due_on"] == "2026-03-09"  # five working days (the standards' number)
    assert grievance["area_code"] == api.world.villages["a1"].code
    [assigned] = _inbox(api, "staff", "ts-a2")
    assert grievance["reference"] in assigned.body and "2026年3月9日" in assigned.body

    clock.day = date(2026, 3, 9)
    assert grievances.escalate_late_grievances(clock.day, actor=SYSTEM) == 0  # due today
    clock.day = date(2026, 3, 10)
    db.close()  # the job opens its own connection, as on a worker
    assert periodic.run_task(grievances.escalate_late_grievances, today=clock.day) == "done"
    db.connect(reuse_if_open=True)
    assert grievances.escalate_late_grievances(clock.day, actor=SYSTEM) == 0  # only once
    headed = api.get(f"/api/v1/grievances/{grievance['id']}", "ts-a").json
    assert headed["level"] == "township_head" and headed["owner_name"] == "测试ts-a"
    assert headed["due_on"] == "2026-03-13"  # three more working days
    escalated = _inbox(api, "staff", "ts-a")[-1]
    assert escalated.title == "群众诉求超期督办" and "乡镇民政办负责人" in escalated.body

    clock.day = date(2026, 3, 16)
    assert grievances.escalate_late_grievances(clock.day, actor=SYSTEM) == 1
    at_city = api.get(f"/api/v1/grievances/{grievance['id']}", "city-admin").json
    assert at_city["level"] == "city" and at_city["owner_name"] == "测试city-admin"
    assert "市民政局" in _inbox(api, "staff", "city-admin")[-1].body
    clock.day = date(2026, 4, 30)
    assert grievances.escalate_late_grievances(clock.day, actor=SYSTEM) == 0  # the city is last
    levels = [e.level for e in GrievanceEscalation.select().order_by(GrievanceEscalation.id)]
    assert levels == ["township_head", "city"]
    assert AuditEntry.select().where(AuditEntry.action == "grievance.escalate").count() == 2

    # The answer, from anyone in the office in scope; the resident reads it in the inbox.
    path = f"/api/v1/grievances/{grievance['id']}"
    assert api.post(f"{path}/resolution", "ts-b", json={"resolution": "x"}).status_code == 404
    assert api.post(f"{path}/resolution", "co-a1", json={"resolution": "x"}).status_code == 403
    answered = api.post(f"{path}/resolution", "ts-a",
                        json={"resolution": "已联系您，核查将于本周完成"})
    assert answered.status_code == 200, answered.json
    assert answered.json["status"] == "resolved" and answered.json["resolved_at"]
    again = api.post(f"{path}/resolution", "ts-a", json={"resolution": "再答一次"})
    assert again.status_code == 409 and again.json["code"] == "grievance_resolved"
    inbox = api.get("/api/v1/me/messages", "res-owner").json
    assert inbox[0]["title"] == "您的诉求已答复"
    assert "已联系您，核查将于本周完成" in inbox[0]["body"]
    assert grievance["reference"] in inbox[0]["body"]

    # The resident rates the answer, once.
    assert api.post(f"{path}/rating", "ts-a", json={"rating": 5}).status_code == 403
    rated = api.post(f"{path}/rating", "res-owner", json={"rating": 2, "comment": "太慢了"})
    assert rated.status_code == 200 and rated.json["rating"] == 2
    twice = api.post(f"{path}/rating", "res-owner", json={"rating": 5})
    assert twice.status_code == 409 and twice.json["code"] == "already_evaluated"


def test_a_grievance_is_answered_before_it_is_rated_and_photos_come_while_it_is_open(
    api: Api, clock: Clock, small_uploads: int
) -> None:
    filed = _file(api, subject="other", village_id=api.world.villages["b1"].id,
                  content="村口路灯坏了，老人晚上出门不安全").json
    path = f"/api/v1/grievances/{filed['id']}"
    early = api.post(f"{path}/rating", "res-owner", json={"rating": 4})
    assert early.status_code == 409 and early.json["code"] == "not_resolved"
    photo = api.post(f"{path}/photos", "res-owner", data={"file": (io.BytesIO(PNG), "灯.png")},
                     content_type="multipart/form-data")
    assert photo.status_code == 201, photo.json
    assert photo.json["content_type"] == "image/png"
    with api.get(f"{path}/photos/{photo.json['id']}", "ts-b") as image:
        assert image.status_code == 200 and image.mimetype == "image/png"
        assert image.get_data() == PNG
    assert api.get(f"{path}/photos/{photo.json['id']}", "res-other").status_code == 404
    assert api.get(f"{path}/photos/{photo.json['id']}", "ts-a").status_code == 404
    text = api.post(f"{path}/photos", "res-owner", data={"file": (io.BytesIO(b"hello"), "a.png")},
                    content_type="multipart/form-data")
    assert text.status_code == 415
    api.post(f"{path}/resolution", "ts-b", json={"resolution": "已报修，三日内修好"})
    closed = api.post(f"{path}/photos", "res-owner", data={"file": (io.BytesIO(PNG), "b.png")},
                      content_type="multipart/form-data")
    assert closed.status_code == 409 and closed.json["code"] == "grievance_closed"


def test_a_grievance_about_a_staff_member_is_never_theirs_to_own_or_read(
    api: Api, clock: Clock, clerk: StaffAccount
) -> None:
    filed = _file(api, "res-other", subject="staff", staff_id=clerk.id,
                  content="窗口工作人员态度生硬")
    assert filed.status_code == 201, filed.json
    assert filed.json["owner_name"] == "测试ts-a"  # the head, not the clerk it is about
    assert filed.json["area_code"] == "410184001"
    assert api.get(f"/api/v1/grievances/{filed.json['id']}", "ts-a2").status_code == 404
    assert [g["id"] for g in api.get("/api/v1/grievances", "ts-a2").json] == []
    assert [g["id"] for g in api.get("/api/v1/grievances", "ts-a").json] == [filed.json["id"]]
    refused = api.post(f"/api/v1/grievances/{filed.json['id']}/resolution", "ts-a2",
                       json={"resolution": "我没有"})
    assert refused.status_code == 404


def test_each_person_sees_only_their_own_and_staff_only_their_scope(
    api: Api, clock: Clock, application_id: int
) -> None:
    mine = _file(api, subject="application", application_id=application_id).json
    theirs = _file(api, "res-other", subject="other", village_id=api.world.villages["b1"].id).json
    assert [g["id"] for g in api.get("/api/v1/grievances", "res-owner").json] == [mine["id"]]
    assert api.get(f"/api/v1/grievances/{theirs['id']}", "res-owner").status_code == 404
    assert [g["id"] for g in api.get("/api/v1/grievances", "ts-b").json] == [theirs["id"]]
    assert {g["id"] for g in api.get("/api/v1/grievances", "city-admin").json} == {
        mine["id"], theirs["id"]}
    assert api.get("/api/v1/grievances", "co-a1").status_code == 403
    assert api.get("/api/v1/grievances", "sw-a1").status_code == 403
    assert api.get("/api/v1/grievances").status_code == 401
    only_open = api.get("/api/v1/grievances?status=resolved", "city-admin").json
    assert only_open == []


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({"subject": "application"}, 422, "grievance_subject_mismatch"),
        ({"subject": "other", "village_id": 1, "staff_id": 1}, 422, "grievance_subject_mismatch"),
        ({"subject": "other", "village_id": 999_999}, 422, "unknown_village"),
        ({"subject": "staff", "staff_id": 999_999}, 404, "staff_not_found"),
        ({"subject": "visit", "visit_id": 999_999}, 404, "visit_not_found"),
        ({"subject": "other", "village_id": 1, "content": "   "}, 422, "content_required"),
    ],
)
def test_a_grievance_names_one_subject_the_resident_may_name(
    api: Api, clock: Clock, body: dict[str, Any], status: int, code: str
) -> None:
    answer = _file(api, **body)
    assert answer.status_code == status and answer.json["code"] == code, answer.json


def test_someone_elses_application_is_not_found(
    api: Api, clock: Clock, application_id: int
) -> None:
    answer = _file(api, "res-other", subject="application", application_id=application_id)
    assert answer.status_code == 404
    assert api.post("/api/v1/grievances", "ts-a", json={"subject": "other", "content": "x",
                                                        "village_id": 1}).status_code == 403


def test_staff_close_a_poor_ratings_follow_up_with_a_note(
    api: Api, clock: Clock, application_id: int
) -> None:
    for who, action in (("ts-a", "advance"), ("ts-a", "advance"), ("ts-a", "reject")):
        api.post(f"/api/v1/applications/{application_id}/transitions", who,
                 json={"action": action, "comment": "不符合条件"})
    api.post(f"/api/v1/applications/{application_id}/evaluation", "res-owner",
             json={"rating": 1, "comment": "没说清楚为什么"})
    [task] = api.get("/api/v1/applications/follow-ups", "ts-a").json
    path = f"/api/v1/applications/follow-ups/{task['id']}/close"
    assert api.post(path, "ts-b", json={"note": "x"}).status_code == 404
    assert api.post(path, "co-a1", json={"note": "x"}).status_code == 403
    blank = api.post(path, "ts-a", json={"note": "  "})
    assert blank.status_code == 422 and blank.json["code"] == "note_required"
    closed = api.post(path, "ts-a", json={"note": "已电话回访，当面解释了不予批准的理由"})
    assert closed.status_code == 200, closed.json
    assert closed.json["status"] == "done" and closed.json["close_note"].startswith("已电话回访")
    assert api.get("/api/v1/applications/follow-ups", "ts-a").json == []
    again = api.post(path, "ts-a", json={"note": "再关一次"})
    assert again.status_code == 409 and again.json["code"] == "follow_up_closed"
    stored = FollowUpTask.get_by_id(task["id"])
    assert stored.closed_by_id == api.world.staff["ts-a"].id
    timeline = api.get(f"/api/v1/applications/{application_id}/timeline", "ts-a").json
    assert timeline["steps"][-1]["action_label"] == "差评回访办结"


def test_a_grievance_about_a_visit_lands_in_the_visits_village(
    api: Api, clock: Clock, monkeypatch: pytest.MonkeyPatch
) -> None:
    day = date.today() + timedelta(days=7)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    asked = api.post("/api/v1/bookings", "res-owner", json={
        "client_id": api.world.clients["a1"].id, "kind": "routine_visit",
        "preferred": [{"date": day.isoformat(), "window": "morning"}]}).json
    api.post(f"/api/v1/bookings/{asked['id']}/decision", "ts-a", json={"decision": "approve"})
    monkeypatch.setattr(visit_rules, "visit_day", lambda: day)
    visit = api.post("/api/v1/visits", "sw-a1", json={"booking_id": asked["id"]}).json
    filed = _file(api, subject="visit", visit_id=visit["id"], content="社工只待了五分钟就走了")
    assert filed.status_code == 201, filed.json
    assert filed.json["visit_id"] == visit["id"]
    assert filed.json["area_code"] == api.world.villages["a1"].code
    assert _file(api, "res-other", subject="visit", visit_id=visit["id"]).status_code == 404
