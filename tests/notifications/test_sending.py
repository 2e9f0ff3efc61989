"""Sending subscribe messages against the fake WeChat: credits, token refresh, error policy."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from backend.models import MessageDelivery, SubscriptionCredit
from backend.services import messages
from fake_wechat import FakeWeChatServer
from notifications import context, jobs, periodic, sender

Emit = Callable[..., int]
Grant = Callable[..., SubscriptionCredit]


def _delivery(event_id: int) -> MessageDelivery:
    return MessageDelivery.get(MessageDelivery.event_id == event_id)


def test_one_accept_allows_exactly_one_send(
    inline: context.Services, emit_notice: Emit, grant: Grant, fake_wechat: FakeWeChatServer
) -> None:
    grant(count=1)
    first, second = emit_notice(1), emit_notice(2)
    assert _delivery(first).status == "sent"
    assert _delivery(second).status == "skipped"
    [sent] = fake_wechat.state.sent
    assert sent["touser"] == "openid-owner"
    assert sent["page"] == "pages/inbox/detail?n=1"
    assert sent["miniprogram_state"] == inline.settings.wechat_miniprogram_state
    assert sent["data"]["thing1"] == {"value": "测试通知1号"}
    assert SubscriptionCredit.get().remaining == 0


def test_an_expired_token_causes_one_refresh(
    inline: context.Services, emit_notice: Emit, grant: Grant, fake_wechat: FakeWeChatServer
) -> None:
    grant(count=2)
    emit_notice(1)
    fake_wechat.state.expire_tokens()
    second = emit_notice(2)
    assert _delivery(second).status == "sent"
    assert len(fake_wechat.state.sent) == 2
    assert fake_wechat.state.token_fetches == 2  # the first token, then one refresh


@pytest.mark.parametrize("errcode", [40001, 40014])
def test_a_refused_token_is_replaced_once_and_the_send_retried_once(
    inline: context.Services,
    emit_notice: Emit,
    grant: Grant,
    fake_wechat: FakeWeChatServer,
    errcode: int,
) -> None:
    grant()
    fake_wechat.state.fail_next("subscribe_send", errcode)
    assert _delivery(emit_notice(1)).status == "sent"
    assert len(fake_wechat.state.sent) == 1


def test_a_token_refused_twice_fails_without_a_third_try(
    inline: context.Services, emit_notice: Emit, grant: Grant, fake_wechat: FakeWeChatServer
) -> None:
    grant()
    fake_wechat.state.fail_next("subscribe_send", 42001, times=3)
    delivery = _delivery(emit_notice(1))
    assert (delivery.status, delivery.errcode) == ("failed", 42001)
    assert fake_wechat.state.take_failure("subscribe_send") == 42001  # the third was never used


def test_43101_is_recorded_as_refused_and_not_retried(
    inline: context.Services, emit_notice: Emit, grant: Grant, fake_wechat: FakeWeChatServer
) -> None:
    grant(count=3)
    fake_wechat.state.fail_next("subscribe_send", 43101)
    event_id = emit_notice(1)
    delivery = _delivery(event_id)
    assert (delivery.status, delivery.errcode, delivery.attempts) == ("refused", 43101, 1)
    jobs.process_outbox_event(event_id)  # a retried job
    periodic.send_pending_deliveries()  # the periodic retry
    assert _delivery(event_id).attempts == 1
    assert fake_wechat.state.sent == []
    assert SubscriptionCredit.get().remaining == 0  # WeChat says none are left: believe it


@pytest.mark.parametrize("errcode", [40003, 47003, 40037, 41030])
def test_permanent_errors_fail_once_and_keep_the_credit(
    inline: context.Services,
    emit_notice: Emit,
    grant: Grant,
    fake_wechat: FakeWeChatServer,
    errcode: int,
) -> None:
    grant()
    fake_wechat.state.fail_next("subscribe_send", errcode)
    event_id = emit_notice(1)
    periodic.send_pending_deliveries()
    delivery = _delivery(event_id)
    assert (delivery.status, delivery.errcode, delivery.attempts) == ("failed", errcode, 1)
    assert delivery.error and "rid" not in delivery.error
    assert SubscriptionCredit.get().remaining == 1


@pytest.mark.parametrize("errcode", [45009, 45011, -1])
def test_busy_answers_back_off_and_the_retry_delivers(
    inline: context.Services,
    emit_notice: Emit,
    grant: Grant,
    fake_wechat: FakeWeChatServer,
    errcode: int,
) -> None:
    grant()
    fake_wechat.state.fail_next("subscribe_send", errcode)
    event_id = emit_notice(1)
    delivery = _delivery(event_id)
    assert (delivery.status, delivery.errcode) == ("pending", errcode)
    assert SubscriptionCredit.get().remaining == 1  # given back for the retry
    with pytest.raises(sender.SendLater):
        fake_wechat.state.fail_next("subscribe_send", errcode)
        jobs.process_outbox_event(event_id)  # how RQ learns to retry later
    jobs.process_outbox_event(event_id)
    assert _delivery(event_id).status == "sent"
    assert len(fake_wechat.state.sent) == 1


def test_a_send_found_half_done_is_not_repeated(
    inline: context.Services, emit_notice: Emit, grant: Grant, fake_wechat: FakeWeChatServer
) -> None:
    grant(count=0)
    event_id = emit_notice(1)  # skipped: no credit; make it look like a worker died mid-send
    MessageDelivery.update(status="sending").where(MessageDelivery.event_id == event_id).execute()
    grant(count=1)
    assert messages.claim_delivery(_delivery(event_id).id) is None
    assert _delivery(event_id).status == "unknown"
    assert fake_wechat.state.sent == []
