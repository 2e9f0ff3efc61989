"""WeChat's access token behind one getter: cached in Redis, fetched under a lock.

``stable_token`` hands every caller the same token until it expires, but each call still
counts against WeChat's daily quota, and a forced refresh revokes the old token for everyone.
So many workers share one cached copy; the first to find it missing takes a Redis lock and
fetches; the others wait on the lock and then read what it stored. wechatpy's last stable
release has no ``stable_token`` call, so this (and ``backend.wechat``) is written by hand.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Protocol

from redis import Redis

from backend.wechat import WeChatClient

_log = logging.getLogger(__name__)
# Re-fetch five minutes before WeChat's expiry, so a token never dies in flight.
EARLY_REFRESH_SECONDS = 300


class TokenGetter(Protocol):
    """Something that answers a live access token."""

    def get(self) -> str:
        """A live token (cached, or fetched once for everyone)."""

    def refresh(self, stale: str) -> str:
        """A token other than ``stale``, which WeChat just refused."""


def _ttl(expires_in: int) -> int:
    return max(30, expires_in - EARLY_REFRESH_SECONDS)


def _fetch_other_than(client: WeChatClient, stale: str | None) -> tuple[str, int]:
    token, expires_in = client.fetch_stable_token()
    if stale is not None and token == stale:
        # WeChat still hands out the token it refused (e.g. 40001): make it issue a new one.
        token, expires_in = client.fetch_stable_token(force_refresh=True)
    return token, expires_in


class RedisTokenGetter:
    """The token shared by every process through Redis."""

    def __init__(self, redis: Redis, client: WeChatClient, *, lock_timeout: float = 30) -> None:
        self._redis = redis
        self._client = client
        self._key = f"wechat:access_token:{client.appid}"
        self._lock_timeout = lock_timeout

    def _cached(self) -> str | None:
        value = self._redis.get(self._key)
        return value.decode() if isinstance(value, bytes) else value

    def get(self) -> str:
        """The cached token, or one fetch under the lock while everyone else waits."""
        cached = self._cached()
        if cached:
            return cached
        return self._fetch(stale=None)

    def refresh(self, stale: str) -> str:
        """Replace a refused token once, however many workers saw it refused."""
        return self._fetch(stale=stale)

    def _fetch(self, stale: str | None) -> str:
        with self._redis.lock(self._key + ":lock", timeout=self._lock_timeout,
                              blocking_timeout=self._lock_timeout):
            cached = self._cached()
            if cached and cached != stale:
                return cached  # someone fetched while we waited for the lock
            token, expires_in = _fetch_other_than(self._client, stale)
            self._redis.set(self._key, token, ex=_ttl(expires_in))
            _log.info("fetched a WeChat access token (valid %s s)", expires_in)
            return token


class LocalTokenGetter:
    """Without Redis (jobs inline): the same policy within one process."""

    def __init__(self, client: WeChatClient) -> None:
        self._client = client
        self._lock = threading.Lock()
        self._token: str | None = None
        self._expires_at = 0.0

    def get(self) -> str:
        """The cached token, or one fetch under the lock."""
        token = self._token
        if token and time.monotonic() < self._expires_at:
            return token
        return self._fetch(stale=None)

    def refresh(self, stale: str) -> str:
        """Replace a refused token once."""
        return self._fetch(stale=stale)

    def _fetch(self, stale: str | None) -> str:
        with self._lock:
            if self._token and self._token != stale and time.monotonic() < self._expires_at:
                return self._token
            token, expires_in = _fetch_other_than(self._client, stale)
            self._token, self._expires_at = token, time.monotonic() + _ttl(expires_in)
            return token
