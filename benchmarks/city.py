"""A whole city's day: every township of the demo city planned through the planning service.

    python -m benchmarks.city                       # SQLite, jobs inline, one after another
    python -m benchmarks.city --rq-workers 2 \\
        --database-url postgresql://postgres@127.0.0.1:5432/bench_city \\
        --redis-url redis://127.0.0.1:6379/13       # one RQ job per township, 2 workers
    python -m benchmarks.city --existing --rq-workers 2 --processes 1 …   # one process a solve

Seeds the demo city into a fresh database, asks for a plan of every township for the next
day with social workers on duty (`planning.plan_city_day`, as the nightly job does), and
waits until every plan is done. Each plan runs the real path: gathering the day from the
database, the solver with the production budget, storing and publishing. Prints a table per
township and the wall time of the whole city. The RQ mode needs PostgreSQL (several worker
processes write at once) and an empty Redis database; it starts the workers itself
(`python -m notifications worker --queues planning --no-cron --burst`).

In the RQ mode each township's week of the day is placed first, as the nightly
``plan-coming-week`` job does before it routes tomorrow (one RQ job per township, on the same
workers; the nightly job also places the week after), so the day's plan routes the visits the
week put on that day; the day plans the week queued for its other days are failed and their
jobs dropped (only the day is timed). Townships whose week is already placed keep it.
``--no-week`` places no week, as the benchmark did before: a day whose week was never placed
asks every care visit whose window holds it (one already placed still routes its placement).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

POLL_S = 0.5
SHOWN_TOWNSHIPS = 12  # rows of the table; a bigger city is summed up beneath it
WEEK_QUEUE = "bench-weeks"  # the week's jobs, apart from the day plans they queue


def _quantile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * share))] if ordered else 0.0


def _planning_day() -> date:
    """The first day from tomorrow on which the first township has social workers on duty."""
    from backend.models import Township
    from backend.services import visits
    from backend.services.care_plans import local_today

    first = Township.select().order_by(Township.id).first()
    day = local_today() + timedelta(days=1)
    while not visits.list_workers_for_day(first.id, day):
        day += timedelta(days=1)
    return day


def _start_workers(
    count: int, instance: Path, database_url: str, redis_url: str, *,
    queue: str = "planning", processes: int = 0,
) -> list[subprocess.Popen[bytes]]:
    """RQ workers on the planning queue that stop once it is empty."""
    env = {
        **os.environ,
        "INSTANCE_PATH": str(instance),
        "DATABASE_URL": database_url,
        "REDIS_URL": redis_url,
    }
    if processes:
        env["PLANNING_PROCESSES"] = str(processes)
    command = [
        sys.executable,
        "-m",
        "notifications",
        "worker",
        "--queues",
        queue,
        "--no-cron",
        "--burst",
    ]
    return [
        subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(count)
    ]


def _wait(workers: list[subprocess.Popen[bytes]], timeout: float | None = 60) -> None:
    for worker in workers:
        try:
            worker.wait(timeout=timeout)
        except subprocess.TimeoutExpired:  # busy with jobs queued before this run: not ours
            worker.terminate()
            worker.wait(timeout=30)


def place_week(township_id: int, week: str) -> bool:
    """RQ job: the nightly placement of one township's week (``tasks.plan_coming_week`` places
    tomorrow's week and the next one's the same way); True when it placed anything."""
    from backend.permissions import SYSTEM
    from backend.services import planning
    from backend.unit_of_work import unit_of_work

    with unit_of_work(actor=SYSTEM):
        return planning.replan_week_if_changed(township_id, week, actor=SYSTEM) is not None


def _place_weeks(day: date, rq_workers: int, instance: Path, url: str, redis_url: str) -> str:
    """The week of ``day`` placed for every township not yet placed, on the RQ workers; then
    the day plans it queued are failed and dropped, so that only the city's day is timed."""
    from redis import Redis
    from rq import Queue

    from backend.models import Plan, Township, WeekPlan
    from backend.permissions import SYSTEM
    from backend.services import planning
    from backend.unit_of_work import unit_of_work
    from benchmarks.city import place_week  # by its module's name: ``__main__`` is not the workers'
    from notifications.periodic import run_task

    week = planning.iso_week(day)
    placed = {w.township_id for w in WeekPlan.select(WeekPlan.township).where(
        WeekPlan.week == week)}
    todo = [t.id for t in Township.select(Township.id).order_by(Township.id)
            if t.id not in placed]
    redis = Redis.from_url(redis_url)
    for township_id in todo:
        Queue(WEEK_QUEUE, connection=redis).enqueue(
            run_task, task=place_week, township_id=township_id, week=week, job_timeout=600)
    started = time.perf_counter()
    if todo:
        _wait(_start_workers(rq_workers, instance, url, redis_url, queue=WEEK_QUEUE), None)
    wall = time.perf_counter() - started
    with unit_of_work(actor=SYSTEM):
        queued = list(Plan.select().where(Plan.status.in_(planning.ACTIVE_STATUSES)))
        for plan in queued:
            planning.job.mark_failed(plan, "基准测试只计时所测的一天", "benchmark", SYSTEM)
    Queue("planning", connection=redis).empty()
    return (f"Week {week}: {len(todo)} townships placed now in {wall:.1f} s on {rq_workers} "
            f"workers ({len(placed)} were placed already); {len(queued)} day plans they "
            "queued failed and dropped.")


