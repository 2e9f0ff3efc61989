"""Exact timing of visit orders on the instance's integer lists, and the bounds insertions use.

The same rules as `scheduler.schedule.time_route` (the oracle, which this never calls):
earliest starts dominate with waiting allowed, and lunch is tried in every leg it could go.
On top of the yes/no `feasible`, the free times before each leg and the latest starts at
each stop (without lunch, and with lunch taken or still to take) make an insertion's test
O(1) a place (`recreate.places`); each can be grown from a route's times before the insertion.
"""

from __future__ import annotations

from scheduler.search.instance import Instance

INFINITY = float("inf")


class Timer:
    """Exact feasibility of a visit order for one worker, on the instance's lists."""

    def __init__(self, instance: Instance) -> None:
        self.instance = instance
        # The instance's lists under short names: the methods below are the hot loops.
        self.workers, self.durations = instance.workers, instance.durations
        self.location, self.service, self.load = instance.location, instance.service, instance.load
        self.windows, self.single = instance.windows, instance.single

    def feasible(self, k: int, order: list[int]) -> bool:
        """True when worker k can serve `order` (visit indices) within every hard rule."""
        worker = self.workers[k]
        if worker.max_visits is not None and len(order) > worker.max_visits:
            return False
        if worker.capacity is not None and sum(self.load[i] for i in order) > worker.capacity:
            return False
        lunch = worker.lunch
        if lunch is None:
            return self._forward(k, order, 0, worker.start_location, worker.shift.start, None)
        ws, we, duration = lunch.window.start, lunch.window.end, lunch.duration
        # Lunch-free prefix: when the worker is free before each leg, while it stays feasible.
        free = self.earliest_frees(k, order)
        durations, locations = self.durations, self.location
        if len(free) == len(order) + 1:
            at = free[-1]
            location = locations[order[-1]] if order else worker.start_location
            back = at + durations[location][worker.end_location]
            after = max(back, ws)
            if back <= worker.shift.end and after <= we and after + duration <= worker.shift.end:
                return True
        # Lunch in leg j (the trip into stop j, or home): the last leg free by the window's
        # start dominates every earlier one; later legs are tried one by one.
        legs = [j for j, f in enumerate(free) if f <= we]
        early = [j for j in legs if free[j] <= ws]
        tried = ([early[-1]] if early else []) + [j for j in legs if free[j] > ws]
        for j in tried:
            origin = worker.start_location if j == 0 else locations[order[j - 1]]
            if self._forward(k, order, j, origin, free[j], (max(free[j], ws), duration)):
                return True
        return False

    def earliest_frees(
        self, k: int, order: list[int], grown: tuple[int, list[int]] | None = None
    ) -> list[int]:
        """When worker k is free before each leg without lunch, up to the first late stop.

        `grown` (p, frees of `order` without its visit p) spares the work before p and,
        once a stop is free when it was before, after it (an insertion's delay dies out at
        the first wait long enough to absorb it).
        """
        worker = self.workers[k]
        durations, locations, single = self.durations, self.location, self.single
        first, old = grown if grown is not None and len(grown[1]) == len(order) else (0, None)
        if old is None:
            frees = [worker.shift.start]
            location, at, settle = worker.start_location, worker.shift.start, len(order)
        else:
            frees = old[: first + 1]
            location = worker.start_location if first == 0 else locations[order[first - 1]]
            at, settle = frees[first], first + 1
        for j in range(first, len(order)):
            i = order[j]
            arrival = at + durations[location][locations[i]]
            window = single[i]
            if window is None:
                start = earliest(self.windows[i], arrival)
                if start is None:
                    break
            elif arrival > window[1]:
                break
            else:
                start = arrival if arrival > window[0] else window[0]
            location, at = locations[i], start + self.service[i]
            frees.append(at)
            if j >= settle and old is not None and at == old[j]:
                frees += old[j + 1 :]
                break
        return frees

    def latest_starts(
        self, k: int, order: list[int], grown: tuple[int, list[float]] | None = None
    ) -> list[float]:
        """Latest start at each stop (and return home last) that keeps the rest feasible,
        without lunch; -inf where none does. `grown` as in `earliest_frees`, backwards."""
        worker = self.workers[k]
        durations, locations, service, single = (
            self.durations,
            self.location,
            self.service,
            self.single,
        )
        n = len(order)
        if grown is None:
            first, old = n - 1, None
            latest: list[float] = [0.0] * n + [worker.shift.end]
        else:
            first, old = grown
            latest = [0.0] * (first + 1) + old[first:]
        bound_next = latest[first + 1]
        after = worker.end_location if first + 1 == n else locations[order[first + 1]]
        for j in range(first, -1, -1):
            i = order[j]
            here = locations[i]
            bound = bound_next - service[i] - durations[here][after]
            window = single[i]
            if window is None:
                fit = self._latest_start(i, bound)
            elif window[0] > bound:
                fit = float("-inf")
            else:
                fit = window[1] if window[1] < bound else bound
            if old is not None and j < first and fit == old[j]:
                latest[: j + 1] = old[: j + 1]
                break
            latest[j] = fit
            bound_next, after = fit, here
        return latest

    def start_at(self, i: int, ready: float) -> float | None:
        """The earliest start of visit i at or after `ready` (inf: never ready), or None."""
        if ready == INFINITY:
            return None
        window = self.single[i]
        if window is None:
            return earliest(self.windows[i], int(ready))
        if ready > window[1]:
            return None
        return ready if ready > window[0] else window[0]

    def _latest_start(self, i: int, bound: float) -> float:
        """The latest start of visit i inside its windows and no later than `bound`, or -inf."""
        window = self.single[i]
        if window is not None:
            return float("-inf") if window[0] > bound else min(window[1], bound)
        fits = [min(end, bound) for start, end in self.windows[i] if start <= bound]
        return max(fits) if fits else float("-inf")

    def lunched_frees(
        self,
        k: int,
        order: list[int],
        frees: list[int],
        grown: tuple[int, list[float], list[int]] | None = None,
    ) -> list[float]:
        """When worker k is free before each leg with lunch already taken in an earlier leg
        (inf where it cannot be), given the lunch-free `frees` of the same order; `grown`
        (p, these times and the frees of `order` without its visit p) as in `earliest_frees`.

        Lunch in a leg leaving at f with travel t makes the worker ready at max(f + t, lunch
        window start) + its length, and needs f within the window (as `schedule.time_route`
        places it); being free earlier never hurts, so the earlier of "lunch in this leg" and
        "lunch before" is the one to carry forward.
        """
        worker = self.workers[k]
        assert worker.lunch is not None
        ws, we, length = worker.lunch.window.start, worker.lunch.window.end, worker.lunch.duration
        durations, locations = self.durations, self.location
        old: list[float] | None = None
        old_frees: list[int] = []
        if grown is None or len(grown[2]) != len(frees) - 1:
            lunched: list[float] = [INFINITY]
            at, location, first, settle = INFINITY, worker.start_location, 1, len(frees)
        else:
            p, old, old_frees = grown
            lunched = old[: p + 1]
            at, first, settle = lunched[p], p + 1, p + 2
            location = worker.start_location if p == 0 else locations[order[p - 1]]
        for j in range(first, len(frees)):
            i = order[j - 1]
            travel = durations[location][locations[i]]
            ready = at + travel
            free = frees[j - 1]
            if free <= we:
                now = (free + travel if free + travel > ws else ws) + length
                if now < ready:
                    ready = now
            start = self.start_at(i, ready)
            at = INFINITY if start is None else start + self.service[i]
            lunched.append(at)
            location = locations[i]
            # From here on both times it depends on are what they were: so is the rest.
            if (
                j >= settle
                and old is not None
                and at == old[j - 1]
                and frees[j] == old_frees[j - 1]
            ):
                lunched += old[j:]
                break
        return lunched

    def latest_lunch_starts(
        self,
        k: int,
        order: list[int],
        latest: list[float],
        grown: tuple[int, list[float], list[float]] | None = None,
    ) -> list[float]:
        """Latest start at each stop (home last: -inf) that still leaves room for lunch in a
        later leg and keeps the rest feasible, given the lunch-free `latest_starts`; `grown`
        (p, these starts and the lunch-free ones of `order` without its visit p) as in
        `latest_starts`."""
        worker = self.workers[k]
        assert worker.lunch is not None
        ws, we, length = worker.lunch.window.start, worker.lunch.window.end, worker.lunch.duration
        durations, locations = self.durations, self.location
        n = len(order)
        if grown is None:
            first, old, old_latest = n - 1, None, latest
            result = [float("-inf")] * (n + 1)
        else:
            first, old, old_latest = grown
            result = [0.0] * (first + 1) + old[first:]
        after = worker.end_location if first + 1 == n else locations[order[first + 1]]
        for p in range(first, -1, -1):
            i = order[p]
            travel = durations[locations[i]][after]
            # Leave by: lunch later, or lunch in the next leg (then it must still start in time).
            leave = result[p + 1] - travel
            if ws + length <= latest[p + 1]:
                here = latest[p + 1] - travel - length
                here = we if we < here else here
                leave = here if here > leave else leave
            result[p] = self._latest_start(i, leave - self.service[i])
            # Both starts the earlier stops depend on are what they were: so are theirs.
            if old is not None and p < first and result[p] == old[p] and latest[p] == old_latest[p]:
                result[:p] = old[:p]
                break
            after = locations[i]
        return result

    def _forward(
        self,
        k: int,
        order: list[int],
        j: int,
        location: int,
        at: int,
        lunch: tuple[int, int] | None,
    ) -> bool:
        """Serve order[j:] leaving `location` at `at`, lunch (start, length) in the first leg."""
        worker = self.workers[k]
        durations, locations, single = self.durations, self.location, self.single
        for i in order[j:]:
            arrival = at + durations[location][locations[i]]
            if lunch is not None:
                if lunch[0] < arrival:
                    arrival += lunch[1]
                arrival = max(arrival, lunch[0] + lunch[1])
                lunch = None
            window = single[i]
            if window is None:
                start = earliest(self.windows[i], arrival)
                if start is None:
                    return False
            elif arrival > window[1]:
                return False
            else:
                start = arrival if arrival > window[0] else window[0]
            location, at = locations[i], start + self.service[i]
        end = at + durations[location][worker.end_location]
        if lunch is not None:
            if lunch[0] < end:
                end += lunch[1]
            end = max(end, lunch[0] + lunch[1])
        return end <= worker.shift.end


def earliest(windows: list[tuple[int, int]], arrival: int) -> int | None:
    """The first start at or after `arrival` inside sorted windows, or None."""
    for start, end in windows:
        if arrival <= end:
            return max(arrival, start)
    return None
