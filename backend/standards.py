"""The policy's numbers (DOMAIN.md), in one place, as dated data a city can replace.

Nothing else in the code writes these numbers as literals: the demo seeder, the planner and
the compliance report all read them from here. ``DEFAULT_EDITION`` holds the policy's own
numbers; a city loads its own file (``load_book``) of editions, each with an ``effective_from``
date and only the values it changes, and ``StandardsBook.on(day)`` answers the edition in force.

A city's file (set ``standards_file`` in the settings or ``STANDARDS_FILE``) looks like::

    {"format": "standards/1", "editions": [
      {"effective_from": "2017-01-01"},
      {"effective_from": "2026-01-01", "title": "2026年本市标准", "office_min_area_m2": 60,
       "staff_by_population": [{"below": 40000, "value": 4}, {"below": null, "value": 6}],
       "equipment_min": {"computer": 3}, "deadlines": {"elderly_beds": "2027-12-31"}}]}

Field names are those of ``Standards``; money is fen; bands end with ``"below": null``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, fields, replace
from datetime import date
from pathlib import Path
from typing import Any

# Population bands of the staffing and funding standards: (upper bound exclusive, value).
# "< 30,000 / 30,000–50,000 / > 50,000" in the policy; 50,000 itself falls in the middle band.
Bands = tuple[tuple[int | None, int], ...]

# The ten items of office equipment ("十有"): code → (Chinese label, minimum count).
TEN_ITEMS: dict[str, tuple[str, int]] = {
    "phone": ("电话", 1),
    "computer": ("电脑", 2),
    "printer": ("打印机", 1),
    "copier": ("复印机", 1),
    "fax": ("传真机", 1),
    "desk_and_chairs": ("办公桌椅", 1),
    "document_camera": ("高拍仪", 1),
    "recorder": ("录音录像设备", 1),
    "file_cabinet": ("档案柜", 1),
    "relief_vehicle": ("救助专用车辆", 1),
}

# The service station's five elements ("五有"), named after ServiceStation's columns.
STATION_ELEMENTS: dict[str, str] = {
    "has_person": "有专人", "has_sign": "有牌子", "has_place": "有场所",
    "has_rules": "有制度", "has_ledger": "有台帐",
}


@dataclass(frozen=True)
class Standards:
    """One edition of the standards: every number the city checks townships against."""

    effective_from: date = date(2017, 1, 1)
    title: str = "默认标准（政策原文）"
    staff_by_population: Bands = ((30_000, 3), (50_001, 4), (None, 5))
    social_workers_per_township: int = 2
    coordinators_per_village: int = 1
    coordinator_monthly_allowance_fen: int = 500_00
    office_min_area_m2: int = 40
    equipment_min: dict[str, int] = field(
        default_factory=lambda: {code: minimum for code, (_, minimum) in TEN_ITEMS.items()})
    funds_fen_by_population: Bands = ((30_000, 150_000_00), (50_001, 200_000_00),
                                      (None, 250_000_00))
    funds_must_grow: bool = True
    training_days_per_person_min: float = 7
    yearly_assessment_required: bool = True
    beds_per_1000_elderly_min: int = 40
    township_nursing_home_min_beds: int = 200
    medical_care_share_min_percent: int = 50
    # 畅通群众诉求渠道: working days a township has to answer a grievance, and the working days
    # each escalation (to the township head, then the city) gives the next owner.
    grievance_reply_working_days: int = 5
    grievance_escalation_working_days: int = 3
    # 强化责任追究: a late application stage goes to the township's head at once, and on to the
    # city bureau when still open this many calendar days after the head was told.
    stage_city_escalation_days: int = 5
    # 低保标准: the monthly subsistence-allowance standard per person (fen), urban and rural;
    # a household whose income per person lies below it qualifies on income (家庭经济状况核对).
    subsistence_standard_urban_fen: int = 750_00
    subsistence_standard_rural_fen: int = 550_00
    # The policy's completion dates (完成时限): a township failing a standard after its
    # deadline is named as late in the bulletin. Standards not listed have no deadline.
    deadlines: dict[str, date] = field(default_factory=lambda: {
        "full_time_staff": date(2017, 12, 31), "social_workers": date(2017, 12, 31),
        "coordinators": date(2017, 12, 31), "coordinator_allowance": date(2017, 12, 31),
        "station_elements": date(2017, 12, 31), "office_area": date(2017, 12, 31),
        "equipment": date(2017, 12, 31), "funds": date(2017, 12, 31),
        "funds_growth": date(2018, 12, 31), "training_days": date(2017, 12, 31),
        "yearly_assessment": date(2017, 12, 31), "elderly_beds": date(2018, 12, 31),
        "township_nursing_home": date(2018, 6, 30),
        "nursing_home_medical_care": date(2017, 12, 31),
    })

    def required_full_time_staff(self, population: int) -> int:
        """Full-time staff a township of this population must have."""
        return by_population(self.staff_by_population, population)

    def required_funds_fen(self, population: int) -> int:
        """Yearly working funds a township of this population must budget."""
        return by_population(self.funds_fen_by_population, population)


DEFAULT_EDITION = Standards()

# Module-level names the seeder and the planner use: the default edition's numbers.
STAFF_BY_POPULATION: Bands = DEFAULT_EDITION.staff_by_population
FUNDS_FEN_BY_POPULATION: Bands = DEFAULT_EDITION.funds_fen_by_population
SOCIAL_WORKERS_PER_TOWNSHIP = DEFAULT_EDITION.social_workers_per_township
COORDINATORS_PER_VILLAGE = DEFAULT_EDITION.coordinators_per_village
COORDINATOR_MONTHLY_ALLOWANCE_FEN = DEFAULT_EDITION.coordinator_monthly_allowance_fen


@dataclass(frozen=True)
class Band:
    """A population band's requirement."""

    upper_exclusive: int | None
    value: int