def run(rq_workers: int, database_url: str | None, redis_url: str | None,
        existing: bool = False, day: date | None = None, *, week: bool = True,
        processes: int = 0) -> str:
    """Seed (unless ``existing``), place the weeks, plan the city's day, answer the table."""
    from backend import demo
    from backend.models import Plan, PlanStop, Township
    from backend.permissions import SYSTEM
    from backend.services import planning
    from backend.unit_of_work import unit_of_work
    from miniprogram_api import create_app

    # An existing city (``flask demo seed --scale city``) is read with its own DATA_KEY.
    instance = (Path(os.environ.get("INSTANCE_PATH", "instance")) if existing
                else Path(tempfile.mkdtemp(prefix="bench-city-")))
    url = database_url or f"sqlite:///{instance / 'bench.db'}"
    create_app(
        {
            "instance_path": instance,
            "database_url": url,
            "redis_url": redis_url if rq_workers else "",
        }
    )
    if not existing:
        demo.seed_demo_city(reset=bool(database_url))
    day = day or _planning_day()
    weeks = (_place_weeks(day, rq_workers, instance, url, redis_url or "") if week and rq_workers
             else "Weeks not placed: every care visit whose window holds the day is asked.")
    started = time.perf_counter()
    with unit_of_work(actor=SYSTEM):  # as the nightly job: the jobs are handed on at commit
        city = planning.plan_city_day(day, actor=SYSTEM)
    workers = (_start_workers(rq_workers, instance, url, redis_url or "", processes=processes)
               if rq_workers else [])
    ids = [t.plan.id for t in city.townships if t.queued_now and t.plan is not None]
    while Plan.select().where(Plan.id.in_(ids), Plan.status.in_(("queued", "running"))).exists():
        if workers and all(w.poll() is not None for w in workers):
            break  # the workers stopped with plans left: reported below as not done
        time.sleep(POLL_S)
    wall = time.perf_counter() - started
    _wait(workers)

    lines = [
        f"City day {day.isoformat()}: {len(ids)} townships, "
        + (f"{rq_workers} RQ workers" if rq_workers else "jobs inline, one after another")
        + f", solver budget {planning.SECONDS_PER_VISIT:g} s a visit, "
        f"{planning.MIN_TIME_LIMIT_S:g}-{planning.DEFAULT_TIME_LIMIT_S:g} s, "
        f"{processes or 'default'} processes a solve",
        weeks,
        "",
        "| township | status | visits asked | served | left out | feasible | travel | "
        "cost | solve s | job s |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    names = {t.id: t.name for t in Township.select()}
    served = asked = 0
    cost = 0.0
    solves, jobs = [], []
    for plan in Plan.select().where(Plan.id.in_(ids)).order_by(Plan.id):
        stops = PlanStop.select().where(PlanStop.plan == plan).count()
        job = (
            (plan.finished_at - plan.started_at).total_seconds()
            if plan.finished_at and plan.started_at
            else None
        )
        served += plan.visit_count
        asked += stops
        plan_cost = sum((plan.objective or {}).values())
        cost += plan_cost
        solves.append(plan.solve_seconds or 0.0)
        jobs.append(job or 0.0)
        if len(ids) > SHOWN_TOWNSHIPS and len(solves) > SHOWN_TOWNSHIPS:
            continue
        lines.append(
            f"| {names[plan.township_id]} | {plan.status} | {stops} | {plan.visit_count} | "
            f"{plan.dropped_count} | {'yes' if plan.feasible else 'NO'} | "
            f"{plan.travel_source or '-'} | {plan_cost:.0f} | {plan.solve_seconds or 0:.2f} | "
            f"{job if job is not None else float('nan'):.2f} |"
        )
    lines += [
        "",
        f"Whole city: {served} of {asked} visits planned, cost {cost:.0f}, {wall:.1f} s wall time "
        f"from the request to the last plan done. Per township (all {len(solves)}): "
        f"solve s median {_quantile(solves, 0.5):.2f}, p90 {_quantile(solves, 0.9):.2f}, "
        f"max {max(solves, default=0):.2f}, sum {sum(solves):.0f}; job s median "
        f"{_quantile(jobs, 0.5):.2f}, p90 {_quantile(jobs, 0.9):.2f}, sum {sum(jobs):.0f}.",
    ]
    return "\n".join(lines)


def main() -> None:
    """Command line entry."""
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--rq-workers",
        type=int,
        default=0,
        help="plan through RQ with this many workers (0: jobs inline)",
    )
    parser.add_argument(
        "--database-url",
        default=None,
        help="this (emptied!) database instead of a temporary SQLite",
    )
    parser.add_argument("--redis-url", default=None, help="Redis for --rq-workers")
    parser.add_argument("--existing", action="store_true",
                        help="plan the city already in --database-url (e.g. flask demo seed "
                             "--scale city, same INSTANCE_PATH) instead of seeding the demo")
    parser.add_argument("--day", type=date.fromisoformat, default=None,
                        help="the day to plan (default: the next day with workers on duty)")
    parser.add_argument("--no-week", action="store_true",
                        help="place no week first: a day whose week was never placed asks "
                             "every care visit whose window holds it")
    parser.add_argument("--processes", type=int, default=0,
                        help="PLANNING_PROCESSES for the workers (default: the solver's)")
    args = parser.parse_args()
    if args.rq_workers and not (
        args.redis_url and args.database_url and args.database_url.startswith("postgres")
    ):
        parser.error("--rq-workers needs --redis-url and a PostgreSQL --database-url")
    print(run(args.rq_workers, args.database_url, args.redis_url, args.existing, args.day,
              week=not args.no_week, processes=args.processes))


if __name__ == "__main__":
    main()
