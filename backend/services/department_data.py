"""Other departments' data for the household economic check (家庭经济状况核对).

Each department (人社, 住建, 公安, 市场监管, 税务, 公积金, 车管) sends one XLSX/CSV layout,
``LAYOUTS`` below (documented for them in ``fixtures/department_data.md``). A row is matched to
a household member of an application under verification by the blind index of its ID number,
never by comparing numbers in clear. A file with a bad cell imports nothing (every bad cell
named, as the profile import does); a row that matches no one is reported and kept, masked, on
the import's record, so none is dropped silently. The people to check go out to a department
as a CSV holding their ID numbers in clear: the one place they leave, each read access-logged.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import peewee as pw

from backend import audit, outbox, pii, runtime
from backend.db import db
from backend.errors import NotFound, ValidationFailed
from backend.models import (
    Application,
    CheckMember,
    DepartmentImport,
    DepartmentRecord,
    PiiAccess,
    utcnow,
)
from backend.models.applications import ApplicationStatus
from backend.permissions import Actor, require, scoped
from backend.services import tabular
from backend.services.tabular import Column

ID_HEADER, NAME_HEADER = "身份证号", "姓名"
# A department sends the whole city's matches in one file: more rows than a hand-kept sheet.
MAX_ROWS = 50_000
_PERSON = (Column(ID_HEADER, "id_number", tabular.id_number, True, "18位居民身份证号"),
           Column(NAME_HEADER, "name", tabular.text, False, "用于人工核对，不参与匹配"))


@dataclass(frozen=True)
class Layout:
    """One department's file: its columns and how a row becomes a record."""

    code: str
    label: str
    kind: str  # what its rows are: income, housing, household, business, provident_fund, vehicle
    kind_label: str
    columns: tuple[Column, ...]
    monthly_income: Callable[[dict[str, Any]], int | None] = lambda values: None
    value: Callable[[dict[str, Any]], int | None] = lambda values: None


