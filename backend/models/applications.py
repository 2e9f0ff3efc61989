"""Applications (办件): filing, the workflow's steps, materials, objections, evaluations."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.accounts import Resident, StaffAccount
from backend.models.base import BaseModel, JSONField, Labelled, TimestampedModel, Versioned, utcnow
from backend.models.clients import Client
from backend.models.geography import Village


class ApplicationStatus(Labelled):
    """Where an application stands."""

    DRAFT = "draft", "草稿"
    IN_REVIEW = "in_review", "办理中"
    SUPPLEMENT = "supplement", "待补正"
    APPROVED = "approved", "已批准"
    REJECTED = "rejected", "未批准"
    WITHDRAWN = "withdrawn", "已撤回"


APPLICATION_STATUSES = ApplicationStatus.labels()
OPEN_STATUSES = (ApplicationStatus.DRAFT, ApplicationStatus.IN_REVIEW,
                 ApplicationStatus.SUPPLEMENT)
DECIDED_STATUSES = (ApplicationStatus.APPROVED, ApplicationStatus.REJECTED)


# How an application came in: from the phone, filed by a coordinator (代办), or at the
# township's window with the applicant there (一门受理).
CHANNELS = {"online": "线上申请", "proxy": "代办", "counter": "窗口受理"}


class DoorstepStatus(Labelled):
    """Where the application's doorstep step (上门办理) stands."""

    BOOKED = "booked", "已预约上门办理"
    DONE = "done", "已上门办理"
    MISSED = "missed", "上门未遇"


DOORSTEP_STATUSES = DoorstepStatus.labels()


class ReReviewOutcome(Labelled):
    """What a re-review (复核) decides about the benefit."""

    CONTINUE = "continue", "继续享受"
    CHANGE = "change", "调整待遇"
    STOP = "stop", "停止享受"


RE_REVIEW_OUTCOMES = ReReviewOutcome.labels()


