"""Training and yearly assessment per person (培训与年度考核): the year's table of who trained how
many days and how they were assessed, the template, and the import in two steps (a dry run
naming every bad cell, then the import) — the same services as the API's."""

from __future__ import annotations

import io

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from backend.models.training import ASSESSMENT_GRADES
from backend.permissions import require
from backend.services import training
from backend.services.care_plans import local_today
from backend.services.supervision import standards_book
from console import forms, imports


def _page(errors: forms.FormErrors | None = None,
          report: training.TrainingImportReport | None = None, *, content: bytes = b"",
          filename: str = "", status: int = 200) -> ResponseReturnValue:
    raw = request.args.get("year", "")
    year = int(raw) if raw.isdigit() and 2000 <= int(raw) <= 2100 else local_today().year
    return render_template(
        "console/training/training.html", year=year, people=training.summary(year, actor=g.actor),
        minimum=standards_book().on(local_today()).training_days_per_person_min,
        grades=ASSESSMENT_GRADES, errors=errors or {}, report=report, filename=filename,
        content=imports.carried(content) if report and report.valid else "",
        limit_mb=imports.limit_mb()), status


def training_page() -> ResponseReturnValue:
    """The year's people with their days and grades, and the import form."""
    require(g.actor, "training.read")
    return _page()


def template(file_format: str) -> ResponseReturnValue:
    """The import template with the office's staff listed."""
    content, media_type, name = training.training_template(file_format, actor=g.actor)
    return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                     download_name=name, max_age=0)


def _import(content: bytes, filename: str, dry_run: bool) -> ResponseReturnValue:
    return imports.answer(
        content, filename, dry_run, page=_page,
        run=lambda data, name, dry: training.import_training(data, name, dry_run=dry,
                                                             actor=g.actor),
        rejected=lambda rows: training.TrainingImportReport(dry_run=True, errors=rows),
        finished=_imported)


def _imported(report: training.TrainingImportReport) -> ResponseReturnValue:
    flash(f"已导入 {report.training_records} 条培训记录、{report.assessments} 条年度考核"
          f"（{report.people} 人），已记入审计", "info")
    return redirect(url_for("console.training"))


def check() -> ResponseReturnValue:
    """Dry run: read every row, write nothing, list what is wrong where."""
    require(g.actor, "training.import")
    return imports.check_upload(_page, _import)


def confirm() -> ResponseReturnValue:
    """Import the checked file; it is checked again, and written only if still clean."""
    require(g.actor, "training.import")
    return imports.confirm_checked(_page, _import)


def register(blueprint: Blueprint) -> None:
    """The training page, its template, the check and the import."""
    blueprint.add_url_rule("/training", "training", training_page)
    blueprint.add_url_rule("/training/template.<any(xlsx, csv):file_format>",
                           "training_template", template)
    blueprint.add_url_rule("/training/check", "training_check", check, methods=["POST"])
    blueprint.add_url_rule("/training/import", "training_import", confirm, methods=["POST"])