LAYOUTS: dict[str, Layout] = {layout.code: layout for layout in (
    Layout("hrss", "人社", "income", "收入", (
        *_PERSON,
        Column("收入类型", "income_type", tabular.one_of(
            ("工资", "养老金", "失业保险金", "其他社会保险待遇")), True),
        Column("月收入（元）", "monthly_yuan", tabular.yuan_to_fen, True)),
        monthly_income=lambda v: v["monthly_yuan"]),
    Layout("tax", "税务", "income", "收入", (
        *_PERSON,
        Column("年度", "year", tabular.whole_number(2000, 2100), True),
        Column("年收入（元）", "yearly_yuan", tabular.yuan_to_fen, True, "个人所得税年度收入额")),
        monthly_income=lambda v: v["yearly_yuan"] // 12),
    Layout("housing", "住建", "housing", "房产", (
        *_PERSON,
        Column("房屋坐落", "address", tabular.text, True),
        Column("建筑面积（平方米）", "area_m2", tabular.whole_number(1, 100_000), True))),
    Layout("public_security", "公安", "household", "户籍", (
        *_PERSON,
        Column("户号", "household_code", tabular.text, True),
        Column("与户主关系", "relation", tabular.text, True))),
    Layout("market_regulation", "市场监管", "business", "市场主体登记", (
        *_PERSON,
        Column("市场主体名称", "business_name", tabular.text, True),
        Column("注册资本（元）", "capital_yuan", tabular.yuan_to_fen, True)),
        value=lambda v: v["capital_yuan"]),
    Layout("provident_fund", "公积金", "provident_fund", "住房公积金", (
        *_PERSON,
        Column("月缴存额（元）", "monthly_deposit_yuan", tabular.yuan_to_fen, True),
        Column("账户余额（元）", "balance_yuan", tabular.yuan_to_fen, True)),
        value=lambda v: v["balance_yuan"]),
    Layout("vehicles", "车管（公安交管）", "vehicle", "机动车", (
        *_PERSON,
        Column("号牌号码", "plate", tabular.text, True),
        Column("车辆类型", "vehicle_type", tabular.text, True))),
)}
_FROM_YUAN = {"monthly_yuan", "yearly_yuan", "capital_yuan", "monthly_deposit_yuan",
              "balance_yuan"}


def layout_of(department: str) -> Layout:
    """A department's layout, or NotFound."""
    if department not in LAYOUTS:
        raise NotFound("没有这个部门的数据格式", code="department_not_found")
    return LAYOUTS[department]


# --- who is checked -----------------------------------------------------------------------

def under_check(actor: Actor) -> pw.ModelSelect[Application]:
    """Applications (and re-reviews) at the verification stage (核查) in the actor's scope."""
    return scoped(Application.select(), Application.area_code, actor).where(
        Application.status == ApplicationStatus.IN_REVIEW, Application.stage == "verification")


@dataclass(frozen=True)
class _Person:
    relation: str
    name: str
    token: str  # the encrypted ID number
    context: str  # what it is bound to
    declared_income_fen: int


def _household_people(application: Application) -> list[_Person]:
    """The applicant (their own income: the household's less the members') and the members."""
    members = application.household_members
    own = application.declared_income_fen - sum(
        int(m.get("monthly_income_fen") or 0) for m in members)
    return [_Person("applicant", application.applicant_name, application.applicant_id_enc,
                    f"application:{application.id}:applicant", max(own, 0))] + [
        _Person(m["relation"], m["name"], m["id_enc"],
                f"application:{application.id}:member:{n}", int(m.get("monthly_income_fen") or 0))
        for n, m in enumerate(members)]


def index_household(application: Application, actor: Actor) -> list[CheckMember]:
    """The household's people by blind index, built once from the encrypted numbers."""
    existing = list(CheckMember.select().where(CheckMember.application == application)
                    .order_by(CheckMember.member_no))
    people = _household_people(application)
    if len(existing) == len(people):
        return existing
    # The household changed since it was indexed (members added or removed at 补正).
    CheckMember.delete().where(CheckMember.application == application).execute()
    vault, members = runtime.vault(), []
    for number, person in enumerate(people):
        id_number = vault.decrypt(person.token, context=person.context)
        members.append(CheckMember.create(
            application=application, member_no=number, name=person.name,
            relation=person.relation, id_index=vault.blind_index(id_number, kind="id_number"),
            id_masked=pii.mask_id_number(id_number, viewer="staff"),
            declared_income_fen=person.declared_income_fen, area_code=application.area_code))
    _log_reads(application, len(members), "household_check_index", actor)
    return members


def _log_reads(application: Application, count: int, purpose: str, actor: Actor) -> None:
    PiiAccess.insert_many([
        {"actor_kind": actor.kind, "actor_id": actor.id, "entity": "application",
         "entity_id": str(application.id), "field": f"household_id_number:{n}",
         "purpose": purpose, "request_id": runtime.request_id(), "created_at": utcnow()}
        for n in range(count)]).execute()


def people_to_check(department: str, *, actor: Actor) -> tuple[bytes, str, str]:
    """The department's file with the people under check filled in: ID numbers in clear (this
    file only), each read access-logged; the department fills the other columns."""
    require(actor, "department_data.export")
    layout = layout_of(department)
    text = io.StringIO()
    writer = csv.writer(text)
    writer.writerow([column.header for column in layout.columns])
    vault, count = runtime.vault(), 0
    with db.atomic():
        for application in under_check(actor).order_by(Application.id):
            index_household(application, actor)
            people = _household_people(application)
            for person in people:
                writer.writerow([vault.decrypt(person.token, context=person.context),
                                 person.name])
            count += len(people)
            _log_reads(application, len(people), f"department_export:{department}", actor)
        audit.record(actor=actor, action="department_data.exported", entity="department",
                     entity_id=department, changes={"people": [None, count]})
    content = ("\ufeff" + text.getvalue()).encode()  # a BOM so that Excel reads the Chinese
    return content, tabular.CSV_MEDIA_TYPE, f"check-{department}-{utcnow():%Y%m%d}.csv"


# --- importing a department's file --------------------------------------------------------

@dataclass
class DepartmentReport:
    """What a department file held: rows matched, rows matching no one, bad cells."""

    department: str
    dry_run: bool
    rows: int = 0
    matched: int = 0
    unmatched: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    batch_id: int | None = None

    @property
    def valid(self) -> bool:
        """True when no cell has an error."""
        return not self.errors

    @property
    def imported(self) -> bool:
        """True when the matched rows were written."""
        return self.batch_id is not None


def _members_by_index(actor: Actor) -> dict[str, list[CheckMember]]:
    for application in under_check(actor).where(~pw.fn.EXISTS(
            CheckMember.select().where(CheckMember.application == Application.id))):
        index_household(application, actor)
    found: dict[str, list[CheckMember]] = {}
    checked = under_check(actor).select(Application.id)
    for member in CheckMember.select().where(CheckMember.application.in_(checked)):
        found.setdefault(member.id_index, []).append(member)
    return found


def import_department_file(department: str, content: bytes, filename: str, *, dry_run: bool,
                           actor: Actor) -> DepartmentReport:
    """Check a department's file; unless a dry run, write its matched rows when no cell is bad.

    Rows matching no household under check are reported (row, masked ID) and kept on the
    import's record, never dropped silently.
    """
    require(actor, "department_data.import")
    layout = layout_of(department)
    tabular.check_size(content)
    report = DepartmentReport(department=department, dry_run=dry_run)
    sheets = tabular.read_sheets(content, filename, (layout.label,), lambda rows: layout.label,
                                 max_rows=MAX_ROWS)
    with db.atomic():
        members = _members_by_index(actor)
        vault, matched = runtime.vault(), []
        for number, values in tabular.parse_rows(layout.label, sheets[layout.label],
                                                 layout.columns, report.errors, MAX_ROWS):
            report.rows += 1
            if "id_number" not in values:
                continue
            index = vault.blind_index(values["id_number"], kind="id_number")
            masked = pii.mask_id_number(values["id_number"], viewer="staff")
            if index not in members:
                report.unmatched.append({"row": number, "id_masked": masked,
                                         "message": "未匹配到正在核查的家庭成员"})
                continue
            matched.append((number, index, masked, values, members[index][0].area_code))
        report.matched = len(matched)
        if not report.rows and not report.errors:
            report.errors.append({"sheet": layout.label, "row": 2, "column": "",
                                  "message": "文件中没有数据行"})
        if report.errors and not dry_run:
            raise ValidationFailed("导入文件有误，未导入任何数据", code="import_rejected",
                                   errors={"rows": report.errors})
        if not dry_run:
            report.batch_id = _write(layout, filename, matched, report, actor)
    return report


def _write(layout: Layout, filename: str, matched: list[tuple[int, str, str, dict[str, Any], str]],
           report: DepartmentReport, actor: Actor) -> int:
    batch = DepartmentImport.create(department=layout.code, filename=filename[:200],
                                    area_code=actor.area_code, imported_by=actor.id,
                                    rows=report.rows, matched=report.matched,
                                    unmatched=report.unmatched)
    rows = [{"batch": batch.id, "department": layout.code, "kind": layout.kind,
             "id_index": index, "id_masked": masked, "row_number": number,
             "monthly_income_fen": layout.monthly_income(values), "value_fen": layout.value(values),
             "details": _details(layout, values), "area_code": area_code}
            for number, index, masked, values, area_code in matched]
    for start in range(0, len(rows), 500):
        DepartmentRecord.insert_many(rows[start:start + 500]).execute()
    audit.record(actor=actor, action="department_data.imported", entity="department_import",
                 entity_id=batch.id, changes={"department": [None, layout.code],
                                              "rows": [None, report.rows],
                                              "matched": [None, report.matched],
                                              "unmatched": [None, len(report.unmatched)]})
    outbox.emit("department_data.imported", batch_id=batch.id)
    return int(batch.id)


def _details(layout: Layout, values: dict[str, Any]) -> dict[str, Any]:
    """The row's other cells by header (no ID number, no name), money back in yuan."""
    shown = {}
    for column in layout.columns[len(_PERSON):]:
        if column.field in values:
            value = values[column.field]
            shown[column.header] = value / 100 if column.field in _FROM_YUAN else value
    return shown


def past_imports(*, actor: Actor) -> pw.ModelSelect[DepartmentImport]:
    """Department files imported in the actor's scope, newest first, with their unmatched rows."""
    require(actor, "department_data.import")
    return scoped(DepartmentImport.select(), DepartmentImport.area_code, actor).order_by(
        DepartmentImport.created_at.desc(), DepartmentImport.id.desc())


def departments() -> list[dict[str, Any]]:
    """Every department's layout, for the docs and the console."""
    return [{"code": layout.code, "label": layout.label, "kind": layout.kind,
             "kind_label": layout.kind_label,
             "columns": [{"header": c.header, "required": c.required, "help": c.help}
                         for c in layout.columns]}
            for layout in LAYOUTS.values()]
