"""The acceptance receipt (受理回执) the window prints for the applicant, on A4."""

from __future__ import annotations

from flask import Blueprint, g, render_template
from flask.typing import ResponseReturnValue

from backend.services import applications


def receipt_page(application_id: int) -> ResponseReturnValue:
    """A submitted application's receipt: number, service, materials, time limit, follow-up."""
    return render_template("console/receipts/receipt.html",
                           receipt=applications.receipt(application_id, actor=g.actor))


def register(blueprint: Blueprint) -> None:
    """The receipt page."""
    blueprint.add_url_rule("/applications/<int:application_id>/receipt", "receipt",
                           receipt_page)
