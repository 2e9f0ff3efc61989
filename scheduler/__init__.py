"""Pure route optimizer for the township social workers' home visits (OR-Tools inside).

Problem dataclasses in, a validated `Plan` out::

    plan = scheduler.solve(problem, time_limit=2.0, seed=0)
    assert plan.is_feasible()

Tuned parameters (`scheduler.params`) default to the problem's preset; the search itself is
`scheduler.search`. The package imports only OR-Tools and the standard library.
"""

from scheduler.params import SolveParams
from scheduler.plan import Dropped, DropReason, Plan, Route, Stop
from scheduler.problem import Break, CostWeights, Priority, Problem, TimeWindow, Visit, Worker
from scheduler.solver import NoPlanError, solve

__all__ = [
    "Break",
    "CostWeights",
    "DropReason",
    "Dropped",
    "NoPlanError",
    "Plan",
    "Priority",
    "Problem",
    "Route",
    "SolveParams",
    "Stop",
    "TimeWindow",
    "Visit",
    "Worker",
    "solve",
]
