"""WeChat's content security for this process: the text checker services call in a request,
and the job that asks WeChat to check a stored image (its verdict arrives by push)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from backend import content_checks, outbox
from backend.content_checks import CheckUnavailable
from backend.models import CheckStatus, ContentCheck, OutboxEvent
from backend.unit_of_work import unit_of_work
from backend.wechat import ContentVerdict, ErrCode, WeChatClient, WeChatError, WeChatUnavailable
from notifications import context
from notifications.logs import job_logger

T = TypeVar("T")
log = job_logger("notifications.content_checks")

# Errcodes that say the token is stale: fetch another once and ask again.
_STALE_TOKEN = {ErrCode.INVALID_CREDENTIAL, ErrCode.ACCESS_TOKEN_EXPIRED,
                ErrCode.INVALID_ACCESS_TOKEN}
# Errcodes worth asking again later (an image's job is retried; a text is flagged at once).
_BUSY = {ErrCode.SYSTEM_BUSY, ErrCode.API_DAILY_LIMIT, ErrCode.API_MINUTE_LIMIT}
# Why WeChat gave no verdict, as staff read it beside the flagged content.
_NOTES: dict[int, str] = {
    ErrCode.SYSTEM_BUSY: "微信系统繁忙，未能识别",
    ErrCode.API_DAILY_LIMIT: "微信内容安全识别今日调用次数已满",
    ErrCode.API_MINUTE_LIMIT: "微信内容安全识别调用过于频繁",
    ErrCode.USER_NOT_RECENT: "该用户近两小时未访问小程序，微信无法识别",
    ErrCode.INVALID_OPENID: "微信不认识该用户的 openid",
    ErrCode.APPID_OPENID_MISMATCH: "该用户的 openid 不属于本小程序",
}
UNREACHABLE = "微信内容安全接口暂时无法访问，未能识别"


class CheckLater(Exception):
    """WeChat is busy or unreachable: RQ runs the media check's job again later."""


def note_for(errcode: int) -> str:
    """Why an errcode left content unchecked, in Chinese."""
    return _NOTES.get(errcode, f"微信内容安全识别返回错误（{errcode}），未能识别")


def _with_token(call: Callable[[WeChatClient, str], T]) -> T:
    """Call WeChat with the process's token, once more with a fresh one if it was stale."""
    services = context.current()
    token = services.tokens.get()
    try:
        return call(services.wechat, token)
    except WeChatError as exc:
        if exc.errcode not in _STALE_TOKEN:
            raise
        return call(services.wechat, services.tokens.refresh(token))


class WeChatContentChecker:
    """Checks residents' texts with ``msg_sec_check`` v2; installed by ``notifications.install``."""

    def check_text(self, content: str, *, openid: str, scene: int) -> ContentVerdict:
        """WeChat's verdict; CheckUnavailable when it cannot give one now."""
        try:
            return _with_token(lambda wechat, token: wechat.check_text(
                token, content=content, openid=openid, scene=scene))
        except WeChatError as exc:
            if exc.errcode == ErrCode.RISKY_CONTENT:  # version 1's way of saying risky
                return ContentVerdict("risky", 0, "")
            raise CheckUnavailable(note_for(exc.errcode)) from None
        except (WeChatUnavailable, *context.REDIS_DOWN):
            raise CheckUnavailable(UNREACHABLE) from None


def request_media_check(event_id: int) -> str:
    """Ask WeChat to check the image of a ``content.media_check_requested`` event."""
    event = OutboxEvent.get_or_none(OutboxEvent.id == event_id)
    if event is None or event.status == outbox.EventStatus.DONE:
        return "skipped"
    check = ContentCheck.get_or_none(ContentCheck.id == event.payload["check_id"])
    if check is None or check.status != CheckStatus.PENDING or check.trace_id:
        outcome = "skipped"
    else:
        outcome = _ask_about(check)  # busy or unreachable: CheckLater, RQ retries the job
    with unit_of_work():
        outbox.mark_done(OutboxEvent.get_by_id(event_id))
    log.info("media check %s: %s", event.payload["check_id"], outcome)
    return outcome


def _ask_about(check: ContentCheck) -> str:
    resident = check.resident
    if resident is None:  # the account is gone: WeChat checks by openid only
        return _unchecked(check, "上传人的微信账号已不存在，微信无法识别")
    url = content_checks.media_url(check)
    if url is None:
        return _unchecked(check, "未配置对外地址（PUBLIC_BASE_URL），微信无法取图识别")
    try:
        trace_id = _with_token(lambda wechat, token: wechat.check_media_async(
            token, media_url=url, openid=resident.openid, scene=check.scene))
    except (WeChatUnavailable, *context.REDIS_DOWN):
        raise CheckLater(f"media check {check.id}: WeChat unreachable") from None
    except WeChatError as exc:
        if exc.errcode in _BUSY:
            raise CheckLater(f"media check {check.id}: WeChat errcode {exc.errcode}") from None
        return _unchecked(check, note_for(exc.errcode))
    with unit_of_work():
        ContentCheck.update(trace_id=trace_id).where(ContentCheck.id == check.id).execute()
    return "asked"


def _unchecked(check: ContentCheck, note: str) -> str:
    with unit_of_work():
        content_checks.mark_unchecked(check, note)
    return "unchecked"
