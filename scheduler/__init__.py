"""Pure route optimizer for the township social workers' home visits (OR-Tools inside).

Problem dataclasses in, a validated `Plan` out::

    plan = scheduler.solve(problem, time_limit=2.0, seed=0)
    assert plan.is_feasible()

The package imports only OR-Tools and the standard library.
"""

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
    "Stop",
    "TimeWindow",
    "Visit",
    "Worker",
    "solve",
]
