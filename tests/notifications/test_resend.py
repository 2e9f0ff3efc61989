"""A send cut off by a crash stays ``unknown`` (never sent twice behind anyone's back); the
resident's inbox has the message anyway, and staff see the send and resend it in one click."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from redis import Redis
from rq import SimpleWorker

from backend import outbox
from backend.models import AuditEntry, MessageDelivery, SubscriptionCredit
from backend.services import messages
from fake_wechat import FakeWeChatServer
from notifications import context, relay
from tests.conftest import Api

pytestmark = pytest.mark.redis
Emit = Callable[..., int]
Grant = Callable[..., SubscriptionCredit]


def _work(redis: Redis) -> None:
    SimpleWorker([relay.NOTIFICATIONS_QUEUE], connection=redis).work(burst=True)


def test_a_send_cut_off_mid_flight_is_shown_to_staff_and_resent_in_one_click(
    api: Api, queued: context.Services, emit_notice: Emit, grant: Grant,
    fake_wechat: FakeWeChatServer, redis_conn: Redis,
) -> None:
    grant(count=1)
    event_id = emit_notice(7)  # its job waits on the queue
    outbox.process_event(event_id)  # the worker filed the inbox message and the pending send,
    delivery = MessageDelivery.get(MessageDelivery.event_id == event_id)
    assert messages.claim_delivery(delivery.id) is not None  # took it and a credit, then died
    _work(redis_conn)  # the job, run again, finds the send half-done
    assert MessageDelivery.get_by_id(delivery.id).status == "unknown"
    assert fake_wechat.state.sent == []

    inbox = api.get("/api/v1/me/messages", "res-owner").json
    assert [m["title"] for m in inbox] == ["测试通知"]  # the resident has it in the app
    [shown] = api.get("/api/v1/operations/deliveries?status=unknown", "city-admin").json
    assert (shown["id"], shown["resendable"]) == (delivery.id, True)
    assert shown["error"].startswith("发送中断，无法确认是否送达")
    path = f"/api/v1/operations/deliveries/{delivery.id}/resend"
    assert api.post(path, "ts-a").status_code == 403  # the city bureau decides

    grant(count=1)  # the resident accepted the prompt again after staff called
    answer = api.post(path, "city-admin")
    assert answer.status_code == 200, answer.json
    assert (answer.json["status"], answer.json["resendable"]) == ("pending", False)
    audit = AuditEntry.get(AuditEntry.action == "delivery.resend")
    assert (audit.entity_id, audit.changes["status"]) == (str(delivery.id), ["unknown", "pending"])
    assert api.post(path, "city-admin").json["code"] == "delivery_not_resendable"
    _work(redis_conn)
    resent = MessageDelivery.get_by_id(delivery.id)
    assert (resent.status, resent.attempts) == ("sent", 2)
    [sent] = fake_wechat.state.sent
    assert sent["data"]["number2"] == {"value": "7"}
    assert len(api.get("/api/v1/me/messages", "res-owner").json) == 1  # not a second message
    assert api.post(path, "city-admin").status_code == 409
    assert api.post("/api/v1/operations/deliveries/999999/resend", "city-admin").status_code == 404


def test_a_failed_send_can_be_resent_and_sent_ones_cannot(
    api: Api, queued: context.Services, emit_notice: Emit, grant: Grant,
    fake_wechat: FakeWeChatServer, redis_conn: Redis,
) -> None:
    grant(count=2)
    fake_wechat.state.fail_next("subscribe_send", 40003)  # WeChat: invalid openid, never retried
    failed_id, sent_id = emit_notice(1), emit_notice(2)
    _work(redis_conn)
    failed = MessageDelivery.get(MessageDelivery.event_id == failed_id)
    sent = MessageDelivery.get(MessageDelivery.event_id == sent_id)
    assert (failed.status, sent.status) == ("failed", "sent")
    assert api.post(f"/api/v1/operations/deliveries/{sent.id}/resend",
                    "city-admin").status_code == 409
    assert api.post(f"/api/v1/operations/deliveries/{failed.id}/resend",
                    "city-admin").status_code == 200
    _work(redis_conn)
    assert MessageDelivery.get_by_id(failed.id).status == "sent"
