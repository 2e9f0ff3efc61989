"""Periodic jobs declared as data: registered with RQ's cron scheduler, run on the worker."""

from __future__ import annotations

import importlib
from datetime import timedelta

import pytest
from redis import Redis
from rq import Queue

from backend import tasks
from backend.models import Booking, InboxMessage, OutboxEvent
from backend.models.base import local_today
from notifications import context, periodic, relay
from notifications.cron import LeaderCronScheduler, build_scheduler
from notifications.periodic import PERIODIC_JOBS, PeriodicJob
from tests.factories import World


@pytest.mark.parametrize("declared", PERIODIC_JOBS, ids=lambda p: p.id)
def test_every_declared_job_names_an_importable_function_and_one_timing(
    declared: PeriodicJob,
) -> None:
    module = importlib.import_module(declared.func.__module__)
    assert getattr(module, declared.func.__name__) is declared.func
    assert bool(declared.cron) != bool(declared.interval)


def test_a_domain_task_gets_the_system_actor_and_the_day(
    inline: context.Services, world: World
) -> None:
    outcome = periodic.run_task(tasks.generate_due_care_visits)
    assert outcome == "done"


@pytest.mark.redis
def test_the_scheduler_registers_every_declared_job_and_only_the_leader_enqueues(
    queued: context.Services, redis_conn: Redis
) -> None:
    leader, follower = build_scheduler(redis_conn), build_scheduler(redis_conn)
    assert [job.name for job in leader.get_jobs()] == [p.id for p in PERIODIC_JOBS]
    enqueued = leader.enqueue_jobs()  # interval jobs run at once; cron jobs wait their time
    assert sorted(job.name for job in enqueued) == ["outbox-sweep", "retry-sends"]
    assert follower.enqueue_jobs() == []
    assert redis_conn.get(LeaderCronScheduler.LEASE_KEY).decode() == leader.name
    assert Queue(relay.NOTIFICATIONS_QUEUE, connection=redis_conn).count == 2


@pytest.mark.redis
def test_nightly_planning_fans_out_one_job_per_township_once_a_day(
    queued: context.Services, world: World, redis_conn: Redis
) -> None:
    assert periodic.fan_out_townships(tasks.plan_next_day, day_offset=1) == 2
    periodic.fan_out_townships(tasks.plan_next_day, day_offset=1)
    planning = Queue(relay.PLANNING_QUEUE, connection=redis_conn)
    assert planning.count == 2
    kwargs = sorted(job.kwargs["township_id"] for job in planning.jobs)
    assert kwargs == sorted(t.id for t in world.townships.values())


def _approved_booking(world: World, days_ahead: int) -> Booking:
    client = world.clients["a1"]
    return Booking.create(
        client=client,
        area_code=client.area_code,
        township=world.townships["a"],
        kind="routine_visit",
        status="approved",
        requested_by_kind="resident",
        requested_by_id=world.residents["res-owner"].id,
        resident=world.residents["res-owner"],
        scheduled_date=local_today() + timedelta(days=days_ahead),
        scheduled_window="morning",
    )


def test_day_before_reminders_go_out_once_per_booking(
    inline: context.Services, world: World
) -> None:
    tomorrow, later = _approved_booking(world, 1), _approved_booking(world, 3)
    assert periodic.emit_visit_reminders() == 1
    assert periodic.emit_visit_reminders() == 0  # the job ran twice: still one reminder
    [event] = OutboxEvent.select().where(OutboxEvent.topic == "visit.reminder")
    assert event.payload["booking_id"] == tomorrow.id != later.id
    [message] = InboxMessage.select().where(InboxMessage.topic == "visit.reminder")
    assert message.recipient_id == world.residents["res-owner"].id
    assert message.body == "明天上午社工将上门为对象a1提供日常探访，请留意。"
    assert message.page == f"pages/bookings/detail?id={tomorrow.id}"
