"""The fake's memory: used codes, issued tokens, sent messages and injected failures."""

from __future__ import annotations

import base64
import copy
import hashlib
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

import requests

# WeChat's own errmsg texts (it appends ", rid: ..." which clients must not parse).
ERRMSGS: dict[int, str] = {
    -1: "system error",
    40001: "invalid credential, access_token is invalid or not latest",
    40002: "invalid grant_type",
    40003: "invalid openid",
    40013: "invalid appid",
    40014: "invalid access_token",
    40029: "invalid code",
    40037: "invalid template_id",
    40125: "invalid appsecret",
    40129: "invalid scene",
    40163: "code been used",
    41001: "access_token missing",
    41030: "invalid page",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    43104: "appid and openid not match",
    44002: "empty post data",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit mustslower retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
    61010: "user has not visited the mini program in the last 2 hours",
    87014: "risky content",
}

ENDPOINTS = ("jscode2session", "stable_token", "subscribe_send", "getuserphonenumber",
             "msg_sec_check", "media_check_async")
TOKEN_LIFETIME = 7200
PHONE_CODE_LIFETIME = 300  # a getPhoneNumber code works once, for five minutes
DEFAULT_TEMPLATE_PREFIX = "tmpl-"
PUSH_RETRY_WAITS = (0.0, 0.2, 0.5, 1.0)  # the first push, then three more (shortened for tests)


def error_body(errcode: int, detail: str = "") -> dict[str, Any]:
    """A WeChat error answer with the real errmsg and a request id, as WeChat formats it."""
    message = ERRMSGS.get(errcode, "unknown error") + (f" {detail}" if detail else "")
    return {"errcode": errcode, "errmsg": f"{message} rid: {secrets.token_hex(8)}"}


# What the fake's content checks call risky or doubtful, standing for the words and pictures the
# real service knows: a text holding a word, an image whose bytes hold a marker.
RISKY_WORD = "违禁测试词"
REVIEW_WORD = "待复核测试词"
RISKY_IMAGE_MARKER = b"FAKE-WECHAT-RISKY-IMAGE"
REVIEW_IMAGE_MARKER = b"FAKE-WECHAT-REVIEW-IMAGE"
RISKY_LABEL = 20006  # 违法犯罪
RISKY_IMAGE_LABEL = 20002  # 色情
REVIEW_LABEL = 21000  # 其他


def signature(token: str, timestamp: str, nonce: str) -> str:
    """WeChat's message-server signature: SHA1 of token, timestamp and nonce sorted and joined."""
    return hashlib.sha1("".join(sorted([token, timestamp, nonce])).encode()).hexdigest()


def text_verdict(content: str) -> tuple[str, int]:
    """The fake's (suggest, label) for a text."""
    if RISKY_WORD in content:
        return "risky", RISKY_LABEL
    if REVIEW_WORD in content:
        return "review", REVIEW_LABEL
    return "pass", 100


def image_verdict(content: bytes) -> tuple[str, int]:
    """The fake's (suggest, label) for an image's bytes."""
    if RISKY_IMAGE_MARKER in content:
        return "risky", RISKY_IMAGE_LABEL
    if REVIEW_IMAGE_MARKER in content:
        return "review", REVIEW_LABEL
    return "pass", 100


@dataclass
class ContentSecurity:
    """What the content checks saw and did: asked texts, media tasks, pushes and their answers."""

    push_url: str = ""  # the mini-program's 消息推送 server URL
    push_token: str = ""  # the Token configured beside it
    texts: list[dict[str, Any]] = field(default_factory=list)
    media: list[dict[str, Any]] = field(default_factory=list)  # each with trace_id, fetched
    pushes: list[dict[str, Any]] = field(default_factory=list)  # each with the HTTP status


@dataclass
class _PhoneCode:
    phone: str
    country_code: str
    appid: str
    expires_at: float


@dataclass
class _Token:
    value: str
    expires_at: float
    revoked: bool = False


