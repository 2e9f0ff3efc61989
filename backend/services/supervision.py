"""Supervision (督导): compliance with the standards per township and city-wide, the ranking,
the weekly supervision and the monthly bulletin (周督导、月通报).

Compliance is computed from a handful of grouped queries (townships, staff counts, villages
and stations, profiles, nursing homes), never one query per township, so the whole city costs
the same few round trips. Every number compared against comes from ``backend.standards``.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any, cast

import peewee as pw

from backend import audit, outbox, runtime, standards
from backend.db import db
from backend.errors import NotFound, ValidationFailed
from backend.models import (
    City,
    NursingHome,
    ServiceStation,
    StaffAccount,
    SupervisionReport,
    Township,
    TownshipProfile,
    Village,
    utcnow,
)
from backend.models.supervision import REPORT_KINDS
from backend.permissions import SYSTEM, Actor, require, scoped

# What each standard is called, its unit, and whether township figures add up city-wide.
STANDARD_LABELS: dict[str, tuple[str, str, bool]] = {
    "full_time_staff": ("专职民政工作人员", "人", True),
    "social_workers": ("政府购买专业社工", "人", True),
    "coordinators": ("村（居）民政协管员（每站一名）", "个村（居）", True),
    "coordinator_allowance": ("协管员每月补贴（最低者）", "分/月", False),
    "station_elements": ("村（居）民政服务站“五有”", "个站", True),
    "office_area": ("民政办公用房面积", "平方米", False),
    "equipment": ("办公设施“十有”", "项", False),
    "funds": ("年度工作经费", "分", True),
    "funds_growth": ("工作经费不低于上年", "分", False),
    "training_days": ("人均年培训天数", "天", False),
    "yearly_assessment": ("年度考核", "是/否（1/0）", False),
    "elderly_beds": ("每千名老年人养老床位", "张", False),
    "township_nursing_home": ("乡镇敬老院床位（≥标准的一所）", "张", False),
    "nursing_home_medical_care": ("提供医疗服务的养老院占比", "%", False),
}
# Aliases the periodic job and the API accept for the two report kinds.
KIND_ALIASES = {"weekly": "weekly_supervision", "monthly": "monthly_bulletin",
                "weekly_supervision": "weekly_supervision",
                "monthly_bulletin": "monthly_bulletin"}
NO_PROFILE = "未填报本年度乡镇概况"


# --- periods ------------------------------------------------------------------------------

@dataclass(frozen=True)
class Period:
    """A calendar month (``2026-11``) or ISO week (``2026-W48``) a report covers."""

    label: str
    start: date
    end: date

    @property
    def is_week(self) -> bool:
        """True for an ISO week."""
        return "W" in self.label

    def previous(self) -> Period:
        """The period of the same kind just before this one."""
        return period_containing(self.start - timedelta(days=1), week=self.is_week)


def period_containing(day: date, *, week: bool) -> Period:
    """The ISO week or calendar month a day falls in."""
    if week:
        year, number, weekday = day.isocalendar()
        start = day - timedelta(days=weekday - 1)
        return Period(f"{year}-W{number:02d}", start, start + timedelta(days=6))
    start = day.replace(day=1)
    following = (start + timedelta(days=32)).replace(day=1)
    return Period(f"{day.year}-{day.month:02d}", start, following - timedelta(days=1))


def parse_period(text: str | None, *, week: bool = False, today: date | None = None) -> Period:
    """A period from ``2026-11`` or ``2026-W48``; empty means the current month (or week)."""
    today = today or utcnow().date()
    if not text:
        return period_containing(today, week=week)
    try:
        if match := re.fullmatch(r"(\d{4})-W(\d{2})", text):
            return period_containing(date.fromisocalendar(int(match[1]), int(match[2]), 1),
                                     week=True)
        if match := re.fullmatch(r"(\d{4})-(\d{2})", text):
            return period_containing(date(int(match[1]), int(match[2]), 1), week=False)
    except ValueError:
        pass
    raise ValidationFailed("统计周期格式应为 2026-11（月）或 2026-W48（周）", code="bad_period",
                           errors={"period": [f"无法识别：{text}"]})


def _kind(kind: str) -> str:
    if kind not in KIND_ALIASES:
        raise NotFound("没有这种报告", code="report_kind_not_found")
    return KIND_ALIASES[kind]


# --- the standards in force ---------------------------------------------------------------

def standards_book() -> standards.StandardsBook:
    """The city's own standards file when configured (``STANDARDS_FILE``), else the policy's."""
    path = runtime.settings().standards_file
    return _cached_book(path) if path else standards.DEFAULT_BOOK


_books: dict[str, standards.StandardsBook] = {}


def _cached_book(path: str) -> standards.StandardsBook:
    if path not in _books:
        _books[path] = standards.load_book(path)
    return _books[path]


# --- compliance ---------------------------------------------------------------------------

@dataclass
class _CityFacts:
    """Everything compliance reads, loaded in a few grouped queries."""

    townships: list[Township]
    staff: dict[tuple[int, str], int]
    coordinators_by_village: dict[int, int]
    lowest_allowance: dict[int, int | None]
    villages: dict[int, list[tuple[Village, ServiceStation | None]]]
    profiles: dict[int, TownshipProfile]
    homes: dict[int, list[NursingHome]]


def _rows(query: pw.ModelSelect[Any]) -> Iterable[dict[str, Any]]:
    """A grouped query's rows as dicts (peewee's stubs type ``dicts()`` rows as models)."""
    return cast(Iterable[dict[str, Any]], query.dicts())


def _load_facts(townships: list[Township], year: int) -> _CityFacts:
    ids = [t.id for t in townships] or [0]
    staff: dict[tuple[int, str], int] = {}
    for row in _rows(StaffAccount.select(StaffAccount.township, StaffAccount.role,
                                         pw.fn.COUNT(StaffAccount.id).alias("n"))
                     .where(StaffAccount.township.in_(ids),
                            StaffAccount.is_active == True)  # noqa: E712
                     .group_by(StaffAccount.township, StaffAccount.role)):
        staff[(row["township"], row["role"])] = row["n"]
    coordinators: dict[int, int] = defaultdict(int)
    lowest: dict[int, int | None] = {}
    for row in _rows(StaffAccount.select(StaffAccount.township, StaffAccount.village,
                                         StaffAccount.monthly_allowance_fen)
                     .where(StaffAccount.township.in_(ids), StaffAccount.role == "coordinator",
                            StaffAccount.is_active == True)):  # noqa: E712
        if row["village"] is not None:
            coordinators[row["village"]] += 1
        paid = row["monthly_allowance_fen"] or 0
        current = lowest.get(row["township"])
        lowest[row["township"]] = paid if current is None else min(current, paid)
    villages: dict[int, list[tuple[Village, ServiceStation | None]]] = defaultdict(list)
    query = (Village.select(Village, ServiceStation)
             .join(ServiceStation, pw.JOIN.LEFT_OUTER, on=(ServiceStation.village == Village.id))
             .where(Village.township.in_(ids)).order_by(Village.code))
    for village in query:
        station = getattr(village, "servicestation", None)
        villages[village.township_id].append((village, station if station and station.id
                                              else None))
    profiles = {p.township_id: p for p in TownshipProfile.select().where(
        TownshipProfile.township.in_(ids), TownshipProfile.year == year)}
    homes: dict[int, list[NursingHome]] = defaultdict(list)
    for home in NursingHome.select().where(NursingHome.township.in_(ids)).order_by(
            NursingHome.name):
        homes[home.township_id].append(home)
    return _CityFacts(townships, staff, coordinators, lowest, villages, profiles, homes)


def _item(code: str, required: float, actual: float | None, edition: standards.Standards,
          on: date, *, passed: bool | None = None, detail: list[str] | None = None
          ) -> dict[str, Any]:
    label, unit, _ = STANDARD_LABELS[code]
    if passed is None:
        passed = actual is not None and actual >= required
    gap = None if actual is None else round(max(0.0, required - actual), 1)
    deadline = edition.deadlines.get(code)
    if isinstance(gap, float) and gap.is_integer():
        gap = int(gap)
    return {"code": code, "label": label, "unit": unit, "required": required, "actual": actual,
            "passed": passed, "gap": gap if not passed else 0,
            "deadline": deadline.isoformat() if deadline else None,
            "late": (not passed) and deadline is not None and deadline < on,
            "detail": detail or []}


def _township_items(t: Township, facts: _CityFacts, edition: standards.Standards,
                    on: date) -> list[dict[str, Any]]:
    """Every standard for one township: required, actual, passed, gap."""
    e, items = edition, []
    items.append(_item("full_time_staff", e.required_full_time_staff(t.population),
                       facts.staff.get((t.id, "township_staff"), 0), e, on))
    items.append(_item("social_workers", e.social_workers_per_township,
                       facts.staff.get((t.id, "social_worker"), 0), e, on))
    villages = facts.villages.get(t.id, [])
    uncovered = [v.name for v, _ in villages
                 if facts.coordinators_by_village.get(v.id, 0) < e.coordinators_per_village]
    items.append(_item("coordinators", len(villages), len(villages) - len(uncovered), e, on,
                       detail=[f"{name}无协管员" for name in uncovered]))
    items.append(_item("coordinator_allowance", e.coordinator_monthly_allowance_fen,
                       facts.lowest_allowance.get(t.id), e, on))
    incomplete = []
    for village, station in villages:
        missing = [label for column, label in standards.STATION_ELEMENTS.items()
                   if station is None or not getattr(station, column)]
        if missing:
            incomplete.append(f"{village.name}缺{'、'.join(missing)}")
    items.append(_item("station_elements", len(villages), len(villages) - len(incomplete), e,
                       on, detail=incomplete))
    items.append(_item("office_area", e.office_min_area_m2, t.office_area_m2 or 0, e, on))
    items += _profile_items(t, facts, e, on)
    return items


def _profile_items(t: Township, facts: _CityFacts, e: standards.Standards,
                   on: date) -> list[dict[str, Any]]:
    """The standards read from the township's yearly profile and its nursing homes."""
    profile = facts.profiles.get(t.id)
    missing = [NO_PROFILE] if profile is None else []
    held = profile.equipment if profile else {}
    lacking = [standards.TEN_ITEMS[code][0] for code, minimum in e.equipment_min.items()
               if int(held.get(code, 0) or 0) < minimum]
    items = [
        _item("equipment", len(e.equipment_min),
              None if profile is None else len(e.equipment_min) - len(lacking), e, on,
              detail=missing or [f"缺{label}" for label in lacking]),
        _item("funds", e.required_funds_fen(t.population),
              profile.funds_this_year_fen if profile else None, e, on, detail=missing),
        _item("funds_growth", profile.funds_last_year_fen if profile else 0,
              profile.funds_this_year_fen if profile else None, e, on, detail=missing,
              passed=None if profile and e.funds_must_grow else bool(profile)),
        _item("training_days", e.training_days_per_person_min,
              profile.training_days_per_person if profile else None, e, on, detail=missing),
        _item("yearly_assessment", 1 if e.yearly_assessment_required else 0,
              (1 if profile.assessment_done else 0) if profile else None, e, on,
              detail=missing),
    ]
    homes = facts.homes.get(t.id, [])
    beds = sum(h.beds for h in homes)
    per_thousand = round(beds * 1000 / t.elderly_population, 1) if t.elderly_population else None
    items.append(_item("elderly_beds", e.beds_per_1000_elderly_min, per_thousand, e, on,
                       detail=[f"养老床位{beds}张，老年人口{t.elderly_population}人"]))
    own = max((h.beds for h in homes if h.township_run), default=0)
    items.append(_item("township_nursing_home", e.township_nursing_home_min_beds, own, e, on,
                       detail=[] if own else ["未建乡镇敬老院"]))
    share = round(100 * sum(1 for h in homes if h.medical_care) / len(homes), 1) if homes else 0
    items.append(_item("nursing_home_medical_care", e.medical_care_share_min_percent, share, e,
                       on, detail=[] if homes else ["无养老院"]))
    return items


