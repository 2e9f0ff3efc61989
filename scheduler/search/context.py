"""What every step of our search works with, built once per search process."""

from __future__ import annotations

from dataclasses import dataclass

from scheduler.params import SolveParams, preset_for
from scheduler.problem import Problem
from scheduler.search.cost import DayCost
from scheduler.search.instance import Instance
from scheduler.search.timing import Timer


@dataclass(frozen=True)
class Context:
    """The instance, its exact timing, its costs (`day`, whose remembered route bounds the steps
    share) and the solve's parameters."""

    instance: Instance
    timer: Timer
    day: DayCost
    params: SolveParams

    @classmethod
    def of(cls, problem: Problem, params: SolveParams | None = None) -> Context:
        """Convert the problem once; `params` default to its preset."""
        instance = Instance(problem)
        timer = Timer(instance)
        return cls(instance, timer, DayCost(instance, timer), params or preset_for(problem))
