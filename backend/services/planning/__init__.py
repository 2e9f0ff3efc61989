"""Daily routes: gather a township's day into a scheduler problem, solve it, store and publish it.

A request (``requests``) creates a versioned ``Plan`` row (queued) and emits ``plan.requested``,
which the relay routes to the planning job (``job``): on the ``planning`` queue with Redis, right
after commit without. The job moves the row through gathering (``problem``, the one adapter to
``scheduler``) → solving → storing (``storage``), so anyone polling sees progress, then writes
the stops, the residents' arrival windows and the ``plan.published`` / ``visit.planned`` events.
``views`` reads plans, routes and the city's day back. A job that dies without recording its
failure is caught by ``recovery`` (the queue's failure report, the overrun sweep, the operators'
retry). ``week`` places a township's week of visits on days before each day is routed
(``placed`` tells the day's plan what the week decided). Callers use this package:
``planning.request_plan(...)``.
"""

from backend.services.planning.job import (
    DEFAULT_TIME_LIMIT_S,
    JOB_TIMEOUT_S,
    plan_job_id,
    run_plan,
)
from backend.services.planning.placed import iso_week
from backend.services.planning.problem import GatheredDay, gather_day, travel_matrices
from backend.services.planning.recovery import (
    OVERRUN_AFTER,
    fail_overrun_plans,
    fail_plan_job,
    rerun_plan_job,
)
from backend.services.planning.requests import (
    PLANNING_HORIZON_DAYS,
    adjust_plan,
    adjustment_refusal,
    plan_city_day,
    request_plan,
)
from backend.services.planning.storage import store_plan
from backend.services.planning.views import (
    ACTIVE_STATUSES,
    CityDay,
    CityTownship,
    arrival_window,
    city_day,
    get_plan,
    latest_published,
    list_plans,
    local_moment,
    my_route,
    navigation_url,
    plan_detail,
)
from backend.services.planning.week import (
    pin_week,
    plan_week,
    replan_week_if_changed,
    week_monday,
)
from backend.services.planning.week_views import find_week_plan, get_week_plan, week_detail

__all__ = [
    "ACTIVE_STATUSES", "DEFAULT_TIME_LIMIT_S", "JOB_TIMEOUT_S", "OVERRUN_AFTER",
    "PLANNING_HORIZON_DAYS", "CityDay", "CityTownship", "GatheredDay", "adjust_plan",
    "adjustment_refusal", "arrival_window", "city_day", "fail_overrun_plans", "fail_plan_job",
    "find_week_plan", "gather_day", "get_plan", "get_week_plan", "iso_week", "latest_published",
    "list_plans", "local_moment", "my_route", "navigation_url", "pin_week", "plan_city_day",
    "plan_detail", "plan_job_id", "plan_week", "replan_week_if_changed", "request_plan",
    "rerun_plan_job", "run_plan", "store_plan", "travel_matrices", "week_detail", "week_monday",
]
