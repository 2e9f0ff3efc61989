"""Travel matrices: straight-line estimates, and the OSRM client against a local fake server."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import ClassVar
from urllib.parse import parse_qs, urlsplit

import pytest

from scheduler.travel import (
    UNREACHABLE,
    OsrmError,
    haversine_m,
    osrm_matrices,
    straight_line_matrices,
)

TOWNSHIP = [(34.40, 113.74), (34.41, 113.74), (34.40, 113.76)]


class FakeOsrm(BaseHTTPRequestHandler):
    """Answers /table/v1/driving like OSRM: 100 s and 1000 m per unit of index difference."""

    requests: ClassVar[list[str]] = []

    def do_GET(self) -> None:
        """Serve one table request (or OSRM's error shape for a bad profile)."""
        url = urlsplit(self.path)  # urlparse would cut ";..." off as "params"
        FakeOsrm.requests.append(self.path)
        if not url.path.startswith("/table/v1/driving/"):
            return self._send(400, {"code": "InvalidService", "message": "unknown service"})
        coords = url.path.rsplit("/", 1)[1].split(";")
        assert parse_qs(url.query)["annotations"] == ["duration,distance"]
        n = len(coords)
        durations = [[100.4 * abs(i - j) for j in range(n)] for i in range(n)]
        distances = [[1000.0 * abs(i - j) for j in range(n)] for i in range(n)]
        durations[0][n - 1] = None  # type: ignore[call-overload]
        self._send(200, {"code": "Ok", "durations": durations, "distances": distances})

    def _send(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Keep test output quiet."""


@pytest.fixture
def osrm_url() -> Iterator[str]:
    """Base URL of a fake OSRM server on loopback, stopped after the test."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeOsrm)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


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


def test_osrm_table_is_read_as_integer_matrices(osrm_url: str) -> None:
    durations, distances = osrm_matrices(TOWNSHIP, base_url=osrm_url)
    assert durations[1][2] == 101  # rounded up: never promise a faster trip than OSRM
    assert distances[2][0] == 2000
    assert durations[0][2] == UNREACHABLE
    assert "113.740000,34.400000;113.740000,34.410000" in FakeOsrm.requests[-1]


def test_osrm_errors_raise_osrm_error(osrm_url: str) -> None:
    with pytest.raises(OsrmError):
        osrm_matrices(TOWNSHIP, base_url=osrm_url + "/wrong-prefix")


def test_an_unreachable_osrm_server_raises_osrm_error() -> None:
    with pytest.raises(OsrmError):
        osrm_matrices(TOWNSHIP, base_url="http://127.0.0.1:9", timeout=1.0)
