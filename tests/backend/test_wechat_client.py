"""The WeChat client against the real fake over HTTP on 127.0.0.1."""

from __future__ import annotations

import socket
from collections.abc import Iterator

import pytest

from backend.wechat import WeChatClient, WeChatError, WeChatUnavailable
from fake_wechat import FakeWeChatServer

VISIT = {"thing1": "上门探访", "time2": "2026-11-25 09:00"}


# Thin fixtures like tests/fake_wechat/conftest.py; they belong in tests/conftest.py once shared.
@pytest.fixture(scope="module")
def fake_wechat_server() -> Iterator[FakeWeChatServer]:
    """A fake WeChat server on loopback for this module."""
    with FakeWeChatServer() as server:
        yield server


@pytest.fixture
def fake_wechat(fake_wechat_server: FakeWeChatServer) -> FakeWeChatServer:
    """The fake with its state wiped."""
    fake_wechat_server.state.reset()
    return fake_wechat_server


@pytest.fixture
def client(fake_wechat: FakeWeChatServer) -> Iterator[WeChatClient]:
    """A client configured for the fake, as the app would configure it for WeChat."""
    with WeChatClient(
        fake_wechat.base_url, fake_wechat.appid, fake_wechat.secret, timeout=2.0
    ) as wechat:
        yield wechat


def send(client: WeChatClient, access_token: str, touser: str = "o1") -> None:
    """Send the standard visit reminder through the client."""
    client.send_subscribe_message(
        access_token,
        touser=touser,
        template_id="tmpl-visit",
        page="pages/visit/detail?id=1",
        data=VISIT,
    )


# --- login ------------------------------------------------------------------------------------


def test_valid_code_becomes_a_session(client: WeChatClient) -> None:
    session = client.code_to_session("test-oResident1")
    assert session.openid == "oResident1"
    assert session.session_key and session.unionid is None


def test_unionid_is_passed_through(client: WeChatClient, fake_wechat: FakeWeChatServer) -> None:
    fake_wechat.state.unionid_enabled = True
    assert client.code_to_session("test-o2").unionid == "union-o2"


def test_session_key_stays_out_of_repr(client: WeChatClient) -> None:
    session = client.code_to_session("test-o1")
    assert session.session_key not in repr(session)
    assert session.session_key not in str(session)


@pytest.mark.parametrize(("code", "errcode"), [("test-o1", 40163), ("not-a-code", 40029)])
def test_bad_codes_raise_wechat_error(client: WeChatClient, code: str, errcode: int) -> None:
    client.code_to_session("test-o1")
    with pytest.raises(WeChatError) as caught:
        client.code_to_session(code)
    assert caught.value.errcode == errcode


@pytest.mark.parametrize("errcode", [45011, -1])
def test_rate_limit_and_busy_raise_wechat_error(
    client: WeChatClient, fake_wechat: FakeWeChatServer, errcode: int
) -> None:
    fake_wechat.state.fail_next("jscode2session", errcode)
    with pytest.raises(WeChatError) as caught:
        client.code_to_session("test-o1")
    assert caught.value.errcode == errcode
    assert client.code_to_session("test-o1").openid == "o1"  # the refused call spent no code


def test_wrong_secret_raises_without_echoing_it(fake_wechat: FakeWeChatServer) -> None:
    with WeChatClient(fake_wechat.base_url, fake_wechat.appid, "s3cr3t-wrong") as wrong:
        with pytest.raises(WeChatError) as caught:
            wrong.code_to_session("test-o1")
        assert "s3cr3t-wrong" not in repr(wrong)
    assert caught.value.errcode == 40125
    assert "s3cr3t-wrong" not in str(caught.value)


# --- transport failures -----------------------------------------------------------------------


def test_unreachable_wechat_raises_unavailable_without_secrets() -> None:
    with socket.socket() as sock:  # bind then close: a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    dead = WeChatClient(f"http://127.0.0.1:{port}", "wx1", "s3cr3t", timeout=1.0)
    with dead, pytest.raises(WeChatUnavailable) as caught:
        dead.code_to_session("test-o1")
    assert "s3cr3t" not in str(caught.value) and "test-o1" not in str(caught.value)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__


def test_non_protocol_answer_raises_unavailable(fake_wechat: FakeWeChatServer) -> None:
    lost = WeChatClient(fake_wechat.base_url + "/elsewhere", "wx1", "s")
    with lost, pytest.raises(WeChatUnavailable, match="HTTP 404"):
        lost.fetch_stable_token()


# --- stable token -----------------------------------------------------------------------------


