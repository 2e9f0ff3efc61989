"""A week's placement: which day of the week (inside each visit's window) and which worker(s)
serve each visit, before each day is routed on its own (``scheduler.solve``).

The model is an assignment on OR-Tools CP-SAT: a visit goes on at most one day, to one worker
(or two, for a visit for two) on duty that day who holds the skills; each worker-day holds at
most its working time. The objective, lexicographic by its weights, leaves out as little as it
can (bookings and visits whose window ends this week first), then evens out the load of every
worker-day in proportion to its hours and keeps each client's usual worker::

    week = place_week(problem, time_limit=2.0, seed=0)
    assert not check_week(problem, week)

Travel is not routed here: each visit carries a fixed allowance for getting there
(``WeekWeights.travel_allowance_s``), the day's routing then does the real sums.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum

from ortools.sat.python import cp_model

from scheduler.problem import Priority

_MINUTE = 60


class UnplacedReason(StrEnum):
    """Why a visit was given no day this week."""

    NO_DAY_IN_WINDOW = "no_day_in_window"  # nobody is on duty on a day of its window
    NO_WORKER_HAS_SKILL = "no_worker_has_skill"  # on-duty workers lack its skills
    NO_PARTNER = "no_partner"  # needs two workers, at most one fits on each day
    NO_TIME_LEFT = "no_time_left"  # the days it may go on are full
    NEXT_WEEK = "next_week"  # this week is full and its window runs on into the next


@dataclass(frozen=True)
class DutyDay:
    """One worker on duty one day: hours available for visits (shift minus lunch), skills."""

    worker_id: str
    day: date
    capacity_s: int
    skills: frozenset[str] = frozenset()


@dataclass(frozen=True)
class WeekVisit:
    """A visit to place: its window of days, time on site, who may serve it.

    `fixed_day` is a hard rule (a booking's promised date, staff's pin, a placement kept from
    the previous version), and so are `kept_workers` while they are on duty that day (a kept
    placement keeps its people); `usual_worker` is a soft wish. A visit for two
    (`workers_needed` 2) needs one worker with `skills` and another with `partner_skills`.
    """

    id: str
    earliest: date
    latest: date
    service_s: int
    priority: Priority = Priority.DUE
    skills: frozenset[str] = frozenset()
    workers_needed: int = 1
    partner_skills: frozenset[str] = frozenset()
    usual_worker: str | None = None
    fixed_day: date | None = None
    kept_workers: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.latest < self.earliest:
            raise ValueError(f"visit {self.id}'s window ends before it starts")
        if self.workers_needed not in (1, 2) or self.service_s < 0:
            raise ValueError(f"visit {self.id} needs 1 or 2 workers and a service time ≥ 0")

    def may_go_on(self, day: date) -> bool:
        """True when the visit's window (and its fixed day, if any) allows this day."""
        if self.fixed_day is not None and day != self.fixed_day:
            return False
        return self.earliest <= day <= self.latest


@dataclass(frozen=True)
class WeekWeights:
    """The objective's weights, in minutes of a worker's time so the parts compare."""

    travel_allowance_s: int = 20 * _MINUTE
    leave_out: dict[Priority, int] = field(default_factory=lambda: {
        Priority.URGENT: 100_000, Priority.OVERDUE: 50_000, Priority.DUE: 20_000,
        Priority.OPTIONAL: 2_000})
    not_usual_worker: int = 30
    # Per minute of a worker-day's load away from its share of the week's work.
    balance: int = 1


