"""Notifications and background jobs: the outbox relay, templates, WeChat sends, periodic jobs.

``install(settings)`` wires a process (the API or a worker): it subscribes the templates'
topics to the outbox, installs the RQ relay and the job queues operations reads when
``REDIS_URL`` is set, else the inline relay.
"""

from __future__ import annotations

from redis import Redis

from backend import outbox
from backend.config import Settings
from backend.content_checks import install_checker
from backend.services import operations
from notifications import context, relay, sender
from notifications.content_checks import WeChatContentChecker
from notifications.queues import RQJobQueues
from notifications.templates import TEMPLATES


def install(settings: Settings, *, redis: Redis | None = None) -> context.Services:
    """Connect this process's notifications: handlers, relay, WeChat client and token cache."""
    services = context.build(settings, redis)
    context.set_current(services)
    install_checker(WeChatContentChecker())
    for topic in TEMPLATES:
        outbox.subscribe(topic, sender.handle_event)
    if services.redis is not None:
        relay.install_relay(relay.RQRelay(services.redis))
        operations.install_job_queues(RQJobQueues(services.redis))
    else:
        relay.install_relay(relay.InlineRelay(
            in_background=settings.inline_jobs_in_background))
        operations.install_job_queues(None)
    return services


__all__ = ["install"]
