"""All tables, imported in dependency order so migrations and create_tables see every one."""

from backend.models.accounts import AuthSession, Resident, StaffAccount, WeChatSessionKey
from backend.models.applications import (
    Application,
    ApplicationEvaluation,
    ApplicationMaterial,
    ApplicationStep,
    FollowUpTask,
    PublicNoticeObjection,
    ServiceGuideEdit,
    StepEscalation,
)
from backend.models.base import BaseModel, JSONField, TimestampedModel, utcnow
from backend.models.clients import Client, ClientCategory, ClientContact
from backend.models.geography import City, ServiceStation, Township, Village
from backend.models.messages import InboxMessage, MessageDelivery, SubscriptionCredit
from backend.models.plans import Plan, PlanStop
from backend.models.records import (
    AuditEntry,
    IdempotencyRecord,
    LoginAttempt,
    OutboxEvent,
    PiiAccess,
)
from backend.models.supervision import NursingHome, SupervisionReport, TownshipProfile
from backend.models.visits import (
    Booking,
    CareVisit,
    Visit,
    VisitCapacity,
    VisitPhoto,
    WorkerDayOff,
    WorkerShift,
)

ALL_MODELS: list[type[BaseModel]] = [
    City, Township, Village, ServiceStation,
    StaffAccount, Resident, WeChatSessionKey, AuthSession,
    Client, ClientCategory, ClientContact,
    AuditEntry, OutboxEvent, PiiAccess, IdempotencyRecord, LoginAttempt,
    ServiceGuideEdit, Application, ApplicationStep, ApplicationMaterial, PublicNoticeObjection,
    ApplicationEvaluation, FollowUpTask, StepEscalation,
    WorkerShift, WorkerDayOff, VisitCapacity, Booking, CareVisit, Visit,
    VisitPhoto,
    TownshipProfile, NursingHome, SupervisionReport,
    InboxMessage, SubscriptionCredit, MessageDelivery,
    Plan, PlanStop,
]

__all__ = [
    "ALL_MODELS",
    "AuditEntry",
    "AuthSession",
    "BaseModel",
    "Booking",
    "CareVisit",
    "City",
    "Client",
    "ClientCategory",
    "ClientContact",
    "IdempotencyRecord",
    "InboxMessage",
    "JSONField",
    "LoginAttempt",
    "MessageDelivery",
    "NursingHome",
    "OutboxEvent",
    "PiiAccess",
    "Plan",
    "PlanStop",
    "Resident",
    "ServiceStation",
    "StaffAccount",
    "StepEscalation",
    "SubscriptionCredit",
    "SupervisionReport",
    "TimestampedModel",
    "Township",
    "TownshipProfile",
    "Village",
    "Visit",
    "VisitCapacity",
    "VisitPhoto",
    "WeChatSessionKey",
    "WorkerDayOff",
    "WorkerShift",
    "utcnow",
]
