"""Staff administration pages (人员管理): the list, opening an account (its one-time password
shown once), editing, deactivating, a new one-time password, the township's head; and the page
where someone signed in with a one-time password chooses their own."""

from __future__ import annotations

from datetime import time
from typing import Any

from flask import Blueprint, flash, g, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from backend.commands.bookings import SetWorkerShift
from backend.commands.staff import ChangePassword, CreateStaff, UpdateStaff
from backend.errors import Conflict, DomainError, NotFound, PermissionDenied, ValidationFailed
from backend.models import Township, Village, WorkerDayOff
from backend.models.accounts import STAFF_ROLES
from backend.permissions import require, scoped
from backend.services import bookings, staff_admin
from console import forms
from console.forms import FormErrors

PAGE_SIZE = 50
SEXES = {"female": "女", "male": "男"}
LABELS = {"username": "用户名", "name": "姓名", "role": "角色", "township_id": "所属乡镇",
          "village_id": "所在村（社区）", "phone": "手机号", "sex": "性别",
          "reason": "原因", "current_password": "当前密码", "new_password": "新密码",
          "confirm_password": "确认新密码", "form": ""}
# Where a service's refusal is shown, by the field it names or its code.
REFUSAL_FIELDS = {**{name: name for name in LABELS}, "invalid_username": "username",
                  "username_taken": "username", "village_required": "village_id",
                  "village_not_found": "village_id", "township_required": "township_id",
                  "township_not_found": "township_id", "invalid_role": "role",
                  "staff_role_not_manageable": "role", "invalid_phone": "phone",
                  "wrong_password": "current_password", "weak_password": "new_password"}
NO_STORE = {"Cache-Control": "no-store"}


def _choices() -> dict[str, Any]:
    """The roles the actor may give and the places in their scope, for the forms."""
    roles = {code: label for code, label in STAFF_ROLES.items()
             if g.actor.role == "city_admin" or code in staff_admin.TOWNSHIP_MANAGED_ROLES}
    townships = {str(t.id): t.name for t in scoped(Township.select(), Township.code, g.actor)
                 .order_by(Township.code)}
    villages = {str(v.id): f"{v.township.name} · {v.name}" for v in
                scoped(Village.select(Village, Township).join(Township), Village.code, g.actor)
                .order_by(Village.code)}
    return {"roles": roles, "townships": townships, "villages": villages, "sexes": SEXES}


def _refused(exc: DomainError) -> FormErrors:
    return {forms.refusal_field(exc, REFUSAL_FIELDS): exc.message}


def _id(form: Any, name: str) -> int | None:
    raw = str(form.get(name, "")).strip()
    return int(raw) if raw.isdigit() else None


