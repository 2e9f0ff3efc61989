"""WeChat's rules for user content: residents' texts are checked before they are kept, their
images after they are stored, and staff see every text or image WeChat doubted or refused.

Texts (``screen_text``) go through ``msg_sec_check`` v2 inside the request: ``risky`` answers
422 ``content_rejected`` and nothing is stored; ``review`` is stored and flagged for staff.
Images (``request_media_check``) are stored at once and checked asynchronously: an outbox event
asks ``media_check_async`` after commit, WeChat fetches the image from a short-lived signed URL
and pushes its verdict to the message endpoint (``record_media_verdict``); a risky image is
withdrawn, no longer served, and its owner and staff see why.

When WeChat cannot answer (unreachable, busy, quota, an openid it has not seen for two hours),
the text is **accepted and flagged** ``unchecked`` for staff review rather than refused: a
resident asking for assistance or complaining must not be turned away by a third party's
outage, what they write is read by staff only (never published to other users), and staff
review every flagged text, so failing open costs a review, not exposure.

Only residents' own words are checked: WeChat checks a user's content by their openid, and
staff (including coordinators filing for someone) log in by password and have none.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass
from enum import IntEnum
from pathlib import Path
from typing import Any, Protocol

from itsdangerous import BadSignature, URLSafeTimedSerializer

from backend import audit, outbox, runtime, storage
from backend.errors import NotFound, ValidationFailed
from backend.models import (
    ApplicationMaterial,
    CheckStatus,
    ContentCheck,
    GrievancePhoto,
    Resident,
    utcnow,
)
from backend.permissions import Actor, ActorKind, Role
from backend.services.auth import authenticated_account
from backend.wechat import ContentVerdict

log = logging.getLogger(__name__)

# WeChat's push, as the actor of the verdicts it brings.
WECHAT = Actor(kind=ActorKind.SYSTEM, id=None, role=Role.SYSTEM, name="微信内容安全")
# Stored images a resident uploads, by the subject name their checks carry.
MEDIA_SUBJECTS: dict[str, type[ApplicationMaterial] | type[GrievancePhoto]] = {
    "application_material": ApplicationMaterial, "grievance_photo": GrievancePhoto}
MEDIA_URL_PATH = "/api/v1/wechat/media/"
TEXT_LIMIT = 2500  # msg_sec_check reads at most 2500 characters per call

# WeChat's labels (msg_sec_check / media_check_async v2), as staff and residents read them.
LABELS = {100: "正常", 10001: "广告", 20001: "时政", 20002: "色情", 20003: "辱骂",
          20006: "违法犯罪", 20008: "欺诈", 20012: "低俗", 20013: "版权", 21000: "其他"}


class Scene(IntEnum):
    """WeChat's content scenes."""

    PROFILE = 1  # 资料: applications, bookings (what a person says about themselves)
    COMMENT = 2  # 评论: objections, ratings' comments, complaints
    FORUM = 3  # 论坛
    SOCIAL_LOG = 4  # 社交日志


class CheckUnavailable(Exception):
    """WeChat could not give a verdict now; ``note`` says why in Chinese, for staff."""

    def __init__(self, note: str) -> None:
        super().__init__(note)
        self.note = note


class ContentChecker(Protocol):
    """What asks WeChat (``notifications.content_checks`` installs the real one)."""

    def check_text(self, content: str, *, openid: str, scene: int) -> ContentVerdict:
        """WeChat's verdict on one text; raises CheckUnavailable."""


class _NoChecker:
    """Before a process installs its checker: nothing can be checked, so everything is flagged."""

    def check_text(self, content: str, *, openid: str, scene: int) -> ContentVerdict:
        """Refuse to guess."""
        raise CheckUnavailable("未接入微信内容安全识别")


_checker: ContentChecker = _NoChecker()


def install_checker(checker: ContentChecker | None) -> None:
    """Use this checker for residents' texts in this process (None: none, texts are flagged)."""
    global _checker
    _checker = checker or _NoChecker()


def label_name(label: int | None) -> str:
    """A WeChat label as people read it."""
    return LABELS.get(label or 0, "其他")


@dataclass(frozen=True)
class Screening:
    """What became of one text: passed, or flagged (review, unchecked) with WeChat's trace."""

    field: str
    scene: int
    status: str  # a CheckStatus other than risky
    label: int | None = None
    trace_id: str | None = None
    note: str = ""