@dataclass
class WeekProblem:
    """The week's days, who is on duty when, and the visits to place."""

    days: tuple[date, ...]
    duties: list[DutyDay]
    visits: list[WeekVisit]
    weights: WeekWeights = field(default_factory=WeekWeights)

    def __post_init__(self) -> None:
        seen = {(d.worker_id, d.day) for d in self.duties}
        if len(seen) != len(self.duties):
            raise ValueError("a worker is on duty at most once a day")
        if any(d.day not in self.days for d in self.duties):
            raise ValueError("a duty day lies outside the week")
        if len({v.id for v in self.visits}) != len(self.visits):
            raise ValueError("visit ids must be unique")

    def load_s(self, visit: WeekVisit) -> int:
        """What serving the visit takes from each of its workers' day."""
        return visit.service_s + self.weights.travel_allowance_s

    def load_minutes(self, visit: WeekVisit) -> int:
        """The load in whole minutes, rounded up (the model counts minutes)."""
        return -(-self.load_s(visit) // _MINUTE)


@dataclass(frozen=True)
class Placement:
    """A visit placed on a day: its worker first, then the partner of a visit for two."""

    visit_id: str
    day: date
    workers: tuple[str, ...]


@dataclass(frozen=True)
class Unplaced:
    """A visit given no day this week, and why."""

    visit_id: str
    reason: UnplacedReason


@dataclass
class WeekPlan:
    """The placement: visits on days, the ones left out, each worker-day's load."""

    placements: list[Placement]
    unplaced: list[Unplaced]
    loads: dict[tuple[str, date], int]  # seconds of service and travel allowance
    optimal: bool
    objective: int
    solve_seconds: float

    def placement(self, visit_id: str) -> Placement | None:
        """Where the visit went, or None when it was left out."""
        return next((p for p in self.placements if p.visit_id == visit_id), None)

    def summary(self) -> str:
        """One line for logs: placed, left out, the heaviest worker-day."""
        heaviest = max(self.loads.values(), default=0) // _MINUTE
        return (f"placed {len(self.placements)}, left out {len(self.unplaced)}, "
                f"heaviest day {heaviest} min, {'optimal' if self.optimal else 'feasible'}")


def place_week(problem: WeekProblem, *, time_limit: float = 2.0, seed: int = 0,
               workers: int = 1) -> WeekPlan:
    """Place the week's visits on days and workers; CP-SAT with a time limit and a seed.

    One search worker (the default) makes the answer repeatable for a seed.
    """
    started = time.perf_counter()
    model = cp_model.CpModel()
    choices = _choices(problem, model)
    _link(problem, model, choices)
    objective = _objective(problem, model, choices)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.random_seed = seed
    solver.parameters.num_search_workers = workers
    status = solver.solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        # Leaving everything out is always feasible, so this is only a time limit too short.
        raise TimeoutError("the week's placement found no solution in its time limit")
    return _read(problem, solver, choices, objective, status == cp_model.OPTIMAL,
                 time.perf_counter() - started)


@dataclass
class _Choices:
    """The model's variables: a visit on a day, its lead and partner per worker-day."""

    on_day: dict[tuple[str, date], cp_model.IntVar] = field(default_factory=dict)
    lead: dict[tuple[str, str, date], cp_model.IntVar] = field(default_factory=dict)
    partner: dict[tuple[str, str, date], cp_model.IntVar] = field(default_factory=dict)

    def serving(self, worker_id: str, day: date) -> Iterable[tuple[str, cp_model.IntVar]]:
        """(visit id, variable) for every way this worker-day could serve a visit."""
        for (visit_id, w, d), var in (*self.lead.items(), *self.partner.items()):
            if w == worker_id and d == day:
                yield visit_id, var

    def days_of(self, visit_id: str) -> list[tuple[date, cp_model.IntVar]]:
        """(day, variable) for every day the visit may go on."""
        return [(d, var) for (vid, d), var in self.on_day.items() if vid == visit_id]

    def roles(self, visit_id: str, day: date | None = None
              ) -> list[tuple[str, str, cp_model.IntVar]]:
        """(role, worker id, variable) of the visit's leads and partners (on the day, if given)."""
        found = []
        for role, table in (("lead", self.lead), ("partner", self.partner)):
            found += [(role, w, var) for (vid, w, d), var in table.items()
                      if vid == visit_id and (day is None or d == day)]
        return found


def _choices(problem: WeekProblem, model: cp_model.CpModel) -> _Choices:
    choices = _Choices()
    for visit in problem.visits:
        if unplaceable(problem, visit) is not None:
            continue
        kept = _kept_on_duty(problem, visit)
        for duty in problem.duties:
            if not visit.may_go_on(duty.day) or (kept and duty.worker_id not in kept):
                continue
            key = (visit.id, duty.worker_id, duty.day)
            if visit.skills <= duty.skills:
                choices.lead[key] = model.new_bool_var(f"lead_{key}")
            if visit.workers_needed == 2 and visit.partner_skills <= duty.skills:
                choices.partner[key] = model.new_bool_var(f"partner_{key}")
            if (visit.id, duty.day) not in choices.on_day and (
                    key in choices.lead or key in choices.partner):
                choices.on_day[visit.id, duty.day] = model.new_bool_var(f"on_{visit.id}_{duty.day}")
    return choices


def _kept_on_duty(problem: WeekProblem, visit: WeekVisit) -> frozenset[str]:
    """The workers a kept placement holds the visit to, when they are all still on duty on
    its day; empty (any worker) otherwise."""
    kept = frozenset(visit.kept_workers)
    on_duty = {d.worker_id for d in problem.duties if d.day == visit.fixed_day}
    return kept if kept and kept <= on_duty else frozenset()


def _link(problem: WeekProblem, model: cp_model.CpModel, choices: _Choices) -> None:
    """One day at most per visit, its workers on that day, each worker-day within its hours."""
    for visit in problem.visits:
        days = choices.days_of(visit.id)
        model.add(sum(var for _, var in days) <= 1)
        for day, on in days:
            roles = choices.roles(visit.id, day)
            model.add(sum(var for role, _, var in roles if role == "lead") == on)
            if visit.workers_needed == 2:
                model.add(sum(var for role, _, var in roles if role == "partner") == on)
                for worker_id in {w for _, w, _ in roles}:
                    # Two different people: one worker holds at most one of the two roles.
                    model.add(sum(var for _, w, var in roles if w == worker_id) <= 1)
    visits = {v.id: v for v in problem.visits}
    for duty in problem.duties:
        served = list(choices.serving(duty.worker_id, duty.day))
        if served:
            model.add(sum(problem.load_minutes(visits[vid]) * var for vid, var in served)
                      <= duty.capacity_s // _MINUTE)


def _objective(problem: WeekProblem, model: cp_model.CpModel,
               choices: _Choices) -> cp_model.LinearExpr:
    weights = problem.weights
    visits = {v.id: v for v in problem.visits}
    capacity = sum(d.capacity_s // _MINUTE for d in problem.duties) or 1
    terms: list[cp_model.LinearExprT] = []
    for visit in problem.visits:
        placed = sum(var for _, var in choices.days_of(visit.id))
        terms.append(weights.leave_out[visit.priority] * (1 - placed))
        roles = choices.roles(visit.id)
        if visit.usual_worker is not None:
            # Paid once when the visit is placed without its usual worker in either role.
            usual = sum(var for _, w, var in roles if w == visit.usual_worker)
            terms.append(weights.not_usual_worker * (placed - usual))
    # Each worker-day's share of the week's work, in proportion to its hours: a constant, so
    # the deviations stay small integers (a share taken from the placed total made the
    # products of two variables' bounds and left CP-SAT without a solution in its first 0.2 s).
    work = sum(problem.load_minutes(v) * v.workers_needed for v in problem.visits
               if unplaceable(problem, v) is None)
    for duty in problem.duties:
        load = sum(problem.load_minutes(visits[vid]) * var
                   for vid, var in choices.serving(duty.worker_id, duty.day))
        share = min(duty.capacity_s // _MINUTE, round(work * duty.capacity_s / _MINUTE / capacity))
        gap = model.new_int_var(0, duty.capacity_s // _MINUTE, f"gap_{duty.worker_id}_{duty.day}")
        model.add(gap >= load - share)
        model.add(gap >= share - load)
        terms.append(weights.balance * gap)
    objective = cp_model.LinearExpr.sum(terms)
    model.minimize(objective)
    return objective


def _read(problem: WeekProblem, solver: cp_model.CpSolver, choices: _Choices,
          objective: cp_model.LinearExpr, optimal: bool, seconds: float) -> WeekPlan:
    placements, unplaced = [], []
    loads = {(d.worker_id, d.day): 0 for d in problem.duties}
    for visit in problem.visits:
        day = next((d for (vid, d), var in choices.on_day.items()
                    if vid == visit.id and solver.boolean_value(var)), None)
        if day is None:
            unplaced.append(Unplaced(visit.id, unplaceable(problem, visit) or _full(problem,
                                                                                    visit)))
            continue
        chosen = [(role, w) for role, w, var in choices.roles(visit.id, day)
                  if solver.boolean_value(var)]
        workers = [w for role, w in chosen if role == "lead"] + [
            w for role, w in chosen if role == "partner"]
        placements.append(Placement(visit.id, day, tuple(workers)))
        for worker_id in workers:
            loads[worker_id, day] += problem.load_s(visit)
    return WeekPlan(placements=placements, unplaced=unplaced, loads=loads, optimal=optimal,
                    objective=int(solver.value(objective)), solve_seconds=round(seconds, 3))


def _full(problem: WeekProblem, visit: WeekVisit) -> UnplacedReason:
    if visit.latest > problem.days[-1] and not visit.priority.mandatory:
        return UnplacedReason.NEXT_WEEK
    return UnplacedReason.NO_TIME_LEFT


def unplaceable(problem: WeekProblem, visit: WeekVisit) -> UnplacedReason | None:
    """Why no day of the week could ever take this visit, whatever else is placed; None when
    some day could."""
    duties = [d for d in problem.duties if visit.may_go_on(d.day)]
    if not duties:
        return UnplacedReason.NO_DAY_IN_WINDOW
    if not any(visit.skills <= d.skills for d in duties):
        return UnplacedReason.NO_WORKER_HAS_SKILL
    if visit.workers_needed == 2 and not any(_pair_on(visit, duties, day) for day in problem.days):
        return UnplacedReason.NO_PARTNER
    if all(problem.load_minutes(visit) > d.capacity_s // _MINUTE for d in duties):
        return UnplacedReason.NO_TIME_LEFT
    return None


def _pair_on(visit: WeekVisit, duties: list[DutyDay], day: date) -> bool:
    """True when two different workers on duty that day can serve the visit together."""
    today = [d for d in duties if d.day == day]
    return any(lead.worker_id != other.worker_id and visit.skills <= lead.skills
               and visit.partner_skills <= other.skills for lead in today for other in today)


def check_week(problem: WeekProblem, plan: WeekPlan) -> list[str]:
    """Every way the plan breaks the problem's rules, in words; empty when it keeps them all.

    Our own check, independent of CP-SAT: windows and fixed days, duty, skills, two different
    workers for a visit for two, each worker-day's hours, every visit accounted for once.
    """
    duties = {(d.worker_id, d.day): d for d in problem.duties}
    visits = {v.id: v for v in problem.visits}
    broken = []
    seen = [p.visit_id for p in plan.placements] + [u.visit_id for u in plan.unplaced]
    if sorted(seen) != sorted(visits):
        broken.append("not every visit is placed or left out exactly once")
    minutes: dict[tuple[str, date], int] = {}
    for p in plan.placements:
        visit = visits[p.visit_id]
        if not visit.may_go_on(p.day):
            broken.append(f"{p.visit_id} is on {p.day}, outside its window or fixed day")
        if len(p.workers) != visit.workers_needed or len(set(p.workers)) != len(p.workers):
            broken.append(f"{p.visit_id} needs {visit.workers_needed} different workers")
        for i, worker_id in enumerate(p.workers):
            duty = duties.get((worker_id, p.day))
            needed = visit.skills if i == 0 else visit.partner_skills
            if duty is None or not needed <= duty.skills:
                broken.append(f"{p.visit_id}: {worker_id} is off duty or lacks skills on {p.day}")
            minutes[worker_id, p.day] = (minutes.get((worker_id, p.day), 0)
                                         + problem.load_minutes(visit))
    for key, load in minutes.items():
        duty = duties.get(key)
        if duty is not None and load > duty.capacity_s // _MINUTE:
            broken.append(f"{key[0]} on {key[1]} has {load} min of work for "
                          f"{duty.capacity_s // _MINUTE} min")
    return broken
