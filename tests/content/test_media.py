"""Residents' images go through WeChat's media_check_async v2 after they are stored: an outbox
event asks WeChat, which fetches the image from a short-lived signed URL and pushes its verdict,
signed with the message Token, to the message server; a risky image is withdrawn and both its
owner and staff are told why."""

from __future__ import annotations

import io
import time
from dataclasses import replace
from typing import Any

import pytest
import requests

from backend import runtime
from backend.models import AuditEntry, CheckStatus, ContentCheck, OutboxEvent
from fake_wechat import FakeWeChatServer
from fake_wechat.state import REVIEW_IMAGE_MARKER, RISKY_IMAGE_MARKER, signature
from notifications import relay
from tests.applications.conftest import PDF, PNG
from tests.conftest import MESSAGES_PATH, PUSH_TOKEN, Api


def _grievance_with_photo(api: Api, image: bytes) -> tuple[str, Any]:
    filed = api.post("/api/v1/grievances", "res-owner",
                     json={"subject": "other", "content": "路灯坏了",
                           "village_id": api.world.villages["a1"].id})
    path = f"/api/v1/grievances/{filed.json['id']}/photos"
    photo = api.post(path, "res-owner", data={"file": (io.BytesIO(image), "灯.png")},
                     content_type="multipart/form-data")
    assert photo.status_code == 201, photo.json
    return f"{path}/{photo.json['id']}", photo.json


def _served(api: Api, path: str, who: str) -> bool:
    response = api.get(path, who)
    response.close()
    return bool(response.status_code == 200)


def _settled(check_id: int, timeout: float = 10) -> ContentCheck:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check = ContentCheck.get_by_id(check_id)
        if check.status != CheckStatus.PENDING:
            return check
        time.sleep(0.02)
    raise AssertionError("no verdict arrived")


def test_a_risky_photo_is_withdrawn_when_wechats_verdict_arrives(
    api: Api, wechat_pushes: FakeWeChatServer
) -> None:
    path, photo = _grievance_with_photo(api, PNG + RISKY_IMAGE_MARKER)
    [check] = ContentCheck.select().where(ContentCheck.subject == "grievance_photo")
    [asked] = wechat_pushes.state.media_checks
    assert asked["openid"] == "openid-owner" and asked["media_type"] == 2
    assert asked["version"] == 2 and "/api/v1/wechat/media/" in asked["media_url"]
    check = _settled(check.id)
    assert check.status == CheckStatus.RISKY and check.withdrawn_at is not None
    assert check.subject_id == photo["id"] and "色情" in check.note
    for who in ("res-owner", "ts-a"):
        gone = api.get(path, who)
        assert gone.status_code == 404 and gone.json["code"] == "media_withdrawn"
        assert "违规" in gone.json["message"]
    assert wechat_pushes.state.wait_for_pushes(1)[-1]["status"] == 200
    listed = api.get(path.rsplit("/photos", 1)[0], "res-owner").json
    [shown] = [p for p in listed["photos"] if p["id"] == photo["id"]]
    assert "违规" in shown["withdrawn_reason"]
    assert AuditEntry.select().where(
        AuditEntry.action == "content_check.media_verdict").count() == 1


def test_a_clean_photo_stays_and_a_doubtful_one_is_flagged(
    api: Api, wechat_pushes: FakeWeChatServer
) -> None:
    clean_path, _ = _grievance_with_photo(api, PNG)
    checks = list(ContentCheck.select().order_by(ContentCheck.id))
    assert _settled(checks[0].id).status == CheckStatus.PASS
    assert _served(api, clean_path, "res-owner")
    doubtful_path, _ = _grievance_with_photo(api, PNG + REVIEW_IMAGE_MARKER)
    doubtful = ContentCheck.select().order_by(ContentCheck.id.desc()).first()
    assert _settled(doubtful.id).status == CheckStatus.REVIEW
    assert _served(api, doubtful_path, "ts-a")


