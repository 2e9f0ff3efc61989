"""The access token: one Redis-cached, locked getter shared by every worker."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from redis import Redis

from backend.wechat import WeChatClient
from fake_wechat import FakeWeChatServer
from notifications.wechat_tokens import LocalTokenGetter, RedisTokenGetter

pytestmark = pytest.mark.redis


def _getter(fake: FakeWeChatServer, redis_url: str) -> RedisTokenGetter:
    # Each "worker" has its own Redis connection and HTTP client, as separate processes would.
    return RedisTokenGetter(
        Redis.from_url(redis_url), WeChatClient(fake.base_url, fake.appid, fake.secret)
    )


def _together(count: int, work: object) -> list[str]:
    barrier = threading.Barrier(count)

    def run(index: int) -> str:
        barrier.wait()  # everyone asks at the same moment, on an empty cache
        return work(index)  # type: ignore[operator,no-any-return]

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))


def test_twenty_concurrent_workers_cause_one_upstream_fetch(
    fake_wechat: FakeWeChatServer, redis_conn: Redis, redis_url: str
) -> None:
    getters = [_getter(fake_wechat, redis_url) for _ in range(20)]
    tokens = _together(20, lambda i: getters[i].get())
    assert len(set(tokens)) == 1
    assert fake_wechat.state.token_fetches == 1


def test_twenty_workers_seeing_the_token_refused_refresh_it_once(
    fake_wechat: FakeWeChatServer, redis_conn: Redis, redis_url: str
) -> None:
    getters = [_getter(fake_wechat, redis_url) for _ in range(20)]
    stale = getters[0].get()
    fake_wechat.state.expire_tokens()
    fresh = _together(20, lambda i: getters[i].refresh(stale))
    assert len(set(fresh)) == 1 and stale not in fresh
    assert fake_wechat.state.token_fetches == 2


def test_the_cached_token_expires_before_wechats_does(
    fake_wechat: FakeWeChatServer, redis_conn: Redis, redis_url: str
) -> None:
    _getter(fake_wechat, redis_url).get()
    ttl = redis_conn.ttl("wechat:access_token:wx-test-appid")
    assert 7200 - 300 - 5 <= ttl <= 7200 - 300


def test_without_redis_threads_of_one_process_share_one_fetch(
    fake_wechat: FakeWeChatServer,
) -> None:
    getter = LocalTokenGetter(
        WeChatClient(fake_wechat.base_url, fake_wechat.appid, fake_wechat.secret)
    )
    assert len(set(_together(20, lambda i: getter.get()))) == 1
    assert fake_wechat.state.token_fetches == 1
