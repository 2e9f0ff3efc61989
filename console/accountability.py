"""Named accountability in the console (强化责任追究): the holder of an application's open stage
on its page (a fragment htmx loads and replaces), reassigning it, and the city's queue of
stages late past its threshold."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from backend.errors import DomainError, NotFound, PermissionDenied
from backend.models import Application, StaffAccount
from backend.permissions import get_scoped, require
from backend.services import stage_holders
from console import forms
from console.forms import FormErrors


def _holder_fragment(application_id: int, errors: FormErrors | None = None,
                     status: int = 200, done: str = "") -> ResponseReturnValue:
    require(g.actor, "stage_holders.read")
    application = get_scoped(Application, application_id, Application.area_code, g.actor)
    holding = stage_holders.holder_of(application)
    candidates = []
    if holding is not None:
        candidates = list(StaffAccount.select().where(
            StaffAccount.role == application.stage_role,
            StaffAccount.is_active == True,  # noqa: E712
            StaffAccount.area_code.in_([application.area_code[:6], application.area_code[:9],
                                        application.area_code])).order_by(StaffAccount.id))
    return render_template("console/accountability/_holder.html", application=application,
                           holding=holding, candidates=candidates, errors=errors or {},
                           done=done), status


def holder(application_id: int) -> ResponseReturnValue:
    """Who holds the open stage, with the reassign form for the head and the city."""
    return _holder_fragment(application_id)


def reassign(application_id: int) -> ResponseReturnValue:
    """Hand the open stage to another named person (audited); answers the fragment again."""
    raw = request.form.get("staff_id", "")
    errors: FormErrors = {}
    reason = forms.text(request.form, "reason", errors, label="改派原因", limit=500)
    if not raw.isdigit():
        errors["staff_id"] = "请选择新的责任人"
    if errors:
        return _holder_fragment(application_id, errors, 422)
    try:
        row = stage_holders.reassign_stage(application_id, int(raw), reason, actor=g.actor)
    except DomainError as exc:
        if isinstance(exc, NotFound) and exc.code != "staff_not_found":
            raise
        return _holder_fragment(application_id, {"staff_id": exc.message},
                                403 if isinstance(exc, PermissionDenied) else
                                forms.status_of(exc))
    name = row.holder.name if row.holder is not None else ""
    return _holder_fragment(application_id, done=f"已改派给{name}（已记入审计）")


def city_queue() -> ResponseReturnValue:
    """Stages late past the city's threshold, still open, with their holder and head."""
    return render_template("console/accountability/city_queue.html",
                           entries=stage_holders.city_queue(actor=g.actor))


def register(blueprint: Blueprint) -> None:
    """The holder fragment, reassigning, the city's queue."""
    blueprint.add_url_rule("/applications/<int:application_id>/holder", "stage_holder", holder)
    blueprint.add_url_rule("/applications/<int:application_id>/holder", "stage_reassign",
                           reassign, methods=["POST"])
    blueprint.add_url_rule("/city/queue", "city_queue", city_queue)
