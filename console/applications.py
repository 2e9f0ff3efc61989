"""An application at the desk: the applicant (masked), its materials shown inline, the timeline,
and only the workflow moves this user may make now (``applications.allowed_moves``), each a form
whose command goes to the same verb as the API's (``applications.VERBS``)."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue
from werkzeug.datastructures import MultiDict

from backend import content_checks, workflows
from backend.commands import applications as commands
from backend.errors import DomainError, NotFound
from backend.models.applications import APPLICATION_STATUSES, RE_REVIEW_OUTCOMES
from backend.services import applications, materials, service_guide
from console import forms
from console.forms import FormErrors
from console.pages import refusal_status

Form = MultiDict[str, str]


def _advance(form: Form, errors: FormErrors) -> Any:
    return commands.AdvanceApplication(
        comment=forms.text(form, "comment", errors, label="办理意见"),
        proposed_benefit_fen=forms.fen(form, "proposed_benefit", errors))


def _supplement(form: Form, errors: FormErrors) -> Any:
    return commands.RequestSupplement(missing_materials=tuple(form.getlist("missing_materials")),
                                      comment=forms.text(form, "comment", errors,
                                                         label="补正说明"))


def _reject(form: Form, errors: FormErrors) -> Any:
    return commands.RejectApplication(reason=forms.text(form, "reason", errors, label="理由"))


def _approve(form: Form, errors: FormErrors) -> Any:
    benefit = forms.fen(form, "benefit", errors)
    outcome = form.get("outcome") or None
    if outcome is not None and outcome not in RE_REVIEW_OUTCOMES:
        errors["outcome"] = "请选择继续、调整或停止"
    return commands.ApproveApplication(benefit_fen=benefit, outcome=outcome,
                                       comment=forms.text(form, "comment", errors,
                                                          label="审批意见"))


def _record_objection(form: Form, errors: FormErrors) -> Any:
    return commands.RecordObjection(content=forms.text(form, "content", errors,
                                                       label="异议内容"))


def _resolve_objection(form: Form, errors: FormErrors) -> Any:
    objection = form.get("objection_id", "")
    return commands.ResolveObjection(
        objection_id=int(objection) if objection.isdigit() else None,
        resolution=forms.text(form, "resolution", errors, label="处理结果"))


# Each move's form: how it becomes the verb's command, and which form field a refusal's field
# (or code) is about, so the message stands beside it.
FORMS: dict[str, tuple[Callable[[Form, FormErrors], Any], dict[str, str]]] = {
    "advance": (_advance, {"proposed_benefit_fen": "proposed_benefit"}),
    "supplement": (_supplement, {"missing_materials": "missing_materials"}),
    "reject": (_reject, {"comment": "reason"}),
    "approve": (_approve, {"outcome_required": "outcome", "benefit_required": "benefit",
                           "unexpected_outcome": "outcome"}),
    "record_objection": (_record_objection, {"comment": "content"}),
    "resolve_objection": (_resolve_objection, {"comment": "resolution"}),
}


def page(application_id: int, failed: dict[str, Any] | None = None,
         status: int = 200) -> ResponseReturnValue:
    """The application with the moves open to this user; a failed move's errors beside it."""
    progress = applications.timeline(application_id, actor=g.actor)
    application = progress["application"]
    catalogue = service_guide.materials_of(application.service_code)
    materials = list(application.materials)
    return render_template(
        "console/desk/application.html", application=application, progress=progress,
        moves=applications.allowed_moves(application_id, actor=g.actor),
        catalogue=catalogue, material_names={m["code"]: m["name"] for m in catalogue},
        missing=applications.missing_materials(application),
        materials=materials, stage_labels=workflows.STAGE_LABELS,
        text_flags=content_checks.flags_of("application", [application.id]).get(
            application.id, []),
        material_flags=content_checks.latest_flags("application_material",
                                                   [m.id for m in materials]),
        objection_flags=content_checks.flags_of(
            "notice_objection", [o.id for o in progress["objections"]]),
        action_labels=applications.ACTION_LABELS, statuses=APPLICATION_STATUSES,
        outcomes=RE_REVIEW_OUTCOMES, overdue=applications.is_overdue(application),
        failed=failed or {"action": None, "errors": {}, "form": {}}), status


def act(application_id: int, action: str) -> ResponseReturnValue:
    """Make one move; a confirmation on the page after it, or the refusal beside its field."""
    if action not in FORMS:
        raise NotFound("没有这项操作", code="unknown_action")
    build, fields = FORMS[action]
    errors: FormErrors = {}
    command = build(request.form, errors)
    status = 422
    if not errors:
        try:
            done = applications.VERBS[type(command)](
                application_id, command, actor=g.actor,
                expected_versions=_seen_version(request.form))
        except NotFound:
            raise
        except DomainError as exc:
            errors[forms.refusal_field(exc, fields)] = exc.message
            status = refusal_status(exc)
        else:
            flash(_confirmation(action, done, command), "success")
            return redirect(url_for("console.application", application_id=application_id))
    return page(application_id, {"action": action, "errors": errors, "form": request.form,
                                 "objection_id": request.form.get("objection_id")}, status)


def _seen_version(form: Form) -> list[int] | None:
    """The version of the application the clerk's page showed: a move made from a page that
    someone else's move has since outdated is refused, as the API's If-Match is."""
    raw = str(form.get("version", ""))
    return [int(raw)] if raw.isdigit() else None


def _confirmation(action: str, application: Any, command: Any) -> str:
    """What the move did, in the words the clerk reads after it."""
    if action == "advance":
        return f"已推进到{workflows.STAGE_LABELS.get(application.stage, '')}环节"
    if action == "supplement":
        names = "、".join(applications.material_names(application,
                                                     list(command.missing_materials)))
        return f"已退回补正，待申请人补交：{names}"
    if action == "approve":
        benefit = (f"，每月待遇 ¥{application.benefit_fen / 100:,.2f}"
                   if application.benefit_fen is not None else "")
        return f"已批准{benefit}"
    return {"reject": "已作出不予批准决定，申请人将收到通知",
            "record_objection": "已登记公示异议，处理后方可继续办理",
            "resolve_objection": "已记录异议的处理结果"}[action]


def material_file(application_id: int, material_id: int) -> ResponseReturnValue:
    """One uploaded image or PDF, shown inline, to those who may read the application; the
    viewing is access-logged as a download through the API is."""
    found = materials.get_material_file(application_id, material_id, actor=g.actor)
    response = send_file(io.BytesIO(found.content), mimetype=found.content_type, max_age=0,
                         conditional=False, etag=False, download_name=found.download_name,
                         as_attachment=False)
    response.headers["Cache-Control"] = "private, no-store"  # personal papers, shared desks
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def register(blueprint: Blueprint) -> None:
    """The application page, its moves and its materials."""
    blueprint.add_url_rule("/applications/<int:application_id>", "application", page)
    blueprint.add_url_rule("/applications/<int:application_id>/actions/<action>",
                           "application_action", act, methods=["POST"])
    blueprint.add_url_rule("/applications/<int:application_id>/materials/<int:material_id>",
                           "material_file", material_file)
