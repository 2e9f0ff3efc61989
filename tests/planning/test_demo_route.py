"""The demo's route of the day: the first township's next working day is planned through the
desk's own request and job, once."""

from __future__ import annotations

from backend import demo_routes
from backend.models import Plan
from backend.services.care_plans import local_today
from tests.console.routes import due_care_visit
from tests.factories import World


def test_the_demo_plans_the_first_townships_next_working_day_once(world: World) -> None:
    today = local_today()
    for key in ("a1", "a2"):
        due_care_visit(world.clients[key], today)
    route = demo_routes.plan_demo_route()
    assert route is not None and route.status == "done"
    assert route.day.weekday() < 5 and 0 <= (route.day - today).days < 3
    plan = Plan.get()
    assert (plan.township_id, plan.day, plan.status) == (world.townships["a"].id, route.day,
                                                         "done")
    assert "已排线" in route.describe()
    again = demo_routes.plan_demo_route()
    assert again is not None and again.status == "kept" and Plan.select().count() == 1
