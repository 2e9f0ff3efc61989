"""The client registry: find clients by name and category, or by ID number (POST only); a
client's case file in order; a personal number in clear for a stated purpose (access-logged)."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from backend import pii, workflows
from backend.errors import NotFound, ValidationFailed
from backend.models import CareVisitStatus, ClientCategory, VisitStatus
from backend.models.applications import APPLICATION_STATUSES
from backend.models.clients import CLIENT_CATEGORIES, SPECIAL_CARE_SUBTYPES
from backend.models.visits import BOOKING_STATUSES, VISIT_SERVICES
from backend.permissions import require
from backend.services import clients, visits
from console import forms
from console.forms import FormErrors

PAGE_SIZE = 50
REVEALABLE = {"id_number": "身份证号", "phone": "电话", "guardian_phone": "监护人电话"}
PURPOSES = ("核对身份，办理业务", "电话联系服务对象", "联系监护人", "上门探访前核实")
ENTRY_STATUSES = {"care_visit": CareVisitStatus.labels(), "visit": VisitStatus.labels(),
                  "booking": BOOKING_STATUSES, "application": APPLICATION_STATUSES}


def registry() -> ResponseReturnValue:
    """Find clients by name and category (GET), or by ID number (POST: never in a URL)."""
    source = request.form if request.method == "POST" else request.args
    errors: FormErrors = {}
    id_number = request.form.get("id_number", "").strip() or None
    if request.method == "POST" and id_number is None:
        errors["id_number"] = "请填写身份证号"
    elif id_number is not None:
        try:
            pii.normalise_id_number(id_number)
        except ValidationFailed as exc:
            errors["id_number"] = exc.message  # says what is wrong, never echoes the number
    wanted = clients.ClientFilter(name=source.get("name", "").strip() or None,
                                  category=source.get("category") or None, id_number=id_number)
    query = clients.list_clients(wanted, actor=g.actor)
    page = forms.page_number(request.args)
    found = [] if errors else list(query.paginate(page, PAGE_SIZE))
    total = 0 if errors else query.count()
    categories = _categories_of([c.id for c in found])
    return render_template(
        "console/desk/clients.html", clients=found, filters=source, errors=errors,
        categories=CLIENT_CATEGORIES, client_categories=categories, page=page,
        pages=max(1, -(-total // PAGE_SIZE)), total=total,
        searched_id=request.method == "POST"), 422 if errors else 200


def _categories_of(client_ids: list[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = {}
    rows = ClientCategory.select().where(ClientCategory.client.in_(client_ids or [0]),
                                         ClientCategory.ended_on.is_null())
    for row in rows.order_by(ClientCategory.id):
        found.setdefault(row.client_id, []).append(CLIENT_CATEGORIES.get(row.category,
                                                                         row.category))
    return found


def case_file(client_id: int, *, revealed: dict[str, str] | None = None,
              errors: FormErrors | None = None, status: int = 200) -> ResponseReturnValue:
    """A client's whole file in time order, with the form to see a number in clear."""
    client, entries = visits.case_file(client_id, actor=g.actor)
    fields = {name: label for name, label in REVEALABLE.items()
              if name == "id_number" or getattr(client, f"{name}_masked", None)}
    return render_template(
        "console/desk/case_file.html", client=client, entries=entries,
        categories=CLIENT_CATEGORIES, subtypes=SPECIAL_CARE_SUBTYPES,
        client_categories=list(client.categories.order_by(ClientCategory.id)),
        entry_statuses=ENTRY_STATUSES, stage_labels=workflows.STAGE_LABELS,
        visit_services=VISIT_SERVICES, reveal_fields=fields,
        purposes=PURPOSES, revealed=revealed, errors=errors or {},
        form=request.form), status


def reveal(client_id: int) -> ResponseReturnValue:
    """Show one personal number in clear for the purpose the clerk states (access-logged)."""
    require(g.actor, "clients.reveal")
    errors: FormErrors = {}
    field = request.form.get("field", "")
    if field not in REVEALABLE:
        errors["field"] = "请选择要查看的信息"
    purpose = forms.text(request.form, "purpose", errors, label="查看目的", limit=60)
    if len(purpose) < 2:
        errors["purpose"] = "请写明查看目的（至少 2 个字），本次查看将记入访问日志"
    if errors:
        return case_file(client_id, errors=errors, status=422)
    try:
        value = clients.reveal_client_field(client_id, field, purpose, actor=g.actor)
    except NotFound as exc:
        if exc.code != "field_empty":
            raise
        return case_file(client_id, errors={"field": exc.message}, status=422)
    shown: Any = case_file(client_id, revealed={"field": field, "label": REVEALABLE[field],
                                                 "value": value, "purpose": purpose})
    return shown[0], 200, {"Cache-Control": "no-store"}


def register(blueprint: Blueprint) -> None:
    """The registry, case files and revealing a number."""
    blueprint.add_url_rule("/clients", "clients", registry, methods=["GET", "POST"])
    blueprint.add_url_rule("/clients/<int:client_id>", "case_file", case_file)
    blueprint.add_url_rule("/clients/<int:client_id>/reveal", "client_reveal", reveal,
                           methods=["POST"])
