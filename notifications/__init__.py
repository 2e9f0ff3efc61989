"""Notifications and background jobs: the outbox relay, templates, WeChat sends, periodic jobs.

``install(settings)`` wires a process (the API or a worker): it subscribes the templates'
topics to the outbox and installs the RQ relay when ``REDIS_URL`` is set, else the inline one.
"""

from __future__ import annotations

from redis import Redis

from backend import outbox
from backend.config import Settings
from notifications import context, relay, sender
from notifications.templates import TEMPLATES


def install(settings: Settings, *, redis: Redis | None = None) -> context.Services:
    """Connect this process's notifications: handlers, relay, WeChat client and token cache."""
    services = context.build(settings, redis)
    context.set_current(services)
    for topic in TEMPLATES:
        outbox.subscribe(topic, sender.handle_event)
    relay.install_relay(relay.RQRelay(services.redis) if services.redis is not None
                        else relay.InlineRelay())
    return services


__all__ = ["install"]
