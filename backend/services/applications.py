"""Applications (办件): filing, 代办, the per-service workflow, progress, re-review, evaluation.

Each use case opens one transaction that writes its change, one timeline step, one audit row and
its outbox events. Workflows come from ``backend.workflows`` (data), never from code here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date
from typing import Any

import peewee as pw

from backend import audit, outbox, pii, runtime, workflows
from backend.db import db
from backend.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from backend.models import (
    Application,
    ApplicationEvaluation,
    ApplicationStep,
    Client,
    ClientCategory,
    ClientContact,
    FollowUpTask,
    PiiAccess,
    PublicNoticeObjection,
    StepEscalation,
    Township,
    Village,
    utcnow,
)
from backend.models.applications import DECIDED_STATUSES, OPEN_STATUSES
from backend.models.base import local_today
from backend.permissions import Actor, get_scoped, require, scoped
from backend.services import clients, service_guide
from backend.unit_of_work import unit_of_work

ACTION_LABELS = {
    "create": "填写申请", "submit": "提交申请", "resubmit": "补正后重新提交",
    "withdraw": "撤回申请",
    "advance": "本环节办结", "supplement": "退回补正", "reject": "不予批准", "approve": "批准",
    "record_objection": "登记公示异议", "resolve_objection": "处理公示异议",
    "upload_material": "上传材料", "open_re_review": "启动定期复核", "evaluate": "评价",
}
STAFF_ACTIONS = ("advance", "supplement", "reject", "approve", "record_objection",
                 "resolve_objection")
# Topics the notifications package listens for (notifications/templates.py documents them).
TOPICS = {"advance": "application.stage_changed", "supplement": "application.supplement_requested",
          "reject": "application.decided", "approve": "application.decided",
          "record_objection": "application.objection_recorded",
          "resolve_objection": "application.objection_resolved"}
OUTCOMES = {"continue": "继续享受", "change": "调整待遇", "stop": "停止享受"}
# Stages in which the office may still ask for missing materials (补正).
SUPPLEMENT_STAGES = ("acceptance", "verification")
POOR_RATING = 2  # 1–2 of 5 counts as 差评 and needs a follow-up
FOLLOW_UP_WORKING_DAYS = 5
_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def today() -> date:
    """The city's calendar day; tests replace this to move time."""
    return local_today()


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


def _linked_client_ids(resident_id: int) -> pw.ModelSelect[ClientContact]:
    return ClientContact.select(ClientContact.client).where(ClientContact.resident == resident_id)


def _visible(actor: Actor) -> pw.ModelSelect[Application]:
    """Applications the actor may see: a resident's own (or filed for them), staff their scope."""
    query = Application.select()
    if actor.is_resident and actor.id is not None:
        return query.where((Application.resident == actor.id) |
                           Application.client.in_(_linked_client_ids(actor.id)))
    return scoped(query, Application.area_code, actor)


def _get_visible(application_id: int, actor: Actor) -> Application:
    if not actor.is_resident:
        return get_scoped(Application, application_id, Application.area_code, actor)
    application = _visible(actor).where(Application.id == application_id).first()
    if application is None:
        raise NotFound("未找到该申请", code="application_not_found")
    return application


@dataclass(frozen=True)
class ApplicationFilter:
    """What an application list can be narrowed by."""

    service_code: str | None = None
    status: str | None = None
    stage: str | None = None
    kind: str | None = None


def list_applications(filters: ApplicationFilter, *,
                      actor: Actor) -> pw.ModelSelect[Application]:
    """Applications the actor may see, newest first (a query to paginate)."""
    require(actor, "applications.read")
    query = _visible(actor)
    for field, value in (("service_code", filters.service_code), ("status", filters.status),
                         ("stage", filters.stage), ("kind", filters.kind)):
        if value is not None:
            query = query.where(getattr(Application, field) == value)
    return query.order_by(Application.id.desc())


def get_application(application_id: int, *, actor: Actor) -> Application:
    """One application the actor may see."""
    require(actor, "applications.read")
    return _get_visible(application_id, actor)


