"""A local OSRM server for tests: the table service, with OSRM's request and answer shapes.

It answers `/table/v1/driving/{lon,lat;...}?annotations=duration,distance[&sources=..
&destinations=..]` as osrm-routed does (fractional seconds and metres, `null` where no road
joins two points, `{"code": "TooBig"}` above its table size, `InvalidService` elsewhere). Its
"roads" are the straight line times `circuity`, driven at `speed` metres a second, so a test
can tell its matrix from the planner's own straight-line estimate.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from urllib.parse import parse_qs, urlsplit

from backend import runtime
from scheduler.travel import haversine_m

Point = tuple[float, float]


class FakeOsrm:
    """The fake served on 127.0.0.1 in a daemon thread; a context manager."""

    def __init__(
        self,
        *,
        circuity: float = 1.5,
        speed: float = 5.0,
        max_table: int = 100,
        islands: tuple[Point, ...] = (),
    ) -> None:
        self.circuity, self.speed, self.max_table = circuity, speed, max_table
        self.islands = set(islands)  # (lat, lon) no road reaches
        self.requests: list[str] = []
        self.down = False  # answer 503, as a server being restarted does
        self._server: ThreadingHTTPServer | None = None

    @property
    def url(self) -> str:
        """Base URL, e.g. http://127.0.0.1:54321."""
        assert self._server is not None, "FakeOsrm is not started"
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def road_m(self, a: Point, b: Point) -> float | None:
        """Road metres from a to b as this fake answers them (None: no road)."""
        if a != b and (a in self.islands or b in self.islands):
            return None
        return haversine_m(a, b) * self.circuity

    def answer(self, path: str) -> tuple[int, dict[str, object]]:
        """Status and JSON body for one request path."""
        self.requests.append(path)
        if self.down:
            return 503, {"code": "ServiceUnavailable", "message": "restarting"}
        url = urlsplit(path)  # urlparse would cut ";..." off as "params"
        if not url.path.startswith("/table/v1/driving/"):
            return 400, {"code": "InvalidService", "message": "Service unknown"}
        points = [
            (float(lat), float(lon))
            for lon, lat in (c.split(",") for c in url.path.rsplit("/", 1)[1].split(";"))
        ]
        if len(points) > self.max_table:
            return 400, {"code": "TooBig", "message": "Too many table coordinates"}
        query = parse_qs(url.query)
        if query.get("annotations") != ["duration,distance"]:
            return 400, {"code": "InvalidOptions", "message": "annotations"}
        everyone = ";".join(str(i) for i in range(len(points)))
        sources = [int(i) for i in query.get("sources", [everyone])[0].split(";")]
        targets = [int(i) for i in query.get("destinations", [everyone])[0].split(";")]
        seconds, metres = self.table(points, sources, targets)
        return 200, {"code": "Ok", "durations": seconds, "distances": metres}

    def table(self, points: list[Point], sources: list[int], targets: list[int]
              ) -> tuple[list[list[float | None]], list[list[float | None]]]:
        """Seconds and metres from each source to each target (None: no road)."""
        metres = [[self.road_m(points[i], points[j]) for j in targets] for i in sources]
        seconds = [[None if m is None else m / self.speed for m in row] for row in metres]
        return seconds, metres

    def start(self) -> FakeOsrm:
        """Bind a free port and serve."""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                status, body = fake.answer(self.path)
                data = json.dumps(body).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, format: str, *args: object) -> None:
                """Keep test output quiet (and coordinates out of it)."""

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and free the port."""
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOsrm:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()


@contextmanager
def planning_with_osrm_at(url: str) -> Iterator[None]:
    """The planner configured with ``OSRM_URL=url`` while inside, as before afterwards."""
    before = runtime.settings()
    runtime.configure(replace(before, osrm_url=url))
    try:
        yield
    finally:
        runtime.configure(before)


@contextmanager
def osrm_stopped() -> Iterator[str]:
    """The URL of an OSRM server that was started and then stopped: nothing answers there."""
    fake = FakeOsrm().start()
    url = fake.url
    fake.stop()
    with planning_with_osrm_at(url):
        yield url
