"""Township profiles from a workbook (XLSX) or CSV, with a dry-run that imports nothing.

The file is read and every row checked first; errors name the sheet, the row number as the
spreadsheet shows it and the column header. Only a file without a single error is written, in
one transaction, one audit row per township profile and per township's nursing-home list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font

from backend import audit, outbox, standards
from backend.db import db
from backend.models import NursingHome, Township, TownshipProfile, utcnow
from backend.permissions import Actor, require, scoped
from backend.services import tabular
from backend.services.tabular import Column

PROFILE_SHEET = "乡镇概况"
HOMES_SHEET = "养老院"
GUIDE_SHEET = "填写说明"
XLSX_MEDIA_TYPE = tabular.XLSX_MEDIA_TYPE
CSV_MEDIA_TYPE = tabular.CSV_MEDIA_TYPE
MAX_ROWS = tabular.MAX_ROWS
_int, _yuan_to_fen, _days = tabular.whole_number, tabular.yuan_to_fen, tabular.days
_yes_no, _township_code, _text = tabular.yes_no, tabular.township_code, tabular.text


PROFILE_COLUMNS: tuple[Column, ...] = (
    Column("乡镇代码", "township_code", _township_code, True, "9位区划代码"),
    Column("年度", "year", _int(2000, 2100), True, "如 2026"),
    Column("办公用房面积（平方米）", "office_area_m2", _int(0, 100_000)),
    Column("老年人口", "elderly_population", _int(0, 10_000_000)),
    *(Column(f"{label}（数量）", f"equipment.{code}", _int(0, 1000), False,
             f"“十有”之一，标准至少 {minimum}")
      for code, (label, minimum) in standards.TEN_ITEMS.items()),
    Column("本年度工作经费（元）", "funds_this_year_fen", _yuan_to_fen, True),
    Column("上年度工作经费（元）", "funds_last_year_fen", _yuan_to_fen, True),
    Column("人均培训天数", "training_days_per_person", _days, True),
    Column("年度考核（是/否）", "assessment_done", _yes_no, True),
    Column("协管员补贴已发放（元）", "coordinator_allowance_paid_fen", _yuan_to_fen),
)
HOME_COLUMNS: tuple[Column, ...] = (
    Column("乡镇代码", "township_code", _township_code, True, "9位区划代码"),
    Column("养老院名称", "name", _text, True),
    Column("床位数", "beds", _int(0, 100_000), True),
    Column("提供医疗服务（是/否）", "medical_care", _yes_no, True),
    Column("乡镇敬老院（是/否）", "township_run", _yes_no, True),
)


@dataclass
class ImportReport(tabular.ImportOutcome):
    """What an import found and (unless a dry-run or in error) wrote."""

    profiles: int = 0
    nursing_homes: int = 0
    townships: list[str] = field(default_factory=list)


# --- reading the file -------------------------------------------------------------------

def _sheets(content: bytes, filename: str) -> dict[str, list[tuple[Any, ...]]]:
    """Rows of each sheet (XLSX) or of the one table (CSV, its kind told by its header)."""
    def csv_sheet(rows: list[tuple[Any, ...]]) -> str:
        is_homes = bool(rows) and HOME_COLUMNS[1].header in [str(c).strip() for c in rows[0]]
        return HOMES_SHEET if is_homes else PROFILE_SHEET
    return tabular.read_sheets(content, filename, (PROFILE_SHEET, HOMES_SHEET), csv_sheet)


def _parse_sheet(sheet: str, rows: list[tuple[Any, ...]], columns: tuple[Column, ...],
                 report: ImportReport) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each data row as {field: value}; errors go to the report with sheet, row and column."""
    return tabular.parse_rows(sheet, rows, columns, report.errors)


def read_rows(content: bytes, filename: str, *, actor: Actor, report: ImportReport
              ) -> tuple[dict[tuple[str, int], dict[str, Any]], dict[str, list[dict[str, Any]]]]:
    """Validated profiles by (township, year) and nursing homes by township; errors reported."""
    sheets = _sheets(content, filename)
    in_scope = {t.code: t for t in scoped(Township.select(), Township.code, actor)}
    profiles: dict[tuple[str, int], dict[str, Any]] = {}
    homes: dict[str, list[dict[str, Any]]] = {}

    def check_township(sheet: str, number: int, values: dict[str, Any]) -> bool:
        code = values.get("township_code")
        if code is not None and code not in in_scope:
            report.errors.append({"sheet": sheet, "row": number, "column": "乡镇代码",
                                  "message": f"乡镇 {code} 不存在或不在您的管辖范围内"})
            return False
        return code is not None

    for number, values in _parse_sheet(PROFILE_SHEET, sheets.get(PROFILE_SHEET, []),
                                       PROFILE_COLUMNS, report) if PROFILE_SHEET in sheets else ():
        if check_township(PROFILE_SHEET, number, values) and "year" in values:
            key = (values["township_code"], values["year"])
            if key in profiles:
                report.errors.append({"sheet": PROFILE_SHEET, "row": number,
                                      "column": "乡镇代码", "message": "同一乡镇同一年度重复"})
            profiles[key] = values
    for number, values in _parse_sheet(HOMES_SHEET, sheets.get(HOMES_SHEET, []),
                                       HOME_COLUMNS, report) if HOMES_SHEET in sheets else ():
        if check_township(HOMES_SHEET, number, values) and "name" in values:
            listed = homes.setdefault(values["township_code"], [])
            if any(h["name"] == values["name"] for h in listed):
                report.errors.append({"sheet": HOMES_SHEET, "row": number,
                                      "column": "养老院名称", "message": "同一乡镇养老院重复"})
            listed.append(values)
    return profiles, homes


