"""Township profiles from a workbook (XLSX) or CSV, with a dry-run that imports nothing.

The file is read and every row checked first; errors name the sheet, the row number as the
spreadsheet shows it and the column header. Only a file without a single error is written, in
one transaction, one audit row per township profile and per township's nursing-home list.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from backend import audit, outbox, runtime, standards
from backend.db import db
from backend.errors import PayloadTooLarge, UnsupportedMediaType, ValidationFailed
from backend.models import NursingHome, Township, TownshipProfile, utcnow
from backend.permissions import Actor, require, scoped

PROFILE_SHEET = "乡镇概况"
HOMES_SHEET = "养老院"
GUIDE_SHEET = "填写说明"
XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"
MAX_ROWS = 5000
_YES = {"是": True, "有": True, "y": True, "yes": True, "1": True, "true": True,
        "否": False, "无": False, "n": False, "no": False, "0": False, "false": False}


@dataclass(frozen=True)
class Column:
    """A column of the template: its header, the field it fills and how a cell is read."""

    header: str
    field: str
    parse: Callable[[Any], Any]
    required: bool = False
    help: str = ""


def _int(minimum: int = 0, maximum: int = 10_000_000) -> Callable[[Any], int]:
    def parse(value: Any) -> int:
        number = _decimal(value)
        if number != number.to_integral_value():
            raise ValueError("应为整数")
        if not minimum <= number <= maximum:
            raise ValueError(f"应在 {minimum} 到 {maximum} 之间")
        return int(number)
    return parse


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise ValueError("应为数字")
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError("应为数字") from exc


def _yuan_to_fen(value: Any) -> int:
    """Money is typed in yuan (元) with at most two decimals; stored as integer fen."""
    fen = _decimal(value) * 100
    if fen != fen.to_integral_value() or fen < 0:
        raise ValueError("应为不小于0、最多两位小数的金额（元）")
    return int(fen)


def _days(value: Any) -> float:
    days = _decimal(value)
    if not 0 <= days <= 366:
        raise ValueError("应在 0 到 366 之间")
    return float(days)


def yes_no(value: Any) -> bool:
    """A 是/否 cell (also 有/无, yes/no, 1/0)."""
    key = str(value).strip().lower()
    if key not in _YES:
        raise ValueError("应填“是”或“否”")
    return _YES[key]


def _township_code(value: Any) -> str:
    code = str(value).strip()
    if code.endswith(".0"):  # Excel stores long digit strings typed as numbers as floats
        code = code[:-2]
    if len(code) != 9 or not code.isdigit():
        raise ValueError("应为9位乡镇区划代码")
    return code


def text_cell(value: Any) -> str:
    """A text cell of 1 to 100 characters."""
    text = str(value).strip()
    if not 1 <= len(text) <= 100:
        raise ValueError("应为1到100个字")
    return text


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
    Column("年度考核（是/否）", "assessment_done", yes_no, True),
    Column("协管员补贴已发放（元）", "coordinator_allowance_paid_fen", _yuan_to_fen),
)
HOME_COLUMNS: tuple[Column, ...] = (
    Column("乡镇代码", "township_code", _township_code, True, "9位区划代码"),
    Column("养老院名称", "name", text_cell, True),
    Column("床位数", "beds", _int(0, 100_000), True),
    Column("提供医疗服务（是/否）", "medical_care", yes_no, True),
    Column("乡镇敬老院（是/否）", "township_run", yes_no, True),
)


@dataclass
class CheckedFile:
    """What any import found in its file and (unless a dry-run or in error) wrote."""

    dry_run: bool
    errors: list[dict[str, Any]] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when no row has an error."""
        return not self.errors

    @property
    def imported(self) -> bool:
        """True when the rows were written."""
        return self.valid and not self.dry_run


@dataclass
class ImportReport(CheckedFile):
    """The profile import's report: profiles and nursing homes, by township."""

    profiles: int = 0
    nursing_homes: int = 0
    townships: list[str] = field(default_factory=list)


# --- reading the file -------------------------------------------------------------------

def _sheets(content: bytes, filename: str) -> dict[str, list[tuple[Any, ...]]]:
    """Rows of each sheet (XLSX) or of the one table (CSV, its kind told by its header)."""
    if content[:4] == b"PK\x03\x04":
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise UnsupportedMediaType("无法读取该 Excel 文件", code="unreadable_xlsx") from exc
        sheets = {name: list(book[name].iter_rows(values_only=True))[:MAX_ROWS + 1]
                  for name in book.sheetnames if name in (PROFILE_SHEET, HOMES_SHEET)}
        book.close()
        if not sheets:
            raise ValidationFailed(f"工作簿中没有“{PROFILE_SHEET}”或“{HOMES_SHEET}”工作表",
                                   code="import_no_sheet")
        return sheets
    rows = csv_rows(content, filename)
    is_homes = bool(rows) and HOME_COLUMNS[1].header in [str(c).strip() for c in rows[0]]
    return {HOMES_SHEET if is_homes else PROFILE_SHEET: rows}


