"""API latency on the demo city: p50/p95 per request and SQL statements per request.

``python -m benchmarks.api [--requests N] [--database-url URL]`` seeds the demo city into a
fresh database (a temporary SQLite file unless a URL is given), then calls each endpoint
in-process through Flask's test client, so the figures are the app's own cost without network
or server overhead. Prints a Markdown table.
"""

from __future__ import annotations

import argparse
import logging
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

from flask.testing import FlaskClient


class _StatementCounter(logging.Handler):
    """Counts the SQL statements peewee logs."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.count = 0

    def emit(self, record: logging.LogRecord) -> None:
        """One statement."""
        self.count += 1


def _measure(call: Callable[[], Any], requests: int,
             counter: _StatementCounter) -> tuple[float, float, float]:
    call()  # warm caches and connections
    timings, statements = [], []
    for _ in range(requests):
        counter.count = 0
        start = time.perf_counter()
        response = call()
        timings.append((time.perf_counter() - start) * 1000)
        statements.append(counter.count)
        if response.status_code >= 400:
            raise RuntimeError(f"benchmark request failed: {response.status_code} "
                               f"{response.get_data(as_text=True)[:200]}")
    timings.sort()
    p95 = timings[min(len(timings) - 1, int(len(timings) * 0.95))]
    return statistics.median(timings), p95, statistics.mean(statements)


def _token(client: FlaskClient, username: str, password: str) -> dict[str, str]:
    answer = client.post("/api/v1/auth/staff", json={"username": username, "password": password})
    return {"Authorization": f"Bearer {answer.json['access_token']}"}


def run(requests: int, database_url: str | None) -> str:
    """Seed, measure every scenario, answer the table."""
    from backend import demo
    from backend.models import Client, Township
    from backend.permissions import SYSTEM
    from backend.services import clients as client_service
    from miniprogram_api import create_app

    instance = Path(tempfile.mkdtemp(prefix="bench-api-"))
    url = database_url or f"sqlite:///{instance / 'bench.db'}"
    app = create_app({"instance_path": instance, "database_url": url, "redis_url": ""})
    tracemalloc.start()
    started = time.perf_counter()
    summary = demo.seed_demo_city(reset=bool(database_url))
    seed_seconds = time.perf_counter() - started
    seed_peak_mb = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()

    counter = _StatementCounter()
    peewee_log = logging.getLogger("peewee")
    peewee_log.addHandler(counter)
    peewee_log.setLevel(logging.DEBUG)
    client = app.test_client()
    staff = _token(client, "ts-410184001-1", demo.DEMO_PASSWORD)
    admin = _token(client, "city-admin", demo.DEMO_PASSWORD)
    with app.app_context():
        township = Township.select().order_by(Township.code).first()
        some_client = Client.select().where(Client.area_code.startswith(township.code)).first()
        id_number = client_service.reveal_client_field(
            some_client.id, "id_number", "基准测试", actor=SYSTEM)
    scenarios: list[tuple[str, Callable[[], Any]]] = [
        ("GET /services (public guide)", lambda: client.get("/api/v1/services")),
        ("GET /clients?page_size=20 (township)",
         lambda: client.get("/api/v1/clients?page_size=20", headers=staff)),
        ("POST /clients/search (blind index, city)",
         lambda: client.post("/api/v1/clients/search", json={"id_number": id_number},
                             headers=admin)),
        (f"GET /townships/{township.id} (villages, stations, staff)",
         lambda: client.get(f"/api/v1/townships/{township.id}", headers=staff)),
        ("GET /applications/queue (township work queue)",
         lambda: client.get("/api/v1/applications/queue", headers=staff)),
        ("GET /bookings (township)", lambda: client.get("/api/v1/bookings", headers=staff)),
        ("GET /care-visits?status=due (township)",
         lambda: client.get("/api/v1/care-visits?status=due", headers=staff)),
        (f"GET /clients/{some_client.id}/case-file",
         lambda: client.get(f"/api/v1/clients/{some_client.id}/case-file", headers=staff)),
        ("GET /supervision/compliance (whole city)",
         lambda: client.get("/api/v1/supervision/compliance", headers=admin)),
        ("POST /auth/staff (argon2id)",
         lambda: client.post("/api/v1/auth/staff", json={"username": "ts-410184001-2",
                                                         "password": demo.DEMO_PASSWORD})),
    ]
    rows = [f"Demo city: {summary.townships} townships, {summary.villages} villages, "
            f"{summary.clients} clients; seeded in {seed_seconds:.1f} s "
            f"(peak Python memory {seed_peak_mb:.0f} MiB); {requests} requests per row; "
            f"database {'SQLite' if url.startswith('sqlite') else 'PostgreSQL'}.", "",
            "| request | p50 ms | p95 ms | SQL statements |", "|---|---|---|---|"]
    for label, call in scenarios:
        p50, p95, statements = _measure(call, requests, counter)
        rows.append(f"| {label} | {p50:.1f} | {p95:.1f} | {statements:.0f} |")
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
