"""The city bureau (市民政局): the compliance grid of every township against the standards with
the ranking and the late units, the service figures with charts, and the overdue report.

Township offices read the same pages trimmed to their own rows, as the API answers them."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from flask import Blueprint, g, render_template, request
from flask.typing import ResponseReturnValue

from backend import workflows
from backend.errors import ValidationFailed
from backend.services import applications, service_guide, supervision
from console import forms
from console.pages import yuan

# How a standard's number reads, by the unit the standards name.
YES_NO_UNIT = "是/否（1/0）"
MONEY_UNITS = ("分", "分/月")
STAGES = {**workflows.STAGE_LABELS, "supplement": "补正", "": "补正"}


def standard_value(value: float | None, unit: str) -> str:
    """A required or actual figure of a standard in words: ¥ for money, 是/否, with its unit."""
    if value is None:
        return "未填报"
    if unit in MONEY_UNITS:
        return yuan(int(value)) + ("/月" if unit == "分/月" else "")
    if unit == YES_NO_UNIT:
        return "是" if value else "否"
    number = int(value) if float(value).is_integer() else value
    return f"{number}{unit}"


def _compliance(period: str | None) -> tuple[dict[str, Any], forms.FormErrors]:
    """Compliance for the asked period, or this month's with the reason the period was refused."""
    try:
        return supervision.get_compliance(period, actor=g.actor), {}
    except ValidationFailed as exc:
        if exc.code != "bad_period":
            raise
        return supervision.get_compliance(None, actor=g.actor), {"period": exc.message}


def compliance() -> ResponseReturnValue:
    """Townships × standards for a period, met or not with the reason; the ranking; late units."""
    data, errors = _compliance(request.args.get("period") or None)
    return render_template("console/city/compliance.html", data=data, errors=errors,
                           asked=request.args.get("period", ""),
                           ranking=supervision.rank(data["townships"]),
                           late=supervision.late_units(data["townships"])), 422 if errors else 200


def _names(data: dict[str, Any]) -> dict[str, str]:
    return {row["township_code"]: row["township_name"] for row in data["townships"]}


def _per_township(rows: list[dict[str, Any]], names: dict[str, str], field: str
                  ) -> list[tuple[str, float]]:
    """A figure's rows added up per township, by township name."""
    totals: dict[str, float] = defaultdict(float)
    for row in rows:
        totals[row["township_code"]] += row[field] or 0
    return [(names.get(code, code), totals[code]) for code in sorted(totals)]


def _coverage(label: str, cell: dict[str, int]) -> tuple[str, float, str]:
    rate = round(100 * cell["done"] / cell["due"], 1) if cell["due"] else 0.0
    return label, rate, f"{rate:g}%（{cell['done']}/{cell['due']}）"


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: what it is, its number as shown, its length against the longest."""

    label: str
    value: float
    shown: str
    share: float  # 0..1


def _bars(rows: list[tuple[str, float, str]], top: float | None = None) -> list[Bar]:
    longest = top or max((value for _, value, _ in rows), default=0) or 1
    return [Bar(label, value, shown, min(1.0, value / longest)) for label, value, shown in rows]


def charts(data: dict[str, Any]) -> dict[str, list[Bar]]:
    """Each chart's bars, from the service figures of the compliance data."""
    figs, names = data["service_figures"], _names(data)
    coverage = figs["visit_coverage"]
    by_township: dict[str, dict[str, int]] = defaultdict(lambda: {"due": 0, "done": 0})
    for row in coverage["by_township"]:
        by_township[row["township_code"]]["due"] += row["due"]
        by_township[row["township_code"]]["done"] += row["done"]
    services = {s["code"]: s["short_name"] for s in service_guide.list_services()}
    latency, ratings = figs["booking_latency"], figs["evaluations"]
    return {
        "coverage_groups": _bars([_coverage(group, cell)
                                  for group, cell in coverage["totals"].items()], 100),
        "coverage_townships": _bars([_coverage(names.get(code, code), cell)
                                     for code, cell in sorted(by_township.items())], 100),
        "open_by_stage": _bars([(STAGES.get(stage, stage), n, f"{n} 件") for stage, n
                                in figs["applications_by_stage"]["totals"].items()]),
        "overdue_townships": _bars([(name, n, f"{n:g} 件") for name, n in _per_township(
            figs["overdue_steps"]["by_township"], names, "overdue")]),
        "booking_hours": _bars([(names.get(r["township_code"], r["township_code"]),
                                 r["mean_hours"], f"{r['mean_hours']} 小时（{r['decided']} 件）")
                                for r in latency["by_township"]]),
        "ratings": _bars([(names.get(r["township_code"], r["township_code"]), r["mean_rating"],
                           f"{r['mean_rating']} 分（{r['rated']} 条，差评 {r['poor']}）")
                          for r in ratings["by_township"]], 5),
        "processing_days": _bars([(services.get(code, code), t["mean_days"],
                                   f"{t['mean_days']} 天（时限 {t['time_limit_days']} 个工作日）")
                                  for code, t in figs["processing_days"]["totals"].items()]),
    }


def figures() -> ResponseReturnValue:
    """Service figures beside the standards, as charts with their numbers."""
    data, errors = _compliance(request.args.get("period") or None)
    return render_template("console/city/figures.html", data=data, errors=errors,
                           asked=request.args.get("period", ""),
                           charts=charts(data)), 422 if errors else 200


def overdue() -> ResponseReturnValue:
    """Open and late applications per township (rows) and stage (columns), across the city."""
    rows = applications.overdue_report(actor=g.actor)
    townships: dict[str, dict[str, Any]] = {}
    for row in rows:
        entry = townships.setdefault(row["township_code"], {
            "code": row["township_code"], "name": row["township_name"], "cells": {}, "open": 0,
            "overdue": 0})
        entry["cells"][row["stage"]] = row
        entry["open"] += row["open_count"]
        entry["overdue"] += row["overdue_count"]
    present = {row["stage"] for row in rows}
    stages = [(code, STAGES.get(code, code)) for code in [*workflows.STAGE_LABELS, ""]
              if code in present]
    ordered = sorted(townships.values(), key=lambda t: (-t["overdue"], -t["open"], t["code"]))
    by_stage = {code: (sum(r["open_count"] for r in rows if r["stage"] == code),
                       sum(r["overdue_count"] for r in rows if r["stage"] == code))
                for code, _ in stages}
    return render_template("console/city/overdue.html", townships=ordered, stages=stages,
                           by_stage=by_stage,
                           total_open=sum(t["open"] for t in ordered),
                           total_overdue=sum(t["overdue"] for t in ordered))


def register(blueprint: Blueprint) -> None:
    """The city's pages."""
    blueprint.add_app_template_filter(standard_value, "standard_value")
    blueprint.add_url_rule("/city", "city_compliance", compliance)
    blueprint.add_url_rule("/city/figures", "city_figures", figures)
    blueprint.add_url_rule("/city/overdue", "city_overdue", overdue)
