"""The service-guide editor (办事指南): the city bureau rewrites what a service publishes — its
name, legal basis, conditions, procedure, time limit, materials, fee and commitment. Only what
changed is sent, as the API's edit; the service audits it with before and after."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.commands.service_guide import (
    LIST_LENGTHS,
    TEXT_LENGTHS,
    TIME_LIMIT_DAYS,
    EditServiceGuide,
)
from backend.permissions import require
from backend.services import service_guide
from console import forms

NEW_MATERIAL_ROWS = 3
LABELS = {"name": "事项全称", "short_name": "事项简称", "time_limit_days": "办理时限",
          "complaint_phone": "投诉电话", "service_commitment": "服务承诺",
          "legal_basis": "办理依据", "eligibility": "申请条件", "fee_amount": "收费金额",
          "fee_label": "收费说明", "procedure": "办理程序", "materials": "材料目录"}


def _text(form: Any, name: str, errors: forms.FormErrors) -> str:
    low, high = TEXT_LENGTHS[name]
    value = forms.text(form, name, errors, label=LABELS[name], limit=high, required=low > 0)
    if value and len(value) < low:
        errors[name] = f"{LABELS[name]}至少 {low} 个字"
    return value


def _lines(form: Any, name: str, errors: forms.FormErrors) -> list[str]:
    """A textarea of one item per line, blank lines dropped."""
    items = [line.strip() for line in form.get(name, "").splitlines() if line.strip()]
    fewest, most = LIST_LENGTHS[name]
    longest = TEXT_LENGTHS[name][1]
    if not fewest <= len(items) <= most:
        errors[name] = f"{LABELS[name]}应有 {fewest}–{most} 条（每行一条）"
    elif too_long := [n for n, item in enumerate(items, 1) if len(item) > longest]:
        errors[name] = f"第 {too_long[0]} 条超过 {longest} 字"
    return items


def _days(form: Any, errors: forms.FormErrors) -> int:
    low, high = TIME_LIMIT_DAYS
    raw = form.get("time_limit_days", "").strip()
    if not raw.isdigit() or not low <= int(raw) <= high:
        errors["time_limit_days"] = f"办理时限应为 {low}–{high} 之间的整数（工作日）"
        return 0
    return int(raw)


def _fee(form: Any, current: dict[str, Any], errors: forms.FormErrors) -> dict[str, Any]:
    try:
        fen = Decimal(form.get("fee_amount", "0").strip() or "0") * 100
    except InvalidOperation:
        fen = Decimal(-1)
    if fen < 0 or fen != fen.to_integral_value():
        errors["fee_amount"] = "收费金额应为不小于 0、最多两位小数的金额（元）"
    label = forms.text(form, "fee_label", errors, label="收费说明", limit=50, required=True)
    fee = {**current, "charged": form.get("fee_charged") == "1", "amount_fen": int(fen),
           "label": label}
    note = form.get("fee_note", "").strip()
    if note or "note" in current:  # an untouched fee without a note stays as it was
        fee["note"] = note
    return fee


def _procedure(form: Any, current: list[dict[str, Any]], errors: forms.FormErrors
               ) -> list[dict[str, Any]]:
    """The steps keep their codes (the workflow names them); names and descriptions change."""
    steps = []
    for n, step in enumerate(current):
        name = form.get(f"procedure-{n}-name", "").strip()
        description = form.get(f"procedure-{n}-description", "").strip()
        if not name or not description:
            errors[f"procedure-{n}-name"] = f"第 {n + 1} 步的名称和说明都要填写"
        steps.append({**step, "name": name, "description": description})
    return steps


def _materials(form: Any, current: list[dict[str, Any]], errors: forms.FormErrors
               ) -> list[dict[str, Any]]:
    """Kept, edited and new materials; a new one gets a code no other material has."""
    listed, codes = [], {m["code"] for m in current}
    longest = TEXT_LENGTHS["material_name"][1]
    for n in range(len(current) + NEW_MATERIAL_ROWS):
        name = form.get(f"material-{n}-name", "").strip()
        if not name or form.get(f"material-{n}-remove") == "1":
            continue
        if len(name) > longest:
            errors[f"material-{n}-name"] = f"材料名称不能超过 {longest} 字"
        code = current[n]["code"] if n < len(current) else _new_code(codes)
        codes.add(code)
        listed.append({"code": code, "name": name,
                       "required": form.get(f"material-{n}-required") == "1",
                       "note": form.get(f"material-{n}-note", "").strip()})
    fewest, most = LIST_LENGTHS["materials"]
    if not fewest <= len(listed) <= most:
        errors["materials"] = f"材料目录应有 {fewest}–{most} 项"
    return listed


def _new_code(taken: set[str]) -> str:
    n = 1
    while f"material_{n}" in taken:
        n += 1
    return f"material_{n}"


def edited(form: Any, current: dict[str, Any]) -> tuple[dict[str, Any], forms.FormErrors]:
    """Every editable part as the form gives it, and what is wrong with it, by field."""
    errors: forms.FormErrors = {}
    values: dict[str, Any] = {name: _text(form, name, errors) for name in
                              ("name", "short_name", "complaint_phone", "service_commitment")}
    values |= {name: _lines(form, name, errors) for name in ("legal_basis", "eligibility")}
    values["time_limit_days"] = _days(form, errors)
    values["fee"] = _fee(form, current["fee"], errors)
    values["procedure"] = _procedure(form, current["procedure"], errors)
    values["materials"] = _materials(form, current["materials"], errors)
    return values, errors


def services_page() -> ResponseReturnValue:
    """Every service's guide, to choose one to edit."""
    require(g.actor, "services.update")
    return render_template("console/city/services.html", services=service_guide.list_services())


def edit_page(code: str, errors: forms.FormErrors | None = None, status: int = 200
              ) -> ResponseReturnValue:
    """One service's guide as a form."""
    require(g.actor, "services.update")
    return render_template("console/city/service_edit.html",
                           service=service_guide.get_service(code), errors=errors or {},
                           form=request.form if errors else None, labels=LABELS,
                           new_rows=NEW_MATERIAL_ROWS), status


def save(code: str) -> ResponseReturnValue:
    """Publish what changed; the change is audited (who, when, before and after)."""
    require(g.actor, "services.update")
    current = service_guide.get_service(code)
    values, errors = edited(request.form, current)
    if errors:
        return edit_page(code, errors, 422)
    changed = {name: value for name, value in values.items() if value != current.get(name)}
    if not changed:
        flash("没有修改，办事指南保持不变", "info")
    else:
        service_guide.update_service(code, EditServiceGuide(**changed), actor=g.actor)
        names = "、".join(LABELS.get(name, "收费") for name in changed)
        flash(f"已发布“{values['name']}”的修改：{names}（已记入审计）", "info")
    return redirect(url_for("console.city_service", code=code))


def register(blueprint: Blueprint) -> None:
    """The guide's list, one service's form and saving it."""
    blueprint.add_url_rule("/city/services", "city_services", services_page)
    blueprint.add_url_rule("/city/services/<code>", "city_service", edit_page)
    blueprint.add_url_rule("/city/services/<code>", "city_service_save", save, methods=["POST"])
