"""Travel-matrix providers: straight-line estimates and an OSRM table-API client.

Both return `(durations_s, distances_m)` as square integer matrices indexed like `points`,
where a point is `(lat, lon)` in degrees.
"""

from __future__ import annotations

import json
import math
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
    """The OSRM server answered with an error or an unusable table."""


def osrm_matrices(points: Sequence[Point], *, base_url: str, timeout: float = 10.0) -> Matrices:
    """Durations and distances from an OSRM server's table API (`/table/v1/driving/...`)."""
    coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
    query = urllib.parse.urlencode({"annotations": "duration,distance"})
    url = f"{base_url.rstrip('/')}/table/v1/driving/{coords}?{query}"
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:
            body = json.load(response)
    except (OSError, ValueError) as exc:  # URLError and HTTPError are OSErrors
        raise OsrmError(f"OSRM table request failed: {exc}") from exc
    if body.get("code") != "Ok":
        raise OsrmError(f"OSRM answered {body.get('code')}: {body.get('message', '')}")
    return _int_matrix(body, "durations", len(points)), _int_matrix(body, "distances", len(points))


def _int_matrix(body: dict[str, object], key: str, n: int) -> list[list[int]]:
    rows = body.get(key)
    if not isinstance(rows, list) or len(rows) != n:
        raise OsrmError(f"OSRM table lacks a {n}x{n} '{key}' matrix")
    # OSRM answers null for unreachable pairs; no plan may use such an arc.
    return [[math.ceil(x) if x is not None else UNREACHABLE for x in row] for row in rows]


UNREACHABLE = 10**7
