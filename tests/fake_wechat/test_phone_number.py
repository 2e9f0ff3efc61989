"""The fake's getuserphonenumber speaks WeChat's protocol: token in the query, code in the body,
``phone_info`` with a watermark, and WeChat's error codes for everything else."""

from __future__ import annotations

from typing import Any

import requests

from fake_wechat import FakeWeChatServer

PATH = "/wxa/business/getuserphonenumber"


def _token(fake: FakeWeChatServer) -> str:
    body = {"grant_type": "client_credential", "appid": fake.appid, "secret": fake.secret}
    answer = requests.post(fake.base_url + "/cgi-bin/stable_token", json=body, timeout=5)
    return str(answer.json()["access_token"])


def _ask(fake: FakeWeChatServer, token: str | None, body: Any) -> dict[str, Any]:
    params = {"access_token": token} if token else {}
    answer = requests.post(fake.base_url + PATH, params=params, json=body, timeout=5)
    assert answer.status_code == 200  # WeChat's errors are in the body
    result: dict[str, Any] = answer.json()
    return result


def test_an_issued_code_answers_the_phone_once(fake_wechat: FakeWeChatServer) -> None:
    token, code = _token(fake_wechat), fake_wechat.state.phone_code("13800001111")
    answer = _ask(fake_wechat, token, {"code": code})
    assert answer["errcode"] == 0 and answer["errmsg"] == "ok"
    info = answer["phone_info"]
    assert (info["phoneNumber"], info["purePhoneNumber"], info["countryCode"]) == (
        "13800001111", "13800001111", "86")
    assert info["watermark"]["appid"] == fake_wechat.appid
    assert isinstance(info["watermark"]["timestamp"], int)
    assert _ask(fake_wechat, token, {"code": code})["errcode"] == 40029


def test_a_number_abroad_carries_its_country_code(fake_wechat: FakeWeChatServer) -> None:
    code = fake_wechat.state.phone_code("91234567", country_code="852")
    info = _ask(fake_wechat, _token(fake_wechat), {"code": code})["phone_info"]
    assert (info["phoneNumber"], info["purePhoneNumber"], info["countryCode"]) == (
        "+85291234567", "91234567", "852")


def test_wechats_errors(fake_wechat: FakeWeChatServer) -> None:
    state, token = fake_wechat.state, _token(fake_wechat)
    assert _ask(fake_wechat, None, {"code": "x"})["errcode"] == 41001
    assert _ask(fake_wechat, "wrong-token", {"code": "x"})["errcode"] == 40001
    assert _ask(fake_wechat, token, {"nocode": 1})["errcode"] == 47001
    assert _ask(fake_wechat, token, {"code": "never-issued"})["errcode"] == 40029
    expiring = state.phone_code("13800001111")
    state.advance_clock(301)  # a code lives five minutes
    assert _ask(fake_wechat, token, {"code": expiring})["errcode"] == 40029
    token = _token(fake_wechat)
    foreign = state.phone_code("13800001111", appid="wx-another")
    assert _ask(fake_wechat, token, {"code": foreign})["errcode"] == 40013
    state.fail_next("getuserphonenumber", -1)
    busy = _ask(fake_wechat, token, {"code": state.phone_code("13800001111")})
    assert busy["errcode"] == -1 and busy["errmsg"].startswith("system error")
    assert _ask(fake_wechat, token, {"code": "test-phone-13800001111"})["errcode"] == 0
    assert _ask(fake_wechat, token, {"code": "test-phone-13800001111"})["errcode"] == 40029
