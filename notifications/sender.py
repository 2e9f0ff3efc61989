"""Turning events into notices, and sending one subscribe message with WeChat's error policy.

- 40001, 42001, 40014 (token invalid, expired, wrong): refresh the token once, retry once.
- 43101 (no subscription left), 40003, 47003, 40037, 41030: never retried; stored as the outcome.
- 45009, 45011, -1 (quota, rate limit, busy) and an unreachable WeChat: the send goes back to
  pending and ``SendLater`` makes RQ retry the job after a growing interval.
"""

from __future__ import annotations

from backend.models import OutboxEvent
from backend.services import messages
from backend.services.messages import Notice
from backend.wechat import WeChatError, WeChatUnavailable
from notifications import context
from notifications.logs import job_logger
from notifications.recipients import RESOLVERS
from notifications.templates import TEMPLATES

_log = job_logger(__name__)

TOKEN_ERRORS = frozenset({40001, 42001, 40014})
NEVER_RETRY = frozenset({43101, 40003, 47003, 40037, 41030})
BACK_OFF = frozenset({45009, 45011, -1})


class SendLater(Exception):
    """WeChat is busy or rate-limiting: try this job again later (RQ's Retry decides when)."""


def notices_for(event: OutboxEvent) -> list[Notice]:
    """Render the event's template for every recipient the event concerns."""
    template = TEMPLATES[event.topic]
    settings = context.current().settings
    notices = []
    for target in RESOLVERS[event.topic](event):
        body, page, data = template.render(target.context)
        wechat = target.kind == "resident" and bool(template.fields)
        notices.append(Notice(
            recipient_kind=target.kind, recipient_id=target.id, topic=event.topic,
            title=template.title, body=body, page=page, area_code=target.area_code,
            template_key=template.key, template_id=template.template_id(settings),
            data=data if wechat else None))
    return notices


def handle_event(event: OutboxEvent) -> None:
    """Outbox handler: file the event's notices (inbox and pending sends) in its transaction."""
    messages.post_notices(event.id, notices_for(event))


def send_delivery(delivery_id: int) -> str:
    """Send one pending subscribe message; answer its outcome (raise SendLater to back off)."""
    delivery = messages.claim_delivery(delivery_id)
    if delivery is None:
        return "nothing_to_do"
    services = context.current()
    openid = messages.resident_openid(delivery.resident_id)
    try:
        _send(services, delivery, openid)
    except WeChatError as exc:
        return _failed(delivery_id, exc.errcode, exc.errmsg)
    except WeChatUnavailable as exc:
        messages.release_delivery(delivery_id, errcode=None, error=str(exc))
        raise SendLater(f"delivery {delivery_id}: WeChat unreachable") from None
    messages.finish_delivery(delivery_id, "sent")
    return "sent"


def _send(services: context.Services, delivery: messages.MessageDelivery, openid: str) -> None:
    token = services.tokens.get()
    try:
        _call(services, delivery, openid, token)
    except WeChatError as exc:
        if exc.errcode not in TOKEN_ERRORS:
            raise
        _log.info("delivery %s: token refused (%s), refreshing once", delivery.id, exc.errcode)
        _call(services, delivery, openid, services.tokens.refresh(token))


def _call(services: context.Services, delivery: messages.MessageDelivery, openid: str,
          token: str) -> None:
    services.wechat.send_subscribe_message(
        token, touser=openid, template_id=delivery.template_id, page=delivery.page,
        data=delivery.data, miniprogram_state=services.settings.wechat_miniprogram_state)


def _failed(delivery_id: int, errcode: int, errmsg: str) -> str:
    # WeChat appends ", rid: ..." to errmsg: keep only the readable part.
    reason = errmsg.split(" rid:")[0]
    if errcode in BACK_OFF:
        messages.release_delivery(delivery_id, errcode=errcode, error=reason)
        raise SendLater(f"delivery {delivery_id}: WeChat errcode {errcode}")
    status = "refused" if errcode == 43101 else "failed"
    messages.finish_delivery(delivery_id, status, errcode=errcode, error=reason)
    _log.warning("delivery %s %s with errcode %s", delivery_id, status, errcode)
    return status