def test_an_image_material_is_checked_and_a_pdf_is_not(
    api: Api, clock: Any, filing: Any, wechat_pushes: FakeWeChatServer
) -> None:
    filed = api.post("/api/v1/applications", "res-owner", json=filing())
    path = f"/api/v1/applications/{filed.json['id']}/materials?material_code=id_card"
    for content in (PDF, PNG + RISKY_IMAGE_MARKER):
        uploaded = api.post(path, "res-owner", data={"file": (io.BytesIO(content), "x")},
                            content_type="multipart/form-data")
        assert uploaded.status_code == 201, uploaded.json
    [check] = ContentCheck.select()
    assert check.subject == "application_material" and check.scene == 1
    assert _settled(check.id).status == CheckStatus.RISKY
    download = api.get(f"/api/v1/applications/{filed.json['id']}/materials/{check.subject_id}",
                       "ts-a")
    assert download.status_code == 404 and download.json["code"] == "media_withdrawn"


def test_the_signed_media_url_serves_only_its_image_and_only_for_a_while(
    api: Api, wechat_pushes: FakeWeChatServer, served_app: str
) -> None:
    _grievance_with_photo(api, PNG)
    url = wechat_pushes.state.media_checks[0]["media_url"]
    assert requests.get(url, timeout=5).content == PNG
    forged = requests.get(url[:-3] + "abc", timeout=5)
    assert forged.status_code == 404 and forged.json()["code"] == "media_link_invalid"
    # Past its lifetime (here: any age) the link is refused; the fixture restores the settings.
    runtime.configure(replace(runtime.settings(), media_check_url_ttl_seconds=-1))
    expired = requests.get(url, timeout=5)
    assert expired.status_code == 404 and expired.json()["code"] == "media_link_invalid"


def _signed(token: str = PUSH_TOKEN, *, age: int = 0) -> dict[str, str]:
    timestamp, nonce = str(int(time.time()) - age), "n0nce"
    return {"timestamp": timestamp, "nonce": nonce,
            "signature": signature(token, timestamp, nonce)}


def test_the_message_server_echoes_wechats_check_and_refuses_bad_signatures(
    api: Api, wechat_pushes: FakeWeChatServer
) -> None:
    assert wechat_pushes.state.verify_server() == (200, "echoed")
    echo = api.get(MESSAGES_PATH, query_string={**_signed("wrong"), "echostr": "x"})
    assert echo.status_code == 403 and echo.json["code"] == "bad_signature"
    event = {"Event": "wxa_media_check", "trace_id": "t-1",
             "result": {"suggest": "risky", "label": 20002}}
    for query in (_signed("wrong"), _signed(age=3600)):
        refused = api.post(MESSAGES_PATH, query_string=query, json=event)
        assert refused.status_code == 403
    unknown = api.post(MESSAGES_PATH, query_string=_signed(), json=event)
    assert unknown.status_code == 503 and unknown.json["code"] == "unknown_trace"
    other = api.post(MESSAGES_PATH, query_string=_signed(),
                     json={"Event": "subscribe_msg_popup_event", "ToUserName": "gh_x"})
    assert other.status_code == 200 and other.get_data(as_text=True) == "success"


@pytest.mark.parametrize(("errcode", "status"), [(61010, CheckStatus.UNCHECKED)])
def test_an_image_wechat_will_not_take_is_flagged_unchecked(
    api: Api, wechat_pushes: FakeWeChatServer, errcode: int, status: str
) -> None:
    wechat_pushes.state.fail_next("media_check_async", errcode)
    _grievance_with_photo(api, PNG)
    [check] = ContentCheck.select()
    assert check.status == status and "近两小时" in check.note


def test_without_a_public_url_images_are_flagged_for_staff(
    api: Api, fake_wechat: FakeWeChatServer
) -> None:
    _grievance_with_photo(api, PNG)
    [check] = ContentCheck.select()
    assert check.status == CheckStatus.UNCHECKED and "PUBLIC_BASE_URL" in check.note
    assert fake_wechat.state.media_checks == []


def test_a_busy_wechat_leaves_the_check_waiting_for_the_outbox_sweep(
    api: Api, wechat_pushes: FakeWeChatServer
) -> None:
    wechat_pushes.state.fail_next("media_check_async", -1)
    _grievance_with_photo(api, PNG)
    [check] = ContentCheck.select()
    [event] = OutboxEvent.select().where(OutboxEvent.topic == "content.media_check_requested")
    assert check.status == CheckStatus.PENDING and check.trace_id is None
    assert event.status == "pending" and event.last_error == "CheckLater"
    assert relay.current_relay().sweep() >= 1
    assert _settled(check.id).status == CheckStatus.PASS
