"""The fake's content security speaks WeChat's protocol: msg_sec_check v2 (and v1's 87014),
media_check_async v2 with its signed push after fetching the image, and WeChat's error codes."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from werkzeug.serving import make_server
from werkzeug.wrappers import Request, Response

from fake_wechat import FakeWeChatServer
from fake_wechat.state import REVIEW_WORD, RISKY_IMAGE_MARKER, RISKY_WORD, signature

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32


def _token(fake: FakeWeChatServer) -> str:
    body = {"grant_type": "client_credential", "appid": fake.appid, "secret": fake.secret}
    answer = requests.post(fake.base_url + "/cgi-bin/stable_token", json=body, timeout=5)
    return str(answer.json()["access_token"])


def _post(fake: FakeWeChatServer, path: str, body: Any, token: str | None = "live",
          *, raw: bytes | None = None) -> dict[str, Any]:
    params = {"access_token": _token(fake) if token == "live" else token} if token else {}
    data = raw if raw is not None else json.dumps(body, ensure_ascii=False).encode()
    answer = requests.post(fake.base_url + path, params=params, data=data, timeout=5,
                           headers={"Content-Type": "application/json"})
    assert answer.status_code == 200  # WeChat's errors are in the body
    result: dict[str, Any] = answer.json()
    return result


def _text(content: str, **extra: Any) -> dict[str, Any]:
    return {"content": content, "version": 2, "scene": 2, "openid": "o-resident", **extra}


def test_a_v2_text_check_answers_result_detail_and_trace_id(fake_wechat: FakeWeChatServer) -> None:
    clean = _post(fake_wechat, "/wxa/msg_sec_check", _text("村里路灯坏了"))
    assert clean["errcode"] == 0 and clean["result"] == {"suggest": "pass", "label": 100}
    assert clean["trace_id"] and clean["detail"][-1]["strategy"] == "content_model"
    risky = _post(fake_wechat, "/wxa/msg_sec_check", _text(f"我要{RISKY_WORD}"))
    assert risky["errcode"] == 0 and risky["result"]["suggest"] == "risky"
    doubtful = _post(fake_wechat, "/wxa/msg_sec_check", _text(REVIEW_WORD))
    assert doubtful["result"] == {"suggest": "review", "label": 21000}
    assert [c["openid"] for c in fake_wechat.state.text_checks] == ["o-resident"] * 3


def test_version_one_answers_87014_for_risky_text(fake_wechat: FakeWeChatServer) -> None:
    assert _post(fake_wechat, "/wxa/msg_sec_check", {"content": RISKY_WORD})["errcode"] == 87014
    assert _post(fake_wechat, "/wxa/msg_sec_check", {"content": "你好"})["errcode"] == 0


def test_text_sent_as_unicode_escapes_is_not_read(fake_wechat: FakeWeChatServer) -> None:
    # The real service reads \\uXXXX-escaped JSON as ASCII and passes it: clients send UTF-8.
    escaped = json.dumps(_text(RISKY_WORD)).encode()
    answer = _post(fake_wechat, "/wxa/msg_sec_check", None, raw=escaped)
    assert answer["result"]["suggest"] == "pass"


@pytest.mark.parametrize(("body", "errcode"), [
    (_text(""), 44002), (_text("好", openid=""), 44002), (_text("好", openid="o pen!"), 40003),
    (_text("好", scene=9), 40129), (_text("好" * 2501), 47001), ([1, 2], 47001),
])
def test_bad_text_checks_answer_wechats_codes(fake_wechat: FakeWeChatServer, body: Any,
                                              errcode: int) -> None:
    assert _post(fake_wechat, "/wxa/msg_sec_check", body)["errcode"] == errcode


def test_tokens_and_injected_failures_are_checked(fake_wechat: FakeWeChatServer) -> None:
    assert _post(fake_wechat, "/wxa/msg_sec_check", _text("好"), token=None)["errcode"] == 41001
    assert _post(fake_wechat, "/wxa/msg_sec_check", _text("好"), token="bad")["errcode"] == 40001
    fake_wechat.state.fail_next("msg_sec_check", 61010)
    assert _post(fake_wechat, "/wxa/msg_sec_check", _text("好"))["errcode"] == 61010
    fake_wechat.state.fail_next("media_check_async", -1)
    assert _post(fake_wechat, "/wxa/media_check_async", {})["errcode"] == -1


class _MessageServer:
    """A stand-in message server and image host: records pushes, serves two images."""

    def __init__(self) -> None:
        self.pushes: list[tuple[dict[str, str], dict[str, Any]]] = []
        self._server = make_server("127.0.0.1", 0, self._wsgi, threaded=True)
        self.url = f"http://127.0.0.1:{self._server.server_port}"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _wsgi(self, environ: Any, start_response: Any) -> Any:
        request = Request(environ)
        if request.path == "/clean.png":
            return Response(PNG, mimetype="image/png")(environ, start_response)
        if request.path == "/risky.png":
            return Response(PNG + RISKY_IMAGE_MARKER, mimetype="image/png")(environ, start_response)
        if request.path == "/push" and request.method == "POST":
            self.pushes.append((dict(request.args), request.get_json()))
        if request.path == "/push" and request.method == "GET":
            return Response(request.args["echostr"])(environ, start_response)
        return Response("success")(environ, start_response)

    def close(self) -> None:
        self._server.shutdown()


@pytest.fixture
def message_server(fake_wechat: FakeWeChatServer) -> Iterator[_MessageServer]:
    server = _MessageServer()
    fake_wechat.state.configure_push(server.url + "/push", "push-token")
    yield server
    server.close()


def _media(url: str) -> dict[str, Any]:
    return {"media_url": url, "media_type": 2, "version": 2, "scene": 3, "openid": "o-resident"}


def test_a_media_check_fetches_the_image_and_pushes_a_signed_verdict(
    fake_wechat: FakeWeChatServer, message_server: _MessageServer
) -> None:
    clean = _post(fake_wechat, "/wxa/media_check_async", _media(message_server.url + "/clean.png"))
    risky = _post(fake_wechat, "/wxa/media_check_async", _media(message_server.url + "/risky.png"))
    assert clean["errcode"] == 0 and risky["errcode"] == 0 and clean["trace_id"]
    pushes = fake_wechat.state.wait_for_pushes(2)
    verdicts = {push["trace_id"]: push["result"]["suggest"] for push in pushes}
    assert verdicts == {clean["trace_id"]: "pass", risky["trace_id"]: "risky"}
    for query, event in message_server.pushes:
        assert event["Event"] == "wxa_media_check" and event["MsgType"] == "event"
        assert query["signature"] == signature("push-token", query["timestamp"], query["nonce"])


def test_an_image_that_cannot_be_fetched_gets_no_push(
    fake_wechat: FakeWeChatServer, message_server: _MessageServer
) -> None:
    answer = _post(fake_wechat, "/wxa/media_check_async", _media("http://127.0.0.1:9/x.png"))
    assert answer["errcode"] == 0
    fake_wechat.state.wait_for_pushes(1, timeout=1)
    assert fake_wechat.state.media_checks[0]["fetched"] is False and not message_server.pushes


def test_saving_the_server_url_verifies_it_with_an_echostr(
    fake_wechat: FakeWeChatServer, message_server: _MessageServer
) -> None:
    assert fake_wechat.state.verify_server() == (200, "echoed")


@pytest.mark.parametrize(("body", "errcode"), [
    ({"media_url": "", "media_type": 2, "version": 2, "scene": 1, "openid": "o"}, 44002),
    ({"media_url": "http://x/y", "media_type": 3, "version": 2, "scene": 1, "openid": "o"}, 47001),
    ({"media_url": "http://x/y", "media_type": 2, "version": 2, "scene": 0, "openid": "o"}, 40129),
])
def test_bad_media_checks_answer_wechats_codes(fake_wechat: FakeWeChatServer, body: Any,
                                               errcode: int) -> None:
    assert _post(fake_wechat, "/wxa/media_check_async", body)["errcode"] == errcode
