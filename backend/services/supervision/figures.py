"""Service figures beside the standards: applications by stage, overdue steps, processing days,
visit coverage, booking latency and residents' ratings.

Figures are grouped by township (the first 9 digits of the area code) in the database, so the
whole city costs one query per figure. Each keeps the ``available`` flag reports show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from typing import Any, cast

import peewee as pw

from backend.models import Application, ApplicationEvaluation, Booking, CareVisit, Township
from backend.services import service_guide

# Which client group a care rule's visits count under (三留守, 特困, 优抚 and the rest).
VISIT_GROUPS = {"left_behind_child": "三留守", "left_behind_woman": "三留守",
                "left_behind_elder": "三留守", "extreme_poverty": "特困",
                "special_care": "优抚"}


def dict_rows(query: pw.ModelSelect[Any]) -> Iterable[dict[str, Any]]:
    """A grouped query's rows as dicts (peewee's stubs type ``dicts()`` rows as models)."""
    return cast(Iterable[dict[str, Any]], query.dicts())


def _township_of(field: pw.Field) -> pw.Function:
    return pw.fn.SUBSTR(field, 1, 9)


def _day_bounds(start: date, end: date) -> tuple[datetime, datetime]:
    return datetime.combine(start, time.min), datetime.combine(end + timedelta(days=1), time.min)


def collect_service_figures(townships: list[Township], start: date, end: date
                            ) -> dict[str, Any]:
    """Applications, overdue steps, processing days, visit coverage, booking latency, ratings."""
    codes = [t.code for t in townships] or [""]
    figures = {
        "applications_by_stage": applications_by_stage(codes),
        "overdue_steps": overdue_steps(codes, end),
        "processing_days": processing_days(codes, start, end),
        "visit_coverage": visit_coverage(codes, start, end),
        "booking_latency": booking_latency(codes, start, end),
        "evaluations": evaluation_results(codes, start, end),
    }
    return {"available": any(f["available"] for f in figures.values()), **figures}


def applications_by_stage(codes: list[str]) -> dict[str, Any]:
    """Open applications per township and workflow stage."""
    township = _township_of(Application.area_code)
    rows = dict_rows(
        Application.select(township.alias("township_code"), Application.stage,
                           pw.fn.COUNT(Application.id).alias("open"))
        .where(township.in_(codes), Application.status.in_(("in_review", "supplement")))
        .group_by(township, Application.stage).order_by(township, Application.stage))
    by_township = [{"township_code": r["township_code"], "stage": r["stage"] or "supplement",
                    "open": r["open"]} for r in rows]
    totals: dict[str, int] = defaultdict(int)
    for row in by_township:
        totals[row["stage"]] += row["open"]
    return {"available": True, "by_township": by_township, "totals": dict(totals)}


def overdue_steps(codes: list[str], on: date) -> dict[str, Any]:
    """Open application steps past their time limit on a day, per township and stage."""
    township = _township_of(Application.area_code)
    rows = dict_rows(
        Application.select(township.alias("township_code"), Application.stage,
                           pw.fn.COUNT(Application.id).alias("overdue"))
        .where(township.in_(codes), Application.status == "in_review",
               Application.stage_due_on < on)
        .group_by(township, Application.stage).order_by(township, Application.stage))
    by_township = [dict(r) for r in rows]
    return {"available": True, "by_township": by_township,
            "totals": {"overdue": sum(r["overdue"] for r in by_township)}}


def _time_limits() -> dict[str, int]:
    """Each service's published time limit (working days), with the city's edits."""
    return {s["code"]: int(s["time_limit_days"]) for s in service_guide.list_services()}


def processing_days(codes: list[str], start: date, end: date) -> dict[str, Any]:
    """Mean calendar days from submission to decision per service, beside its time limit."""
    low, high = _day_bounds(start, end)
    township = _township_of(Application.area_code)
    rows = dict_rows(
        Application.select(township.alias("township_code"), Application.service_code,
                           Application.submitted_at, Application.decided_at)
        .where(township.in_(codes), Application.decided_at >= low,
               Application.decided_at < high, Application.submitted_at.is_null(False)))
    days: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        days[row["service_code"]].append(
            (row["decided_at"] - row["submitted_at"]).total_seconds() / 86400)
    limits = _time_limits()
    totals = {code: {"decided": len(values), "mean_days": round(sum(values) / len(values), 1),
                     "time_limit_days": limits.get(code),
                     "within_limit": limits.get(code) is None
                     or sum(values) / len(values) <= limits[code]}
              for code, values in sorted(days.items())}
    return {"available": True, "by_township": [], "totals": totals,
            "note": "按自然日计算，时限为工作日"}


def visit_coverage(codes: list[str], start: date, end: date) -> dict[str, Any]:
    """Care visits falling due in the period against those done, by client group."""
    township = _township_of(CareVisit.area_code)
    rows = dict_rows(
        CareVisit.select(township.alias("township_code"), CareVisit.rule, CareVisit.kind,
                         CareVisit.status, pw.fn.COUNT(CareVisit.id).alias("n"))
        .where(township.in_(codes), CareVisit.latest_date >= start,
               CareVisit.latest_date <= end)
        .group_by(township, CareVisit.rule, CareVisit.kind, CareVisit.status))
    cells: dict[tuple[str, str], dict[str, int]] = defaultdict(lambda: {"due": 0, "done": 0})
    for row in rows:
        group = ("优抚" if row["kind"] == "condolence_visit"
                 else VISIT_GROUPS.get(row["rule"], "其他"))
        for key in ((row["township_code"], group), ("", group)):
            cells[key]["due"] += row["n"]
            cells[key]["done"] += row["n"] if row["status"] == "done" else 0

    def rate(cell: dict[str, int]) -> float | None:
        return round(100 * cell["done"] / cell["due"], 1) if cell["due"] else None

    by_township = [{"township_code": code, "group": group, **cell, "coverage_percent": rate(cell)}
                   for (code, group), cell in sorted(cells.items()) if code]
    totals = {group: {**cell, "coverage_percent": rate(cell)}
              for (code, group), cell in sorted(cells.items()) if not code}
    return {"available": True, "by_township": by_township, "totals": totals}


def booking_latency(codes: list[str], start: date, end: date) -> dict[str, Any]:
    """Mean hours from a booking request to the township's decision, per township."""
    low, high = _day_bounds(start, end)
    township = _township_of(Booking.area_code)
    rows = dict_rows(
        Booking.select(township.alias("township_code"), Booking.created_at, Booking.decided_at)
        .where(township.in_(codes), Booking.decided_at >= low, Booking.decided_at < high))
    hours: dict[str, list[float]] = defaultdict(list)
    for row in rows:
        hours[row["township_code"]].append(
            (row["decided_at"] - row["created_at"]).total_seconds() / 3600)
    by_township = [{"township_code": code, "decided": len(values),
                    "mean_hours": round(sum(values) / len(values), 1)}
                   for code, values in sorted(hours.items())]
    every = [h for values in hours.values() for h in values]
    return {"available": True, "by_township": by_township,
            "totals": {"decided": len(every),
                       "mean_hours": round(sum(every) / len(every), 1) if every else None}}


