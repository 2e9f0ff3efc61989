"""Who an event concerns and what to tell them, looked up from the ids in its payload.

Each resolver answers ``Target``s: a recipient and the context its template is rendered with.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, TypeVar

import peewee as pw

from backend.models import (
    Application,
    Booking,
    Client,
    ClientContact,
    Grievance,
    GrievanceEscalation,
    OutboxEvent,
    Plan,
    PlanStop,
    StaffAccount,
    utcnow,
)
from backend.models.clients import LINK_METHODS, LINK_RELATIONS
from backend.models.grievances import GRIEVANCE_LEVELS, GRIEVANCE_SUBJECTS
from backend.services import applications, service_guide

STAGE_LABELS = {"acceptance": "受理", "verification": "核查", "deliberation": "评议",
                "public_notice": "公示", "approval": "审批", "supplement": "补正"}
RESULT_LABELS = {"approved": "已批准", "rejected": "未批准", "continue": "继续享受",
                 "change": "待遇调整", "stop": "停止享受", "in_review": "先行救助"}
VISIT_KIND_LABELS = {"routine_visit": "日常探访", "counselling": "心理疏导",
                     "emotional_support": "精神慰藉", "doorstep_service": "上门办理",
                     "condolence_visit": "走访慰问"}
WINDOW_LABELS = {"morning": "上午", "afternoon": "下午"}


@dataclass(frozen=True)
class Target:
    """One recipient of an event and what their template is filled with."""

    kind: str  # resident | staff
    id: int
    area_code: str = ""
    context: dict[str, Any] = field(default_factory=dict)


Resolver = Callable[[OutboxEvent], list[Target]]


M = TypeVar("M", bound=pw.Model)


def _get(model: type[M], object_id: Any) -> M:
    row = model.get_or_none(model._meta.primary_key == object_id)
    if row is None:
        raise LookupError(f"{model.__name__} {object_id} no longer exists")
    return row


def _service_name(code: str) -> str:
    return str(service_guide.get_service(code).get("name") or code)


def _application_targets(event: OutboxEvent, **extra: Any) -> list[Target]:
    application = _get(Application, event.payload["application_id"])
    context = {"application_id": application.id, "service": _service_name(
        application.service_code), "number": application.reference, "at": utcnow(),
        "stage": STAGE_LABELS.get(application.stage or "", application.stage or "办理中"),
        "status": "已提交", "client": application.applicant_name,
        "due": application.stage_due_on or application.next_re_review_on,
        "result": RESULT_LABELS.get(application.status, application.status),
        "note": application.decision_reason or "", **extra}
    if application.status == "supplement" or event.topic.endswith("supplement_requested"):
        asked = application.requested_materials or []
        context["note"] = "、".join(str(m) for m in asked) or "请查看"
    residents = {application.resident_id} if application.resident_id else set()
    if application.client_id:
        residents |= _client_residents(application.client_id)
    return [Target("resident", rid, application.area_code, context) for rid in sorted(residents)]


def _client_residents(client_id: int) -> set[int]:
    links = ClientContact.select(ClientContact.resident).where(ClientContact.client == client_id)
    return {link.resident_id for link in links}


def _receipt_targets(event: OutboxEvent) -> list[Target]:
    application = _get(Application, event.payload["application_id"])
    facts = applications.receipt_facts(application)
    context = {"application_id": application.id, "service": facts["service_name"],
               "number": facts["reference"], "township": facts["township_name"],
               "materials": "、".join(m["name"] for m in facts["materials"]) or "无",
               "limit": facts["time_limit_days"], "due": facts["expected_by"],
               "follow_up": "可在小程序“我的办件”查看办理进度"}
    return [Target("resident", event.payload["resident_id"], application.area_code, context)]


def _link_targets(event: OutboxEvent) -> list[Target]:
    """The account the link concerns and every account still linked to the client."""
    client = _get(Client, event.payload["client_id"])
    relation, method = event.payload.get("relation", ""), event.payload.get("method", "")
    context = {"client_id": client.id, "client": client.name,
               "relation": LINK_RELATIONS.get(relation, relation or "-"),
               "method": LINK_METHODS.get(method, method or "-")}
    residents = {event.payload["resident_id"]} | _client_residents(client.id)
    return [Target("resident", rid, client.area_code, context) for rid in sorted(residents)]


def _booking_targets(event: OutboxEvent) -> list[Target]:
    booking = _get(Booking, event.payload["booking_id"])
    context = {"booking_id": booking.id, "client": booking.person_name,
               "kind": VISIT_KIND_LABELS.get(booking.kind, booking.kind),
               "day": booking.scheduled_date,
               "window": WINDOW_LABELS.get(booking.scheduled_window or "", "全天"),
               "arrival": booking.arrival_start,
               "result": "未通过", "note": booking.decision_reason or "请联系乡镇民政办"}
    residents = {booking.resident_id} if booking.resident_id else set()
    if not residents and booking.client_id is not None:
        residents = _client_residents(booking.client_id)
    if not residents and booking.application is not None:  # 上门办理 for an applicant
        filer = booking.application.resident_id
        residents = {filer} if filer else set()
    return [Target("resident", rid, booking.area_code, context) for rid in sorted(residents)]


def _plan_targets(event: OutboxEvent) -> list[Target]:
    plan = _get(Plan, event.payload["plan_id"])
    worker_ids = event.payload.get("worker_ids") or []
    workers = StaffAccount.select().where(StaffAccount.id.in_(worker_ids))
    context = {"plan_id": plan.id, "day": plan.day}
    return [Target("staff", worker.id, worker.area_code,
                   {**context, "stops": PlanStop.select().where(
                       (PlanStop.plan == plan.id) & (PlanStop.worker == worker.id)).count()})
            for worker in workers]


def _escalation_targets(event: OutboxEvent) -> list[Target]:
    application = _get(Application, event.payload["application_id"])
    township_code = application.area_code[:9]
    # Late past the city's threshold: the city bureau's administrators; before: the head.
    if event.payload.get("level") == "city":
        heads = StaffAccount.select().where(StaffAccount.role == "city_admin",
                                            StaffAccount.is_active == True)  # noqa: E712
    else:
        heads = StaffAccount.select().where(StaffAccount.role == "township_staff",
                                            StaffAccount.area_code == township_code,
                                            StaffAccount.is_head == True,  # noqa: E712
                                            StaffAccount.is_active == True)  # noqa: E712
    context = {"application_id": application.id, "number": application.reference,
               "service": _service_name(application.service_code),
               "stage": STAGE_LABELS.get(event.payload["stage"], event.payload["stage"]),
               "due": _due(event.payload)}
    return [Target("staff", head.id, head.area_code, context) for head in heads]


def _grievance_context(grievance: Grievance) -> dict[str, Any]:
    return {"grievance_id": grievance.id, "number": grievance.reference,
            "subject": GRIEVANCE_SUBJECTS.get(grievance.subject, grievance.subject),
            "due": grievance.due_on, "at": grievance.resolved_at or utcnow(),
            "note": grievance.resolution or "",
            "level": GRIEVANCE_LEVELS.get(grievance.level, grievance.level)}


def _grievance_owner(event: OutboxEvent) -> list[Target]:
    grievance = _get(Grievance, event.payload["grievance_id"])
    if grievance.owner_id is None:
        return []
    context = _grievance_context(grievance)
    last = grievance.escalations.order_by(GrievanceEscalation.id.desc()).first()
    if last is not None:
        context["late_since"] = last.late_since
    return [Target("staff", grievance.owner_id, grievance.area_code, context)]


def _grievance_resident(event: OutboxEvent) -> list[Target]:
    grievance = _get(Grievance, event.payload["grievance_id"])
    if grievance.resident_id is None:
        return []
    return [Target("resident", grievance.resident_id, grievance.area_code,
                   _grievance_context(grievance))]


def _due(payload: dict[str, Any]) -> Any:
    """A stage due at an hour (urgent track) reads as a time, else as its date."""
    return datetime.fromisoformat(payload["due_at"]) if payload.get("due_at") else payload["due_on"]


RESOLVERS: dict[str, Resolver] = {
    "application.submitted": _application_targets,
    "application.stage_changed": _application_targets,
    "application.supplement_requested": _application_targets,
    "application.decided": _application_targets,
    "application.receipt_issued": _receipt_targets,
    "client.linked": _link_targets,
    "client.unlinked": _link_targets,
    "application.granted": _application_targets,
    "re_review.due": _application_targets,
    "booking.approved": _booking_targets,
    "booking.rejected": _booking_targets,
    "booking.proposed": _booking_targets,
    "visit.planned": _booking_targets,
    "visit.reminder": _booking_targets,
    "plan.published": _plan_targets,
    "application.escalated": _escalation_targets,
    "grievance.filed": _grievance_owner,
    "grievance.escalated": _grievance_owner,
    "grievance.resolved": _grievance_resident,
}
