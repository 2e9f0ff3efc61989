"""The desk's records: an application's page, the client registry and a client's case file."""

from __future__ import annotations

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from backend import workflows
from backend.models.clients import CLIENT_CATEGORIES
from backend.services import applications, clients, visits

PAGE_SIZE = 50


def application_page(application_id: int) -> ResponseReturnValue:
    """An application: applicant (masked), materials, the timeline, what is missing."""
    progress = applications.timeline(application_id, actor=g.actor)
    application = progress["application"]
    return render_template(
        "console/desk/application.html", application=application, progress=progress,
        missing=applications.material_names(application,
                                            applications.missing_materials(application)),
        materials=list(application.materials), stage_labels=workflows.STAGE_LABELS,
        overdue=applications.is_overdue(application))


def registry() -> ResponseReturnValue:
    """Find clients by name and category (GET), or by ID number (POST: never in a URL)."""
    source = request.form if request.method == "POST" else request.args
    category = source.get("category") or None
    wanted = clients.ClientFilter(name=source.get("name") or None, category=category,
                                  id_number=request.form.get("id_number") or None)
    found = list(clients.list_clients(wanted, actor=g.actor).limit(PAGE_SIZE))
    return render_template("console/desk/clients.html", clients=found, filters=source,
                           categories=CLIENT_CATEGORIES, searched_id=bool(wanted.id_number))


def case_file(client_id: int) -> ResponseReturnValue:
    """A client's whole file in time order."""
    client, entries = visits.case_file(client_id, actor=g.actor)
    return render_template("console/desk/case_file.html", client=client, entries=entries,
                           categories=CLIENT_CATEGORIES)


def register(blueprint: Blueprint) -> None:
    """The record pages."""
    blueprint.add_url_rule("/applications/<int:application_id>", "application",
                           application_page)
    blueprint.add_url_rule("/clients", "clients", registry, methods=["GET", "POST"])
    blueprint.add_url_rule("/clients/<int:client_id>", "case_file", case_file)
