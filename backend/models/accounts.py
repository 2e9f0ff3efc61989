"""Who can log in: staff with passwords, residents through WeChat, and their sessions."""

from __future__ import annotations

from typing import TYPE_CHECKING

import peewee as pw

from backend.models.base import BaseModel, JSONField, Labelled, TimestampedModel
from backend.models.geography import Township, Village

if TYPE_CHECKING:
    from backend.models.applications import (
        Application,
        ApplicationEvaluation,
        PublicNoticeObjection,
        ServiceGuideEdit,
    )
    from backend.models.clients import Client, ClientContact
    from backend.models.messages import MessageDelivery, SubscriptionCredit
    from backend.models.plans import PlanStop
    from backend.models.visits import Booking, Visit, WorkerDayOff, WorkerShift


class Role(Labelled):
    """Who someone is to the product (DOMAIN.md's roles), plus the system's own jobs."""

    CITY_ADMIN = "city_admin", "市民政局"
    TOWNSHIP_STAFF = "township_staff", "乡镇民政工作人员"
    SOCIAL_WORKER = "social_worker", "专业社工"
    COORDINATOR = "coordinator", "村（居）民政协管员"
    RESIDENT = "resident", "居民"
    SYSTEM = "system", "系统"
    ANONYMOUS = "anonymous", "未登录"


STAFF_ROLE_CODES = (Role.CITY_ADMIN, Role.TOWNSHIP_STAFF, Role.SOCIAL_WORKER, Role.COORDINATOR)
STAFF_ROLES = {role.value: role.label for role in STAFF_ROLE_CODES}


class StaffAccount(TimestampedModel):
    """A staff member; ``area_code`` is the prefix of everything they may see."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        township_id: int | None
        village_id: int | None
        usual_clients: pw.ModelSelect[Client]
        serviceguideedit_set: pw.ModelSelect[ServiceGuideEdit]
        proxy_filings: pw.ModelSelect[Application]
        publicnoticeobjection_set: pw.ModelSelect[PublicNoticeObjection]
        resolved_objections: pw.ModelSelect[PublicNoticeObjection]
        plan_stops: pw.ModelSelect[PlanStop]
        shifts: pw.ModelSelect[WorkerShift]
        days_off: pw.ModelSelect[WorkerDayOff]
        decided_bookings: pw.ModelSelect[Booking]
        visits: pw.ModelSelect[Visit]

    username = pw.CharField(max_length=50, unique=True)
    password_hash = pw.CharField(max_length=200)
    name = pw.CharField(max_length=50)
    role = pw.CharField(max_length=20, index=True)  # STAFF_ROLES
    area_code = pw.CharField(max_length=12, index=True)  # 6 city, 9 township, 12 village
    township = pw.ForeignKeyField(Township, null=True, backref="staff", on_delete="SET NULL")
    village = pw.ForeignKeyField(Village, null=True, backref="staff", on_delete="SET NULL")
    phone_enc = pw.TextField(null=True)
    phone_masked = pw.CharField(max_length=11, null=True)
    sex = pw.CharField(max_length=6, null=True)  # male | female: some visits need a woman
    skills = JSONField(default=list)  # e.g. ["counselling"] for a certified counsellor
    is_head = pw.BooleanField(default=False)  # the township office's head: escalations go here
    monthly_allowance_fen = pw.IntegerField(null=True)  # coordinators' allowance
    is_active = pw.BooleanField(default=True)
    # Set with a one-time password (a new account, a reset): every use but changing it is
    # refused until the owner chooses their own.
    must_change_password = pw.BooleanField(default=False)
    failed_logins = pw.IntegerField(default=0)
    locked_until = pw.DateTimeField(null=True)


class Resident(TimestampedModel):
    """A mini-program user, known by their WeChat openid."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        wechatsessionkey_set: pw.ModelSelect[WeChatSessionKey]
        client_links: pw.ModelSelect[ClientContact]
        applications: pw.ModelSelect[Application]
        applicationevaluation_set: pw.ModelSelect[ApplicationEvaluation]
        subscription_credits: pw.ModelSelect[SubscriptionCredit]
        deliveries: pw.ModelSelect[MessageDelivery]
        bookings: pw.ModelSelect[Booking]

    openid = pw.CharField(max_length=64, unique=True)
    unionid = pw.CharField(max_length=64, null=True)
    name = pw.CharField(max_length=50, null=True)
    phone_enc = pw.TextField(null=True)
    phone_masked = pw.CharField(max_length=11, null=True)
    last_login_at = pw.DateTimeField(null=True)


class WeChatSessionKey(BaseModel):
    """WeChat's session_key for a resident: server-side only, encrypted at rest."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        resident_id: int

    resident = pw.ForeignKeyField(Resident, unique=True, on_delete="CASCADE")
    session_key_enc = pw.TextField()
    updated_at = pw.DateTimeField()

    class Meta:
        table_name = "wechat_session_key"


class AuthSession(BaseModel):
    """One login: access tokens name it, the refresh token rotates on it, logout revokes it."""

    subject_kind = pw.CharField(max_length=10)  # staff | resident
    subject_id = pw.IntegerField()
    refresh_token_hash = pw.CharField(max_length=64, unique=True)
    created_at = pw.DateTimeField()
    expires_at = pw.DateTimeField()
    revoked_at = pw.DateTimeField(null=True)

    class Meta:
        indexes = ((("subject_kind", "subject_id"), False),)


class RetiredRefreshToken(BaseModel):
    """A refresh token already rotated away: presenting it again means it was copied, so the
    session it belonged to (every token descended from that login) is revoked."""

    if TYPE_CHECKING:  # set by peewee at runtime, declared for the type checker
        session_id: int

    token_hash = pw.CharField(max_length=64, unique=True)
    session = pw.ForeignKeyField(AuthSession, backref="retired_tokens", on_delete="CASCADE")
    retired_at = pw.DateTimeField()

    class Meta:
        table_name = "retired_refresh_token"