def csv_rows(content: bytes, filename: str) -> list[tuple[Any, ...]]:
    """A CSV upload's rows (one more than the limit at most); a workbook sent as CSV is refused."""
    if filename.lower().endswith(".xlsx") or b"\x00" in content[:1024]:
        raise UnsupportedMediaType("请上传 .xlsx 或 .csv 文件", code="import_file_type")
    text = _decode(content)
    return [tuple(row) for row in csv.reader(io.StringIO(text))][:MAX_ROWS + 1]


def _decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, as Chinese Excel saves CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnsupportedMediaType("CSV 文件编码无法识别（请用 UTF-8）", code="import_encoding")


def _column_letter(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def parse_rows(sheet: str, rows: list[tuple[Any, ...]], columns: tuple[Column, ...],
               report: CheckedFile) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each data row as {field: value}; errors go to the report with sheet, row and column.

    Other imports (service stations) read their tables through this too."""
    def error(row: int, column: str, message: str) -> None:
        report.errors.append({"sheet": sheet, "row": row, "column": column, "message": message})

    if not rows:
        error(1, "", "表头缺失")
        return
    headers = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    known = {c.header: c for c in columns}
    for index, header in enumerate(headers):
        if header and header not in known:
            error(1, f"{_column_letter(index)}（{header}）", "无法识别的列")
    positions = {h: i for i, h in enumerate(headers) if h in known}
    for column in columns:
        if column.required and column.header not in positions:
            error(1, column.header, "缺少必填列")
    if len(rows) > MAX_ROWS:
        error(MAX_ROWS + 1, "", f"行数超过 {MAX_ROWS} 行")
    for number, row in enumerate(rows[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue  # blank rows between blocks are common in hand-kept sheets
        values: dict[str, Any] = {}
        for header, index in positions.items():
            column = known[header]
            cell = row[index] if index < len(row) else None
            where = f"{_column_letter(index)}（{header}）"
            if cell is None or str(cell).strip() == "":
                if column.required:
                    error(number, where, "必填")
                continue
            try:
                values[column.field] = column.parse(cell)
            except ValueError as exc:
                error(number, where, f"{exc}：{cell}")
        yield number, values


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

    for number, values in parse_rows(PROFILE_SHEET, sheets.get(PROFILE_SHEET, []),
                                       PROFILE_COLUMNS, report) if PROFILE_SHEET in sheets else ():
        if check_township(PROFILE_SHEET, number, values) and "year" in values:
            key = (values["township_code"], values["year"])
            if key in profiles:
                report.errors.append({"sheet": PROFILE_SHEET, "row": number,
                                      "column": "乡镇代码", "message": "同一乡镇同一年度重复"})
            profiles[key] = values
    for number, values in parse_rows(HOMES_SHEET, sheets.get(HOMES_SHEET, []),
                                       HOME_COLUMNS, report) if HOMES_SHEET in sheets else ():
        if check_township(HOMES_SHEET, number, values) and "name" in values:
            listed = homes.setdefault(values["township_code"], [])
            if any(h["name"] == values["name"] for h in listed):
                report.errors.append({"sheet": HOMES_SHEET, "row": number,
                                      "column": "养老院名称", "message": "同一乡镇养老院重复"})
            listed.append(values)
    return profiles, homes


# --- importing ----------------------------------------------------------------------------

def check_size(content: bytes) -> None:
    """Refuse an upload over the configured limit (413)."""
    limit = runtime.settings().max_upload_bytes
    if len(content) > limit:
        raise PayloadTooLarge(f"文件超过 {limit // 1024 // 1024} MB", code="import_too_large")


def should_write(report: CheckedFile, *, found_rows: bool, dry_run: bool) -> bool:
    """Whether a checked file is to be written: not on a dry run, never with one error (then
    the import is refused whole, 422 import_rejected, naming every bad cell)."""
    if not found_rows and not report.errors:
        report.errors.append({"sheet": "", "row": 2, "column": "", "message": "文件中没有数据行"})
    if report.errors and not dry_run:
        raise ValidationFailed("导入文件有误，未导入任何数据", code="import_rejected",
                               errors={"rows": report.errors})
    return not dry_run


def import_profiles(content: bytes, filename: str, *, dry_run: bool, actor: Actor
                    ) -> ImportReport:
    """Check a profile file; unless a dry-run, write it when (and only when) every row is valid."""
    require(actor, "supervision.profiles.import")
    check_size(content)
    report = ImportReport(dry_run=dry_run)
    profiles, homes = read_rows(content, filename, actor=actor, report=report)
    report.profiles = len(profiles)
    report.nursing_homes = sum(len(listed) for listed in homes.values())
    report.townships = sorted({code for code, _ in profiles} | set(homes))
    if not should_write(report, found_rows=bool(profiles or homes), dry_run=dry_run):
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
    guide.append(["工作表", "列", "必填", "说明"])
    for sheet, columns in ((PROFILE_SHEET, PROFILE_COLUMNS), (HOMES_SHEET, HOME_COLUMNS)):
        for c in columns:
            guide.append([sheet, c.header, "是" if c.required else "否", c.help])
    for sheet in (profiles, homes, guide):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), XLSX_MEDIA_TYPE, "township_profiles.xlsx"
