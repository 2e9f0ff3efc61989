"""Every template fits WeChat's value limits whatever it is filled with, and opens its item."""

from __future__ import annotations

import re
from datetime import date, datetime
from typing import Any

import pytest

from notifications.recipients import RESOLVERS
from notifications.templates import TEMPLATES, keyword_type, shape

# WeChat's rules per keyword type, written independently of the shaping code.
RULES = {
    "thing": lambda v: 0 < len(v) <= 20,
    "phrase": lambda v: re.fullmatch(r"[\u4e00-\u9fff]{1,5}", v) is not None,
    "name": lambda v: 0 < len(v) <= 10,
    "character_string": lambda v: re.fullmatch(r"[\x21-\x7e]{1,32}", v) is not None,
    "number": lambda v: re.fullmatch(r"[0-9.]{1,32}", v) is not None,
    "time": lambda v: re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}", v) is not None,
    "date": lambda v: re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", v) is not None,
}
LONG = "城乡最低生活保障待遇申请（含家庭经济状况核对与入户调查）附加说明文字很长很长"
CONTEXTS: dict[str, dict[str, Any]] = {
    "worst": {
        key: LONG + " ABC 123 ！"
        for key in (
            "service",
            "number",
            "status",
            "stage",
            "note",
            "result",
            "client",
            "kind",
            "window",
            "title",
            "n",
        )
    }
    | {"at": "not a time", "due": "soon", "day": "", "arrival": None},
    "typical": {
        "service": "城乡低保",
        "number": "SQ2026112500012",
        "status": "已提交",
        "stage": "核查",
        "note": "请补交户口簿",
        "result": "已批准",
        "client": "张三",
        "kind": "日常探访",
        "window": "上午",
        "at": datetime(2026, 11, 25, 6, 30),
        "due": date(2026, 12, 1),
        "day": date(2026, 11, 26),
        "arrival": datetime(2026, 11, 26, 1, 15),
        "application_id": 7,
        "booking_id": 9,
        "plan_id": 3,
        "stops": 12,
    },
    "empty": {},
}


@pytest.mark.parametrize("context_name", sorted(CONTEXTS))
@pytest.mark.parametrize("topic", sorted(TEMPLATES))
def test_every_template_fits_wechats_limits_whatever_it_is_given(
    topic: str, context_name: str
) -> None:
    body, page, data = TEMPLATES[topic].render(CONTEXTS[context_name])
    assert body and page.startswith("pages/")
    for keyword, value in data.items():
        kind = keyword_type(keyword)
        assert kind in RULES, f"{topic}: {keyword} has a type we do not check"
        assert RULES[kind](value), f"{topic}: {keyword}={value!r} breaks WeChat's {kind} rule"


@pytest.mark.parametrize("topic", sorted(TEMPLATES))
def test_every_template_has_a_resolver_and_a_page_that_opens_the_item(topic: str) -> None:
    assert topic in RESOLVERS
    template = TEMPLATES[topic]
    assert "{" in template.page, "the page must name the item it opens"
    assert len(template.title) <= 60


def test_times_are_shown_in_shanghai_time() -> None:
    assert shape("time3", datetime(2026, 11, 25, 16, 30)) == "2026年11月26日 00:30"
    assert shape("date2", date(2026, 1, 5)) == "2026年1月5日"


def test_long_things_are_cut_with_an_ellipsis_not_rejected() -> None:
    value = shape("thing1", LONG)
    assert len(value) == 20 and value.endswith("…")


def test_phrases_keep_only_chinese_and_are_never_empty() -> None:
    assert shape("phrase2", "OK 已批准了吧!!") == "已批准了吧"
    assert shape("phrase2", "ok") == "已更新"


def test_character_strings_drop_what_wechat_refuses() -> None:
    assert shape("character_string1", "编号 SQ-2026 0001") == "SQ-20260001"
