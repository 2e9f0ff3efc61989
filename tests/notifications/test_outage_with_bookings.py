"""The issue's own scenario: a hundred booking approvals while Redis is down, then delivery."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date, timedelta

import pytest
from redis import Redis
from rq import SimpleWorker

from backend import runtime
from backend.commands.clients import RegisterClient
from backend.models import ClientContact, InboxMessage, OutboxEvent, SubscriptionCredit
from backend.permissions import SYSTEM
from backend.services import clients
from backend.services.care_plans import local_today
from fake_wechat import FakeWeChatServer
from notifications import context, relay, templates
from tests.conftest import Api
from tests.factories import id_number

from .conftest import UNREACHABLE_REDIS_URL

pytestmark = pytest.mark.redis
APPROVALS = 100


def _working_days(count: int) -> list[date]:
    days, day = [], local_today() + timedelta(days=1)
    while len(days) < count:
        day += timedelta(days=1)
        if day.weekday() < 5:
            days.append(day)
    return days


def _approval_statuses() -> Counter[str]:
    return Counter(
        e.status for e in OutboxEvent.select().where(OutboxEvent.topic == "booking.approved")
    )


def _book_for_new_clients(api: Api, count: int) -> list[int]:
    """A hundred clients of the owner's household, each with a booking on its own slot."""
    village = api.world.villages["a1"]
    slots = [(day, window) for day in _working_days(10) for window in ("morning", "afternoon")]
    booking_ids = []
    for n in range(count):
        client = clients.create_client(
            RegisterClient(
                name=f"对象{n}",
                id_number=id_number(300 + n),
                village_id=village.id,
                address=f"a1村{n}号",
            ),
            actor=SYSTEM,
        )
        ClientContact.create(resident=api.world.residents["res-owner"], client=client)
        day, window = slots[n // 5]  # five to a half-day: inside the two workers' capacity
        answer = api.post(
            "/api/v1/bookings",
            "res-owner",
            json={
                "client_id": client.id,
                "kind": "routine_visit",
                "reason": "上门看看",
                "preferred": [{"date": day.isoformat(), "window": window}],
            },
        )
        assert answer.status_code == 201, answer.json
        booking_ids.append(answer.json["id"])
    return booking_ids


def test_a_hundred_approvals_made_while_redis_is_down_are_delivered_once_each(
    api: Api,
    wire: Callable[..., context.Services],
    grant: Callable[..., SubscriptionCredit],
    redis_url: str,
    redis_conn: Redis,
    fake_wechat: FakeWeChatServer,
) -> None:
    booking_ids = _book_for_new_clients(api, APPROVALS)
    grant(count=APPROVALS, template=templates.TEMPLATES["booking.approved"])

    wire(redis_url=UNREACHABLE_REDIS_URL)  # Redis is down: every approval must still succeed
    for booking_id in booking_ids:
        answer = api.post(
            f"/api/v1/bookings/{booking_id}/decision", "ts-a", json={"decision": "approve"}
        )
        assert answer.status_code == 200, answer.json
    assert _approval_statuses() == {"pending": APPROVALS}

    wire(redis_url=redis_url)  # Redis is back
    relay.current_relay().sweep(limit=1000)
    SimpleWorker([relay.NOTIFICATIONS_QUEUE], connection=redis_conn).work(burst=True)
    relay.current_relay().sweep(limit=1000)  # a second pass finds nothing left to send
    SimpleWorker([relay.NOTIFICATIONS_QUEUE], connection=redis_conn).work(burst=True)

    template_id = templates.TEMPLATES["booking.approved"].template_id(runtime.settings())
    sent = [m for m in fake_wechat.state.sent if m["template_id"] == template_id]
    pages = sorted(m["page"] for m in sent)
    assert len(pages) == APPROVALS and len(set(pages)) == APPROVALS  # each booking, once
    assert _approval_statuses() == {"done": APPROVALS}
    assert (
        InboxMessage.select().where(InboxMessage.topic == "booking.approved").count() == APPROVALS
    )
