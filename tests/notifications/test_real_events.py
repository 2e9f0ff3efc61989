"""Real events from other areas reach people: a booking decision through the HTTP API."""

from __future__ import annotations

from typing import Any

import pytest
from redis import Redis
from rq import SimpleWorker

from backend.models import Booking, InboxMessage, MessageDelivery
from fake_wechat import FakeWeChatServer
from notifications import context, relay
from tests.conftest import Api
from tests.visits.conftest import booking_body, working_day


def _book_and_approve(api: Api) -> dict[str, Any]:
    day = working_day(2)
    booking = api.post(
        "/api/v1/bookings", "res-owner", json=booking_body(api.world.clients["a1"].id, day)
    ).json
    decision = api.post(
        f"/api/v1/bookings/{booking['id']}/decision", "ts-a", json={"decision": "approve"}
    )
    assert decision.status_code == 200, decision.json
    return dict(booking)


def test_an_approved_booking_notifies_the_resident_inline(
    api: Api, inline: context.Services, fake_wechat: FakeWeChatServer
) -> None:
    api.post(
        "/api/v1/me/subscriptions", "res-owner", json={"template_ids": ["tmpl-booking_approved"]}
    )
    booking = _book_and_approve(api)
    message = InboxMessage.get(InboxMessage.topic == "booking.approved")
    assert message.title == "上门探访预约已安排"
    assert message.page == f"pages/bookings/detail?id={booking['id']}"
    [sent] = fake_wechat.state.sent
    assert sent["template_id"] == "tmpl-booking_approved"
    assert sent["data"]["name1"]["value"] == "对象a1"
    assert sent["data"]["phrase4"]["value"] == "上午"


@pytest.mark.redis
def test_an_approved_booking_is_sent_by_the_worker(
    api: Api, queued: context.Services, redis_conn: Redis, fake_wechat: FakeWeChatServer
) -> None:
    api.post(
        "/api/v1/me/subscriptions", "res-owner", json={"template_ids": ["tmpl-booking_approved"]}
    )
    booking = _book_and_approve(api)
    assert fake_wechat.state.sent == []  # the request only queued the event
    SimpleWorker([relay.NOTIFICATIONS_QUEUE], connection=redis_conn).work(burst=True)
    [sent] = fake_wechat.state.sent
    assert sent["page"] == f"pages/bookings/detail?id={booking['id']}"
    delivery = MessageDelivery.get(MessageDelivery.topic == "booking.approved")
    assert delivery.status == "sent"
    assert delivery.area_code == Booking.get_by_id(booking["id"]).area_code