def is_overdue(application: Application) -> bool:
    """True when the current stage's clock has run past its due date."""
    return (application.status == "in_review" and application.stage_due_on is not None
            and application.stage_due_on < today())


def missing_materials(application: Application) -> list[str]:
    """Codes of required materials (and of 补正 requests) not uploaded yet."""
    uploaded = {m.material_code for m in application.materials}
    required = [m["code"] for m in service_guide.materials_of(application.service_code)
                if m["required"]]
    wanted = required + [c for c in application.requested_materials if c not in required]
    return [code for code in wanted if code not in uploaded]


# --------------------------------------------------------------------------------------------
# Writing helpers
# --------------------------------------------------------------------------------------------


def _step(application: Application, actor: Actor, action: str, *, comment: str = "",
          to_stage: str | None = None, details: dict[str, Any] | None = None) -> ApplicationStep:
    return ApplicationStep.create(
        application=application, actor_kind=actor.kind, actor_id=actor.id,
        actor_name=actor.name or "", action=action, stage=application.stage, to_stage=to_stage,
        comment=comment, details=details or {})


def _workflow(application: Application) -> workflows.Workflow:
    return workflows.workflow(application.service_code, application.kind)


def _enter(application: Application, stage: workflows.Stage, day: date) -> None:
    wf = _workflow(application)
    application.stage, application.stage_role = stage.stage, stage.actor_role
    application.stage_started_on = day
    application.stage_due_on = workflows.stage_due(stage, day, wf.public_notice_days)
    application.notice_ends_on = application.stage_due_on if stage.stage == "public_notice" \
        else application.notice_ends_on
    application.paused_days_left = None


def _close(application: Application, status: str) -> None:
    application.status, application.open_key = status, None
    application.stage_role, application.stage_due_on = None, None
    application.paused_days_left = None


def _state(application: Application) -> dict[str, Any]:
    return {"status": application.status, "stage": application.stage,
            "stage_due_on": application.stage_due_on}


def _record(application: Application, actor: Actor, action: str, before: dict[str, Any],
            *, reason: str | None = None, topic: str | None = None, **extra: Any) -> None:
    """The audit row and the outbox event every state change writes with its step."""
    audit.record(actor=actor, action=f"application.{action}", entity="application",
                 entity_id=application.id, changes=audit.diff(before, _state(application)),
                 reason=reason)
    outbox.emit(topic or f"application.{action}", application_id=application.id, **extra)


def _open_key(kind: str, service_code: str, id_index: str) -> str:
    return f"{kind}:{service_code}:{id_index}"


def _duplicate(open_key: str) -> Conflict | None:
    existing = Application.get_or_none(Application.open_key == open_key)
    if existing is None:
        return None
    return Conflict(f"该身份证号已有办理中的同一事项申请（编号 {existing.reference}）",
                    code="duplicate_application", errors={"reference": existing.reference})


def _placeholder_reference() -> str:
    """A unique stand-in until the row has its id; letters only, so no log line holds a number."""
    return "tmp" + uuid.uuid4().hex[:27].translate(_DIGITS_TO_LETTERS)


def _reference(application: Application) -> str:
    return f"SQ{application.created_at:%Y%m%d}{application.id:06d}"


# --------------------------------------------------------------------------------------------
# Filing
# --------------------------------------------------------------------------------------------


def _village_for(actor: Actor, village_id: int) -> Village:
    if actor.is_resident:
        village = Village.get_or_none(Village.id == village_id)
        if village is None:
            raise ValidationFailed("所选村（社区）不存在", code="unknown_village")
        return village
    try:
        return get_scoped(Village, village_id, Village.code, actor)
    except NotFound:
        raise NotFound("只能为本村（社区）的居民代办", code="village_out_of_scope") from None


def _check_proxy(actor: Actor, proxy: dict[str, Any] | None) -> None:
    if actor.role == "coordinator" and not proxy:
        raise ValidationFailed("代办须登记委托授权（委托人、时间、方式）", code="proxy_required")
    if actor.is_resident and proxy:
        raise ValidationFailed("居民本人申请无需填写代办信息", code="proxy_not_allowed")


