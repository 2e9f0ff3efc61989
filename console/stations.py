"""Village service stations in the console: each station's five elements (五有) saved in place
(htmx swaps the row), the stations imported from a spreadsheet in two steps
(``console.imports``), and coordinators' monthly allowances recorded and listed."""

from __future__ import annotations

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend import standards
from backend.commands.stations import RecordAllowancePayment, UpdateStation
from backend.errors import DomainError
from backend.models import StaffAccount, Village
from backend.models.accounts import Role
from backend.models.base import local_today
from backend.permissions import get_scoped, require, scoped
from backend.services import stations
from console import forms, imports
from console.forms import FormErrors

LABELS = {"file": "服务站文件", "coordinator_id": "协管员", "month": "月份",
          "paid_on": "发放日期", "amount": "金额（元）", "form": ""}


def _page(errors: FormErrors | None = None, report: stations.StationImportReport | None = None,
          *, content: bytes = b"", filename: str = "", status: int = 200,
          allowance_errors: FormErrors | None = None) -> ResponseReturnValue:
    require(g.actor, "stations.read")
    coordinators = list(scoped(StaffAccount.select(), StaffAccount.area_code, g.actor).where(
        StaffAccount.role == Role.COORDINATOR, StaffAccount.is_active == True)  # noqa: E712
        .order_by(StaffAccount.area_code))
    payments = list(stations.list_allowance_payments(actor=g.actor).limit(50))
    names = {c.id: c.name for c in coordinators}
    return render_template(
        "console/stations/stations.html", rows=stations.list_stations(actor=g.actor),
        elements=standards.STATION_ELEMENTS, errors=errors or {}, report=report,
        filename=filename, content=imports.carried(content) if report and report.valid else "",
        limit_mb=imports.limit_mb(), payments=payments, names=names,
        coordinator_options={str(c.id): c.name for c in coordinators},
        allowance_fen=standards.COORDINATOR_MONTHLY_ALLOWANCE_FEN,
        allowance_errors=allowance_errors or {}, labels=LABELS, form=request.form,
        last_month=stations.checked_month(local_today())), status


def stations_page() -> ResponseReturnValue:
    """Every station in scope with its five elements, the import and the allowances."""
    return _page()


def save_station(village_id: int) -> ResponseReturnValue:
    """Save one station's five elements; an htmx request gets its row back."""
    values = {name: request.form.get(name) == "1" for name in standards.STATION_ELEMENTS}
    station = stations.update_station(village_id, UpdateStation(
        sign=request.form.get("sign", "")[:100], place=request.form.get("place", "")[:200],
        **values), actor=g.actor)
    village = get_scoped(Village, village_id, Village.code, g.actor)
    if request.headers.get("HX-Request"):
        return render_template("console/stations/_row.html", village=village, station=station,
                               elements=standards.STATION_ELEMENTS, saved=True)
    flash(f"已保存{village.name}服务站（已记入审计）", "info")
    return redirect(url_for("console.stations"))


def _import(content: bytes, filename: str, dry_run: bool) -> ResponseReturnValue:
    return imports.answer(
        content, filename, dry_run, page=_page,
        run=lambda data, name, dry: stations.import_stations(data, name, dry_run=dry,
                                                             actor=g.actor),
        rejected=lambda rows: stations.StationImportReport(dry_run=True, errors=rows),
        finished=_imported)


def _imported(report: stations.StationImportReport) -> ResponseReturnValue:
    flash(f"已导入 {report.stations} 个服务站的“五有”情况，已记入审计", "info")
    return redirect(url_for("console.stations"))


def check() -> ResponseReturnValue:
    """Dry run of a station file: every row read, nothing written, each bad cell named."""
    require(g.actor, "stations.manage")
    return imports.check_upload(_page, _import)


def confirm() -> ResponseReturnValue:
    """Import the checked file; it is checked again, and written only if still clean."""
    require(g.actor, "stations.manage")
    return imports.confirm_checked(_page, _import)


def pay_allowance() -> ResponseReturnValue:
    """Record one month's allowance paid to a coordinator."""
    errors: FormErrors = {}
    raw = request.form.get("coordinator_id", "")
    if not raw.isdigit():
        errors["coordinator_id"] = "请选择协管员"
    month = forms.text(request.form, "month", errors, label="月份", limit=7, required=True)
    paid_on = forms.day(request.form, "paid_on", errors)
    if paid_on is None and "paid_on" not in errors:
        errors["paid_on"] = "请填写发放日期"
    amount = forms.fen(request.form, "amount", errors)
    if not errors and paid_on is not None:
        try:
            payment = stations.record_allowance_payment(RecordAllowancePayment(
                coordinator_id=int(raw), month=month, paid_on=paid_on, amount_fen=amount),
                actor=g.actor)
        except DomainError as exc:
            field = forms.refusal_field(exc, {"month": "month", "invalid_month": "month",
                                              "paid_on": "paid_on",
                                              "paid_before_month": "paid_on",
                                              "coordinator_id": "coordinator_id",
                                              "coordinator_not_found": "coordinator_id",
                                              "allowance_already_paid": "month"})
            return _page(allowance_errors={field: exc.message}, status=forms.status_of(exc))
        flash(f"已登记{payment.month}补贴 ¥{payment.amount_fen / 100:,.2f}（已记入审计）", "info")
        return redirect(url_for("console.stations") + "#allowances")
    return _page(allowance_errors=errors, status=422)


def register(blueprint: Blueprint) -> None:
    """Stations, their import, and allowances."""
    blueprint.add_url_rule("/stations", "stations", stations_page)
    blueprint.add_url_rule("/stations/<int:village_id>", "station_save", save_station,
                           methods=["POST"])
    blueprint.add_url_rule("/stations/check", "stations_check", check, methods=["POST"])
    blueprint.add_url_rule("/stations/import", "stations_import", confirm, methods=["POST"])
    blueprint.add_url_rule("/stations/allowances", "allowance_pay", pay_allowance,
                           methods=["POST"])

