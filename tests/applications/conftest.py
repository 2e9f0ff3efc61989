"""Fixtures for the applications tests: a clock the test moves, filing bodies, small uploads."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import date, timedelta
from typing import Any

import pytest

from backend import runtime
from backend.services import applications
from tests.factories import World, id_number

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
PDF = b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@dataclass
class Clock:
    """The day the services believe it is."""

    day: date

    def advance(self, days: int) -> date:
        """Move the calendar forward."""
        self.day += timedelta(days=days)
        return self.day


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    """Today is Monday 2 March 2026 until the test moves it."""
    fixed = Clock(date(2026, 3, 2))
    monkeypatch.setattr(applications._shared, "today", lambda: fixed.day)
    return fixed


@pytest.fixture
def filing(world: World) -> Callable[..., dict[str, Any]]:
    """A valid filing body: service, applicant (by factory number), village key, extras."""

    def build(
        service: str = "subsistence_allowance", n: int = 1, village: str = "a1", **extra: Any
    ) -> dict[str, Any]:
        body = {
            "service_code": service,
            "applicant_name": f"申请人{n}",
            "applicant_id_number": id_number(n),
            "phone": "13800001111",
            "village_id": world.villages[village].id,
            "address": f"{village}村2组{n}号",
            "household_members": [
                {
                    "name": "配偶",
                    "relation": "配偶",
                    "id_number": id_number(n + 50, sex="female"),
                    "monthly_income_fen": 80_000,
                }
            ],
            "declared_income_fen": 80_000,
            "reason": "因病致贫",
        }
        body.update(extra)
        return body

    return build


@pytest.fixture
def small_uploads() -> Iterator[int]:
    """Uploads limited to 2 KiB for the length of the test."""
    settings = runtime.settings()
    runtime.configure(replace(settings, max_upload_bytes=2048))
    yield 2048
    runtime.configure(settings)


# Who acts for each role a workflow names at a stage, in township a.
STAGE_HOLDERS = {"township_staff": "ts-a", "coordinator": "co-a1", "city_admin": "city-admin"}


def approve_through_workflow(api: Any, app_id: int, clock: Clock, **approval: Any) -> Any:
    """Move an application through whatever stages its workflow names, then approve it."""
    while True:
        progress = api.get(f"/api/v1/applications/{app_id}/timeline", "ts-a").json
        holder = STAGE_HOLDERS[progress["holder_role"]]
        last = progress["current_stage"] == progress["stages"][-1]["stage"]
        if progress["current_stage"] == "public_notice":
            clock.advance(8)
        moved = api.post(f"/api/v1/applications/{app_id}/transitions", holder, json={
            "action": "approve" if last else "advance", "comment": "同意",
            **(approval if last else {})})
        assert moved.status_code == 200, moved.json
        if last:
            return moved


def advance_to_stage(api: Any, app_id: int, stage: str) -> None:
    """Advance an application through its workflow until it reaches ``stage``."""
    while True:
        progress = api.get(f"/api/v1/applications/{app_id}/timeline", "ts-a").json
        if progress["current_stage"] == stage:
            return
        moved = api.post(f"/api/v1/applications/{app_id}/transitions",
                         STAGE_HOLDERS[progress["holder_role"]],
                         json={"action": "advance", "comment": "同意"})
        assert moved.status_code == 200, moved.json
