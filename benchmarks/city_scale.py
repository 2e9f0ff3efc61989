"""Reads at city size: the demo city and a seeded county or city side by side, on PostgreSQL.

``python -m benchmarks.city_scale --demo-url URL --city-url URL [--requests N]`` calls each read
in-process through Flask's test client (the app's own cost, no network) as the person who
would make it, N times, and prints p50 and p99 server time and SQL statements per request for
both data sets, then ``EXPLAIN (ANALYZE, BUFFERS)`` of the slowest statement behind each read
at the larger size. An empty database is seeded first (``--scale`` for the city URL: county or
city), with the same ``INSTANCE_PATH`` (hence ``DATA_KEY``) the measurement uses.
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from typing import Any

import peewee as pw
from flask import Flask
from flask.testing import FlaskClient


@dataclass
class _Statements:
    """Every statement of the current request with its time, by wrapping ``execute_sql``."""

    rows: list[tuple[float, str, Any]] = field(default_factory=list)

    def install(self, database: Any) -> None:
        """Time each statement the database runs from now on."""
        original = database.execute_sql

        def timed(sql: str, params: Any = None, *args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return original(sql, params, *args, **kwargs)
            finally:
                self.rows.append(((time.perf_counter() - start) * 1000, sql, params))

        database.execute_sql = timed


@dataclass
class _Result:
    """One read on one data set."""

    p50: float
    p99: float
    statements: float
    slowest: tuple[float, str, Any]


def _measure(call: Callable[[], Any], requests: int, log: _Statements) -> _Result:
    call()  # warm caches and the connection
    timings, counts = [], []
    slowest: tuple[float, str, Any] = (0.0, "", None)
    for _ in range(requests):
        log.rows.clear()
        start = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - start) * 1000)
        if response.status_code >= 400:
            raise RuntimeError(f"benchmark request failed: {response.status_code} "
                               f"{response.get_data(as_text=True)[:200]}")
        counts.append(len(log.rows))
        slowest = max([slowest, *log.rows], key=lambda row: row[0])
    timings.sort()
    p99 = timings[min(len(timings) - 1, int(len(timings) * 0.99))]
    return _Result(statistics.median(timings), p99, statistics.mean(counts), slowest)


def _token(client: FlaskClient, username: str) -> dict[str, str]:
    from backend import demo

    answer = client.post("/api/v1/auth/staff",
                         json={"username": username, "password": demo.DEMO_PASSWORD})
    # no-cache: what building each answer costs, not the read cache's kept answer.
    return {"Authorization": f"Bearer {answer.json['access_token']}", "Cache-Control": "no-cache"}


def _app(url: str, scale: str, app: Flask | None) -> tuple[Flask, str]:
    """The app (made once: blueprints register once a process) on ``url``, seeding it first
    when it is empty; and a line describing the data set."""
    from backend import demo, demo_scale, runtime
    from backend.db import db, open_database
    from backend.models import City, Client, Township, Village
    from miniprogram_api import create_app

    if app is None:
        app = create_app({"database_url": url, "redis_url": ""})
    else:
        runtime.configure(replace(runtime.settings(), database_url=url))
        open_database(url)
    with db.connection_context():
        empty = not db.table_exists("city") or not City.select().exists()
    if empty:
        print(f"seeding {scale} into {url.rsplit('/', 1)[-1]} …", flush=True)
        if scale == "demo":
            demo.seed_demo_city()
        else:
            print(demo_scale.seed_scaled_city(scale).describe(), flush=True)
    with db.connection_context():
        size = db.execute_sql("SELECT pg_size_pretty(pg_database_size(current_database()))")
        line = (f"{Township.select().count()} townships, {Village.select().count()} villages, "
                f"{Client.select().count()} clients, {size.fetchone()[0]}")
    return app, line


def _scenarios(client: FlaskClient) -> list[tuple[str, int, Callable[[], Any]]]:
    """(label, share of --requests, call) for each read, as the person who makes it."""
    from backend.db import db
    from backend.models import Application, Client
    from backend.permissions import SYSTEM
    from backend.services import clients as client_service

    staff, admin = _token(client, "ts-410184001-1"), _token(client, "city-admin")
    with db.connection_context():
        # A client with a long file: the most applications in the first township.
        busiest = (Application.select(Application.client).where(
            Application.area_code.startswith("410184001"), Application.client.is_null(False))
            .group_by(Application.client).order_by(pw.fn.COUNT(Application.id).desc())
            .limit(1).scalar())
        some = Client.get_by_id(busiest)
        id_number = client_service.reveal_client_field(some.id, "id_number", "基准测试",
                                                       actor=SYSTEM)
    month = (date.today().replace(day=1) - timedelta(days=1)).strftime("%Y-%m")
    return [
        ("work queue (township)", 1, lambda: client.get("/api/v1/applications/queue",
                                                        headers=staff)),
        ("clients, page of 20 (township)", 1,
         lambda: client.get("/api/v1/clients?page_size=20", headers=staff)),
        ("clients, page of 20 (city)", 1,
         lambda: client.get("/api/v1/clients?page_size=20", headers=admin)),
        ("client search by name (city)", 1,
         lambda: client.get(f"/api/v1/clients?name={some.name}&page_size=20", headers=admin)),
        # Two characters, as clerks often type (a given name): no trigram, the pairs' index.
        ("client search by two characters (city)", 1,
         lambda: client.get(f"/api/v1/clients?name={some.name[-2:]}&page_size=20",
                            headers=admin)),
        ("client search by ID number (city)", 1,
         lambda: client.post("/api/v1/clients/search", json={"id_number": id_number},
                             headers=admin)),
        ("case file (township)", 1,
         lambda: client.get(f"/api/v1/clients/{some.id}/case-file", headers=staff)),
        ("bookings inbox (township)", 1,
         lambda: client.get("/api/v1/bookings?status=pending", headers=staff)),
        ("compliance grid (whole city)", 5,
         lambda: client.get("/api/v1/supervision/compliance", headers=admin)),
        ("monthly bulletin XLSX (whole city)", 10,
         lambda: client.get(f"/api/v1/supervision/reports/monthly?format=xlsx&period={month}",
                            headers=admin)),
    ]


def _run_on(url: str, scale: str, requests: int, app: Flask | None,
            explain: bool) -> tuple[Flask, str, dict[str, _Result], dict[str, str]]:
    """Every read on one data set; with ``explain``, the plan of each one's slowest statement."""
    from backend.db import db

    app, line = _app(url, scale, app)
    log = _Statements()
    client = app.test_client()
    scenarios = _scenarios(client)
    log.install(db.obj)
    results = {label: _measure(call, max(3, requests // divisor), log)
               for label, divisor, call in scenarios}
    plans = {}
    if explain:
        with db.connection_context():
            for label, result in results.items():
                cursor = db.execute_sql("EXPLAIN (ANALYZE, BUFFERS) " + result.slowest[1],
                                        result.slowest[2])
                plans[label] = "\n".join(row[0] for row in cursor.fetchall())
    return app, line, results, plans


def run(demo_url: str, city_url: str, scale: str, requests: int, explain_lines: int) -> str:
    """Measure both data sets, answer the Markdown report."""
    app, demo_line, small, _ = _run_on(demo_url, "demo", requests, None, explain=False)
    _, city_line, large, plans = _run_on(city_url, scale, requests, app, explain=True)
    out = [f"Demo: {demo_line}. {scale.capitalize()}: {city_line}. {requests} requests per "
           "page read (compliance /5, bulletin /10); PostgreSQL; in-process test client.", "",
           f"| read | demo p50 ms | demo p99 ms | demo SQL | {scale} p50 ms | {scale} p99 ms "
           f"| {scale} SQL | slowest statement ms ({scale}) |", "|---|---|---|---|---|---|---|---|"]
    for label, big in large.items():
        little = small[label]
        out.append(f"| {label} | {little.p50:.1f} | {little.p99:.1f} | {little.statements:.0f} "
                   f"| {big.p50:.1f} | {big.p99:.1f} | {big.statements:.0f} "
                   f"| {big.slowest[0]:.1f} |")
    for label, big in large.items():
        plan = plans[label].splitlines()
        out += ["", f"### {label}: slowest statement at {scale} size", "", "```",
                " ".join(big.slowest[1].split())[:600], *plan[:explain_lines], "```"]
    return "\n".join(out)


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--demo-url", required=True, help="PostgreSQL database of the demo city")
    parser.add_argument("--city-url", required=True, help="PostgreSQL database of the big city")
    parser.add_argument("--scale", default="city", choices=["county", "city"],
                        help="what to seed into an empty --city-url")
    parser.add_argument("--requests", type=int, default=50)
    parser.add_argument("--explain-lines", type=int, default=14)
    args = parser.parse_args()
    print(run(args.demo_url, args.city_url, args.scale, args.requests, args.explain_lines))


if __name__ == "__main__":
    main()
