"""All tables, imported in dependency order so migrations and create_tables see every one."""

from backend.models.accountability import HoldingRule, StageAssignmentRule, StageHolder
from backend.models.accounts import (
    AuthSession,
    Resident,
    RetiredRefreshToken,
    Role,
    StaffAccount,
    WeChatSessionKey,
)
from backend.models.applications import (
    Application,
    ApplicationEvaluation,
    ApplicationMaterial,
    ApplicationStatus,
    ApplicationStep,
    FollowUpTask,
    PublicNoticeObjection,
    ServiceGuideEdit,
    StepEscalation,
)
from backend.models.base import BaseModel, JSONField, Labelled, TimestampedModel, utcnow
from backend.models.clients import Client, ClientCategory, ClientContact
from backend.models.content_checks import CheckStatus, ContentCheck
from backend.models.geography import City, ServiceStation, Township, Village
from backend.models.grievances import Grievance, GrievanceEscalation, GrievancePhoto
from backend.models.household_checks import (
    CheckMember,
    DepartmentImport,
    DepartmentRecord,
    HouseholdCheck,
)
from backend.models.links import LinkAttempt, LinkCode
from backend.models.messages import (
    DeliveryStatus,
    InboxMessage,
    MessageDelivery,
    SubscriptionCredit,
)
from backend.models.payments import BenefitPayment, PaymentStatus
from backend.models.plans import Plan, PlanProgress, PlanStatus, PlanStop
from backend.models.records import (
    AuditEntry,
    IdempotencyRecord,
    LoginAttempt,
    OutboxEvent,
    PiiAccess,
)
from backend.models.stations import AllowancePayment
from backend.models.supervision import NursingHome, SupervisionReport, TownshipProfile
from backend.models.training import AssessmentResult, TrainingRecord
from backend.models.visits import (
    Booking,
    BookingStatus,
    CareVisit,
    CareVisitStatus,
    Visit,
    VisitCapacity,
    VisitPhoto,
    VisitStatus,
    WorkerDayOff,
    WorkerShift,
)
from backend.models.week_plans import WeekPlacement, WeekPlan

ALL_MODELS: list[type[BaseModel]] = [
    City, Township, Village, ServiceStation,
    StaffAccount, Resident, WeChatSessionKey, AuthSession, RetiredRefreshToken,
    Client, ClientCategory, ClientContact, LinkCode, LinkAttempt,
    AuditEntry, OutboxEvent, PiiAccess, IdempotencyRecord, LoginAttempt,
    ServiceGuideEdit, Application, ApplicationStep, ApplicationMaterial, PublicNoticeObjection,
    ApplicationEvaluation, FollowUpTask, StepEscalation,
    WorkerShift, WorkerDayOff, VisitCapacity, Booking, CareVisit, Visit,
    VisitPhoto,
    TownshipProfile, NursingHome, SupervisionReport,
    InboxMessage, SubscriptionCredit, MessageDelivery,
    Plan, PlanStop,
    WeekPlan, WeekPlacement,
    Grievance, GrievancePhoto, GrievanceEscalation,
    StageHolder, StageAssignmentRule, AllowancePayment,
    ContentCheck,
    BenefitPayment,
    CheckMember, DepartmentImport, DepartmentRecord, HouseholdCheck,
    TrainingRecord, AssessmentResult,
]

__all__ = [
    "ALL_MODELS",
    "AllowancePayment",
    "ApplicationStatus",
    "AssessmentResult",
    "AuditEntry",
    "AuthSession",
    "BaseModel",
    "BenefitPayment",
    "Booking",
    "BookingStatus",
    "CareVisit",
    "CareVisitStatus",
    "CheckMember",
    "CheckStatus",
    "City",
    "Client",
    "ClientCategory",
    "ClientContact",
    "ContentCheck",
    "DeliveryStatus",
    "DepartmentImport",
    "DepartmentRecord",
    "Grievance",
    "GrievanceEscalation",
    "GrievancePhoto",
    "HoldingRule",
    "HouseholdCheck",
    "IdempotencyRecord",
    "InboxMessage",
    "JSONField",
    "Labelled",
    "LinkAttempt",
    "LinkCode",
    "LoginAttempt",
    "MessageDelivery",
    "NursingHome",
    "OutboxEvent",
    "PaymentStatus",
    "PiiAccess",
    "Plan",
    "PlanProgress",
    "PlanStatus",
    "PlanStop",
    "Resident",
    "RetiredRefreshToken",
    "Role",
    "ServiceStation",
    "StaffAccount",
    "StageAssignmentRule",
    "StageHolder",
    "StepEscalation",
    "SubscriptionCredit",
    "SupervisionReport",
    "TimestampedModel",
    "Township",
    "TownshipProfile",
    "TrainingRecord",
    "Village",
    "Visit",
    "VisitCapacity",
    "VisitPhoto",
    "VisitStatus",
    "WeChatSessionKey",
    "WeekPlacement",
    "WeekPlan",
    "WorkerDayOff",
    "WorkerShift",
    "utcnow",
]