def test_stable_token_is_the_same_until_forced(
    client: WeChatClient, fake_wechat: FakeWeChatServer
) -> None:
    token, expires_in = client.fetch_stable_token()
    assert 0 < expires_in <= 7200
    assert client.fetch_stable_token()[0] == token
    refreshed, _ = client.fetch_stable_token(force_refresh=True)
    assert refreshed != token
    assert fake_wechat.state.token_fetches == 3


def test_forced_refresh_invalidates_the_previous_token(client: WeChatClient) -> None:
    old, _ = client.fetch_stable_token()
    client.fetch_stable_token(force_refresh=True)
    with pytest.raises(WeChatError) as caught:
        send(client, old)
    assert caught.value.errcode == 40001


# --- subscribe messages -----------------------------------------------------------------------


def test_send_delivers_the_message_in_wechat_shape(
    client: WeChatClient, fake_wechat: FakeWeChatServer
) -> None:
    token, _ = client.fetch_stable_token()
    send(client, token)
    [sent] = fake_wechat.state.sent
    assert sent["touser"] == "o1" and sent["template_id"] == "tmpl-visit"
    assert sent["page"] == "pages/visit/detail?id=1"
    assert sent["miniprogram_state"] == "formal" and sent["lang"] == "zh_CN"
    assert sent["data"] == {"thing1": {"value": "上门探访"}, "time2": {"value": "2026-11-25 09:00"}}


def test_send_without_page_omits_it(client: WeChatClient, fake_wechat: FakeWeChatServer) -> None:
    token, _ = client.fetch_stable_token()
    client.send_subscribe_message(
        token, touser="o1", template_id="tmpl-visit", page=None, data=VISIT
    )
    assert "page" not in fake_wechat.state.sent[0]


def test_user_without_subscription_raises_43101(
    client: WeChatClient, fake_wechat: FakeWeChatServer
) -> None:
    token, _ = client.fetch_stable_token()
    fake_wechat.state.fail_next("subscribe_send", 43101)
    with pytest.raises(WeChatError) as caught:
        send(client, token)
    assert caught.value.errcode == 43101
    assert fake_wechat.state.sent == []


def test_expired_token_raises_42001(client: WeChatClient, fake_wechat: FakeWeChatServer) -> None:
    token, _ = client.fetch_stable_token()
    fake_wechat.state.expire_tokens()
    with pytest.raises(WeChatError) as caught:
        send(client, token)
    assert caught.value.errcode == 42001


def test_rejected_message_raises_wechat_error(client: WeChatClient) -> None:
    token, _ = client.fetch_stable_token()
    with pytest.raises(WeChatError) as caught:
        client.send_subscribe_message(
            token, touser="o1", template_id="tmpl-visit", page=None, data={"thing1": "字" * 21}
        )  # "thing" allows 20
    assert caught.value.errcode == 47003


# --- phone number -----------------------------------------------------------------------------


def test_a_phone_number_code_becomes_the_number_once_and_stays_out_of_repr(
    client: WeChatClient, fake_wechat: FakeWeChatServer
) -> None:
    token, _ = client.fetch_stable_token()
    code = fake_wechat.state.phone_code("13800001111")
    info = client.get_phone_number(token, code)
    assert (info.pure_phone_number, info.phone_number, info.country_code) == (
        "13800001111", "13800001111", "86")
    assert info.watermark_timestamp > 0 and "13800001111" not in repr(info)
    with pytest.raises(WeChatError) as caught:
        client.get_phone_number(token, code)
    assert caught.value.errcode == 40029


@pytest.mark.parametrize(("appid", "errcode"), [("wx-other", 40013), (None, 40001)])
def test_phone_number_errors_come_with_wechats_codes(
    client: WeChatClient, fake_wechat: FakeWeChatServer, appid: str | None, errcode: int
) -> None:
    token, _ = client.fetch_stable_token()
    code = fake_wechat.state.phone_code("13800001111", appid=appid)
    with pytest.raises(WeChatError) as caught:
        client.get_phone_number(token if appid else "not-a-token", code)
    assert caught.value.errcode == errcode


def test_an_answer_watermarked_for_another_appid_is_not_believed(
    fake_wechat: FakeWeChatServer,
) -> None:
    with WeChatClient(fake_wechat.base_url, fake_wechat.appid, fake_wechat.secret) as ours:
        token, _ = ours.fetch_stable_token()
    # A client configured with another appid but the fake's secret: the watermark gives it away.
    with (WeChatClient(fake_wechat.base_url, "wx-impostor", fake_wechat.secret) as other,
          pytest.raises(WeChatUnavailable, match="another appid")):
        other.get_phone_number(token, fake_wechat.state.phone_code("13800001111"))
