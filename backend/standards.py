"""The policy's numbers (DOMAIN.md), in one place. Supervision (#7) loads them as dated data.

Nothing else in the code writes these numbers as literals: the demo seeder, the planner and
the compliance report all read them from here.
"""

from __future__ import annotations

from dataclasses import dataclass

# Population bands of the staffing and funding standards: (upper bound exclusive, value).
# "< 30,000 / 30,000–50,000 / > 50,000" in the policy; 50,000 itself falls in the middle band.
STAFF_BY_POPULATION: tuple[tuple[int | None, int], ...] = ((30_000, 3), (50_001, 4), (None, 5))
FUNDS_FEN_BY_POPULATION: tuple[tuple[int | None, int], ...] = (
    (30_000, 150_000_00), (50_001, 200_000_00), (None, 250_000_00))
SOCIAL_WORKERS_PER_TOWNSHIP = 2
COORDINATORS_PER_VILLAGE = 1
COORDINATOR_MONTHLY_ALLOWANCE_FEN = 500_00


@dataclass(frozen=True)
class Band:
    """A population band's requirement."""

    upper_exclusive: int | None
    value: int


def by_population(bands: tuple[tuple[int | None, int], ...], population: int) -> int:
    """The value of the first band whose upper bound lies above the population."""
    for upper, value in bands:
        if upper is None or population < upper:
            return value
    raise ValueError("bands must end with an open band")


def required_full_time_staff(population: int) -> int:
    """Full-time civil-affairs staff a township of this population must have."""
    return by_population(STAFF_BY_POPULATION, population)
