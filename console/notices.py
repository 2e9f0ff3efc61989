"""The village board's public notice (公示栏): an A4 sheet to print and pin up, no login needed.

It shows exactly what the public API lists (``GET /api/v1/notices?village_id=``): the notices
running now, names masked, with the township's telephone for objections.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

from backend.services import notices


def board(village_id: int) -> ResponseReturnValue:
    """A village's running notices laid out on one A4 sheet for its board."""
    sheet = notices.notice_board(village_id)
    return render_template("console/notices/board.html", board=sheet)


def register(blueprint: Blueprint) -> None:
    """The public notice's printed sheet (public: see session.PUBLIC_ENDPOINTS)."""
    blueprint.add_url_rule("/notices/village/<int:village_id>/print", "notice_board", board)
