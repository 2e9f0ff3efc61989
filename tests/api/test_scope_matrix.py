"""The permission matrix over the routes that read one object by id, across every area.

Each object belongs to client a1 (village a1 of township a), filed or booked by its owner, the
resident ``res-owner``. Callers: the owner, another resident, the coordinator of the same
village and of another village, staff of another township, a city admin, anonymous.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from backend.services.care_plans import local_today
from tests.conftest import Api
from tests.factories import id_number

CALLERS = ["res-owner", "res-other", "co-a1", "co-a2", "ts-b", "city-admin", None]
OWNED = {
    "res-owner": 200,
    "res-other": 404,
    "co-a1": 200,
    "co-a2": 404,
    "ts-b": 404,
    "city-admin": 200,
    None: 401,
}
STAFF_ONLY = {**OWNED, "res-owner": 403, "res-other": 403}


def _working_day() -> str:
    day = local_today() + timedelta(days=2)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day.isoformat()


@pytest.fixture
def owned(api: Api) -> dict[str, Any]:
    """An application and a booking of the owner's, for client a1."""
    client = api.world.clients["a1"]
    application = api.post(
        "/api/v1/applications",
        "res-owner",
        json={
            "service_code": "subsistence_allowance",
            "applicant_name": "业主",
            "applicant_id_number": id_number(1),
            "phone": "13800001111",
            "village_id": api.world.villages["a1"].id,
            "address": "a1村1组1号",
            "household_members": [],
            "declared_income_fen": 50_000,
            "reason": "因病致贫",
            "submit": True,
        },
    )
    assert application.status_code == 201, application.json
    booking = api.post(
        "/api/v1/bookings",
        "res-owner",
        json={
            "client_id": client.id,
            "kind": "routine_visit",
            "reason": "想请社工上门",
            "contact_name": "业主",
            "contact_phone": "13800001111",
            "preferred": [{"date": _working_day(), "window": "morning"}],
        },
    )
    assert booking.status_code == 201, booking.json
    return {
        "application": application.json["id"],
        "booking": booking.json["id"],
        "client": client.id,
    }


ROUTES = [
    ("/api/v1/applications/{application}", OWNED),
    ("/api/v1/applications/{application}/timeline", OWNED),
    ("/api/v1/bookings/{booking}", OWNED),
    ("/api/v1/clients/{client}/case-file", STAFF_ONLY),
]


@pytest.mark.parametrize("path,expected", ROUTES, ids=[path for path, _ in ROUTES])
def test_each_caller_gets_what_scope_allows(
    api: Api, owned: dict[str, Any], path: str, expected: dict[str | None, int]
) -> None:
    answers = {who: api.get(path.format(**owned), who).status_code for who in CALLERS}
    assert answers == expected