def evaluation_results(codes: list[str], start: date, end: date) -> dict[str, Any]:
    """Residents' ratings (好差评, 1–5) given in the period, per township."""
    low, high = _day_bounds(start, end)
    township = _township_of(Application.area_code)
    rating = ApplicationEvaluation.rating
    rows = dict_rows(
        ApplicationEvaluation.select(township.alias("township_code"),
                                     pw.fn.COUNT(ApplicationEvaluation.id).alias("rated"),
                                     pw.fn.AVG(rating).alias("mean"),
                                     pw.fn.SUM(pw.Case(None, [(rating <= 2, 1)], 0)).alias("poor"))
        .join(Application, on=(ApplicationEvaluation.application == Application.id))
        .where(township.in_(codes), ApplicationEvaluation.created_at >= low,
               ApplicationEvaluation.created_at < high)
        .group_by(township).order_by(township))
    by_township = [{"township_code": r["township_code"], "rated": r["rated"],
                    "mean_rating": round(float(r["mean"]), 2), "poor": int(r["poor"] or 0)}
                   for r in rows]
    rated = sum(r["rated"] for r in by_township)
    return {"available": True, "by_township": by_township,
            "totals": {"rated": rated, "poor": sum(r["poor"] for r in by_township),
                       "mean_rating": round(sum(r["mean_rating"] * r["rated"]
                                                for r in by_township) / rated, 2)
                       if rated else None}}
