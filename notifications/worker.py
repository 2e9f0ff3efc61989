"""``python -m notifications worker``: an RQ worker with RQ's scheduler and the cron jobs.

The worker configures itself from the environment (``DATABASE_URL``, ``REDIS_URL``, ``WECHAT_*``)
like the API does; each job opens and closes its own database connection.
"""

from __future__ import annotations

import argparse
import logging
import threading

from rq import SimpleWorker, Worker

from backend import logs, runtime
from backend.config import ConfigurationError, load_settings
from backend.db import open_database
from notifications import install
from notifications.cron import build_scheduler
from notifications.relay import QUEUES


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """The command line: ``worker [--burst] [--no-cron] [--simple] [--queues a,b]``."""
    parser = argparse.ArgumentParser(prog="python -m notifications")
    commands = parser.add_subparsers(dest="command", required=True)
    worker = commands.add_parser("worker", help="run an RQ worker with the scheduler")
    worker.add_argument("--queues", default=",".join(QUEUES), help="queues, in priority order")
    worker.add_argument("--burst", action="store_true", help="stop when the queues are empty")
    worker.add_argument("--no-cron", action="store_true", help="do not run the periodic jobs")
    worker.add_argument("--simple", action="store_true",
                        help="run jobs in the worker process instead of a forked child")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Start a worker: settings, database, notifications wiring, cron, then work."""
    args = parse_args(argv)
    logs.configure(logging.INFO)
    settings = load_settings()
    if not settings.redis_url:
        raise ConfigurationError("worker 需要 REDIS_URL（没有 Redis 时任务在请求后直接执行）")
    runtime.configure(settings)
    open_database(settings.database_url, pooled=False)  # work horses are forked
    services = install(settings)
    assert services.redis is not None
    stop = threading.Event()
    if not args.no_cron and not args.burst:
        build_scheduler(services.redis).run_in_thread(stop)
    worker_class = SimpleWorker if args.simple else Worker
    worker = worker_class(args.queues.split(","), connection=services.redis)
    try:
        worker.work(burst=args.burst, with_scheduler=True)
    finally:
        stop.set()
    return 0
