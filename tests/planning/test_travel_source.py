"""Where a plan's travel times come from: OSRM's roads when configured, straight lines when
not, and straight lines again, said so, when the OSRM server is down."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from scheduler.travel import DEFAULT_CIRCUITY, haversine_m
from tests.conftest import Api
from tests.fake_osrm import FakeOsrm, osrm_stopped, planning_with_osrm_at
from tests.planning.conftest import TownshipDay, planned


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    """The planner pointed at a fake OSRM server for the test."""
    with FakeOsrm() as fake, planning_with_osrm_at(fake.url):
        yield fake


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
    assert detail["plan"]["travel_source_label"] == "道路网络（OSRM）"
    assert detail["plan"]["travel_fallback_reason"] is None
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
    assert plan["travel_fallback_reason"] == "ServiceUnavailable"
    assert plan["feasible"] is True and plan["visit_count"] >= 15
    logged = " ".join(
        r.getMessage() for r in caplog.records if r.name.startswith("backend.services.planning")
    )
    assert "ServiceUnavailable" in logged
    assert f"{detail['routes'][0]['stops'][0]['lng']:.6f}" not in logged  # no coordinates


def test_an_unreachable_osrm_plans_on_estimates_and_records_why(
    api: Api, township_day: TownshipDay
) -> None:
    with osrm_stopped():
        detail = planned(api, "ts-a", township_day.township_id, township_day.day)
    plan = detail["plan"]
    assert (plan["status"], plan["feasible"]) == ("done", True)
    assert (plan["travel_source"], plan["travel_fallback_reason"]) == (
        "straight_line_fallback", "unreachable")
    assert plan["travel_source_label"] == "直线距离估算（OSRM 不可用：无法连接道路服务）"
    for a, b, stop in _legs(detail):
        assert stop["distance_m"] == pytest.approx(haversine_m(a, b) * DEFAULT_CIRCUITY, abs=1)


def test_a_social_workers_route_says_where_its_travel_times_came_from(
    api: Api, township_day: TownshipDay, osrm: FakeOsrm
) -> None:
    planned(api, "ts-a", township_day.township_id, township_day.day)
    route = api.get(f"/api/v1/me/route?date={township_day.day.isoformat()}", "sw-a1").json
    assert (route["travel_source"], route["travel_source_label"]) == ("osrm", "道路网络（OSRM）")
    osrm.down = True
    planned(api, "ts-a", township_day.township_id, township_day.day)
    route = api.get(f"/api/v1/me/route?date={township_day.day.isoformat()}", "sw-a1").json
    assert route["travel_source"] == "straight_line_fallback"
    assert route["travel_source_label"] == (
        "直线距离估算（OSRM 不可用：道路服务返回错误（ServiceUnavailable））")
