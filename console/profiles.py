"""Importing township profiles (乡镇概况) from a spreadsheet: the file is checked first (a dry run
that writes nothing) and its errors listed by sheet, row and column; only a clean file offers
the button that imports it. The same service as the API's import, in two steps.

The checked file rides back with the confirmation as a hidden field, so the import needs no
server-side state between the two steps and is checked again in full before anything is written.
"""

from __future__ import annotations

import io

from flask import Blueprint, flash, g, redirect, render_template, send_file, url_for
from flask.typing import ResponseReturnValue

from backend.permissions import require
from backend.services import profiles_import
from console import forms, imports


def _page(errors: forms.FormErrors | None = None,
          report: profiles_import.ImportReport | None = None,
          *, content: bytes = b"", filename: str = "", status: int = 200) -> ResponseReturnValue:
    return render_template(
        "console/city/profiles.html", errors=errors or {}, report=report, filename=filename,
        content=imports.carried(content) if report and report.valid else "",
        limit_mb=imports.limit_mb()), status


def import_page() -> ResponseReturnValue:
    """The template downloads and the form to check a file."""
    require(g.actor, "supervision.profiles.import")
    return _page()


def template(file_format: str) -> ResponseReturnValue:
    """The import template with the actor's townships filled in."""
    content, media_type, name = profiles_import.profile_template(file_format, actor=g.actor)
    return send_file(io.BytesIO(content), mimetype=media_type, as_attachment=True,
                     download_name=name, max_age=0)


def _import(content: bytes, filename: str, dry_run: bool) -> ResponseReturnValue:
    return imports.answer(
        content, filename, dry_run, page=_page,
        run=lambda data, name, dry: profiles_import.import_profiles(data, name, dry_run=dry,
                                                                    actor=g.actor),
        rejected=lambda rows: profiles_import.ImportReport(dry_run=True, errors=rows),
        finished=_imported)


def _imported(report: profiles_import.ImportReport) -> ResponseReturnValue:
    flash(f"已导入 {report.profiles} 份乡镇概况、{report.nursing_homes} 所养老院"
          f"（{len(report.townships)} 个乡镇），已记入审计", "info")
    return redirect(url_for("console.city_profiles"))


def check() -> ResponseReturnValue:
    """Dry run: read every row, write nothing, list what is wrong where."""
    require(g.actor, "supervision.profiles.import")
    return imports.check_upload(_page, _import)


def confirm() -> ResponseReturnValue:
    """Import the checked file; it is checked again, and written only if still clean."""
    require(g.actor, "supervision.profiles.import")
    return imports.confirm_checked(_page, _import)


def register(blueprint: Blueprint) -> None:
    """The import page, its template, the check and the import."""
    blueprint.add_url_rule("/city/profiles", "city_profiles", import_page)
    blueprint.add_url_rule("/city/profiles/template.<any(xlsx, csv):file_format>",
                           "city_profiles_template", template)
    blueprint.add_url_rule("/city/profiles/check", "city_profiles_check", check,
                           methods=["POST"])
    blueprint.add_url_rule("/city/profiles/import", "city_profiles_import", confirm,
                           methods=["POST"])
