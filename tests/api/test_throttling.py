"""Logins are throttled by address and account, not by account alone: a stranger's wrong
passwords do not lock the real user out, and spraying many accounts from one address stops."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from miniprogram_api import throttle
from tests.conftest import Api


@pytest.fixture
def limits(api: Api) -> Iterator[None]:
    """Rate limits on for this test (the suite runs without them), counters reset."""
    throttle.limiter.enabled = True
    throttle.limiter.reset()
    yield
    throttle.limiter.reset()
    throttle.limiter.enabled = False


def _login(api: Api, username: str, password: str, address: str) -> int:
    return int(api.client.post("/api/v1/auth/staff",
                               json={"username": username, "password": password},
                               environ_base={"REMOTE_ADDR": address}).status_code)


def test_wrong_passwords_from_one_address_do_not_lock_the_owner_out_elsewhere(
    api: Api, limits: None
) -> None:
    answers = [_login(api, "ts-a", "wrong", "198.51.100.9") for _ in range(6)]
    assert answers == [401] * 5 + [429]
    assert _login(api, "ts-a", "test-password", "203.0.113.20") == 200


def test_spraying_many_accounts_from_one_address_is_throttled(api: Api, limits: None) -> None:
    answers = [_login(api, f"nobody-{n}", "Password1", "198.51.100.77") for n in range(61)]
    assert answers[-1] == 429 and set(answers[:60]) == {401}
    throttled = api.client.post("/api/v1/auth/staff",
                                json={"username": "x", "password": "y"},
                                environ_base={"REMOTE_ADDR": "198.51.100.77"})
    assert throttled.json["code"] == "too_many_requests" and "Retry-After" in throttled.headers


def test_the_public_guide_is_limited_per_address_and_other_reads_are_not(
        api: Api, limits: None) -> None:
    address = {"REMOTE_ADDR": "203.0.113.9"}
    answers = [api.client.get("/api/v1/services", environ_base=address).status_code
               for _ in range(301)]
    assert answers[:300] == [200] * 300 and answers[300] == 429
    elsewhere = api.client.get("/api/v1/services", environ_base={"REMOTE_ADDR": "203.0.113.10"})
    assert elsewhere.status_code == 200
    token = {"Authorization": f"Bearer {api.token('ts-a')}"}
    assert {api.client.get("/api/v1/me", headers=token, environ_base=address).status_code
            for _ in range(320)} == {200}
