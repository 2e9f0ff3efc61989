"""Compliance (达标情况) with the standards per township and city-wide, and the ranking.

Compliance is computed from a handful of grouped queries (townships, staff counts, villages
and stations, profiles, nursing homes), never one query per township, so the whole city costs
the same few round trips. Every number compared against comes from ``backend.standards``.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import peewee as pw

from backend import runtime, standards
from backend.models import (
    NursingHome,
    ServiceStation,
    StaffAccount,
    Township,
    TownshipProfile,
    Village,
)
from backend.permissions import Actor, require, scoped
from backend.services import stations, training
from backend.services.supervision.figures import collect_service_figures, dict_rows
from backend.services.supervision.periods import Period, parse_period

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
NO_PROFILE = "未填报本年度乡镇概况"


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
    lowest_allowance: dict[int, tuple[int | None, list[str]]]
    villages: dict[int, list[tuple[Any, Any]]]  # (village row, its station row or None)
    profiles: dict[int, TownshipProfile]
    homes: dict[int, list[NursingHome]]
    # Per-person training and assessment, for townships whose staff have records this year.
    trained: set[int] = field(default_factory=set)
    people_years: dict[int, list[training.PersonYear]] = field(default_factory=dict)


def _load_facts(townships: list[Township], period_end: date) -> _CityFacts:
    ids = [t.id for t in townships] or [0]
    staff: dict[tuple[int, str], int] = {}
    for row in dict_rows(StaffAccount.select(StaffAccount.township, StaffAccount.role,
                                             pw.fn.COUNT(StaffAccount.id).alias("n"))
                         .where(StaffAccount.township.in_(ids),
                                StaffAccount.is_active == True)  # noqa: E712
                         .group_by(StaffAccount.township, StaffAccount.role)):
        staff[(row["township"], row["role"])] = row["n"]
    coordinators: dict[int, int] = defaultdict(int)
    for row in dict_rows(StaffAccount.select(StaffAccount.village)
                         .where(StaffAccount.township.in_(ids),
                                StaffAccount.role == "coordinator",
                                StaffAccount.is_active == True)):  # noqa: E712
        if row["village"] is not None:
            coordinators[row["village"]] += 1
    # The allowance is what was paid (recorded payments), not what an account says is due.
    lowest = stations.lowest_allowance_paid(ids, stations.checked_month(period_end))
    villages: dict[int, list[tuple[Any, Any]]] = defaultdict(list)
    # Plain rows from two flat queries: building a model graph of village and station for each
    # of a city's 3 000 villages was most of its compliance time.
    in_townships = Village.select(Village.id).where(Village.township.in_(ids))
    station_of: dict[Any, Any] = {s.village: s for s in ServiceStation.select().where(
        ServiceStation.village.in_(in_townships)).namedtuples()}
    rows: Any = (Village.select(Village.id, Village.township, Village.code, Village.name)
                 .where(Village.township.in_(ids)).order_by(Village.code).namedtuples())
    for village in rows:
        villages[village.township].append((village, station_of.get(village.id)))
    profiles = {p.township_id: p for p in TownshipProfile.select().where(
        TownshipProfile.township.in_(ids), TownshipProfile.year == period_end.year)}
    homes: dict[int, list[NursingHome]] = defaultdict(list)
    for home in NursingHome.select().where(NursingHome.township.in_(ids)).order_by(
            NursingHome.name):
        homes[home.township_id].append(home)
    return _CityFacts(townships, staff, coordinators, lowest, villages, profiles, homes,
                      training.has_records(ids, period_end.year),
                      training.township_people_years(ids, period_end.year))


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
    lowest, unpaid = facts.lowest_allowance.get(t.id, (None, []))
    items.append(_item("coordinator_allowance", e.coordinator_monthly_allowance_fen, lowest, e,
                       on, detail=unpaid))
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
    ]
    items += (_training_items(facts.people_years.get(t.id, []), e, on) if t.id in facts.trained
              else [_item("training_days", e.training_days_per_person_min,
                          profile.training_days_per_person if profile else None, e, on,
                          detail=missing),
                    _item("yearly_assessment", 1 if e.yearly_assessment_required else 0,
                          (1 if profile.assessment_done else 0) if profile else None, e, on,
                          detail=missing)])
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


def _training_items(people: list[training.PersonYear], e: standards.Standards,
                    on: date) -> list[dict[str, Any]]:
    """The training and assessment standards computed from each person's records: the
    fewest days anyone had, and whether everyone was assessed."""
    minimum = e.training_days_per_person_min
    short = [f"{p.person.name} {p.days:g}天" for p in people if p.days < minimum]
    unassessed = [f"{p.person.name}未考核" for p in people if p.grade is None]
    return [
        _item("training_days", minimum, min((p.days for p in people), default=None), e, on,
              detail=["按个人培训记录计算", *short]),
        _item("yearly_assessment", 1 if e.yearly_assessment_required else 0,
              0 if unassessed or not people else 1, e, on,
              detail=["按个人年度考核结果计算", *unassessed]),
    ]


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
    facts = _load_facts(townships, period.end)
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


# --- ranking ------------------------------------------------------------------------------

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
