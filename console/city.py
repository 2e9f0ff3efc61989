"""The city bureau (市民政局): the compliance grid of every township against the standards."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from backend.services import supervision


def compliance() -> ResponseReturnValue:
    """Townships × standards for a period, met or not, with the reason."""
    period = request.args.get("period") or None
    data = supervision.get_compliance(period, actor=g.actor)
    return render_template("console/city/compliance.html", data=data)


def register(blueprint: Blueprint) -> None:
    """The city's pages."""
    blueprint.add_url_rule("/city", "city_compliance", compliance)