def _encrypt_members(application: Application, members: list[dict[str, Any]]) -> list[dict]:
    vault, stored = runtime.vault(), []
    for n, member in enumerate(members):
        number = pii.normalise_id_number(member["id_number"])
        stored.append({
            "name": member["name"], "relation": member["relation"],
            "monthly_income_fen": member.get("monthly_income_fen", 0),
            "id_enc": vault.encrypt(number, context=f"application:{application.id}:member:{n}"),
            "id_masked": pii.mask_id_number(number, viewer="staff")})
    return stored


def _set_applicant(application: Application, id_number: str, phone: str | None) -> None:
    vault = runtime.vault()
    application.applicant_id_enc = vault.encrypt(
        id_number, context=f"application:{application.id}:applicant")
    if phone:
        number = pii.normalise_phone(phone)
        application.phone_enc = vault.encrypt(number,
                                              context=f"application:{application.id}:phone")
        application.phone_masked = pii.mask_phone(number)


def _resident_of(actor: Actor, client: Client | None) -> int | None:
    if actor.is_resident:
        return actor.id
    if client is None:
        return None
    link = (ClientContact.select().where(ClientContact.client == client)
            .order_by(ClientContact.id).first())
    return link.resident_id if link else None


def create_application(data: dict[str, Any], *, actor: Actor) -> Application:
    """File an application as a resident, or on a resident's behalf (代办) as a coordinator."""
    require(actor, "applications.create")
    try:
        workflows.service(data["service_code"])
    except NotFound:
        raise ValidationFailed("没有这个服务事项", code="unknown_service") from None
    _check_proxy(actor, data.get("proxy"))
    village = _village_for(actor, data["village_id"])
    id_number = pii.normalise_id_number(data["applicant_id_number"])
    for member in data.get("household_members", []):
        pii.normalise_id_number(member["id_number"])
    index = runtime.vault().blind_index(id_number, kind="id_number")
    open_key = _open_key("application", data["service_code"], index)
    client = Client.get_or_none(Client.id_number_index == index)
    proxy = data.get("proxy") or {}
    with db.atomic():
        if (conflict := _duplicate(open_key)) is not None:
            raise conflict
        try:
            with db.atomic():  # a savepoint, so a lost race leaves the outer transaction usable
                application = Application.create(
                    reference=_placeholder_reference(), service_code=data["service_code"],
                    resident=_resident_of(actor, client), client=client, village=village,
                    area_code=village.code, applicant_name=data["applicant_name"],
                    applicant_id_enc="", applicant_id_index=index,
                    applicant_id_masked=pii.mask_id_number(id_number, viewer="staff"),
                    address=data["address"], open_key=open_key,
                    declared_income_fen=data.get("declared_income_fen", 0),
                    declared_assets_fen=data.get("declared_assets_fen", 0),
                    assets_note=data.get("assets_note", ""), reason=data.get("reason", ""),
                    filed_by=actor.id if actor.kind == "staff" else None,
                    proxy_authorised_by=proxy.get("authorised_by"),
                    proxy_authorised_at=proxy.get("authorised_at"),
                    proxy_method=proxy.get("method"), proxy_doorstep=proxy.get("doorstep", False))
        except pw.IntegrityError:
            raise _duplicate(open_key) or Conflict() from None
        application.reference = _reference(application)
        _set_applicant(application, id_number, data.get("phone"))
        application.household_members = _encrypt_members(
            application, data.get("household_members", []))
        application.save()
        details = {"proxy": True, "doorstep": application.proxy_doorstep} if proxy else {}
        _step(application, actor, "create", details=details)
        _record(application, actor, "create", {}, topic="application.created",
                proxy=bool(proxy))
        if data.get("submit"):
            _submit(application, actor)
            application.save()
    return application


def _owned_by(application: Application, actor: Actor) -> bool:
    if actor.is_resident:
        return True  # _get_visible already limited residents to their own
    return actor.role == "coordinator" and application.filed_by_id == actor.id