class ServiceGuideEdit(Versioned):
    """A city's edits to a service's published guide, laid over the shipped fixture."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        updated_by_id: int | None

    code = pw.CharField(max_length=60, unique=True)
    content = JSONField(default=dict)  # only the edited fields
    updated_at = pw.DateTimeField(default=utcnow)
    updated_by = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL")


class Application(TimestampedModel, Versioned):
    """One application (or re-review) moving through its service's workflow."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        parent_id: int | None
        resident_id: int | None
        client_id: int | None
        village_id: int
        filed_by_id: int | None
        possible_duplicate_of_id: int | None
        re_reviews: pw.ModelSelect[Application]
        steps: pw.ModelSelect[ApplicationStep]
        materials: pw.ModelSelect[ApplicationMaterial]
        objections: pw.ModelSelect[PublicNoticeObjection]
        evaluations: pw.ModelSelect[ApplicationEvaluation]
        follow_ups: pw.ModelSelect[FollowUpTask]
        escalations: pw.ModelSelect[StepEscalation]

    reference = pw.CharField(max_length=30, unique=True)  # the number people quote: SQ…
    service_code = pw.CharField(max_length=60, index=True)
    kind = pw.CharField(max_length=12, default="application")  # application | re_review
    parent = pw.ForeignKeyField("self", null=True, backref="re_reviews", on_delete="SET NULL")
    resident = pw.ForeignKeyField(Resident, null=True, backref="applications",
                                  on_delete="SET NULL")  # the account that owns it, if any
    client = pw.ForeignKeyField(Client, null=True, backref="applications", on_delete="SET NULL")
    village = pw.ForeignKeyField(Village, on_delete="RESTRICT")
    area_code = pw.CharField(max_length=12, index=True)
    applicant_name = pw.CharField(max_length=50)
    applicant_id_enc = pw.TextField()
    applicant_id_index = pw.CharField(max_length=64, index=True)
    applicant_id_masked = pw.CharField(max_length=18)
    phone_enc = pw.TextField(null=True)
    phone_masked = pw.CharField(max_length=11, null=True)
    address = pw.CharField(max_length=200)
    household_members = JSONField(default=list)  # id numbers encrypted per member, masked beside
    declared_income_fen = pw.IntegerField(default=0)
    declared_assets_fen = pw.IntegerField(default=0)
    assets_note = pw.TextField(default="")
    reason = pw.TextField(default="")
    # Set while the application is open, NULL after: a unique column stops duplicate intake races.
    open_key = pw.CharField(max_length=140, null=True, unique=True)
    status = pw.CharField(max_length=12, default="draft", index=True)
    stage = pw.CharField(max_length=20, null=True)
    stage_role = pw.CharField(max_length=20, null=True, index=True)
    stage_started_on = pw.DateField(null=True)
    stage_due_on = pw.DateField(null=True, index=True)
    paused_days_left = pw.IntegerField(null=True)  # working days left when 补正 paused the clock
    requested_materials = JSONField(default=list)  # what 补正 asked for
    notice_ends_on = pw.DateField(null=True)
    submitted_at = pw.DateTimeField(null=True)
    decided_at = pw.DateTimeField(null=True, index=True)
    decision_reason = pw.TextField(null=True)
    outcome = pw.CharField(max_length=12, null=True)  # a ReReviewOutcome, for re-reviews
    benefit_fen = pw.IntegerField(null=True)
    next_re_review_on = pw.DateField(null=True, index=True)
    # 代办: who filed for the resident and on what authority.
    filed_by = pw.ForeignKeyField(StaffAccount, null=True, backref="proxy_filings",
                                  on_delete="SET NULL")
    proxy_authorised_by = pw.CharField(max_length=50, null=True)
    proxy_authorised_at = pw.DateTimeField(null=True)
    proxy_method = pw.CharField(max_length=20, null=True)  # signed_form | in_person
    proxy_doorstep = pw.BooleanField(default=False)
    channel = pw.CharField(max_length=10, default="online")  # CHANNELS
    # Another application open for the same person and service when this one came in: staff
    # see it; the filer is told nothing, so a filing never reveals someone else's.
    possible_duplicate_of = pw.ForeignKeyField("self", null=True, backref="possible_duplicates",
                                               on_delete="SET NULL")


    # 上门办理: a doorstep visit booked for the application, and when its record closed the step.
    doorstep_status = pw.CharField(max_length=10, null=True)  # DOORSTEP_STATUSES
    doorstep_done_at = pw.DateTimeField(null=True)
    # 临时救助's urgent track (紧急救助程序): the cause, the track's deadline, the grant.
    urgent = pw.BooleanField(default=False)
    urgent_cause = pw.CharField(max_length=20, null=True)  # the track's ``causes``
    track_due_at = pw.DateTimeField(null=True)  # submission + the track's hours
    stage_due_at = pw.DateTimeField(null=True, index=True)  # a stage timed in hours
    granted_at = pw.DateTimeField(null=True)  # 先行救助, before the post-hoc stages
    # What verification proposes (核查提出的金额), published in the public notice.
    proposed_benefit_fen = pw.IntegerField(null=True)


class ApplicationStep(BaseModel):
    """One entry of an application's timeline (办件进度): who did what, when and why."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        application_id: int

    application = pw.ForeignKeyField(Application, backref="steps", on_delete="CASCADE")
    created_at = pw.DateTimeField(default=utcnow)
    actor_kind = pw.CharField(max_length=10)
    actor_id = pw.IntegerField(null=True)
    actor_name = pw.CharField(max_length=50, default="")
    action = pw.CharField(max_length=30)
    stage = pw.CharField(max_length=20, null=True)  # the stage the action was taken in
    to_stage = pw.CharField(max_length=20, null=True)
    comment = pw.TextField(default="")
    details = JSONField(default=dict)


class ApplicationMaterial(BaseModel):
    """An uploaded material, stored content-addressed under an unguessable name."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        application_id: int

    application = pw.ForeignKeyField(Application, backref="materials", on_delete="CASCADE")
    material_code = pw.CharField(max_length=40)
    content_type = pw.CharField(max_length=40)
    size_bytes = pw.IntegerField()
    sha256 = pw.CharField(max_length=64)
    storage_name = pw.CharField(max_length=100)
    uploaded_at = pw.DateTimeField(default=utcnow)
    uploader_kind = pw.CharField(max_length=10)
    uploader_id = pw.IntegerField(null=True)


