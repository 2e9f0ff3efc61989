"""Console page latency on the demo city, beside the JSON endpoint each page draws on.

``python -m benchmarks.console [--requests N] [--database-url URL]`` seeds the demo city into a
fresh database (a temporary SQLite file unless a URL is given), plans the demo township's day as
``make demo`` does, signs a clerk, a social worker and the city admin in through the console's
login form, then requests each page and its JSON endpoint in-process through Flask's test
client: server time (rendering included) without network or browser. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import logging
import re
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient

from benchmarks.api import _measure, _StatementCounter, _token

TOKEN = re.compile(r'name="csrf_token" value="([^"]+)"')


def _console(app: Any, username: str, password: str) -> FlaskClient:
    """A test client signed in to the console through its login form."""
    client: FlaskClient = app.test_client()
    page = client.get("/console/login").get_data(as_text=True)
    token = TOKEN.search(page)
    answer = client.post("/console/login", data={
        "username": username, "password": password, "csrf_token": token.group(1) if token else ""})
    if answer.status_code != 302:
        raise RuntimeError(f"console sign-in failed for {username}: {answer.status_code}")
    return client


def _scenarios(app: Any, plan_id: int, day: str, staff: str, worker: str
               ) -> list[tuple[str, Callable[[], Any], str, Callable[[], Any]]]:
    """(page, its request, JSON endpoint, its request) for each page measured."""
    from backend import demo

    password = demo.DEMO_PASSWORD
    desk, city, phone = (_console(app, name, password)
                         for name in (staff, "city-admin", worker))
    api = app.test_client()
    clerk, admin = _token(api, staff, password), _token(api, "city-admin", password)
    sw = _token(api, worker, password)
    return [
        ("dashboard /console/desk", lambda: desk.get("/console/desk"),
         "GET /applications/queue", lambda: api.get("/api/v1/applications/queue",
                                                    headers=clerk)),
        ("work queue /console/desk/queue", lambda: desk.get("/console/desk/queue"),
         "GET /applications/queue?page_size=50",
         lambda: api.get("/api/v1/applications/queue?page_size=50", headers=clerk)),
        (f"plan page /console/plans/{plan_id}", lambda: desk.get(f"/console/plans/{plan_id}"),
         f"GET /plans/{plan_id}", lambda: api.get(f"/api/v1/plans/{plan_id}", headers=clerk)),
        ("compliance grid /console/city", lambda: city.get("/console/city"),
         "GET /supervision/compliance",
         lambda: api.get("/api/v1/supervision/compliance", headers=admin)),
        ("worker's day /console/worker", lambda: phone.get("/console/worker"),
         f"GET /me/route?date={day}",
         lambda: api.get(f"/api/v1/me/route?date={day}", headers=sw)),
    ]


def run(requests: int, database_url: str | None) -> str:
    """Seed, plan the demo day, measure every page beside its endpoint, answer the table."""
    from backend import demo, demo_routes
    from backend.db import db
    from backend.models import Plan
    from miniprogram_api import create_app

    instance = Path(tempfile.mkdtemp(prefix="bench-console-"))
    url = database_url or f"sqlite:///{instance / 'bench.db'}"
    app = create_app({"instance_path": instance, "database_url": url, "redis_url": ""})
    summary = demo.seed_demo_city(reset=bool(database_url))
    with db.connection_context():
        route = demo_routes.plan_demo_route()
        if route is None:
            raise RuntimeError("the demo township has no working day to plan this week")
        plan = Plan.select().where(Plan.status == "done").order_by(Plan.id.desc()).get()
        logins = {role: user for role, user, _ in demo.demo_logins()}
    counter = _StatementCounter()
    peewee_log = logging.getLogger("peewee")
    peewee_log.addHandler(counter)
    peewee_log.setLevel(logging.DEBUG)
    rows = [f"Demo city: {summary.townships} townships, {summary.clients} clients; plan "
            f"{plan.id} of {plan.day} ({plan.visit_count} visits); {requests} requests per "
            f"row; database {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}; "
            "server time in-process (no network, no browser).", "",
            "| console page | p50 ms | p95 ms | SQL | JSON endpoint | p50 ms | p95 ms | SQL |",
            "|---|---|---|---|---|---|---|---|"]
    for page, call_page, endpoint, call_api in _scenarios(
            app, plan.id, plan.day.isoformat(), logins["township_staff"],
            logins["social_worker"]):
        p50, p95, statements = _measure(call_page, requests, counter)
        a50, a95, a_statements = _measure(call_api, requests, counter)
        rows.append(f"| {page} | {p50:.1f} | {p95:.1f} | {statements:.0f} | {endpoint} | "
                    f"{a50:.1f} | {a95:.1f} | {a_statements:.0f} |")
    peewee_log.removeHandler(counter)
    return "\n".join(rows)


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--database-url", default=None,
                        help="measure on this (emptied!) database instead of a temporary SQLite")
    args = parser.parse_args()
    print(run(args.requests, args.database_url))


if __name__ == "__main__":
    main()