class FakeWeChatState:
    """Thread-safe state shared by the fake's request handlers and the test that drives it."""

    def __init__(self, appid: str, secret: str) -> None:
        self.appid = appid
        self.secret = secret
        self._lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        """Forget codes, tokens, messages, templates and pending failures."""
        with self._lock:
            self._used_codes: set[str] = set()
            self._phone_codes: dict[str, _PhoneCode] = {}
            self._tokens: dict[str, _Token] = {}
            self._current: _Token | None = None
            self._sent: list[dict[str, Any]] = []
            self._templates: set[str] = set()
            self._failures: dict[str, deque[int]] = {name: deque() for name in ENDPOINTS}
            self._clock_offset = 0.0
            self._token_fetches = 0
            self.unionid_enabled = False
            self.security = ContentSecurity()

    # --- what tests read ---------------------------------------------------------------------

    @property
    def sent(self) -> list[dict[str, Any]]:
        """Copies of the subscribe messages accepted so far, each with its ``msgid``."""
        with self._lock:
            return copy.deepcopy(self._sent)

    @property
    def token_fetches(self) -> int:
        """How many stable_token requests arrived (what a token cache should keep low)."""
        with self._lock:
            return self._token_fetches

    # --- what tests drive --------------------------------------------------------------------

    def fail_next(self, endpoint: str, errcode: int, times: int = 1) -> None:
        """Answer the next ``times`` calls to ``endpoint`` with ``errcode`` instead of serving."""
        if endpoint not in ENDPOINTS:
            raise ValueError(f"endpoint must be one of {ENDPOINTS}")
        with self._lock:
            self._failures[endpoint].extend([errcode] * times)

    def expire_tokens(self) -> None:
        """Make every token issued so far answer 42001 (expired)."""
        with self._lock:
            now = self._now()
            for token in self._tokens.values():
                token.expires_at = min(token.expires_at, now)

    def advance_clock(self, seconds: float) -> None:
        """Move the fake's clock forward, e.g. past a token's 7200 s lifetime."""
        with self._lock:
            self._clock_offset += seconds

    def phone_code(self, phone: str, *, country_code: str = "86",
                   appid: str | None = None) -> str:
        """The code the phone-number button would give for ``phone`` (of another appid if named)."""
        with self._lock:
            code = secrets.token_hex(32)
            self._phone_codes[code] = _PhoneCode(phone, country_code, appid or self.appid,
                                                 self._now() + PHONE_CODE_LIFETIME)
            return code

    def register_template(self, template_id: str) -> None:
        """Accept ``template_id``; once any is registered, only registered ids are accepted."""
        with self._lock:
            self._templates.add(template_id)

    # --- what the handlers call --------------------------------------------------------------

    def take_failure(self, endpoint: str) -> int | None:
        """Pop the next injected errcode for ``endpoint``, if any."""
        with self._lock:
            queue = self._failures[endpoint]
            return queue.popleft() if queue else None

    def use_code(self, code: str) -> int:
        """Spend a login code: 0 if fresh, 40163 if spent before (codes work once)."""
        with self._lock:
            if code in self._used_codes:
                return 40163
            self._used_codes.add(code)
            return 0

    def spend_phone_code(self, code: str) -> tuple[int, str, str]:
        """Spend a phone-number code: (0, phone, country code), or an errcode.

        Unknown, spent and expired codes all answer 40029, as WeChat does; a code made for
        another mini-program answers 40013. ``test-phone-<digits>`` works once without issuing.
        """
        with self._lock:
            if code.startswith("test-phone-") and code[11:].isdigit():
                if code in self._used_codes:
                    return 40029, "", ""
                self._used_codes.add(code)
                return 0, code[11:], "86"
            issued = self._phone_codes.pop(code, None)
            if issued is None or issued.expires_at <= self._now():
                return 40029, "", ""
            if issued.appid != self.appid:
                return 40013, "", ""
            return 0, issued.phone, issued.country_code

    def new_session_key(self) -> str:
        """A random session key shaped like WeChat's (base64 of 16 bytes)."""
        return base64.b64encode(os.urandom(16)).decode("ascii")

    def stable_token(self, *, force_refresh: bool) -> tuple[str, int]:
        """The current token and its remaining seconds; a forced refresh revokes the old one."""
        with self._lock:
            self._token_fetches += 1
            now = self._now()
            current = self._current
            if force_refresh and current is not None:
                current.revoked = True
            if force_refresh or current is None or current.expires_at <= now:
                current = _Token(secrets.token_urlsafe(48), now + TOKEN_LIFETIME)
                self._tokens[current.value] = current
                self._current = current
            return current.value, max(1, round(current.expires_at - now))

    def check_token(self, value: str) -> int:
        """0 for a live token, 42001 for an expired one, 40001 for unknown or revoked."""
        with self._lock:
            token = self._tokens.get(value)
            if token is None or token.revoked:
                return 40001
            return 42001 if token.expires_at <= self._now() else 0

    def template_known(self, template_id: str) -> bool:
        """Registered ids, or any ``tmpl-`` id while none are registered."""
        with self._lock:
            if self._templates:
                return template_id in self._templates
            return template_id.startswith(DEFAULT_TEMPLATE_PREFIX)

    def record_sent(self, message: dict[str, Any]) -> int:
        """Store an accepted message and return its msgid."""
        with self._lock:
            msgid = 1000 + len(self._sent)
            self._sent.append({**copy.deepcopy(message), "msgid": msgid})
            return msgid

    # --- content security (msg_sec_check, media_check_async and its push) ------------------

    def configure_push(self, url: str, token: str) -> None:
        """Set the mini-program's 消息推送 server: where and with which Token results are pushed."""
        with self._lock:
            self.security.push_url, self.security.push_token = url, token

    def push_target(self) -> tuple[str, str]:
        """The configured message server URL and Token."""
        with self._lock:
            return self.security.push_url, self.security.push_token

    def record_text_check(self, body: dict[str, Any]) -> None:
        """Keep a copy of a v2 text check's body and verdict."""
        with self._lock:
            self.security.texts.append(copy.deepcopy(body))

    def record_media_task(self, task: dict[str, Any]) -> None:
        """Keep a media check task; ``fetched`` is filled in once the image was fetched or not."""
        with self._lock:
            self.security.media.append(task)

    def mark_fetched(self, task: dict[str, Any], fetched: bool) -> None:
        """Say whether the image of a media task could be fetched."""
        with self._lock:
            task["fetched"] = fetched

    @property
    def text_checks(self) -> list[dict[str, Any]]:
        """Copies of the v2 text checks asked so far (content, openid, scene, suggest)."""
        with self._lock:
            return copy.deepcopy(self.security.texts)

    @property
    def media_checks(self) -> list[dict[str, Any]]:
        """Copies of the media checks asked so far (media_url, openid, trace_id, fetched)."""
        with self._lock:
            return copy.deepcopy(self.security.media)

    @property
    def pushes(self) -> list[dict[str, Any]]:
        """Copies of the results pushed so far, each with the status the server answered."""
        with self._lock:
            return copy.deepcopy(self.security.pushes)

    def push(self, event: dict[str, Any], *, token: str | None = None) -> int:
        """POST an event to the message server, signed with its Token (or ``token``, to forge)."""
        url, configured = self.push_target()
        status = 0
        for wait in PUSH_RETRY_WAITS:  # WeChat pushes again when the server does not take it
            time.sleep(wait)
            timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
            query = {"timestamp": timestamp, "nonce": nonce, "signature": signature(
                configured if token is None else token, timestamp, nonce)}
            try:
                status = requests.post(url, params=query, json=event, timeout=10).status_code
            except requests.RequestException:
                status = 0
            if status == 200:
                break
        with self._lock:
            self.security.pushes.append({**copy.deepcopy(event), "status": status})
        return status

    def verify_server(self) -> tuple[int, str]:
        """Do what WeChat does when the server URL is saved: GET with an echostr to echo back."""
        url, token = self.push_target()
        timestamp, nonce = str(int(time.time())), secrets.token_hex(5)
        echostr = secrets.token_hex(8)
        answer = requests.get(url, timeout=10, params={
            "signature": signature(token, timestamp, nonce), "timestamp": timestamp,
            "nonce": nonce, "echostr": echostr})
        return answer.status_code, "echoed" if answer.text == echostr else answer.text

    def wait_for_pushes(self, count: int, timeout: float = 10.0) -> list[dict[str, Any]]:
        """The pushes once at least ``count`` were made (or whatever there is at the timeout)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and len(self.pushes) < count:
            time.sleep(0.02)
        return self.pushes

    def _now(self) -> float:
        return time.monotonic() + self._clock_offset
