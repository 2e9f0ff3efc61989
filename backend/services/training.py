"""Training and yearly assessment per person (培训与年度考核): the import, the reading, and the
figures the supervision checks (7 days a year, assessed every year) are computed from.

The import reads an XLSX with the sheets “培训记录” and “年度考核” (or a CSV of either), with
the same dry run as the profile import (``services.tabular``): every bad cell is named by sheet,
row and column, and a file with any error imports nothing. People are named by their account
(账号) and name, which must agree, and must lie in the importer's scope.
"""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

import peewee as pw
from openpyxl import Workbook
from openpyxl.styles import Font

from backend import audit, outbox
from backend.db import db
from backend.models import AssessmentResult, StaffAccount, TrainingRecord, utcnow
from backend.models.accounts import Role
from backend.models.training import ASSESSMENT_GRADES, TRAINING_KINDS
from backend.permissions import Actor, require, scoped
from backend.services import tabular
from backend.services.tabular import Column

TRAINING_SHEET, ASSESSMENT_SHEET, GUIDE_SHEET = "培训记录", "年度考核", "填写说明"
# Township and village staff (and the township's purchased social workers) are trained.
TRAINED_ROLES = (Role.TOWNSHIP_STAFF, Role.COORDINATOR, Role.SOCIAL_WORKER)
# Whose training and assessment the supervision checks count: township and village staff.
CHECKED_ROLES = (Role.TOWNSHIP_STAFF, Role.COORDINATOR)
_KIND_BY_LABEL = {label: code for code, label in TRAINING_KINDS.items()}
_GRADE_BY_LABEL = {label: code for code, label in ASSESSMENT_GRADES.items()}
_PERSON = (Column("账号", "username", tabular.text, True, "工作人员登录账号"),
           Column("姓名", "name", tabular.text, True, "须与账号登记的姓名一致"))
TRAINING_COLUMNS: tuple[Column, ...] = (
    *_PERSON,
    Column("培训类型", "kind", tabular.one_of(tuple(_KIND_BY_LABEL)), True,
           "、".join(_KIND_BY_LABEL)),
    Column("开始日期", "starts_on", tabular.calendar_day, True, "如 2026-03-05"),
    Column("结束日期", "ends_on", tabular.calendar_day, True, "如 2026-03-07"),
    Column("天数", "days", tabular.days, True, "可为半天，如 0.5；不超过起止日期所含天数"),
    Column("组织单位", "organiser", tabular.text, True, "如 市民政局"),
)
ASSESSMENT_COLUMNS: tuple[Column, ...] = (
    *_PERSON,
    Column("年度", "year", tabular.whole_number(2000, 2100), True, "如 2026"),
    Column("考核结果", "grade", tabular.one_of(tuple(_GRADE_BY_LABEL)), True,
           "、".join(_GRADE_BY_LABEL)),
    Column("考核单位", "assessed_by", tabular.text, False),
)


@dataclass
class TrainingImportReport(tabular.ImportOutcome):
    """What a training file held and (unless a dry run or in error) wrote."""

    training_records: int = 0
    assessments: int = 0
    people: int = 0


# --- reading the file -------------------------------------------------------------------

def _csv_sheet(rows: list[tuple[Any, ...]]) -> str:
    headers = [str(c).strip() for c in rows[0]] if rows else []
    return ASSESSMENT_SHEET if "考核结果" in headers else TRAINING_SHEET


def _person(sheet: str, number: int, values: dict[str, Any], staff: dict[str, StaffAccount],
            errors: list[dict[str, Any]]) -> StaffAccount | None:
    """The account a row names, when it exists in scope, is trained and the name agrees."""
    if "username" not in values:
        return None
    person = staff.get(values["username"])
    problem = ("账号不存在或不在您的管辖范围内" if person is None
               else "姓名与账号登记的不一致" if values.get("name") not in (None, person.name)
               else None)
    if problem:
        errors.append({"sheet": sheet, "row": number, "column": "账号（姓名）",
                       "message": f"{problem}：{values['username']}"})
        return None
    return person


def _check_dates(number: int, values: dict[str, Any], errors: list[dict[str, Any]]) -> bool:
    starts, ends, days = values.get("starts_on"), values.get("ends_on"), values.get("days")
    if starts is None or ends is None or days is None:
        return False
    span = (ends - starts).days + 1
    message = ("结束日期早于开始日期" if span < 1 else
               f"天数 {days:g} 超过起止日期所含的 {span} 天" if days > span else
               "天数应大于0" if days <= 0 else None)
    if message:
        errors.append({"sheet": TRAINING_SHEET, "row": number, "column": "天数",
                       "message": message})
    return message is None


