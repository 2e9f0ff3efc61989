"""The household economic check (家庭经济状况核对) of an application, and other departments'
files: export the people to check, check a returned file (a dry run naming every bad cell and
every row that matched no one), then import it — the same services as the API's."""

from __future__ import annotations

import io

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from backend.permissions import require
from backend.services import department_data, household_checks
from console import forms, imports


def check_page(application_id: int) -> ResponseReturnValue:
    """The check as it stands, its sources, and the form to record it at 核查."""
    check = household_checks.household_check(application_id, actor=g.actor)
    return render_template("console/checks/check.html", check=check,
                           labels=department_data.LAYOUTS)


def record(application_id: int) -> ResponseReturnValue:
    """Record the check's result at the verification stage (audited)."""
    errors: forms.FormErrors = {}
    comment = forms.text(request.form, "comment", errors, label="核查意见")
    if errors:
        flash(errors["comment"], "error")
    else:
        check = household_checks.record_check(application_id, comment, actor=g.actor)
        flash(f"已登记核对结果：{check['finding_label']}", "info")
    return redirect(url_for("console.household_check", application_id=application_id))


def _data_page(errors: forms.FormErrors | None = None,
               report: department_data.DepartmentReport | None = None, *, content: bytes = b"",
               filename: str = "", status: int = 200) -> ResponseReturnValue:
    return render_template(
        "console/checks/departments.html", departments=department_data.departments(),
        errors=errors or {}, report=report, filename=filename,
        content=imports.carried(content) if report and report.valid else "",
        limit_mb=imports.limit_mb()), status


def departments_page() -> ResponseReturnValue:
    """Every department's layout, its export of people to check, and the upload form."""
    require(g.actor, "department_data.import")
    return _data_page()


def people(department: str) -> ResponseReturnValue:
    """The people to check for a department (ID numbers in clear, each read logged)."""
    content, media_type, name = department_data.people_to_check(department, actor=g.actor)
    return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                     download_name=name, max_age=0)


def _import(department: str) -> imports.Run:
    def proceed(content: bytes, filename: str, dry_run: bool) -> ResponseReturnValue:
        return imports.answer(
            content, filename, dry_run, page=_data_page,
            run=lambda data, name, dry: department_data.import_department_file(
                department, data, name, dry_run=dry, actor=g.actor),
            rejected=lambda rows: department_data.DepartmentReport(
                department=department, dry_run=True, errors=rows),
            finished=_imported)
    return proceed


def _imported(report: department_data.DepartmentReport) -> ResponseReturnValue:
    flash(f"已导入 {report.matched} 行（{department_data.layout_of(report.department).label}），"
          f"{len(report.unmatched)} 行未匹配到正在核查的家庭成员（已存档），已记入审计", "info")
    return redirect(url_for("console.department_data"))


def check_file() -> ResponseReturnValue:
    """Dry run: read every row, write nothing, list bad cells and unmatched rows."""
    require(g.actor, "department_data.import")
    return imports.check_upload(_data_page, _import(request.form.get("department", "")))


def confirm() -> ResponseReturnValue:
    """Import the checked file; it is checked again, and written only if still clean."""
    require(g.actor, "department_data.import")
    return imports.confirm_checked(_data_page, _import(request.form.get("department", "")))


def register(blueprint: Blueprint) -> None:
    """The check page and its form; the departments page, its exports, check and import."""
    blueprint.add_url_rule("/applications/<int:application_id>/household-check",
                           "household_check", check_page)
    blueprint.add_url_rule("/applications/<int:application_id>/household-check",
                           "household_check_record", record, methods=["POST"])
    blueprint.add_url_rule("/department-data", "department_data", departments_page)
    blueprint.add_url_rule("/department-data/<department>/people.csv",
                           "department_people", people)
    blueprint.add_url_rule("/department-data/check", "department_check", check_file,
                           methods=["POST"])
    blueprint.add_url_rule("/department-data/import", "department_import", confirm,
                           methods=["POST"])