def _chunks(text: str) -> list[str]:
    return [text[start:start + TEXT_LIMIT] for start in range(0, len(text), TEXT_LIMIT)]


def _verdict(text: str, openid: str, scene: Scene) -> ContentVerdict:
    """The worst verdict over a text's 2500-character parts."""
    order = {"pass": 0, "review": 1, "risky": 2}
    verdicts = [_checker.check_text(part, openid=openid, scene=scene) for part in _chunks(text)]
    return max(verdicts, key=lambda verdict: order[verdict.suggest])


def screen_text(texts: dict[str, str], *, actor: Actor, scene: Scene) -> list[Screening]:
    """Check a resident's texts (field → text) before they are kept; raise 422 on a risky one."""
    said = {field: text for field, text in texts.items() if text and text.strip()}
    if not actor.is_resident or actor.id is None or not said:
        return []
    # The resident's row came with the request's session: asking WeChat costs no extra read.
    resident = authenticated_account(actor)
    assert isinstance(resident, Resident)  # is_resident above
    openid = resident.openid
    screenings = []
    for field, text in said.items():
        try:
            verdict = _verdict(text, openid, scene)
        except CheckUnavailable as exc:
            log.warning("content check of %s unavailable: %s", field, exc.note)
            screenings.append(Screening(field, scene, CheckStatus.UNCHECKED, note=exc.note))
            continue
        if verdict.suggest == "risky":
            message = f"内容含有违规信息（{label_name(verdict.label)}），请修改后再提交"
            raise ValidationFailed(message, code="content_rejected", errors={field: [message]})
        if verdict.suggest == "review":
            screenings.append(Screening(field, scene, CheckStatus.REVIEW, verdict.label,
                                        verdict.trace_id,
                                        f"微信建议人工复核（{label_name(verdict.label)}）"))
    return screenings


def record_screenings(screenings: list[Screening], *, subject: str, subject_id: int,
                      area_code: str, actor: Actor) -> list[ContentCheck]:
    """Keep the flags of a subject's texts for staff, inside the subject's transaction."""
    rows = []
    for screening in screenings:
        row = ContentCheck.create(
            subject=subject, subject_id=subject_id, field=screening.field, kind="text",
            area_code=area_code, resident=actor.id, scene=screening.scene,
            status=screening.status, label=screening.label, trace_id=screening.trace_id,
            note=screening.note)
        audit.record(actor=actor, action="content_check.flag", entity=subject,
                     entity_id=subject_id, area_code=area_code,
                     changes={"field": [None, screening.field],
                              "status": [None, screening.status]})
        rows.append(row)
    return rows


def request_media_check(*, subject: str, subject_id: int, area_code: str, actor: Actor,
                        scene: Scene = Scene.COMMENT) -> ContentCheck | None:
    """Ask, after commit, WeChat to check a resident's stored image (pending until its push)."""
    if not actor.is_resident or actor.id is None:
        return None
    row = ContentCheck.create(subject=subject, subject_id=subject_id, kind="media",
                              area_code=area_code, resident=actor.id, scene=scene,
                              status=CheckStatus.PENDING)
    outbox.emit("content.media_check_requested", check_id=row.id)
    return row


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(runtime.settings().secret_key, salt="wechat-media-check")


def media_url(check: ContentCheck) -> str | None:
    """The short-lived signed URL WeChat fetches a checked image from (None: no public URL)."""
    base = runtime.settings().public_base_url.rstrip("/")
    if not base:
        return None
    return base + MEDIA_URL_PATH + str(_serializer().dumps(check.id))


def media_file(token: str) -> tuple[Path, str]:
    """The stored image (path, content type) behind a signed media URL that is still valid."""
    try:
        check_id = _serializer().loads(
            token, max_age=runtime.settings().media_check_url_ttl_seconds)
    except BadSignature:
        raise NotFound("链接无效或已过期", code="media_link_invalid") from None
    check = ContentCheck.get_or_none(ContentCheck.id == check_id, ContentCheck.kind == "media")
    model = MEDIA_SUBJECTS.get(check.subject) if check is not None else None
    item = model.get_or_none(model.id == check.subject_id) if model and check else None
    if item is None:
        raise NotFound("链接无效或已过期", code="media_link_invalid")
    return storage.path_of(item.storage_name), item.content_type


# Said of a withdrawn image when WeChat gave no note.
WITHDRAWN = "该图片已撤下"


