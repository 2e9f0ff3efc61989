"""临时救助's urgent track (紧急救助程序): the township grants within 24 hours, verifies afterwards,
and a stage that runs out of hours is escalated within the hour."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import pytest

from backend.db import db
from backend.models import InboxMessage, OutboxEvent, StepEscalation
from backend.permissions import SYSTEM
from backend.services import applications
from backend.services.applications import _shared
from notifications import periodic
from tests.conftest import Api

Filing = Callable[..., dict[str, Any]]


@dataclass
class HourClock:
    """The moment (naive UTC) the services believe it is; the city's day follows it."""

    now: datetime

    def advance(self, hours: float) -> datetime:
        """Move time forward."""
        self.now += timedelta(hours=hours)
        return self.now


@pytest.fixture
def hours(monkeypatch: pytest.MonkeyPatch) -> HourClock:
    """Monday 2 March 2026, 01:00 UTC (09:00 in the city), until the test moves it."""
    clock = HourClock(datetime(2026, 3, 2, 1, 0))
    monkeypatch.setattr(_shared, "now", lambda: clock.now)
    monkeypatch.setattr(_shared, "today", lambda: _shared.local_date(clock.now))
    return clock


def _urgent(filing: Filing, n: int = 1, cause: str = "sudden_disaster", **extra: Any
            ) -> dict[str, Any]:
    return filing("temporary_relief", n=n, submit=True, urgent=True, urgent_cause=cause,
                  reason="房屋因暴雨倒塌，无处居住", **extra)


def _move(api: Api, app_id: int, who: str, action: str, **body: Any) -> Any:
    return api.post(f"/api/v1/applications/{app_id}/transitions", who,
                    json={"action": action, **body})


def _staff_inbox(api: Api, who: str) -> list[InboxMessage]:
    return list(InboxMessage.select().where(InboxMessage.recipient_kind == "staff",
                                            InboxMessage.recipient_id == api.world.staff[who].id))


def test_an_urgent_temporary_relief_is_granted_within_its_24_hours_and_verified_after(
    api: Api, hours: HourClock, filing: Filing
) -> None:
    filed = api.post("/api/v1/applications", "res-owner", json=_urgent(filing))
    assert filed.status_code == 201, filed.json
    app = filed.json
    assert app["urgent"] is True and app["urgent_cause_label"] == "突发灾害"
    assert app["stage"] == "acceptance"
    assert app["track_due_at"] == "2026-03-03T01:00:00+00:00"  # 24 hours from submission
    assert app["stage_due_at"] == "2026-03-02T05:00:00+00:00"  # 受理 within 4 hours

    no_supplement = _move(api, app["id"], "ts-a", "supplement", missing_materials=["id_card"])
    assert no_supplement.status_code == 409 and no_supplement.json["code"] == "urgent_no_supplement"
    hours.advance(2)
    accepted = _move(api, app["id"], "ts-a", "advance", comment="情况紧急，当即受理")
    assert accepted.json["stage"] == "approval"
    assert accepted.json["stage_due_at"] == "2026-03-02T23:00:00+00:00"  # 20 hours from 受理

    # 先行救助: the township grants; the city bureau does not hold this stage on the track.
    assert _move(api, app["id"], "city-admin", "approve", benefit_fen=200_000).status_code == 403
    hours.advance(3)
    granted = _move(api, app["id"], "ts-a", "approve", benefit_fen=200_000, comment="先行救助")
    assert granted.status_code == 200, granted.json
    assert granted.json["status"] == "in_review" and granted.json["stage"] == "verification"
    assert granted.json["granted_at"] == "2026-03-02T06:00:00+00:00"
    assert granted.json["benefit_fen"] == 200_000 and granted.json["stage_due_at"] is None

    timeline = api.get(f"/api/v1/applications/{app['id']}/timeline", "res-owner").json
    track = timeline["track"]
    assert track["label"] == "紧急救助程序" and track["cause_label"] == "突发灾害"
    assert track["time_limit_hours"] == 24 and track["granted_within_track"] is True
    assert track["post_hoc_stages"] == ["verification"]
    assert [(s["stage"], s["time_limit_hours"], s["post_hoc"]) for s in timeline["stages"]] == [
        ("acceptance", 4, False), ("approval", 20, False), ("verification", None, True)]
    assert [s["action_label"] for s in timeline["steps"]][-1] == "先行救助"
    inbox = api.get("/api/v1/me/messages", "res-owner").json
    assert any("先行救助" in message["body"] for message in inbox)

    # 事后补齐: verification after the grant closes the application as approved.
    done = _move(api, app["id"], "ts-a", "advance", comment="入户核查属实，补齐手续")
    assert done.status_code == 200, done.json
    assert done.json["status"] == "approved" and done.json["decided_at"]
    decided = OutboxEvent.select().where(OutboxEvent.topic == "application.decided")
    assert [e.payload["application_id"] for e in decided] == [app["id"]]


