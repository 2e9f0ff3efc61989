"""Logging in and out: staff by password, residents through WeChat, one token scheme for both.

An access token is a short-lived signed reference to an ``AuthSession`` row; the refresh token
is a random secret stored only as a hash and rotated on every refresh; logout revokes the
session, which kills every access token issued on it at once.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import peewee as pw
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerifyMismatchError
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from backend import audit, runtime
from backend.compiled import CompiledSelect
from backend.db import db
from backend.errors import (
    DomainError,
    NotAuthenticated,
    TooManyRequests,
    UpstreamUnavailable,
    ValidationFailed,
)
from backend.models import (
    AuthSession,
    LoginAttempt,
    Resident,
    RetiredRefreshToken,
    StaffAccount,
    WeChatSessionKey,
    utcnow,
)
from backend.permissions import Actor
from backend.wechat import WeChatClient, WeChatError, WeChatUnavailable

_hasher = PasswordHasher()
# Verifying against a dummy hash when the user does not exist keeps the response time the same,
# so timing does not reveal which usernames exist.
_DUMMY_HASH = _hasher.hash("not-a-real-password")
# The account row read with this request's session (request id, session id, row), so that the
# caller's own profile need not read it again.
_accounts: ContextVar[tuple[str | None, int, StaffAccount | Resident | None] | None] = ContextVar(
    "authenticated_account", default=None)


@dataclass(frozen=True)
class TokenPair:
    """What a successful login or refresh answers."""

    access_token: str
    refresh_token: str
    expires_in: int
    actor: Actor


def hash_password(password: str) -> str:
    """An argon2id hash of a password."""
    return _hasher.hash(password)


def _serializer() -> URLSafeTimedSerializer:
    return _serializer_for(runtime.settings().secret_key)


@functools.cache
def _serializer_for(secret_key: str) -> URLSafeTimedSerializer:
    """One signer per secret: building one derives its key, on every request otherwise."""
    return URLSafeTimedSerializer(secret_key, salt="access-token")


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def actor_for(kind: str, subject_id: int, session_id: int | None = None) -> Actor:
    """Build the Actor for a staff member or resident by id."""
    if kind == "staff":
        return _staff_actor(StaffAccount.get_by_id(subject_id), session_id)
    resident = Resident.get_by_id(subject_id)
    return Actor(kind="resident", id=resident.id, role="resident", name=resident.name or "",
                 session_id=session_id)


def _staff_actor(staff: StaffAccount, session_id: int | None) -> Actor:
    return Actor(kind="staff", id=staff.id, role=staff.role, area_code=staff.area_code,
                 name=staff.name, session_id=session_id,
                 must_change_password=staff.must_change_password)


def issue_tokens(kind: str, subject_id: int) -> TokenPair:
    """Open a session for a staff member or resident and answer its tokens."""
    settings = runtime.settings()
    refresh = secrets.token_urlsafe(32)
    now = utcnow()
    session = AuthSession.create(
        subject_kind=kind, subject_id=subject_id, refresh_token_hash=_digest(refresh),
        created_at=now, expires_at=now + timedelta(seconds=settings.refresh_token_ttl_seconds))
    access = _serializer().dumps({"sid": session.id, "k": kind})
    return TokenPair(access, refresh, settings.access_token_ttl_seconds,
                     actor_for(kind, subject_id, session.id))


def login_staff(username: str, password: str, *, address: str = "") -> TokenPair:
    """Check a staff password and open a session.

    Repeated failures throttle that account from that address only: someone guessing
    elsewhere cannot lock its owner out (spraying many accounts from one address is limited
    at the edge).
    """
    settings = runtime.settings()
    window_start = utcnow() - timedelta(seconds=settings.login_lockout_seconds)
    failures = (LoginAttempt.select().where(LoginAttempt.username == username,
                                            LoginAttempt.address == address,
                                            LoginAttempt.created_at > window_start).count())
    if failures >= settings.login_failures_before_lockout:
        raise TooManyRequests("登录失败次数过多，请15分钟后再试", code="login_throttled")
    staff = StaffAccount.get_or_none(StaffAccount.username == username)
    matches = password_matches(staff.password_hash if staff else _DUMMY_HASH, password)
    if staff is None or not matches or not staff.is_active:
        with db.atomic():
            LoginAttempt.create(username=username, address=address)
        # The failure is kept even though the login is refused: it counts towards throttling.
        raise NotAuthenticated("用户名或密码错误", code="invalid_credentials", keep_writes=True)
    with db.atomic():
        LoginAttempt.delete().where(LoginAttempt.username == username,
                                    LoginAttempt.address == address).execute()
        pair = issue_tokens("staff", staff.id)
        audit.record(actor=pair.actor, action="auth.login", entity="staff_account",
                     entity_id=staff.id)
    return pair


def password_matches(password_hash: str, password: str) -> bool:
    """True when the password is the one the hash was made from."""
    try:
        return _hasher.verify(password_hash, password)
    except (VerifyMismatchError, InvalidHashError):
        return False


# WeChat's answers to jscode2session, as the product explains them to a person.
_WECHAT_LOGIN_ERRORS: dict[int, tuple[type[DomainError], str, str]] = {
    40029: (ValidationFailed, "wechat_invalid_code", "微信登录凭证无效，请重新进入小程序"),
    40163: (ValidationFailed, "wechat_code_used", "微信登录凭证已被使用，请重新进入小程序"),
    45011: (TooManyRequests, "wechat_rate_limited", "登录过于频繁，请稍后再试"),
    -1: (UpstreamUnavailable, "wechat_busy", "微信服务繁忙，请稍后再试"),
}


def login_wechat(code: str, *, wechat: WeChatClient) -> TokenPair:
    """Exchange a wx.login code for the openid; keep session_key server-side; open a session."""
    try:
        answer = wechat.code_to_session(code)
    except WeChatError as exc:
        error_class, error_code, message = _WECHAT_LOGIN_ERRORS.get(
            exc.errcode, (UpstreamUnavailable, "wechat_error", "微信登录失败，请稍后再试"))
        raise error_class(message, code=error_code) from None
    except WeChatUnavailable:
        raise UpstreamUnavailable("无法连接微信服务，请稍后再试",
                                  code="wechat_unreachable") from None
    now = utcnow()
    with db.atomic():
        resident, created = Resident.get_or_create(openid=answer.openid,
                                                   defaults={"unionid": answer.unionid})
        resident.last_login_at = now
        resident.save()
        key = WeChatSessionKey.get_or_none(WeChatSessionKey.resident == resident)
        context = f"resident:{resident.id}:session_key"
        encrypted = runtime.vault().encrypt(answer.session_key, context=context)
        if key is None:
            WeChatSessionKey.create(resident=resident, session_key_enc=encrypted, updated_at=now)
        else:
            key.session_key_enc, key.updated_at = encrypted, now
            key.save()
        pair = issue_tokens("resident", resident.id)
        audit.record(actor=pair.actor, action="auth.register" if created else "auth.login",
                     entity="resident", entity_id=resident.id)
    return pair


def authenticate(access_token: str) -> Actor:
    """The actor behind an access token, or NotAuthenticated."""
    settings = runtime.settings()
    try:
        data: dict[str, Any] = _serializer().loads(access_token,
                                                    max_age=settings.access_token_ttl_seconds)
    except SignatureExpired:
        raise NotAuthenticated("登录已过期，请刷新或重新登录", code="token_expired") from None
    except BadSignature:
        raise NotAuthenticated("登录凭证无效", code="invalid_token") from None
    session = _session_with_account(data.get("sid"), data.get("k"))
    if session is None:
        raise NotAuthenticated("登录已失效，请重新登录", code="session_revoked")
    # Deactivation also revokes the sessions; the account's state is the clearer answer.
    actor = _active_actor(session)
    if session.revoked_at is not None or session.expires_at < utcnow():
        raise NotAuthenticated("登录已失效，请重新登录", code="session_revoked")
    return actor


def _session_of_kind(kind: str) -> Callable[[Any], pw.ModelSelect[AuthSession]]:
    """The session joined with its account of one kind (the kind its token names)."""
    account = StaffAccount if kind == "staff" else Resident

    def build(session_id: Any) -> pw.ModelSelect[AuthSession]:
        named = (AuthSession.subject_kind == kind) & (account.id == AuthSession.subject_id)
        return (AuthSession.select(AuthSession, account)
                .join(account, pw.JOIN.LEFT_OUTER, on=named, attr=f"{kind}_account")
                .where(AuthSession.id == session_id))

    return build


# Session ids are positive, so -1 stands for the id while the SQL is compiled.
_SESSION_OF_KIND: dict[str, CompiledSelect[AuthSession]] = {
    kind: CompiledSelect(_session_of_kind(kind), [-1]) for kind in ("staff", "resident")}


def _session_with_account(session_id: Any, kind: Any = None) -> AuthSession | None:
    """The session with its staff account or resident, in one query: every authenticated
    request starts here, so it costs one round trip to the database, not two. (A token issued
    before tokens named their kind reads the session, then its account.)"""
    if not isinstance(session_id, int) or isinstance(session_id, bool) or session_id <= 0:
        return None
    lookup = _SESSION_OF_KIND.get(kind) if isinstance(kind, str) else None
    session = (lookup.first(session_id) if lookup is not None
               else AuthSession.get_or_none(AuthSession.id == session_id))
    if session is not None:
        _accounts.set((runtime.request_id(), session.id, _account_of(session)))
    return session


def _account_of(session: AuthSession) -> StaffAccount | Resident | None:
    """The account row of a session (joined when it was read with it), None if there is none."""
    attribute = f"{session.subject_kind}_account"
    if attribute not in vars(session):  # read without the join (a refresh, a logout)
        model = StaffAccount if session.subject_kind == "staff" else Resident
        return model.get_or_none(model.id == session.subject_id)
    account = vars(session)[attribute]
    return account if account is not None and account.id is not None else None


def authenticated_account(actor: Actor) -> StaffAccount | Resident:
    """The account row of the actor this request authenticated (read with its session), or
    read now for any other actor."""
    seen = _accounts.get()
    if (seen is not None and seen[0] is not None and seen[0] == runtime.request_id()
            and seen[1] == actor.session_id and seen[2] is not None):
        return seen[2]
    model = StaffAccount if actor.kind == "staff" else Resident
    account: StaffAccount | Resident = model.get_by_id(actor.id)
    return account


def _active_actor(session: AuthSession) -> Actor:
    """The session's actor, unless a staff account behind it was deactivated since login."""
    account = _account_of(session)
    if session.subject_kind != "staff":
        if account is None:
            raise NotAuthenticated("登录已失效，请重新登录", code="session_revoked")
        return Actor(kind="resident", id=account.id, role="resident", name=account.name or "",
                     session_id=session.id)
    if not isinstance(account, StaffAccount) or not account.is_active:
        raise NotAuthenticated("账号已停用，请联系管理员", code="account_inactive")
    return _staff_actor(account, session.id)


