"""The weekly supervision and the monthly bulletin (周督导、月通报): pick a period, read the
headline, download the workbook (XLSX) or a chart (PNG) — the same files the API serves."""

from __future__ import annotations

import io
from datetime import timedelta

from flask import Blueprint, flash, g, redirect, render_template, request, send_file, url_for
from flask.typing import ResponseReturnValue

from backend.errors import ValidationFailed
from backend.models.supervision import REPORT_KINDS
from backend.permissions import require
from backend.services import supervision
from backend.services.care_plans import local_today

KINDS = {"monthly": "monthly_bulletin", "weekly": "weekly_supervision"}
CHART_LABELS = {"ranking": "乡镇达标率排名图", "standards": "各项标准达标情况图"}


def last_period(kind: str) -> str:
    """The period just ended: last month for the bulletin, last week for the supervision."""
    today = local_today()
    if kind == "weekly":
        return supervision.period_containing(today - timedelta(days=7), week=True).label
    return supervision.period_containing(today.replace(day=1) - timedelta(days=1),
                                         week=False).label


def reports_page() -> ResponseReturnValue:
    """Both reports of the chosen periods, with their downloads."""
    require(g.actor, "supervision.read")
    shown, errors = {}, {}
    for kind in KINDS:
        asked = request.args.get(kind) or last_period(kind)
        try:
            shown[kind] = supervision.get_report(kind, asked, actor=g.actor)
        except ValidationFailed as exc:
            errors[kind] = exc.message
            shown[kind] = supervision.get_report(kind, last_period(kind), actor=g.actor)
    return render_template("console/city/reports.html", reports=shown, errors=errors,
                           kinds=REPORT_KINDS, charts=CHART_LABELS,
                           can_generate=g.actor.role == "city_admin"), 422 if errors else 200


def download(kind: str) -> ResponseReturnValue:
    """A report as its XLSX workbook or one PNG chart; ``view=1`` shows a chart in the page."""
    file_format = request.args.get("format", "xlsx")
    if file_format not in ("xlsx", "png"):
        raise ValidationFailed("文件格式应为 xlsx 或 png", code="bad_format")
    content, media_type, name = supervision.report_file(
        kind, request.args.get("period") or last_period(kind), file_format, actor=g.actor,
        chart=request.args.get("chart", "ranking"))
    return send_file(io.BytesIO(content), mimetype=media_type, download_name=name, max_age=0,
                     as_attachment=request.args.get("view") != "1")


def generate(kind: str) -> ResponseReturnValue:
    """Build the report now and keep it, replacing one of the same period (audited)."""
    period = request.form.get("period") or last_period(kind)
    report = supervision.generate_report(kind, period, actor=g.actor)
    flash(f"已生成并存档：{REPORT_KINDS[report.kind]}（{report.period}）", "info")
    shown = "monthly" if report.kind == "monthly_bulletin" else "weekly"
    return redirect(url_for("console.city_reports") + f"?{shown}={report.period}")


def register(blueprint: Blueprint) -> None:
    """The reports page, its downloads and generating a report."""
    blueprint.add_url_rule("/city/reports", "city_reports", reports_page)
    blueprint.add_url_rule("/city/reports/<any(weekly, monthly):kind>/file",
                           "city_report_file", download)
    blueprint.add_url_rule("/city/reports/<any(weekly, monthly):kind>", "city_report_generate",
                           generate, methods=["POST"])
