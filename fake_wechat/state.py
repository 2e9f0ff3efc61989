"""The fake's memory: used codes, issued tokens, sent messages and injected failures."""

from __future__ import annotations

import base64
import copy
import os
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

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
    40163: "code been used",
    41001: "access_token missing",
    41030: "invalid page",
    42001: "access_token expired",
    43101: "user refuse to accept the msg",
    45009: "reach max api daily quota limit",
    45011: "api minute-quota reach limit mustslower retry next minute",
    47001: "data format error",
    47003: "argument invalid!",
}

ENDPOINTS = ("jscode2session", "stable_token", "subscribe_send", "getuserphonenumber")
TOKEN_LIFETIME = 7200
PHONE_CODE_LIFETIME = 300  # a getPhoneNumber code works once, for five minutes
DEFAULT_TEMPLATE_PREFIX = "tmpl-"


def error_body(errcode: int, detail: str = "") -> dict[str, Any]:
    """A WeChat error answer with the real errmsg and a request id, as WeChat formats it."""
    message = ERRMSGS.get(errcode, "unknown error") + (f" {detail}" if detail else "")
    return {"errcode": errcode, "errmsg": f"{message} rid: {secrets.token_hex(8)}"}


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

    def _now(self) -> float:
        return time.monotonic() + self._clock_offset
