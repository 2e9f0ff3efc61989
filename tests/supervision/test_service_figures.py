"""Service figures beside the standards: open and overdue applications, processing days,
care-visit coverage by client group, booking decision latency and ratings, per township."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from typing import Any

import pytest

import backend.models
from backend.commands.clients import CategoryEntry, RegisterClient
from backend.permissions import SYSTEM, Actor
from backend.services import clients, supervision
from tests.factories import id_number

pytestmark = pytest.mark.skipif(
    not all(
        hasattr(backend.models, m)
        for m in ("Application", "CareVisit", "Booking", "ApplicationEvaluation")
    ),
    reason="applications (#3) and visits (#4) have not landed",
)
TOWNSHIP = "410184001"


def _client(n: int) -> Any:
    village = backend.models.Village.get(backend.models.Village.code == f"{TOWNSHIP}001")
    return clients.create_client(
        RegisterClient(
            name=f"对象{n}",
            id_number=id_number(n),
            village_id=village.id,
            address="泰和社区1号",
            categories=(CategoryEntry("left_behind_elder"),),
        ),
        actor=SYSTEM,
    )


def _application(client: Any, n: int, **fields: Any) -> Any:
    m = backend.models
    return m.Application.create(
        reference=f"SQTEST{n:04d}",
        service_code="subsistence_allowance",
        client=client,
        village=client.village_id,
        area_code=client.area_code,
        applicant_name=client.name,
        applicant_id_enc="x",
        applicant_id_index=f"idx{n}",
        applicant_id_masked="410184****0000",
        address="泰和社区1号",
        **fields,
    )


@pytest.fixture
def busy_city(seed_city: Callable[..., Any]) -> None:
    """The demo-like city with a little work in its first township in November 2026."""
    m = backend.models
    seed_city({})
    first, second = _client(1), _client(2)
    township = m.Township.get(m.Township.code == TOWNSHIP)
    _application(
        first,
        1,
        status="in_review",
        stage="verification",
        stage_due_on=date(2026, 11, 10),
        submitted_at=datetime(2026, 11, 2, 9),
    )
    decided = _application(
        second,
        2,
        status="approved",
        submitted_at=datetime(2026, 11, 2, 9),
        decided_at=datetime(2026, 11, 12, 9),
    )
    m.ApplicationEvaluation.create(
        application=decided, rating=2, created_at=datetime(2026, 11, 12, 10)
    )
    for n, status in enumerate(("done", "due")):
        m.CareVisit.create(
            client=first,
            area_code=first.area_code,
            township=township,
            rule="left_behind_elder",
            kind="routine_visit",
            due_date=date(2026, 11, 5 + n),
            earliest_date=date(2026, 11, 1),
            latest_date=date(2026, 11, 8 + n),
            duration_minutes=30,
            status=status,
        )
    m.Booking.create(
        client=first,
        area_code=first.area_code,
        township=township,
        kind="routine_visit",
        status="approved",
        requested_by_kind="staff",
        requested_by_id=1,
        created_at=datetime(2026, 11, 3, 8),
        decided_at=datetime(2026, 11, 3, 13),
    )


def test_service_figures_stand_beside_the_standards(busy_city: None) -> None:
    figures = supervision.get_compliance("2026-11", actor=SYSTEM)["service_figures"]
    assert figures["available"]
    assert figures["applications_by_stage"]["totals"] == {"verification": 1}
    assert figures["overdue_steps"]["by_township"] == [
        {"township_code": TOWNSHIP, "stage": "verification", "overdue": 1}
    ]
    processing = figures["processing_days"]["totals"]["subsistence_allowance"]
    assert processing["decided"] == 1 and processing["mean_days"] == 10.0
    assert figures["visit_coverage"]["totals"]["三留守"] == {
        "due": 2,
        "done": 1,
        "coverage_percent": 50.0,
    }
    assert figures["booking_latency"]["totals"] == {"decided": 1, "mean_hours": 5.0}
    assert figures["evaluations"]["totals"] == {"rated": 1, "poor": 1, "mean_rating": 2.0}


def test_another_township_sees_none_of_these_figures(busy_city: None) -> None:
    report = supervision.get_report(
        "monthly",
        "2026-11",
        actor=Actor(kind="staff", id=None, role="township_staff", area_code="410184002"),
    )
    figures = report["service_figures"]
    assert figures["overdue_steps"]["by_township"] == []
    assert figures["evaluations"]["totals"] == {}
