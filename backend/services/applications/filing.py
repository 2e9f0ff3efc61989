"""Filing (提交申请, 代办), submitting, withdrawing; the materials an application still needs."""

from __future__ import annotations

from typing import Any

import peewee as pw

from backend import content_checks, pii, runtime, workflows
from backend.commands.applications import (
    FileApplication,
    HouseholdMember,
    WithdrawApplication,
)
from backend.db import db
from backend.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from backend.models import (
    Application,
    ApplicationMaterial,
    Client,
    ClientContact,
    Role,
    Village,
    utcnow,
)
from backend.models.applications import OPEN_STATUSES, ApplicationStatus
from backend.permissions import Actor, ActorKind, get_scoped, require
from backend.services import link_codes, service_guide
from backend.services.applications import _shared, receipts, urgent
from backend.services.applications._shared import (
    close,
    enter,
    get_visible,
    open_key,
    placeholder_reference,
    record,
    reference,
    set_applicant,
    state,
    step,
    workflow_of,
)


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


def _channel(actor: Actor, command: FileApplication) -> str:
    """How the filing comes in, from who files it: the phone, 代办, or the window."""
    proxy, counter = command.proxy, command.counter
    if actor.role == Role.COORDINATOR and proxy is None:
        raise ValidationFailed("代办须登记委托授权（委托人、时间、方式）", code="proxy_required")
    if actor.role != Role.COORDINATOR and proxy is not None:
        message = ("居民本人申请无需填写代办信息" if actor.is_resident
                   else "窗口受理时申请人本人在场，无需填写代办信息")
        raise ValidationFailed(message, code="proxy_not_allowed")
    if actor.role == Role.TOWNSHIP_STAFF:
        if counter is None:
            raise ValidationFailed("窗口受理须登记受理信息（counter）", code="counter_required")
        if not counter.id_document_checked:
            raise ValidationFailed("请先查验申请人的居民身份证原件", code="id_document_not_checked",
                                   errors={"counter": {"id_document_checked": ["须为 true"]}})
        return "counter"
    if counter is not None:
        raise ValidationFailed("只有乡镇民政窗口可以登记窗口受理", code="counter_not_allowed")
    return "proxy" if proxy is not None else "online"


def _encrypt_members(application: Application,
                     members: tuple[HouseholdMember, ...]) -> list[dict[str, Any]]:
    vault, stored = runtime.vault(), []
    for n, member in enumerate(members):
        number = pii.normalise_id_number(member.id_number)
        stored.append({
            "name": member.name, "relation": member.relation,
            "monthly_income_fen": member.monthly_income_fen,
            "id_enc": vault.encrypt(number, context=f"application:{application.id}:member:{n}"),
            "id_masked": pii.mask_id_number(number, viewer="staff")})
    return stored


def _resident_of(actor: Actor, client: Client | None, link_code: str | None) -> int | None:
    """The account that owns the filing: the filer's, the one shown at the window, or the
    client's first linked one; never an account merely because it typed an ID number."""
    if actor.is_resident:
        return actor.id
    if link_code:
        return link_codes.redeem_link_code(link_code).id
    if client is None:
        return None
    link = (ClientContact.select().where(ClientContact.client == client)
            .order_by(ClientContact.id).first())
    return link.resident_id if link else None


def _proxy_columns(command: FileApplication) -> dict[str, Any]:
    proxy = command.proxy
    if proxy is None:
        return {}
    return {"proxy_authorised_by": proxy.authorised_by,
            "proxy_authorised_at": proxy.authorised_at, "proxy_method": proxy.method,
            "proxy_doorstep": proxy.doorstep}


def _open_application(service_code: str, id_index: str) -> Application | None:
    """The earliest open application of the same person and service, if any."""
    return (Application.select().where(
        Application.applicant_id_index == id_index, Application.service_code == service_code,
        Application.kind == "application", Application.status.in_(OPEN_STATUSES))
        .order_by(Application.id).first())