def _submit(application: Application, actor: Actor) -> None:
    before, day = _state(application), today()
    if application.status == "draft":
        application.status, application.submitted_at = "in_review", utcnow()
        _enter(application, _workflow(application).first(), day)
        _step(application, actor, "submit", to_stage=application.stage)
        _record(application, actor, "submit", before, topic="application.submitted",
                stage=application.stage)
        return
    if application.status != "supplement":
        raise Conflict("该申请已提交，不能重复提交", code="already_submitted")
    still_missing = [c for c in application.requested_materials
                     if c not in {m.material_code for m in application.materials}]
    if still_missing:
        names = "、".join(material_names(application, still_missing))
        raise Conflict(f"仍缺少补正材料：{names}",
                       code="materials_missing", errors={"missing_materials": still_missing})
    application.status = "in_review"
    application.stage_due_on = workflows.add_working_days(day, application.paused_days_left or 0)
    application.paused_days_left, application.requested_materials = None, []
    _step(application, actor, "resubmit", to_stage=application.stage)
    _record(application, actor, "resubmit", before, topic="application.resubmitted")


def submit_application(application_id: int, *, actor: Actor) -> Application:
    """Submit a draft, or hand in what 补正 asked for so the clock runs again."""
    require(actor, "applications.create")
    with db.atomic():
        application = _get_visible(application_id, actor)
        if not _owned_by(application, actor):
            raise PermissionDenied("只有申请人或代办人可以提交", code="not_the_filer")
        _submit(application, actor)
        application.touch()
        application.save()
    return application


def withdraw_application(application_id: int, reason: str, *, actor: Actor) -> Application:
    """Withdraw an application before a decision is taken."""
    require(actor, "applications.create")
    with db.atomic():
        application = _get_visible(application_id, actor)
        if not _owned_by(application, actor):
            raise PermissionDenied("只有申请人或代办人可以撤回", code="not_the_filer")
        if application.status not in OPEN_STATUSES:
            raise Conflict("该申请已办结，不能撤回", code="already_decided")
        before = _state(application)
        _step(application, actor, "withdraw", comment=reason)
        _close(application, "withdrawn")
        application.stage = None
        application.save()
        _record(application, actor, "withdraw", before, reason=reason,
                topic="application.withdrawn")
    return application


def record_upload(application: Application, material: Any, actor: Actor) -> None:
    """Write the timeline step of an upload (inside the upload's transaction)."""
    _step(application, actor, "upload_material",
          details={"material_code": material.material_code, "material_id": material.id})


def material_names(application: Application, codes: list[str]) -> list[str]:
    """The catalogue names of material codes, as the resident reads them."""
    names = {m["code"]: m["name"] for m in service_guide.materials_of(application.service_code)}
    return [names.get(code, code) for code in codes]


# --------------------------------------------------------------------------------------------
# Workflow transitions
# --------------------------------------------------------------------------------------------


def _require_stage_role(application: Application, stage: workflows.Stage, actor: Actor) -> None:
    if actor.kind != "system" and actor.role != stage.actor_role:
        role = workflows.ROLE_LABELS.get(stage.actor_role, stage.actor_role)
        raise PermissionDenied(f"当前环节（{stage.label}）由{role}办理", code="not_your_stage")


def _open_objections(application: Application) -> int:
    return (PublicNoticeObjection.select()
            .where(PublicNoticeObjection.application == application,
                   PublicNoticeObjection.resolved_at.is_null()).count())


def _check_notice_over(application: Application) -> None:
    if application.notice_ends_on and today() < application.notice_ends_on:
        ends = f"{application.notice_ends_on:%Y-%m-%d}"
        raise Conflict(f"公示期至 {ends} 结束，期满后方可进入下一环节",
                       code="public_notice_running")
    if _open_objections(application):
        raise Conflict("公示期间有未处理的异议，处理后方可继续", code="objections_unresolved")


def _advance(application: Application, stage: workflows.Stage, data: dict[str, Any],
             actor: Actor) -> None:
    following = _workflow(application).after(stage.stage)
    if following is None:
        raise Conflict("已到审批环节，请选择批准或不予批准", code="use_approve_or_reject")
    if stage.stage == "public_notice":
        _check_notice_over(application)
    _step(application, actor, "advance", comment=data.get("comment", ""),
          to_stage=following.stage)
    _enter(application, following, today())


