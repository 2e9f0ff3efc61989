"""The fake's content security: ``msg_sec_check`` (v1 and v2) and ``media_check_async`` v2, whose
result it pushes, signed as WeChat signs it, to the configured message server after fetching the
image itself."""

from __future__ import annotations

import secrets
import threading
import time
from typing import Any

import requests
from flask import Response, jsonify, request

from fake_wechat.state import FakeWeChatState, image_verdict, text_verdict

_OPENID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-")
_SCENES = {1, 2, 3, 4}
_TEXT_LIMIT = 2500
_FETCH_LIMIT = 10 * 1024 * 1024  # WeChat fetches images up to 10 MB


def _trace_id() -> str:
    return "-".join(secrets.token_hex(4) for _ in range(3))


def _body_error(body: Any, *, need: tuple[str, ...]) -> int:
    """The errcode WeChat gives a v2 body missing or mangling what it needs."""
    if not isinstance(body, dict):
        return 47001
    if any(body.get(key) in (None, "") for key in need):
        return 44002
    openid = body.get("openid")
    if not isinstance(openid, str) or not set(openid) <= _OPENID_CHARS or len(openid) > 64:
        return 40003
    if body.get("scene") not in _SCENES:
        return 40129
    return 0


def _raw_text(body: dict[str, Any]) -> str:
    # What the real service reads: text sent as \uXXXX escapes is seen as ASCII, not as words.
    raw = request.get_data(as_text=True)
    content = body.get("content")
    return content if isinstance(content, str) and content in raw else ""


def check_text(state: FakeWeChatState, errcode_for: Any) -> Response:
    """POST /wxa/msg_sec_check: v2 answers result/detail/trace_id; v1 answers 87014 if risky."""
    body = request.get_json(silent=True)
    if not isinstance(body, dict) or not isinstance(body.get("content", ""), str):
        return errcode_for(47001)
    if not body.get("content"):
        return errcode_for(44002)
    suggest, label = text_verdict(_raw_text(body))
    if body.get("version") != 2:
        return errcode_for(87014) if suggest == "risky" else jsonify({"errcode": 0, "errmsg": "ok"})
    if errcode := _body_error(body, need=("content", "openid", "scene")):
        return errcode_for(errcode)
    if len(body["content"]) > _TEXT_LIMIT:
        return errcode_for(47001)
    trace_id = _trace_id()
    state.record_text_check({**body, "trace_id": trace_id, "suggest": suggest})
    return jsonify({
        "errcode": 0, "errmsg": "ok", "trace_id": trace_id,
        "result": {"suggest": suggest, "label": label},
        "detail": [{"strategy": "keyword", "errcode": 0},
                   {"strategy": "content_model", "errcode": 0, "suggest": suggest,
                    "label": label, "prob": 90}]})


def check_media(state: FakeWeChatState, errcode_for: Any) -> Response:
    """POST /wxa/media_check_async: a trace_id now; the image fetched and the verdict pushed."""
    body = request.get_json(silent=True)
    if errcode := _body_error(body, need=("media_url", "media_type", "openid", "scene")):
        return errcode_for(errcode)
    assert isinstance(body, dict)  # _body_error refused anything else
    if body.get("version") != 2 or body.get("media_type") not in (1, 2):
        return errcode_for(47001)
    trace_id = _trace_id()
    task = {**body, "trace_id": trace_id, "fetched": None}
    state.record_media_task(task)
    threading.Thread(target=_fetch_and_push, args=(state, task),
                     name=f"fake-media-check-{trace_id}", daemon=True).start()
    return jsonify({"errcode": 0, "errmsg": "ok", "trace_id": trace_id})


def _fetch(url: str) -> bytes | None:
    try:
        answer = requests.get(url, timeout=5)
    except requests.RequestException:
        return None
    return answer.content[:_FETCH_LIMIT] if answer.status_code == 200 else None


def _fetch_and_push(state: FakeWeChatState, task: dict[str, Any]) -> None:
    content = _fetch(task["media_url"])
    state.mark_fetched(task, content is not None)
    if content is None or not state.push_target()[0]:
        return  # WeChat pushes nothing for an image it could not fetch
    suggest, label = image_verdict(content)
    event = {
        "ToUserName": f"gh_{state.appid}", "FromUserName": task["openid"],
        "CreateTime": int(time.time()), "MsgType": "event", "Event": "wxa_media_check",
        "appid": state.appid, "trace_id": task["trace_id"], "version": 2,
        "detail": [{"strategy": "content_model", "errcode": 0, "suggest": suggest,
                    "label": label, "prob": 90}],
        "errcode": 0, "errmsg": "ok", "result": {"suggest": suggest, "label": label}}
    state.push(event)
