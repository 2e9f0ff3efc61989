"""Seeded synthetic township days: two social workers, villages around an office near
34.40 N, 113.74 E, visits with skills, windows, lunch breaks and priorities."""

from __future__ import annotations

import math
import random

from scheduler import Break, Priority, Problem, TimeWindow, Visit, Worker
from scheduler.travel import straight_line_matrices

OFFICE = (34.40, 113.74)
HOUR = 3600
KM_LAT = 1 / 111.2  # degrees of latitude per km
KM_LON = 1 / (111.2 * math.cos(math.radians(OFFICE[0])))


def township_day(visits: int, seed: int) -> Problem:
    """A day with `visits` requests spread over 8 villages within about 7 km of the office."""
    rng = random.Random(seed)
    villages = [_around(OFFICE, rng.uniform(1.5, 7.0), rng) for _ in range(8)]
    points = [OFFICE] + [
        _around(rng.choice(villages), rng.uniform(0, 0.6), rng) for _ in range(visits)
    ]
    durations, distances = straight_line_matrices(points, mode="e_bike")
    lunch = Break(TimeWindow(11 * HOUR + 1800, 12 * HOUR + 1800), HOUR)
    shift = TimeWindow(8 * HOUR + 1800, 17 * HOUR + 1800)
    workers = [
        Worker("w1", 0, 0, shift, lunch, frozenset({"counselling"})),
        Worker("w2", 0, 0, shift, lunch, frozenset({"counselling", "condolence"})),
    ]
    return Problem(workers, [_visit(i, rng) for i in range(visits)], durations, distances)


def _around(centre: tuple[float, float], km: float, rng: random.Random) -> tuple[float, float]:
    angle = rng.uniform(0, 2 * math.pi)
    return centre[0] + km * math.sin(angle) * KM_LAT, centre[1] + km * math.cos(angle) * KM_LON


def _visit(i: int, rng: random.Random) -> Visit:
    shape = rng.random()
    windows: tuple[TimeWindow, ...]
    if shape < 0.55:
        windows = (TimeWindow(8 * HOUR + 1800, 17 * HOUR),)
    elif shape < 0.75:
        windows = (TimeWindow(9 * HOUR, 11 * HOUR + 1800),)
    elif shape < 0.9:
        windows = (TimeWindow(14 * HOUR, 16 * HOUR + 1800),)
    else:  # "mornings or late afternoon" households
        windows = (TimeWindow(9 * HOUR, 10 * HOUR), TimeWindow(15 * HOUR, 16 * HOUR + 1800))
    priority = rng.choices(list(Priority), weights=[8, 15, 52, 25])[0]
    skill = rng.random()
    skills = (
        frozenset({"condolence"})
        if skill < 0.1
        else frozenset({"counselling"})
        if skill < 0.35
        else frozenset()
    )
    preferred = rng.choice(["w1", "w2"]) if rng.random() < 0.3 else None
    if "condolence" in skills:
        preferred = None
    service = rng.choice([900, 1200, 1200, 1800, 2700])
    return Visit(f"v{i + 1}", i + 1, windows, service, priority, skills, preferred)