def refresh_tokens(refresh_token: str) -> TokenPair:
    """Rotate a refresh token: the old one stops working, a new pair is answered.

    A token already rotated away that comes back was copied (RFC 6819 5.2.2.3): the login it
    descends from is revoked, so the thief's and the owner's tokens all stop working.
    """
    settings = runtime.settings()
    presented = _digest(refresh_token)
    session = AuthSession.get_or_none(AuthSession.refresh_token_hash == presented)
    if session is None:
        if _revoke_if_reused(presented):
            # The revocation must stand although the request is refused.
            raise NotAuthenticated("刷新凭证已被使用过，为安全起见本次登录已注销，请重新登录",
                                   code="refresh_token_reused", keep_writes=True)
        raise NotAuthenticated("刷新凭证无效或已过期，请重新登录", code="invalid_refresh_token")
    if session.revoked_at is not None or session.expires_at < utcnow():
        raise NotAuthenticated("刷新凭证无效或已过期，请重新登录", code="invalid_refresh_token")
    actor = _active_actor(session)
    new_refresh = secrets.token_urlsafe(32)
    with db.atomic():
        rotated = (AuthSession.update(refresh_token_hash=_digest(new_refresh))
                   .where(AuthSession.id == session.id,
                          AuthSession.refresh_token_hash == presented).execute())
        if not rotated:  # a concurrent refresh won with the same token
            raise NotAuthenticated("刷新凭证已被使用，请重新登录", code="invalid_refresh_token")
        RetiredRefreshToken.create(token_hash=presented, session=session.id, retired_at=utcnow())
    access = _serializer().dumps({"sid": session.id, "k": session.subject_kind})
    return TokenPair(access, new_refresh, settings.access_token_ttl_seconds, actor)


def _revoke_if_reused(token_hash: str) -> bool:
    """Revoke the login a rotated-away token belonged to; answer whether it was one."""
    retired = RetiredRefreshToken.get_or_none(RetiredRefreshToken.token_hash == token_hash)
    if retired is None:
        return False
    session = AuthSession.get_by_id(retired.session_id)
    if session.revoked_at is None:
        with db.atomic():
            AuthSession.update(revoked_at=utcnow()).where(AuthSession.id == session.id).execute()
            audit.record(actor=actor_for(session.subject_kind, session.subject_id, session.id),
                         action="auth.refresh_reused", entity="auth_session",
                         entity_id=session.id, reason="已轮换的刷新凭证被再次使用，登录已整体注销")
    return True


def logout(*, actor: Actor) -> None:
    """Revoke the actor's session: its access and refresh tokens stop working."""
    with db.atomic():
        AuthSession.update(revoked_at=utcnow()).where(AuthSession.id == actor.session_id).execute()
        audit.record(actor=actor, action="auth.logout", entity="auth_session",
                     entity_id=actor.session_id)
