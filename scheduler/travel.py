"""Travel-matrix providers: straight-line estimates and an OSRM table-API client.

Both return `(durations_s, distances_m)` as square integer matrices indexed like `points`,
where a point is `(lat, lon)` in degrees.
"""

from __future__ import annotations

import json
import math
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Sequence

Point = tuple[float, float]
Matrices = tuple[list[list[int]], list[list[int]]]

EARTH_RADIUS_M = 6_371_008.8
# Speeds in metres per second. Rural roads: e-bikes and cars rarely reach their nominal speed.
SPEEDS_M_PER_S = {"walking": 1.25, "e_bike": 4.2, "car": 8.3}
# Road distance over straight-line distance; about 1.3-1.4 on rural Chinese road networks.
DEFAULT_CIRCUITY = 1.35
# Points per OSRM table request: osrm-routed's default `--max-table-size`.
OSRM_MAX_TABLE = 100


def haversine_m(a: Point, b: Point) -> float:
    """Great-circle distance in metres between two (lat, lon) points."""
    lat1, lon1, lat2, lon2 = map(math.radians, (*a, *b))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(math.sqrt(h))


def straight_line_matrices(
    points: Sequence[Point], *, mode: str = "e_bike", circuity: float = DEFAULT_CIRCUITY
) -> Matrices:
    """Durations and distances from haversine distance times a circuity factor, at `mode` speed."""
    speed = SPEEDS_M_PER_S[mode]
    distances = [[round(haversine_m(a, b) * circuity) for b in points] for a in points]
    durations = [[math.ceil(d / speed) for d in row] for row in distances]
    return durations, distances


class OsrmError(RuntimeError):
    """The OSRM server answered with an error or an unusable table.

    `code` is OSRM's own code ("TooBig", "NoTable"...) or the kind of failure ("unreachable",
    "http_503", "bad_table"): safe to log, unlike OSRM's message, which may quote the request
    and with it the coordinates.
    """

    def __init__(self, message: str, code: str) -> None:
        super().__init__(message)
        self.code = code


def osrm_matrices(
    points: Sequence[Point],
    *,
    base_url: str,
    timeout: float = 10.0,
    max_table: int = OSRM_MAX_TABLE,
) -> Matrices:
    """Durations and distances from an OSRM server's table API (`/table/v1/driving/...`).

    Up to `max_table` points go in one request; more are asked for block by block (each
    request names a block of sources and one of destinations), since osrm-routed refuses
    tables above its `--max-table-size` (100 unless the server raises it).
    """
    n = len(points)
    if n <= max_table:
        return _osrm_table(points, range(n), range(n), base_url, timeout)
    size = max(1, max_table // 2)
    blocks = [range(start, min(n, start + size)) for start in range(0, n, size)]
    durations = [[0] * n for _ in range(n)]
    distances = [[0] * n for _ in range(n)]
    for rows in blocks:
        for columns in blocks:
            block = _osrm_table(points, rows, columns, base_url, timeout)
            for i, row in enumerate(rows):
                for j, column in enumerate(columns):
                    durations[row][column] = block[0][i][j]
                    distances[row][column] = block[1][i][j]
    return durations, distances


def _osrm_table(
    points: Sequence[Point],
    rows: range,
    columns: range,
    base_url: str,
    timeout: float,
) -> Matrices:
    """One table request: rows x columns of the points (a square table when both are all)."""
    square = rows == columns
    chosen = list(rows) if square else [*rows, *columns]
    coords = ";".join(f"{points[i][1]:.6f},{points[i][0]:.6f}" for i in chosen)
    params = {"annotations": "duration,distance"}
    if not square:
        params["sources"] = ";".join(str(i) for i in range(len(rows)))
        params["destinations"] = ";".join(str(len(rows) + j) for j in range(len(columns)))
    url = f"{base_url.rstrip('/')}/table/v1/driving/{coords}?{urllib.parse.urlencode(params)}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:
        # OSRM explains a refusal (TooBig, InvalidQuery...) in a JSON body with the 4xx.
        body = _error_body(exc)
        if body is None:
            raise OsrmError(f"OSRM table request failed: {exc}", f"http_{exc.code}") from exc
    except (OSError, ValueError) as exc:  # URLError is an OSError
        raise OsrmError(f"OSRM table request failed: {exc}", "unreachable") from exc
    if body.get("code") != "Ok":
        code = str(body.get("code"))
        raise OsrmError(f"OSRM answered {code}: {body.get('message', '')}", code)
    shape = (len(rows), len(columns))
    return _int_matrix(body, "durations", shape), _int_matrix(body, "distances", shape)


def _error_body(error: urllib.error.HTTPError) -> dict[str, object] | None:
    """OSRM's JSON explanation of an HTTP error, if it sent one."""
    try:
        body = json.load(error)
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) and "code" in body else None


def _int_matrix(body: dict[str, object], key: str, shape: tuple[int, int]) -> list[list[int]]:
    rows = body.get(key)
    if (
        not isinstance(rows, list)
        or len(rows) != shape[0]
        or any(not isinstance(row, list) or len(row) != shape[1] for row in rows)
    ):
        raise OsrmError(f"OSRM table lacks a {shape[0]}x{shape[1]} '{key}' matrix", "bad_table")
    # OSRM answers null for unreachable pairs; no plan may use such an arc.
    return [[math.ceil(x) if x is not None else UNREACHABLE for x in row] for row in rows]


UNREACHABLE = 10**7
