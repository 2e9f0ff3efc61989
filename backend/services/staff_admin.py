"""Staff administration: accounts of every role with their scope, one-time passwords, the
township's head, deactivation that ends every session at once.

The city bureau manages every account; a township's office manages its own coordinators and
social workers (their shifts are set through ``bookings.set_worker_shift``). A new or reset
account carries a one-time password that only its owner's change lifts
(``permissions.WHILE_PASSWORD_MUST_CHANGE``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from typing import Any

import peewee as pw

from backend import audit, outbox, pii, runtime, standards
from backend.commands.staff import ChangePassword, CreateStaff, UpdateStaff
from backend.db import db
from backend.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from backend.models import AuthSession, StaffAccount, Township, Village, utcnow
from backend.models.accounts import STAFF_ROLES, Role
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services import auth, stage_holders

# What a township's office may create and manage in its own township.
TOWNSHIP_MANAGED_ROLES = frozenset({Role.COORDINATOR, Role.SOCIAL_WORKER})
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,49}$")
SEXES = ("male", "female")
# No 0/O, 1/l/I: the password is read out or copied from a slip of paper once.
_ONE_TIME_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ONE_TIME_LENGTH = 12
MIN_PASSWORD_LENGTH = 8


@dataclass(frozen=True)
class IssuedAccount:
    """An account with the one-time password its owner signs in with once (shown only now)."""

    account: StaffAccount
    one_time_password: str


# --- reading ------------------------------------------------------------------------------

def list_staff(*, actor: Actor, role: str | None = None, township_id: int | None = None,
               is_active: bool | None = None) -> pw.ModelSelect[StaffAccount]:
    """Staff accounts in the actor's scope, by area and role."""
    require(actor, "staff.read")
    query = scoped(StaffAccount.select(), StaffAccount.area_code, actor)
    if role is not None:
        query = query.where(StaffAccount.role == role)
    if township_id is not None:
        query = query.where(StaffAccount.township == township_id)
    if is_active is not None:
        query = query.where(StaffAccount.is_active == is_active)
    return query.order_by(StaffAccount.area_code, StaffAccount.role, StaffAccount.id)


def get_staff(staff_id: int, *, actor: Actor) -> StaffAccount:
    """One account in the actor's scope, or NotFound."""
    require(actor, "staff.read")
    return _in_scope(staff_id, actor)


def _in_scope(staff_id: int, actor: Actor) -> StaffAccount:
    try:
        return get_scoped(StaffAccount, staff_id, StaffAccount.area_code, actor)
    except NotFound:
        raise NotFound("未找到该工作人员", code="staff_not_found") from None


# --- scope of an account ------------------------------------------------------------------

@dataclass(frozen=True)
class _Placement:
    area_code: str
    township: Township | None
    village: Village | None


def _place(role: str, township_id: int | None, village_id: int | None,
           actor: Actor) -> _Placement:
    """Where an account of this role sits: the city, a township, or a village's station."""
    if role not in STAFF_ROLES:
        raise ValidationFailed("角色无效", code="invalid_role",
                               errors={"role": [f"可选：{'、'.join(STAFF_ROLES)}"]})
    _check_may_manage_role(role, actor)
    if role == Role.CITY_ADMIN:
        return _Placement(actor.area_code[:6], None, None)
    if role == Role.COORDINATOR:
        if village_id is None:
            raise ValidationFailed("协管员须指定所在村（社区）", code="village_required",
                                   errors={"village_id": ["必填"]})
        village = scoped(Village.select(), Village.code, actor).where(
            Village.id == village_id).first()
        if village is None:
            raise NotFound("未找到该村（社区）", code="village_not_found")
        return _Placement(village.code, village.township, village)
    if township_id is None:
        raise ValidationFailed("须指定所属乡镇（街道）", code="township_required",
                               errors={"township_id": ["必填"]})
    township = scoped(Township.select(), Township.code, actor).where(
        Township.id == township_id).first()
    if township is None:
        raise NotFound("未找到该乡镇（街道）", code="township_not_found")
    return _Placement(township.code, township, None)


def _check_may_manage_role(role: str, actor: Actor) -> None:
    if actor.role == Role.CITY_ADMIN or actor.kind == "system":
        return
    if role not in TOWNSHIP_MANAGED_ROLES:
        raise PermissionDenied("乡镇只能管理本乡镇的协管员和社工账号",
                               code="staff_role_not_manageable")


def _manageable(staff_id: int, actor: Actor) -> StaffAccount:
    staff = _in_scope(staff_id, actor)
    _check_may_manage_role(staff.role, actor)
    return staff


# --- creating and changing ----------------------------------------------------------------

def one_time_password() -> str:
    """A random password to hand over once; its owner must change it at first sign-in."""
    return "".join(secrets.choice(_ONE_TIME_ALPHABET) for _ in range(ONE_TIME_LENGTH))


