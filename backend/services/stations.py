"""Village service stations (民政服务站): their five elements (五有) edited or imported, and
their coordinators' monthly allowances recorded as payments, which the allowance check reads.

The import reads XLSX or CSV through the spreadsheet machinery every import shares
(``tabular``): the same column parsing, the same error report naming sheet, row and column, the
same dry run and all-or-nothing rule.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import peewee as pw

from backend import audit, outbox, standards
from backend.commands.stations import RecordAllowancePayment, UpdateStation
from backend.db import db
from backend.errors import Conflict, NotFound, ValidationFailed
from backend.models import AllowancePayment, ServiceStation, StaffAccount, Village
from backend.models.accounts import Role
from backend.models.base import local_today
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services import tabular
from backend.services.tabular import Column

STATION_SHEET = "服务站"
ELEMENTS = tuple(standards.STATION_ELEMENTS)  # has_person … has_ledger
MONTH = re.compile(r"^((?:19|20|21)\d{2})-(0[1-9]|1[0-2])$")  # year 0000 is no date


def _village_code(value: Any) -> str:
    code = str(value).strip().removesuffix(".0")  # Excel keeps long digit runs as floats
    if len(code) != 12 or not code.isdigit():
        raise ValueError("应为12位村（社区）区划代码")
    return code


STATION_COLUMNS: tuple[Column, ...] = (
    Column("村（社区）代码", "village_code", _village_code, True, "12位区划代码"),
    Column("站牌名称", "sign", tabular.text, False, "如 某村民政服务站"),
    Column("办公场所", "place", tabular.text, False, "如 村委会一楼"),
    *(Column(f"{label}（是/否）", column, tabular.yes_no, True, "“五有”之一")
      for column, label in standards.STATION_ELEMENTS.items()),
)


# --- the five elements ----------------------------------------------------------------------

def list_stations(*, actor: Actor) -> list[tuple[Village, ServiceStation | None]]:
    """Villages in the actor's scope with their station (None: none recorded yet)."""
    require(actor, "stations.read")
    villages = scoped(Village.select(), Village.code, actor).order_by(Village.code)
    stations = {s.village_id: s for s in ServiceStation.select().where(
        ServiceStation.village.in_([v.id for v in villages] or [0]))}
    return [(village, stations.get(village.id)) for village in villages]


def _snapshot(station: ServiceStation) -> dict[str, Any]:
    return {name: getattr(station, name) for name in ("sign", "place", *ELEMENTS)}


def _apply(village: Village, values: dict[str, Any], actor: Actor, action: str) -> ServiceStation:
    """Write a station's fields (creating it), one audit row for what changed."""
    station = ServiceStation.get_or_none(ServiceStation.village == village)
    before = _snapshot(station) if station else {}
    station = station or ServiceStation(village=village)
    for name, value in values.items():
        if value is not None and name in ("sign", "place", *ELEMENTS):
            setattr(station, name, value)
    station.save()
    changes = audit.diff(before, _snapshot(station))
    if changes:
        audit.record(actor=actor, action=action, entity="service_station",
                     entity_id=station.id, changes=changes, area_code=village.code)
        outbox.emit("station.updated", village_id=village.id)
    return station


def update_station(village_id: int, cmd: UpdateStation, *, actor: Actor) -> ServiceStation:
    """Change a village station's sign, place or five elements (五有); audited."""
    require(actor, "stations.manage")
    with db.atomic():
        try:
            village = get_scoped(Village, village_id, Village.code, actor)
        except NotFound:
            raise NotFound("未找到该村（社区）", code="village_not_found") from None
        values = {name: getattr(cmd, name) for name in ("sign", "place", *ELEMENTS)}
        for name in ("sign", "place"):
            if values[name] is not None:
                values[name] = values[name].strip()
        return _apply(village, values, actor, "station.update")


@dataclass
class StationImportReport(tabular.ImportOutcome):
    """The station import's report: how many stations, in which villages."""

    stations: int = 0
    villages: list[str] = field(default_factory=list)


def _rows(content: bytes, filename: str) -> tabular.Rows:
    """The station sheet of a workbook (or its first sheet), or a CSV's rows."""
    return tabular.read_sheets(content, filename, (STATION_SHEET,), lambda rows: STATION_SHEET,
                               first_sheet_as=STATION_SHEET)[STATION_SHEET]


def import_stations(content: bytes, filename: str, *, dry_run: bool,
                    actor: Actor) -> StationImportReport:
    """Check a station file; unless a dry run, write it when (and only when) every row is valid."""
    require(actor, "stations.manage")
    tabular.check_size(content)
    report = StationImportReport(dry_run=dry_run)
    in_scope = {v.code: v for v in scoped(Village.select(), Village.code, actor)}
    found: dict[str, dict[str, Any]] = {}
    parsed = tabular.parse_rows(STATION_SHEET, _rows(content, filename), STATION_COLUMNS,
                                report.errors)
    for number, values in parsed:
        code = values.get("village_code")
        if code is None:
            continue
        if code not in in_scope:
            report.errors.append({"sheet": STATION_SHEET, "row": number, "column": "村（社区）代码",
                                  "message": f"村（社区）{code} 不存在或不在您的管辖范围内"})
        elif code in found:
            report.errors.append({"sheet": STATION_SHEET, "row": number, "column": "村（社区）代码",
                                  "message": "同一村（社区）重复"})
        found[code] = values
    report.stations, report.villages = len(found), sorted(found)
    if tabular.should_write(report, found_rows=bool(found)):
        with db.atomic():
            for code, values in sorted(found.items()):
                _apply(in_scope[code], values, actor, "station.imported")
    return report