def read_rows(content: bytes, filename: str, *, actor: Actor, report: TrainingImportReport
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Validated training rows and assessment rows, each with its person; errors reported."""
    sheets = tabular.read_sheets(content, filename, (TRAINING_SHEET, ASSESSMENT_SHEET),
                                 _csv_sheet)
    staff = {s.username: s for s in scoped(StaffAccount.select(), StaffAccount.area_code, actor)
             .where(StaffAccount.role.in_(TRAINED_ROLES))}
    trainings: dict[tuple[int, date, str, str], dict[str, Any]] = {}
    assessments: dict[tuple[int, int], dict[str, Any]] = {}
    for number, values in tabular.parse_rows(TRAINING_SHEET, sheets.get(TRAINING_SHEET, []),
                                             TRAINING_COLUMNS, report.errors) \
            if TRAINING_SHEET in sheets else ():
        person = _person(TRAINING_SHEET, number, values, staff, report.errors)
        if person is None or not _check_dates(number, values, report.errors) \
                or "kind" not in values or "organiser" not in values:
            continue
        key = (person.id, values["starts_on"], _KIND_BY_LABEL[values["kind"]], values["organiser"])
        if key in trainings:
            report.errors.append({"sheet": TRAINING_SHEET, "row": number, "column": "开始日期",
                                  "message": "同一人同一培训重复"})
        trainings[key] = values | {"person": person}
    for number, values in tabular.parse_rows(ASSESSMENT_SHEET,
                                             sheets.get(ASSESSMENT_SHEET, []),
                                             ASSESSMENT_COLUMNS, report.errors) \
            if ASSESSMENT_SHEET in sheets else ():
        person = _person(ASSESSMENT_SHEET, number, values, staff, report.errors)
        if person is None or "year" not in values or "grade" not in values:
            continue
        if (person.id, values["year"]) in assessments:
            report.errors.append({"sheet": ASSESSMENT_SHEET, "row": number, "column": "年度",
                                  "message": "同一人同一年度重复"})
        assessments[(person.id, values["year"])] = values | {"person": person}
    return list(trainings.values()), list(assessments.values())


# --- importing ----------------------------------------------------------------------------

def import_training(content: bytes, filename: str, *, dry_run: bool, actor: Actor
                    ) -> TrainingImportReport:
    """Check a training file; unless a dry run, write it when (and only when) no cell is bad."""
    require(actor, "training.import")
    tabular.check_size(content)
    report = TrainingImportReport(dry_run=dry_run)
    trainings, assessments = read_rows(content, filename, actor=actor, report=report)
    report.training_records, report.assessments = len(trainings), len(assessments)
    report.people = len({row["person"].id for row in trainings + assessments})
    if tabular.should_write(report, found_rows=bool(trainings or assessments)):
        with db.atomic():
            _write(trainings, assessments, actor)
    return report


def _write(trainings: list[dict[str, Any]], assessments: list[dict[str, Any]],
           actor: Actor) -> None:
    """Upsert the rows; one audit row per person for what changed."""
    changed: dict[int, dict[str, list[Any]]] = defaultdict(dict)
    for row in trainings:
        person, kind = row["person"], _KIND_BY_LABEL[row["kind"]]
        record = TrainingRecord.get_or_none(
            TrainingRecord.person == person, TrainingRecord.starts_on == row["starts_on"],
            TrainingRecord.kind == kind, TrainingRecord.organiser == row["organiser"])
        before = record.days if record else None
        record = record or TrainingRecord(person=person, area_code=person.area_code,
                                          starts_on=row["starts_on"], kind=kind,
                                          organiser=row["organiser"])
        record.ends_on, record.days, record.updated_at = row["ends_on"], row["days"], utcnow()
        record.save()
        changed[person.id][f"training:{row['starts_on']}:{kind}"] = [before, row["days"]]
    for row in assessments:
        person, grade = row["person"], _GRADE_BY_LABEL[row["grade"]]
        result = AssessmentResult.get_or_none(AssessmentResult.person == person,
                                              AssessmentResult.year == row["year"])
        old_grade = result.grade if result else None
        result = result or AssessmentResult(person=person, area_code=person.area_code,
                                            year=row["year"])
        result.grade, result.assessed_by = grade, row.get("assessed_by", "")
        result.updated_at = utcnow()
        result.save()
        changed[person.id][f"assessment:{row['year']}"] = [old_grade, grade]
    for person_id, changes in sorted(changed.items()):
        audit.record(actor=actor, action="training.imported", entity="staff_account",
                     entity_id=person_id, changes=changes)
    outbox.emit("training.imported", people=len(changed))


# --- reading ------------------------------------------------------------------------------

def visible_records(*, actor: Actor, year: int | None = None,
                    person_id: int | None = None) -> pw.ModelSelect[TrainingRecord]:
    """Training records of staff in the actor's scope, newest first."""
    require(actor, "training.read")
    query = scoped(TrainingRecord.select(TrainingRecord, StaffAccount).join(StaffAccount),
                   StaffAccount.area_code, actor)
    if year is not None:
        query = query.where(TrainingRecord.starts_on.between(date(year, 1, 1),
                                                             date(year, 12, 31)))
    if person_id is not None:
        query = query.where(TrainingRecord.person == person_id)
    return query.order_by(TrainingRecord.starts_on.desc(), TrainingRecord.id)


@dataclass(frozen=True)
class PersonYear:
    """One person's training days and assessment in a year."""

    person: StaffAccount
    days: float
    grade: str | None


def people_year(people: Iterable[StaffAccount], year: int) -> list[PersonYear]:
    """Each person's days of training begun in the year and the year's assessment grade."""
    people = list(people)
    ids = [p.id for p in people] or [0]
    days: dict[int, float] = defaultdict(float)
    for record in TrainingRecord.select(TrainingRecord.person, TrainingRecord.days).where(
            TrainingRecord.person.in_(ids),
            TrainingRecord.starts_on.between(date(year, 1, 1), date(year, 12, 31))):
        days[record.person_id] += record.days
    grades = {a.person_id: a.grade for a in AssessmentResult.select().where(
        AssessmentResult.person.in_(ids), AssessmentResult.year == year)}
    return [PersonYear(p, round(days[p.id], 1), grades.get(p.id)) for p in people]


def summary(year: int, *, actor: Actor) -> list[PersonYear]:
    """Every active trained person in scope with their year's days and grade."""
    require(actor, "training.read")
    people = (scoped(StaffAccount.select(), StaffAccount.area_code, actor)
              .where(StaffAccount.role.in_(TRAINED_ROLES),
                     StaffAccount.is_active == True)  # noqa: E712
              .order_by(StaffAccount.area_code, StaffAccount.username))
    return people_year(people, year)


def township_people_years(township_ids: list[int], year: int) -> dict[int, list[PersonYear]]:
    """Per township, its active township and village staff with their year (for compliance)."""
    people = (StaffAccount.select()
              .where(StaffAccount.township.in_(township_ids or [0]),
                     StaffAccount.role.in_(CHECKED_ROLES),
                     StaffAccount.is_active == True)  # noqa: E712
              .order_by(StaffAccount.username))
    by_township: dict[int, list[PersonYear]] = defaultdict(list)
    for row in people_year(people, year):
        if row.person.township_id is not None:
            by_township[row.person.township_id].append(row)
    return by_township


def has_records(township_ids: list[int], year: int) -> set[int]:
    """Townships whose staff have any training record or assessment for the year."""
    staff = StaffAccount.select(StaffAccount.id).where(
        StaffAccount.township.in_(township_ids or [0]))
    trained = TrainingRecord.select(StaffAccount.township).join(StaffAccount).where(
        TrainingRecord.person.in_(staff),
        TrainingRecord.starts_on.between(date(year, 1, 1), date(year, 12, 31)))
    assessed = AssessmentResult.select(StaffAccount.township).join(StaffAccount).where(
        AssessmentResult.person.in_(staff), AssessmentResult.year == year)
    rows: list[tuple[int | None]] = [*trained.tuples(), *assessed.tuples()]
    return {township for (township,) in rows if township is not None}


# --- the template -------------------------------------------------------------------------

def training_template(file_format: str, *, actor: Actor) -> tuple[bytes, str, str]:
    """A blank template with the actor's staff listed: (content, media type, name)."""
    require(actor, "training.import")
    people = list(scoped(StaffAccount.select(), StaffAccount.area_code, actor)
                  .where(StaffAccount.role.in_(TRAINED_ROLES),
                         StaffAccount.is_active == True)  # noqa: E712
                  .order_by(StaffAccount.area_code, StaffAccount.username))
    if file_format == "csv":
        text = io.StringIO()
        writer = csv.writer(text)
        writer.writerow([c.header for c in TRAINING_COLUMNS])
        for person in people:
            writer.writerow([person.username, person.name])
        return (("\ufeff" + text.getvalue()).encode(), tabular.CSV_MEDIA_TYPE,
                "training_records.csv")
    book = Workbook()
    trainings = book.active
    trainings.title = TRAINING_SHEET
    trainings.append([c.header for c in TRAINING_COLUMNS])
    assessments = book.create_sheet(ASSESSMENT_SHEET)
    assessments.append([c.header for c in ASSESSMENT_COLUMNS])
    for person in people:
        trainings.append([person.username, person.name])
        assessments.append([person.username, person.name, utcnow().year])
    guide = book.create_sheet(GUIDE_SHEET)
    for row in tabular.guide_rows({TRAINING_SHEET: TRAINING_COLUMNS,
                                   ASSESSMENT_SHEET: ASSESSMENT_COLUMNS}):
        guide.append(row)
    for sheet in (trainings, assessments, guide):
        for cell in sheet[1]:
            cell.font = Font(bold=True)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue(), tabular.XLSX_MEDIA_TYPE, "training_records.xlsx"