def create_staff(cmd: CreateStaff, *, actor: Actor) -> IssuedAccount:
    """Open an account of any role in its scope; answer it with its one-time password."""
    require(actor, "staff.manage")
    username = cmd.username.strip().lower()
    if not USERNAME.match(username):
        raise ValidationFailed("用户名须为3到50位小写字母、数字或 . _ -", code="invalid_username",
                               errors={"username": ["格式不正确"]})
    placement = _place(cmd.role, cmd.township_id, cmd.village_id, actor)
    password = one_time_password()
    with db.atomic():
        if StaffAccount.select().where(StaffAccount.username == username).exists():
            raise Conflict("该用户名已被使用", code="username_taken")
        staff = StaffAccount.create(
            username=username, password_hash=auth.hash_password(password), name=cmd.name.strip(),
            role=cmd.role, area_code=placement.area_code, township=placement.township,
            village=placement.village, sex=_sex(cmd.sex), skills=list(cmd.skills),
            monthly_allowance_fen=_allowance(cmd.role, cmd.monthly_allowance_fen),
            must_change_password=True)
        if cmd.phone:
            _set_phone(staff, cmd.phone)
            staff.save()
        audit.record(actor=actor, action="staff.create", entity="staff_account",
                     entity_id=staff.id, changes=audit.diff({}, snapshot(staff)),
                     area_code=staff.area_code)
        outbox.emit("staff.created", staff_id=staff.id)
    return IssuedAccount(staff, password)


def _sex(sex: str | None) -> str | None:
    if sex is not None and sex not in SEXES:
        raise ValidationFailed("性别须为 male 或 female", code="invalid_sex",
                               errors={"sex": ["可选：male、female"]})
    return sex


def _allowance(role: str, given: int | None) -> int | None:
    if role != Role.COORDINATOR:
        return None
    return standards.COORDINATOR_MONTHLY_ALLOWANCE_FEN if given is None else given


def _set_phone(staff: StaffAccount, raw: str) -> None:
    phone = pii.normalise_phone(raw)
    staff.phone_enc = runtime.vault().encrypt(phone, context=f"staff:{staff.id}:phone")
    staff.phone_masked = pii.mask_phone(phone)


def snapshot(staff: StaffAccount) -> dict[str, Any]:
    """The fields an audit row compares (the phone only masked, never the password)."""
    return {"username": staff.username, "name": staff.name, "role": staff.role,
            "area_code": staff.area_code, "township_id": staff.township_id,
            "village_id": staff.village_id, "phone": staff.phone_masked, "sex": staff.sex,
            "skills": list(staff.skills or []), "is_head": staff.is_head,
            "monthly_allowance_fen": staff.monthly_allowance_fen, "is_active": staff.is_active}


def update_staff(staff_id: int, cmd: UpdateStaff, *, actor: Actor) -> StaffAccount:
    """Change an account's details, role or scope, or (de)activate it; audited.

    Deactivating ends every session of the account at once and lifts its headship.
    """
    require(actor, "staff.manage")
    with db.atomic():
        staff = _manageable(staff_id, actor)
        before = snapshot(staff)
        _apply_details(staff, cmd)
        if cmd.role is not None or cmd.township_id is not None or cmd.village_id is not None:
            _move(staff, cmd, actor)
        if cmd.is_active is not None and cmd.is_active != staff.is_active:
            _set_active(staff, cmd.is_active, actor)
        staff.save()
        changes = audit.diff(before, snapshot(staff))
        if changes:
            action = ("staff.deactivate" if changes.get("is_active") == [True, False]
                      else "staff.update")
            audit.record(actor=actor, action=action, entity="staff_account", entity_id=staff.id,
                         changes=changes, reason=cmd.reason or None, area_code=staff.area_code)
            outbox.emit("staff.updated", staff_id=staff.id)
    return staff


def _apply_details(staff: StaffAccount, cmd: UpdateStaff) -> None:
    if cmd.name is not None:
        staff.name = cmd.name.strip()
    if cmd.phone is not None:
        _set_phone(staff, cmd.phone)
    if cmd.sex is not None:
        staff.sex = _sex(cmd.sex)
    if cmd.skills is not None:
        staff.skills = list(cmd.skills)
    if cmd.monthly_allowance_fen is not None:
        staff.monthly_allowance_fen = _allowance(staff.role, cmd.monthly_allowance_fen)


def _move(staff: StaffAccount, cmd: UpdateStaff, actor: Actor) -> None:
    """A new role or place: the scope follows, a head moved away is no longer head."""
    role = cmd.role or staff.role
    same_role = role == staff.role
    township_id = cmd.township_id if cmd.township_id is not None else (
        staff.township_id if same_role else None)
    village_id = cmd.village_id if cmd.village_id is not None else (
        staff.village_id if same_role else None)
    placement = _place(role, township_id, village_id, actor)
    if placement.area_code != staff.area_code or role != staff.role:
        staff.is_head = False
    staff.role, staff.area_code = role, placement.area_code
    staff.township, staff.village = placement.township, placement.village
    if role != Role.COORDINATOR:
        staff.monthly_allowance_fen = None
    elif staff.monthly_allowance_fen is None:
        staff.monthly_allowance_fen = _allowance(role, None)


