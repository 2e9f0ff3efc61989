"""The social worker's day on a phone: today's stops in order."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue

from backend.errors import NotFound
from backend.services import planning
from backend.services.care_plans import local_today


def today() -> ResponseReturnValue:
    """Today's ordered stops with arrival windows, call and navigation links."""
    day = local_today()
    try:
        route = planning.my_route(day, actor=g.actor)
    except NotFound:
        route = None
    return render_template("console/worker/today.html", route=route, day=day)


def register(blueprint: Blueprint) -> None:
    """The worker's pages."""
    blueprint.add_url_rule("/worker", "worker_today", today)
