"""The fake's Flask app: WeChat's four endpoints the product uses, with WeChat's validation."""

from __future__ import annotations

import re
import time
from typing import Any

from flask import Flask, Response, current_app, jsonify, request

from fake_wechat import security
from fake_wechat.state import FakeWeChatState, error_body

STATE_KEY = "fake_wechat_state"

_CODE = re.compile(r"test-([A-Za-z0-9_-]{1,64})")
_OPENID = re.compile(r"[A-Za-z0-9_-]{1,64}")
_MINIPROGRAM_STATES = {"developer", "trial", "formal"}
_LANGS = {"zh_CN", "en_US", "zh_HK", "zh_TW"}
# Keyword types WeChat limits by length; a 21-character "thing" is the classic 47003.
_VALUE_LIMITS = {"thing": 20, "name": 10, "phrase": 5, "character_string": 32, "letter": 32,
                 "number": 32, "symbol": 5}


def create_fake_wechat_app(appid: str, secret: str) -> Flask:
    """A Flask app answering like api.weixin.qq.com for one mini-program."""
    app = Flask("fake_wechat")
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # WeChat answers in UTF-8
    app.extensions[STATE_KEY] = FakeWeChatState(appid, secret)
    app.add_url_rule("/sns/jscode2session", view_func=jscode2session, methods=["GET"])
    app.add_url_rule("/cgi-bin/stable_token", view_func=stable_token, methods=["POST"])
    app.add_url_rule("/cgi-bin/message/subscribe/send", view_func=subscribe_send,
                     methods=["POST"])
    app.add_url_rule("/wxa/business/getuserphonenumber", view_func=get_user_phone_number,
                     methods=["POST"])
    app.add_url_rule("/wxa/msg_sec_check", view_func=msg_sec_check, methods=["POST"])
    app.add_url_rule("/wxa/media_check_async", view_func=media_check_async, methods=["POST"])
    return app


def state_of(app: Flask) -> FakeWeChatState:
    """The state object behind a fake app."""
    state: FakeWeChatState = app.extensions[STATE_KEY]
    return state


def _state() -> FakeWeChatState:
    return state_of(current_app)


def _error(errcode: int, detail: str = "") -> Response:
    # WeChat reports errors with HTTP 200; only the body says something went wrong.
    return jsonify(error_body(errcode, detail))


def _credentials_error(state: FakeWeChatState, appid: Any, secret: Any) -> int:
    if appid != state.appid:
        return 40013
    if secret != state.secret:
        return 40125
    return 0


def jscode2session() -> Response:
    """GET /sns/jscode2session: a ``test-<openid>`` code, once, becomes a session."""
    state = _state()
    if (injected := state.take_failure("jscode2session")) is not None:
        return _error(injected)
    args = request.args
    if errcode := _credentials_error(state, args.get("appid"), args.get("secret")):
        return _error(errcode)
    if args.get("grant_type") != "authorization_code":
        return _error(40002)
    code = args.get("js_code", "")
    match = _CODE.fullmatch(code)
    if match is None:
        return _error(40029)
    if errcode := state.use_code(code):
        return _error(errcode)
    openid = match.group(1)
    body = {"openid": openid, "session_key": state.new_session_key()}
    if state.unionid_enabled:
        body["unionid"] = f"union-{openid}"
    return jsonify(body)


def stable_token() -> Response:
    """POST /cgi-bin/stable_token: the same token until it expires, unless force_refresh."""
    state = _state()
    if (injected := state.take_failure("stable_token")) is not None:
        return _error(injected)
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(47001)
    if errcode := _credentials_error(state, body.get("appid"), body.get("secret")):
        return _error(errcode)
    if body.get("grant_type") != "client_credential":
        return _error(40002)
    token, expires_in = state.stable_token(force_refresh=body.get("force_refresh") is True)
    return jsonify({"access_token": token, "expires_in": expires_in})


def subscribe_send() -> Response:
    """POST /cgi-bin/message/subscribe/send: validate token and message, then record it."""
    if (refused := _token_error("subscribe_send")) is not None:
        return refused
    state = _state()
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        return _error(47001)
    errcode, detail = _message_error(state, body)
    if errcode:
        return _error(errcode, detail)
    msgid = state.record_sent(body)
    return jsonify({"errcode": 0, "errmsg": "ok", "msgid": msgid})


def get_user_phone_number() -> Response:
    """POST /wxa/business/getuserphonenumber: a phone-number button's code, once, for 5 min."""
    if (refused := _token_error("getuserphonenumber")) is not None:
        return refused
    state = _state()
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("code"), str):
        return _error(47001)
    errcode, phone, country_code = state.spend_phone_code(body["code"])
    if errcode:
        return _error(errcode)
    full = phone if country_code == "86" else f"+{country_code}{phone}"
    return jsonify({"errcode": 0, "errmsg": "ok", "phone_info": {
        "phoneNumber": full, "purePhoneNumber": phone, "countryCode": country_code,
        "watermark": {"timestamp": int(time.time()), "appid": state.appid}}})


def _token_error(endpoint: str) -> Response | None:
    """An injected failure, or WeChat's answer to a missing, unknown or expired token."""
    state = _state()
    if (injected := state.take_failure(endpoint)) is not None:
        return _error(injected)
    token = request.args.get("access_token")
    if not token:
        return _error(41001)
    if errcode := state.check_token(token):
        return _error(errcode)
    return None


def msg_sec_check() -> Response:
    """POST /wxa/msg_sec_check: a text's verdict (see ``fake_wechat.security``)."""
    return _token_error("msg_sec_check") or security.check_text(_state(), _error)


def media_check_async() -> Response:
    """POST /wxa/media_check_async: a trace_id; the verdict is pushed to the message server."""
    return _token_error("media_check_async") or security.check_media(_state(), _error)


def _message_error(state: FakeWeChatState, body: dict[str, Any]) -> tuple[int, str]:
    touser = body.get("touser")
    if not isinstance(touser, str) or not _OPENID.fullmatch(touser):
        return 40003, ""
    template_id = body.get("template_id")
    if not isinstance(template_id, str) or not state.template_known(template_id):
        return 40037, ""
    page = body.get("page")
    # A mini-program page path is relative ("pages/x/y?k=v"); a URL or absolute path is not one.
    if page is not None and (not isinstance(page, str) or not page.startswith("pages/")):
        return 41030, ""
    if body.get("miniprogram_state", "formal") not in _MINIPROGRAM_STATES:
        return 47003, "miniprogram_state"
    if body.get("lang", "zh_CN") not in _LANGS:
        return 47003, "lang"
    return _data_error(body.get("data"))


def _data_error(data: Any) -> tuple[int, str]:
    if not isinstance(data, dict) or not data:
        return 47003, "data"
    for key, item in data.items():
        value = item.get("value") if isinstance(item, dict) else None
        if not isinstance(value, str) or not value:
            return 47003, f"data.{key}.value invalid"
        limit = _VALUE_LIMITS.get(key.rstrip("0123456789"))
        if limit is not None and len(value) > limit:
            return 47003, f"data.{key}.value exceeds limit"
    return 0, ""
