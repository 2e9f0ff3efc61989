"""The periodic jobs in-process, for the demo without Redis: due jobs run, events reach inboxes."""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from backend import outbox
from backend.models import InboxMessage, OutboxEvent
from backend.unit_of_work import unit_of_work
from notifications import context
from notifications.inline_cron import InlineCron, next_run
from notifications.periodic import PeriodicJob
from tests.factories import World

START = datetime(2026, 12, 7, 8, 3, tzinfo=UTC)
ran: list[str] = []


def ping() -> int:
    """A periodic task that says it ran."""
    ran.append("ping")
    return 1


def tick() -> int:
    """Another one, on a cron."""
    ran.append("tick")
    return 1


def broken() -> int:
    """A task that always fails."""
    raise RuntimeError("boom")


class Clock:
    """A clock the test moves."""

    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        return self.now


def test_a_declared_job_runs_when_its_interval_or_cron_comes_round(
    inline: context.Services,
) -> None:
    ran.clear()
    clock = Clock()
    cron = InlineCron((PeriodicJob("ping", ping, "每分钟", interval=60),
                       PeriodicJob("tick", tick, "每十分钟", cron="*/10 * * * *")), clock=clock)
    assert cron.run_due() == []
    clock.now = START + timedelta(seconds=61)
    assert cron.run_due() == ["ping"] and ran == ["ping"]
    clock.now = START + timedelta(minutes=7)  # 08:10 has come
    assert cron.run_due() == ["ping", "tick"]
    assert cron.run_due() == []  # neither is due twice
    assert ran == ["ping", "ping", "tick"]


def test_a_failing_job_does_not_stop_the_others(inline: context.Services) -> None:
    ran.clear()
    clock = Clock()
    cron = InlineCron((PeriodicJob("broken", broken, "总是失败", interval=60),
                       PeriodicJob("ping", ping, "每分钟", interval=60)), clock=clock)
    clock.now = START + timedelta(minutes=2)
    assert cron.run_due() == ["broken", "ping"] and ran == ["ping"]


def test_a_cron_is_read_in_utc_as_rq_reads_it() -> None:
    nightly = PeriodicJob("nightly", ping, "每晚", cron="0 12 * * *")
    assert next_run(nightly, START) == datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def test_at_start_the_events_left_pending_reach_their_inboxes(
    inline: context.Services, world: World, test_topic: str,
    emit_notice: Callable[..., int],
) -> None:
    with unit_of_work():  # written as the demo seeder writes: nothing hands it on
        event = outbox.emit(test_topic, resident_id=world.residents["res-owner"].id, n=1)
    OutboxEvent.update(status="pending").where(OutboxEvent.id == event.id).execute()
    InboxMessage.delete().execute()
    stop = threading.Event()
    stop.set()  # the first sweep only: then the loop sees it is told to stop
    InlineCron(()).run_in_thread(stop).join(timeout=30)
    assert OutboxEvent.get_by_id(event.id).status == "done"
    assert InboxMessage.select().count() == 1