def by_population(bands: Bands, population: int) -> int:
    """The value of the first band whose upper bound lies above the population."""
    for upper, value in bands:
        if upper is None or population < upper:
            return value
    raise ValueError("bands must end with an open band")


def required_full_time_staff(population: int) -> int:
    """Full-time civil-affairs staff a township of this population must have."""
    return DEFAULT_EDITION.required_full_time_staff(population)


@dataclass(frozen=True)
class StandardsBook:
    """Editions ordered by date; the one in force on a day is the latest that has begun."""

    editions: tuple[Standards, ...] = (DEFAULT_EDITION,)

    def on(self, day: date) -> Standards:
        """The edition in force on ``day`` (the earliest edition before any has begun)."""
        current = self.editions[0]
        for edition in self.editions:
            if edition.effective_from <= day:
                current = edition
        return current


DEFAULT_BOOK = StandardsBook()
_FIELDS = {f.name for f in fields(Standards)}


class StandardsFileError(ValueError):
    """A city's standards file cannot be read as editions of the standards."""


def _coerce(name: str, value: Any) -> Any:
    """Turn a JSON value into the type the Standards field holds."""
    if name in ("staff_by_population", "funds_fen_by_population"):
        bands = tuple((b["below"], int(b["value"])) for b in value)
        if bands[-1][0] is not None:
            raise StandardsFileError(f"{name}: 最后一档的 below 必须为 null")
        return bands
    if name == "effective_from":
        return date.fromisoformat(value)
    if name == "deadlines":
        return {code: date.fromisoformat(day) for code, day in value.items()}
    if name == "equipment_min":
        unknown = set(value) - set(TEN_ITEMS)
        if unknown:
            raise StandardsFileError(f"equipment_min: 未知设备 {sorted(unknown)}")
        return {**DEFAULT_EDITION.equipment_min, **{k: int(v) for k, v in value.items()}}
    return value


def book_from_data(data: dict[str, Any]) -> StandardsBook:
    """Editions from parsed JSON: each edition overrides the one before it."""
    editions: list[Standards] = []
    previous = DEFAULT_EDITION
    for raw in sorted(data.get("editions", []), key=lambda e: e["effective_from"]):
        unknown = set(raw) - _FIELDS
        if unknown:
            raise StandardsFileError(f"未知的标准项：{sorted(unknown)}")
        try:
            changes = {name: _coerce(name, value) for name, value in raw.items()}
            previous = replace(previous, **changes)
        except (KeyError, TypeError, ValueError) as exc:
            raise StandardsFileError(f"标准文件格式有误：{exc}") from exc
        editions.append(previous)
    return StandardsBook(tuple(editions) or (DEFAULT_EDITION,))


def load_book(path: Path | str) -> StandardsBook:
    """A city's own standards from a JSON file (format ``standards/1``)."""
    return book_from_data(json.loads(Path(path).read_text(encoding="utf-8")))