def _score(items: list[dict[str, Any]]) -> float:
    return round(100 * sum(1 for i in items if i["passed"]) / len(items), 1) if items else 0.0


def _city_wide(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Per standard across townships: how many pass, who fails, totals where they add up."""
    summary = []
    for code, (label, unit, additive) in STANDARD_LABELS.items():
        items = [(row, next(i for i in row["items"] if i["code"] == code)) for row in rows]
        failed = [row["township_name"] for row, item in items if not item["passed"]]
        entry: dict[str, Any] = {
            "code": code, "label": label, "unit": unit, "townships": len(items),
            "townships_passed": len(items) - len(failed), "townships_failed": failed,
            "pass_rate_percent": round(100 * (len(items) - len(failed)) / len(items), 1)
            if items else None,
            "required_total": None, "actual_total": None, "gap_total": None}
        if additive:
            entry["required_total"] = sum(item["required"] for _, item in items)
            entry["actual_total"] = sum(item["actual"] or 0 for _, item in items)
            entry["gap_total"] = sum(item["gap"] or 0 for _, item in items)
        summary.append(entry)
    return summary


def compute_compliance(period: Period, *, actor: Actor) -> dict[str, Any]:
    """Compliance for every standard, per township in the actor's scope and across them."""
    require(actor, "supervision.read")
    edition = standards_book().on(period.end)
    townships = list(scoped(Township.select(), Township.code, actor).order_by(Township.code))
    facts = _load_facts(townships, period.end.year)
    rows = []
    for t in townships:
        items = _township_items(t, facts, edition, period.end)
        failed = [i["code"] for i in items if not i["passed"]]
        rows.append({"township_id": t.id, "township_code": t.code, "township_name": t.name,
                     "population": t.population, "elderly_population": t.elderly_population,
                     "score": _score(items), "passed": len(items) - len(failed),
                     "failed": len(failed), "failed_standards": failed, "items": items})
    return {"period": period.label, "period_start": period.start.isoformat(),
            "period_end": period.end.isoformat(),
            "standards": {"title": edition.title,
                          "effective_from": edition.effective_from.isoformat()},
            "townships": rows, "city_wide": _city_wide(rows),
            "service_figures": collect_service_figures(townships, period.start, period.end)}


def get_compliance(period_text: str | None, *, actor: Actor) -> dict[str, Any]:
    """Compliance for a period given as text (``2026-11``, ``2026-W48``; empty: this month)."""
    return compute_compliance(parse_period(period_text), actor=actor)


# --- ranking, the weekly supervision and the monthly bulletin -----------------------------

def rank(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Townships best first: higher score, then fewer late standards, then by code."""
    ordered = sorted(rows, key=lambda r: (-r["score"], sum(i["late"] for i in r["items"]),
                                          r["township_code"]))
    ranking, previous_key, position = [], None, 0
    for index, row in enumerate(ordered, start=1):
        key = row["score"]
        if key != previous_key:  # equal scores share a place (并列)
            position, previous_key = index, key
        ranking.append({"rank": position, "township_code": row["township_code"],
                        "township_name": row["township_name"], "score": row["score"],
                        "passed": row["passed"], "failed": row["failed"],
                        "failed_standards": row["failed_standards"]})
    return ranking


def late_units(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Townships failing a standard after its deadline, named with what is late."""
    named = []
    for row in rows:
        late = [{"code": i["code"], "label": i["label"], "deadline": i["deadline"],
                 "gap": i["gap"], "detail": i["detail"]} for i in row["items"] if i["late"]]
        if late:
            named.append({"township_code": row["township_code"],
                          "township_name": row["township_name"], "standards": late})
    return named


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
    kind = _kind(kind)
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
            "generated_at": utcnow().isoformat(timespec="seconds"),
            **compliance, "ranking": ranking, "late_units": late_units(compliance["townships"]),
            "changes": _changes(ranking, previous.data if previous else None,
                                previous_period.label)}


def generate_report(kind: str, period_text: str | None, *, actor: Actor) -> SupervisionReport:
    """Build and keep a report (replacing one of the same kind and period); audited."""
    require(actor, "supervision.generate")
    kind = _kind(kind)
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
    files = write_report_files(report.data, _reports_dir() / f"{report.kind}-{report.period}")
    return {"report_id": report.id, "kind": report.kind, "period": report.period,
            "files": [str(path) for path in files]}


def weekly_supervision_report(today: date | None = None) -> dict[str, Any]:
    """Periodic job: the weekly supervision of the week that ended before ``today``."""
    day = (today or utcnow().date()) - timedelta(days=7)
    return generate_periodic_report("weekly", period_containing(day, week=True).label)


def monthly_bulletin(today: date | None = None) -> dict[str, Any]:
    """Periodic job: the monthly bulletin of the month that ended before ``today``."""
    day = (today or utcnow().date()).replace(day=1) - timedelta(days=1)
    return generate_periodic_report("monthly", period_containing(day, week=False).label)


def _reports_dir() -> Path:
    try:
        return runtime.settings().instance_path / "reports"
    except RuntimeError:
        return Path("instance") / "reports"


def write_report_files(data: dict[str, Any], folder: Path) -> list[Path]:
    """The report's XLSX and its charts, written into ``folder``."""
    from backend.reports import charts, xlsx  # openpyxl and matplotlib load only when needed

    folder.mkdir(parents=True, exist_ok=True)
    workbook = folder / f"{data['kind']}-{data['period']}.xlsx"
    workbook.write_bytes(xlsx.report_workbook(data))
    return [workbook, *charts.write_charts(data, folder)]


def _visible(data: dict[str, Any], actor: Actor) -> dict[str, Any]:
    """A township's office sees its own rows only; the city sees everything."""
    if actor.kind == "system" or len(actor.area_code) <= 6:
        return data
    mine = actor.area_code[:9]

    def own(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        return [r for r in rows if r["township_code"].startswith(mine)]

    changes = {**data["changes"], "townships": own(data["changes"]["townships"])}
    return {**data, "townships": own(data["townships"]), "ranking": own(data["ranking"]),
            "late_units": own(data["late_units"]), "changes": changes, "city_wide": [],
            "service_figures": {
                name: ({**value, "by_township": own(value["by_township"]), "totals": {}}
                       if isinstance(value, dict) else value)
                for name, value in data["service_figures"].items()}}


def get_report(kind: str, period_text: str | None, *, actor: Actor) -> dict[str, Any]:
    """The kept report of a kind and period, or one built now; trimmed to the actor's scope."""
    require(actor, "supervision.read")
    kind = _kind(kind)
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


# --- demo profiles --------------------------------------------------------------------------

def seed_demo_profiles(fixture: dict[str, Any], *, year: int) -> int:
    """Profiles and nursing homes for the demo city, breaking what its ``deviations`` name."""
    edition = standards_book().on(date(year, 12, 31))
    count = 0
    with db.atomic():
        for t in fixture["townships"]:
            township = Township.get_or_none(Township.code == t["code"])
            if township is None:
                continue
            _seed_township_profile(township, set(t.get("deviations", [])), edition, year)
            count += 1
        audit.record(actor=SYSTEM, action="supervision.demo_profiles_seeded", entity="city",
                     entity_id=fixture["city"]["code"], changes={"profiles": [None, count]})
    return count


def _seed_township_profile(township: Township, deviations: set[str],
                           edition: standards.Standards, year: int) -> None:
    equipment = dict(edition.equipment_min)
    if "missing_equipment" in deviations:
        equipment["relief_vehicle"] = 0  # the item townships most often lack
    funds = edition.required_funds_fen(township.population)
    if "underfunded" in deviations:
        funds = funds * 4 // 5
    TownshipProfile.delete().where(TownshipProfile.township == township,
                                   TownshipProfile.year == year).execute()
    TownshipProfile.create(
        township=township, area_code=township.code, year=year, equipment=equipment,
        funds_this_year_fen=funds, funds_last_year_fen=funds * 9 // 10,
        training_days_per_person=edition.training_days_per_person_min - 2
        if "training_short" in deviations else edition.training_days_per_person_min + 1,
        assessment_done=True,
        coordinator_allowance_paid_fen=township.villages.count()
        * edition.coordinator_monthly_allowance_fen * 11)
    NursingHome.delete().where(NursingHome.township == township).execute()
    needed = math.ceil(township.elderly_population * edition.beds_per_1000_elderly_min / 1000)
    private_beds = 60
    own_beds = max(edition.township_nursing_home_min_beds, needed - private_beds)
    NursingHome.create(township=township, area_code=township.code, name=f"{township.name}敬老院",
                       beds=own_beds, medical_care=True, township_run=True)
    NursingHome.create(township=township, area_code=township.code,
                       name=f"{township.name}康乐养老院", beds=private_beds, medical_care=False)


# --- service figures beside the standards ---------------------------------------------------
# Applications (#3) and bookings and visits (#4) are separate areas: each figure checks that
# its models exist and reports itself unavailable otherwise, so supervision never blocks on them.
# Figures are grouped by township (the first 9 digits of the area code) in the database.

# Which client group a care rule's visits count under (三留守, 特困, 优抚 and the rest).
VISIT_GROUPS = {"left_behind_child": "三留守", "left_behind_woman": "三留守",
                "left_behind_elder": "三留守", "extreme_poverty": "特困",
                "special_care": "优抚"}


def _model(name: str) -> Any:
    """A model another area provides, or None while it has not landed."""
    import backend.models

    return getattr(backend.models, name, None)


def _unavailable(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason, "by_township": [], "totals": {}}


def _township_of(field: pw.Field) -> pw.Function:
    return pw.fn.SUBSTR(field, 1, 9)


def _day_bounds(start: date, end: date) -> tuple[Any, Any]:
    from datetime import datetime, time

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
    application = _model("Application")
    if application is None:
        return _unavailable("办件模块尚未启用")
    township = _township_of(application.area_code)
    rows = (application.select(township.alias("township_code"), application.stage,
                               pw.fn.COUNT(application.id).alias("open"))
            .where(township.in_(codes), application.status.in_(("in_review", "supplement")))
            .group_by(township, application.stage).order_by(township, application.stage).dicts())
    by_township = [{"township_code": r["township_code"], "stage": r["stage"] or "supplement",
                    "open": r["open"]} for r in rows]
    totals: dict[str, int] = defaultdict(int)
    for row in by_township:
        totals[row["stage"]] += row["open"]
    return {"available": True, "by_township": by_township, "totals": dict(totals)}


def overdue_steps(codes: list[str], on: date) -> dict[str, Any]:
    """Open application steps past their time limit on a day, per township and stage."""
    application = _model("Application")
    if application is None:
        return _unavailable("办件模块尚未启用")
    township = _township_of(application.area_code)
    rows = (application.select(township.alias("township_code"), application.stage,
                               pw.fn.COUNT(application.id).alias("overdue"))
            .where(township.in_(codes), application.status == "in_review",
                   application.stage_due_on < on)
            .group_by(township, application.stage).order_by(township, application.stage).dicts())
    by_township = [dict(r) for r in rows]
    return {"available": True, "by_township": by_township,
            "totals": {"overdue": sum(r["overdue"] for r in by_township)}}


def _time_limits() -> dict[str, int]:
    """Each service's published time limit (working days), with the city's edits."""
    try:
        from backend.services import service_guide

        return {s["code"]: int(s["time_limit_days"]) for s in service_guide.list_services()}
    except (ImportError, KeyError, AttributeError):
        return {}


def processing_days(codes: list[str], start: date, end: date) -> dict[str, Any]:
    """Mean calendar days from submission to decision per service, beside its time limit."""
    application = _model("Application")
    if application is None:
        return _unavailable("办件模块尚未启用")
    low, high = _day_bounds(start, end)
    township = _township_of(application.area_code)
    rows = (application.select(township.alias("township_code"), application.service_code,
                               application.submitted_at, application.decided_at)
            .where(township.in_(codes), application.decided_at >= low,
                   application.decided_at < high, application.submitted_at.is_null(False))
            .dicts())
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
    care_visit = _model("CareVisit")
    if care_visit is None:
        return _unavailable("探访模块尚未启用")
    township = _township_of(care_visit.area_code)
    rows = (care_visit.select(township.alias("township_code"), care_visit.rule,
                              care_visit.kind, care_visit.status,
                              pw.fn.COUNT(care_visit.id).alias("n"))
            .where(township.in_(codes), care_visit.latest_date >= start,
                   care_visit.latest_date <= end)
            .group_by(township, care_visit.rule, care_visit.kind, care_visit.status).dicts())
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
    booking = _model("Booking")
    if booking is None:
        return _unavailable("预约模块尚未启用")
    low, high = _day_bounds(start, end)
    township = _township_of(booking.area_code)
    rows = (booking.select(township.alias("township_code"), booking.created_at,
                           booking.decided_at)
            .where(township.in_(codes), booking.decided_at >= low, booking.decided_at < high)
            .dicts())
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
    evaluation, application = _model("ApplicationEvaluation"), _model("Application")
    if evaluation is None or application is None:
        return _unavailable("评价模块尚未启用")
    low, high = _day_bounds(start, end)
    township = _township_of(application.area_code)
    rows = (evaluation.select(township.alias("township_code"),
                              pw.fn.COUNT(evaluation.id).alias("rated"),
                              pw.fn.AVG(evaluation.rating).alias("mean"),
                              pw.fn.SUM(pw.Case(None, [(evaluation.rating <= 2, 1)], 0))
                              .alias("poor"))
            .join(application, on=(evaluation.application == application.id))
            .where(township.in_(codes), evaluation.created_at >= low,
                   evaluation.created_at < high)
            .group_by(township).order_by(township).dicts())
    by_township = [{"township_code": r["township_code"], "rated": r["rated"],
                    "mean_rating": round(float(r["mean"]), 2), "poor": int(r["poor"] or 0)}
                   for r in rows]
    rated = sum(r["rated"] for r in by_township)
    return {"available": True, "by_township": by_township,
            "totals": {"rated": rated, "poor": sum(r["poor"] for r in by_township),
                       "mean_rating": round(sum(r["mean_rating"] * r["rated"]
                                                for r in by_township) / rated, 2)
                       if rated else None}}
