"""Where a plan's travel times come from: OSRM's roads when configured, straight lines when
not, and straight lines again, said so, when the OSRM server is down."""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import replace

import pytest

from backend import runtime
from scheduler.travel import DEFAULT_CIRCUITY, haversine_m
from tests.conftest import Api
from tests.fake_osrm import FakeOsrm
from tests.planning.conftest import TownshipDay, planned


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    """The planner pointed at a fake OSRM server for the test."""
    before = runtime.settings()
    with FakeOsrm() as fake:
        runtime.configure(replace(before, osrm_url=fake.url))
        yield fake
    runtime.configure(before)


def _legs(detail: dict) -> list[tuple[tuple[float, float], tuple[float, float], dict]]:
    """(from, to, stop) for every leg into a stop after a route's first."""
    return [
        ((before["lat"], before["lng"]), (stop["lat"], stop["lng"]), stop)
        for route in detail["routes"]
        for before, stop in zip(route["stops"], route["stops"][1:], strict=False)
    ]


def test_a_plan_drives_osrm_roads_when_a_server_is_configured(
    api: Api, township_day: TownshipDay, osrm: FakeOsrm
) -> None:
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    assert detail["plan"]["travel_source"] == "osrm"
    assert detail["plan"]["feasible"] is True
    assert len(osrm.requests) == 1
    legs = _legs(detail)
    assert legs
    for a, b, stop in legs:
        road = osrm.road_m(a, b)
        assert road is not None
        assert stop["distance_m"] == math.ceil(road)
        assert stop["travel_s"] == math.ceil(road / osrm.speed)


def test_a_plan_without_osrm_uses_straight_line_estimates(
    api: Api, township_day: TownshipDay
) -> None:
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    assert detail["plan"]["travel_source"] == "straight_line"
    for a, b, stop in _legs(detail):
        assert stop["distance_m"] == pytest.approx(haversine_m(a, b) * DEFAULT_CIRCUITY, abs=1)


def test_an_osrm_outage_still_plans_the_day_on_estimates_and_says_so(
    api: Api, township_day: TownshipDay, osrm: FakeOsrm, caplog: pytest.LogCaptureFixture
) -> None:
    osrm.down = True
    detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    plan = detail["plan"]
    assert (plan["status"], plan["travel_source"]) == ("done", "straight_line_fallback")
    assert plan["feasible"] is True and plan["visit_count"] >= 15
    logged = " ".join(
        r.getMessage() for r in caplog.records if r.name.startswith("backend.services.planning")
    )
    assert "ServiceUnavailable" in logged
    assert f"{detail['routes'][0]['stops'][0]['lng']:.6f}" not in logged  # no coordinates
