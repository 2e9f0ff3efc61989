"""Residents' texts go through WeChat's msg_sec_check v2 (with their openid and a scene): risky
text answers 422 and nothing is kept, doubtful text is kept and flagged for staff, and text WeChat
could not judge is kept and flagged too (fail open; see backend/content_checks.py)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend.models import (
    ApplicationEvaluation,
    AuditEntry,
    Booking,
    CheckStatus,
    ContentCheck,
    Grievance,
    OutboxEvent,
    PublicNoticeObjection,
)
from fake_wechat import FakeWeChatServer
from fake_wechat.state import REVIEW_WORD, RISKY_WORD
from tests.applications.conftest import Clock
from tests.applications.test_public_notice import _to_notice
from tests.conftest import Api
from tests.visits.conftest import booking_body, working_day

Filing = Callable[..., dict[str, Any]]


def _grieve(api: Api, content: str) -> Any:
    return api.post("/api/v1/grievances", "res-owner",
                    json={"subject": "other", "content": content,
                          "village_id": api.world.villages["a1"].id})


def _refused(answer: Any, field: str) -> None:
    assert answer.status_code == 422, answer.json
    assert answer.json["code"] == "content_rejected"
    assert "违规" in answer.json["message"] and field in answer.json["errors"]


def test_a_risky_complaint_is_refused_and_nothing_is_kept(
    api: Api, fake_wechat: FakeWeChatServer
) -> None:
    events = OutboxEvent.select().count()
    _refused(_grieve(api, f"路灯坏了，{RISKY_WORD}"), "content")
    assert Grievance.select().count() == 0 and ContentCheck.select().count() == 0
    assert OutboxEvent.select().count() == events
    [asked] = fake_wechat.state.text_checks
    assert asked["openid"] == "openid-owner" and asked["scene"] == 2 and asked["version"] == 2


def test_a_doubtful_complaint_is_kept_and_flagged_for_staff(
    api: Api, fake_wechat: FakeWeChatServer
) -> None:
    filed = _grieve(api, f"路灯坏了，{REVIEW_WORD}")
    assert filed.status_code == 201, filed.json
    [flag] = ContentCheck.select()
    assert (flag.subject, flag.subject_id, flag.field) == ("grievance", filed.json["id"], "content")
    assert flag.status == CheckStatus.REVIEW and flag.label == 21000 and flag.trace_id
    assert "人工复核" in flag.note
    assert AuditEntry.select().where(AuditEntry.action == "content_check.flag").count() == 1
    assert _grieve(api, "路灯又坏了").status_code == 201
    assert ContentCheck.select().count() == 1  # a passed text leaves no row


@pytest.mark.parametrize(("errcode", "note"), [(-1, "繁忙"), (61010, "近两小时"),
                                               (45009, "已满")])
def test_text_wechat_cannot_judge_is_kept_and_flagged_unchecked(
    api: Api, fake_wechat: FakeWeChatServer, errcode: int, note: str
) -> None:
    fake_wechat.state.fail_next("msg_sec_check", errcode)
    filed = _grieve(api, "路灯坏了")
    assert filed.status_code == 201, filed.json
    [flag] = ContentCheck.select()
    assert flag.status == CheckStatus.UNCHECKED and note in flag.note


def test_an_unreachable_wechat_fails_open_with_a_flag(
    api: Api, fake_wechat: FakeWeChatServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from notifications import context
    monkeypatch.setattr(context.current().wechat, "base_url", "http://127.0.0.1:9")
    filed = _grieve(api, "路灯坏了")
    assert filed.status_code == 201, filed.json
    assert ContentCheck.get().note.startswith("微信内容安全接口暂时无法访问")


def test_a_stale_token_is_refreshed_and_the_text_still_checked(
    api: Api, fake_wechat: FakeWeChatServer
) -> None:
    assert _grieve(api, "第一件").status_code == 201
    fake_wechat.state.expire_tokens()
    _refused(_grieve(api, RISKY_WORD), "content")


def test_an_application_names_the_risky_field_and_flags_a_doubtful_one(
    api: Api, clock: Clock, filing: Filing, fake_wechat: FakeWeChatServer
) -> None:
    _refused(api.post("/api/v1/applications", "res-owner",
                      json=filing(reason=f"因病{RISKY_WORD}")), "reason")
    filed = api.post("/api/v1/applications", "res-owner",
                     json=filing(assets_note=f"一辆旧车{REVIEW_WORD}"))
    assert filed.status_code == 201, filed.json
    [flag] = ContentCheck.select()
    assert (flag.subject, flag.field, flag.scene) == ("application", "assets_note", 1)


def test_staff_words_are_not_sent_to_wechat(
    api: Api, clock: Clock, filing: Filing, fake_wechat: FakeWeChatServer
) -> None:
    proxy = {"authorised_by": "申请人本人", "authorised_at": "2026-03-01T09:00:00+08:00",
             "method": "in_person"}
    filed = api.post("/api/v1/applications", "co-a1",
                     json=filing(reason=RISKY_WORD, proxy=proxy))
    assert filed.status_code == 201, filed.json
    assert fake_wechat.state.text_checks == []


def test_objections_ratings_and_bookings_are_checked_too(
    api: Api, clock: Clock, filing: Filing, fake_wechat: FakeWeChatServer
) -> None:
    app_id = _to_notice(api, filing, 1)
    objection = api.post(f"/api/v1/notices/{app_id}/objections", "res-other",
                         json={"reason": f"他家有货车{RISKY_WORD}"})
    _refused(objection, "reason")
    assert PublicNoticeObjection.select().count() == 0
    body = {**booking_body(api.world.clients["a1"].id, working_day(2)), "reason": RISKY_WORD}
    _refused(api.post("/api/v1/bookings", "res-owner", json=body), "reason")
    assert Booking.select().count() == 0
    filed = _grieve(api, "路灯坏了")
    path = f"/api/v1/grievances/{filed.json['id']}"
    api.post(f"{path}/resolution", "ts-a", json={"resolution": "已报修"})
    _refused(api.post(f"{path}/rating", "res-owner", json={"rating": 1, "comment": RISKY_WORD}),
             "rating_comment")
    assert Grievance.get_by_id(filed.json["id"]).rating is None
    scenes = {check["scene"] for check in fake_wechat.state.text_checks}
    assert scenes == {1, 2}


def test_an_evaluation_comment_is_checked(
    api: Api, clock: Clock, filing: Filing, fake_wechat: FakeWeChatServer
) -> None:
    filed = api.post("/api/v1/applications", "res-owner", json=filing(submit=True))
    app_id = filed.json["id"]
    for action in ("advance", "advance", "reject"):
        api.post(f"/api/v1/applications/{app_id}/transitions", "ts-a",
                 json={"action": action, "comment": "不符合条件"})
    _refused(api.post(f"/api/v1/applications/{app_id}/evaluation", "res-owner",
                      json={"rating": 1, "comment": RISKY_WORD}), "evaluation_comment")
    assert ApplicationEvaluation.select().count() == 0


def test_version_one_s_risky_errcode_is_refused_like_a_risky_result(
    api: Api, fake_wechat: FakeWeChatServer
) -> None:
    fake_wechat.state.fail_next("msg_sec_check", 87014)
    _refused(_grieve(api, "路灯坏了"), "content")
