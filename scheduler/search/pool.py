"""The routes a search priced, remembered by worker and visits served, and the best plan
recombined from them: set partitioning over the routes seen, as in Subramanian, Uchoa and
Ochi's ILS-SP (2013), here for days of a few workers.

Every route a process prices (`DayCost.route_sums`) is one the search built by feasible
insertions, so a plan that takes worker 1's route from one run and worker 2's from another,
serving no visit twice, is a plan too. On township days the misses are in which visits are
served (`benchmarks/README.md`, "Why seeds disagree"), and one run's route for one worker
often fits beside another run's for the other: the recombination finds such plans without a
round of search. Workers are recombined two at a time with the others' routes held, which
is exact for the usual two workers and a descent for more.

OR-Tools has no set-partitioning step over a route pool, and a solver model of it (CP-SAT)
costs more to build than this scan of two workers' routes takes, so the scan is ours:
vectorised over numpy arrays of visit bitmasks, in 64-visit words.
"""

from __future__ import annotations

import itertools
import time
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from scheduler.rules import COST_SCALE
from scheduler.search.instance import Routes

if TYPE_CHECKING:
    from scheduler.search.context import Context

# Distinct visit sets remembered a worker: a 4 s solve of 40 visits pools some 3 400.
POOL_LIMIT = 40_000
# Rows of one worker's routes scanned at once against all of the other's.
_BLOCK = 64


class Pooled(NamedTuple):
    """A route as the recombination prices it."""

    value: float  # travel, wishes and fixed cost, less the drop penalties it saves (units)
    work: int  # seconds travelling and serving (the balance term's)
    order: tuple[int, ...]


class RoutePool:
    """The cheapest route seen for each worker and set of visits served."""

    def __init__(self, workers: int) -> None:
        self.routes: list[dict[int, Pooled]] = [{} for _ in range(workers)]

    def add(self, k: int, mask: int, route: Pooled) -> None:
        """Remember `route` of worker k (visits `mask`) if it is the cheapest of its set."""
        known = self.routes[k]
        old = known.get(mask)
        if old is None:
            if len(known) < POOL_LIMIT:
                known[mask] = route
        elif route.value < old.value:
            known[mask] = route

    def merge(self, other: RoutePool) -> None:
        """Take in another process's routes."""
        for k, known in enumerate(other.routes):
            for mask, route in known.items():
                self.add(k, mask, route)


def recombine(ctx: Context, pool: RoutePool, routes: Routes, until: float) -> Routes | None:
    """Routes cheaper by our cost than `routes`, made of pooled routes (two workers' at a time,
    the others' held), or None when there are none or `until` (a `perf_counter`) came first.

    Only for days without visits for two or pinned stops (whose routes are not independent).
    """
    instance, day = ctx.instance, ctx.day
    workers = len(instance.workers)
    if workers < 2 or instance.pairs or instance.pinned or instance.pinned_positions:
        return None
    current = [list(order) for order in routes]
    start_cost = cost = day.cost(current)
    words = max(1, -(-instance.n // 64))
    balance = COST_SCALE * instance.weights.balance
    # A pair's scan is exact for the others' routes it held: it is scanned again only when
    # those have changed since (with two workers, once).
    scanned: dict[tuple[int, int], list[list[int]]] = {}
    improved = True
    while improved and time.perf_counter() < until:
        improved = False
        for a, b in itertools.combinations(range(workers), 2):
            held = [k for k in range(workers) if k not in (a, b)]
            if scanned.get((a, b)) == [current[k] for k in held]:
                continue
            scanned[a, b] = [current[k] for k in held]
            taken = route_mask(instance.base, [i for k in held for i in current[k]])
            floor = max((day.route_sums(k, current[k])[1] for k in held if current[k]),
                        default=0)
            pick = _best_pair(pool, a, b, taken, floor, balance, words, until)
            if pick is None:
                continue
            trial = [list(order) for order in current]
            trial[a], trial[b] = list(pick[0]), list(pick[1])
            if not all(ctx.timer.feasible(k, trial[k]) for k in (a, b) if trial[k]):
                continue
            trial_cost = day.cost(trial)
            if trial_cost < cost - 1e-6:
                current, cost, improved = trial, trial_cost, True
    return current if cost < start_cost - 1e-6 else None


def route_mask(base: list[int], order: list[int]) -> int:
    """The bitmask of the visits a route serves (`base`: the visit each index serves)."""
    mask = 0
    for i in order:
        mask |= 1 << base[i]
    return mask


class _Side(NamedTuple):
    value: np.ndarray
    work: np.ndarray
    masks: np.ndarray  # (routes, words) of uint64
    orders: list[tuple[int, ...]]


def _side(pool: RoutePool, k: int, taken: int, words: int) -> _Side:
    """Worker k's pooled routes clear of `taken`, and the empty route, cheapest first."""
    rows = sorted([(0.0, 0, 0, ()), *(
        (r.value, r.work, m, r.order) for m, r in pool.routes[k].items() if not m & taken
    )])
    ones = (1 << 64) - 1
    masks = np.array(
        [[(m >> (64 * w)) & ones for w in range(words)] for _, _, m, _ in rows], dtype=np.uint64
    )
    return _Side(
        np.array([r[0] for r in rows]), np.array([r[1] for r in rows], dtype=np.int64),
        masks, [r[3] for r in rows],
    )


def _best_pair(
    pool: RoutePool, a: int, b: int, taken: int, floor: int, balance: float, words: int,
    until: float,
) -> tuple[tuple[int, ...], tuple[int, ...]] | None:
    """The pair of pooled routes of workers a and b, serving no visit twice nor one in
    `taken`, of least value plus the balance term over their work and `floor`."""
    first, second = _side(pool, a, taken, words), _side(pool, b, taken, words)
    # The least any pair with a row from here on can cost: that row's value and balance term
    # (as if the other route worked no longer), and the other worker's cheapest value.
    alone = first.value + balance * np.maximum(first.work, floor)
    bound = np.minimum.accumulate(alone[::-1])[::-1] + float(second.value.min())
    best, pick = np.inf, None
    for top in range(0, len(first.orders), _BLOCK):
        if time.perf_counter() > until or bound[top] >= best:
            break
        rows = slice(top, top + _BLOCK)
        # The other worker's routes are cheapest first too: past this one, none can win.
        columns = slice(0, int(np.searchsorted(second.value, best - alone[rows].min())))
        if columns.stop == 0:
            continue
        clash = np.zeros((len(first.orders[rows]), columns.stop), dtype=bool)
        for w in range(words):
            clash |= (first.masks[rows, w][:, None] & second.masks[columns, w][None, :]) != 0
        work = np.maximum(
            np.maximum(first.work[rows][:, None], second.work[columns][None, :]), floor)
        total = first.value[rows][:, None] + second.value[columns][None, :] + balance * work
        total[clash] = np.inf
        flat = int(np.argmin(total))
        row, column = divmod(flat, total.shape[1])
        if total[row, column] < best:
            best = float(total[row, column])
            pick = (first.orders[top + row], second.orders[column])
    return pick