# --- importing ----------------------------------------------------------------------------

def import_profiles(content: bytes, filename: str, *, dry_run: bool, actor: Actor
                    ) -> ImportReport:
    """Check a profile file; unless a dry-run, write it when (and only when) every row is valid."""
    require(actor, "supervision.profiles.import")
    tabular.check_size(content)
    report = ImportReport(dry_run=dry_run)
    profiles, homes = read_rows(content, filename, actor=actor, report=report)
    report.profiles = len(profiles)
    report.nursing_homes = sum(len(listed) for listed in homes.values())
    report.townships = sorted({code for code, _ in profiles} | set(homes))
    if not tabular.should_write(report, found_rows=bool(profiles or homes)):
        return report
    with db.atomic():
        townships = {t.code: t for t in Township.select().where(
            Township.code.in_(report.townships))}
        for (code, year), values in sorted(profiles.items()):
            _write_profile(townships[code], year, values, actor)
        for code, listed in sorted(homes.items()):
            _write_homes(townships[code], listed, actor)
    return report


def _write_profile(township: Township, year: int, values: dict[str, Any], actor: Actor) -> None:
    """Upsert one profile and the township's own columns; one audit row for the change."""
    profile = TownshipProfile.get_or_none(TownshipProfile.township == township,
                                          TownshipProfile.year == year)
    before = _snapshot(profile, township)
    if profile is None:
        profile = TownshipProfile(township=township, area_code=township.code, year=year)
    equipment = dict(profile.equipment or {})
    for key, value in values.items():
        if key.startswith("equipment."):
            equipment[key.split(".", 1)[1]] = value
        elif key in ("office_area_m2", "elderly_population"):
            setattr(township, key, value)
        elif key not in ("township_code", "year"):
            setattr(profile, key, value)
    profile.equipment = equipment
    profile.updated_at = utcnow()
    profile.save()
    township.save()
    audit.record(actor=actor, action="supervision.profile_imported", entity="township_profile",
                 entity_id=profile.id, changes=audit.diff(before, _snapshot(profile, township)))
    outbox.emit("supervision.profile_imported", township_id=township.id, profile_id=profile.id)


def _snapshot(profile: TownshipProfile | None, township: Township) -> dict[str, Any]:
    data = {"office_area_m2": township.office_area_m2,
            "elderly_population": township.elderly_population}
    if profile is not None:
        data |= {key: getattr(profile, key) for key in (
            "year", "equipment", "funds_this_year_fen", "funds_last_year_fen",
            "training_days_per_person", "assessment_done", "coordinator_allowance_paid_fen")}
    return data


def _write_homes(township: Township, listed: list[dict[str, Any]], actor: Actor) -> None:
    """Replace a township's nursing homes with the listed ones; one audit row."""
    before = [h.name for h in NursingHome.select().where(NursingHome.township == township)
              .order_by(NursingHome.name)]
    NursingHome.delete().where(NursingHome.township == township).execute()
    for home in listed:
        NursingHome.create(township=township, area_code=township.code, name=home["name"],
                           beds=home["beds"], medical_care=home["medical_care"],
                           township_run=home["township_run"])
    audit.record(actor=actor, action="supervision.nursing_homes_imported", entity="township",
                 entity_id=township.id,
                 changes={"nursing_homes": [before, sorted(h["name"] for h in listed)]})


# --- the template -------------------------------------------------------------------------

def profile_template(file_format: str, *, actor: Actor) -> tuple[bytes, str, str]:
    """A blank template with the actor's townships filled in: (content, media type, name)."""
    require(actor, "supervision.profiles.import")
    townships = list(scoped(Township.select(), Township.code, actor).order_by(Township.code))
    year = utcnow().year
    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([c.header for c in PROFILE_COLUMNS])
        for t in townships:
            writer.writerow([t.code, year] + [""] * (len(PROFILE_COLUMNS) - 2))
        # A BOM so that Excel opens the Chinese headers correctly.
        return ("\ufeff" + text.getvalue()).encode(), CSV_MEDIA_TYPE, "township_profiles.csv"
    book = Workbook()
    profiles = book.active
    profiles.title = PROFILE_SHEET
    profiles.append([c.header for c in PROFILE_COLUMNS])
    for t in townships:
        profiles.append([t.code, year, t.office_area_m2, t.elderly_population])
    homes = book.create_sheet(HOMES_SHEET)
    homes.append([c.header for c in HOME_COLUMNS])
    guide = book.create_sheet(GUIDE_SHEET)
    for row in tabular.guide_rows({PROFILE_SHEET: PROFILE_COLUMNS, HOMES_SHEET: HOME_COLUMNS}):
        guide.append(row)
    for sheet in (profiles, homes, guide):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), XLSX_MEDIA_TYPE, "township_profiles.xlsx"