def _supplement(application: Application, stage: workflows.Stage, data: dict[str, Any],
                actor: Actor) -> None:
    if stage.stage not in SUPPLEMENT_STAGES:
        raise Conflict(f"{stage.label}环节不能退回补正", code="supplement_not_allowed")
    codes = data.get("missing_materials") or []
    known = {m["code"] for m in service_guide.materials_of(application.service_code)}
    if not codes or any(code not in known for code in codes):
        raise ValidationFailed("请逐项列明本事项材料目录中需要补正的材料",
                               code="invalid_missing_materials",
                               errors={"missing_materials": sorted(set(codes) - known)})
    application.status, application.requested_materials = "supplement", list(dict.fromkeys(codes))
    application.paused_days_left = max(workflows.working_days_between(
        today(), application.stage_due_on or today()), 1)
    application.stage_due_on = None
    _step(application, actor, "supplement", comment=data.get("comment", ""),
          details={"missing_materials": application.requested_materials})


def _reject(application: Application, stage: workflows.Stage, data: dict[str, Any],
            actor: Actor) -> None:
    reason = (data.get("comment") or "").strip()
    if not reason:
        raise ValidationFailed("不予批准须写明理由", code="reason_required",
                               errors={"comment": ["必填"]})
    _step(application, actor, "reject", comment=reason)
    _close(application, "rejected")
    application.decided_at, application.decision_reason = utcnow(), reason


def _approve(application: Application, stage: workflows.Stage, data: dict[str, Any],
             actor: Actor) -> None:
    if stage.stage != "approval":
        raise Conflict(f"当前为{stage.label}环节，尚不能审批", code="not_at_approval")
    if _open_objections(application):
        raise Conflict("公示期间有未处理的异议，处理后方可审批", code="objections_unresolved")
    outcome = data.get("outcome")
    if application.kind == "re_review":
        if outcome not in OUTCOMES:
            raise ValidationFailed("复核须选择结果：继续、调整或停止", code="outcome_required")
        if outcome == "change" and data.get("benefit_fen") is None:
            raise ValidationFailed("调整待遇须填写新的金额（分）", code="benefit_required")
    elif outcome is not None:
        raise ValidationFailed("只有复核有结果选项", code="unexpected_outcome")
    _step(application, actor, "approve", comment=data.get("comment", ""),
          details={"outcome": outcome, "benefit_fen": data.get("benefit_fen")})
    _close(application, "approved")
    application.decided_at, application.outcome = utcnow(), outcome
    application.decision_reason = data.get("comment") or None
    _grant(application, data.get("benefit_fen"), actor)


def _record_objection(application: Application, stage: workflows.Stage, data: dict[str, Any],
                      actor: Actor) -> None:
    if stage.stage != "public_notice":
        raise Conflict("只有公示期间可以登记异议", code="not_in_public_notice")
    content = (data.get("comment") or "").strip()
    if not content:
        raise ValidationFailed("请填写异议内容", code="comment_required",
                               errors={"comment": ["必填"]})
    objection = PublicNoticeObjection.create(application=application, content=content,
                                             recorded_by=actor.id)
    _step(application, actor, "record_objection", comment=content,
          details={"objection_id": objection.id})


def _resolve_objection(application: Application, stage: workflows.Stage, data: dict[str, Any],
                       actor: Actor) -> None:
    objection = PublicNoticeObjection.get_or_none(
        PublicNoticeObjection.id == data.get("objection_id"),
        PublicNoticeObjection.application == application)
    if objection is None:
        raise NotFound("未找到该异议", code="objection_not_found")
    if objection.resolved_at is not None:
        raise Conflict("该异议已处理", code="objection_resolved")
    resolution = (data.get("comment") or "").strip()
    if not resolution:
        raise ValidationFailed("请填写处理结果", code="comment_required",
                               errors={"comment": ["必填"]})
    objection.resolution, objection.resolved_at = resolution, utcnow()
    objection.resolved_by_id = actor.id
    objection.save()
    _step(application, actor, "resolve_objection", comment=resolution,
          details={"objection_id": objection.id})


