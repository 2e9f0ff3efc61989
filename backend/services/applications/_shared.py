"""What every part of the applications package shares: the clock, visibility, the step writers.

Call ``_shared.today()`` through the module, never ``from … import today``: tests replace it
to move time, and a copied name would not see the replacement.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

import peewee as pw

from backend import audit, outbox, pii, runtime, workflows
from backend.errors import NotFound
from backend.models import Application, ApplicationStep, ClientContact
from backend.models.applications import ApplicationStatus
from backend.models.base import LOCAL_TZ, local_today, utcnow
from backend.permissions import Actor, get_scoped, scoped
from backend.services import stage_holders

ACTION_LABELS = {
    "create": "填写申请", "submit": "提交申请", "resubmit": "补正后重新提交",
    "withdraw": "撤回申请",
    "advance": "本环节办结", "supplement": "退回补正", "reject": "不予批准", "approve": "批准",
    "record_objection": "登记公示异议", "resolve_objection": "处理公示异议",
    "upload_material": "上传材料", "open_re_review": "启动定期复核", "evaluate": "评价",
    "link_applicant": "关联申请人微信账号",
    "grant_first": "先行救助", "complete_post_hoc": "补齐手续，办结",
    "book_doorstep": "预约上门办理", "doorstep_done": "上门办理完成",
    "doorstep_missed": "上门未遇", "close_follow_up": "差评回访办结",
}
_DIGITS_TO_LETTERS = str.maketrans("0123456789", "ghijklmnop")


def today() -> date:
    """The city's calendar day; tests replace this to move time."""
    return local_today()


def now() -> datetime:
    """The moment (naive UTC, as stored) for clocks that run in hours; tests replace this."""
    return utcnow()


def local_date(moment: datetime) -> date:
    """The city's calendar day of a stored (naive UTC) moment."""
    return moment.replace(tzinfo=UTC).astimezone(LOCAL_TZ).date()


# Reading ------------------------------------------------------------------------------------


def _linked_client_ids(resident_id: int) -> pw.ModelSelect[ClientContact]:
    return ClientContact.select(ClientContact.client).where(ClientContact.resident == resident_id)


def visible(actor: Actor) -> pw.ModelSelect[Application]:
    """Applications the actor may see: a resident's own (or filed for them), staff their scope."""
    query = Application.select()
    if actor.is_resident and actor.id is not None:
        return query.where((Application.resident == actor.id) |
                           Application.client.in_(_linked_client_ids(actor.id)))
    return scoped(query, Application.area_code, actor)


def get_visible(application_id: int, actor: Actor) -> Application:
    """One application the actor may see, or NotFound."""
    if not actor.is_resident:
        return get_scoped(Application, application_id, Application.area_code, actor)
    application = visible(actor).where(Application.id == application_id).first()
    if application is None:
        raise NotFound("未找到该申请", code="application_not_found")
    return application


def workflow_of(application: Application) -> workflows.Workflow:
    """The workflow an application follows (its service's, for its kind, on its track)."""
    if application.urgent:
        return workflows.urgent_workflow(application.service_code)
    return workflows.workflow(application.service_code, application.kind)


# Writing ------------------------------------------------------------------------------------


def step(application: Application, actor: Actor, action: str, *, comment: str = "",
         to_stage: str | None = None, details: dict[str, Any] | None = None) -> ApplicationStep:
    """Add one entry to the application's timeline (办件进度)."""
    return ApplicationStep.create(
        application=application, actor_kind=actor.kind, actor_id=actor.id,
        actor_name=actor.name or "", action=action, stage=application.stage, to_stage=to_stage,
        comment=comment, details=details or {})


def enter(application: Application, stage: workflows.Stage, day: date) -> None:
    """Put the application in a stage: its holder and its clock, starting on ``day``."""
    wf = workflow_of(application)
    application.stage, application.stage_role = stage.stage, stage.actor_role
    application.stage_started_on = day
    application.stage_due_on = workflows.stage_due(stage, day, wf.public_notice_days)
    application.stage_due_at = None
    if stage.time_limit_hours is not None:  # the urgent track runs by the hour
        if application.track_due_at is None:  # submitted now: the whole track's clock starts
            application.track_due_at = now() + timedelta(hours=wf.time_limit_hours or 0)
        due = min(now() + timedelta(hours=stage.time_limit_hours), application.track_due_at)
        application.stage_due_at, application.stage_due_on = due, local_date(due)
    application.notice_ends_on = application.stage_due_on if stage.stage == "public_notice" \
        else application.notice_ends_on
    application.paused_days_left = None


def close(application: Application, status: ApplicationStatus) -> None:
    """End the application in a final status: no holder, no clock, no longer a duplicate."""
    application.status, application.open_key = status, None
    application.stage_role, application.stage_due_on = None, None
    application.stage_due_at = None
    application.paused_days_left = None


def state(application: Application) -> dict[str, Any]:
    """The fields an audit row compares before and after a change."""
    return {"status": application.status, "stage": application.stage,
            "stage_due_on": application.stage_due_on}


def record(application: Application, actor: Actor, action: str, before: dict[str, Any],
           *, reason: str | None = None, topic: str | None = None, **extra: Any) -> None:
    """The audit row and the outbox event every state change writes with its step.

    The row joins the application's township's chain: residents' filings (and the city
    bureau's decisions) would otherwise queue on the few shared chains, city-wide."""
    audit.record(actor=actor, action=f"application.{action}", entity="application",
                 entity_id=application.id, changes=audit.diff(before, state(application)),
                 reason=reason, area_code=application.area_code)
    outbox.emit(topic or f"application.{action}", application_id=application.id, **extra)
    stage_holders.hold_current_stage(application)  # a stage just begun gets its named holder


# Identity -----------------------------------------------------------------------------------


def open_key(kind: str, service_code: str, id_index: str) -> str:
    """The key that lets one open application (or re-review) per person and service exist."""
    return f"{kind}:{service_code}:{id_index}"


def placeholder_reference() -> str:
    """A unique stand-in until the row has its id; letters only, so no log line holds a number."""
    return "tmp" + uuid.uuid4().hex[:27].translate(_DIGITS_TO_LETTERS)


def dated_number(prefix: str, created_at: datetime, row_id: int) -> str:
    """A number people quote: the prefix, the city's calendar day of a (UTC) moment and the id
    (a filing at 07:30 in the city is dated that day, not the UTC day before)."""
    return f"{prefix}{local_date(created_at):%Y%m%d}{row_id:06d}"


def reference(application: Application) -> str:
    """The number people quote for an application: SQ, the city's date of filing, the id."""
    return dated_number("SQ", application.created_at, application.id)


def set_applicant(application: Application, id_number: str, phone: str | None) -> None:
    """Store the applicant's ID number (and phone) encrypted, bound to this application."""
    vault = runtime.vault()
    application.applicant_id_enc = vault.encrypt(
        id_number, context=f"application:{application.id}:applicant")
    if phone:
        number = pii.normalise_phone(phone)
        application.phone_enc = vault.encrypt(number,
                                              context=f"application:{application.id}:phone")
        application.phone_masked = pii.mask_phone(number)