def test_a_late_urgent_stage_is_escalated_within_the_hour_once(
    api: Api, hours: HourClock, filing: Filing
) -> None:
    app = api.post("/api/v1/applications", "res-owner", json=_urgent(filing, cause="accident")).json
    hours.advance(3.5)
    assert applications.escalate_late_urgent_stages(actor=SYSTEM) == 0  # 30 minutes left
    hours.advance(0.75)  # 受理 is 15 minutes late
    assert api.get(f"/api/v1/applications/{app['id']}", "ts-a").json["overdue"] is True
    db.close()  # the job opens its own connection, as on a worker
    assert periodic.run_task(applications.escalate_late_urgent_stages) == "done"
    db.connect(reuse_if_open=True)
    escalation = StepEscalation.get()
    assert (escalation.stage, escalation.due_at) == ("acceptance", datetime(2026, 3, 2, 5, 0))
    assert applications.escalate_late_urgent_stages(actor=SYSTEM) == 0  # only once
    # The nightly job by the day finds it already reported.
    assert applications.escalate_overdue_steps(hours.now.date() + timedelta(days=2),
                                               actor=SYSTEM) == 0
    [message] = _staff_inbox(api, "ts-a")
    assert "超期" in message.title and "受理" in message.body and "13:00" in message.body

    # The next stage has its own hours, and is escalated in its turn.
    _move(api, app["id"], "ts-a", "advance")
    hours.advance(20.5)
    assert applications.escalate_late_urgent_stages(actor=SYSTEM) == 1
    assert [e.stage for e in StepEscalation.select().order_by(StepEscalation.id)] == [
        "acceptance", "approval"]
    timeline = api.get(f"/api/v1/applications/{app['id']}/timeline", "res-owner").json
    assert timeline["overdue"] is True and timeline["track"]["granted_within_track"] is None
    late = _move(api, app["id"], "ts-a", "approve", benefit_fen=100_000)
    assert late.status_code == 200
    timeline = api.get(f"/api/v1/applications/{app['id']}/timeline", "res-owner").json
    assert timeline["track"]["granted_within_track"] is False


@pytest.mark.parametrize(
    ("change", "code"),
    [
        ({"urgent_cause": None}, "urgent_cause_required"),
        ({"service_code": "subsistence_allowance"}, "urgent_not_offered"),
        ({"urgent": False}, "urgent_cause_unexpected"),
        ({"urgent_cause": "other", "reason": ""}, "reason_required"),
    ],
)
def test_an_urgent_filing_says_what_is_missing(
    api: Api, hours: HourClock, filing: Filing, change: dict[str, Any], code: str
) -> None:
    answer = api.post("/api/v1/applications", "res-owner", json={**_urgent(filing), **change})
    assert answer.status_code == 422 and answer.json["code"] == code, answer.json
    assert answer.json["message"]


def test_an_unknown_cause_is_refused_by_the_schema(
    api: Api, hours: HourClock, filing: Filing
) -> None:
    answer = api.post("/api/v1/applications", "res-owner",
                      json=_urgent(filing, cause="earthquake"))
    assert answer.status_code == 422 and "urgent_cause" in str(answer.json["errors"]), answer.json


def test_the_guide_publishes_the_urgent_track_and_its_causes(api: Api) -> None:
    guide = api.get("/api/v1/services/temporary_relief").json
    assert guide["urgent_track"]["time_limit_hours"] == 24
    assert guide["urgent_track"]["causes"]["serious_illness"] == "重大疾病"
    assert api.get("/api/v1/services/subsistence_allowance").json["urgent_track"] is None
