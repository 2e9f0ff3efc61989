"""``python -m notifications worker``: an RQ worker with RQ's scheduler and the cron jobs.

The worker configures itself from the environment (``DATABASE_URL``, ``REDIS_URL``, ``WECHAT_*``)
like the API does; each job opens and closes its own database connection.
"""

from __future__ import annotations

import argparse
import logging
import threading
import time

from redis import Redis
from rq import SimpleWorker, Worker
from rq.worker.base import BaseWorker

from backend import logs, runtime
from backend.config import ConfigurationError, load_settings
from backend.db import open_database
from notifications import install
from notifications.context import REDIS_DOWN
from notifications.cron import build_scheduler
from notifications.failures import TimeLimit, horse_killed
from notifications.relay import QUEUES

_log = logging.getLogger("notifications.worker")
REDIS_RETRY_FIRST_S = 0.5
REDIS_RETRY_MAX_S = 10.0


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
    worker_class = InProcessWorker if args.simple else ForkingWorker
    try:
        work_until_told_to_stop(worker_class, args.queues.split(","), services.redis,
                                burst=args.burst)
    finally:
        stop.set()
    return 0


class PromptUnsubscribe(BaseWorker):
    """A worker whose warm shutdown does not wait out its command listener's minute-long poll."""

    PUBSUB_STOP_WAIT_S = 1.0

    def unsubscribe(self) -> None:
        """Stop listening for RQ's commands, giving the listener thread a second to finish.

        RQ wakes its pubsub thread with the reply to UNSUBSCRIBE. When Redis came back the thread
        may not have subscribed again yet; it then waits for a subscription for its whole 60 s
        poll (rq#1613), and redis-py 8's ``stop()`` joins it without a bound, so SIGTERM took up
        to a minute. The thread is a daemon: left behind, it ends with the process.
        """
        if self.pubsub_thread is None or self.pubsub is None:
            return
        self.pubsub.unsubscribe()
        self.pubsub_thread.stop(timeout=self.PUBSUB_STOP_WAIT_S)
        self.pubsub.close()


class ForkingWorker(PromptUnsubscribe, Worker):
    """RQ's worker (a forked work horse per job) that stops promptly when told."""


class InProcessWorker(PromptUnsubscribe, SimpleWorker):
    """RQ's in-process worker that stops promptly when told."""


WorkerClass = type[ForkingWorker] | type[InProcessWorker]


def work_until_told_to_stop(worker_class: WorkerClass, queues: list[str],
                            redis: Redis, *,
                            burst: bool) -> None:
    """Run RQ workers until a signal or an empty burst ends one; outlive Redis going away.

    When Redis disappears RQ's worker raises out of ``work``; this waits (backing off) until
    Redis answers again and starts a fresh worker on the same queues, so nothing has to restart
    the process by hand. A warm shutdown (SIGTERM, SIGINT) returns from ``work`` and ends it.
    """
    wait = REDIS_RETRY_FIRST_S
    while True:
        try:
            make_worker(worker_class, queues, redis).work(burst=burst, with_scheduler=True)
            return
        except REDIS_DOWN as exc:
            _log.warning("Redis went away (%s); working again once it answers",
                         type(exc).__name__)
        while not _redis_answers(redis):
            time.sleep(wait)
            wait = min(wait * 2, REDIS_RETRY_MAX_S)
        wait = REDIS_RETRY_FIRST_S
        _log.info("Redis answers again; starting a fresh worker")


def make_worker(worker_class: WorkerClass, queues: list[str],
                redis: Redis) -> ForkingWorker | InProcessWorker:
    """An RQ worker that reports every way a job can die to the job's failure callback.

    Its time limit raises a ``TimeoutError`` the domain recognises, and a killed work horse runs
    the job's failure callback (RQ itself only runs it when the job raises or is abandoned).
    """
    worker = worker_class(queues, connection=redis, work_horse_killed_handler=horse_killed)
    worker.death_penalty_class = TimeLimit
    return worker


def _redis_answers(redis: Redis) -> bool:
    try:
        return bool(redis.ping())
    except REDIS_DOWN:
        return False
