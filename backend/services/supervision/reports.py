"""The weekly supervision and the monthly bulletin (周督导、月通报): built from compliance and
the ranking, kept to compare the next one with, trimmed to who reads them, and written as
files (XLSX and PNG charts) for download and for the periodic jobs.
"""

from __future__ import annotations

from datetime import UTC, date, timedelta
from typing import Any

from backend import audit, outbox, storage
from backend.db import db
from backend.errors import NotFound, ValidationFailed
from backend.models import City, SupervisionReport, Township, utcnow
from backend.models.supervision import REPORT_KINDS
from backend.permissions import SYSTEM, Actor, require
from backend.services import stage_holders
from backend.services.benefit_payments import totals_by_township_and_service
from backend.services.supervision.compliance import compute_compliance, late_units, rank
from backend.services.supervision.periods import (
    Period,
    parse_period,
    period_containing,
    report_kind,
)


def _changes(ranking: list[dict[str, Any]], previous: dict[str, Any] | None,
             previous_label: str) -> dict[str, Any]:
    """Score, rank and standards gained or lost since the previous report of the same kind."""
    if previous is None:
        return {"previous_period": previous_label, "available": False, "townships": []}
    before = {r["township_code"]: r for r in previous.get("ranking", [])}
    townships = []
    for row in ranking:
        old = before.get(row["township_code"])
        if old is None:
            continue
        townships.append({
            "township_code": row["township_code"], "township_name": row["township_name"],
            "score_change": round(row["score"] - old["score"], 1),
            "rank_change": old["rank"] - row["rank"],  # positive: moved up
            "newly_failed": sorted(set(row["failed_standards"]) - set(old["failed_standards"])),
            "newly_passed": sorted(set(old["failed_standards"]) - set(row["failed_standards"])),
        })
    return {"previous_period": previous_label, "available": True, "townships": townships}


def _city() -> City:
    city = City.select().order_by(City.id).first()
    if city is None:
        raise NotFound("尚未建立城市", code="city_not_found")
    return city


def build_report(kind: str, period: Period) -> dict[str, Any]:
    """A weekly supervision or monthly bulletin for the whole city, as plain JSON data."""
    kind = report_kind(kind)
    city = _city()
    compliance = compute_compliance(period, actor=SYSTEM)
    ranking = rank(compliance["townships"])
    previous_period = period.previous()
    previous = (SupervisionReport.select().where(
        SupervisionReport.kind == kind, SupervisionReport.period == previous_period.label,
        SupervisionReport.area_code == city.code).first())
    return {"kind": kind, "kind_label": REPORT_KINDS[kind],
            "title": f"{city.name}民政{REPORT_KINDS[kind]}（{period.label}）",
            "city": {"code": city.code, "name": city.name},
            "generated_at": utcnow().replace(tzinfo=UTC).isoformat(timespec="seconds"),
            **compliance, "ranking": ranking, "late_units": late_units(compliance["townships"]),
            # 强化责任追究: the late steps open at the period's end, by township and by holder.
            "overdue_holders": stage_holders.overdue_by_holder(
                [row["township_code"] for row in compliance["townships"]],
                period.end + timedelta(days=1)),
            "changes": _changes(ranking, previous.data if previous else None,
                                previous_period.label),
            "benefit_payments": totals_by_township_and_service(
                period.start, period.end, Township.select().where(Township.city == city))}


def generate_report(kind: str, period_text: str | None, *, actor: Actor) -> SupervisionReport:
    """Build and keep a report (replacing one of the same kind and period); audited."""
    require(actor, "supervision.generate")
    kind = report_kind(kind)
    period = parse_period(period_text, week=kind == "weekly_supervision")
    data = build_report(kind, period)
    with db.atomic():
        existing = SupervisionReport.get_or_none(
            SupervisionReport.kind == kind, SupervisionReport.period == period.label,
            SupervisionReport.area_code == data["city"]["code"])
        report = existing or SupervisionReport(kind=kind, period=period.label,
                                               area_code=data["city"]["code"])
        report.data, report.generated_at = data, utcnow()
        report.save()
        audit.record(actor=actor, action="supervision.report_generated",
                     entity="supervision_report", entity_id=report.id,
                     changes={"kind": [None, kind], "period": [None, period.label]})
        outbox.emit("supervision.report_generated", report_id=report.id)
    return report