_HANDLERS = {"advance": _advance, "supplement": _supplement, "reject": _reject,
             "approve": _approve, "record_objection": _record_objection,
             "resolve_objection": _resolve_objection}
# Objections come from the village, so its coordinator may record them too.
_OBJECTION_ROLES = {"record_objection": ("coordinator", "township_staff"),
                    "resolve_objection": ("township_staff",)}


def transition(application_id: int, data: dict[str, Any], *, actor: Actor) -> Application:
    """Move an application through its workflow: advance, 补正, reject, approve, objections."""
    require(actor, "applications.transition")
    action = data["action"]
    with db.atomic():
        application = get_scoped(Application, application_id, Application.area_code, actor)
        allowed_status = ("in_review", "supplement") if action == "reject" else ("in_review",)
        if application.status not in allowed_status:
            label = {"supplement": "待补正"}.get(application.status, "已办结或未提交")
            raise Conflict(f"该申请当前{label}，不能{ACTION_LABELS[action]}",
                           code="invalid_in_status")
        stage = _workflow(application).get(application.stage or "")
        if action in _OBJECTION_ROLES:
            if actor.role not in _OBJECTION_ROLES[action]:
                raise PermissionDenied("无权处理公示异议", code="not_your_stage")
        else:
            _require_stage_role(application, stage, actor)
        before = _state(application)
        _HANDLERS[action](application, stage, data, actor)
        application.touch()
        application.save()
        _record(application, actor, action, before, reason=data.get("comment"),
                topic=TOPICS[action], transition=action, stage=stage.stage)
    return application


# --------------------------------------------------------------------------------------------
# After approval: the client's category, and the periodic re-review (复核)
# --------------------------------------------------------------------------------------------


def _applicant_id_number(application: Application, actor: Actor, purpose: str) -> str:
    PiiAccess.create(actor_kind=actor.kind, actor_id=actor.id, entity="application",
                     entity_id=str(application.id), field="applicant_id_number",
                     purpose=purpose, request_id=runtime.request_id())
    return runtime.vault().decrypt(application.applicant_id_enc,
                                   context=f"application:{application.id}:applicant")


def _client_for(application: Application, actor: Actor) -> Client:
    if application.client is not None:
        return application.client
    existing = Client.get_or_none(Client.id_number_index == application.applicant_id_index)
    if existing is not None:
        return existing
    id_number = _applicant_id_number(application, actor, "approval_registers_client")
    return clients.create_client(clients.RegisterClient(
        name=application.applicant_name, id_number=id_number,
        village_id=application.village_id, address=application.address), actor=actor)


def _grant(application: Application, benefit_fen: int | None, actor: Actor) -> None:
    entry = workflows.service(application.service_code)
    client, day = _client_for(application, actor), today()
    application.client = client
    if application.resident_id:
        ClientContact.get_or_create(client=client, resident=application.resident_id,
                                    defaults={"relation": "self"})
    category = entry["client_category"]
    if category:
        row = ClientCategory.get_or_none(ClientCategory.client == client,
                                         ClientCategory.category == category)
        if application.outcome == "stop" and row is not None:
            row.ended_on = day
            row.save()
        elif row is None:
            ClientCategory.create(client=client, category=category, since=day,
                                  subtype=entry.get("special_care_subtype"),
                                  benefit_fen=benefit_fen)
        else:
            row.ended_on = None
            row.since = row.since or day
            row.benefit_fen = benefit_fen if benefit_fen is not None else row.benefit_fen
            row.save()
    application.benefit_fen = benefit_fen if benefit_fen is not None else (
        application.parent.benefit_fen if application.parent_id else None)
    months = entry.get("re_review_interval_months")
    if months and application.outcome != "stop":
        application.next_re_review_on = _add_months(day, months)


def _add_months(day: date, months: int) -> date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def _copy_members(source: Application, target: Application) -> list[dict[str, Any]]:
    vault, copied = runtime.vault(), []
    for n, member in enumerate(source.household_members):
        number = vault.decrypt(member["id_enc"], context=f"application:{source.id}:member:{n}")
        copied.append({**member, "id_enc": vault.encrypt(
            number, context=f"application:{target.id}:member:{n}")})
    return copied