def staff_list() -> ResponseReturnValue:
    """Accounts in the actor's scope, filtered by role and whether in post."""
    role = request.args.get("role") or None
    active = {"1": True, "0": False}.get(request.args.get("active", "1"))
    query = staff_admin.list_staff(actor=g.actor, role=role if role in STAFF_ROLES else None,
                                   is_active=active)
    page = forms.page_number(request.args)
    total = query.count()
    return render_template("console/staff/list.html", staff=list(query.paginate(page, PAGE_SIZE)),
                           filters=request.args, page=page, total=total,
                           pages=max(1, -(-total // PAGE_SIZE)), **_choices())


def new_account() -> ResponseReturnValue:
    """The form to open an account, and opening it (its one-time password shown once)."""
    require(g.actor, "staff.manage")
    errors: FormErrors = {}
    status, form = 422, request.form
    if request.method == "POST":
        username = forms.text(form, "username", errors, label="用户名", limit=50, required=True)
        name = forms.text(form, "name", errors, label="姓名", limit=50, required=True)
        if not form.get("role"):
            errors["role"] = "请选择角色"
        if not errors:
            command = CreateStaff(
                username=username, name=name, role=form["role"],
                township_id=_id(form, "township_id"), village_id=_id(form, "village_id"),
                phone=form.get("phone", "").strip() or None, sex=form.get("sex") or None)
            try:
                issued = staff_admin.create_staff(command, actor=g.actor)
            except DomainError as exc:
                if isinstance(exc, PermissionDenied) and exc.code != "staff_role_not_manageable":
                    raise
                errors, status = _refused(exc), forms.status_of(exc)
            else:
                return render_template("console/staff/issued.html", issued=issued,
                                       created=True), 201, NO_STORE
    return render_template("console/staff/new.html", form=form, errors=errors, labels=LABELS,
                           **_choices()), status if errors else 200


def account(staff_id: int) -> ResponseReturnValue:
    """One account: its details to edit, and deactivation, reset and headship."""
    staff = staff_admin.get_staff(staff_id, actor=g.actor)
    errors: FormErrors = {}
    status = 422
    if request.method == "POST":
        form = request.form
        name = forms.text(form, "name", errors, label="姓名", limit=50, required=True)
        if not errors:
            command = UpdateStaff(
                name=name, phone=form.get("phone", "").strip() or None,
                sex=form.get("sex") or None, role=form.get("role") or None,
                township_id=_id(form, "township_id"), village_id=_id(form, "village_id"),
                reason=forms.text(form, "reason", errors, label="原因", limit=500))
            try:
                staff_admin.update_staff(staff_id, command, actor=g.actor)
            except DomainError as exc:
                if isinstance(exc, NotFound) and exc.code == "staff_not_found":
                    raise
                errors, status = _refused(exc), forms.status_of(exc)
            else:
                flash(f"已保存“{name}”的账号信息（已记入审计）", "info")
                return redirect(url_for("console.staff_account", staff_id=staff_id))
    shifts = {shift.weekday: shift for shift in staff.shifts}
    days_off = list(staff.days_off.order_by(WorkerDayOff.day.desc()).limit(10))
    return render_template("console/staff/account.html", staff=staff, errors=errors,
                           labels=LABELS, form=request.form, shifts=shifts, weekdays=WEEKDAYS,
                           days_off=days_off, **_choices()), \
        status if errors else 200


def set_active(staff_id: int) -> ResponseReturnValue:
    """Deactivate (every session ends at once) or reactivate an account."""
    active = request.form.get("active") == "1"
    reason = request.form.get("reason", "").strip()[:500]
    staff = staff_admin.update_staff(staff_id, UpdateStaff(is_active=active, reason=reason),
                                     actor=g.actor)
    flash(f"已{'启用' if active else '停用'}“{staff.name}”的账号"
          f"{'' if active else '，其所有登录已立即失效'}", "info")
    return redirect(url_for("console.staff_account", staff_id=staff_id))


def reset(staff_id: int) -> ResponseReturnValue:
    """A new one-time password for an account, shown once."""
    issued = staff_admin.reset_password(staff_id, actor=g.actor)
    return render_template("console/staff/issued.html", issued=issued, created=False), \
        200, NO_STORE


def make_head(staff_id: int) -> ResponseReturnValue:
    """Appoint this township staff member their office's head."""
    staff = staff_admin.get_staff(staff_id, actor=g.actor)
    if staff.township_id is None:
        raise NotFound()
    staff_admin.set_township_head(staff.township_id, staff.id, actor=g.actor)
    flash(f"已设“{staff.name}”为乡镇民政办负责人，超期督办将发给其本人", "info")
    return redirect(url_for("console.staff_account", staff_id=staff_id))


WEEKDAYS = ("周一", "周二", "周三", "周四", "周五", "周六", "周日")


def _clock(form: Any, name: str, errors: FormErrors) -> time | None:
    raw = str(form.get(name, "")).strip()
    if not raw:
        return None
    try:
        return time.fromisoformat(raw)
    except ValueError:
        errors[name] = "时间格式应为 08:30"
        return None


def set_shift(staff_id: int, weekday: int) -> ResponseReturnValue:
    """A social worker's hours on one weekday (the planner and booking capacity follow)."""
    errors: FormErrors = {}
    form = request.form
    start, end = _clock(form, "start", errors), _clock(form, "end", errors)
    lunch = (_clock(form, "lunch_start", errors), _clock(form, "lunch_end", errors))
    if (start is None or end is None) and not errors:
        errors["start"] = "请填写上班和下班时间"
    if not errors and start is not None and end is not None:
        try:
            bookings.set_worker_shift(staff_id, weekday, SetWorkerShift(
                start=start, end=end, lunch_start=lunch[0], lunch_end=lunch[1],
                is_working=form.get("is_working") == "1"), actor=g.actor)
        except ValidationFailed as exc:
            errors["start"] = exc.message
    if errors:
        flash(f"{WEEKDAYS[weekday % 7]}班次未保存：{'；'.join(errors.values())}", "error")
    else:
        flash(f"已保存{WEEKDAYS[weekday]}班次（已记入审计）", "info")
    return redirect(url_for("console.staff_account", staff_id=staff_id) + "#shifts")


def add_day_off(staff_id: int) -> ResponseReturnValue:
    """A day a social worker is away: that day offers fewer places from now on."""
    errors: FormErrors = {}
    day = forms.day(request.form, "day", errors)
    reason = forms.text(request.form, "reason", errors, label="原因", limit=100)
    if day is None:
        errors.setdefault("day", "请填写日期")
    else:
        try:
            bookings.add_worker_day_off(staff_id, day, reason, actor=g.actor)
        except (ValidationFailed, Conflict) as exc:
            errors["day"] = exc.message
    flash(f"休息日未登记：{errors['day']}" if errors else "已登记休息日（已记入审计）",
          "error" if errors else "info")
    return redirect(url_for("console.staff_account", staff_id=staff_id) + "#shifts")


def password() -> ResponseReturnValue:
    """Change one's own password; with a one-time password, nothing else opens until then."""
    errors: FormErrors = {}
    if request.method == "POST":
        current = request.form.get("current_password", "")
        new = request.form.get("new_password", "")
        if not current:
            errors["current_password"] = "请填写当前密码"
        if new != request.form.get("confirm_password", ""):
            errors["confirm_password"] = "两次输入的新密码不一致"
        if not errors:
            try:
                staff_admin.change_password(ChangePassword(current, new), actor=g.actor)
            except DomainError as exc:
                errors = _refused(exc)
            else:
                flash("密码已修改，其他设备上的登录已退出", "info")
                return redirect(url_for("console.home"))
    return render_template("console/staff/password.html", errors=errors, labels=LABELS), \
        422 if errors else 200


def register(blueprint: Blueprint) -> None:
    """Staff administration and one's own password."""
    blueprint.add_url_rule("/staff", "staff_list", staff_list)
    blueprint.add_url_rule("/staff/new", "staff_new", new_account, methods=["GET", "POST"])
    blueprint.add_url_rule("/staff/<int:staff_id>", "staff_account", account,
                           methods=["GET", "POST"])
    blueprint.add_url_rule("/staff/<int:staff_id>/active", "staff_active", set_active,
                           methods=["POST"])
    blueprint.add_url_rule("/staff/<int:staff_id>/password-reset", "staff_reset", reset,
                           methods=["POST"])
    blueprint.add_url_rule("/staff/<int:staff_id>/head", "staff_head", make_head,
                           methods=["POST"])
    blueprint.add_url_rule("/staff/<int:staff_id>/shifts/<int:weekday>", "staff_shift",
                           set_shift, methods=["POST"])
    blueprint.add_url_rule("/staff/<int:staff_id>/days-off", "staff_day_off", add_day_off,
                           methods=["POST"])
    blueprint.add_url_rule("/password", "password", password, methods=["GET", "POST"])