def _set_active(staff: StaffAccount, active: bool, actor: Actor) -> None:
    if not active and staff.id == actor.id:
        raise Conflict("不能停用自己的账号", code="cannot_deactivate_self")
    staff.is_active = active
    if not active:
        staff.is_head = False
        end_sessions(staff.id)
        staff.save()  # before its stages are handed on, so they do not come back to it
        stage_holders.release_held_stages(staff.id)


def end_sessions(staff_id: int, *, keep_session_id: int | None = None) -> int:
    """Revoke every open session of an account (but the one kept); its tokens stop at once."""
    query = AuthSession.update(revoked_at=utcnow()).where(
        AuthSession.subject_kind == "staff", AuthSession.subject_id == staff_id,
        AuthSession.revoked_at.is_null())
    if keep_session_id is not None:
        query = query.where(AuthSession.id != keep_session_id)
    return query.execute()


def reset_password(staff_id: int, *, actor: Actor) -> IssuedAccount:
    """Give an account a new one-time password: its sessions end, the owner must change it."""
    require(actor, "staff.manage")
    password = one_time_password()
    with db.atomic():
        staff = _manageable(staff_id, actor)
        if staff.id == actor.id:
            raise Conflict("请通过修改密码更换自己的密码", code="cannot_reset_own_password")
        staff.password_hash, staff.must_change_password = auth.hash_password(password), True
        staff.save()
        end_sessions(staff.id)
        audit.record(actor=actor, action="staff.password_reset", entity="staff_account",
                     entity_id=staff.id, changes={"must_change_password": [None, True]},
                     area_code=staff.area_code)
    return IssuedAccount(staff, password)


def change_password(cmd: ChangePassword, *, actor: Actor) -> StaffAccount:
    """The owner replaces their password (a one-time one included); other sessions end."""
    require(actor, "auth.change_password")
    staff = StaffAccount.get_by_id(actor.id)
    if not auth.password_matches(staff.password_hash, cmd.current_password):
        raise ValidationFailed("当前密码不正确", code="wrong_password",
                               errors={"current_password": ["当前密码不正确"]})
    problem = _weak(cmd.new_password, staff, cmd.current_password)
    if problem:
        raise ValidationFailed(problem, code="weak_password", errors={"new_password": [problem]})
    with db.atomic():
        staff.password_hash = auth.hash_password(cmd.new_password)
        staff.must_change_password = False
        staff.save()
        end_sessions(staff.id, keep_session_id=actor.session_id)
        audit.record(actor=actor, action="staff.password_changed", entity="staff_account",
                     entity_id=staff.id, changes={"must_change_password": [True, False]}
                     if actor.must_change_password else {}, area_code=staff.area_code)
    return staff


def _weak(password: str, staff: StaffAccount, current: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"新密码至少{MIN_PASSWORD_LENGTH}位"
    if not (re.search(r"[A-Za-z]", password) and re.search(r"\d", password)):
        return "新密码须同时包含字母和数字"
    if password == current or password.lower() == staff.username:
        return "新密码不能与当前密码或用户名相同"
    return None


# --- the township's head ------------------------------------------------------------------

def set_township_head(township_id: int, staff_id: int, *, actor: Actor) -> StaffAccount:
    """Make an active member of a township's staff its head (escalations go to them)."""
    require(actor, "staff.appoint_head")
    with db.atomic():
        township = scoped(Township.select(), Township.code, actor).where(
            Township.id == township_id).first()
        if township is None:
            raise NotFound("未找到该乡镇（街道）", code="township_not_found")
        staff = _in_scope(staff_id, actor)
        if (staff.role != Role.TOWNSHIP_STAFF or staff.township_id != township.id
                or not staff.is_active):
            raise ValidationFailed("负责人须为本乡镇在岗的民政工作人员", code="head_not_eligible",
                                   errors={"staff_id": ["须为本乡镇在岗的民政工作人员"]})
        previous = [s.id for s in StaffAccount.select(StaffAccount.id).where(
            StaffAccount.township == township, StaffAccount.is_head == True)]  # noqa: E712
        StaffAccount.update(is_head=False).where(StaffAccount.township == township).execute()
        StaffAccount.update(is_head=True).where(StaffAccount.id == staff.id).execute()
        audit.record(actor=actor, action="township.head_set", entity="township",
                     entity_id=township.id, changes={"head_ids": [previous, [staff.id]]},
                     area_code=township.code)
        outbox.emit("township.head_set", township_id=township.id, staff_id=staff.id)
    return StaffAccount.get_by_id(staff.id)


def township_head_of(township_code: str) -> StaffAccount | None:
    """The township office's active head, if one is appointed."""
    return (StaffAccount.select()
            .where(StaffAccount.role == Role.TOWNSHIP_STAFF,
                   StaffAccount.area_code == township_code,
                   StaffAccount.is_head == True,  # noqa: E712
                   StaffAccount.is_active == True)  # noqa: E712
            .order_by(StaffAccount.id).first())
