"""The week's placement on instances small enough to place by hand: the lighter day, a pin
kept, a visit for two without a partner, the usual worker, a full week, our own check."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from scheduler import Priority
from scheduler.week import (
    DutyDay,
    Placement,
    UnplacedReason,
    WeekPlan,
    WeekProblem,
    WeekVisit,
    check_week,
    place_week,
)

HOUR = 3600
MONDAY = date(2026, 12, 7)
WEEK = tuple(MONDAY + timedelta(days=n) for n in range(7))
WORKDAYS = WEEK[:5]


def duties(workers: tuple[str, ...] = ("w1", "w2"), days: tuple[date, ...] = WORKDAYS,
           hours: int = 8, skills: frozenset[str] = frozenset()) -> list[DutyDay]:
    """Every worker on duty every day given, with the same hours."""
    return [DutyDay(w, d, hours * HOUR, skills) for w in workers for d in days]


def booking(n: int, day: date, hours: float = 1) -> WeekVisit:
    """An approved booking: fixed to its date, never to be left out."""
    return WeekVisit(f"booking:{n}", day, day, int(hours * HOUR), Priority.URGENT, fixed_day=day)


def care(n: int, earliest: date = WEEK[0], latest: date = WEEK[4], **kwargs: object
         ) -> WeekVisit:
    """A care visit of half an hour due inside [earliest, latest]."""
    return WeekVisit(f"care:{n}", earliest, latest, 30 * 60, **kwargs)  # type: ignore[arg-type]


def placed(problem: WeekProblem) -> WeekPlan:
    """The problem's placement, checked by our own rules first."""
    week = place_week(problem, time_limit=5.0, seed=0)
    assert check_week(problem, week) == []
    return week


def test_a_care_visit_whose_window_spans_two_days_goes_on_the_lighter_one() -> None:
    # One worker, Tuesday and Wednesday: Tuesday holds three hours of bookings, Wednesday one.
    days = WEEK[1:3]
    problem = WeekProblem(days=WEEK, duties=duties(("w1",), days),
                          visits=[booking(1, days[0], 3), booking(2, days[1], 1),
                                  care(1, days[0], days[1] + timedelta(days=10))])
    week = placed(problem)
    assert week.placement("care:1") == Placement("care:1", days[1], ("w1",))
    assert week.placement("booking:1").day == days[0]  # type: ignore[union-attr]


def test_a_two_week_window_fills_the_empty_days_of_a_lopsided_week() -> None:
    # Monday is full of bookings for both workers; six care visits may go on any weekday.
    bookings = [booking(n, WEEK[0], 1.5) for n in range(4)]
    cares = [care(n, WEEK[0], WEEK[0] + timedelta(days=13)) for n in range(6)]
    week = placed(WeekProblem(days=WEEK, duties=duties(), visits=bookings + cares))
    assert not week.unplaced
    assert all(week.placement(c.id).day != WEEK[0] for c in cares)  # type: ignore[union-attr]


def test_a_pinned_day_is_kept_though_another_day_is_lighter() -> None:
    days = WEEK[1:3]
    pinned = replace(care(1, days[0], days[1]), fixed_day=days[0])
    problem = WeekProblem(days=WEEK, duties=duties(("w1",), days),
                          visits=[booking(1, days[0], 3), pinned])
    assert placed(problem).placement("care:1").day == days[0]  # type: ignore[union-attr]


def test_a_pin_on_a_day_nobody_is_on_duty_leaves_the_visit_out_with_its_reason() -> None:
    pinned = replace(care(1, WEEK[0], WEEK[6]), fixed_day=WEEK[5])  # a Saturday
    week = placed(WeekProblem(days=WEEK, duties=duties(), visits=[pinned]))
    assert [(u.visit_id, u.reason) for u in week.unplaced] == [
        ("care:1", UnplacedReason.NO_DAY_IN_WINDOW)]


def test_a_visit_for_two_is_left_out_with_its_reason_when_one_worker_is_on_duty() -> None:
    two = care(1, WEEK[0], WEEK[1], workers_needed=2)
    problem = WeekProblem(days=WEEK, duties=[DutyDay("w1", WEEK[0], 8 * HOUR),
                                             DutyDay("w2", WEEK[1], 8 * HOUR)],
                          visits=[two, care(2)])
    week = placed(problem)
    assert [(u.visit_id, u.reason) for u in week.unplaced] == [
        ("care:1", UnplacedReason.NO_PARTNER)]
    assert week.placement("care:2") is not None


