"""Filing (提交申请, 代办), submitting, withdrawing; the materials an application still needs."""

from __future__ import annotations

from typing import Any

import peewee as pw

from backend import pii, runtime, workflows
from backend.commands.applications import (
    FileApplication,
    HouseholdMember,
    ProxyFiling,
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
from backend.services import service_guide
from backend.services.applications import _shared, urgent
from backend.services.applications._shared import (
    close,
    duplicate,
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


def _check_proxy(actor: Actor, proxy: ProxyFiling | None) -> None:
    if actor.role == Role.COORDINATOR and proxy is None:
        raise ValidationFailed("代办须登记委托授权（委托人、时间、方式）", code="proxy_required")
    if actor.is_resident and proxy is not None:
        raise ValidationFailed("居民本人申请无需填写代办信息", code="proxy_not_allowed")


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


def _resident_of(actor: Actor, client: Client | None) -> int | None:
    if actor.is_resident:
        return actor.id
    if client is None:
        return None
    link = (ClientContact.select().where(ClientContact.client == client)
            .order_by(ClientContact.id).first())
    return link.resident_id if link else None


def _proxy_columns(proxy: ProxyFiling | None) -> dict[str, Any]:
    if proxy is None:
        return {}
    return {"proxy_authorised_by": proxy.authorised_by,
            "proxy_authorised_at": proxy.authorised_at, "proxy_method": proxy.method,
            "proxy_doorstep": proxy.doorstep}


def file_application(command: FileApplication, *, actor: Actor) -> Application:
    """File an application as a resident, or on a resident's behalf (代办) as a coordinator."""
    require(actor, "applications.create")
    try:
        workflows.service(command.service_code)
    except NotFound:
        raise ValidationFailed("没有这个服务事项", code="unknown_service") from None
    _check_proxy(actor, command.proxy)
    urgent_columns = urgent.columns(command)
    village = _village_for(actor, command.village_id)
    id_number = pii.normalise_id_number(command.applicant_id_number)
    for member in command.household_members:
        pii.normalise_id_number(member.id_number)
    index = runtime.vault().blind_index(id_number, kind="id_number")
    key = open_key("application", command.service_code, index)
    client = Client.get_or_none(Client.id_number_index == index)
    with db.atomic():
        if (conflict := duplicate(key)) is not None:
            raise conflict
        try:
            with db.atomic():  # a savepoint, so a lost race leaves the outer transaction usable
                application = Application.create(
                    reference=placeholder_reference(), service_code=command.service_code,
                    resident=_resident_of(actor, client), client=client, village=village,
                    area_code=village.code, applicant_name=command.applicant_name,
                    applicant_id_enc="", applicant_id_index=index,
                    applicant_id_masked=pii.mask_id_number(id_number, viewer="staff"),
                    address=command.address, open_key=key,
                    declared_income_fen=command.declared_income_fen,
                    declared_assets_fen=command.declared_assets_fen,
                    assets_note=command.assets_note, reason=command.reason,
                    filed_by=actor.id if actor.kind == ActorKind.STAFF else None,
                    **_proxy_columns(command.proxy), **urgent_columns)
        except pw.IntegrityError:
            raise duplicate(key) or Conflict() from None
        application.reference = reference(application)
        set_applicant(application, id_number, command.phone)
        application.household_members = _encrypt_members(application, command.household_members)
        application.save()
        proxied = command.proxy is not None
        details = {"proxy": True, "doorstep": application.proxy_doorstep} if proxied else {}
        step(application, actor, "create", details=details)
        record(application, actor, "create", {}, topic="application.created", proxy=proxied)
        if command.submit:
            _submit(application, actor)
            application.save()
    return application


def _owned_by(application: Application, actor: Actor) -> bool:
    if actor.is_resident:
        return True  # get_visible already limited residents to their own
    return actor.role == Role.COORDINATOR and application.filed_by_id == actor.id


def _submit(application: Application, actor: Actor) -> None:
    before, day = state(application), _shared.today()
    if application.status == ApplicationStatus.DRAFT:
        application.status, application.submitted_at = ApplicationStatus.IN_REVIEW, utcnow()
        enter(application, workflow_of(application).first(), day)
        step(application, actor, "submit", to_stage=application.stage)
        record(application, actor, "submit", before, topic="application.submitted",
               stage=application.stage)
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
