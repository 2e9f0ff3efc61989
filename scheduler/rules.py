"""The problem's rules as the model, the search and a plan's assembly all read them: integer
cost units, what leaving a visit out costs, and who may serve it."""

from __future__ import annotations

from scheduler.problem import Problem, Visit, Worker

# Integer cost units per weight unit: weights are floats in "seconds of travel".
COST_SCALE = 100


def mandatory_penalties(problem: Problem) -> tuple[int, int]:
    """(overdue, urgent) drop penalties in cost units, above any plan's other costs together.

    Every node leaves by exactly one arc, so the sum of each node's dearest arc bounds travel;
    dropping one urgent visit then costs more than dropping every overdue one.
    """
    w = problem.weights
    dearest = max(max(row) for row in problem.durations) * w.travel_second
    dearest += max(max(row) for row in problem.distances) * w.travel_metre
    nodes = len(problem.visits) + len(problem.workers)
    horizon = max(wk.shift.end for wk in problem.workers)
    bound = (
        nodes * (dearest + w.not_preferred_worker)
        + len(problem.visits) * max(w.drop_due, w.drop_optional)
        + sum(wk.fixed_cost for wk in problem.workers)
        + horizon * w.balance
    )
    overdue = int(bound * COST_SCALE) + 1
    n_overdue = sum(v.priority.value == "overdue" for v in problem.visits)
    return overdue, overdue * (n_overdue + 1)


def drop_penalties(problem: Problem) -> dict[str, int]:
    """Cost units paid for leaving a visit out, by priority value. Pricing the mandatory ones
    reads both matrices whole, so callers pricing many visits ask once."""
    overdue, urgent = mandatory_penalties(problem)
    weights = problem.weights
    return {
        "urgent": urgent,
        "overdue": overdue,
        "due": round(weights.drop_due * COST_SCALE),
        "optional": round(weights.drop_optional * COST_SCALE),
    }


def allowed_workers(problem: Problem, visit: Visit) -> list[Worker]:
    """Workers who may serve the visit: every required skill, and the pinned one if pinned."""
    return [
        w
        for w in problem.workers
        if visit.skills <= w.skills and visit.pinned_worker in (None, w.id)
    ]


def partner_workers(problem: Problem, visit: Visit) -> list[Worker]:
    """Workers who may be the second of a visit for two: its partner skills (nobody for a
    visit one worker serves)."""
    if not visit.needs_two:
        return []
    return [w for w in problem.workers if visit.partner_skills <= w.skills]


def teams(problem: Problem, visit: Visit) -> list[tuple[Worker, Worker]]:
    """(first, second) pairs of different workers who may serve a visit for two together."""
    partners = partner_workers(problem, visit)
    return [(a, b) for a in allowed_workers(problem, visit) for b in partners if a.id != b.id]


def halves(problem: Problem) -> list[Visit]:
    """The visits as the model and the search number them: every visit in problem order,
    then the second half of each visit for two, in the same order."""
    return [*problem.visits, *(v for v in problem.visits if v.needs_two)]
