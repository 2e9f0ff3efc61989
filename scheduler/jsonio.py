"""The JSON problem format (what `python -m scheduler solve` reads).

```
{"workers": [{"id": "w1", "start_location": 0, "end_location": 0, "shift": ["08:30", "17:30"],
              "lunch": {"window": ["11:30", "13:00"], "duration": 3600},
              "skills": ["counselling"], "max_visits": 12, "capacity": null, "fixed_cost": 0}],
 "visits": [{"id": "v1", "location": 1, "windows": [["09:00", "11:00"]], "service": 1800,
             "priority": "due", "skills": [], "preferred_worker": "w1",
             "pinned_worker": null, "pinned_position": null, "load": 0},
            {"id": "v2", "location": 1, "windows": [["14:00", "16:00"]], "service": 3600,
             "skills": ["counselling"], "workers_needed": 2, "partner_skills": [],
             "sync_tolerance": 300}],
 "durations": [[0, 600], [600, 0]], "distances": [[0, 2500], [2500, 0]],
 "weights": {"balance": 0.2}}
```
Times are seconds since midnight or "HH:MM" strings; durations are seconds. A visit with
`"workers_needed": 2` is served by two workers together (one with `skills`, the other with
`partner_skills`, both starting within `sync_tolerance` seconds); each of their stops in the
plan names the other as `partner_worker_id`. Instead of the
matrices, `"points": [[lat, lon], ...]` with an optional `"travel_mode"` ("walking", "e_bike",
"car") estimates them by straight line.
"""

from __future__ import annotations

from typing import Any

from scheduler.problem import (
    SYNC_TOLERANCE,
    Break,
    CostWeights,
    Priority,
    Problem,
    TimeWindow,
    Visit,
    Worker,
)
from scheduler.travel import straight_line_matrices


def parse_time(value: int | str) -> int:
    """Seconds since midnight from an int or an "HH:MM" / "HH:MM:SS" string."""
    if isinstance(value, int):
        return value
    parts = [int(p) for p in value.split(":")]
    return parts[0] * 3600 + parts[1] * 60 + (parts[2] if len(parts) > 2 else 0)


def _window(pair: list[int | str]) -> TimeWindow:
    return TimeWindow(parse_time(pair[0]), parse_time(pair[1]))


def worker_from_dict(d: dict[str, Any]) -> Worker:
    """A Worker from its JSON object."""
    lunch = d.get("lunch")
    return Worker(
        id=str(d["id"]),
        start_location=d["start_location"],
        end_location=d.get("end_location", d["start_location"]),
        shift=_window(d["shift"]),
        lunch=Break(_window(lunch["window"]), lunch["duration"]) if lunch else None,
        skills=frozenset(d.get("skills", ())),
        max_visits=d.get("max_visits"),
        capacity=d.get("capacity"),
        fixed_cost=d.get("fixed_cost", 0.0),
    )


def visit_from_dict(d: dict[str, Any]) -> Visit:
    """A Visit from its JSON object."""
    return Visit(
        id=str(d["id"]),
        location=d["location"],
        windows=tuple(_window(w) for w in d["windows"]),
        service=d["service"],
        priority=Priority(d.get("priority", "due")),
        skills=frozenset(d.get("skills", ())),
        preferred_worker=d.get("preferred_worker"),
        pinned_worker=d.get("pinned_worker"),
        pinned_position=d.get("pinned_position"),
        load=d.get("load", 0),
        workers_needed=d.get("workers_needed", 1),
        partner_skills=frozenset(d.get("partner_skills", ())),
        sync_tolerance=d.get("sync_tolerance", SYNC_TOLERANCE),
    )


def problem_from_dict(d: dict[str, Any]) -> Problem:
    """A Problem from the JSON format (matrices given, or estimated from points)."""
    if "durations" in d:
        durations, distances = d["durations"], d.get("distances", d["durations"])
    else:
        points = [tuple(p) for p in d["points"]]
        durations, distances = straight_line_matrices(points, mode=d.get("travel_mode", "e_bike"))
    return Problem(
        workers=[worker_from_dict(w) for w in d["workers"]],
        visits=[visit_from_dict(v) for v in d["visits"]],
        durations=durations,
        distances=distances,
        weights=CostWeights(**d.get("weights", {})),
    )


def problem_to_dict(problem: Problem) -> dict[str, Any]:
    """The JSON form of a Problem (times as seconds), the inverse of `problem_from_dict`."""

    def window(tw: TimeWindow) -> list[int]:
        return [tw.start, tw.end]

    workers = [
        {
            "id": w.id,
            "start_location": w.start_location,
            "end_location": w.end_location,
            "shift": window(w.shift),
            "lunch": {"window": window(w.lunch.window), "duration": w.lunch.duration}
            if w.lunch
            else None,
            "skills": sorted(w.skills),
            "max_visits": w.max_visits,
            "capacity": w.capacity,
            "fixed_cost": w.fixed_cost,
        }
        for w in problem.workers
    ]
    visits = [
        {
            "id": v.id,
            "location": v.location,
            "windows": [window(tw) for tw in v.windows],
            "service": v.service,
            "priority": v.priority.value,
            "skills": sorted(v.skills),
            "preferred_worker": v.preferred_worker,
            "pinned_worker": v.pinned_worker,
            "pinned_position": v.pinned_position,
            "load": v.load,
            "workers_needed": v.workers_needed,
            "partner_skills": sorted(v.partner_skills),
            "sync_tolerance": v.sync_tolerance,
        }
        for v in problem.visits
    ]
    return {
        "workers": workers,
        "visits": visits,
        "durations": problem.durations,
        "distances": problem.distances,
        "weights": vars(problem.weights).copy(),
    }
