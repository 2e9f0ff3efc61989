"""Staff console sessions: a password login whose session lives in the database and ends after
a stretch of idleness, or at logout, or when the account is deactivated.

The browser holds only a signed reference to the session row (``AuthSession``, the same rows
the API's tokens name), so revoking the row ends the console session at once.
"""

from __future__ import annotations

from datetime import timedelta

from backend import audit
from backend.errors import NotAuthenticated
from backend.models import AuthSession, StaffAccount, utcnow
from backend.permissions import Actor
from backend.services import auth

# Sliding the expiry on every request would write on every page view; a minute is precise enough.
TOUCH_EVERY = timedelta(minutes=1)


def open_session(username: str, password: str, *, address: str, idle: timedelta) -> Actor:
    """Check a staff password (throttled as for the API) and open a session ending when idle."""
    pair = auth.login_staff(username, password, address=address)
    (AuthSession.update(expires_at=utcnow() + idle)
     .where(AuthSession.id == pair.actor.session_id).execute())
    return pair.actor


def resume_session(session_id: int, *, idle: timedelta) -> Actor:
    """The actor of a live session, its idle clock restarted; NotAuthenticated once it ended."""
    session = AuthSession.get_or_none(AuthSession.id == session_id)
    now = utcnow()
    if session is None or session.subject_kind != "staff":
        raise NotAuthenticated("登录已失效，请重新登录", code="session_expired")
    # Checked first: deactivation also revokes the sessions, and this is the clearer answer.
    staff = StaffAccount.get_or_none(StaffAccount.id == session.subject_id)
    if staff is None or not staff.is_active:
        raise NotAuthenticated("账号已停用", code="account_inactive")
    if session.revoked_at is not None or session.expires_at < now:
        raise NotAuthenticated("登录已失效，请重新登录", code="session_expired")
    if session.expires_at - idle < now - TOUCH_EVERY:
        AuthSession.update(expires_at=now + idle).where(AuthSession.id == session.id).execute()
    return auth.actor_for("staff", staff.id, session.id)


def close_session(*, actor: Actor) -> None:
    """Log out: the session row is revoked, so the cookie no longer opens anything."""
    (AuthSession.update(revoked_at=utcnow())
     .where(AuthSession.id == actor.session_id, AuthSession.revoked_at.is_null()).execute())
    audit.record(actor=actor, action="auth.logout", entity="auth_session",
                 entity_id=actor.session_id)