def generate_periodic_report(kind: str, period: str = "") -> dict[str, Any]:
    """The periodic job (#6): generate, keep and write files for a weekly or monthly report.

    ``kind`` is ``weekly``/``monthly`` (or the glossary names); ``period`` is ``2026-W48`` or
    ``2026-11``, empty for the current one. Answers ids and file paths only.
    """
    report = generate_report(kind, period, actor=SYSTEM)
    files = store_report_files(report.data, f"reports/{report.kind}-{report.period}")
    return {"report_id": report.id, "kind": report.kind, "period": report.period,
            "files": files}


def weekly_supervision_report(today: date | None = None) -> dict[str, Any]:
    """Periodic job: the weekly supervision of the week that ended before ``today``."""
    day = (today or utcnow().date()) - timedelta(days=7)
    return generate_periodic_report("weekly", period_containing(day, week=True).label)


def monthly_bulletin(today: date | None = None) -> dict[str, Any]:
    """Periodic job: the monthly bulletin of the month that ended before ``today``."""
    day = (today or utcnow().date()).replace(day=1) - timedelta(days=1)
    return generate_periodic_report("monthly", period_containing(day, week=False).label)


def store_report_files(data: dict[str, Any], folder: str) -> list[str]:
    """The report's XLSX and its charts, kept in the file store under ``folder``; their keys."""
    from backend.reports import charts, xlsx  # openpyxl and matplotlib load only when needed

    name = f"{data['kind']}-{data['period']}"
    files = {f"{folder}/{name}.xlsx": xlsx.report_workbook(data)}
    files |= {f"{folder}/{name}-{chart}.png": draw(data) for chart, draw in charts.CHARTS.items()}
    for key, content in files.items():
        storage.put_file(key, content)
    return list(files)


def _visible(data: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """A township's office sees its own rows only; the city sees everything."""
    if actor.kind == "system" or len(actor.area_code) <= 6:
        return data
    mine = actor.area_code[:9]

    def own(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rows if r["township_code"].startswith(mine)]

    changes = {**data["changes"], "townships": own(data["changes"]["townships"])}
    holders = data.get("overdue_holders", {"by_township": [], "by_person": []})
    return {**data, "townships": own(data["townships"]), "ranking": own(data["ranking"]),
            "late_units": own(data["late_units"]), "changes": changes, "city_wide": [],
            "overdue_holders": {name: own(rows) for name, rows in holders.items()},
            "benefit_payments": own(data.get("benefit_payments", [])),
            "service_figures": {
                name: ({**value, "by_township": own(value["by_township"]), "totals": {}}
                       if isinstance(value, dict) else value)
                for name, value in data["service_figures"].items()}}


def get_report(kind: str, period_text: str | None, *, actor: Actor) -> dict[str, Any]:
    """The kept report of a kind and period, or one built now; trimmed to the actor's scope."""
    require(actor, "supervision.read")
    kind = report_kind(kind)
    period = parse_period(period_text, week=kind == "weekly_supervision")
    stored = SupervisionReport.get_or_none(SupervisionReport.kind == kind,
                                           SupervisionReport.period == period.label)
    data = stored.data if stored else build_report(kind, period)
    return _visible(data, actor)


def report_file(kind: str, period_text: str | None, file_format: str, *, actor: Actor,
                chart: str = "ranking") -> tuple[bytes, str, str]:
    """The report as a download: (content, media type, file name) for ``xlsx`` or ``png``."""
    from backend.reports import charts, xlsx

    data = get_report(kind, period_text, actor=actor)
    name = f"{data['kind']}-{data['period']}"
    if file_format == "xlsx":
        return (xlsx.report_workbook(data), xlsx.MEDIA_TYPE, f"{name}.xlsx")
    if chart not in charts.CHARTS:
        raise ValidationFailed("没有这种图表", code="bad_chart",
                               errors={"chart": [f"可选：{'、'.join(charts.CHARTS)}"]})
    return charts.CHARTS[chart](data), "image/png", f"{name}-{chart}.png"