# --- coordinators' allowances ---------------------------------------------------------------

def _month_start(month: str) -> date:
    matched = MONTH.match(month)
    if matched is None:
        raise ValidationFailed("月份格式应为 2026-11", code="invalid_month",
                               errors={"month": ["格式应为 2026-11"]})
    return date(int(matched.group(1)), int(matched.group(2)), 1)


def record_allowance_payment(cmd: RecordAllowancePayment, *, actor: Actor) -> AllowancePayment:
    """Record one month's allowance paid to a coordinator in scope; audited, once a month."""
    require(actor, "allowances.manage")
    start = _month_start(cmd.month)
    if cmd.paid_on < start:
        raise ValidationFailed("发放日期不能早于所发月份", code="paid_before_month",
                               errors={"paid_on": ["不能早于所发月份的第一天"]})
    with db.atomic():
        try:
            coordinator = get_scoped(StaffAccount, cmd.coordinator_id, StaffAccount.area_code,
                                     actor)
        except NotFound:
            raise NotFound("未找到该协管员", code="coordinator_not_found") from None
        if coordinator.role != Role.COORDINATOR or coordinator.township_id is None:
            raise ValidationFailed("只能为协管员登记补贴", code="not_a_coordinator",
                                   errors={"coordinator_id": ["须为协管员"]})
        if AllowancePayment.select().where(AllowancePayment.coordinator == coordinator,
                                           AllowancePayment.month == cmd.month).exists():
            raise Conflict("该协管员本月补贴已登记", code="allowance_already_paid")
        amount = cmd.amount_fen if cmd.amount_fen is not None else (
            coordinator.monthly_allowance_fen or standards.COORDINATOR_MONTHLY_ALLOWANCE_FEN)
        payment = AllowancePayment.create(
            coordinator=coordinator, village=coordinator.village_id,
            township=coordinator.township_id, area_code=coordinator.area_code,
            month=cmd.month, amount_fen=amount, paid_on=cmd.paid_on,
            recorded_by=actor.id if actor.kind == "staff" else None)
        audit.record(actor=actor, action="allowance.paid", entity="allowance_payment",
                     entity_id=payment.id, changes={"month": [None, cmd.month],
                                                    "amount_fen": [None, amount],
                                                    "coordinator_id": [None, coordinator.id]},
                     area_code=coordinator.area_code)
        outbox.emit("allowance.paid", payment_id=payment.id)
    return payment


def list_allowance_payments(*, actor: Actor, month: str | None = None,
                            coordinator_id: int | None = None
                            ) -> pw.ModelSelect[AllowancePayment]:
    """Allowance payments in the actor's scope, newest month first."""
    require(actor, "allowances.read")
    query = scoped(AllowancePayment.select(), AllowancePayment.area_code, actor)
    if month is not None:
        _month_start(month)
        query = query.where(AllowancePayment.month == month)
    if coordinator_id is not None:
        query = query.where(AllowancePayment.coordinator == coordinator_id)
    return query.order_by(AllowancePayment.month.desc(), AllowancePayment.area_code)


def checked_month(period_end: date) -> str:
    """The month the allowance check reads: the last one ended by the period's end (and by
    yesterday, so a month still running is never counted as unpaid)."""
    ended_by = min(period_end, local_today() - timedelta(days=1))
    if (ended_by + timedelta(days=1)).day == 1:  # the last day of its month
        return f"{ended_by:%Y-%m}"
    return f"{ended_by.replace(day=1) - timedelta(days=1):%Y-%m}"


def lowest_allowance_paid(township_ids: list[int], month: str
                          ) -> dict[int, tuple[int | None, list[str]]]:
    """Per township: the least paid to any active coordinator for the month (0 when one was not
    paid; None without coordinators), and who was paid short."""
    coordinators = list(StaffAccount.select(StaffAccount, Village)
                        .join(Village, pw.JOIN.LEFT_OUTER,
                              on=(StaffAccount.village == Village.id))
                        .where(StaffAccount.township.in_(township_ids or [0]),
                               StaffAccount.role == Role.COORDINATOR,
                               StaffAccount.is_active == True))  # noqa: E712
    paid = {p.coordinator_id: p.amount_fen for p in AllowancePayment.select().where(
        AllowancePayment.coordinator.in_([c.id for c in coordinators] or [0]),
        AllowancePayment.month == month)}
    lowest: dict[int, int | None] = {}
    short: dict[int, list[str]] = defaultdict(list)
    for c in coordinators:
        amount = paid.get(c.id, 0)
        township_id = c.township_id or 0
        current = lowest.get(township_id)
        lowest[township_id] = amount if current is None else min(current, amount)
        where = c.village.name if c.village_id and c.village is not None else c.name
        if amount == 0:
            short[township_id].append(f"{where}协管员{month}补贴未发放")
    return {t: (lowest.get(t), short.get(t, [])) for t in township_ids}
