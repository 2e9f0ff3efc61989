"""The one WeChat HTTP client: login codes, the stable access token, subscribe messages, the
phone number a user agreed to share (``getPhoneNumber``), and the content-security checks of
user text (``msg_sec_check`` v2) and images (``media_check_async`` v2, answered by a push).

The base URL is configuration so tests and the demo talk to ``fake_wechat`` on loopback. This
module only speaks the protocol; token caching and retry policy live with the callers.
WeChat answers HTTP 200 even for errors, putting ``{"errcode": N, "errmsg": "..."}`` in the body.
"""

from __future__ import annotations

import json as jsonlib
from dataclasses import dataclass, field
from enum import IntEnum
from types import TracebackType
from typing import Any, Protocol

import requests

__all__ = [
    "OFFICIAL_API_BASE",
    "AccessTokens",
    "ContentVerdict",
    "ErrCode",
    "PhoneInfo",
    "WeChatClient",
    "WeChatError",
    "WeChatSession",
    "WeChatUnavailable",
]

OFFICIAL_API_BASE = "https://api.weixin.qq.com"


class ErrCode(IntEnum):
    """WeChat errcodes the product reacts to (values are WeChat's own)."""

    SYSTEM_BUSY = -1
    OK = 0
    INVALID_CREDENTIAL = 40001  # access token wrong, or superseded by a forced refresh
    INVALID_GRANT_TYPE = 40002
    INVALID_OPENID = 40003
    INVALID_APPID = 40013
    INVALID_ACCESS_TOKEN = 40014
    INVALID_CODE = 40029
    INVALID_TEMPLATE_ID = 40037
    INVALID_SECRET = 40125
    CODE_USED = 40163
    INVALID_PAGE = 41030
    ACCESS_TOKEN_EXPIRED = 42001
    USER_REFUSED = 43101  # the user has no remaining subscription for this template
    EMPTY_ARGUMENT = 44002
    API_DAILY_LIMIT = 45009
    API_MINUTE_LIMIT = 45011
    DATA_FORMAT_ERROR = 47001
    ARGUMENT_INVALID = 47003
    INVALID_SCENE = 40129
    APPID_OPENID_MISMATCH = 43104
    USER_NOT_RECENT = 61010  # the openid has not opened the mini-program in the last two hours
    RISKY_CONTENT = 87014  # msg_sec_check version 1's "risky"; version 2 answers in ``result``


class WeChatError(Exception):
    """WeChat answered with a non-zero errcode; the service layer decides what it means."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat errcode {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class WeChatUnavailable(Exception):
    """WeChat could not be reached or answered something that is not its protocol."""


@dataclass(frozen=True)
class WeChatSession:
    """What jscode2session returns; ``session_key`` stays server-side and out of every repr."""

    openid: str
    session_key: str = field(repr=False)
    unionid: str | None = None


@dataclass(frozen=True)
class PhoneInfo:
    """The phone number behind a ``getPhoneNumber`` code; the number stays out of every repr."""

    phone_number: str = field(repr=False)  # with the country code for numbers abroad
    pure_phone_number: str = field(repr=False)
    country_code: str
    watermark_timestamp: int


@dataclass(frozen=True)
class ContentVerdict:
    """WeChat's overall verdict on a piece of content (``result`` of a v2 check or its push)."""

    suggest: str  # "pass", "review" or "risky"
    label: int  # 100 normal; 10001 ads, 20001 politics, 20002 porn, 20003 abuse, ... 21000 other
    trace_id: str


def verdict_from(body: dict[str, Any]) -> ContentVerdict:
    """The verdict in a msg_sec_check answer or a wxa_media_check push (``result`` + trace_id)."""
    result = body.get("result")
    if not isinstance(result, dict) or result.get("suggest") not in ("pass", "review", "risky"):
        raise WeChatUnavailable("content check answered without result.suggest")
    label = result.get("label")
    return ContentVerdict(suggest=str(result["suggest"]),
                          label=label if isinstance(label, int) else 0,
                          trace_id=str(body.get("trace_id", "")))


class AccessTokens(Protocol):
    """The process's one access-token getter (``notifications.wechat_tokens`` provides it)."""

    def get(self) -> str:
        """A live token."""

    def refresh(self, stale: str) -> str:
        """A token other than ``stale``, which WeChat just refused."""


