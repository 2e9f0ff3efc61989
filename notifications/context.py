"""What a process that notifies holds: settings, Redis (or none), the WeChat client, the token.

``install`` is called once by the app factory or the worker; jobs read ``current()``.
"""

from __future__ import annotations

from dataclasses import dataclass

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

from backend.config import Settings
from backend.wechat import WeChatClient
from notifications.wechat_tokens import LocalTokenGetter, RedisTokenGetter, TokenGetter


@dataclass
class Services:
    """The process's connections for notifying."""

    settings: Settings
    redis: Redis | None
    wechat: WeChatClient
    tokens: TokenGetter


_current: Services | None = None
# What a call to an unreachable Redis raises.
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError, OSError)


def redis_from_url(url: str) -> Redis:
    """The process's Redis client (the one place it is made); fails fast when Redis is down."""
    return Redis.from_url(url, socket_connect_timeout=2, socket_timeout=10,
                          health_check_interval=30)


def build(settings: Settings, redis: Redis | None = None) -> Services:
    """Connections for these settings; Redis only when ``redis_url`` is set."""
    if redis is None and settings.redis_url:
        redis = redis_from_url(settings.redis_url)
    wechat = WeChatClient(settings.wechat_api_base, settings.wechat_appid, settings.wechat_secret)
    tokens: TokenGetter = (RedisTokenGetter(redis, wechat) if redis is not None
                           else LocalTokenGetter(wechat))
    return Services(settings=settings, redis=redis, wechat=wechat, tokens=tokens)


def set_current(services: Services) -> None:
    """Make these the process's connections."""
    global _current
    _current = services


def current() -> Services:
    """The installed connections; failing loudly if the process forgot ``install``."""
    if _current is None:
        raise RuntimeError("notifications.install() has not been called in this process")
    return _current
