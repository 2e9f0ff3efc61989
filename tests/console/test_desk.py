"""The desk's dashboard and work queue: what waits at each stage, what is late, narrowed by
service, stage and due date."""

from __future__ import annotations

from typing import Any

import pytest

from backend.models import Application
from console import desk
from tests.applications.conftest import Clock
from tests.conftest import Api
from tests.console.casework import file_application


@pytest.fixture
def three_waiting(api: Api, clock: Clock) -> list[int]:
    """Two 养老院入住 and one 低保 application at 受理; the first filed a week ago (late)."""
    first = file_application(api, n=1)
    clock.advance(7)
    return [first, file_application(api, n=2),
            file_application(api, "subsistence_allowance", n=3)]


def test_the_dashboard_counts_the_waiting_by_stage_and_marks_the_late(
    signed_in: Any, three_waiting: list[int]
) -> None:
    text = signed_in("ts-a").get("/console/desk").get_data(as_text=True)
    assert "共 3 件等待本办办理，其中" in text and "1 件已超期" in text
    assert "/console/desk/queue?stage=acceptance" in text
    assert text.count('class="is-overdue"') == 2  # the stage's row and the late application


def test_the_queue_narrows_by_service_stage_and_due_date(
    signed_in: Any, clock: Clock, three_waiting: list[int]
) -> None:
    browser = signed_in("ts-a")
    first, second, third = (Application.get_by_id(i) for i in three_waiting)

    def shown(query: str) -> set[str]:
        text = browser.get(f"/console/desk/queue?{query}").get_data(as_text=True)
        return {a.reference for a in (first, second, third) if a.reference in text}

    assert shown("service=subsistence_allowance") == {third.reference}
    assert shown("stage=verification") == set()
    assert shown("overdue=1") == {first.reference}
    assert shown("due=3") == {second.reference, third.reference}
    assert shown("due=0") == set()
    day = second.stage_due_on.isoformat()
    assert second.stage_due_on < third.stage_due_on  # 养老院入住 is accepted in 1 day, 低保 in 2
    assert shown(f"due_from={day}&due_to={day}") == {second.reference}
    assert shown(f"due_from={day}") == {second.reference, third.reference}
    assert shown(f"due_to={first.stage_due_on.isoformat()}") == {first.reference}


def test_a_bad_due_date_is_said_beside_its_field(signed_in: Any, three_waiting: list[int]
                                                 ) -> None:
    page = signed_in("ts-a").get("/console/desk/queue?due_from=2026-13-01")
    text = page.get_data(as_text=True)
    assert page.status_code == 422 and 'id="due_from-error"' in text and "日期格式应为" in text
    swapped = signed_in("ts-a").get("/console/desk/queue?due_from=2026-03-10&due_to=2026-03-01")
    assert swapped.status_code == 422 and "截止日期不能早于起始日期" in swapped.get_data(
        as_text=True)


def test_the_queue_pages_keep_their_filters(signed_in: Any, monkeypatch: pytest.MonkeyPatch,
                                           three_waiting: list[int]) -> None:
    monkeypatch.setattr(desk, "PAGE_SIZE", 2)
    text = signed_in("ts-a").get("/console/desk/queue?service=nursing_home_admission").get_data(
        as_text=True)
    assert "共 2 件" in text and "下一页" not in text
    everything = signed_in("ts-a").get("/console/desk/queue").get_data(as_text=True)
    assert "第 1 / 2 页" in everything and "/console/desk/queue?page=2" in everything