def _open_re_review(approved: Application, day: date, actor: Actor) -> Application | None:
    open_key = _open_key("re_review", approved.service_code, approved.applicant_id_index)
    if Application.select().where(Application.open_key == open_key).exists():
        return None
    review = Application.create(
        reference=_placeholder_reference(), service_code=approved.service_code, kind="re_review",
        parent=approved, resident=approved.resident_id, client=approved.client_id,
        village=approved.village_id, area_code=approved.area_code,
        applicant_name=approved.applicant_name, applicant_id_enc="",
        applicant_id_index=approved.applicant_id_index,
        applicant_id_masked=approved.applicant_id_masked, phone_masked=approved.phone_masked,
        address=approved.address, declared_income_fen=approved.declared_income_fen,
        declared_assets_fen=approved.declared_assets_fen, open_key=open_key,
        status="in_review", submitted_at=utcnow(), benefit_fen=approved.benefit_fen)
    review.reference = _reference(review).replace("SQ", "FH", 1)
    id_number = _applicant_id_number(approved, actor, "re_review_opens")
    _set_applicant(review, id_number, None)
    review.phone_enc = approved.phone_enc and runtime.vault().encrypt(
        runtime.vault().decrypt(approved.phone_enc, context=f"application:{approved.id}:phone"),
        context=f"application:{review.id}:phone")
    review.household_members = _copy_members(approved, review)
    _enter(review, _workflow(review).first(), day)
    review.save()
    approved.next_re_review_on = None
    approved.save()
    _step(review, actor, "open_re_review", to_stage=review.stage,
          details={"parent_reference": approved.reference})
    _record(review, actor, "open_re_review", {}, topic="re_review.due", parent_id=approved.id)
    return review


def open_due_re_reviews(today: date, *, actor: Actor) -> list[Application]:
    """Open a re-review (复核) for every approval whose review date has come; a periodic job."""
    due = (Application.select()
           .where(Application.status == "approved", Application.next_re_review_on <= today)
           .order_by(Application.next_re_review_on, Application.id))
    opened = []
    for approved in due:
        with unit_of_work(actor=actor):  # one unit each: a crash keeps the reviews opened
            review = _open_re_review(approved, today, actor)
        if review is not None:
            opened.append(review)
    return opened


# --------------------------------------------------------------------------------------------
# Progress, work queue, overdue report
# --------------------------------------------------------------------------------------------


def timeline(application_id: int, *, actor: Actor) -> dict[str, Any]:
    """Every step with who, when and why; the current stage, who holds it and its due date."""
    require(actor, "applications.read")
    application = _get_visible(application_id, actor)
    stage = (_workflow(application).get(application.stage)
             if application.stage_role and application.stage else None)
    steps = list(application.steps.order_by(ApplicationStep.created_at, ApplicationStep.id))
    return {
        "application": application, "steps": steps,
        "current_stage": stage.stage if stage else None,
        "current_stage_label": stage.label if stage else None,
        "holder_role": stage.actor_role if stage else None,
        "holder_label": workflows.ROLE_LABELS.get(stage.actor_role) if stage else None,
        "due_on": application.stage_due_on, "overdue": is_overdue(application),
        "paused": application.status == "supplement",
        "stages": [{"stage": s.stage, "label": s.label, "actor_role": s.actor_role,
                    "time_limit_days": s.time_limit_days} for s in _workflow(application).stages],
        "objections": list(application.objections.order_by(PublicNoticeObjection.id)),
    }


def work_queue(*, actor: Actor, overdue_only: bool = False) -> pw.ModelSelect[Application]:
    """Applications waiting on the actor's role in their scope, soonest due first."""
    require(actor, "applications.queue")
    query = scoped(Application.select(), Application.area_code, actor).where(
        Application.status == "in_review", Application.stage_role == actor.role)
    if overdue_only:
        query = query.where(Application.stage_due_on < today())
    return query.order_by(Application.stage_due_on, Application.id)


