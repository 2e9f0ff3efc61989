"""The fake speaks WeChat's wire protocol: HTTP 200, errcode/errmsg bodies, real error codes."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
import requests

from fake_wechat import FakeWeChatServer

TOKEN_PATH = "/cgi-bin/stable_token"
SEND_PATH = "/cgi-bin/message/subscribe/send"


def login(fake: FakeWeChatServer, **overrides: str) -> requests.Response:
    """Call jscode2session the way WeChat documents it, with fields overridable."""
    params = {
        "appid": fake.appid,
        "secret": fake.secret,
        "js_code": "test-o1",
        "grant_type": "authorization_code",
        **overrides,
    }
    return requests.get(f"{fake.base_url}/sns/jscode2session", params=params, timeout=5)


def token(fake: FakeWeChatServer, **overrides: Any) -> dict[str, Any]:
    """POST a stable_token request and return the JSON answer."""
    body = {
        "grant_type": "client_credential",
        "appid": fake.appid,
        "secret": fake.secret,
        **overrides,
    }
    answer: dict[str, Any] = requests.post(fake.base_url + TOKEN_PATH, json=body, timeout=5).json()
    return answer


def send(fake: FakeWeChatServer, access_token: str, **overrides: Any) -> dict[str, Any]:
    """POST a valid subscribe message (fields overridable) and return the JSON answer."""
    body = {
        "touser": "o1",
        "template_id": "tmpl-visit",
        "page": "pages/visit/detail?id=1",
        "data": {"thing1": {"value": "上门探访"}, "time2": {"value": "2026-11-25 09:00"}},
        **overrides,
    }
    answer: dict[str, Any] = requests.post(
        fake.base_url + SEND_PATH, json=body, timeout=5, params={"access_token": access_token}
    ).json()
    return answer


def test_errors_come_as_http_200_with_errcode_and_request_id(fake_wechat: FakeWeChatServer) -> None:
    response = login(fake_wechat, js_code="garbage")
    assert response.status_code == 200
    body = response.json()
    assert body["errcode"] == 40029
    assert body["errmsg"].startswith("invalid code rid: ")


@pytest.mark.parametrize(("field", "errcode"), [("appid", 40013), ("secret", 40125)])
def test_login_checks_credentials(fake_wechat: FakeWeChatServer, field: str, errcode: int) -> None:
    assert login(fake_wechat, **{field: "wrong"}).json()["errcode"] == errcode


def test_login_code_works_once(fake_wechat: FakeWeChatServer) -> None:
    first = login(fake_wechat).json()
    assert first["openid"] == "o1" and len(first["session_key"]) == 24
    assert "unionid" not in first
    assert login(fake_wechat).json()["errcode"] == 40163


def test_unionid_when_enabled(fake_wechat: FakeWeChatServer) -> None:
    fake_wechat.state.unionid_enabled = True
    assert login(fake_wechat, js_code="test-o2").json()["unionid"] == "union-o2"


def test_injected_failures_apply_the_given_number_of_times(fake_wechat: FakeWeChatServer) -> None:
    fake_wechat.state.fail_next("jscode2session", 45011, times=2)
    assert login(fake_wechat).json()["errcode"] == 45011
    assert login(fake_wechat).json()["errcode"] == 45011
    assert login(fake_wechat).json()["openid"] == "o1"  # the rejected calls did not spend it


def test_fail_next_rejects_unknown_endpoints(fake_wechat: FakeWeChatServer) -> None:
    with pytest.raises(ValueError):
        fake_wechat.state.fail_next("subscribe", 43101)


def test_stable_token_is_stable_until_it_expires(fake_wechat: FakeWeChatServer) -> None:
    first = token(fake_wechat)
    assert first["expires_in"] == 7200
    fake_wechat.state.advance_clock(7000)
    second = token(fake_wechat)
    assert second["access_token"] == first["access_token"]
    assert second["expires_in"] in (199, 200)
    fake_wechat.state.advance_clock(200)
    assert send(fake_wechat, first["access_token"])["errcode"] == 42001
    assert token(fake_wechat)["access_token"] != first["access_token"]
    assert fake_wechat.state.token_fetches == 3


def test_forced_refresh_revokes_the_old_token(fake_wechat: FakeWeChatServer) -> None:
    old = token(fake_wechat)["access_token"]
    new = token(fake_wechat, force_refresh=True)["access_token"]
    assert new != old
    assert send(fake_wechat, old)["errcode"] == 40001
    assert send(fake_wechat, new)["errcode"] == 0


@pytest.mark.parametrize(
    ("overrides", "errcode"),
    [
        ({"appid": "wrong"}, 40013),
        ({"secret": "wrong"}, 40125),
        ({"grant_type": "x"}, 40002),
    ],
)
def test_stable_token_checks_the_request(
    fake_wechat: FakeWeChatServer, overrides: dict[str, str], errcode: int
) -> None:
    assert token(fake_wechat, **overrides)["errcode"] == errcode


def test_send_records_the_message(fake_wechat: FakeWeChatServer) -> None:
    answer = send(fake_wechat, token(fake_wechat)["access_token"])
    assert answer["errcode"] == 0 and answer["errmsg"] == "ok"
    [sent] = fake_wechat.state.sent
    assert sent["msgid"] == answer["msgid"]
    assert sent["touser"] == "o1" and sent["data"]["thing1"] == {"value": "上门探访"}


def test_send_rejects_unknown_and_expired_tokens(fake_wechat: FakeWeChatServer) -> None:
    assert send(fake_wechat, "made-up")["errcode"] == 40001
    live = token(fake_wechat)["access_token"]
    fake_wechat.state.expire_tokens()
    assert send(fake_wechat, live)["errcode"] == 42001


@pytest.mark.parametrize(
    ("overrides", "errcode"),
    [
        ({"touser": ""}, 40003),
        ({"touser": "not an openid!"}, 40003),
        ({"template_id": "unknown"}, 40037),
        ({"page": "/pages/index"}, 41030),
        ({"page": "https://example.com"}, 41030),
        ({"data": {"thing1": {"value": 3}}}, 47003),
        ({"data": {"thing1": "bare string"}}, 47003),
        ({"data": {"thing1": {"value": "字" * 21}}}, 47003),
        ({"miniprogram_state": "beta"}, 47003),
    ],
)
def test_send_validates_the_message(
    fake_wechat: FakeWeChatServer, overrides: dict[str, Any], errcode: int
) -> None:
    assert send(fake_wechat, token(fake_wechat)["access_token"], **overrides)["errcode"] == errcode
    assert fake_wechat.state.sent == []


def test_registered_templates_replace_the_default_rule(fake_wechat: FakeWeChatServer) -> None:
    fake_wechat.state.register_template("AbC123")
    access = token(fake_wechat)["access_token"]
    assert send(fake_wechat, access, template_id="tmpl-visit")["errcode"] == 40037
    assert send(fake_wechat, access, template_id="AbC123")["errcode"] == 0


def test_reset_forgets_everything(fake_wechat: FakeWeChatServer) -> None:
    login(fake_wechat)
    fake_wechat.state.fail_next("stable_token", -1)
    fake_wechat.state.reset()
    assert login(fake_wechat).json()["openid"] == "o1"
    assert "access_token" in token(fake_wechat)
    assert fake_wechat.state.token_fetches == 1


def test_runs_standalone_from_the_command_line() -> None:
    process = subprocess.Popen(
        [sys.executable, "-m", "fake_wechat", "--port", "0", "--appid", "wx1", "--secret", "s"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert process.stdout is not None
        base_url = process.stdout.readline().split()[-1]
        answer = requests.get(
            f"{base_url}/sns/jscode2session",
            timeout=5,
            params={
                "appid": "wx1",
                "secret": "s",
                "js_code": "test-o9",
                "grant_type": "authorization_code",
            },
        ).json()
        assert answer["openid"] == "o9"
    finally:
        process.terminate()
        process.wait(timeout=5)
        assert process.stdout is not None
        process.stdout.close()