def _create(key: str, earlier: Application | None, **columns: Any) -> Application:
    """Insert the application; one open filing per person and service holds ``key``.

    Another open one makes this a possible duplicate for staff, never a refusal: the answer to
    the filer must not reveal whether anyone else applied. Two filings racing for the key (the
    unique column decides) end the same way.
    """
    try:
        with db.atomic():  # a savepoint, so a lost race leaves the outer transaction usable
            return Application.create(open_key=None if earlier else key,
                                      possible_duplicate_of=earlier, **columns)
    except pw.IntegrityError:
        holder = Application.get_or_none(Application.open_key == key)
        return Application.create(open_key=None, possible_duplicate_of=holder, **columns)


def file_application(command: FileApplication, *, actor: Actor) -> Application:
    """File an application as a resident, for a resident (代办), or at the township's window."""
    require(actor, "applications.create")
    try:
        workflows.service(command.service_code)
    except NotFound:
        raise ValidationFailed("没有这个服务事项", code="unknown_service") from None
    channel = _channel(actor, command)
    urgent_columns = urgent.columns(command)
    village = _village_for(actor, command.village_id)
    id_number = pii.normalise_id_number(command.applicant_id_number)
    for member in command.household_members:
        pii.normalise_id_number(member.id_number)
    index = runtime.vault().blind_index(id_number, kind="id_number")
    client = Client.get_or_none(Client.id_number_index == index)
    screenings = content_checks.screen_text(
        {"reason": command.reason, "assets_note": command.assets_note, "address": command.address},
        actor=actor, scene=content_checks.Scene.PROFILE)
    with db.atomic():
        link_code = command.counter.link_code if command.counter else None
        application = _create(
            open_key("application", command.service_code, index),
            _open_application(command.service_code, index),
            reference=placeholder_reference(), service_code=command.service_code,
            resident=_resident_of(actor, client, link_code), client=client, village=village,
            area_code=village.code, applicant_name=command.applicant_name,
            applicant_id_enc="", applicant_id_index=index,
            applicant_id_masked=pii.mask_id_number(id_number, viewer="staff"),
            address=command.address, channel=channel,
            declared_income_fen=command.declared_income_fen,
            declared_assets_fen=command.declared_assets_fen,
            assets_note=command.assets_note, reason=command.reason,
            filed_by=actor.id if actor.kind == ActorKind.STAFF else None,
            **_proxy_columns(command), **urgent_columns)
        application.reference = reference(application)
        set_applicant(application, id_number, command.phone)
        application.household_members = _encrypt_members(application, command.household_members)
        proxied = channel == "proxy"
        details: dict[str, Any] = {"channel": channel}
        if proxied:
            details.update(proxy=True, doorstep=application.proxy_doorstep)
        if channel == "counter":
            details.update(id_document_checked=True, account_linked=bool(link_code))
        content_checks.record_screenings(screenings, subject="application",
                                         subject_id=application.id,
                                         area_code=application.area_code, actor=actor)
        step(application, actor, "create", details=details)
        record(application, actor, "create", {}, topic="application.created", proxy=proxied,
               channel=channel)
        if command.submit:
            _submit(application, actor)
        # Written once more after the insert (the reference and the encrypted numbers need the
        # row's id), with the submission's stage in the same UPDATE.
        application.save()
    return application


def _owned_by(application: Application, actor: Actor) -> bool:
    if actor.is_resident:
        return True  # get_visible already limited residents to their own
    return (actor.role in (Role.COORDINATOR, Role.TOWNSHIP_STAFF)
            and application.filed_by_id == actor.id)


def _check_signed_form(application: Application) -> None:
    """A window filing is submitted only with the applicant's signed form on file."""
    if application.channel == "counter" and not application.materials.where(
            ApplicationMaterial.material_code == "application_form").exists():
        raise Conflict("窗口受理须先上传申请人签字的申请书（申请表）", code="materials_missing",
                       errors={"missing_materials": ["application_form"]})


