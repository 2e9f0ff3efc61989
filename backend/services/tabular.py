"""Reading imported spreadsheets (XLSX or CSV) row by row, every bad cell named, nothing raised.

The profile import, the training import and other departments' data share this: a table of
``Column``s says what each header holds and how a cell is read; ``read_sheets`` opens the file;
``parse_rows`` yields each data row as ``{field: value}`` and appends an error naming the sheet,
the row number as the spreadsheet shows it and the column (letter and header) for every cell it
cannot read, so one dry run lists everything wrong with a file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from openpyxl import load_workbook

from backend import pii, runtime
from backend.errors import DomainError, PayloadTooLarge, UnsupportedMediaType, ValidationFailed

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_MEDIA_TYPE = "text/csv"
MAX_ROWS = 5000
_YES = {"是": True, "有": True, "y": True, "yes": True, "1": True, "true": True,
        "否": False, "无": False, "n": False, "no": False, "0": False, "false": False}
Errors = list[dict[str, Any]]
Rows = list[tuple[Any, ...]]


@dataclass(frozen=True)
class Column:
    """A column of a template: its header, the field it fills and how a cell is read."""

    header: str
    field: str
    parse: Callable[[Any], Any]
    required: bool = False
    help: str = ""


@dataclass
class ImportOutcome:
    """What an all-or-nothing import found: its bad cells; written only without any."""

    dry_run: bool
    errors: Errors = field(default_factory=list)

    @property
    def valid(self) -> bool:
        """True when no cell has an error."""
        return not self.errors

    @property
    def imported(self) -> bool:
        """True when the rows were written."""
        return self.valid and not self.dry_run


def should_write(outcome: ImportOutcome, *, found_rows: bool) -> bool:
    """The all-or-nothing rule: a file without data rows is an error, and a real import of a
    file with any error is refused whole (422 import_rejected, naming every bad cell); True
    when the rows are to be written."""
    if not found_rows and not outcome.errors:
        outcome.errors.append({"sheet": "", "row": 2, "column": "", "message": "文件中没有数据行"})
    if outcome.errors and not outcome.dry_run:
        raise ValidationFailed("导入文件有误，未导入任何数据", code="import_rejected",
                               errors={"rows": outcome.errors})
    return outcome.imported


def whole_number(minimum: int = 0, maximum: int = 10_000_000) -> Callable[[Any], int]:
    """A parser of whole numbers within bounds."""
    def parse(value: Any) -> int:
        number = decimal(value)
        if number != number.to_integral_value():
            raise ValueError("应为整数")
        if not minimum <= number <= maximum:
            raise ValueError(f"应在 {minimum} 到 {maximum} 之间")
        return int(number)
    return parse


def decimal(value: Any) -> Decimal:
    """A number typed in a cell (thousands separators allowed)."""
    if isinstance(value, bool):
        raise ValueError("应为数字")
    try:
        return Decimal(str(value).strip().replace(",", ""))
    except InvalidOperation as exc:
        raise ValueError("应为数字") from exc


def yuan_to_fen(value: Any) -> int:
    """Money is typed in yuan (元) with at most two decimals; stored as integer fen."""
    fen = decimal(value) * 100
    if fen != fen.to_integral_value() or fen < 0:
        raise ValueError("应为不小于0、最多两位小数的金额（元）")
    return int(fen)


def days(value: Any) -> float:
    """A number of days in a year."""
    number = decimal(value)
    if not 0 <= number <= 366:
        raise ValueError("应在 0 到 366 之间")
    return float(number)


def yes_no(value: Any) -> bool:
    """是/否 (or yes/no, 1/0)."""
    key = str(value).strip().lower()
    if key not in _YES:
        raise ValueError("应填“是”或“否”")
    return _YES[key]


def text(value: Any) -> str:
    """A short text of 1 to 100 characters."""
    cleaned = str(value).strip()
    if not 1 <= len(cleaned) <= 100:
        raise ValueError("应为1到100个字")
    return cleaned


def one_of(choices: tuple[str, ...]) -> Callable[[Any], str]:
    """A parser accepting only the listed words."""
    def parse(value: Any) -> str:
        word = str(value).strip()
        if word not in choices:
            raise ValueError(f"应为以下之一：{'、'.join(choices)}")
        return word
    return parse


def calendar_day(value: Any) -> date:
    """A date cell (Excel's own date, or typed 2026-03-05 / 2026/3/5)."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip().replace("/", "-").replace(".", "-"))
    except ValueError:
        try:
            year, month, day = (int(part) for part in
                                str(value).strip().replace("/", "-").split("-"))
            return date(year, month, day)
        except ValueError:
            raise ValueError("应为日期，如 2026-03-05") from None


def id_number(value: Any) -> str:
    """A resident ID number, checked (GB 11643) and normalised; the error never echoes it."""
    try:
        return pii.normalise_id_number(str(value))
    except DomainError:
        raise ValueError("身份证号无效（位数、出生日期或校验位不对）") from None


def township_code(value: Any) -> str:
    """A 9-digit township code (Excel may have stored it as a float)."""
    code = str(value).strip()
    if code.endswith(".0"):  # Excel stores long digit strings typed as numbers as floats
        code = code[:-2]
    if len(code) != 9 or not code.isdigit():
        raise ValueError("应为9位乡镇区划代码")
    return code


def check_size(content: bytes) -> None:
    """Refuse a file over the upload limit."""
    limit = runtime.settings().max_upload_bytes
    if len(content) > limit:
        raise PayloadTooLarge(f"文件超过 {limit // 1024 // 1024} MB", code="import_too_large")


def read_sheets(content: bytes, filename: str, wanted: tuple[str, ...],
                csv_sheet: Callable[[Rows], str], max_rows: int = MAX_ROWS, *,
                first_sheet_as: str | None = None) -> dict[str, Rows]:
    """Rows of each wanted sheet (XLSX) or of the one table (CSV, named by ``csv_sheet``).

    With ``first_sheet_as``, a workbook holding none of the wanted sheets is read from its
    first sheet under that name (a one-table import whose sheet was renamed)."""
    if content[:4] == b"PK\x03\x04":
        try:
            book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
        except Exception as exc:  # openpyxl raises many kinds on a damaged file
            raise UnsupportedMediaType("无法读取该 Excel 文件", code="unreadable_xlsx") from exc
        sheets = {name: list(book[name].iter_rows(values_only=True))[:max_rows + 1]
                  for name in book.sheetnames if name in wanted}
        if not sheets and first_sheet_as is not None and book.worksheets:
            rows = book.worksheets[0].iter_rows(values_only=True)
            sheets = {first_sheet_as: list(rows)[:max_rows + 1]}
        book.close()
        if not sheets:
            named = "”或“".join(wanted)
            raise ValidationFailed(f"工作簿中没有“{named}”工作表", code="import_no_sheet")
        return sheets
    if filename.lower().endswith(".xlsx") or b"\x00" in content[:1024]:
        raise UnsupportedMediaType("请上传 .xlsx 或 .csv 文件", code="import_file_type")
    rows = [tuple(row) for row in csv.reader(io.StringIO(decode(content)))][:max_rows + 1]
    return {csv_sheet(rows): rows}


def decode(content: bytes) -> str:
    """UTF-8 (with or without BOM), else GB18030, as Chinese Excel saves CSV."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise UnsupportedMediaType("CSV 文件编码无法识别（请用 UTF-8）", code="import_encoding")


def column_letter(index: int) -> str:
    """The spreadsheet's letter of a zero-based column index (0 → A, 26 → AA)."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def parse_rows(sheet: str, rows: Rows, columns: tuple[Column, ...], errors: Errors,
               max_rows: int = MAX_ROWS) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each data row as {field: value}; errors go to ``errors`` with sheet, row and column."""
    def error(row: int, column: str, message: str) -> None:
        errors.append({"sheet": sheet, "row": row, "column": column, "message": message})

    if not rows:
        error(1, "", "表头缺失")
        return
    headers = [str(cell).strip() if cell is not None else "" for cell in rows[0]]
    known = {c.header: c for c in columns}
    for index, header in enumerate(headers):
        if header and header not in known:
            error(1, f"{column_letter(index)}（{header}）", "无法识别的列")
    positions = {h: i for i, h in enumerate(headers) if h in known}
    for column in columns:
        if column.required and column.header not in positions:
            error(1, column.header, "缺少必填列")
    if len(rows) > max_rows:
        error(max_rows + 1, "", f"行数超过 {max_rows} 行")
    for number, row in enumerate(rows[1:], start=2):
        if all(cell is None or str(cell).strip() == "" for cell in row):
            continue  # blank rows between blocks are common in hand-kept sheets
        values: dict[str, Any] = {}
        for header, index in positions.items():
            column = known[header]
            cell = row[index] if index < len(row) else None
            where = f"{column_letter(index)}（{header}）"
            if cell is None or str(cell).strip() == "":
                if column.required:
                    error(number, where, "必填")
                continue
            try:
                values[column.field] = column.parse(cell)
            except ValueError as exc:
                # An ID number's error never repeats the cell: it would put the number in clear.
                shown = "" if column.parse is id_number else f"：{cell}"
                error(number, where, f"{exc}{shown}")
        yield number, values


def guide_rows(columns_by_sheet: dict[str, tuple[Column, ...]]) -> list[list[str]]:
    """The 填写说明 sheet of a template: sheet, column, required, help."""
    rows = [["工作表", "列", "必填", "说明"]]
    for sheet, columns in columns_by_sheet.items():
        rows += [[sheet, c.header, "是" if c.required else "否", c.help] for c in columns]
    return rows