def overdue_report(*, actor: Actor) -> list[dict[str, Any]]:
    """Open applications and late ones per township and stage, for the city's supervision."""
    require(actor, "applications.report")
    day, rows = today(), dict[tuple[str, str], dict[str, int]]()
    query = scoped(Application.select(Application.area_code, Application.stage,
                                      Application.stage_due_on),
                   Application.area_code, actor).where(Application.status == "in_review")
    for app in query:
        key = (app.area_code[:9], app.stage or "")
        row = rows.setdefault(key, {"open": 0, "overdue": 0})
        row["open"] += 1
        row["overdue"] += int(app.stage_due_on is not None and app.stage_due_on < day)
    names = {t.code: t.name for t in Township.select(Township.code, Township.name)}
    return [{"township_code": code, "township_name": names.get(code, ""), "stage": stage,
             "stage_label": workflows.STAGE_LABELS.get(stage, stage), "open_count": r["open"],
             "overdue_count": r["overdue"]}
            for (code, stage), r in sorted(rows.items())]


# --------------------------------------------------------------------------------------------
# Evaluation (好差评)
# --------------------------------------------------------------------------------------------


def evaluate_application(application_id: int, rating: int, comment: str, *,
                         actor: Actor) -> ApplicationEvaluation:
    """Rate a decided application 1–5; a poor rating opens a follow-up task for the township."""
    require(actor, "applications.evaluate")
    if not 1 <= rating <= 5:
        raise ValidationFailed("评价须为1至5级", code="invalid_rating")
    with db.atomic():
        application = _get_visible(application_id, actor)
        if application.status not in DECIDED_STATUSES:
            raise Conflict("办结后才能评价", code="not_decided")
        if ApplicationEvaluation.select().where(
                ApplicationEvaluation.application == application).exists():
            raise Conflict("该申请已评价", code="already_evaluated")
        evaluation = ApplicationEvaluation.create(application=application, rating=rating,
                                                  comment=comment, resident=actor.id)
        if rating <= POOR_RATING:
            task = FollowUpTask.create(
                application=application, evaluation=evaluation, area_code=application.area_code,
                due_on=workflows.add_working_days(today(), FOLLOW_UP_WORKING_DAYS))
            outbox.emit("application.follow_up_created", application_id=application.id,
                        follow_up_id=task.id)
        _step(application, actor, "evaluate", comment=comment, details={"rating": rating})
        audit.record(actor=actor, action="application.evaluate", entity="application",
                     entity_id=application.id, changes={"rating": [None, rating]})
        outbox.emit("application.evaluated", application_id=application.id,
                    evaluation_id=evaluation.id)
    return evaluation


def follow_ups(*, actor: Actor) -> pw.ModelSelect[FollowUpTask]:
    """Open follow-up tasks from poor ratings in the actor's scope, soonest due first."""
    require(actor, "applications.queue")
    return (scoped(FollowUpTask.select(), FollowUpTask.area_code, actor)
            .where(FollowUpTask.status == "open").order_by(FollowUpTask.due_on, FollowUpTask.id))


def escalate_overdue_steps(today: date, *, actor: Actor) -> int:
    """Report every stage past its due date to its township office's head, once; a periodic job.

    The policy holds the responsible person to account when a step is late: each overdue stage
    (per application, stage and due date) is escalated exactly once, however often this runs.
    """
    require(actor, "applications.escalate")
    overdue = (Application.select()
               .where(Application.status == "in_review", Application.stage_due_on < today)
               .order_by(Application.stage_due_on, Application.id))
    escalated = 0
    for application in overdue:
        with unit_of_work(actor=actor):  # one unit each: a second run skips what is done
            _, created = StepEscalation.get_or_create(
                application=application, stage=application.stage,
                due_on=application.stage_due_on, defaults={"area_code": application.area_code})
            if not created:
                continue
            audit.record(actor=actor, action="application.escalate", entity="application",
                         entity_id=application.id,
                         changes={"escalated": [None, application.stage]},
                         reason=f"{application.stage} 环节已超过 {application.stage_due_on}")
            outbox.emit("application.escalated", application_id=application.id,
                         stage=application.stage, due_on=str(application.stage_due_on))
        escalated += 1
    return escalated
