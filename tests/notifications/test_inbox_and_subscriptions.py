"""The inbox and the subscription ledger, end to end through the HTTP API (jobs inline)."""

from __future__ import annotations

from collections.abc import Callable

from backend.models import InboxMessage, SubscriptionCredit
from fake_wechat import FakeWeChatServer
from notifications import context
from tests.conftest import Api


def test_a_notification_lands_in_the_residents_inbox(
    api: Api, inline: context.Services, emit_notice: Callable[..., int]
) -> None:
    emit_notice(1)
    answer = api.get("/api/v1/me/messages", "res-owner")
    assert answer.status_code == 200
    [message] = answer.json
    assert message["title"] == "测试通知"
    assert message["body"] == "第1条测试通知：测试通知1号"
    assert message["page"] == "pages/inbox/detail?n=1"
    assert message["read"] is False
    assert answer.headers["X-Pagination"]


def test_nobody_else_sees_it(
    api: Api, inline: context.Services, emit_notice: Callable[..., int]
) -> None:
    emit_notice(1)
    assert api.get("/api/v1/me/messages", "res-other").json == []
    assert api.get("/api/v1/me/messages", "ts-a").json == []


def test_marking_read_is_kept_and_filtered(
    api: Api, inline: context.Services, emit_notice: Callable[..., int]
) -> None:
    emit_notice(1)
    emit_notice(2)
    newest = api.get("/api/v1/me/messages", "res-owner").json[0]
    answer = api.post(f"/api/v1/me/messages/{newest['id']}/read", "res-owner")
    assert answer.status_code == 200 and answer.json["read"] is True
    unread = api.get("/api/v1/me/messages?unread_only=true", "res-owner").json
    assert [m["id"] for m in unread] != [newest["id"]] and len(unread) == 1


def test_someone_elses_message_is_not_found(
    api: Api, inline: context.Services, emit_notice: Callable[..., int]
) -> None:
    emit_notice(1)
    message = InboxMessage.get()
    answer = api.post(f"/api/v1/me/messages/{message.id}/read", "res-other")
    assert answer.status_code == 404
    assert answer.json["code"] == "message_not_found"


def test_inbox_needs_a_login(api: Api) -> None:
    assert api.get("/api/v1/me/messages").status_code == 401


def test_an_event_processed_twice_files_one_message(
    api: Api, inline: context.Services, emit_notice: Callable[..., int]
) -> None:
    from notifications import jobs

    event_id = emit_notice(1)
    jobs.process_outbox_event(event_id)
    assert InboxMessage.select().count() == 1


def test_each_accept_allows_one_more_send(api: Api, inline: context.Services) -> None:
    body = {"template_ids": ["tmpl-booking_approved", "tmpl-visit_reminder"]}
    first = api.post("/api/v1/me/subscriptions", "res-owner", json=body)
    assert first.status_code == 201
    api.post(
        "/api/v1/me/subscriptions", "res-owner", json={"template_ids": ["tmpl-booking_approved"]}
    )
    credits = {
        c["template_id"]: c["remaining"]
        for c in api.get("/api/v1/me/subscriptions", "res-owner").json
    }
    assert credits == {"tmpl-booking_approved": 2, "tmpl-visit_reminder": 1}


def test_a_repeated_subscription_report_with_the_same_key_counts_once(
    api: Api, inline: context.Services
) -> None:
    body = {"template_ids": ["tmpl-booking_approved"]}
    headers = {"Idempotency-Key": "sub-1"}
    api.post("/api/v1/me/subscriptions", "res-owner", json=body, headers=headers)
    api.post("/api/v1/me/subscriptions", "res-owner", json=body, headers=headers)
    assert SubscriptionCredit.get().remaining == 1


def test_unknown_templates_are_rejected(api: Api, inline: context.Services) -> None:
    answer = api.post(
        "/api/v1/me/subscriptions", "res-owner", json={"template_ids": ["tmpl-nonsense"]}
    )
    assert answer.status_code == 422
    assert answer.json["code"] == "unknown_template"


def test_staff_have_no_subscriptions(api: Api, inline: context.Services) -> None:
    answer = api.post(
        "/api/v1/me/subscriptions", "ts-a", json={"template_ids": ["tmpl-booking_approved"]}
    )
    assert answer.status_code == 403


def test_the_send_outcome_is_visible_to_the_offices_in_scope(
    api: Api,
    inline: context.Services,
    emit_notice: Callable[..., int],
    grant: Callable[..., SubscriptionCredit],
    fake_wechat: FakeWeChatServer,
) -> None:
    grant()
    emit_notice(1)
    emit_notice(2)
    outcomes = api.get("/api/v1/operations/deliveries", "city-admin").json
    assert sorted(o["status"] for o in outcomes) == ["sent", "skipped"]
    assert len(api.get("/api/v1/operations/deliveries", "ts-a").json) == 2  # their township
    assert api.get("/api/v1/operations/deliveries", "ts-b").json == []  # not theirs
    assert api.get("/api/v1/operations/deliveries", "sw-a1").status_code == 403


def test_without_redis_operations_report_inline_mode(api: Api, inline: context.Services) -> None:
    answer = api.get("/api/v1/operations/queues", "city-admin")
    assert answer.status_code == 200
    assert answer.json == {"mode": "inline", "queues": []}
    assert api.get("/api/v1/operations/failed-jobs", "city-admin").json == []
