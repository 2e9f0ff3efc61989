"""Travel matrices: straight-line estimates, and the OSRM client against a local fake server."""

from __future__ import annotations

import math
from collections.abc import Iterator

import pytest

from scheduler.travel import (
    UNREACHABLE,
    OsrmError,
    haversine_m,
    osrm_matrices,
    straight_line_matrices,
)
from tests.fake_osrm import FakeOsrm

TOWNSHIP = [(34.40, 113.74), (34.41, 113.74), (34.40, 113.76)]


@pytest.fixture
def osrm() -> Iterator[FakeOsrm]:
    """A fake OSRM server on loopback whose roads are 1.5 times the straight line, at 5 m/s;
    the third township point is an island no road reaches."""
    with FakeOsrm(islands=(TOWNSHIP[2],)) as fake:
        yield fake


def test_one_degree_of_latitude_is_about_111_km() -> None:
    assert haversine_m((34.0, 113.74), (35.0, 113.74)) == pytest.approx(111_195, rel=1e-3)


def test_straight_line_scales_by_circuity_and_speed() -> None:
    durations, distances = straight_line_matrices(TOWNSHIP, mode="car", circuity=1.0)
    assert distances[0][1] == pytest.approx(1112, abs=2)
    assert durations[0][1] == pytest.approx(1112 / 8.3, abs=1)
    assert [durations[i][i] for i in range(3)] == [0, 0, 0]


def test_walking_is_slower_than_an_e_bike() -> None:
    walking, _ = straight_line_matrices(TOWNSHIP, mode="walking")
    e_bike, _ = straight_line_matrices(TOWNSHIP, mode="e_bike")
    assert walking[0][2] > e_bike[0][2]


def test_osrm_table_is_read_as_integer_matrices(osrm: FakeOsrm) -> None:
    durations, distances = osrm_matrices(TOWNSHIP, base_url=osrm.url)
    road = osrm.road_m(TOWNSHIP[0], TOWNSHIP[1])
    assert road is not None
    assert distances[1][0] == math.ceil(road)
    # Rounded up: never promise a faster trip than OSRM's.
    assert durations[0][1] == math.ceil(road / osrm.speed) > road / osrm.speed
    assert [durations[i][i] for i in range(3)] == [0, 0, 0]
    assert "113.740000,34.400000;113.740000,34.410000" in osrm.requests[-1]


def test_points_no_road_reaches_are_unreachable(osrm: FakeOsrm) -> None:
    durations, distances = osrm_matrices(TOWNSHIP, base_url=osrm.url)
    assert durations[0][2] == durations[2][1] == distances[2][0] == UNREACHABLE


def test_a_table_above_the_servers_size_is_asked_for_block_by_block() -> None:
    points = [(34.40 + 0.001 * i, 113.74 + 0.002 * (i % 7)) for i in range(23)]
    with FakeOsrm(max_table=10) as small, FakeOsrm() as large:
        blocks = osrm_matrices(points, base_url=small.url, max_table=10)
        whole = osrm_matrices(points, base_url=large.url)
    assert blocks == whole
    assert len(small.requests) == 25  # 5 blocks of 5 rows and columns, every pair of them
    assert len(large.requests) == 1


def test_a_table_too_big_for_the_server_raises_osrm_error(osrm: FakeOsrm) -> None:
    osrm.max_table = 2
    with pytest.raises(OsrmError, match="TooBig") as raised:
        osrm_matrices(TOWNSHIP, base_url=osrm.url)
    assert raised.value.code == "TooBig"


def test_osrm_errors_raise_osrm_error(osrm: FakeOsrm) -> None:
    with pytest.raises(OsrmError, match="InvalidService"):
        osrm_matrices(TOWNSHIP, base_url=osrm.url + "/wrong-prefix")
    osrm.down = True
    with pytest.raises(OsrmError, match="ServiceUnavailable"):
        osrm_matrices(TOWNSHIP, base_url=osrm.url)


def test_an_unreachable_osrm_server_raises_osrm_error() -> None:
    with pytest.raises(OsrmError) as raised:
        osrm_matrices(TOWNSHIP, base_url="http://127.0.0.1:9", timeout=1.0)
    assert raised.value.code == "unreachable"
