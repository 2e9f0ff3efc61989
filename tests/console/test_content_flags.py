"""Staff see why: texts WeChat doubted or could not judge are flagged beside them on the desk's
application and booking pages, and an image WeChat found risky is shown withdrawn, not shown."""

from __future__ import annotations

import time
from typing import Any

from backend.models import CheckStatus, ContentCheck
from fake_wechat import FakeWeChatServer
from fake_wechat.state import REVIEW_WORD, RISKY_IMAGE_MARKER
from tests.applications.conftest import PNG
from tests.conftest import Api
from tests.console.casework import file_application, upload
from tests.visits.conftest import booking_body, working_day


def _withdrawn(check_id: int) -> None:
    deadline = time.monotonic() + 10
    while ContentCheck.get_by_id(check_id).withdrawn_at is None:
        assert time.monotonic() < deadline, "no verdict arrived"
        time.sleep(0.02)


def test_the_application_page_shows_a_withdrawn_image_as_withdrawn_and_why(
    signed_in: Any, api: Api, wechat_pushes: FakeWeChatServer
) -> None:
    application_id = file_application(api)
    material_id = upload(api, application_id, "id_card", content=PNG + RISKY_IMAGE_MARKER)
    [check] = ContentCheck.select()
    _withdrawn(check.id)
    text = signed_in("ts-a").get(f"/console/applications/{application_id}").get_data(
        as_text=True)
    assert "已撤下：微信判定违规（色情），图片已撤下" in text
    assert f"/materials/{material_id}" not in text.split("已撤下")[1].split("</figure>")[0]
    assert check.trace_id is not None and check.trace_id in text


def test_the_booking_page_flags_a_reason_wechat_doubted(
    signed_in: Any, api: Api, fake_wechat: FakeWeChatServer
) -> None:
    body = {**booking_body(api.world.clients["a1"].id, working_day(2)),
            "reason": f"想请社工来看看{REVIEW_WORD}"}
    assert api.post("/api/v1/bookings", "res-owner", json=body).status_code == 201
    fake_wechat.state.fail_next("msg_sec_check", -1)
    other = {**booking_body(api.world.clients["a1"].id, working_day(2), "counselling"),
             "reason": "老人心情不好"}
    assert api.post("/api/v1/bookings", "res-owner", json=other).status_code == 201
    text = signed_in("ts-a").get("/console/bookings").get_data(as_text=True)
    assert "预约理由：微信建议人工复核（其他）" in text
    assert "预约理由：微信系统繁忙，未能识别" in text
    assert ContentCheck.select().where(ContentCheck.status == CheckStatus.UNCHECKED).count() == 1