class PublicNoticeObjection(BaseModel):
    """An objection raised during the public notice; approval waits until it is resolved."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        application_id: int
        recorded_by_id: int | None
        resolved_by_id: int | None
        raised_by_resident_id: int | None

    application = pw.ForeignKeyField(Application, backref="objections", on_delete="CASCADE")
    content = pw.TextField()
    raised_at = pw.DateTimeField(default=utcnow)
    recorded_by = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL")
    # A resident who objected from the published notice; never shown to the applicant.
    raised_by_resident = pw.ForeignKeyField(Resident, null=True, on_delete="SET NULL",
                                            backref="objections")
    resolution = pw.TextField(null=True)
    resolved_at = pw.DateTimeField(null=True)
    resolved_by = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL",
                                     backref="resolved_objections")


class ApplicationEvaluation(BaseModel):
    """A resident's rating (好差评) of a decided application."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        application_id: int
        resident_id: int | None
        followuptask_set: pw.ModelSelect[FollowUpTask]

    application = pw.ForeignKeyField(Application, backref="evaluations", unique=True,
                                     on_delete="CASCADE")
    rating = pw.IntegerField()  # 1 (very poor) … 5 (very good)
    comment = pw.TextField(default="")
    created_at = pw.DateTimeField(default=utcnow)
    resident = pw.ForeignKeyField(Resident, null=True, on_delete="SET NULL")


class FollowUpTask(TimestampedModel):
    """Work a poor rating creates for the township's staff, due by a date."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        application_id: int
        evaluation_id: int
        closed_by_id: int | None

    application = pw.ForeignKeyField(Application, backref="follow_ups", on_delete="CASCADE")
    evaluation = pw.ForeignKeyField(ApplicationEvaluation, on_delete="CASCADE")
    area_code = pw.CharField(max_length=12, index=True)
    role = pw.CharField(max_length=20, default="township_staff")
    due_on = pw.DateField()
    status = pw.CharField(max_length=12, default="open")  # open | done
    closed_at = pw.DateTimeField(null=True)
    closed_by = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL",
                                   backref="closed_follow_ups")
    close_note = pw.TextField(null=True)  # what the follow-up found and did


class StepEscalation(BaseModel):
    """An overdue stage reported to the township office's head, once per stage and due date."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        application_id: int
        holder_id: int | None
        head_id: int | None

    application = pw.ForeignKeyField(Application, backref="escalations", on_delete="CASCADE")
    stage = pw.CharField(max_length=20)
    due_on = pw.DateField()
    due_at = pw.DateTimeField(null=True)  # a stage timed in hours (urgent track)
    area_code = pw.CharField(max_length=12, index=True)
    created_at = pw.DateTimeField(default=utcnow)
    # Who was held to account (强化责任追究): the stage's holder and the head told of it; and
    # the day it went on to the city, once late past the standards' city threshold.
    holder = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL",
                                backref="escalations_held")
    head = pw.ForeignKeyField(StaffAccount, null=True, on_delete="SET NULL",
                              backref="escalations_received")
    escalated_on = pw.DateField(null=True)  # the day the head was told (None before 061)
    city_escalated_on = pw.DateField(null=True, index=True)

    class Meta:
        indexes = ((("application", "stage", "due_on"), True),)