def test_a_visit_for_two_goes_on_the_day_both_are_on_duty_with_the_counsellor_leading() -> None:
    counsellor = frozenset({"counselling"})
    two = care(1, workers_needed=2, skills=counsellor)
    problem = WeekProblem(days=WEEK, duties=[
        DutyDay("w1", WEEK[0], 8 * HOUR), DutyDay("w2", WEEK[0], 8 * HOUR, counsellor),
        DutyDay("w1", WEEK[1], 8 * HOUR)], visits=[two])
    week = placed(problem)
    assert week.placement("care:1") == Placement("care:1", WEEK[0], ("w2", "w1"))
    assert week.loads["w1", WEEK[0]] == week.loads["w2", WEEK[0]] > 0


def test_each_client_keeps_their_usual_worker_when_the_days_stay_even() -> None:
    cares = [care(n, usual_worker="w1" if n % 2 else "w2") for n in range(10)]
    week = placed(WeekProblem(days=WEEK, duties=duties(), visits=cares))
    assert all(week.placement(c.id).workers == (c.usual_worker,)  # type: ignore[union-attr]
               for c in cares)


def test_a_visit_no_one_on_duty_can_serve_is_left_out_as_lacking_the_skill() -> None:
    visit = care(1, skills=frozenset({"counselling"}))
    week = placed(WeekProblem(days=WEEK, duties=duties(), visits=[visit]))
    assert week.unplaced[0].reason == UnplacedReason.NO_WORKER_HAS_SKILL


def test_a_full_week_leaves_out_what_can_wait_for_next_week_before_what_cannot() -> None:
    # One worker, one hour on one day: room for one visit of 30 + 20 minutes.
    later = care(1, WEEK[0], WEEK[0] + timedelta(days=10))
    now = care(2, WEEK[0], WEEK[4])
    problem = WeekProblem(days=WEEK, duties=duties(("w1",), WEEK[:1], hours=1),
                          visits=[later, now])
    week = placed(problem)
    assert week.placement("care:2") is not None
    assert [(u.visit_id, u.reason) for u in week.unplaced] == [
        ("care:1", UnplacedReason.NEXT_WEEK)]


def test_a_visit_whose_window_ends_this_week_is_left_out_for_want_of_time() -> None:
    cares = [care(n, WEEK[0], WEEK[0]) for n in range(3)]
    week = placed(WeekProblem(days=WEEK, duties=duties(("w1",), WEEK[:1], hours=2),
                              visits=cares))
    assert len(week.placements) == 2
    assert [u.reason for u in week.unplaced] == [UnplacedReason.NO_TIME_LEFT]


def test_the_placement_is_the_same_for_the_same_seed() -> None:
    cares = [care(n, WEEK[n % 3], WEEK[4]) for n in range(30)]
    problem = WeekProblem(days=WEEK, duties=duties(), visits=cares)
    first, second = place_week(problem, seed=3), place_week(problem, seed=3)
    assert first.placements == second.placements


@pytest.mark.parametrize("broken, says", [
    (Placement("care:1", WEEK[5], ("w1",)), "outside its window"),
    (Placement("care:1", WEEK[0], ("w1", "w1")), "different workers"),
    (Placement("care:1", WEEK[0], ("w3",)), "off duty"),
])
def test_our_check_rejects_a_placement_that_breaks_a_rule(broken: Placement, says: str) -> None:
    problem = WeekProblem(days=WEEK, duties=duties(), visits=[care(1)])
    week = WeekPlan(placements=[broken], unplaced=[], loads={}, optimal=True, objective=0,
                    solve_seconds=0.0)
    assert any(says in line for line in check_week(problem, week))


def test_our_check_rejects_a_worker_day_over_its_hours() -> None:
    problem = WeekProblem(days=WEEK, duties=duties(hours=1), visits=[care(1), care(2)])
    week = WeekPlan(placements=[Placement("care:1", WEEK[0], ("w1",)),
                                Placement("care:2", WEEK[0], ("w1",))],
                    unplaced=[], loads={}, optimal=True, objective=0, solve_seconds=0.0)
    assert any("min of work" in line for line in check_week(problem, week))


def test_a_kept_placement_keeps_its_day_and_its_worker_while_they_are_on_duty() -> None:
    kept = replace(care(1), fixed_day=WEEK[2], kept_workers=("w2",), usual_worker="w1")
    week = placed(WeekProblem(days=WEEK, duties=duties(), visits=[kept]))
    assert week.placement("care:1") == Placement("care:1", WEEK[2], ("w2",))
    off = WeekProblem(days=WEEK, duties=[d for d in duties() if d.worker_id == "w1"],
                      visits=[kept])
    assert placed(off).placement("care:1") == Placement("care:1", WEEK[2], ("w1",))