def withdrawn_reason(subject: str, subject_id: int) -> str | None:
    """Why an image was withdrawn, for its owner and staff; None while it is served."""
    check = withdrawn(subject, subject_id)
    return (check.note or WITHDRAWN) if check is not None else None


# Where `note_withdrawn` leaves each item's answer on the item, so a page asks once.
_WITHDRAWN_NOTED = "_withdrawn_reason_noted"


def note_withdrawn(subject: str, items: Iterable[Any]) -> None:
    """Read why each of these images was withdrawn (None if not) in one query, for a page."""
    items = list(items)
    if not items:
        return
    rows = (ContentCheck.select(ContentCheck.subject_id, ContentCheck.note)
            .where(ContentCheck.subject == subject,
                   ContentCheck.subject_id.in_([item.id for item in items]),
                   ContentCheck.withdrawn_at.is_null(False)))
    reasons = {row.subject_id: row.note or WITHDRAWN for row in rows}
    for item in items:
        setattr(item, _WITHDRAWN_NOTED, reasons.get(item.id))


def withdrawn_reason_of(subject: str, item: Any) -> str | None:
    """`withdrawn_reason` of an item, from `note_withdrawn` when its page already asked."""
    if _WITHDRAWN_NOTED in vars(item):
        noted: str | None = vars(item)[_WITHDRAWN_NOTED]
        return noted
    return withdrawn_reason(subject, item.id)


def refuse_withdrawn(subject: str, subject_id: int) -> None:
    """Refuse to serve an image WeChat found risky, saying why (404 for everyone)."""
    reason = withdrawn_reason(subject, subject_id)
    if reason is not None:
        raise NotFound(reason, code="media_withdrawn")


def mark_unchecked(check: ContentCheck, note: str) -> None:
    """An image WeChat could not be asked about: flagged for staff to look at themselves."""
    check.status, check.note, check.updated_at = CheckStatus.UNCHECKED, note, utcnow()
    check.save()


def flags_of(subject: str, subject_ids: list[int]) -> dict[int, list[ContentCheck]]:
    """The flagged checks (all but pass) of some subjects, by subject id, oldest first."""
    if not subject_ids:
        return {}
    rows = (ContentCheck.select()
            .where(ContentCheck.subject == subject, ContentCheck.subject_id.in_(subject_ids),
                   ContentCheck.status != CheckStatus.PASS)
            .order_by(ContentCheck.id))
    found: dict[int, list[ContentCheck]] = {}
    for row in rows:
        found.setdefault(row.subject_id, []).append(row)
    return found


def latest_flags(subject: str, subject_ids: list[int]) -> dict[int, ContentCheck]:
    """Each subject's latest flagged check (an image has one), by subject id."""
    return {subject_id: rows[-1] for subject_id, rows in flags_of(subject, subject_ids).items()}


def withdrawn(subject: str, subject_id: int) -> ContentCheck | None:
    """The check that withdrew an image, if WeChat found it risky."""
    return (ContentCheck.select()
            .where(ContentCheck.subject == subject, ContentCheck.subject_id == subject_id,
                   ContentCheck.withdrawn_at.is_null(False))
            .first())


def record_media_verdict(verdict: ContentVerdict, *, actor: Actor) -> ContentCheck | None:
    """Keep WeChat's pushed verdict on an image; withdraw a risky one. Unknown traces: None."""
    row = ContentCheck.get_or_none(ContentCheck.trace_id == verdict.trace_id,
                                   ContentCheck.kind == "media")
    if row is None or row.status not in (CheckStatus.PENDING, CheckStatus.UNCHECKED):
        return row  # an unknown trace, or a push WeChat repeated: nothing changes
    row.status, row.label, row.updated_at = verdict.suggest, verdict.label, utcnow()
    if verdict.suggest == "risky":
        row.withdrawn_at = utcnow()
        row.note = f"微信判定违规（{label_name(verdict.label)}），图片已撤下"
    elif verdict.suggest == "review":
        row.note = f"微信建议人工复核（{label_name(verdict.label)}）"
    row.save()
    audit.record(actor=actor, action="content_check.media_verdict", entity=row.subject,
                 entity_id=row.subject_id, area_code=row.area_code,
                 changes={"status": [CheckStatus.PENDING, row.status]})
    if row.withdrawn_at is not None:
        outbox.emit("content.media_withdrawn", check_id=row.id)
    return row
