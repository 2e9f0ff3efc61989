"""A late stage is escalated to the township office's head, once, as the policy asks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend.db import db
from backend.errors import PermissionDenied
from backend.models import AuditEntry, InboxMessage, StepEscalation
from backend.permissions import SYSTEM
from backend.services import applications, auth
from notifications import periodic
from tests.applications.conftest import Clock
from tests.conftest import Api

Filing = Callable[..., dict[str, Any]]


def test_an_overdue_stage_reaches_the_township_head_once(
    api: Api, clock: Clock, filing: Filing
) -> None:
    filed = api.post("/api/v1/applications", "res-owner", json=filing(submit=True)).json
    due = filed["stage_due_on"]
    assert applications.escalate_overdue_steps(clock.day, actor=SYSTEM) == 0  # not late yet

    clock.advance(30)
    assert applications.escalate_overdue_steps(clock.day, actor=SYSTEM) == 1
    assert applications.escalate_overdue_steps(clock.day, actor=SYSTEM) == 0  # only once
    escalation = StepEscalation.get()
    assert (escalation.stage, escalation.due_on.isoformat()) == ("acceptance", due)
    assert AuditEntry.select().where(AuditEntry.action == "application.escalate").count() == 1

    head = api.world.staff["ts-a"]
    inbox = list(
        InboxMessage.select().where(
            InboxMessage.recipient_kind == "staff", InboxMessage.recipient_id == head.id
        )
    )
    assert len(inbox) == 1 and "超期" in inbox[0].title and filed["reference"] in inbox[0].body


def test_the_periodic_job_runs_escalation_as_the_system(
    api: Api, clock: Clock, filing: Filing
) -> None:
    api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    clock.advance(30)
    db.close()  # the job opens its own connection, as on a worker
    outcome = periodic.run_task(applications.escalate_overdue_steps, today=clock.day)
    db.connect(reuse_if_open=True)
    assert outcome == "done" and StepEscalation.select().count() == 1


def test_staff_cannot_run_the_escalation_by_hand(api: Api, clock: Clock) -> None:
    staff = auth.actor_for("staff", api.world.staff["city-admin"].id)
    with pytest.raises(PermissionDenied):
        applications.escalate_overdue_steps(clock.day, actor=staff)