class WeChatClient:
    """Calls WeChat's server API at ``base_url`` for one mini-program (appid + secret)."""

    def __init__(self, base_url: str, appid: str, secret: str, *, timeout: float = 5.0,
                 session: requests.Session | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self.appid = appid
        self._secret = secret
        self.timeout = timeout
        self._owns_session = session is None
        self._http = session or requests.Session()

    def __repr__(self) -> str:
        return f"<WeChatClient {self.base_url} appid={self.appid}>"

    def close(self) -> None:
        """Close the HTTP session if this client created it."""
        if self._owns_session:
            self._http.close()

    def __enter__(self) -> WeChatClient:
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        self.close()

    def code_to_session(self, code: str) -> WeChatSession:
        """Exchange a ``wx.login`` code for the user's openid and session key."""
        body = self._call("GET", "/sns/jscode2session", params={
            "appid": self.appid, "secret": self._secret,
            "js_code": code, "grant_type": "authorization_code",
        })
        openid, session_key = body.get("openid"), body.get("session_key")
        if not isinstance(openid, str) or not isinstance(session_key, str):
            raise WeChatUnavailable("jscode2session answered without openid/session_key")
        unionid = body.get("unionid")
        return WeChatSession(openid, session_key, unionid if isinstance(unionid, str) else None)

    def fetch_stable_token(self, *, force_refresh: bool = False) -> tuple[str, int]:
        """Fetch the stable access token and its remaining lifetime in seconds."""
        body = self._call("POST", "/cgi-bin/stable_token", json={
            "grant_type": "client_credential", "appid": self.appid,
            "secret": self._secret, "force_refresh": force_refresh,
        })
        token, expires_in = body.get("access_token"), body.get("expires_in")
        if not isinstance(token, str) or not isinstance(expires_in, int):
            raise WeChatUnavailable("stable_token answered without access_token/expires_in")
        return token, expires_in

    def send_subscribe_message(self, access_token: str, *, touser: str, template_id: str,
                               page: str | None, data: dict[str, str],
                               miniprogram_state: str = "formal", lang: str = "zh_CN") -> None:
        """Send one subscribe message; raises WeChatError (e.g. 43101) if WeChat refuses it."""
        payload: dict[str, Any] = {
            "touser": touser, "template_id": template_id,
            "miniprogram_state": miniprogram_state, "lang": lang,
            "data": {key: {"value": value} for key, value in data.items()},
        }
        if page is not None:
            payload["page"] = page
        self._call("POST", "/cgi-bin/message/subscribe/send",
                   params={"access_token": access_token}, json=payload)

    def get_phone_number(self, access_token: str, code: str) -> PhoneInfo:
        """Exchange the code of the mini-program's phone-number button for the user's number.

        Each code works once, for five minutes (errcode 40029 otherwise). The answer's watermark
        must name this mini-program; an answer for another appid is not believed.
        """
        body = self._call("POST", "/wxa/business/getuserphonenumber",
                          params={"access_token": access_token}, json={"code": code})
        info = body.get("phone_info")
        if not isinstance(info, dict):
            raise WeChatUnavailable("getuserphonenumber answered without phone_info")
        raw_watermark = info.get("watermark")
        watermark: dict[str, Any] = raw_watermark if isinstance(raw_watermark, dict) else {}
        pure, full = info.get("purePhoneNumber"), info.get("phoneNumber")
        if not isinstance(pure, str) or not isinstance(full, str):
            raise WeChatUnavailable("getuserphonenumber answered without a phone number")
        if watermark.get("appid") != self.appid:
            raise WeChatUnavailable("getuserphonenumber answered for another appid")
        timestamp = watermark.get("timestamp")
        return PhoneInfo(phone_number=full, pure_phone_number=pure,
                         country_code=str(info.get("countryCode", "")),
                         watermark_timestamp=timestamp if isinstance(timestamp, int) else 0)

    def check_text(self, access_token: str, *, content: str, openid: str,
                   scene: int) -> ContentVerdict:
        """Ask ``msg_sec_check`` v2 about one text (at most 2500 characters) a user wrote.

        ``scene``: 1 资料, 2 评论, 3 论坛, 4 社交日志. The openid must have opened the
        mini-program in the last two hours (61010 otherwise).
        """
        body = self._call("POST", "/wxa/msg_sec_check", params={"access_token": access_token},
                          json={"content": content, "version": 2, "scene": scene,
                                "openid": openid})
        return verdict_from(body)

    def check_media_async(self, access_token: str, *, media_url: str, openid: str,
                          scene: int) -> str:
        """Ask ``media_check_async`` v2 to fetch and check an image; answer its trace_id.

        WeChat fetches ``media_url`` itself and pushes ``wxa_media_check`` with the same trace_id
        to the mini-program's message server (within 30 minutes).
        """
        body = self._call("POST", "/wxa/media_check_async", params={"access_token": access_token},
                          json={"media_url": media_url, "media_type": 2, "version": 2,
                                "scene": scene, "openid": openid})
        trace_id = body.get("trace_id")
        if not isinstance(trace_id, str) or not trace_id:
            raise WeChatUnavailable("media_check_async answered without trace_id")
        return trace_id

    def _call(self, method: str, path: str, *, params: dict[str, str] | None = None,
              json: dict[str, Any] | None = None) -> dict[str, Any]:
        # Bodies go as raw UTF-8, not requests' \uXXXX escapes: WeChat's content checks read the
        # escaped text as ASCII and pass whatever it says.
        data = None if json is None else jsonlib.dumps(json, ensure_ascii=False).encode("utf-8")
        headers = None if data is None else {"Content-Type": "application/json; charset=utf-8"}
        try:
            response = self._http.request(method, self.base_url + path, params=params, data=data,
                                          headers=headers, timeout=self.timeout)
        except requests.RequestException as exc:
            # `from None`: requests' messages carry the full URL, i.e. the secret or token.
            raise WeChatUnavailable(f"{path}: {type(exc).__name__}") from None
        if response.status_code != 200:
            raise WeChatUnavailable(f"{path}: HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError:
            raise WeChatUnavailable(f"{path}: answer is not JSON") from None
        if not isinstance(body, dict):
            raise WeChatUnavailable(f"{path}: answer is not a JSON object")
        errcode = body.get("errcode", 0)
        if errcode:
            raise WeChatError(int(errcode), str(body.get("errmsg", "")))
        return body