def _submit(application: Application, actor: Actor) -> None:
    before, day = state(application), _shared.today()
    if application.status == ApplicationStatus.DRAFT:
        _check_signed_form(application)
        application.status, application.submitted_at = ApplicationStatus.IN_REVIEW, utcnow()
        enter(application, workflow_of(application).first(), day)
        step(application, actor, "submit", to_stage=application.stage)
        record(application, actor, "submit", before, topic="application.submitted",
               stage=application.stage)
        if application.channel == "counter":
            receipts.send_receipt(application, receipts.receipt_accounts(application))
        return
    if application.status != ApplicationStatus.SUPPLEMENT:
        raise Conflict("该申请已提交，不能重复提交", code="already_submitted")
    still_missing = [c for c in application.requested_materials
                     if c not in {m.material_code for m in application.materials}]
    if still_missing:
        names = "、".join(material_names(application, still_missing))
        raise Conflict(f"仍缺少补正材料：{names}",
                       code="materials_missing", errors={"missing_materials": still_missing})
    application.status = ApplicationStatus.IN_REVIEW
    application.stage_due_on = workflows.add_working_days(day, application.paused_days_left or 0)
    application.paused_days_left, application.requested_materials = None, []
    step(application, actor, "resubmit", to_stage=application.stage)
    record(application, actor, "resubmit", before, topic="application.resubmitted")


def submit_application(application_id: int, *, actor: Actor) -> Application:
    """Submit a draft, or hand in what 补正 asked for so the clock runs again."""
    require(actor, "applications.create")
    with db.atomic():
        application = get_visible(application_id, actor)
        if not _owned_by(application, actor):
            raise PermissionDenied("只有申请人或代办人可以提交", code="not_the_filer")
        _submit(application, actor)
        application.touch()
        application.save()
    return application


def withdraw_application(application_id: int, command: WithdrawApplication, *,
                         actor: Actor) -> Application:
    """Withdraw an application before a decision is taken."""
    require(actor, "applications.create")
    screenings = content_checks.screen_text({"withdraw_reason": command.reason}, actor=actor,
                                            scene=content_checks.Scene.PROFILE)
    with db.atomic():
        application = get_visible(application_id, actor)
        if not _owned_by(application, actor):
            raise PermissionDenied("只有申请人或代办人可以撤回", code="not_the_filer")
        if application.status not in OPEN_STATUSES:
            raise Conflict("该申请已办结，不能撤回", code="already_decided")
        before = state(application)
        step(application, actor, "withdraw", comment=command.reason)
        close(application, ApplicationStatus.WITHDRAWN)
        application.stage = None
        application.save()
        record(application, actor, "withdraw", before, reason=command.reason,
               topic="application.withdrawn")
        content_checks.record_screenings(screenings, subject="application",
                                         subject_id=application.id,
                                         area_code=application.area_code, actor=actor)
    return application


# Materials ----------------------------------------------------------------------------------


def record_upload(application: Application, material: ApplicationMaterial, actor: Actor) -> None:
    """Write the timeline step of an upload (inside the upload's transaction)."""
    step(application, actor, "upload_material",
         details={"material_code": material.material_code, "material_id": material.id})


def material_names(application: Application, codes: list[str]) -> list[str]:
    """The catalogue names of material codes, as the resident reads them."""
    names = {m["code"]: m["name"] for m in service_guide.materials_of(application.service_code)}
    return [names.get(code, code) for code in codes]


def missing_materials(application: Application) -> list[str]:
    """Codes of required materials (and of 补正 requests) not uploaded yet."""
    uploaded = {m.material_code for m in application.materials}
    required = [m["code"] for m in service_guide.materials_of(application.service_code)
                if m["required"]]
    wanted = required + [c for c in application.requested_materials if c not in required]
    return [code for code in wanted if code not in uploaded]
